//! The chain: state, blocks, transactions and receipts, one block per
//! transaction (automine), dev-time controls and snapshots.

use std::{
    collections::HashMap,
    rc::Rc,
    time::{SystemTime, UNIX_EPOCH},
};

use alloy::{
    consensus::{transaction::SignerRecoverable, Header, Transaction as _, TxEnvelope},
    eips::{eip2718::Decodable2718, Typed2718},
    primitives::{Address, Bytes, Log, TxKind, B256, B64, U256},
    signers::local::PrivateKeySigner,
};
use revm::{
    context::{BlockEnv, CfgEnv, TxEnv},
    context_interface::{
        result::{EVMError, ExecutionResult, InvalidTransaction},
        ContextTr, JournalTr,
    },
    database::{CacheDB, EmptyDB},
    handler::Handler,
    primitives::hardfork::SpecId,
    state::{AccountInfo, Bytecode},
    DatabaseCommit,
};
use serde::{Deserialize, Serialize};

use crate::{
    arbos,
    error::RpcError,
    genesis::{self, GenesisError},
    stylus::{evm, Arbitrum, Db, DevContext, DevError, DevHandler, Programs},
};

/// The block gas limit (Arbitrum's per-block speed limit is 32M; calls and
/// estimates may use this much).
pub const BLOCK_GAS_LIMIT: u64 = 32_000_000;

/// How the chain starts.
#[derive(Clone, Debug)]
pub struct ChainConfig {
    pub chain_id: u64,
    /// Prefunded accounts of the standard test mnemonic.
    pub accounts: usize,
    /// Each account's balance, in wei.
    pub balance: U256,
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
    pub header: Header,
    pub hash: B256,
    pub transactions: Vec<B256>,
}

/// A mined transaction with its receipt.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TxRecord {
    pub envelope: TxEnvelope,
    pub from: Address,
    pub block_number: u64,
    pub block_hash: B256,
    pub index: u64,
    pub success: bool,
    pub gas_used: u64,
    pub cumulative_gas_used: u64,
    pub effective_gas_price: u128,
    pub logs: Vec<Log>,
    /// Index of this transaction's first log within its block.
    pub first_log_index: u64,
    pub contract_address: Option<Address>,
    /// Revert data, for the log line and debugging.
    pub output: Bytes,
}

/// What a read-only execution returned.
#[derive(Clone, Debug)]
pub struct CallOutcome {
    pub success: bool,
    pub output: Bytes,
    pub gas_used: u64,
    pub halted: bool,
}

/// Everything that a snapshot or the state file holds.
#[derive(Clone, Serialize, Deserialize)]
pub struct ChainState {
    pub db: Db,
    pub blocks: Vec<BlockRecord>,
    pub txs: Vec<TxRecord>,
    /// Seconds added to the wall clock (`evm_increaseTime`).
    pub time_offset: i64,
    pub next_timestamp: Option<u64>,
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
    pub fn version(&self) -> u64 {
        self.version
    }

    pub fn state(&self) -> &ChainState {
        &self.state
    }

    pub fn chain_id(&self) -> u64 {
        self.state.chain_id
    }

    pub fn dev_keys(&self) -> &[PrivateKeySigner] {
        &self.dev_keys
    }

    pub fn db(&self) -> &Db {
        &self.state.db
    }

    /// The installed filters.
    pub fn filters(&mut self) -> &mut crate::filters::Filters {
        &mut self.filters
    }

    pub fn latest(&self) -> &BlockRecord {
        // Genesis is always there.
        self.state.blocks.last().expect("genesis block")
    }

    pub fn block(&self, number: u64) -> Option<&BlockRecord> {
        self.state.blocks.get(usize::try_from(number).ok()?)
    }

    pub fn block_by_hash(&self, hash: B256) -> Option<&BlockRecord> {
        self.state.blocks.iter().rev().find(|b| b.hash == hash)
    }

    pub fn tx(&self, hash: B256) -> Option<&TxRecord> {
        self.tx_index.get(&hash).map(|&i| &self.state.txs[i])
    }

    pub fn account(&self, address: Address) -> AccountInfo {
        self.state
            .db
            .cache
            .accounts
            .get(&address)
            .map(|a| a.info.clone())
            .unwrap_or_default()
    }

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
    ) -> Result<(), RpcError> {
        self.state
            .db
            .insert_account_storage(address, slot, value)
            .map_err(|e| RpcError::internal(format!("storage: {e}")))?;
        self.version += 1;
        Ok(())
    }

    /// Mines a checked transaction now (automine), or keeps it for the
    /// next block; its hash.
    fn submit(&mut self, envelope: TxEnvelope, from: Address) -> Result<B256, RpcError> {
        let hash = *envelope.tx_hash();
        if self.tx_index.contains_key(&hash)
            || self.pending.iter().any(|(tx, _)| *tx.tx_hash() == hash)
        {
            return Err(RpcError::invalid_input("transaction already known"));
        }
        if self.automine {
            self.mine(Some((envelope, from)))?;
        } else {
            self.pending.push((envelope, from));
        }
        Ok(hash)
    }

    /// Whether each transaction is mined as it arrives (`evm_setAutomine`).
    pub fn automine(&self) -> bool {
        self.automine
    }

    /// Turns automine on or off; on, what is pending is mined at once.
    ///
    /// # Errors
    ///
    /// Mining what is pending fails (it drops invalid transactions, so it
    /// does not).
    pub fn set_automine(&mut self, on: bool) -> Result<(), RpcError> {
        self.automine = on;
        if on && !self.pending.is_empty() {
            self.mine(None)?;
        }
        Ok(())
    }

    /// Transactions waiting for the next block, from `from`.
    pub fn pending_from(&self, from: Address) -> u64 {
        self.pending.iter().filter(|(_, f)| *f == from).count() as u64
    }

    /// Whose transactions `eth_sendTransaction` sends without a key.
    pub fn impersonation(&mut self) -> &mut crate::anvil::Impersonation {
        &mut self.impersonation
    }

    /// Mines a transaction sent as `from`, an impersonated account, whose
    /// signature is not `from`'s (`crate::anvil`).
    ///
    /// # Errors
    ///
    /// As `send`.
    pub fn send_as(&mut self, envelope: TxEnvelope, from: Address) -> Result<B256, RpcError> {
        self.submit(envelope, from)
    }

    pub fn set_balance(&mut self, address: Address, balance: U256) {
        let mut info = self.account(address);
        info.balance = balance;
        self.state.db.insert_account_info(address, info);
        self.version += 1;
    }

    /// The timestamp the next block will carry.
    fn next_block_timestamp(&mut self) -> u64 {
        let parent = self.latest().header.timestamp;
        match self.state.next_timestamp {
            Some(ts) => ts,
            None => clock(self.state.time_offset)
                .unwrap_or(MAX_TIMESTAMP)
                .max(parent),
        }
    }

    /// Moves the clock forward; returns the total offset.
    ///
    /// # Errors
    ///
    /// The clock would pass [`MAX_TIMESTAMP`].
    pub fn increase_time(&mut self, seconds: u64) -> Result<i64, RpcError> {
        let offset = i64::try_from(seconds)
            .ok()
            .and_then(|s| self.state.time_offset.checked_add(s))
            .filter(|offset| clock(*offset).is_some())
            .ok_or_else(|| {
                RpcError::invalid_params(format!(
                    "increasing the time by {seconds} s would take the clock past {MAX_TIMESTAMP}"
                ))
            })?;
        self.state.time_offset = offset;
        self.version += 1;
        Ok(offset)
    }

    /// Fixes the next block's timestamp.
    ///
    /// # Errors
    ///
    /// A timestamp before the latest block's.
    pub fn set_next_timestamp(&mut self, timestamp: u64) -> Result<(), RpcError> {
        let parent = self.latest().header.timestamp;
        if timestamp < parent {
            return Err(RpcError::invalid_params(format!(
                "timestamp {timestamp} is before the latest block's ({parent})"
            )));
        }
        if timestamp > MAX_TIMESTAMP {
            return Err(RpcError::invalid_params(format!(
                "timestamp {timestamp} is past the latest this chain keeps ({MAX_TIMESTAMP})"
            )));
        }
        self.state.next_timestamp = Some(timestamp);
        // Later blocks continue from there (both below 2^62: no overflow).
        self.state.time_offset = timestamp.cast_signed() - now().cast_signed();
        self.version += 1;
        Ok(())
    }

    fn block_env(&self, number: u64, timestamp: u64) -> BlockEnv {
        BlockEnv {
            number: U256::from(number),
            beneficiary: Address::ZERO,
            timestamp: U256::from(timestamp),
            gas_limit: BLOCK_GAS_LIMIT,
            basefee: arbos::MIN_GAS_PRICE,
            difficulty: U256::from(1),
            prevrandao: Some(B256::with_last_byte(1)),
            ..BlockEnv::default()
        }
    }

    /// revm's context over `db` for a block `number` at `timestamp`.
    fn context(&self, db: Db, number: u64, timestamp: u64) -> DevContext {
        let mut cfg = CfgEnv::new_with_spec(SpecId::PRAGUE);
        cfg.chain_id = self.state.chain_id;
        // A Stylus program's code starts with 0xEF.
        cfg.disable_eip3541 = true;
        // Stylus programs may be up to 24 KiB compressed, and init code that
        // carries one exceeds EIP-3860's limit less often than EVM code would;
        // Arbitrum raises both limits too.
        cfg.limit_contract_code_size = Some(0x18000);
        cfg.limit_contract_initcode_size = Some(0x30000);
        DevContext::new(db, SpecId::PRAGUE)
            .with_cfg(cfg)
            .with_block(self.block_env(number, timestamp))
    }

    fn arbitrum(&self) -> Arbitrum {
        Arbitrum::new(Rc::clone(&self.programs))
    }

    /// Runs `tx` on a copy of the state at the pending block and discards the
    /// changes (`eth_call`, `eth_estimateGas`).
    ///
    /// # Errors
    ///
    /// The transaction is invalid (e.g. its value exceeds the balance).
    pub fn simulate(&self, db: Db, mut tx: TxEnv) -> Result<CallOutcome, RpcError> {
        let latest = self.latest().header.clone();
        let mut ctx = self.context(db, latest.number + 1, latest.timestamp);
        ctx.cfg.disable_nonce_check = true;
        ctx.cfg.disable_base_fee = true;
        // A call may come from an address with code (geth's eth_call skips
        // the sender checks too).
        ctx.cfg.disable_eip3607 = true;
        if tx.gas_price == 0 {
            tx.gas_priority_fee = None;
        }
        ctx.tx = tx;
        let arbitrum = self.arbitrum();
        let mut evm = evm(&mut ctx, arbitrum);
        let result = DevHandler::default().run(&mut evm);
        let _ = ctx.journal_mut().finalize();
        let result = result.map_err(invalid)?;
        Ok(outcome(&result))
    }

    /// The transaction environment of a signed transaction.
    pub fn tx_env(envelope: &TxEnvelope, from: Address) -> TxEnv {
        // Arbitrum collects no tip: a dynamic-fee transaction pays the base fee.
        let (gas_price, priority) = if envelope.is_dynamic_fee() {
            (envelope.max_fee_per_gas(), Some(0))
        } else {
            (envelope.gas_price().unwrap_or_default(), None)
        };
        TxEnv {
            tx_type: envelope.ty(),
            caller: from,
            gas_limit: envelope.gas_limit(),
            gas_price,
            kind: envelope.kind(),
            value: envelope.value(),
            data: envelope.input().clone(),
            nonce: envelope.nonce(),
            chain_id: envelope.chain_id(),
            access_list: envelope.access_list().cloned().unwrap_or_default(),
            gas_priority_fee: priority,
            ..TxEnv::default()
        }
    }

    /// Decodes, checks and mines a raw signed transaction.
    ///
    /// # Errors
    ///
    /// Undecodable bytes, a bad signature, a wrong chain id, or what revm's
    /// validation refuses (nonce, funds, gas limit, fee): each changes nothing.
    pub fn send_raw(&mut self, raw: &[u8]) -> Result<B256, RpcError> {
        let mut bytes = raw;
        let envelope = TxEnvelope::decode_2718(&mut bytes)
            .map_err(|e| RpcError::invalid_input(format!("invalid transaction encoding: {e}")))?;
        if !bytes.is_empty() {
            return Err(RpcError::invalid_input(
                "invalid transaction encoding: trailing bytes",
            ));
        }
        self.send(envelope)
    }

    /// Checks and mines a signed transaction.
    ///
    /// # Errors
    ///
    /// As `send_raw`.
    pub fn send(&mut self, envelope: TxEnvelope) -> Result<B256, RpcError> {
        let from = envelope
            .recover_signer()
            .map_err(|e| RpcError::invalid_input(format!("invalid signature: {e}")))?;
        if let Some(id) = envelope.chain_id() {
            if id != self.state.chain_id {
                return Err(RpcError::invalid_input(format!(
                    "invalid chain id: {id} (this chain is {})",
                    self.state.chain_id
                )));
            }
        }
        if !crate::views::is_supported(&envelope) {
            return Err(RpcError::invalid_input(
                "blob transactions are not supported on this chain",
            ));
        }
        // geth's ErrTipAboveFeeCap: a tip above the fee cap is refused, not
        // mined (revm, built here without its base-fee checks, would take it).
        if let Some(tip) = envelope.max_priority_fee_per_gas() {
            if tip > envelope.max_fee_per_gas() {
                return Err(RpcError::invalid_input(format!(
                    "max priority fee per gas higher than max fee per gas: maxPriorityFeePerGas: {tip}, maxFeePerGas: {}",
                    envelope.max_fee_per_gas()
                )));
            }
        }
        self.submit(envelope, from)
    }

    /// Mines a block: with `tx`, that transaction alone (automine; an
    /// invalid one is refused and nothing is mined), else every pending
    /// transaction (automine off), an invalid one dropped with a warning.
    ///
    /// # Errors
    ///
    /// `tx` is invalid (nonce, balance, gas).
    pub fn mine(&mut self, tx: Option<(TxEnvelope, Address)>) -> Result<(), RpcError> {
        match tx {
            Some(tx) => self.mine_block(vec![tx], true),
            None => {
                let pending = std::mem::take(&mut self.pending);
                self.mine_block(pending, false)
            }
        }
    }

    /// Mines `txs` in one block, in order. `strict`: the first invalid one
    /// fails the whole (then nothing is mined); else it is dropped.
    fn mine_block(
        &mut self,
        txs: Vec<(TxEnvelope, Address)>,
        strict: bool,
    ) -> Result<(), RpcError> {
        let parent = self.latest().clone();
        let number = parent.header.number + 1;
        let timestamp = self.next_block_timestamp();
        let mut header = Header {
            parent_hash: parent.hash,
            number,
            timestamp,
            gas_limit: BLOCK_GAS_LIMIT,
            base_fee_per_gas: Some(arbos::MIN_GAS_PRICE),
            beneficiary: Address::ZERO,
            difficulty: U256::from(1),
            mix_hash: B256::with_last_byte(1),
            nonce: B64::ZERO,
            ..Header::default()
        };
        let mut records = Vec::new();
        let mut log_index = 0u64;
        for (envelope, from) in txs {
            let result = match self.execute(number, timestamp, Self::tx_env(&envelope, from), false)
            {
                Ok(result) => result,
                Err(err) if !strict => {
                    tracing::warn!(hash = %envelope.tx_hash(), %from, "dropped from the block: {}", invalid(err));
                    continue;
                }
                Err(err) => return Err(invalid(err)),
            };
            let outcome = outcome(&result);
            let logs: Vec<Log> = result.logs().to_vec();
            header.gas_used += outcome.gas_used;
            for log in &logs {
                header.logs_bloom.accrue_log(log);
            }
            let first_log_index = log_index;
            log_index += logs.len() as u64;
            records.push(TxRecord {
                contract_address: result.created_address(),
                effective_gas_price: effective_gas_price(&envelope),
                envelope,
                from,
                block_number: number,
                block_hash: B256::ZERO,
                index: records.len() as u64,
                success: outcome.success,
                gas_used: outcome.gas_used,
                cumulative_gas_used: header.gas_used,
                logs,
                first_log_index,
                output: outcome.output,
            });
        }
        let hash = header.hash_slow();
        self.state.next_timestamp = None;
        self.state.blocks.push(BlockRecord {
            header,
            hash,
            transactions: records.iter().map(|r| *r.envelope.tx_hash()).collect(),
        });
        self.version += 1;
        for mut record in records {
            record.block_hash = hash;
            tracing::info!(
                block = number,
                hash = %record.envelope.tx_hash(),
                from = %record.from,
                to = %record.envelope.to().map_or_else(|| "create".to_string(), |to| to.to_string()),
                function = crate::selectors::name(record.envelope.input()).unwrap_or("-"),
                gas_used = record.gas_used,
                status = if record.success { "ok" } else { "reverted" },
                "transaction"
            );
            self.tx_index
                .insert(*record.envelope.tx_hash(), self.state.txs.len());
            self.state.txs.push(record);
        }
        Ok(())
    }

    /// Saves the whole state for `evm_revert`; returns its id.
    pub fn snapshot(&mut self) -> u64 {
        let id = self.next_snapshot;
        self.next_snapshot += 1;
        self.snapshots.push((id, self.state.clone()));
        id
    }

    /// Restores snapshot `id`, dropping it and every later one.
    pub fn revert(&mut self, id: u64) -> bool {
        let Some(position) = self.snapshots.iter().position(|(i, _)| *i == id) else {
            return false;
        };
        let (_, state) = self.snapshots.swap_remove(position);
        self.snapshots.retain(|(i, _)| *i < id);
        self.state = state;
        self.version += 1;
        self.tx_index = self
            .state
            .txs
            .iter()
            .enumerate()
            .map(|(i, tx)| (*tx.envelope.tx_hash(), i))
            .collect();
        true
    }

    /// Runs a system transaction at genesis: no fee, no signature.
    pub(crate) fn genesis_call(
        &mut self,
        from: Address,
        to: TxKind,
        data: Bytes,
    ) -> Result<ExecutionResult, DevError> {
        let tx = TxEnv {
            caller: from,
            gas_limit: BLOCK_GAS_LIMIT,
            kind: to,
            data,
            nonce: self.account(from).nonce,
            chain_id: Some(self.state.chain_id),
            ..TxEnv::default()
        };
        let timestamp = self.latest().header.timestamp;
        self.execute(0, timestamp, tx, true)
    }

    /// Runs `tx` in block `number` at `timestamp` on the chain's state and
    /// commits its changes unless it is invalid; a `system` transaction
    /// (genesis) pays no fee and skips the nonce check.
    fn execute(
        &mut self,
        number: u64,
        timestamp: u64,
        tx: TxEnv,
        system: bool,
    ) -> Result<ExecutionResult, DevError> {
        let db = std::mem::replace(&mut self.state.db, CacheDB::new(EmptyDB::new()));
        let mut ctx = self.context(db, number, timestamp);
        ctx.cfg.disable_base_fee = system;
        ctx.cfg.disable_nonce_check = system;
        // An impersonated account sends even when it has code (a contract
        // wallet acting in a test), as anvil lets it: EIP-3607 is for
        // signatures, and no signature of its speaks here.
        ctx.cfg.disable_eip3607 = system || self.impersonation.covers(tx.caller);
        ctx.tx = tx;
        let arbitrum = self.arbitrum();
        let mut evm = evm(&mut ctx, arbitrum);
        let result = DevHandler::default().run(&mut evm);
        let changes = ctx.journal_mut().finalize();
        if result.is_ok() {
            ctx.db_mut().commit(changes);
        }
        self.state.db = ctx.journaled_state.database;
        result
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

fn outcome(result: &ExecutionResult) -> CallOutcome {
    match result {
        ExecutionResult::Success { gas, output, .. } => CallOutcome {
            success: true,
            output: output.data().clone(),
            gas_used: gas.tx_gas_used(),
            halted: false,
        },
        ExecutionResult::Revert { gas, output, .. } => CallOutcome {
            success: false,
            output: output.clone(),
            gas_used: gas.tx_gas_used(),
            halted: false,
        },
        ExecutionResult::Halt { gas, .. } => CallOutcome {
            success: false,
            output: Bytes::new(),
            gas_used: gas.tx_gas_used(),
            halted: true,
        },
    }
}

/// A transaction revm's validation refused, as the error geth gives.
fn invalid(err: DevError) -> RpcError {
    match err {
        EVMError::Transaction(err) => {
            let message = match &err {
                InvalidTransaction::NonceTooLow { tx, state } => {
                    format!("nonce too low: next nonce {state}, tx nonce {tx}")
                }
                InvalidTransaction::NonceTooHigh { tx, state } => {
                    format!("nonce too high: next nonce {state}, tx nonce {tx}")
                }
                InvalidTransaction::LackOfFundForMaxFee { fee, balance } => format!(
                    "insufficient funds for gas * price + value: balance {balance}, tx cost {fee}"
                ),
                InvalidTransaction::CallGasCostMoreThanGasLimit {
                    initial_gas,
                    gas_limit,
                } => {
                    format!("intrinsic gas too low: gas {gas_limit}, minimum needed {initial_gas}")
                }
                InvalidTransaction::GasPriceLessThanBasefee => format!(
                    "max fee per gas less than block base fee: base fee {}",
                    arbos::MIN_GAS_PRICE
                ),
                InvalidTransaction::CallerGasLimitMoreThanBlock => {
                    format!("exceeds block gas limit {BLOCK_GAS_LIMIT}")
                }
                other => other.to_string(),
            };
            RpcError::invalid_input(message)
        }
        other => RpcError::internal(format!("{other:?}")),
    }
}
