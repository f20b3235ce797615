//! Filling orders: every check of the spec in the spec's order, the order's
//! `filled` grown before any token moves (a reentrant fill through an
//! ERC-1155 receiver hook sees it), then the two legs moved by AAT and
//! TokenAI themselves, so that their policy, fees, balances and allowances
//! apply and their errors pass up unchanged.

use alloc::vec::Vec;

use abi_core::{
    access::OwnPause,
    call::call,
    cmp,
    codec::{selector_and_words, size_word, Word},
    math, signature, OrOverflow,
};
use alloy_primitives::{Address, B256, U256};
use alloy_sol_types::SolCall;
use stylus_sdk::prelude::*;

use crate::{
    events::Filled,
    order::{self, Order, Trade},
    AATExchange, Error,
    IAATExchange::{
        ERC1155InvalidArrayLength, FillExceedsRemaining, InvalidOrder, InvalidOrderSignature,
        NotOrderTaker, OrderExpired, OrderIsCancelled, OrderNonceTooLow, ZeroAmount,
    },
};

/// The calls the exchange makes, from their own spec files.
mod counterparts {
    alloy_sol_types::sol!("../../spec/IAAT.sol");
    alloy_sol_types::sol!("../../spec/ITokenAI.sol");
}
use counterparts::{ITokenAI, IAAT};

impl AATExchange {
    /// Fills `give_fill` units (counted on the give side) of `order` for
    /// the caller, who pays `ceil(give_fill * wantAmount / giveAmount)`;
    /// returns that.
    ///
    /// # Errors
    ///
    /// In this order: `EnforcedPause`, `InvalidOrder`, `NotOrderTaker`,
    /// `OrderIsCancelled`, `OrderNonceTooLow`, `OrderExpired`,
    /// `InvalidOrderSignature`, `ZeroAmount`, `FillExceedsRemaining`;
    /// `Panic(0x11)` when the price overflows; then whatever AAT or TokenAI
    /// reverts with, unchanged.
    ///
    /// # Events
    ///
    /// `OrderFilled`, besides AAT's and TokenAI's own.
    pub fn fill(
        &mut self,
        order: &Order,
        signature: &[u8],
        give_fill: U256,
    ) -> Result<U256, Error> {
        let separator = self.domain_separator();
        self.fill_one(separator, order, signature, give_fill)
    }

    /// Fills each order in turn for the caller, all or nothing; returns
    /// what it paid for each.
    ///
    /// # Errors
    ///
    /// `ERC1155InvalidArrayLength(orders, signatures)` when those differ,
    /// else `(orders, giveFills)`; then the first failing fill's own error.
    pub fn fill_batch(
        &mut self,
        orders: &[Order],
        signatures: &[&[u8]],
        give_fills: &[U256],
    ) -> Result<Vec<U256>, Error> {
        for other in [signatures.len(), give_fills.len()] {
            if other != orders.len() {
                return Err(ERC1155InvalidArrayLength {
                    idsLength: U256::from(orders.len()),
                    valuesLength: U256::from(other),
                }
                .into());
            }
        }
        let separator = self.domain_separator();
        let mut paid = Vec::with_capacity(orders.len());
        for ((order, signature), give_fill) in orders.iter().zip(signatures).zip(give_fills) {
            paid.push(self.fill_one(separator, order, signature, *give_fill)?);
        }
        Ok(paid)
    }

    fn fill_one(
        &mut self,
        separator: B256,
        order: &Order,
        signature: &[u8],
        give_fill: U256,
    ) -> Result<U256, Error> {
        self.when_not_paused()?;
        let taker = self.vm().msg_sender();
        let order_hash = order.digest(separator);
        let mut record = self.fillable_record(order, order_hash, taker)?;
        if !signature::is_valid(order.maker, order_hash, signature) {
            return Err(InvalidOrderSignature { maker: order.maker }.into());
        }
        if cmp::is_zero(&give_fill) {
            return Err(ZeroAmount {}.into());
        }
        // filled <= giveAmount always: fills never pass the remainder.
        let remaining = math::checked_sub(&order.give_amount, &record.filled).or_overflow()?;
        if math::lt(&remaining, &give_fill) {
            return Err(FillExceedsRemaining {
                orderHash: order_hash,
                giveFill: give_fill,
                remaining,
            }
            .into());
        }
        let want_paid = order.want_paid(give_fill)?;
        record.filled = math::add(&record.filled, &give_fill)?;
        self.set_order_record(&order_hash, &record)?;
        let fee = self.move_legs(order, taker, give_fill, want_paid)?;
        self.emit_order_filled(&Filled {
            order_hash,
            maker: order.maker,
            taker,
            give_id: order.give_id,
            give_filled: give_fill,
            want_id: order.want_id,
            want_paid,
            fee,
        });
        Ok(want_paid)
    }

    /// The order's record, once the checks that need no signature passed:
    /// well formed, the caller is the taker it names, not cancelled, not
    /// below the maker's nonce floor, not expired.
    fn fillable_record(
        &self,
        order: &Order,
        order_hash: B256,
        caller: Address,
    ) -> Result<crate::records::OrderRecord, Error> {
        if !order.is_well_formed() {
            return Err(InvalidOrder {
                orderHash: order_hash,
            }
            .into());
        }
        if !cmp::is_null(&order.taker) && !cmp::same(&order.taker, &caller) {
            return Err(NotOrderTaker {
                caller,
                taker: order.taker,
            }
            .into());
        }
        let record = self.order_record(&order_hash);
        if record.cancelled {
            return Err(OrderIsCancelled {
                orderHash: order_hash,
            }
            .into());
        }
        let floor = self.min_nonce(order.maker);
        if order.nonce < floor {
            return Err(OrderNonceTooLow {
                orderHash: order_hash,
                nonce: order.nonce,
                minNonce: floor,
            }
            .into());
        }
        if self.vm().block_timestamp() >= order.expiry {
            return Err(OrderExpired {
                orderHash: order_hash,
                expiry: order.expiry,
            }
            .into());
        }
        Ok(record)
    }

    /// Moves both legs of a fill; returns the exchange fee taken.
    fn move_legs(
        &mut self,
        order: &Order,
        taker: Address,
        give_fill: U256,
        want_paid: U256,
    ) -> Result<U256, Error> {
        match order.trade() {
            Trade::Swap => {
                let calldata = selector_and_words(
                    IAAT::swapCall::SELECTOR,
                    &[
                        order.maker.word(),
                        order.give_id.word(),
                        give_fill.word(),
                        taker.word(),
                        order.want_id.word(),
                        want_paid.word(),
                    ],
                );
                self.call_aat(&calldata)?;
                Ok(U256::ZERO)
            }
            Trade::Ask => {
                self.transfer_aat(order.maker, taker, order.give_id, give_fill)?;
                self.pay_token_ai(taker, order.maker, want_paid)
            }
            Trade::Bid => {
                self.transfer_aat(taker, order.maker, order.want_id, want_paid)?;
                self.pay_token_ai(order.maker, taker, give_fill)
            }
        }
    }

    /// `AAT.safeTransferFrom(from, to, id, value, "")`, with the exchange
    /// as `from`'s operator.
    fn transfer_aat(
        &mut self,
        from: Address,
        to: Address,
        id: U256,
        value: U256,
    ) -> Result<(), Error> {
        let mut calldata = selector_and_words(
            IAAT::safeTransferFromCall::SELECTOR,
            &[
                from.word(),
                to.word(),
                id.word(),
                value.word(),
                size_word(5 * 32),
            ],
        );
        calldata.extend_from_slice(size_word(0).as_slice());
        self.call_aat(&calldata)
    }

    fn call_aat(&mut self, calldata: &[u8]) -> Result<(), Error> {
        call(self.aat(), calldata).map_err(Error::external)?;
        Ok(())
    }

    /// `tokens` TokenAI from `payer` to the AAT `seller`, less the exchange
    /// fee, which goes to the treasury; returns the fee. A zero part moves
    /// nothing (TokenAI would only log a zero transfer).
    fn pay_token_ai(
        &mut self,
        payer: Address,
        seller: Address,
        tokens: U256,
    ) -> Result<U256, Error> {
        let fee = order::fee(tokens, self.fee_bps())?;
        // fee <= tokens: the rate is at most 10%.
        let proceeds = math::checked_sub(&tokens, &fee).or_overflow()?;
        self.transfer_token_ai(payer, seller, proceeds)?;
        // The treasury's slot is read only when there is a fee to pay it.
        if !cmp::is_zero(&fee) {
            self.transfer_token_ai(payer, self.treasury(), fee)?;
        }
        Ok(fee)
    }

    /// `TokenAI.transferFrom(from, to, value)`. TokenAI reverts on every
    /// failure and returns true otherwise, so its answer needs no reading.
    fn transfer_token_ai(&mut self, from: Address, to: Address, value: U256) -> Result<(), Error> {
        if cmp::is_zero(&value) {
            return Ok(());
        }
        let calldata = selector_and_words(
            ITokenAI::transferFromCall::SELECTOR,
            &[from.word(), to.word(), value.word()],
        );
        call(self.token_ai(), &calldata).map_err(Error::external)?;
        Ok(())
    }
}
