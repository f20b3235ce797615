//! ABI export (`export-abi` feature): TokenAI's interface with the events it
//! emits, which stylus-sdk 0.9 cannot generate by itself.

use alloy_json_abi::Event;
use alloy_sol_types::JsonAbiExt;
use stylus_sdk::abi::GenerateAbi;

use crate::{ITokenAI, TokenAI};

/// Every event TokenAI emits. `Paused`/`Unpaused` and the ownership events
/// are emitted by OpenZeppelin's `Pausable` and `Ownable2Step` with these
/// same signatures.
#[must_use]
pub fn events() -> Vec<Event> {
    vec![
        ITokenAI::Transfer::abi(),
        ITokenAI::Approval::abi(),
        ITokenAI::MinterSet::abi(),
        ITokenAI::Paused::abi(),
        ITokenAI::Unpaused::abi(),
        ITokenAI::OwnershipTransferStarted::abi(),
        ITokenAI::OwnershipTransferred::abi(),
    ]
}

/// Prints the ABI as the command line asks (see `abi_export::export`).
pub fn export() {
    let generated = abi_export::Generated {
        interface: TokenAI::fmt_abi,
        constructor: TokenAI::fmt_constructor_signature,
    };
    abi_export::export(generated, &events());
}
