//! Transactions checked, executed and mined: one block per transaction
//! (automine) or every pending one at once, calls simulated on a copy.

use std::rc::Rc;

use alloy::{
    consensus::{transaction::SignerRecoverable, Header, Transaction as _, TxEnvelope},
    eips::{eip2718::Decodable2718, Typed2718},
    primitives::{Address, Bytes, Log, TxKind, B256, B64, U256},
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
    DatabaseCommit,
};

use crate::{
    arbos,
    chain::{
        clock, effective_gas_price, BlockRecord, CallOutcome, Chain, TxRecord, BLOCK_GAS_LIMIT,
        MAX_TIMESTAMP,
    },
    error::ChainError,
    stylus::{evm, Arbitrum, Db, DevContext, DevError, DevHandler},
};

impl Chain {
    /// Mines a checked transaction now (automine), or keeps it for the
    /// next block; its hash.
    fn submit(&mut self, envelope: TxEnvelope, from: Address) -> Result<B256, ChainError> {
        let hash = *envelope.tx_hash();
        if self.tx_index.contains_key(&hash)
            || self.pending.iter().any(|(tx, _)| *tx.tx_hash() == hash)
        {
            return Err(ChainError::AlreadyKnown);
        }
        if self.automine {
            self.mine(Some((envelope, from)))?;
        } else {
            self.pending.push((envelope, from));
        }
        Ok(hash)
    }

    /// Whether each transaction is mined as it arrives (`evm_setAutomine`).
    #[must_use]
    pub fn automine(&self) -> bool {
        self.automine
    }

    /// Turns automine on or off; on, what is pending is mined at once.
    ///
    /// # Errors
    ///
    /// Mining what is pending fails (it drops invalid transactions, so it
    /// does not).
    pub fn set_automine(&mut self, on: bool) -> Result<(), ChainError> {
        self.automine = on;
        if on && !self.pending.is_empty() {
            self.mine(None)?;
        }
        Ok(())
    }

    /// Transactions waiting for the next block, from `from`.
    #[must_use]
    pub fn pending_from(&self, from: Address) -> u64 {
        self.pending.iter().filter(|(_, f)| *f == from).count() as u64
    }

    /// Mines a transaction sent as `from`, an impersonated account, whose
    /// signature is not `from`'s (`crate::anvil`).
    ///
    /// # Errors
    ///
    /// As `send`.
    pub fn send_as(&mut self, envelope: TxEnvelope, from: Address) -> Result<B256, ChainError> {
        self.submit(envelope, from)
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

    fn block_env(number: u64, timestamp: u64) -> BlockEnv {
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
            .with_block(Self::block_env(number, timestamp))
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
    pub fn simulate(&self, db: Db, mut tx: TxEnv) -> Result<CallOutcome, ChainError> {
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
    pub fn send_raw(&mut self, raw: &[u8]) -> Result<B256, ChainError> {
        let mut bytes = raw;
        let envelope =
            TxEnvelope::decode_2718(&mut bytes).map_err(|e| ChainError::Encoding(e.to_string()))?;
        if !bytes.is_empty() {
            return Err(ChainError::Encoding("trailing bytes".into()));
        }
        self.send(envelope)
    }

    /// Checks and mines a signed transaction.
    ///
    /// # Errors
    ///
    /// As `send_raw`.
    pub fn send(&mut self, envelope: TxEnvelope) -> Result<B256, ChainError> {
        let from = envelope
            .recover_signer()
            .map_err(|e| ChainError::Signature(e.to_string()))?;
        if let Some(id) = envelope.chain_id() {
            if id != self.state.chain_id {
                return Err(ChainError::WrongChain {
                    got: id,
                    ours: self.state.chain_id,
                });
            }
        }
        if !crate::views::is_supported(&envelope) {
            return Err(ChainError::Blob);
        }
        // geth's ErrTipAboveFeeCap: a tip above the fee cap is refused, not
        // mined (revm, built here without its base-fee checks, would take it).
        if let Some(tip) = envelope.max_priority_fee_per_gas() {
            if tip > envelope.max_fee_per_gas() {
                return Err(ChainError::TipAboveFeeCap {
                    tip,
                    cap: envelope.max_fee_per_gas(),
                });
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
    pub fn mine(&mut self, tx: Option<(TxEnvelope, Address)>) -> Result<(), ChainError> {
        if let Some(tx) = tx {
            self.mine_block(vec![tx], true)
        } else {
            let pending = std::mem::take(&mut self.pending);
            self.mine_block(pending, false)
        }
    }

    /// Mines `txs` in one block, in order. `strict`: the first invalid one
    /// fails the whole (then nothing is mined); else it is dropped.
    fn mine_block(
        &mut self,
        txs: Vec<(TxEnvelope, Address)>,
        strict: bool,
    ) -> Result<(), ChainError> {
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
fn invalid(err: DevError) -> ChainError {
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
            ChainError::Invalid(message)
        }
        other => ChainError::Internal(format!("{other:?}")),
    }
}
