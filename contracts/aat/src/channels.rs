//! Payment channels: a holder locks units of an id for one provider until a
//! time, so that the provider is sure to be paid for what it serves. Only
//! that provider's vouchers draw on them (`vouchers`) while the channel is
//! open; what is left returns to the holder when the channel is closed.
//! Locked units are held by this contract; locking is not a holder-to-holder
//! move, so non-tradable ids may be locked too (they stay the holder's).
//!
//! A channel may name a signer (a session key): while it is open, that
//! key's ECDSA signatures alone are valid for its vouchers, and they spend
//! the channel only. An agent gets a hot key whose worst case is the
//! channel, and a smart account gives its provider a guarantee that does
//! not depend on what its `isValidSignature` answers at settlement.

use abi_core::cmp;
use abi_core::{codec::Word, slot, OrOverflow};
use alloy_primitives::{Address, B256, U256};
use stylus_sdk::prelude::*;

use crate::{
    vouchers::{pay_key, signer_slot, PayAccount},
    Error, AAT,
    IAAT::{
        ChannelExpiryInvalid, ChannelNotClosable, ChannelSignerMismatch, InvalidChannelProvider,
        NoChannel, ZeroAddress, ZeroAmount,
    },
};

impl AAT {
    /// Locks `amount` of the caller's `id` for `provider` until
    /// `expires_at`, or adds to the channel and moves its expiry later.
    /// `signer` (zero: the holder) signs the channel's vouchers while it is
    /// open; a channel keeps its signer until it is closed.
    ///
    /// # Errors
    ///
    /// `EnforcedPause()`, `ZeroAmount()`, `ZeroAddress()`,
    /// `InvalidChannelProvider(provider)` for a channel to oneself,
    /// `UnknownToken`, `TokenExpired`, `ChannelExpiryInvalid(expiresAt)` for
    /// an expiry not in the future, after the id's expiration or before the
    /// channel's current one, `ChannelSignerMismatch(expected, given)` for a
    /// top-up naming another signer, `ERC1155InsufficientBalance`.
    pub fn open_channel(
        &mut self,
        provider: Address,
        id: U256,
        amount: U256,
        expires_at: u64,
        signer: Address,
    ) -> Result<(), Error> {
        self.access().when_not_paused()?;
        if cmp::is_zero(&amount) {
            return Err(ZeroAmount {}.into());
        }
        if cmp::is_null(&provider) {
            return Err(ZeroAddress {}.into());
        }
        let holder = self.vm().msg_sender();
        if cmp::same(&provider, &holder) {
            // A channel to oneself would let the holder settle its own
            // vouchers: units out of the channel with no one paid.
            return Err(InvalidChannelProvider { provider }.into());
        }
        let token = self.live_terms(id)?;
        let key = pay_key(holder, provider, id);
        let account = self.pay_account(key);
        let too_late = token.expiration != 0 && expires_at > token.expiration;
        if expires_at <= self.vm().block_timestamp() || too_late || expires_at < account.expires_at
        {
            return Err(ChannelExpiryInvalid {
                expiresAt: expires_at,
            }
            .into());
        }
        if account.expires_at != 0 {
            let expected = self.channel_signer(key, &account);
            if !cmp::same(&expected, &signer) {
                return Err(ChannelSignerMismatch {
                    expected,
                    given: signer,
                }
                .into());
            }
        } else if !cmp::is_null(&signer) {
            slot::store(&signer_slot(key), &signer.word());
        }
        let locked = account.locked.checked_add(amount).or_overflow()?;
        self.set_pay_account(
            key,
            &PayAccount {
                locked,
                delegated: !cmp::is_null(&signer),
                expires_at,
                ..account
            },
        )?;
        let contract = self.vm().contract_address();
        self.move_tokens(id, holder, contract, amount)?;
        self.emit_transfer_single(holder, holder, contract, id, amount);
        self.emit_channel_opened(holder, provider, id, locked, expires_at, signer);
        Ok(())
    }

    /// Closes a channel and returns what is left in it to its holder: the
    /// provider may close it at any time, anyone once it has expired.
    /// Allowed while paused: it only returns units to their owner. What was
    /// settled stays settled.
    ///
    /// # Errors
    ///
    /// `NoChannel(holder, provider, id)`, `ChannelNotClosable(caller,
    /// expiresAt)` before expiry for anyone but the provider.
    pub fn close_channel(
        &mut self,
        holder: Address,
        provider: Address,
        id: U256,
    ) -> Result<U256, Error> {
        let key = pay_key(holder, provider, id);
        let account = self.pay_account(key);
        let expires_at = account.expires_at;
        if expires_at == 0 {
            return Err(NoChannel {
                holder,
                provider,
                id,
            }
            .into());
        }
        let caller = self.vm().msg_sender();
        if !cmp::same(&caller, &provider) && self.vm().block_timestamp() < expires_at {
            return Err(ChannelNotClosable {
                caller,
                expiresAt: expires_at,
            }
            .into());
        }
        let returned = account.locked;
        if account.delegated {
            slot::store(&signer_slot(key), &B256::ZERO);
        }
        self.set_pay_account(
            key,
            &PayAccount {
                settled: account.settled,
                ..PayAccount::default()
            },
        )?;
        if !cmp::is_zero(&returned) {
            let contract = self.vm().contract_address();
            self.move_tokens(id, contract, holder, returned)?;
            self.emit_transfer_single(caller, contract, holder, id, returned);
        }
        self.emit_channel_closed(holder, provider, id, returned);
        Ok(returned)
    }

    /// The channel's locked units, expiry and signer (zero: the holder).
    #[must_use]
    pub fn channel_of(&self, holder: Address, provider: Address, id: U256) -> (U256, u64, Address) {
        let key = pay_key(holder, provider, id);
        let account = self.pay_account(key);
        let signer = self.channel_signer(key, &account);
        (account.locked, account.expires_at, signer)
    }

    /// The signer the channel at `key` names, zero when none.
    pub(crate) fn channel_signer(&self, key: B256, account: &PayAccount) -> Address {
        if account.delegated {
            Address::from_word(slot::load(&signer_slot(key)))
        } else {
            Address::ZERO
        }
    }
}

#[cfg(test)]
mod tests;
