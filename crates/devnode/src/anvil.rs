//! The dev controls viem's test client (`mode: "anvil"`), Foundry and
//! Hardhat scripts call, as anvil answers them: set an account's code,
//! storage, nonce or balance, and send transactions as any account
//! (impersonation) without its key. Each answers `null` (anvil's `()`),
//! like anvil, and changes the latest state at once.

use std::collections::HashSet;

use alloy::{
    consensus::{SignableTransaction, TxEnvelope},
    network::TxSignerSync,
    primitives::{keccak256, Address, Bytes, B256, U256},
    signers::local::PrivateKeySigner,
};
use revm::{
    database::DatabaseRef,
    state::{AccountInfo, Bytecode},
};

use crate::{chain::Chain, error::RpcError};

/// Accounts whose transactions `eth_sendTransaction` sends without a key.
#[derive(Debug, Default)]
pub struct Impersonation {
    accounts: HashSet<Address>,
    /// `anvil_autoImpersonateAccount(true)`: every account.
    everyone: bool,
}

impl Impersonation {
    /// `anvil_impersonateAccount`.
    pub fn start(&mut self, account: Address) {
        self.accounts.insert(account);
    }

    /// `anvil_stopImpersonatingAccount`.
    pub fn stop(&mut self, account: Address) {
        self.accounts.remove(&account);
    }

    /// `anvil_autoImpersonateAccount`.
    pub fn set_everyone(&mut self, everyone: bool) {
        self.everyone = everyone;
    }

    /// Whether `account`'s transactions are sent without its key.
    #[must_use]
    pub fn covers(&self, account: Address) -> bool {
        self.everyone || self.accounts.contains(&account)
    }
}

/// Signs `tx` for an impersonated `from`: with a key derived from `from`
/// (so that two accounts' identical transactions still differ in hash),
/// which the chain then ignores, executing the transaction as `from`, as
/// anvil does.
///
/// # Errors
///
/// Signing fails (it does not, for a key derived this way).
pub fn impersonated_envelope(
    from: Address,
    mut tx: alloy::consensus::TypedTransaction,
) -> Result<TxEnvelope, RpcError> {
    let secret = keccak256([b"devnode impersonation".as_slice(), from.as_slice()].concat());
    let key = PrivateKeySigner::from_bytes(&secret)
        .map_err(|e| RpcError::internal(format!("impersonation key: {e}")))?;
    let signature = key
        .sign_transaction_sync(&mut tx)
        .map_err(|e| RpcError::internal(format!("signing: {e}")))?;
    Ok(tx.into_signed(signature).into())
}

/// `anvil_setCode`: `address`'s code (its balance, nonce and storage stay).
pub fn set_code(chain: &mut Chain, address: Address, code: Bytes) {
    let info = AccountInfo {
        code_hash: keccak256(&code),
        code: Some(Bytecode::new_raw(code)),
        ..chain.account(address)
    };
    chain.put_account(address, info);
}

/// `anvil_setNonce`.
pub fn set_nonce(chain: &mut Chain, address: Address, nonce: u64) {
    let info = AccountInfo {
        nonce,
        ..chain.account(address)
    };
    chain.put_account(address, info);
}

/// `anvil_setStorageAt`: one slot of `address`.
///
/// # Errors
///
/// The account cannot be loaded (it always can here: the state is in
/// memory).
pub fn set_storage_at(
    chain: &mut Chain,
    address: Address,
    slot: U256,
    value: B256,
) -> Result<(), RpcError> {
    if chain.db().basic_ref(address).ok().flatten().is_none() {
        chain.put_account(address, AccountInfo::default());
    }
    Ok(chain.put_storage(address, slot, U256::from_be_bytes(value.0))?)
}
