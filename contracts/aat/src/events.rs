//! AAT's events, laid out by hand (`abi_core::log`): each function emits one
//! event of `IAAT.sol`, topic for topic and word for word; the motsu tests
//! compare every one with alloy's own encoding of the spec's event types.

use abi_core::{
    codec::{self, Word},
    log,
};
use alloy_primitives::{Address, FixedBytes, B256, U256};
use alloy_sol_types::SolEvent;

use crate::{AAT, IAAT};

impl AAT {
    fn emit(&self, topics: &[B256], data: &[u8]) {
        log::emit(topics, data);
    }

    fn emit_words(&self, words: &[B256], topics: usize) {
        log::emit_words(words, topics);
    }

    pub(crate) fn emit_transfer_single(
        &self,
        operator: Address,
        from: Address,
        to: Address,
        id: U256,
        value: U256,
    ) {
        self.emit_words(
            &[
                abi_core::code_word!(IAAT::TransferSingle::SIGNATURE_HASH),
                operator.word(),
                from.word(),
                to.word(),
                id.word(),
                value.word(),
            ],
            4,
        );
    }

    pub(crate) fn emit_transfer_batch(
        &self,
        operator: Address,
        from: Address,
        to: Address,
        ids: &[U256],
        values: &[U256],
    ) {
        self.emit(
            &[
                abi_core::code_word!(IAAT::TransferBatch::SIGNATURE_HASH),
                operator.word(),
                from.word(),
                to.word(),
            ],
            &codec::encode_two_arrays(ids, values),
        );
    }

    pub(crate) fn emit_approval_for_all(
        &self,
        account: Address,
        operator: Address,
        approved: bool,
    ) {
        self.emit_words(
            &[
                abi_core::code_word!(IAAT::ApprovalForAll::SIGNATURE_HASH),
                account.word(),
                operator.word(),
                approved.word(),
            ],
            3,
        );
    }

    pub(crate) fn emit_uri(&self, value: &[u8], id: U256) {
        self.emit(
            &[abi_core::code_word!(IAAT::URI::SIGNATURE_HASH), id.word()],
            &codec::encode_bytes(value),
        );
    }

    pub(crate) fn emit_token_type_created(&self, id: U256, token: &crate::TokenType) {
        self.emit_words(
            &[
                abi_core::code_word!(IAAT::TokenTypeCreated::SIGNATURE_HASH),
                id.word(),
                token.terms.origin_pool.word(),
                token.model.word(),
                token.scope.word(),
                token.terms.expiration.word(),
                token.terms.reclaimable.word(),
                token.terms.tradable.word(),
            ],
            3,
        );
    }

    pub(crate) fn emit_consumed(
        &self,
        holder: Address,
        id: U256,
        operator: Address,
        amount: U256,
        fee: U256,
    ) {
        self.emit_words(
            &[
                abi_core::code_word!(IAAT::Consumed::SIGNATURE_HASH),
                holder.word(),
                id.word(),
                operator.word(),
                amount.word(),
                fee.word(),
            ],
            4,
        );
    }

    pub(crate) fn emit_fee_collected(&self, id: U256, fee: U256, minted: U256, treasury: Address) {
        self.emit_words(
            &[
                abi_core::code_word!(IAAT::FeeCollected::SIGNATURE_HASH),
                id.word(),
                treasury.word(),
                fee.word(),
                minted.word(),
            ],
            3,
        );
    }

    pub(crate) fn emit_reclaimed(&self, pool: Address, holder: Address, id: U256, amount: U256) {
        self.emit_words(
            &[
                abi_core::code_word!(IAAT::Reclaimed::SIGNATURE_HASH),
                pool.word(),
                holder.word(),
                id.word(),
                amount.word(),
            ],
            4,
        );
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn emit_swapped(
        &self,
        party_a: Address,
        party_b: Address,
        id_a: U256,
        amount_a: U256,
        id_b: U256,
        amount_b: U256,
    ) {
        self.emit_words(
            &[
                abi_core::code_word!(IAAT::Swapped::SIGNATURE_HASH),
                party_a.word(),
                party_b.word(),
                id_a.word(),
                amount_a.word(),
                id_b.word(),
                amount_b.word(),
            ],
            3,
        );
    }

    pub(crate) fn emit_model_price_set(&self, model: FixedBytes<16>, price: U256) {
        self.emit_words(
            &[
                abi_core::code_word!(IAAT::ModelPriceSet::SIGNATURE_HASH),
                model.word(),
                price.word(),
            ],
            2,
        );
    }

    pub(crate) fn emit_fee_bps_set(&self, fee_bps: u16) {
        self.emit_words(
            &[
                abi_core::code_word!(IAAT::FeeBpsSet::SIGNATURE_HASH),
                fee_bps.word(),
            ],
            1,
        );
    }

    pub(crate) fn emit_treasury_set(&self, treasury: Address) {
        self.emit_words(
            &[
                abi_core::code_word!(IAAT::TreasurySet::SIGNATURE_HASH),
                treasury.word(),
            ],
            2,
        );
    }

    pub(crate) fn emit_voucher_settled(
        &self,
        voucher: &crate::vouchers::Voucher,
        consumed: U256,
        fee: U256,
    ) {
        self.emit_words(
            &[
                abi_core::code_word!(IAAT::VoucherSettled::SIGNATURE_HASH),
                voucher.holder.word(),
                voucher.provider.word(),
                voucher.id.word(),
                voucher.cumulative_amount.word(),
                consumed.word(),
                fee.word(),
            ],
            4,
        );
    }

    pub(crate) fn emit_voucher_rejected(&self, voucher: &crate::vouchers::Voucher, reason: &[u8]) {
        self.emit(
            &[
                abi_core::code_word!(IAAT::VoucherRejected::SIGNATURE_HASH),
                voucher.holder.word(),
                voucher.provider.word(),
                voucher.id.word(),
            ],
            &codec::encode_bytes(reason),
        );
    }

    pub(crate) fn emit_channel_opened(
        &self,
        holder: Address,
        provider: Address,
        id: U256,
        locked: U256,
        expires_at: u64,
        signer: Address,
    ) {
        self.emit_words(
            &[
                abi_core::code_word!(IAAT::ChannelOpened::SIGNATURE_HASH),
                holder.word(),
                provider.word(),
                id.word(),
                locked.word(),
                expires_at.word(),
                signer.word(),
            ],
            4,
        );
    }

    pub(crate) fn emit_channel_closed(
        &self,
        holder: Address,
        provider: Address,
        id: U256,
        returned: U256,
    ) {
        self.emit_words(
            &[
                abi_core::code_word!(IAAT::ChannelClosed::SIGNATURE_HASH),
                holder.word(),
                provider.word(),
                id.word(),
                returned.word(),
            ],
            4,
        );
    }
}
