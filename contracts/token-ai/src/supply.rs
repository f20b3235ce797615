//! The supply slot: the total supply in its low 31 bytes and the pause flag
//! in its top byte. A mint or a burn reads the supply and must check the
//! pause, so the two share a slot: one cold read (2,100 gas) where they were
//! two, as OpenZeppelin's Solidity shares one for its owner and pause flag.
//! A transfer reads the slot for the flag alone, as it read the flag's own.
//! While not paused the word is the supply itself. Supplies stop at
//! 2^248 - 1 (`Panic(0x11)` past it). `Access`'s own pause flag is not used.

use abi_core::{
    access,
    codec::{u256_of, Word},
    OrOverflow, Revert,
};
use alloy_primitives::U256;
use stylus_sdk::prelude::*;

use crate::TokenAI;

/// The part of the word's top limb that is supply.
const LOW_56: u64 = (1 << 56) - 1;

/// Whether the supply word says paused.
fn is_paused(word: U256) -> bool {
    word.as_limbs()[3] > LOW_56
}

/// `word` with its pause flag set to `paused`.
fn with_pause(word: U256, paused: bool) -> U256 {
    let [a, b, c, d] = *word.as_limbs();
    let flag = if paused { 1 << 56 } else { 0 };
    U256::from_limbs([a, b, c, (d & LOW_56) | flag])
}

impl TokenAI {
    /// The slot's word as a number, converted limb by limb (ruint's
    /// conversion loops over the bytes, a metered basic block each).
    fn supply_word(&self) -> U256 {
        u256_of(&self.supply_and_pause.get().0)
    }

    /// The base units in existence: minted less burned.
    #[must_use]
    pub fn total_supply(&self) -> U256 {
        with_pause(self.supply_word(), false)
    }

    /// `paused()`: whether the emergency stop is on.
    #[must_use]
    pub fn paused(&self) -> bool {
        is_paused(self.supply_word())
    }

    /// # Errors
    ///
    /// `EnforcedPause()` while paused.
    pub fn when_not_paused(&self) -> Result<(), Revert> {
        access::when_not_paused(self.paused())
    }

    /// Owner only: stops transfers, mints and burns (approvals, permits
    /// and cancellations of authorizations stay open).
    ///
    /// # Errors
    ///
    /// `OwnableUnauthorizedAccount(caller)`; `EnforcedPause()` when paused.
    pub fn pause(&mut self) -> Result<(), Revert> {
        self.switch_pause(true)
    }

    /// Owner only.
    ///
    /// # Errors
    ///
    /// `OwnableUnauthorizedAccount(caller)`; `ExpectedPause()` unless paused.
    pub fn unpause(&mut self) -> Result<(), Revert> {
        self.switch_pause(false)
    }

    fn switch_pause(&mut self, pause: bool) -> Result<(), Revert> {
        self.access.only_owner()?;
        let word = self.supply_word();
        access::switch_pause(is_paused(word), pause, self.vm().msg_sender())?;
        self.supply_and_pause.set(with_pause(word, pause).word());
        Ok(())
    }

    /// The supply, once the pause check passed; `EnforcedPause()` while
    /// paused.
    pub(crate) fn live_supply(&self) -> Result<U256, Revert> {
        let word = self.supply_word();
        access::when_not_paused(is_paused(word))?;
        Ok(word)
    }

    /// Sets the supply (not paused: `live_supply` said so) to `supply`;
    /// `Panic(0x11)` when it does not fit below the flag.
    pub(crate) fn set_supply(&mut self, supply: Option<U256>) -> Result<(), Revert> {
        let supply = supply.filter(|s| !is_paused(*s)).or_overflow()?;
        self.supply_and_pause.set(supply.word());
        Ok(())
    }
}

#[cfg(test)]
mod tests;
