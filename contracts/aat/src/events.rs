//! AAT's events, laid out by hand (`abi_core::log`): each function emits one
//! event of `IAAT.sol`, topic for topic and word for word; the motsu tests
//! compare every one with alloy's own encoding of the spec's event types.

use abi_core::{
    codec::{self, words, Word},
    log,
};
use alloy_primitives::{Address, FixedBytes, B256, U256};
use alloy_sol_types::SolEvent;

use crate::{AAT, IAAT};

impl AAT {
    fn emit(&self, topics: &[B256], data: &[u8]) {
        log::emit(topics, data);
    }

    pub(crate) fn emit_transfer_single(
        &self,
        operator: Address,
        from: Address,
        to: Address,
        id: U256,
        value: U256,
    ) {
        self.emit(
            &[
                IAAT::TransferSingle::SIGNATURE_HASH,
                operator.word(),
                from.word(),
                to.word(),
            ],
            &words(&[id.word(), value.word()]),
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
                IAAT::TransferBatch::SIGNATURE_HASH,
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
        self.emit(
            &[
                IAAT::ApprovalForAll::SIGNATURE_HASH,
                account.word(),
                operator.word(),
            ],
            &words(&[approved.word()]),
        );
    }

    pub(crate) fn emit_uri(&self, value: &[u8], id: U256) {
        self.emit(
            &[IAAT::URI::SIGNATURE_HASH, id.word()],
            &codec::encode_bytes(value),
        );
    }

    pub(crate) fn emit_token_type_created(&self, id: U256, token: &crate::TokenType) {
        self.emit(
            &[
                IAAT::TokenTypeCreated::SIGNATURE_HASH,
                id.word(),
                token.origin_pool.word(),
            ],
            &words(&[
                token.model.word(),
                token.scope.word(),
                token.expiration.word(),
                token.reclaimable.word(),
                token.tradable.word(),
            ]),
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
        self.emit(
            &[
                IAAT::Consumed::SIGNATURE_HASH,
                holder.word(),
                id.word(),
                operator.word(),
            ],
            &words(&[amount.word(), fee.word()]),
        );
    }

    pub(crate) fn emit_fee_collected(&self, id: U256, fee: U256, minted: U256, treasury: Address) {
        self.emit(
            &[
                IAAT::FeeCollected::SIGNATURE_HASH,
                id.word(),
                treasury.word(),
            ],
            &words(&[fee.word(), minted.word()]),
        );
    }

    pub(crate) fn emit_reclaimed(&self, pool: Address, holder: Address, id: U256, amount: U256) {
        self.emit(
            &[
                IAAT::Reclaimed::SIGNATURE_HASH,
                pool.word(),
                holder.word(),
                id.word(),
            ],
            &words(&[amount.word()]),
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
        self.emit(
            &[
                IAAT::Swapped::SIGNATURE_HASH,
                party_a.word(),
                party_b.word(),
            ],
            &words(&[id_a.word(), amount_a.word(), id_b.word(), amount_b.word()]),
        );
    }

    pub(crate) fn emit_model_price_set(&self, model: FixedBytes<16>, price: U256) {
        self.emit(
            &[IAAT::ModelPriceSet::SIGNATURE_HASH, model.word()],
            &words(&[price.word()]),
        );
    }

    pub(crate) fn emit_fee_bps_set(&self, fee_bps: u16) {
        self.emit(
            &[IAAT::FeeBpsSet::SIGNATURE_HASH],
            &words(&[fee_bps.word()]),
        );
    }

    pub(crate) fn emit_treasury_set(&self, treasury: Address) {
        self.emit(&[IAAT::TreasurySet::SIGNATURE_HASH, treasury.word()], &[]);
    }

    pub(crate) fn emit_voucher_settled(
        &self,
        voucher: &crate::vouchers::Voucher,
        consumed: U256,
        fee: U256,
    ) {
        self.emit(
            &[
                IAAT::VoucherSettled::SIGNATURE_HASH,
                voucher.holder.word(),
                voucher.provider.word(),
                voucher.id.word(),
            ],
            &words(&[
                voucher.cumulative_amount.word(),
                consumed.word(),
                fee.word(),
            ]),
        );
    }

    pub(crate) fn emit_voucher_rejected(&self, voucher: &crate::vouchers::Voucher, reason: &[u8]) {
        self.emit(
            &[
                IAAT::VoucherRejected::SIGNATURE_HASH,
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
    ) {
        self.emit(
            &[
                IAAT::ChannelOpened::SIGNATURE_HASH,
                holder.word(),
                provider.word(),
                id.word(),
            ],
            &words(&[locked.word(), expires_at.word()]),
        );
    }

    pub(crate) fn emit_channel_closed(
        &self,
        holder: Address,
        provider: Address,
        id: U256,
        returned: U256,
    ) {
        self.emit(
            &[
                IAAT::ChannelClosed::SIGNATURE_HASH,
                holder.word(),
                provider.word(),
                id.word(),
            ],
            &words(&[returned.word()]),
        );
    }
}
