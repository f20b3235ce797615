//! The chain: state, blocks, transactions and receipts, one block per
//! transaction (automine), dev-time controls and snapshots.
//!
//! By part: this file the state and its reads, `mining` transactions
//! checked, executed and mined into blocks, `dev` the dev-time controls
//! (impersonation, balances, the clock, snapshots).

mod dev;
mod mining;

use std::{
    collections::HashMap,
    rc::Rc,
    time::{SystemTime, UNIX_EPOCH},
};

use alloy::{
    consensus::{Header, Transaction as _, TxEnvelope},
    primitives::{Address, Bytes, Log, B256, B64, U256},
    signers::local::PrivateKeySigner,
};
use revm::{
    database::{CacheDB, EmptyDB},
    state::{AccountInfo, Bytecode},
};
use serde::{Deserialize, Serialize};

use crate::{
    arbos,
    error::ChainError,
    genesis::{self, GenesisError},
    stylus::{Db, Programs},
};

/// The block gas limit (Arbitrum's per-block speed limit is 32M; calls and
/// estimates may use this much).
pub const BLOCK_GAS_LIMIT: u64 = 32_000_000;

/// How the chain starts.
#[derive(Clone, Debug)]
pub struct ChainConfig {
    /// The EIP-155 chain id transactions must be signed for (default 412346,
    /// the Nitro devnode's).
    pub chain_id: u64,
    /// Prefunded accounts of the standard test mnemonic.
    pub accounts: usize,
    /// Each account's balance, in wei.
    pub balance: U256,
    /// The BIP-39 mnemonic the dev accounts derive from (m/44'/60'/0'/0/i);
    /// its first account is the chain owner.
    pub mnemonic: String,
    /// The genesis block's time (unix seconds); later blocks advance with
    /// the wall clock from there. Unset: now. A story that moves the clock
    /// forward can start in the past and end at wall time.
    pub genesis_time: Option<u64>,
}

impl Default for ChainConfig {
    fn default() -> Self {
        ChainConfig {
            chain_id: 412_346,
            accounts: 10,
            balance: U256::from(10_000u64) * U256::from(10u64).pow(U256::from(18u64)),
            mnemonic: genesis::TEST_MNEMONIC.to_string(),
            genesis_time: None,
        }
    }
}

/// A sealed block.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BlockRecord {
    /// The block's header. Its state, transactions and receipts roots stay the
    /// empty trie's: this chain builds no tries.
    pub header: Header,
    /// keccak256 of the RLP-encoded header.
    pub hash: B256,
    /// The hashes of its transactions, in execution order.
    pub transactions: Vec<B256>,
}

/// A mined transaction with its receipt.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TxRecord {
    /// The signed transaction as sent.
    pub envelope: TxEnvelope,
    /// The sender: the recovered signer, or the impersonated account it was
    /// sent as.
    pub from: Address,
    /// The number of the block that holds it.
    pub block_number: u64,
    /// The hash of the block that holds it.
    pub block_hash: B256,
    /// Its position in its block, from 0.
    pub index: u64,
    /// The receipt's status: `false` when it reverted or halted.
    pub success: bool,
    /// Gas it used, after refunds (the receipt's `gasUsed`).
    pub gas_used: u64,
    /// Gas used by it and every earlier transaction of its block.
    pub cumulative_gas_used: u64,
    /// What it paid per gas, in wei (see [`effective_gas_price`]).
    pub effective_gas_price: u128,
    /// The logs it emitted, in order (none when it failed).
    pub logs: Vec<Log>,
    /// Index of this transaction's first log within its block.
    pub first_log_index: u64,
    /// The contract a successful creation deployed; `None` for a call or a
    /// failed creation.
    pub contract_address: Option<Address>,
    /// Revert data, for the log line and debugging.
    pub output: Bytes,
}

/// What a read-only execution returned.
#[derive(Clone, Debug)]
pub struct CallOutcome {
    /// Whether it returned, rather than reverting or halting.
    pub success: bool,
    /// The return data, or the revert data; empty when it halted.
    pub output: Bytes,
    /// Gas it used, after refunds.
    pub gas_used: u64,
    /// Whether it halted exceptionally (out of gas, an invalid opcode, a
    /// stack overflow) rather than returning or reverting.
    pub halted: bool,
}

/// Everything that a snapshot or the state file holds.
#[derive(Clone, Serialize, Deserialize)]
pub struct ChainState {
    /// Every account: balance, nonce, code and storage.
    pub db: Db,
    /// Every block from genesis; a block's number is its index.
    pub blocks: Vec<BlockRecord>,
    /// Every mined transaction, in the order mined.
    pub txs: Vec<TxRecord>,
    /// Seconds added to the wall clock (`evm_increaseTime`).
    pub time_offset: i64,
    /// The timestamp the next block carries (unix seconds), set by
    /// `evm_setNextBlockTimestamp`; cleared once that block is mined.
    pub next_timestamp: Option<u64>,
    /// The EIP-155 chain id; a state file for another chain is refused.
    pub chain_id: u64,
}

/// The chain. Single-threaded: the RPC server talks to it through
/// `node::Handle`.
pub struct Chain {
    state: ChainState,
    /// Transactions by hash (an index over `state.txs`).
    tx_index: HashMap<B256, usize>,
    programs: Rc<Programs>,
    snapshots: Vec<(u64, ChainState)>,
    next_snapshot: u64,
    dev_keys: Vec<PrivateKeySigner>,
    /// Bumped by every change of state, so the node knows when to save.
    version: u64,
    /// Installed filters (not state: neither saved nor snapshotted).
    filters: crate::filters::Filters,
    /// Impersonated accounts (not state either).
    impersonation: crate::anvil::Impersonation,
    /// Whether transactions are mined as they arrive (anvil's default).
    automine: bool,
    /// Transactions waiting for the next block while automine is off.
    pending: Vec<(TxEnvelope, Address)>,
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// The latest time the chain's clock may show: far beyond any real date,
/// and far enough below 2^63 that no sum of times and offsets wraps, in
/// debug or release builds (anvil and geth refuse such times alike).
pub const MAX_TIMESTAMP: u64 = 1 << 62;

/// The wall clock moved by `offset`, when it stays within
/// `0..=MAX_TIMESTAMP`.
fn clock(offset: i64) -> Option<u64> {
    now()
        .checked_add_signed(offset)
        .filter(|t| *t <= MAX_TIMESTAMP)
}

impl Chain {
    /// A new chain at genesis.
    ///
    /// # Errors
    ///
    /// A bad mnemonic, or genesis contracts failing to deploy.
    pub fn new(config: &ChainConfig) -> Result<Self, GenesisError> {
        let dev_keys = genesis::dev_keys(&config.mnemonic, config.accounts)?;
        let mut db = CacheDB::new(EmptyDB::new());
        for key in &dev_keys {
            db.insert_account_info(
                key.address(),
                AccountInfo {
                    balance: config.balance,
                    ..AccountInfo::default()
                },
            );
        }
        for address in arbos::ADDRESSES {
            db.insert_account_info(
                address,
                AccountInfo::default().with_code(Bytecode::new_raw(Bytes::from_static(&[0xfe]))),
            );
        }
        let timestamp = config.genesis_time.unwrap_or_else(now);
        if timestamp > MAX_TIMESTAMP {
            return Err(GenesisError::TimeTooLate {
                time: timestamp,
                max: MAX_TIMESTAMP,
            });
        }
        let header = Header {
            number: 0,
            timestamp,
            gas_limit: BLOCK_GAS_LIMIT,
            base_fee_per_gas: Some(arbos::MIN_GAS_PRICE),
            nonce: B64::ZERO,
            ..Header::default()
        };
        let hash = header.hash_slow();
        let mut chain = Chain {
            state: ChainState {
                db,
                blocks: vec![BlockRecord {
                    header,
                    hash,
                    transactions: Vec::new(),
                }],
                txs: Vec::new(),
                // Both below 2^62: no overflow.
                time_offset: timestamp.cast_signed() - now().cast_signed(),
                next_timestamp: None,
                chain_id: config.chain_id,
            },
            tx_index: HashMap::new(),
            programs: Rc::new(Programs::new(genesis::chain_owner(&dev_keys))),
            snapshots: Vec::new(),
            next_snapshot: 1,
            dev_keys,
            version: 0,
            filters: crate::filters::Filters::default(),
            impersonation: crate::anvil::Impersonation::default(),
            automine: true,
            pending: Vec::new(),
        };
        genesis::deploy_system_contracts(&mut chain)?;
        Ok(chain)
    }

    /// A chain restored from saved state.
    ///
    /// # Errors
    ///
    /// A bad mnemonic.
    pub fn restore(state: ChainState, config: &ChainConfig) -> Result<Self, GenesisError> {
        let dev_keys = genesis::dev_keys(&config.mnemonic, config.accounts)?;
        let tx_index = state
            .txs
            .iter()
            .enumerate()
            .map(|(i, tx)| (tx.envelope.tx_hash().to_owned(), i))
            .collect();
        Ok(Chain {
            state,
            tx_index,
            programs: Rc::new(Programs::new(genesis::chain_owner(&dev_keys))),
            snapshots: Vec::new(),
            next_snapshot: 1,
            dev_keys,
            version: 0,
            filters: crate::filters::Filters::default(),
            impersonation: crate::anvil::Impersonation::default(),
            automine: true,
            pending: Vec::new(),
        })
    }

    /// Changes so far (see `version`).
    #[must_use]
    pub fn version(&self) -> u64 {
        self.version
    }

    /// The whole state, as snapshots and the state file hold it.
    #[must_use]
    pub fn state(&self) -> &ChainState {
        &self.state
    }

    /// The chain's EIP-155 chain id.
    #[must_use]
    pub fn chain_id(&self) -> u64 {
        self.state.chain_id
    }

    /// The prefunded dev accounts' keys, in derivation order (the first is
    /// the chain owner).
    #[must_use]
    pub fn dev_keys(&self) -> &[PrivateKeySigner] {
        &self.dev_keys
    }

    /// The latest state: accounts, code and storage.
    #[must_use]
    pub fn db(&self) -> &Db {
        &self.state.db
    }

    /// The installed filters.
    pub fn filters(&mut self) -> &mut crate::filters::Filters {
        &mut self.filters
    }

    /// The latest block (genesis until a block is mined).
    ///
    /// # Panics
    ///
    /// If the state holds no block: never for a chain [`Chain::new`] made,
    /// only for a hand-edited state file whose `blocks` list is empty.
    #[must_use]
    pub fn latest(&self) -> &BlockRecord {
        // Genesis is always there.
        self.state.blocks.last().expect("genesis block")
    }

    /// Block `number`, if it has been mined.
    #[must_use]
    pub fn block(&self, number: u64) -> Option<&BlockRecord> {
        self.state.blocks.get(usize::try_from(number).ok()?)
    }

    /// The block whose hash is `hash`, if any.
    #[must_use]
    pub fn block_by_hash(&self, hash: B256) -> Option<&BlockRecord> {
        self.state.blocks.iter().rev().find(|b| b.hash == hash)
    }

    /// A mined transaction with its receipt, by hash; `None` for an unknown
    /// or still pending one.
    #[must_use]
    pub fn tx(&self, hash: B256) -> Option<&TxRecord> {
        self.tx_index.get(&hash).map(|&i| &self.state.txs[i])
    }

    /// `address`'s balance (wei), nonce and code hash; an empty account when
    /// the state has never held it.
    #[must_use]
    pub fn account(&self, address: Address) -> AccountInfo {
        self.state
            .db
            .cache
            .accounts
            .get(&address)
            .map(|a| a.info.clone())
            .unwrap_or_default()
    }

    /// `address`'s code (EVM bytecode, or a Stylus program's `0xEFF000`-prefixed
    /// compressed wasm); empty when it has none.
    #[must_use]
    pub fn code(&self, address: Address) -> Bytes {
        let info = self.account(address);
        match info.code {
            Some(code) => code.original_bytes(),
            None => self
                .state
                .db
                .cache
                .contracts
                .get(&info.code_hash)
                .map(|c| c.original_bytes())
                .unwrap_or_default(),
        }
    }

    /// The value in `address`'s storage slot `slot`; zero when never written.
    #[must_use]
    pub fn storage(&self, address: Address, slot: U256) -> U256 {
        self.state
            .db
            .cache
            .accounts
            .get(&address)
            .and_then(|a| a.storage.get(&slot).copied())
            .unwrap_or_default()
    }

    /// Replaces `address`'s account (balance, nonce, code), keeping its
    /// storage (the dev controls: `crate::anvil`).
    pub fn put_account(&mut self, address: Address, info: AccountInfo) {
        self.state.db.insert_account_info(address, info);
        self.version += 1;
    }

    /// Writes one storage slot of `address` (the dev controls).
    ///
    /// # Errors
    ///
    /// The in-memory database refuses (it never does).
    pub fn put_storage(
        &mut self,
        address: Address,
        slot: U256,
        value: U256,
    ) -> Result<(), ChainError> {
        self.state
            .db
            .insert_account_storage(address, slot, value)
            .map_err(|e| ChainError::Internal(format!("storage: {e}")))?;
        self.version += 1;
        Ok(())
    }
}

/// The price a transaction paid per gas: the base fee for a dynamic-fee
/// transaction (no tip on Arbitrum), its gas price for a legacy one.
pub fn effective_gas_price(envelope: &TxEnvelope) -> u128 {
    if envelope.is_dynamic_fee() {
        u128::from(arbos::MIN_GAS_PRICE)
    } else {
        envelope.gas_price().unwrap_or_default()
    }
}
