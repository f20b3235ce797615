//! ABI export (`export-abi` feature): AAT's interface with the events it
//! emits, which stylus-sdk 0.9 cannot generate by itself.

use alloy_json_abi::Event;
use alloy_sol_types::JsonAbiExt;
use stylus_sdk::abi::GenerateAbi;

use crate::{AAT, IAAT};

/// Every event AAT emits (`events` and `access` encode them by hand; the
/// tests compare each with alloy's encoding of these same types).
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
        IAAT::MinterSet::abi(),
        IAAT::ModelPriceSet::abi(),
        IAAT::FeeBpsSet::abi(),
        IAAT::TreasurySet::abi(),
        IAAT::Paused::abi(),
        IAAT::Unpaused::abi(),
        IAAT::OwnershipTransferStarted::abi(),
        IAAT::OwnershipTransferred::abi(),
    ]
}

/// Prints the ABI as the command line asks (see `abi_export::export`).
pub fn export() {
    let generated = abi_export::Generated {
        interface: AAT::fmt_abi,
        constructor: AAT::fmt_constructor_signature,
    };
    abi_export::export(generated, &events());
}
