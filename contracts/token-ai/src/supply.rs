//! The supply slot: the total supply in its low 31 bytes and the pause flag
//! in its top byte. A mint or a burn reads the supply and must check the
//! pause, so the two share a slot: one cold read (2,100 gas) where they were
//! two. A transfer reads the slot for the flag alone, as it read the flag's
//! own. While not paused the word is the supply itself. Supplies stop at
//! 2^248 - 1 (`Panic(0x11)` past it). The stop's rules are `OwnPause`'s;
//! `Access`'s own pause flag is not used.

use abi_core::{
    access,
    codec::{u256_of, Word},
    slot, OrOverflow, Revert,
};
use alloy_primitives::U256;

use crate::{TokenAI, SUPPLY_AND_PAUSE};

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
        u256_of(&slot::load_fixed(SUPPLY_AND_PAUSE).0)
    }

    /// The base units in existence: minted less burned.
    #[must_use]
    pub fn total_supply(&self) -> U256 {
        with_pause(self.supply_word(), false)
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
        slot::store_fixed(SUPPLY_AND_PAUSE, &supply.word());
        Ok(())
    }
}

/// The stop is the supply word's top byte.
impl access::OwnPause for TokenAI {
    fn pause_flag(&self) -> bool {
        is_paused(self.supply_word())
    }

    fn store_pause_flag(&mut self, paused: bool) {
        let word = with_pause(self.supply_word(), paused);
        slot::store_fixed(SUPPLY_AND_PAUSE, &word.word());
    }
}

#[cfg(test)]
mod tests;
