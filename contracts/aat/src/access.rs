//! Two-step ownership and the emergency stop, with the errors and events of
//! OpenZeppelin's `Ownable2Step` and `Pausable`.
//!
//! Written here rather than reused: openzeppelin-stylus 0.3.0 turns on
//! alloy's `tiny-keccak` feature, and with it alloy replaces the host's
//! native keccak by a software one for every storage-mapping slot in the
//! whole program, which costs gas on every call and kilobytes of wasm.

use alloy_primitives::{Address, B256};
use alloy_sol_types::SolEvent;
use stylus_sdk::{
    prelude::*,
    storage::{StorageAddress, StorageBool},
};

use crate::{
    codec::{words, Word},
    Error,
    IAAT::{
        EnforcedPause, ExpectedPause, OwnableInvalidOwner, OwnableUnauthorizedAccount,
        OwnershipTransferStarted, OwnershipTransferred, Paused, Unpaused,
    },
};

/// Owner, pending owner and the paused flag (one storage slot).
#[storage]
pub struct Access {
    owner: StorageAddress,
    pending_owner: StorageAddress,
    paused: StorageBool,
}

impl Access {
    fn emit(&self, topics: &[B256], data: &[u8]) {
        let _ = self.vm().raw_log(topics, data);
    }

    /// Sets the first owner; the zero address is refused.
    pub fn init(&mut self, owner: Address) -> Result<(), Error> {
        if owner.is_zero() {
            return Err(OwnableInvalidOwner { owner }.into());
        }
        self.set_owner(owner);
        Ok(())
    }

    pub fn owner(&self) -> Address {
        self.owner.get()
    }

    pub fn pending_owner(&self) -> Address {
        self.pending_owner.get()
    }

    pub fn only_owner(&self) -> Result<(), Error> {
        let caller = self.vm().msg_sender();
        if caller != self.owner.get() {
            return Err(OwnableUnauthorizedAccount { account: caller }.into());
        }
        Ok(())
    }

    /// Owner only: names `new_owner` pending (the zero address cancels).
    pub fn transfer_ownership(&mut self, new_owner: Address) -> Result<(), Error> {
        self.only_owner()?;
        self.pending_owner.set(new_owner);
        self.emit(
            &[
                OwnershipTransferStarted::SIGNATURE_HASH,
                self.owner.get().word(),
                new_owner.word(),
            ],
            &[],
        );
        Ok(())
    }

    /// The pending owner takes over.
    pub fn accept_ownership(&mut self) -> Result<(), Error> {
        let caller = self.vm().msg_sender();
        if caller != self.pending_owner.get() {
            return Err(OwnableUnauthorizedAccount { account: caller }.into());
        }
        self.set_owner(caller);
        Ok(())
    }

    /// Owner only: leaves the contract without owner, for good.
    pub fn renounce_ownership(&mut self) -> Result<(), Error> {
        self.only_owner()?;
        self.set_owner(Address::ZERO);
        Ok(())
    }

    fn set_owner(&mut self, owner: Address) {
        let previous = self.owner.get();
        self.owner.set(owner);
        self.pending_owner.set(Address::ZERO);
        self.emit(
            &[
                OwnershipTransferred::SIGNATURE_HASH,
                previous.word(),
                owner.word(),
            ],
            &[],
        );
    }

    pub fn paused(&self) -> bool {
        self.paused.get()
    }

    pub fn when_not_paused(&self) -> Result<(), Error> {
        if self.paused.get() {
            return Err(EnforcedPause {}.into());
        }
        Ok(())
    }

    /// Owner only.
    pub fn pause(&mut self) -> Result<(), Error> {
        self.only_owner()?;
        self.when_not_paused()?;
        self.paused.set(true);
        self.emit(
            &[Paused::SIGNATURE_HASH],
            &words(&[self.vm().msg_sender().word()]),
        );
        Ok(())
    }

    /// Owner only.
    pub fn unpause(&mut self) -> Result<(), Error> {
        self.only_owner()?;
        if !self.paused.get() {
            return Err(ExpectedPause {}.into());
        }
        self.paused.set(false);
        self.emit(
            &[Unpaused::SIGNATURE_HASH],
            &words(&[self.vm().msg_sender().word()]),
        );
        Ok(())
    }
}
