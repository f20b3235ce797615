//! AATExchange: trustless trading of AI Access Tokens by EIP-712 signed
//! orders, AAT for AAT or for TokenAI, implementing `spec/IAATExchange.sol`
//! selector for selector.
//!
//! A maker signs an `Order` off-chain; anyone (or the taker it names) fills
//! all or part of it on-chain. The exchange holds nothing: it moves each leg
//! straight between the two parties as their approved AAT operator and
//! TokenAI spender, so AAT's transfer policy and fees apply to every unit
//! (`fill`), and its only state is how much of each order was filled, which
//! orders were cancelled and each maker's nonce floor (`records`).
//!
//! Built on the suite's lean ABI core (`abi_core`), as TokenAI and AAT are:
//! the interface is routed by hand (`router`), ownership and pause are
//! `abi_core::access` (without its minters, which the exchange has none of),
//! signatures are `abi_core::signature` (ECDSA with low `s`, ERC-1271 with a
//! capped stipend), exactly as AAT checks its vouchers.
//!
//! The exchange never receives AAT: it calls `AAT.safeTransferFrom` and
//! `AAT.swap` as an operator between two other parties, so it needs no
//! `onERC1155Received`. A contract maker or taker receiving AAT must accept
//! it itself, as AAT asks every contract recipient to.
#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]
extern crate alloc;

use abi_core::{
    access::{self, Access},
    codec::Word,
    signature::has_code,
    slot,
};
use alloy_primitives::Address;
use stylus_sdk::prelude::*;

mod cancel;
pub mod error;
mod events;
mod fill;
pub mod order;
mod records;
pub mod router;

pub use error::Error;
pub use order::Order;

// The spec file is the single source of the ABI: the router dispatches the
// selectors of the call types generated from it, and the contract emits and
// reverts with exactly its event and error types. The ABI export prints the
// file and its JSON description (`sol(abi)`, which needs alloy's `json`).
#[cfg(not(feature = "export-abi"))]
mod spec {
    alloy_sol_types::sol!(
        #[sol(all_derives)]
        "../../spec/IAATExchange.sol"
    );
}
#[cfg(feature = "export-abi")]
mod spec {
    alloy_sol_types::sol!(
        #[sol(all_derives, abi)]
        "../../spec/IAATExchange.sol"
    );
}
/// The spec interface: its events and errors are the ones this contract
/// emits and reverts with; its call types encode calldata for clients and
/// tests.
pub use spec::IAATExchange;
use IAATExchange::{ExcessiveFee, NotAContract, ZeroAddress};

/// The highest exchange fee the owner may set: 10%.
pub const MAX_FEE_BPS: u16 = 1_000;

/// Fixed slot: AAT's address (low 20 bytes), the fee in basis points
/// (the two bytes above) and the pause flag (the byte above those): every
/// fill reads this slot, once.
const AAT_FEE_AND_PAUSE: u8 = 0;
/// Fixed slot: TokenAI.
const TOKEN_AI: u8 = 1;
/// Fixed slot: the treasury (read only when there is a fee to pay).
const TREASURY: u8 = 2;
/// Where the fee's two bytes start in its word.
const FEE_AT: usize = 10;
/// Where the pause flag sits in its word.
const PAUSE_BYTE: usize = 9;

/// The exchange. Its state is all in slots of its own: the three words
/// above, the owner and pending owner (`Access`; its pause flag and minter
/// list stay unused), and the orders and nonce floors (`records`). No
/// `#[storage]` fields, which stylus-sdk would lay out on every call.
#[storage]
pub struct AATExchange {}

/// Construction and administration, in the order of `IAATExchange.sol`;
/// orders are `fill` and `cancel`.
impl AATExchange {
    /// Wires the exchange to AAT, TokenAI and the treasury; the fee starts
    /// at zero.
    ///
    /// # Errors
    ///
    /// `ZeroAddress` for a zero argument; `NotAContract(aat or tokenAI)`
    /// when it has no code: a call to an account without code succeeds and
    /// returns nothing, so every fill would "move" tokens that never move.
    pub fn constructor(
        &mut self,
        aat: Address,
        token_ai: Address,
        treasury: Address,
        initial_owner: Address,
    ) -> Result<(), Error> {
        if aat.is_zero() || token_ai.is_zero() || treasury.is_zero() || initial_owner.is_zero() {
            return Err(ZeroAddress {}.into());
        }
        for account in [aat, token_ai] {
            if !has_code(account) {
                return Err(NotAContract { account }.into());
            }
        }
        self.access().init(initial_owner)?;
        slot::store_fixed(AAT_FEE_AND_PAUSE, &aat.word());
        slot::store_fixed(TOKEN_AI, &token_ai.word());
        slot::store_fixed(TREASURY, &treasury.word());
        self.emit_treasury_set(treasury);
        Ok(())
    }

    /// Ownership (its pause flag is the exchange's own, beside AAT's address).
    #[must_use]
    pub fn access(&self) -> Access {
        Access
    }

    /// `aat()`: the AAT contract whose tokens the exchange moves.
    #[must_use]
    pub fn aat(&self) -> Address {
        slot::address_in(&slot::load_fixed(AAT_FEE_AND_PAUSE))
    }

    /// `tokenAI()`: the TokenAI contract that settles an order's id-0 side.
    #[must_use]
    pub fn token_ai(&self) -> Address {
        slot::address_in(&slot::load_fixed(TOKEN_AI))
    }

    /// Owner only. Emits `FeeBpsSet`.
    ///
    /// # Errors
    ///
    /// `OwnableUnauthorizedAccount(caller)`; `ExcessiveFee` above
    /// `MAX_FEE_BPS`.
    pub fn set_fee_bps(&mut self, fee_bps: u16) -> Result<(), Error> {
        self.access().only_owner()?;
        if fee_bps > MAX_FEE_BPS {
            return Err(ExcessiveFee {
                feeBps: fee_bps,
                maxFeeBps: MAX_FEE_BPS,
            }
            .into());
        }
        slot::store_fixed_bytes(AAT_FEE_AND_PAUSE, FEE_AT, &fee_bps.to_be_bytes());
        self.emit_fee_bps_set(fee_bps);
        Ok(())
    }

    /// `feeBps()`: the exchange fee in basis points, taken from the TokenAI the seller of AAT
    /// receives.
    #[must_use]
    pub fn fee_bps(&self) -> u16 {
        slot::u16_at(&slot::load_fixed(AAT_FEE_AND_PAUSE), FEE_AT)
    }

    /// `MAX_FEE_BPS()`: the highest fee `setFeeBps` accepts, [`MAX_FEE_BPS`].
    #[must_use]
    pub fn max_fee_bps() -> u16 {
        MAX_FEE_BPS
    }

    /// Owner only. Emits `TreasurySet`.
    ///
    /// # Errors
    ///
    /// `OwnableUnauthorizedAccount(caller)`; `ZeroAddress`.
    pub fn set_treasury(&mut self, treasury: Address) -> Result<(), Error> {
        self.access().only_owner()?;
        if treasury.is_zero() {
            return Err(ZeroAddress {}.into());
        }
        slot::store_fixed(TREASURY, &treasury.word());
        self.emit_treasury_set(treasury);
        Ok(())
    }

    /// `treasury()`: the account the exchange fee goes to.
    #[must_use]
    pub fn treasury(&self) -> Address {
        slot::address_in(&slot::load_fixed(TREASURY))
    }
}

/// The stop is the exchange's own flag, beside AAT's address in slot 0,
/// which every fill reads anyway.
impl access::OwnPause for AATExchange {
    fn pause_flag(&self) -> bool {
        slot::load_fixed(AAT_FEE_AND_PAUSE)[PAUSE_BYTE] == 1
    }

    fn store_pause_flag(&mut self, paused: bool) {
        slot::store_fixed_bytes(AAT_FEE_AND_PAUSE, PAUSE_BYTE, &[u8::from(paused)]);
    }
}

#[cfg(test)]
mod tests;
