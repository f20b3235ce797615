//! AAT, AI Access Tokens: an ERC-1155 for Arbitrum Stylus where every token id
//! is one access policy (model, scope, expiration, origin pool, reclaimable,
//! tradable), implementing `spec/IAAT.sol` selector for selector.
//!
//! Tokens are minted by fiat-path minters or bought by burning TokenAI at the
//! model's price; burned when the AI service is consumed, with a fee burned in
//! kind whose value TokenAI mints to the treasury; moved only as the policy
//! allows; reclaimed by their origin pool; swapped atomically.
//!
//! The ERC-1155 core is this crate's own (`erc1155`): OpenZeppelin's `Erc1155`
//! keeps its balance update private and authorizes only the owner or an
//! operator, while reclaim (the pool moves a holder's tokens), consumption
//! (burn plus fee) and swap (two legs with fees) must all go through one update
//! path under the access policy.
//!
//! Built on the suite's lean ABI core (`abi_core`), as TokenAI is: the
//! external interface is routed by hand (`router`), not by stylus-sdk's
//! `#[public]` (with the SDK's generated router and alloy's generic ABI codec
//! the program measured 37.7 KB compressed, far over the 24 KiB limit), and
//! ownership, pause and minters are `abi_core::access` (OpenZeppelin's would
//! turn every keccak of the program into software keccak). The router's
//! selector table is also what the ABI export prints, so the exported ABI is
//! exactly what the program answers.
#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]
extern crate alloc;

use abi_core::cmp;
use alloc::vec::Vec;

use abi_core::{access::Access, signature::has_code, text::StoredBytes, OrOverflow};
use alloy_primitives::{Address, FixedBytes, U256};
use stylus_sdk::prelude::*;

mod channels;
mod erc1155;
pub mod error;
mod events;
pub mod policy;
mod records;
pub mod router;
pub mod vouchers;

pub use error::Error;
pub use policy::{Terms, TokenType};

// The spec file is the single source of the ABI: the router dispatches the
// selectors of the call types generated from it, and the contract emits and
// reverts with exactly its event and error types. The ABI export prints the
// file and its JSON description (`sol(abi)`, which needs alloy's `json`).
#[cfg(not(feature = "export-abi"))]
mod spec {
    alloy_sol_types::sol!(
        #[sol(all_derives)]
        "../../spec/IAAT.sol"
    );
}
#[cfg(feature = "export-abi")]
mod spec {
    alloy_sol_types::sol!(
        #[sol(all_derives, abi)]
        "../../spec/IAAT.sol"
    );
}
/// The spec interface: its events and errors are the ones this contract emits
/// and reverts with; its call types encode calldata for clients and tests.
pub use spec::IAAT;
use IAAT::{
    ERC1155InvalidArrayLength, ERC1155InvalidOperator, ERC1155InvalidSender, ExcessiveFee,
    NotAContract, NotOriginPool, NotReclaimable, PriceNotSet, ZeroAddress, ZeroAmount,
};

/// ERC-165 interface ids AAT supports.
pub mod interface_ids {
    /// ERC-165.
    pub const ERC165: [u8; 4] = [0x01, 0xff, 0xc9, 0xa7];
    /// ERC-1155.
    pub const ERC1155: [u8; 4] = [0xd9, 0xb6, 0x7a, 0x26];
    /// ERC-1155 metadata URI.
    pub const ERC1155_METADATA_URI: [u8; 4] = [0x0e, 0x89, 0x34, 0x1c];
    /// ERC-5633 composable soulbound: deliberately not supported. ERC-5633
    /// requires every transfer of a soulbound id between accounts to throw,
    /// and non-tradable AAT ids still move to and from their origin pool,
    /// and are reclaimed by it.
    pub const ERC5633: [u8; 4] = [0x91, 0x1e, 0xc4, 0x70];
}

/// `type(uint256).max` as a reclaim amount: the holder's whole balance.
pub const RECLAIM_ALL: U256 = U256::MAX;

/// The EIP-1155 URI template.
const URI: StoredBytes = StoredBytes::named(b"AAT.uri");
/// The AAT contract. Its state is all in slots of its own: the two words
/// above, `Access`'s, and the records (`records`: balances, supplies,
/// approvals, token types, prices and pay accounts). No `#[storage]`
/// fields, which stylus-sdk would lay out on every call.
#[storage]
#[allow(clippy::upper_case_acronyms)]
pub struct AAT {}

/// The external functions, in the order of `IAAT.sol`; `router` decodes
/// calldata into these calls.
impl AAT {
    /// Wires AAT to TokenAI and the treasury. TokenAI must afterwards make
    /// AAT a minter (`TokenAI.setMinter(aat, true)`) for the fee hook.
    ///
    /// # Errors
    ///
    /// `ZeroAddress` for a zero TokenAI or treasury; `NotAContract(tokenAI)` when TokenAI has
    /// no code; `OwnableInvalidOwner(0)` for a zero `initial_owner`.
    pub fn constructor(
        &mut self,
        token_ai: Address,
        treasury: Address,
        uri: &[u8],
        initial_owner: Address,
    ) -> Result<(), Error> {
        if cmp::is_null(&token_ai) || cmp::is_null(&treasury) {
            return Err(ZeroAddress {}.into());
        }
        // A call to an account without code succeeds and returns nothing: a
        // wrong TokenAI address would make `mintWithTokenAI` free and fees
        // vanish.
        if !has_code(token_ai) {
            return Err(NotAContract { account: token_ai }.into());
        }
        self.access().init(initial_owner)?;
        admin::init(token_ai, treasury);
        self.emit_treasury_set(treasury);
        URI.set(uri);
        Ok(())
    }

    /// Ownership, pause and minters.
    #[must_use]
    pub fn access(&self) -> Access {
        Access
    }

    // ---- ERC-1155, metadata URI, ERC-165 --------------------------------------

    /// `balanceOfBatch`: the balance of `accounts[i]` in `ids[i]`, for each `i`.
    ///
    /// # Errors
    ///
    /// `ERC1155InvalidArrayLength` when the arrays differ in length.
    #[allow(clippy::needless_pass_by_value)] // the router hands over the decoded arrays
    pub fn balance_of_batch(
        &self,
        accounts: Vec<Address>,
        ids: Vec<U256>,
    ) -> Result<Vec<U256>, Error> {
        if accounts.len() != ids.len() {
            return Err(ERC1155InvalidArrayLength {
                idsLength: U256::from(ids.len()),
                valuesLength: U256::from(accounts.len()),
            }
            .into());
        }
        let mut balances = Vec::with_capacity(ids.len());
        for (account, id) in accounts.iter().zip(&ids) {
            balances.push(self.balance_of(*account, *id));
        }
        Ok(balances)
    }

    /// `setApprovalForAll`: lets `operator` move all of the caller's ids (or stops it).
    ///
    /// # Errors
    ///
    /// `ERC1155InvalidOperator(0)` for a zero operator.
    pub fn set_approval_for_all(&mut self, operator: Address, approved: bool) -> Result<(), Error> {
        if cmp::is_null(&operator) {
            return Err(ERC1155InvalidOperator { operator }.into());
        }
        let account = self.vm().msg_sender();
        self.set_approval(&account, &operator, approved);
        self.emit_approval_for_all(account, operator, approved);
        Ok(())
    }

    /// Moves `value` of `id` under the transfer policy, then asks a contract
    /// recipient to accept (`onERC1155Received`).
    ///
    /// # Errors
    ///
    /// `EnforcedPause` while paused; `ERC1155MissingApprovalForAll` unless the caller is `from`
    /// or approved by it; `ERC1155InvalidReceiver` for a zero `to`, `ERC1155InvalidSender` for a
    /// zero `from`; `UnknownToken`, `TokenExpired` or `TokenNotTradable` under the policy;
    /// `ERC1155InsufficientBalance`; `ERC1155InvalidReceiver`, or its own revert, when a
    /// contract recipient does not accept.
    pub fn safe_transfer_from(
        &mut self,
        from: Address,
        to: Address,
        id: U256,
        value: U256,
        data: &[u8],
    ) -> Result<(), Error> {
        let operator = self.vm().msg_sender();
        self.check_transfer(operator, from, to)?;
        self.check_move(id, from, to)?;
        self.move_tokens(id, from, to, value)?;
        self.emit_transfer_single(operator, from, to, id, value);
        self.accept_single(operator, from, to, id, value, data)
    }

    /// Moves each `values[i]` of `ids[i]` under the transfer policy, then asks
    /// a contract recipient to accept (`onERC1155BatchReceived`).
    ///
    /// # Errors
    ///
    /// `ERC1155InvalidArrayLength` when the arrays differ in length; otherwise as
    /// `safe_transfer_from`, for each id.
    #[allow(clippy::needless_pass_by_value)] // the router hands over the decoded arrays
    pub fn safe_batch_transfer_from(
        &mut self,
        from: Address,
        to: Address,
        ids: Vec<U256>,
        values: Vec<U256>,
        data: &[u8],
    ) -> Result<(), Error> {
        if ids.len() != values.len() {
            return Err(ERC1155InvalidArrayLength {
                idsLength: U256::from(ids.len()),
                valuesLength: U256::from(values.len()),
            }
            .into());
        }
        let operator = self.vm().msg_sender();
        self.check_transfer(operator, from, to)?;
        for (id, value) in ids.iter().zip(&values) {
            self.check_move(*id, from, to)?;
            self.move_tokens(*id, from, to, *value)?;
        }
        self.emit_transfer_batch(operator, from, to, &ids, &values);
        self.accept_batch(operator, from, to, &ids, &values, data)
    }

    /// ERC-165: true for ERC-165, ERC-1155 and ERC-1155 metadata URI; not ERC-5633.
    #[must_use]
    pub fn supports_interface(&self, interface_id: FixedBytes<4>) -> bool {
        // Compared as numbers, immediates in the code: a list of the ids
        // would be a constant in the data segments.
        let id = u32::from_be_bytes(interface_id.0);
        id == u32::from_be_bytes(interface_ids::ERC165)
            || id == u32::from_be_bytes(interface_ids::ERC1155)
            || id == u32::from_be_bytes(interface_ids::ERC1155_METADATA_URI)
    }

    /// The EIP-1155 URI template, the same for every id (clients substitute
    /// `{id}`).
    #[must_use]
    pub fn uri(&self, _id: U256) -> Vec<u8> {
        URI.get()
    }

    /// Owner only. Emits `URI(newUri, 0)`: id 0 stands for the template of
    /// every id (no policy hashes to 0).
    ///
    /// # Errors
    ///
    /// `OwnableUnauthorizedAccount` unless the caller is the owner.
    pub fn set_uri(&mut self, new_uri: &[u8]) -> Result<(), Error> {
        self.access().only_owner()?;
        URI.set(new_uri);
        self.emit_uri(new_uri, U256::ZERO);
        Ok(())
    }

    /// A non-tradable id is bound to its holders except for moves to and
    /// from its origin pool (so not ERC-5633's soulbound; see
    /// `interface_ids::ERC5633`); an unknown id is not.
    #[must_use]
    pub fn is_soulbound(&self, id: U256) -> bool {
        self.terms(id).is_ok_and(|t| !t.tradable)
    }

    // ---- token types ------------------------------------------------------------

    /// The id of a policy (`policy::token_id`): a keccak of its fields, the same on every
    /// deployment, so that clients compute it off-chain.
    #[must_use]
    pub fn compute_token_id(
        origin_pool: Address,
        model: FixedBytes<16>,
        scope: FixedBytes<16>,
        expiration: u64,
        reclaimable: bool,
        tradable: bool,
    ) -> U256 {
        policy::token_id(origin_pool, model, scope, expiration, reclaimable, tradable)
    }

    /// Whether `id` has been minted, so that its policy is registered.
    #[must_use]
    pub fn exists(&self, id: U256) -> bool {
        self.stored_terms(&id).is_some()
    }

    /// `tokenConfig(id)`: the policy of `id`, in the spec's order (model, scope, expiration,
    /// origin pool, reclaimable, tradable).
    ///
    /// # Errors
    ///
    /// `UnknownToken(id)` for an id never minted.
    #[allow(clippy::type_complexity)]
    pub fn token_config(
        &self,
        id: U256,
    ) -> Result<(FixedBytes<16>, FixedBytes<16>, u64, Address, bool, bool), Error> {
        let t = self.token_type(id)?;
        Ok((
            t.model,
            t.scope,
            t.terms.expiration,
            t.terms.origin_pool,
            t.terms.reclaimable,
            t.terms.tradable,
        ))
    }

    /// False for an unknown id.
    #[must_use]
    pub fn is_expired(&self, id: U256) -> bool {
        self.terms(id)
            .is_ok_and(|t| policy::is_expired(t.expiration, self.vm().block_timestamp()))
    }

    // ---- issuance ------------------------------------------------------------------

    /// Fiat path: minters only. Registers the type on first use, mints
    /// `amount` to `to`. Returns the id.
    ///
    /// # Errors
    ///
    /// `UnauthorizedMinter` unless the caller is a minter; `EnforcedPause` while paused;
    /// `ZeroAddress` for a zero `to` or `origin_pool`; `ZeroAmount`; `InvalidExpiration` for a
    /// non-zero expiration not in the future; `Panic(0x11)` when the supply would pass 2^184 - 1 (`records`);
    /// `ERC1155InvalidReceiver`, or its own revert, when a contract recipient does not accept.
    #[allow(clippy::too_many_arguments)]
    pub fn mint(
        &mut self,
        to: Address,
        origin_pool: Address,
        model: FixedBytes<16>,
        scope: FixedBytes<16>,
        expiration: u64,
        reclaimable: bool,
        tradable: bool,
        amount: U256,
    ) -> Result<U256, Error> {
        let operator = self.access().only_minter()?;
        let policy = TokenType {
            model,
            scope,
            terms: Terms {
                expiration,
                origin_pool,
                reclaimable,
                tradable,
            },
        };
        self.check_issue(to, &policy, amount)?;
        self.issue(operator, to, &policy, amount)
    }

    /// TokenAI path: anyone. The caller is the origin pool and pays
    /// `quoteTokenAI(model, amount)` TokenAI, burned from its balance with
    /// the allowance it gave AAT on TokenAI (or a permit). Returns the id.
    ///
    /// # Errors
    ///
    /// `EnforcedPause` while paused; `ZeroAddress` for a zero `to`; `ZeroAmount`;
    /// `InvalidExpiration` for a non-zero expiration not in the future; `PriceNotSet` when
    /// `model` has no price; TokenAI's revert when the burn fails (allowance or balance
    /// short); `Panic(0x11)` on overflow or a supply past 2^184 - 1;
    /// `ERC1155InvalidReceiver`, or its own revert, when a contract recipient does not accept.
    #[allow(clippy::too_many_arguments)]
    pub fn mint_with_token_ai(
        &mut self,
        to: Address,
        model: FixedBytes<16>,
        scope: FixedBytes<16>,
        expiration: u64,
        reclaimable: bool,
        tradable: bool,
        amount: U256,
    ) -> Result<U256, Error> {
        let payer = self.vm().msg_sender();
        let policy = TokenType {
            model,
            scope,
            terms: Terms {
                expiration,
                origin_pool: payer,
                reclaimable,
                tradable,
            },
        };
        self.check_issue(to, &policy, amount)?;
        let cost = self.quote_token_ai(model, amount)?;
        self.call_token_ai(erc1155::TOKEN_AI_BURN_FROM, payer, cost)?;
        self.issue(payer, to, &policy, amount)
    }

    /// `amount * modelPrice(model)` TokenAI base units.
    ///
    /// # Errors
    ///
    /// `PriceNotSet(model)` when the model has no price; `Panic(0x11)` when the product
    /// overflows.
    pub fn quote_token_ai(&self, model: FixedBytes<16>, amount: U256) -> Result<U256, Error> {
        let price = self.model_price(model);
        if cmp::is_zero(&price) {
            return Err(PriceNotSet { model }.into());
        }
        amount.checked_mul(price).or_overflow()
    }

    // ---- usage: burn on use, with the fee hook ----------------------------------

    /// Burns `amount` plus the fee from `holder` for a use of `model` within
    /// `scope`, and mints the fee's value in TokenAI to the treasury. Called
    /// by the holder or an operator it approved (the AI service wrapper). Returns the fee.
    ///
    /// # Errors
    ///
    /// `EnforcedPause` while paused; `ERC1155InvalidSender` for a zero holder;
    /// `ERC1155MissingApprovalForAll` unless the caller is the holder or approved by it;
    /// `ZeroAmount`; `UnknownToken`, `TokenExpired`, `ModelMismatch` or `ScopeMismatch`;
    /// `ERC1155InsufficientBalance` when the holder lacks `amount` plus the fee; TokenAI's
    /// revert when the fee mint fails.
    pub fn consume(
        &mut self,
        holder: Address,
        id: U256,
        amount: U256,
        model: FixedBytes<16>,
        scope: FixedBytes<16>,
    ) -> Result<U256, Error> {
        self.access().when_not_paused()?;
        let operator = self.vm().msg_sender();
        Self::check_sender(holder)?;
        self.check_authorized(holder, operator)?;
        if cmp::is_zero(&amount) {
            return Err(ZeroAmount {}.into());
        }
        let token = self.usable_token_type(id, model, scope)?;
        let fee = policy::fee(amount, self.fee_bps());
        let burned = amount.checked_add(fee).or_overflow()?;
        self.move_tokens(id, holder, Address::ZERO, burned)?;
        self.emit_transfer_single(operator, holder, Address::ZERO, id, burned);
        self.emit_consumed(holder, id, operator, amount, fee);
        self.collect_fee(id, token.model, fee)?;
        Ok(fee)
    }

    // ---- institutional control --------------------------------------------------

    /// Origin pool only, reclaimable ids only, expired or not: moves `amount`
    /// (`RECLAIM_ALL` = the whole balance) of `id` from `holder` back to the
    /// pool. Never from this contract (`ERC1155InvalidSender`): units locked
    /// in channels come back to their holders when the channels close, and
    /// are reclaimable then. Returns the amount moved.
    ///
    /// # Errors
    ///
    /// `EnforcedPause` while paused; `UnknownToken`; `NotOriginPool` unless the caller is
    /// the id's pool; `NotReclaimable`; `ERC1155InvalidSender` for a zero holder or this
    /// contract; `ZeroAmount` when nothing would move; `ERC1155InsufficientBalance`.
    pub fn reclaim(&mut self, holder: Address, id: U256, amount: U256) -> Result<U256, Error> {
        self.access().when_not_paused()?;
        let pool = self.vm().msg_sender();
        let token = self.terms(id)?;
        if !cmp::same(&pool, &token.origin_pool) {
            return Err(NotOriginPool { caller: pool, id }.into());
        }
        if !token.reclaimable {
            return Err(NotReclaimable { id }.into());
        }
        // What this contract holds is channel escrow, its holders' units:
        // reclaiming it would empty channels that still promise them.
        if cmp::is_null(&holder) || cmp::same(&holder, &self.vm().contract_address()) {
            return Err(ERC1155InvalidSender { sender: holder }.into());
        }
        let amount = if cmp::is_max(&amount) {
            self.balance_of(holder, id)
        } else {
            amount
        };
        if cmp::is_zero(&amount) {
            return Err(ZeroAmount {}.into());
        }
        self.move_tokens(id, holder, pool, amount)?;
        self.emit_transfer_single(pool, holder, pool, id, amount);
        self.emit_reclaimed(pool, holder, id, amount);
        Ok(amount)
    }

    // ---- trading ---------------------------------------------------------------------

    /// Atomically exchanges `amountA` of `idA` from `partyA` for `amountB` of
    /// `idB` from `partyB`. Each party consents by being the caller or having
    /// approved it; each leg obeys the transfer policy and pays the fee in
    /// kind, so each party receives the other's amount less that leg's fee.
    ///
    /// # Errors
    ///
    /// `EnforcedPause` while paused; `ERC1155InvalidSender` for a zero party;
    /// `ERC1155MissingApprovalForAll` unless the caller is each party or approved by it;
    /// `ZeroAmount`; `UnknownToken`, `TokenExpired` or `TokenNotTradable` for either leg;
    /// `ERC1155InsufficientBalance`; TokenAI's revert when a fee mint fails;
    /// `ERC1155InvalidReceiver`, or its own revert, when a contract party does not accept.
    pub fn swap(
        &mut self,
        party_a: Address,
        id_a: U256,
        amount_a: U256,
        party_b: Address,
        id_b: U256,
        amount_b: U256,
    ) -> Result<(), Error> {
        self.access().when_not_paused()?;
        let operator = self.vm().msg_sender();
        Self::check_sender(party_a)?;
        Self::check_sender(party_b)?;
        self.check_authorized(party_a, operator)?;
        self.check_authorized(party_b, operator)?;
        if cmp::is_zero(&amount_a) || cmp::is_zero(&amount_b) {
            return Err(ZeroAmount {}.into());
        }
        self.check_move(id_a, party_a, party_b)?;
        self.check_move(id_b, party_b, party_a)?;
        let fee_bps: u16 = self.fee_bps();
        let (fee_a, fee_b) = (
            policy::fee(amount_a, fee_bps),
            policy::fee(amount_b, fee_bps),
        );
        let received_b = self.swap_leg(operator, id_a, party_a, party_b, amount_a, fee_a)?;
        let received_a = self.swap_leg(operator, id_b, party_b, party_a, amount_b, fee_b)?;
        self.emit_swapped(party_a, party_b, id_a, amount_a, id_b, amount_b);
        // A leg's model prices its fee: without a fee its slot is not read.
        if !cmp::is_zero(&fee_a) {
            self.collect_fee(id_a, self.stored_model(&id_a), fee_a)?;
        }
        if !cmp::is_zero(&fee_b) {
            self.collect_fee(id_b, self.stored_model(&id_b), fee_b)?;
        }
        self.accept_single(operator, party_a, party_b, id_a, received_b, &[])?;
        self.accept_single(operator, party_b, party_a, id_b, received_a, &[])
    }
}

mod admin;
// Declared last: the rules' functions keep their place in the program,
// after the external functions (the wasm compresses 27 bytes smaller).
mod rules;

#[cfg(test)]
mod tests;
