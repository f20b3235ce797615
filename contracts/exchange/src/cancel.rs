//! What a maker does to stop its orders (`cancel` one by one, `cancelUpTo`
//! every nonce below a floor; both allowed while paused, so that a pause
//! never traps a maker in an order it wants out of), and what anyone reads
//! about an order: its hash, how much is filled, whether it is cancelled,
//! and what can still be filled now.

use alloc::vec::Vec;

use abi_core::{cmp, eip712, math};
use alloy_primitives::{B256, U256};
use stylus_sdk::prelude::*;

use crate::{
    order::{self, Order},
    AATExchange, Error,
    IAATExchange::{MinNonceNotRaised, NotOrderMaker},
};

impl AATExchange {
    /// The caller cancels its own orders; cancelling twice is harmless.
    ///
    /// # Errors
    ///
    /// `NotOrderMaker(caller, maker)` for another's order (nothing is
    /// cancelled then).
    ///
    /// # Events
    ///
    /// `OrderCancelled` per order.
    pub fn cancel(&mut self, orders: &[Order]) -> Result<(), Error> {
        let caller = self.vm().msg_sender();
        let separator = self.domain_separator();
        for order in orders {
            if !cmp::same(&order.maker, &caller) {
                return Err(NotOrderMaker {
                    caller,
                    maker: order.maker,
                }
                .into());
            }
            let order_hash = order.digest(separator);
            let mut record = self.order_record(&order_hash);
            record.cancelled = true;
            self.set_order_record(&order_hash, &record)?;
            self.emit_order_cancelled(order_hash, caller);
        }
        Ok(())
    }

    /// Voids every order of the caller whose nonce is below `min_nonce`.
    ///
    /// # Errors
    ///
    /// `MinNonceNotRaised(current, given)` unless above the current floor:
    /// it only grows, so a void order never comes back.
    ///
    /// # Events
    ///
    /// `MinNonceRaised`.
    pub fn cancel_up_to(&mut self, min_nonce: u64) -> Result<(), Error> {
        let maker = self.vm().msg_sender();
        let current = self.min_nonce(maker);
        if min_nonce <= current {
            return Err(MinNonceNotRaised {
                current,
                given: min_nonce,
            }
            .into());
        }
        self.set_min_nonce(&maker, min_nonce);
        self.emit_min_nonce_raised(maker, min_nonce);
        Ok(())
    }

    /// `filled(orderHash)`: give-side units of the order filled so far.
    #[must_use]
    pub fn filled(&self, order_hash: B256) -> U256 {
        self.order_record(&order_hash).filled
    }

    /// `cancelled(orderHash)`: whether the maker cancelled the order by `cancel` (a nonce floor
    /// raised by `cancelUpTo` does not show here).
    #[must_use]
    pub fn cancelled(&self, order_hash: B256) -> bool {
        self.order_record(&order_hash).cancelled
    }

    /// What can still be filled now: zero when the order is invalid,
    /// cancelled, below its maker's nonce floor or expired. Balances,
    /// approvals and the signature are not looked at.
    #[must_use]
    pub fn remaining(&self, order: &Order) -> U256 {
        let record = self.order_record(&order.digest(self.domain_separator()));
        if !order.is_well_formed()
            || record.cancelled
            || order.nonce < self.min_nonce(order.maker)
            || self.vm().block_timestamp() >= order.expiry
        {
            return U256::ZERO;
        }
        math::checked_sub(&order.give_amount, &record.filled).unwrap_or_default()
    }

    /// `hashOrder(order)`: the order's EIP-712 digest in this contract's domain, the key of
    /// `filled` and `cancelled`.
    #[must_use]
    pub fn hash_order(&self, order: &Order) -> B256 {
        order.digest(self.domain_separator())
    }

    /// `DOMAIN_SEPARATOR()`: the EIP-712 domain separator, computed on each call from the chain id
    /// and this contract's address.
    #[must_use]
    pub fn domain_separator(&self) -> B256 {
        let vm = self.vm();
        eip712::domain_separator(
            abi_core::code_word!(order::DOMAIN_NAME_HASH),
            vm.chain_id(),
            vm.contract_address(),
        )
    }

    /// ERC-5267's `eip712Domain()`, ABI-encoded.
    #[must_use]
    pub fn eip712_domain(&self) -> Vec<u8> {
        let vm = self.vm();
        // The name made in the code: a constant string would sit in
        // the data segments.
        let name = abi_core::code_word!(abi_core::codec::left_aligned(order::DOMAIN_NAME));
        eip712::domain_answer(
            &name[..order::DOMAIN_NAME.len()],
            vm.chain_id(),
            vm.contract_address(),
        )
    }
}
