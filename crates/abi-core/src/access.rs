//! Two-step ownership, the emergency stop and the minter list both
//! contracts share, with the functions, errors and events of OpenZeppelin's
//! `Ownable2Step` and `Pausable`, and their routing (`route`).
//!
//! Written here rather than reused: openzeppelin-stylus 0.3.0 turns on
//! alloy's `tiny-keccak` feature, and with it alloy replaces the host's
//! native keccak by a software one for every storage-mapping slot of the
//! whole program, which costs gas on every call and kilobytes of wasm.

use alloy_primitives::{Address, B256};
use alloy_sol_types::SolEvent;
use stylus_sdk::hostio;

use crate::{
    cmp,
    codec::{Args, Word},
    log,
    router::{done, word, Routed},
    slot::{self, Map},
    Revert,
};

mod spec {
    alloy_sol_types::sol!(
        #[sol(all_derives)]
        "../../spec/ITokenAI.sol"
    );
}
use spec::ITokenAI;
/// The administration functions' call types, for clients and tests.
pub use spec::ITokenAI::{
    acceptOwnershipCall, isMinterCall, ownerCall, pauseCall, pausedCall, pendingOwnerCall,
    renounceOwnershipCall, setMinterCall, transferOwnershipCall, unpauseCall,
};
/// The errors and events of this module, as the spec files declare them.
/// They are declared alike in all three (each contract's routing and
/// error tests check its own spec against this module); the types are
/// taken from `ITokenAI.sol`.
pub use spec::ITokenAI::{
    EnforcedPause, ExpectedPause, MinterSet, OwnableInvalidOwner, OwnableUnauthorizedAccount,
    OwnershipTransferStarted, OwnershipTransferred, Paused, UnauthorizedMinter, Unpaused,
};

mod encoding {
    use super::{
        EnforcedPause, ExpectedPause, OwnableInvalidOwner, OwnableUnauthorizedAccount,
        UnauthorizedMinter,
    };
    crate::errors! {
        UnauthorizedMinter { account },
        EnforcedPause {},
        ExpectedPause {},
        OwnableUnauthorizedAccount { account },
        OwnableInvalidOwner { owner },
    }
}
/// The selectors of this module's errors.
pub use encoding::ERROR_SELECTORS;

crate::selectors! {
    SET_MINTER = ITokenAI::setMinterCall;
    IS_MINTER = ITokenAI::isMinterCall;
    PAUSE = ITokenAI::pauseCall;
    UNPAUSE = ITokenAI::unpauseCall;
    PAUSED = ITokenAI::pausedCall;
    OWNER = ITokenAI::ownerCall;
    PENDING_OWNER = ITokenAI::pendingOwnerCall;
    TRANSFER_OWNERSHIP = ITokenAI::transferOwnershipCall;
    ACCEPT_OWNERSHIP = ITokenAI::acceptOwnershipCall;
    RENOUNCE_OWNERSHIP = ITokenAI::renounceOwnershipCall;
}

/// The functions of a contract that has an owner and a pause but no
/// minters (`route_owner_and_pause`): every entry of `SELECTORS` but
/// `setMinter` and `isMinter`, its first two.
pub const OWNER_AND_PAUSE_SELECTORS: &[u32] = SELECTORS.split_at(2).1;

/// The errors of a contract without minters: all but `UnauthorizedMinter`,
/// the first.
pub const OWNER_AND_PAUSE_ERROR_SELECTORS: &[[u8; 4]] = ERROR_SELECTORS.split_at(1).1;

/// Owner, pending owner, the paused flag and the minters, in slots of
/// their own (`slot`): the owner's address and the flag share one word (the
/// flag in its top byte), as Solidity packs a `bool` beside an address:
/// pausing then rewrites a word that is already non-zero
/// (2,900 gas) rather than filling an empty one (20,000). A handle, not a
/// `#[storage]` field: a contract gets it from `access()`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Access;

/// The fixed slot of the owner and the paused flag.
const OWNER_AND_PAUSE_SLOT: u8 = 0xa0;
/// The fixed slot of the pending owner.
const PENDING_OWNER_SLOT: u8 = 0xa1;
/// The minters: `[31] == 1` for each.
const MINTERS: Map = Map::named(b"Access.minters");
/// The flag's place in its word: the top byte, above the owner's address.
const PAUSE_BYTE: usize = 0;

/// The account calling the program.
#[must_use]
pub fn caller() -> Address {
    let mut caller = Address::ZERO;
    // Safe: the host writes 20 bytes, the size of an address.
    unsafe { hostio::msg_sender(caller.as_mut_ptr()) };
    caller
}

impl Access {
    /// Sets the first owner; the zero address is refused.
    ///
    /// # Errors
    ///
    /// `OwnableInvalidOwner(0)`.
    pub fn init(&mut self, owner: Address) -> Result<(), Revert> {
        if cmp::is_null(&owner) {
            return Err(OwnableInvalidOwner { owner }.into());
        }
        self.set_owner(owner);
        Ok(())
    }

    /// Runs the administration function `selector` names; `Ok(None)` for
    /// any other selector.
    ///
    /// # Errors
    ///
    /// Malformed calldata, or the function's revert.
    pub fn route(&mut self, selector: u32, a: &mut Args<'_>) -> Routed {
        match selector {
            SET_MINTER => done(self.set_minter(a.address()?, a.bool()?)),
            IS_MINTER => word(self.is_minter(a.address()?)),
            PAUSE => done(self.pause()),
            UNPAUSE => done(self.unpause()),
            PAUSED => word(self.paused()),
            OWNER => word(self.owner()),
            PENDING_OWNER => word(self.pending_owner()),
            TRANSFER_OWNERSHIP => done(self.transfer_ownership(a.address()?)),
            ACCEPT_OWNERSHIP => done(self.accept_ownership()),
            RENOUNCE_OWNERSHIP => done(self.renounce_ownership()),
            _ => Ok(None),
        }
    }

    /// `route` for a contract without minters: `setMinter` and `isMinter`
    /// are unknown selectors there (`Ok(None)`), as its ABI declares
    /// neither (`OWNER_AND_PAUSE_SELECTORS`).
    ///
    /// # Errors
    ///
    /// Malformed calldata, or the function's revert.
    pub fn route_owner_and_pause(&mut self, selector: u32, a: &mut Args<'_>) -> Routed {
        match selector {
            SET_MINTER | IS_MINTER => Ok(None),
            _ => self.route(selector, a),
        }
    }

    /// `owner()`: the account the owner-only functions accept; zero once renounced.
    #[must_use]
    pub fn owner(&self) -> Address {
        slot::address_in(&slot::load_fixed(OWNER_AND_PAUSE_SLOT))
    }

    /// `pendingOwner()`: the account `transferOwnership` named, which may accept; zero when none.
    #[must_use]
    pub fn pending_owner(&self) -> Address {
        slot::address_in(&slot::load_fixed(PENDING_OWNER_SLOT))
    }

    /// # Errors
    ///
    /// `OwnableUnauthorizedAccount(caller)` unless the caller is the owner.
    pub fn only_owner(&self) -> Result<(), Revert> {
        let caller = caller();
        if !cmp::same(&caller, &self.owner()) {
            return Err(OwnableUnauthorizedAccount { account: caller }.into());
        }
        Ok(())
    }

    /// Owner only: names `new_owner` pending (the zero address cancels).
    ///
    /// # Errors
    ///
    /// `OwnableUnauthorizedAccount(caller)`.
    pub fn transfer_ownership(&mut self, new_owner: Address) -> Result<(), Revert> {
        self.only_owner()?;
        slot::store_fixed(PENDING_OWNER_SLOT, &new_owner.word());
        log::emit_words(
            &[
                crate::code_word!(OwnershipTransferStarted::SIGNATURE_HASH),
                self.owner().word(),
                new_owner.word(),
            ],
            3,
        );
        Ok(())
    }

    /// The pending owner takes over.
    ///
    /// # Errors
    ///
    /// `OwnableUnauthorizedAccount(caller)` unless the caller is pending.
    pub fn accept_ownership(&mut self) -> Result<(), Revert> {
        let caller = caller();
        if !cmp::same(&caller, &self.pending_owner()) {
            return Err(OwnableUnauthorizedAccount { account: caller }.into());
        }
        self.set_owner(caller);
        Ok(())
    }

    /// Owner only: leaves the contract without owner, for good.
    ///
    /// # Errors
    ///
    /// `OwnableUnauthorizedAccount(caller)`.
    pub fn renounce_ownership(&mut self) -> Result<(), Revert> {
        self.only_owner()?;
        self.set_owner(Address::ZERO);
        Ok(())
    }

    /// Replaces the owner (keeping the flag beside it) and clears the
    /// pending owner.
    fn set_owner(&mut self, owner: Address) {
        // One read for the previous owner and the flag kept beside it.
        let mut word = slot::load_fixed(OWNER_AND_PAUSE_SLOT);
        let previous = slot::address_in(&word);
        word[12..].copy_from_slice(owner.as_slice());
        slot::store_fixed(OWNER_AND_PAUSE_SLOT, &word);
        slot::store_fixed(PENDING_OWNER_SLOT, &B256::ZERO);
        log::emit_words(
            &[
                crate::code_word!(OwnershipTransferred::SIGNATURE_HASH),
                previous.word(),
                owner.word(),
            ],
            3,
        );
    }

    /// `paused()`: whether the emergency stop is on.
    #[must_use]
    pub fn paused(&self) -> bool {
        slot::load_fixed(OWNER_AND_PAUSE_SLOT)[PAUSE_BYTE] == 1
    }

    /// # Errors
    ///
    /// `EnforcedPause()` while paused.
    pub fn when_not_paused(&self) -> Result<(), Revert> {
        if self.paused() {
            return Err(EnforcedPause {}.into());
        }
        Ok(())
    }

    /// Owner only.
    ///
    /// # Errors
    ///
    /// `OwnableUnauthorizedAccount(caller)`; `EnforcedPause()` when paused.
    pub fn pause(&mut self) -> Result<(), Revert> {
        self.only_owner()?;
        self.when_not_paused()?;
        self.set_paused(true, crate::code_word!(Paused::SIGNATURE_HASH));
        Ok(())
    }

    /// Owner only.
    ///
    /// # Errors
    ///
    /// `OwnableUnauthorizedAccount(caller)`; `ExpectedPause()` unless paused.
    pub fn unpause(&mut self) -> Result<(), Revert> {
        self.only_owner()?;
        if !self.paused() {
            return Err(ExpectedPause {}.into());
        }
        self.set_paused(false, crate::code_word!(Unpaused::SIGNATURE_HASH));
        Ok(())
    }

    fn set_paused(&mut self, paused: bool, event: B256) {
        slot::store_fixed_bytes(OWNER_AND_PAUSE_SLOT, PAUSE_BYTE, &[u8::from(paused)]);
        log::emit_words(&[event, caller().word()], 1);
    }

    /// Owner only. Emits `MinterSet`, also when nothing changes, so that
    /// indexers see every decision.
    ///
    /// # Errors
    ///
    /// `OwnableUnauthorizedAccount(caller)`.
    pub fn set_minter(&mut self, minter: Address, enabled: bool) -> Result<(), Revert> {
        self.only_owner()?;
        slot::store(&MINTERS.at(minter.as_slice()), &enabled.word());
        log::emit_words(
            &[
                crate::code_word!(MinterSet::SIGNATURE_HASH),
                minter.word(),
                enabled.word(),
            ],
            2,
        );
        Ok(())
    }

    /// `isMinter(account)`: whether the owner has made `account` a minter.
    #[must_use]
    pub fn is_minter(&self, account: Address) -> bool {
        slot::load(&MINTERS.at(account.as_slice()))[31] == 1
    }

    /// The caller, when it is a minter.
    ///
    /// # Errors
    ///
    /// `UnauthorizedMinter(caller)`.
    pub fn only_minter(&self) -> Result<Address, Revert> {
        let caller = caller();
        if !self.is_minter(caller) {
            return Err(UnauthorizedMinter { account: caller }.into());
        }
        Ok(caller)
    }
}

/// `EnforcedPause()` while `paused`: the emergency stop's check over a flag
/// kept outside `Access` (`OwnPause`). A contract whose every call reads
/// some slot anyway keeps its flag there instead, which saves a cold slot
/// (2,100 gas) on every call. (`Access` keeps its own inlined copies of
/// these rules: routing its methods through these functions moved AAT's
/// program by 40 bytes.)
///
/// # Errors
///
/// `EnforcedPause()` while paused.
pub fn when_not_paused(paused: bool) -> Result<(), Revert> {
    if paused {
        return Err(EnforcedPause {}.into());
    }
    Ok(())
}

/// An emergency stop whose flag a contract keeps outside `Access`, in a
/// slot its calls read anyway (the exchange's beside AAT's address,
/// TokenAI's beside its supply): the contract reads and stores the flag;
/// the owner check (`Access`'s), the rules and the events are these provided methods,
/// the same as `Access`'s own.
pub trait OwnPause {
    /// Whether the stop is on.
    fn pause_flag(&self) -> bool;

    /// Stores the stop's flag.
    fn store_pause_flag(&mut self, paused: bool);

    /// `paused()`: whether the emergency stop is on.
    fn paused(&self) -> bool {
        self.pause_flag()
    }

    /// # Errors
    ///
    /// `EnforcedPause()` while paused.
    fn when_not_paused(&self) -> Result<(), Revert> {
        when_not_paused(self.pause_flag())
    }

    /// Owner only.
    ///
    /// # Errors
    ///
    /// `OwnableUnauthorizedAccount(caller)`; `EnforcedPause()` when paused.
    fn pause(&mut self) -> Result<(), Revert> {
        switch_pause(self, true)
    }

    /// Owner only.
    ///
    /// # Errors
    ///
    /// `OwnableUnauthorizedAccount(caller)`; `ExpectedPause()` unless paused.
    fn unpause(&mut self) -> Result<(), Revert> {
        switch_pause(self, false)
    }
}

/// The owner switches `contract`'s stop to `pause`: the owner first, then
/// the rule and the event (`check_and_log_switch`), the flag stored last.
fn switch_pause<C: OwnPause + ?Sized>(contract: &mut C, pause: bool) -> Result<(), Revert> {
    Access.only_owner()?;
    check_and_log_switch(contract.pause_flag(), pause, caller())?;
    contract.store_pause_flag(pause);
    Ok(())
}

/// Checks that the stop, now `paused`, may be switched to `pause`
/// (`EnforcedPause`, `ExpectedPause`), and logs `Paused` or `Unpaused` with
/// `caller`. Not generic: one copy in a program, whichever contracts
/// implement `OwnPause`.
fn check_and_log_switch(paused: bool, pause: bool, caller: Address) -> Result<(), Revert> {
    if pause {
        when_not_paused(paused)?;
    } else if !paused {
        return Err(ExpectedPause {}.into());
    }
    let event = if pause {
        crate::code_word!(Paused::SIGNATURE_HASH)
    } else {
        crate::code_word!(Unpaused::SIGNATURE_HASH)
    };
    log::emit_words(&[event, caller.word()], 1);
    Ok(())
}

#[cfg(test)]
mod tests;
