//! ABI export (`export-abi` feature): AAT's interface with the events it
//! emits, which stylus-sdk 0.9 cannot generate by itself.

use alloy_json_abi::Event;
use alloy_sol_types::JsonAbiExt;

use crate::IAAT;

/// Every event AAT emits itself (`events` encodes them by hand; the tests
/// compare each with alloy's encoding of these same types). The export adds
/// those of `abi_core::access`.
#[must_use]
pub fn events() -> Vec<Event> {
    vec![
        IAAT::TransferSingle::abi(),
        IAAT::TransferBatch::abi(),
        IAAT::ApprovalForAll::abi(),
        IAAT::URI::abi(),
        IAAT::TokenTypeCreated::abi(),
        IAAT::Consumed::abi(),
        IAAT::FeeCollected::abi(),
        IAAT::Reclaimed::abi(),
        IAAT::Swapped::abi(),
        IAAT::VoucherSettled::abi(),
        IAAT::VoucherRejected::abi(),
        IAAT::ChannelOpened::abi(),
        IAAT::ChannelClosed::abi(),
        IAAT::EIP712DomainChanged::abi(),
        IAAT::ModelPriceSet::abi(),
        IAAT::FeeBpsSet::abi(),
        IAAT::TreasurySet::abi(),
    ]
}
