//! ABI export (`export-abi` feature): TokenAI's interface with the events it
//! emits, which stylus-sdk 0.9 cannot generate by itself.

use alloy_json_abi::Event;
use alloy_sol_types::JsonAbiExt;

use crate::ITokenAI;

/// Every event TokenAI emits itself (`lib`, `authorization`). The export
/// adds those of `abi_core::access`.
#[must_use]
pub fn events() -> Vec<Event> {
    vec![
        ITokenAI::Transfer::abi(),
        ITokenAI::Approval::abi(),
        ITokenAI::AuthorizationUsed::abi(),
        ITokenAI::AuthorizationCanceled::abi(),
        ITokenAI::EIP712DomainChanged::abi(),
    ]
}
