//! TokenAI: the backed utility token of the AI Access Token suite, an ERC-20
//! for Arbitrum Stylus implementing `spec/ITokenAI.sol` selector for selector.
//!
//! Supply starts at zero and grows only through authorized minters (deposit
//! gateways, and the AAT contract's fee hook). Holders burn; the owner pauses
//! every balance movement in an emergency; ownership moves in two steps;
//! EIP-2612 `permit` lets wallets and agents approve without gas.
//!
//! The ERC-20 core is this crate's own rather than OpenZeppelin's `Erc20`:
//! `Erc20::_approve` is private (permit must set an allowance for a signer who
//! is not the caller), `Erc20::_update` panics on supply overflow where this
//! suite reverts with a reason, and OpenZeppelin's permit fixes the EIP-712
//! name at compile time. Ownership (`Ownable2Step`), pausing (`Pausable`)
//! and metadata (`Erc20Metadata`) are OpenZeppelin's. Signature recovery is
//! not (`eip712::recover_signer`): OpenZeppelin 0.3.0's `ecdsa` slices the
//! precompile's output unchecked, so a signature the precompile rejects
//! (empty output) traps the program instead of reverting with a reason.
//!
//! Every external function is declared in this crate's own `#[public] impl`,
//! not through `#[implements]` traits: stylus-sdk 0.9's `export-abi` omits
//! trait-implemented functions, and the exported ABI must be complete.
#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]
extern crate alloc;

use alloc::{string::String, vec::Vec};

use alloy_primitives::{Address, B256, U256};
use openzeppelin_stylus::{
    access::ownable_two_step::{IOwnable2Step, Ownable2Step},
    token::erc20::extensions::{Erc20Metadata, IErc20Metadata},
    utils::{IPausable, Pausable},
};
use stylus_sdk::{
    prelude::*,
    storage::{StorageB256, StorageBool, StorageMap, StorageU256},
};

#[cfg(feature = "export-abi")]
pub mod abi;
pub mod eip712;
pub mod error;

pub use error::{Error, Panic};

// The spec file is the single source of the events and errors: the contract
// emits and reverts with exactly the types generated from it. The ABI export
// also needs their JSON descriptions (`sol(abi)`, which needs alloy's `json`).
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
    ERC2612InvalidSigner, MinterSet, Transfer, UnauthorizedMinter,
};

/// TokenAI's decimals, as for ether.
pub const DECIMALS: u8 = 18;

/// State of the TokenAI contract.
#[entrypoint]
#[storage]
pub struct TokenAI {
    balances: StorageMap<Address, StorageU256>,
    allowances: StorageMap<Address, StorageMap<Address, StorageU256>>,
    total_supply: StorageU256,
    metadata: Erc20Metadata,
    /// `keccak256(name)`, fixed at construction: the EIP-712 domain's name.
    hashed_name: StorageB256,
    nonces: StorageMap<Address, StorageU256>,
    minters: StorageMap<Address, StorageBool>,
    ownership: Ownable2Step,
    pausable: Pausable,
}

#[public]
impl TokenAI {
    /// Sets name, symbol and owner. The supply starts at zero and nobody is
    /// a minter, not even the owner.
    #[constructor]
    pub fn constructor(
        &mut self,
        name: String,
        symbol: String,
        initial_owner: Address,
    ) -> Result<(), Error> {
        self.hashed_name
            .set(self.vm().native_keccak256(name.as_bytes()));
        self.metadata.constructor(name, symbol);
        Ok(self.ownership.constructor(initial_owner)?)
    }

    // ---- ERC-20 / ERC-20 metadata ----------------------------------------

    pub fn name(&self) -> String {
        self.metadata.name()
    }

    pub fn symbol(&self) -> String {
        self.metadata.symbol()
    }

    pub fn decimals(&self) -> u8 {
        DECIMALS
    }

    pub fn total_supply(&self) -> U256 {
        self.total_supply.get()
    }

    pub fn balance_of(&self, account: Address) -> U256 {
        self.balances.get(account)
    }

    pub fn transfer(&mut self, to: Address, value: U256) -> Result<bool, Error> {
        let from = self.vm().msg_sender();
        self.transfer_between(from, to, value)?;
        Ok(true)
    }

    pub fn allowance(&self, owner: Address, spender: Address) -> U256 {
        self.allowances.get(owner).get(spender)
    }

    pub fn approve(&mut self, spender: Address, value: U256) -> Result<bool, Error> {
        let owner = self.vm().msg_sender();
        self.set_allowance(owner, spender, value)?;
        Ok(true)
    }

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
        let nonce = self.nonces.get(owner);
        // A nonce cannot realistically reach 2**256 - 1; wrap-free anyway.
        let next = nonce
            .checked_add(U256::from(1))
            .ok_or_else(Panic::overflow)?;
        self.nonces.setter(owner).set(next);

        let vm = self.vm();
        let struct_hash = vm.native_keccak256(&eip712::permit_preimage(
            owner, spender, value, nonce, deadline,
        ));
        let digest = vm.native_keccak256(&eip712::typed_data_preimage(
            self.domain_separator(),
            struct_hash,
        ));
        let signer = self.recover_signer(digest, v, r, s);
        if signer != owner {
            return Err(ERC2612InvalidSigner { signer, owner }.into());
        }
        self.set_allowance(owner, spender, value)
    }

    pub fn nonces(&self, owner: Address) -> U256 {
        self.nonces.get(owner)
    }

    #[selector(name = "DOMAIN_SEPARATOR")]
    pub fn domain_separator(&self) -> B256 {
        let vm = self.vm();
        vm.native_keccak256(&eip712::domain_preimage(
            self.hashed_name.get(),
            vm.chain_id(),
            vm.contract_address(),
        ))
    }

    // ---- controlled supply -------------------------------------------------

    /// Mints `value` to `to`. Minters only; reverts while paused.
    pub fn mint(&mut self, to: Address, value: U256) -> Result<(), Error> {
        let caller = self.vm().msg_sender();
        if !self.minters.get(caller) {
            return Err(UnauthorizedMinter { account: caller }.into());
        }
        if to.is_zero() {
            return Err(ERC20InvalidReceiver {
                receiver: Address::ZERO,
            }
            .into());
        }
        self.update(Address::ZERO, to, value)
    }

    pub fn burn(&mut self, value: U256) -> Result<(), Error> {
        let holder = self.vm().msg_sender();
        self.update(holder, Address::ZERO, value)
    }

    /// Burns `value` from `account`, spending the caller's allowance.
    pub fn burn_from(&mut self, account: Address, value: U256) -> Result<(), Error> {
        let spender = self.vm().msg_sender();
        self.spend_allowance(account, spender, value)?;
        if account.is_zero() {
            return Err(ERC20InvalidSender {
                sender: Address::ZERO,
            }
            .into());
        }
        self.update(account, Address::ZERO, value)
    }

    /// Owner only. Emits `MinterSet`, also when nothing changes, so that
    /// indexers see every decision.
    pub fn set_minter(&mut self, minter: Address, enabled: bool) -> Result<(), Error> {
        self.ownership.ownable.only_owner()?;
        self.minters.setter(minter).set(enabled);
        log(self.vm(), MinterSet { minter, enabled });
        Ok(())
    }

    pub fn is_minter(&self, account: Address) -> bool {
        self.minters.get(account)
    }

    // ---- emergency stop ------------------------------------------------------

    pub fn pause(&mut self) -> Result<(), Error> {
        self.ownership.ownable.only_owner()?;
        Ok(self.pausable.pause()?)
    }

    pub fn unpause(&mut self) -> Result<(), Error> {
        self.ownership.ownable.only_owner()?;
        Ok(self.pausable.unpause()?)
    }

    pub fn paused(&self) -> bool {
        self.pausable.paused()
    }

    // ---- two-step ownership --------------------------------------------------

    pub fn owner(&self) -> Address {
        self.ownership.owner()
    }

    pub fn pending_owner(&self) -> Address {
        self.ownership.pending_owner()
    }

    pub fn transfer_ownership(&mut self, new_owner: Address) -> Result<(), Error> {
        Ok(self.ownership.transfer_ownership(new_owner)?)
    }

    pub fn accept_ownership(&mut self) -> Result<(), Error> {
        Ok(self.ownership.accept_ownership()?)
    }

    pub fn renounce_ownership(&mut self) -> Result<(), Error> {
        Ok(self.ownership.renounce_ownership()?)
    }
}

impl TokenAI {
    /// The address that signed `digest`, or the zero address when the
    /// signature is malformed, malleable (`s` in the upper half order, as
    /// EIP-2 forbids) or rejected by the ecrecover precompile.
    // stylus-sdk 0.9's `static_call` is deprecated for an API not yet released.
    #[allow(deprecated)]
    fn recover_signer(&self, digest: B256, v: u8, r: B256, s: B256) -> Address {
        if !eip712::is_canonical(v, s) {
            return Address::ZERO;
        }
        let input = eip712::ecrecover_input(digest, v, r, s);
        match stylus_sdk::call::static_call(self, eip712::ECRECOVER, &input) {
            Ok(output) if output.len() == 32 => Address::from_slice(&output[12..]),
            _ => Address::ZERO,
        }
    }

    /// A holder-to-holder move: neither end may be the zero address.
    fn transfer_between(&mut self, from: Address, to: Address, value: U256) -> Result<(), Error> {
        if from.is_zero() {
            return Err(ERC20InvalidSender {
                sender: Address::ZERO,
            }
            .into());
        }
        if to.is_zero() {
            return Err(ERC20InvalidReceiver {
                receiver: Address::ZERO,
            }
            .into());
        }
        self.update(from, to, value)
    }

    /// The one path every balance change takes: transfer (`from`, `to` set),
    /// mint (`from` zero) and burn (`to` zero). Reverts while paused.
    /// Invariant: the sum of balances equals the total supply, so a
    /// recipient's balance cannot overflow once the supply did not.
    fn update(&mut self, from: Address, to: Address, value: U256) -> Result<(), Error> {
        self.pausable.when_not_paused()?;
        if from.is_zero() {
            let supply = self.total_supply.get();
            self.total_supply
                .set(supply.checked_add(value).ok_or_else(Panic::overflow)?);
        } else {
            let balance = self.balances.get(from);
            let Some(rest) = balance.checked_sub(value) else {
                return Err(ERC20InsufficientBalance {
                    sender: from,
                    balance,
                    needed: value,
                }
                .into());
            };
            self.balances.setter(from).set(rest);
        }
        if to.is_zero() {
            let supply = self.total_supply.get();
            self.total_supply
                .set(supply.checked_sub(value).ok_or_else(Panic::overflow)?);
        } else {
            let balance = self.balances.get(to);
            self.balances
                .setter(to)
                .set(balance.checked_add(value).ok_or_else(Panic::overflow)?);
        }
        log(self.vm(), Transfer { from, to, value });
        Ok(())
    }

    fn set_allowance(
        &mut self,
        owner: Address,
        spender: Address,
        value: U256,
    ) -> Result<(), Error> {
        if owner.is_zero() {
            return Err(ERC20InvalidApprover {
                approver: Address::ZERO,
            }
            .into());
        }
        if spender.is_zero() {
            return Err(ERC20InvalidSpender {
                spender: Address::ZERO,
            }
            .into());
        }
        self.allowances.setter(owner).setter(spender).set(value);
        log(
            self.vm(),
            Approval {
                owner,
                spender,
                value,
            },
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
        let allowance = self.allowance(owner, spender);
        if allowance == U256::MAX {
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
        self.allowances.setter(owner).setter(spender).set(rest);
        Ok(())
    }
}

#[cfg(test)]
mod tests;
