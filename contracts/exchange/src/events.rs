//! The exchange's events, laid out by hand (`abi_core::log`), topic for
//! topic and word for word as `IAATExchange.sol` declares them; the motsu
//! tests compare every one with alloy's own encoding of the spec's event
//! types.

use abi_core::{codec::Word, log};
use alloy_primitives::{Address, B256, U256};
use alloy_sol_types::SolEvent;

use crate::{AATExchange, IAATExchange};

/// What one fill moved, as `OrderFilled` reports it.
#[allow(clippy::struct_field_names)] // named as `OrderFilled`'s fields
pub(crate) struct Filled {
    pub order_hash: B256,
    pub maker: Address,
    pub taker: Address,
    pub give_id: U256,
    pub give_filled: U256,
    pub want_id: U256,
    pub want_paid: U256,
    pub fee: U256,
}

impl AATExchange {
    pub(crate) fn emit_order_filled(&self, filled: &Filled) {
        log::emit_words(
            &[
                abi_core::code_word!(IAATExchange::OrderFilled::SIGNATURE_HASH),
                filled.order_hash,
                filled.maker.word(),
                filled.taker.word(),
                filled.give_id.word(),
                filled.give_filled.word(),
                filled.want_id.word(),
                filled.want_paid.word(),
                filled.fee.word(),
            ],
            4,
        );
    }

    pub(crate) fn emit_order_cancelled(&self, order_hash: B256, maker: Address) {
        log::emit_words(
            &[
                abi_core::code_word!(IAATExchange::OrderCancelled::SIGNATURE_HASH),
                order_hash,
                maker.word(),
            ],
            3,
        );
    }

    pub(crate) fn emit_min_nonce_raised(&self, maker: Address, min_nonce: u64) {
        log::emit_words(
            &[
                abi_core::code_word!(IAATExchange::MinNonceRaised::SIGNATURE_HASH),
                maker.word(),
                min_nonce.word(),
            ],
            2,
        );
    }

    pub(crate) fn emit_fee_bps_set(&self, fee_bps: u16) {
        log::emit_words(
            &[
                abi_core::code_word!(IAATExchange::FeeBpsSet::SIGNATURE_HASH),
                fee_bps.word(),
            ],
            1,
        );
    }

    pub(crate) fn emit_treasury_set(&self, treasury: Address) {
        log::emit_words(
            &[
                abi_core::code_word!(IAATExchange::TreasurySet::SIGNATURE_HASH),
                treasury.word(),
            ],
            2,
        );
    }
}
