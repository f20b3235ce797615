//! TokenAI: the backed utility token of the AI Access Token suite, an ERC-20
//! for Arbitrum Stylus implementing `spec/ITokenAI.sol` selector for selector.
//!
//! Supply starts at zero and grows only through authorized minters (deposit
//! gateways, and the AAT contract's fee hook). Holders burn; the owner pauses
//! every balance movement in an emergency; ownership moves in two steps;
//! EIP-2612 `permit` lets wallets and agents approve without gas, and
//! EIP-3009 transfers with authorization (`authorization`) let x402 clients
//! pay per request while a facilitator or the AI provider pays the gas.
//!
//! Built on the suite's lean ABI core (`abi_core`), as AAT is: a hand-written
//! router (`router`), hand-laid events and errors, and `abi_core::access`
//! for ownership, pause and minters. OpenZeppelin Stylus is not used at all
//! any more: its `Erc20` keeps `_approve` private (permit must approve for a
//! signer who is not the caller) and panics on supply overflow, its permit
//! fixes the EIP-712 name at compile time, its `ecdsa` traps on a signature
//! the precompile rejects, and the crate turns on alloy's software keccak for
//! every storage slot of the program. With stylus-sdk's `#[public]` router and
//! those components TokenAI measured 21,564 bytes compressed, without EIP-3009.
#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]
extern crate alloc;

use alloc::vec::Vec;

use abi_core::{
    access::Access,
    cmp,
    codec::{inline_word, Word},
    eip712, log, signature,
    slot::{self, Map},
    text::StoredBytes,
    OrOverflow,
};
use alloy_primitives::{Address, B256, U256};
use alloy_sol_types::SolEvent;
use stylus_sdk::prelude::*;

pub mod authorization;
pub mod error;
pub mod router;
mod supply;

pub use error::Error;

// The spec file is the single source of the ABI: the router dispatches the
// selectors of the call types generated from it, and the contract emits and
// reverts with exactly its event and error types. The ABI export prints the
// file and its JSON description (`sol(abi)`, which needs alloy's `json`).
#[cfg(not(feature = "export-abi"))]
mod spec {
    alloy_sol_types::sol!(
        #[sol(all_derives)]
        "../../spec/ITokenAI.sol"
    );
}
#[cfg(feature = "export-abi")]
mod spec {
    alloy_sol_types::sol!(
        #[sol(all_derives, abi)]
        "../../spec/ITokenAI.sol"
    );
}
/// The spec interface: its events and errors are the ones this contract emits
/// and reverts with; its call types encode calldata for clients and tests.
pub use spec::ITokenAI;
use ITokenAI::{
    Approval, ERC20InsufficientAllowance, ERC20InsufficientBalance, ERC20InvalidApprover,
    ERC20InvalidReceiver, ERC20InvalidSender, ERC20InvalidSpender, ERC2612ExpiredSignature,
    ERC2612InvalidSigner, Transfer,
};

/// TokenAI's decimals, as for ether.
pub const DECIMALS: u8 = 18;

/// `keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)")`.
pub const PERMIT_TYPEHASH: B256 = B256::new(
    stylus_sdk::keccak_const::Keccak256::new()
        .update(
            b"Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)",
        )
        .finalize(),
);

/// Balances by holder. The per-holder records are raw slots keyed in bytes
/// (`abi_core::slot`), as AAT keeps its own: one keccak per record, reused
/// for its read and its write, where stylus-sdk's `StorageMap` converts
/// every key through `U256` a byte at a time (about 150 gas an access).
const BALANCES: Map = Map::named(b"TokenAI.balances");
/// Allowances by `owner ‖ spender`.
const ALLOWANCES: Map = Map::named(b"TokenAI.allowances");
/// EIP-2612: the next permit nonce of each owner.
const NONCES: Map = Map::named(b"TokenAI.nonces");
/// EIP-3009: `authorizer ‖ nonce` → used or canceled (a non-zero word).
pub(crate) const AUTHORIZATIONS: Map = Map::named(b"TokenAI.authorizations");

/// The slot of `account`'s balance.
#[inline(never)]
fn balance_slot(account: Address) -> B256 {
    BALANCES.at(account.as_slice())
}

/// The slot of `owner`'s allowance to `spender`.
#[inline(never)]
fn allowance_slot(owner: Address, spender: Address) -> B256 {
    ALLOWANCES.at_parts(&[owner.as_slice(), spender.as_slice()])
}

/// The name, set at construction (also the EIP-712 domain's name).
const NAME: StoredBytes = StoredBytes::named(b"TokenAI.name");
/// The ticker symbol, set at construction.
const SYMBOL: StoredBytes = StoredBytes::named(b"TokenAI.symbol");
/// Fixed slot: the total supply and the pause flag (`supply`).
pub(crate) const SUPPLY_AND_PAUSE: u8 = 0;
/// Fixed slot: `keccak256(name)`, the EIP-712 domain's name.
const HASHED_NAME: u8 = 1;

/// The TokenAI contract. Its state is all in slots of its own (`slot`,
/// the maps above, `Access`'s): no `#[storage]` fields, which stylus-sdk
/// would lay out on every call.
#[storage]
pub struct TokenAI {}

/// The external functions, in the order of `ITokenAI.sol` (EIP-3009 in
/// `authorization`); `router` decodes calldata into these calls.
impl TokenAI {
    /// Sets name, symbol and owner. The supply starts at zero and nobody is
    /// a minter, not even the owner.
    ///
    /// # Errors
    ///
    /// `OwnableInvalidOwner(0)` for a zero owner.
    pub fn constructor(
        &mut self,
        name: &[u8],
        symbol: &[u8],
        initial_owner: Address,
    ) -> Result<(), Error> {
        slot::store_fixed(HASHED_NAME, &alloy_primitives::keccak256(name));
        NAME.set(name);
        SYMBOL.set(symbol);
        self.access().init(initial_owner)
    }

    /// Ownership and minters (the pause flag is in the supply's slot).
    #[must_use]
    pub fn access(&self) -> Access {
        Access
    }

    // ---- ERC-20 / ERC-20 metadata ----------------------------------------

    /// The token's name, set at construction (also the EIP-712 domain's name).
    #[must_use]
    pub fn name(&self) -> Vec<u8> {
        NAME.get()
    }

    /// The token's ticker symbol, set at construction.
    #[must_use]
    pub fn symbol(&self) -> Vec<u8> {
        SYMBOL.get()
    }

    /// 18: one token is 10^18 base units.
    #[must_use]
    pub fn decimals(&self) -> u8 {
        DECIMALS
    }

    /// The base units `account` holds.
    #[must_use]
    pub fn balance_of(&self, account: Address) -> U256 {
        slot::load_u256(&balance_slot(account))
    }

    /// # Errors
    ///
    /// As every holder-to-holder move (`transfer_between`).
    pub fn transfer(&mut self, to: Address, value: U256) -> Result<bool, Error> {
        let from = self.vm().msg_sender();
        self.transfer_between(from, to, value)?;
        Ok(true)
    }

    /// The base units `spender` may still move from `owner` (`transferFrom`, `burnFrom`);
    /// `U256::MAX` is never spent down.
    #[must_use]
    pub fn allowance(&self, owner: Address, spender: Address) -> U256 {
        slot::load_u256(&allowance_slot(owner, spender))
    }

    /// # Errors
    ///
    /// `ERC20InvalidSpender(0)`.
    pub fn approve(&mut self, spender: Address, value: U256) -> Result<bool, Error> {
        self.approve_word(spender, &value.word())
    }

    /// `approve` with `value` as its ABI word, as the router reads it: an
    /// allowance is only stored and logged here, never computed with, so it
    /// stays in its big-endian form (a `U256` costs two conversions, one
    /// each way, about 6 gas a call).
    ///
    /// # Errors
    ///
    /// `ERC20InvalidSpender(0)`.
    pub fn approve_word(&mut self, spender: Address, value: &B256) -> Result<bool, Error> {
        let owner = self.vm().msg_sender();
        self.set_allowance(owner, spender, value)?;
        Ok(true)
    }

    /// # Errors
    ///
    /// `ERC20InsufficientAllowance`, then as every holder-to-holder move.
    pub fn transfer_from(
        &mut self,
        from: Address,
        to: Address,
        value: U256,
    ) -> Result<bool, Error> {
        let spender = self.vm().msg_sender();
        self.spend_allowance(from, spender, value)?;
        self.transfer_between(from, to, value)?;
        Ok(true)
    }

    // ---- EIP-2612 permit -------------------------------------------------

    /// Sets `spender`'s allowance over `owner`'s tokens from `owner`'s
    /// EIP-712 signature, consuming `owner`'s nonce. A signature that
    /// recovers to nobody (malformed, or a malleable high-`s` twin) is
    /// reported as `ERC2612InvalidSigner(address(0), owner)`: the spec has no
    /// ECDSA errors.
    ///
    /// # Errors
    ///
    /// `ERC2612ExpiredSignature(deadline)` once `block.timestamp > deadline`;
    /// `ERC2612InvalidSigner(signer, owner)`; `ERC20InvalidApprover(0)`,
    /// `ERC20InvalidSpender(0)`.
    #[allow(clippy::too_many_arguments)]
    pub fn permit(
        &mut self,
        owner: Address,
        spender: Address,
        value: U256,
        deadline: U256,
        v: u8,
        r: B256,
        s: B256,
    ) -> Result<(), Error> {
        if U256::from(self.vm().block_timestamp()) > deadline {
            return Err(ERC2612ExpiredSignature { deadline }.into());
        }
        let nonce_slot = NONCES.at(owner.as_slice());
        let nonce = slot::load_u256(&nonce_slot);
        // A nonce cannot realistically reach 2**256 - 1; wrap-free anyway.
        slot::store_u256(
            &nonce_slot,
            &nonce.checked_add(U256::from(1)).or_overflow()?,
        );
        let value = value.word();
        let struct_hash = eip712::hash_words(&[
            inline_word(&PERMIT_TYPEHASH),
            owner.into_word(),
            spender.into_word(),
            value,
            nonce.word(),
            deadline.word(),
        ]);
        let signer = signature::recover(self.digest(struct_hash), v, r, s);
        if !cmp::same(&signer, &owner) {
            return Err(ERC2612InvalidSigner { signer, owner }.into());
        }
        self.set_allowance(owner, spender, &value)
    }

    /// `nonces(owner)`: the EIP-2612 nonce `owner`'s next permit must sign.
    #[must_use]
    pub fn nonces(&self, owner: Address) -> U256 {
        slot::load_u256(&NONCES.at(owner.as_slice()))
    }

    /// The EIP-712 domain separator of permits and authorizations.
    #[must_use]
    pub fn domain_separator(&self) -> B256 {
        let vm = self.vm();
        eip712::domain_separator(
            slot::load_fixed(HASHED_NAME),
            vm.chain_id(),
            vm.contract_address(),
        )
    }

    /// ERC-5267's `eip712Domain()`, ABI-encoded.
    #[must_use]
    pub fn eip712_domain(&self) -> Vec<u8> {
        let vm = self.vm();
        eip712::domain_answer(&NAME.get(), vm.chain_id(), vm.contract_address())
    }

    // ---- controlled supply -------------------------------------------------

    /// Mints `value` to `to`. Minters only; reverts while paused.
    ///
    /// # Errors
    ///
    /// `UnauthorizedMinter(caller)`, `ERC20InvalidReceiver(0)`,
    /// `EnforcedPause()`, `Panic(0x11)` past `2**256 - 1`.
    pub fn mint(&mut self, to: Address, value: U256) -> Result<(), Error> {
        self.access().only_minter()?;
        if cmp::is_null(&to) {
            return Err(ERC20InvalidReceiver { receiver: to }.into());
        }
        self.update(Address::ZERO, to, value)
    }

    /// # Errors
    ///
    /// `ERC20InsufficientBalance`, `EnforcedPause()`.
    pub fn burn(&mut self, value: U256) -> Result<(), Error> {
        let holder = self.vm().msg_sender();
        self.update(holder, Address::ZERO, value)
    }

    /// Burns `value` from `account`, spending the caller's allowance.
    ///
    /// # Errors
    ///
    /// `ERC20InsufficientAllowance`, `ERC20InvalidSender(0)`,
    /// `ERC20InsufficientBalance`, `EnforcedPause()`.
    pub fn burn_from(&mut self, account: Address, value: U256) -> Result<(), Error> {
        let spender = self.vm().msg_sender();
        self.spend_allowance(account, spender, value)?;
        if cmp::is_null(&account) {
            return Err(ERC20InvalidSender { sender: account }.into());
        }
        self.update(account, Address::ZERO, value)
    }
}

impl TokenAI {
    /// The EIP-712 digest of a struct in this token's domain.
    fn digest(&self, struct_hash: B256) -> B256 {
        eip712::digest(self.domain_separator(), struct_hash)
    }

    /// A holder-to-holder move: neither end may be the zero address.
    fn transfer_between(&mut self, from: Address, to: Address, value: U256) -> Result<(), Error> {
        if cmp::is_null(&from) {
            return Err(ERC20InvalidSender { sender: from }.into());
        }
        if cmp::is_null(&to) {
            return Err(ERC20InvalidReceiver { receiver: to }.into());
        }
        self.update(from, to, value)
    }

    /// The one path every balance change takes: transfer (`from`, `to` set),
    /// mint (`from` zero) and burn (`to` zero). Reverts while paused.
    /// Invariant: the sum of balances equals the total supply, so a
    /// recipient's balance cannot overflow once the supply did not.
    fn update(&mut self, from: Address, to: Address, value: U256) -> Result<(), Error> {
        let supply = self.live_supply()?;
        if cmp::is_null(&from) {
            self.set_supply(supply.checked_add(value))?;
        } else {
            let from_slot = balance_slot(from);
            let balance = slot::load_u256(&from_slot);
            let Some(rest) = balance.checked_sub(value) else {
                return Err(ERC20InsufficientBalance {
                    sender: from,
                    balance,
                    needed: value,
                }
                .into());
            };
            slot::store_u256(&from_slot, &rest);
        }
        if cmp::is_null(&to) {
            // `from` is not zero too: the supply is as read.
            self.set_supply(supply.checked_sub(value))?;
        } else {
            let to_slot = balance_slot(to);
            let balance = slot::load_u256(&to_slot);
            slot::store_u256(&to_slot, &balance.checked_add(value).or_overflow()?);
        }
        log::emit_words(
            &[
                inline_word(&Transfer::SIGNATURE_HASH),
                from.into_word(),
                to.into_word(),
                value.word(),
            ],
            3,
        );
        Ok(())
    }

    /// Sets the allowance to `value`, an ABI word (any word is a `uint256`).
    fn set_allowance(
        &mut self,
        owner: Address,
        spender: Address,
        value: &B256,
    ) -> Result<(), Error> {
        if cmp::is_null(&owner) {
            return Err(ERC20InvalidApprover { approver: owner }.into());
        }
        if cmp::is_null(&spender) {
            return Err(ERC20InvalidSpender { spender }.into());
        }
        slot::store(&allowance_slot(owner, spender), value);
        log::emit_words(
            &[
                inline_word(&Approval::SIGNATURE_HASH),
                owner.into_word(),
                spender.into_word(),
                *value,
            ],
            3,
        );
        Ok(())
    }

    /// Spends `spender`'s allowance over `owner`'s tokens. An allowance of
    /// `type(uint256).max` is unlimited and never decreases. Emits no
    /// `Approval`, as OpenZeppelin's ERC-20 does not.
    fn spend_allowance(
        &mut self,
        owner: Address,
        spender: Address,
        value: U256,
    ) -> Result<(), Error> {
        let allowance_slot = allowance_slot(owner, spender);
        let allowance = slot::load_u256(&allowance_slot);
        if cmp::is_max(&allowance) {
            return Ok(());
        }
        let Some(rest) = allowance.checked_sub(value) else {
            return Err(ERC20InsufficientAllowance {
                spender,
                allowance,
                needed: value,
            }
            .into());
        };
        slot::store_u256(&allowance_slot, &rest);
        Ok(())
    }
}

#[cfg(test)]
mod tests;
