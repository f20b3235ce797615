//! ABI export (`export-abi` feature): the exchange's interface with the
//! events it emits, which stylus-sdk 0.9 cannot generate by itself.

use alloy_json_abi::Event;
use alloy_sol_types::JsonAbiExt;

use crate::IAATExchange;

/// Every event the exchange declares itself (`events` encodes those it
/// emits by hand; the tests compare each with alloy's encoding of these
/// same types). The export adds the ownership and pause ones of
/// `abi_core::access`.
#[must_use]
pub fn events() -> Vec<Event> {
    vec![
        IAATExchange::OrderFilled::abi(),
        IAATExchange::OrderCancelled::abi(),
        IAATExchange::MinNonceRaised::abi(),
        IAATExchange::EIP712DomainChanged::abi(),
        IAATExchange::FeeBpsSet::abi(),
        IAATExchange::TreasurySet::abi(),
    ]
}
