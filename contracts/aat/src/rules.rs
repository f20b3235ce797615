//! Issuance, the policy's checks (which ids exist, are live, may be used
//! or moved, may be issued to whom) and the fee hook: the rules every
//! external function of AAT applies through one path.

use abi_core::cmp;
use abi_core::OrOverflow;
use alloy_primitives::{Address, FixedBytes, U256};
use stylus_sdk::prelude::*;

use crate::{erc1155, policy, records, Error, Terms, TokenType, AAT, IAAT, IAAT::*};

/// Issuance, policy checks and the fee hook.
impl AAT {
    /// The policy of an id that exists, else `UnknownToken`.
    pub(crate) fn token_type(&self, id: U256) -> Result<TokenType, Error> {
        self.stored_type(&id)
            .ok_or_else(|| UnknownToken { id }.into())
    }

    /// The terms of an id that exists, else `UnknownToken`.
    pub(crate) fn terms(&self, id: U256) -> Result<Terms, Error> {
        self.stored_terms(&id)
            .ok_or_else(|| UnknownToken { id }.into())
    }

    /// The terms of an id that exists and has not expired.
    pub(crate) fn live_terms(&self, id: U256) -> Result<Terms, Error> {
        let terms = self.terms(id)?;
        self.check_live(id, terms.expiration)?;
        Ok(terms)
    }

    /// `TokenExpired` once the id's expiration has come.
    fn check_live(&self, id: U256, expiration: u64) -> Result<(), Error> {
        if policy::is_expired(expiration, self.vm().block_timestamp()) {
            return Err(TokenExpired { id, expiration }.into());
        }
        Ok(())
    }

    /// The policy of an id that may pay for a use of `model` within `scope`:
    /// it exists, has not expired, is for that model, and (when it is
    /// scoped) for that scope.
    pub(crate) fn usable_token_type(
        &self,
        id: U256,
        model: FixedBytes<16>,
        scope: FixedBytes<16>,
    ) -> Result<TokenType, Error> {
        let token = self.token_type(id)?;
        self.check_live(id, token.terms.expiration)?;
        if !cmp::same16(&token.model, &model) {
            return Err(ModelMismatch {
                id,
                expected: token.model,
                given: model,
            }
            .into());
        }
        if !cmp::is_zero16(&token.scope) && !cmp::same16(&token.scope, &scope) {
            return Err(ScopeMismatch {
                id,
                expected: token.scope,
                given: scope,
            }
            .into());
        }
        Ok(token)
    }

    /// The transfer policy for one holder-to-holder move of `id`. A
    /// tradable id's terms are in its sender's balance record (`records`),
    /// which the move reads anyway; a non-tradable id's rule depends on its
    /// pool, which only the policy holds. Either way the checks, and their
    /// errors, are the same.
    pub(crate) fn check_move(&self, id: U256, from: Address, to: Address) -> Result<(), Error> {
        let held = self.balance_record(&id, &from);
        if records::is_tradable_in(held) {
            return self.check_live(id, records::expiration_in(held));
        }
        let terms = self.live_terms(id)?;
        if !policy::may_move(terms.tradable, terms.origin_pool, from, to) {
            return Err(IAAT::TokenNotTradable { id }.into());
        }
        Ok(())
    }

    /// Everything issuance rejects before any state changes.
    pub(crate) fn check_issue(
        &self,
        to: Address,
        token: &TokenType,
        amount: U256,
    ) -> Result<(), Error> {
        self.access().when_not_paused()?;
        if cmp::is_null(&to) || cmp::is_null(&token.terms.origin_pool) {
            return Err(ZeroAddress {}.into());
        }
        if cmp::is_zero(&amount) {
            return Err(ZeroAmount {}.into());
        }
        if !policy::is_valid_new_expiration(token.terms.expiration, self.vm().block_timestamp()) {
            return Err(InvalidExpiration {
                expiration: token.terms.expiration,
            }
            .into());
        }
        Ok(())
    }

    /// Registers the type on first use (`TokenTypeCreated`), mints, and asks
    /// a contract recipient to accept. Inputs are checked (`check_issue`).
    pub(crate) fn issue(
        &mut self,
        operator: Address,
        to: Address,
        token: &TokenType,
        amount: U256,
    ) -> Result<U256, Error> {
        let id = policy::token_id(
            token.terms.origin_pool,
            token.model,
            token.scope,
            token.terms.expiration,
            token.terms.reclaimable,
            token.terms.tradable,
        );
        // A holder of the id proves it exists without a read of its policy.
        if cmp::is_zero(&self.balance_record(&id, &to)) && !self.exists(id) {
            self.store_type(&id, token);
            self.emit_token_type_created(id, token);
        }
        self.mint_tokens(id, to, amount, token.terms.tag())?;
        self.emit_transfer_single(operator, Address::ZERO, to, id, amount);
        self.accept_single(operator, Address::ZERO, to, id, amount, &[])?;
        Ok(id)
    }

    /// One leg of a swap: `amount` leaves `from`, `to` receives it less
    /// `fee`, and the fee is burned. Returns what `to` received.
    pub(crate) fn swap_leg(
        &mut self,
        operator: Address,
        id: U256,
        from: Address,
        to: Address,
        amount: U256,
        fee: U256,
    ) -> Result<U256, Error> {
        // fee <= amount (at most 10%), so this cannot underflow.
        let received = amount - fee;
        // The whole amount moves, then the fee burns out of what `to` got:
        // `from` is short exactly when it lacks `amount`, as the
        // standard's error reports, and `to` holds at least the fee.
        self.move_tokens(id, from, to, amount)?;
        if !cmp::is_zero(&fee) {
            self.move_tokens(id, to, Address::ZERO, fee)?;
        }
        self.emit_transfer_single(operator, from, to, id, received);
        if !cmp::is_zero(&fee) {
            self.emit_transfer_single(operator, from, Address::ZERO, id, fee);
        }
        Ok(received)
    }

    /// The fee hook: mints `fee * modelPrice(model)` TokenAI to the treasury
    /// (AAT must be a TokenAI minter; a failed mint reverts the whole call)
    /// and emits `FeeCollected`. Nothing is minted while the model has no
    /// price; no fee, no event.
    pub(crate) fn collect_fee(
        &mut self,
        id: U256,
        model: FixedBytes<16>,
        fee: U256,
    ) -> Result<(), Error> {
        if cmp::is_zero(&fee) {
            return Ok(());
        }
        let value = fee.checked_mul(self.model_price(model)).or_overflow()?;
        let treasury = self.treasury();
        if !cmp::is_zero(&value) {
            self.call_token_ai(erc1155::TOKEN_AI_MINT, treasury, value)?;
        }
        self.emit_fee_collected(id, fee, value, treasury);
        Ok(())
    }
}
