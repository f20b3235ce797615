//! The in-memory harness: programs, their storage and the block context,
//! with calls between programs, rollback on revert and per-transaction
//! accounting for the cost report.

use std::{
    collections::{HashMap, HashSet},
    rc::Rc,
};

use alloy_primitives::{keccak256, Address, PrimitiveSignature, B256, U256};

use crate::{
    constructor_selector, BlockInfo, CallKind, CallResult, DeployError, Env, Exit, LoadError, Log,
    Message, Module, OutCall, OutCreate, Outcome, Runtime, Stats, ECRECOVER,
};

/// Calls nest at most this deep, as on chain.
const MAX_DEPTH: usize = 1024;
/// Gas for each call: far more than any test needs, a bound on runaway loops.
const GAS: u64 = 50_000_000_000;

#[derive(Clone, Default)]
struct World {
    storage: HashMap<(Address, B256), B256>,
    logs: Vec<Log>,
    timestamp: u64,
    block_number: u64,
    chain_id: u64,
}

/// Per-transaction accounting: the slots' values at the start and which
/// slots were touched.
#[derive(Default)]
struct Journal {
    original: HashMap<(Address, B256), B256>,
    touched: HashSet<(Address, B256)>,
    written: HashSet<(Address, B256)>,
    transient: HashMap<(Address, B256), B256>,
    stats: Stats,
}

/// The harness: programs, their storage, and the block context.
pub struct Host {
    runtime: Rc<Runtime>,
    programs: HashMap<Address, Module>,
    world: World,
    journal: Journal,
    origin: Address,
    /// The contracts with a call open, outermost first.
    stack: Vec<Address>,
    last_trap: Option<String>,
    next_address: u64,
}

impl Default for Host {
    fn default() -> Self {
        Self::new()
    }
}

impl Host {
    /// An empty world at block 1, 2025-01-01T00:00:00Z, chain 42161.
    #[must_use]
    pub fn new() -> Self {
        Host {
            runtime: Rc::new(Runtime::new()),
            programs: HashMap::new(),
            world: World {
                timestamp: 1_735_689_600,
                block_number: 1,
                chain_id: 42161,
                ..World::default()
            },
            journal: Journal::default(),
            origin: Address::ZERO,
            stack: Vec::new(),
            last_trap: None,
            next_address: 0x1000,
        }
    }

    /// Sets the block timestamp, in seconds since the Unix epoch, that later calls see.
    pub fn set_timestamp(&mut self, timestamp: u64) {
        self.world.timestamp = timestamp;
    }

    /// The block timestamp calls see, in seconds since the Unix epoch.
    #[must_use]
    pub fn timestamp(&self) -> u64 {
        self.world.timestamp
    }

    /// Sets the block number later calls see.
    pub fn set_block_number(&mut self, number: u64) {
        self.world.block_number = number;
    }

    /// Sets the chain id later calls see (EIP-712 domains and permits are bound to it).
    pub fn set_chain_id(&mut self, chain_id: u64) {
        self.world.chain_id = chain_id;
    }

    /// A storage slot of a program.
    #[must_use]
    pub fn storage(&self, contract: Address, key: B256) -> B256 {
        self.world
            .storage
            .get(&(contract, key))
            .copied()
            .unwrap_or_default()
    }

    /// Checks, loads and deploys a program at a fresh address, then runs its
    /// constructor with `constructor_args` (ABI-encoded) from `deployer`.
    ///
    /// # Errors
    ///
    /// A failed check, an unloadable module, or a reverting constructor.
    pub fn deploy(
        &mut self,
        wasm: &[u8],
        deployer: Address,
        constructor_args: &[u8],
    ) -> Result<Address, DeployError> {
        let module = self.runtime.load(wasm).map_err(|err| match err {
            LoadError::Check(err) => DeployError::Check(err),
            LoadError::Load(err) => DeployError::Load(err),
        })?;
        self.next_address += 1;
        // 0xa7…: deterministic, and clear of the precompiles' low addresses.
        let address = Address::from_word(B256::from(
            U256::from(self.next_address) + (U256::from(0xA7u8) << 152),
        ));
        self.programs.insert(address, module);
        let mut calldata = constructor_selector().to_vec();
        calldata.extend_from_slice(constructor_args);
        let outcome = self.call(deployer, address, &calldata);
        if let Err(data) = outcome.result {
            self.programs.remove(&address);
            return Err(DeployError::Constructor(data));
        }
        Ok(address)
    }

    /// Runs a transaction: `from` calls `to` with `calldata`. A revert rolls
    /// back storage and logs.
    pub fn call(&mut self, from: Address, to: Address, calldata: &[u8]) -> Outcome {
        self.origin = from;
        self.journal = Journal::default();
        let logs_before = self.world.logs.len();
        let result = self.execute(to, to, from, calldata.to_vec(), false);
        let mut journal = std::mem::take(&mut self.journal);
        let logs = if result.is_ok() {
            self.world.logs[logs_before..].to_vec()
        } else {
            Vec::new()
        };
        for slot in &journal.written {
            let original = journal.original.get(slot).copied().unwrap_or_default();
            if original == self.storage(slot.0, slot.1) {
                continue;
            }
            if original.is_zero() {
                journal.stats.writes_new += 1;
            } else {
                journal.stats.writes_update += 1;
            }
        }
        Outcome {
            result,
            logs,
            stats: journal.stats,
        }
    }

    /// The last trap any call hit (a trap reverts without data): the
    /// message says why, for test diagnostics.
    #[must_use]
    pub fn last_trap(&self) -> Option<String> {
        self.last_trap.clone()
    }

    /// All logs of successful transactions so far.
    #[must_use]
    pub fn logs(&self) -> Vec<Log> {
        self.world.logs.clone()
    }

    /// Runs the program at `code` in the storage and identity of `target`
    /// (the same address but for a delegate call). A revert (or a trap)
    /// rolls back storage and logs.
    fn execute(
        &mut self,
        code: Address,
        target: Address,
        sender: Address,
        args: Vec<u8>,
        is_static: bool,
    ) -> Result<Vec<u8>, Vec<u8>> {
        if code == ECRECOVER {
            return Ok(ecrecover(&args));
        }
        let Some(module) = self.programs.get(&code).cloned() else {
            // A call to an account without a program succeeds and returns nothing.
            return Ok(Vec::new());
        };
        if self.stack.len() >= MAX_DEPTH {
            return Err(Vec::new());
        }
        let snapshot = self.world.clone();
        let reentrant = self.stack.contains(&target);
        self.stack.push(target);
        let runtime = Rc::clone(&self.runtime);
        let outcome = runtime.run(
            &module,
            self,
            Message {
                contract: target,
                sender,
                value: U256::ZERO,
                args,
                is_static,
                reentrant,
                gas_limit: GAS,
            },
        );
        self.stack.pop();
        self.journal.stats.ink += outcome.ink;
        self.journal.stats.host_calls += outcome.host_calls;
        match outcome.exit {
            Exit::Success => return Ok(outcome.output),
            Exit::Revert => {}
            Exit::Trap(message) => self.last_trap = Some(message),
            Exit::OutOfInk => self.last_trap = Some("out of ink".into()),
        }
        self.world = snapshot;
        Err(outcome.output)
    }

    fn touch(&mut self, slot: (Address, B256), is_write: bool) {
        let journal = &mut self.journal;
        if journal.touched.insert(slot) {
            let original = self.world.storage.get(&slot).copied().unwrap_or_default();
            journal.original.insert(slot, original);
            if is_write {
                journal.stats.cold_writes += 1;
            } else {
                journal.stats.cold_reads += 1;
            }
        } else if !is_write {
            journal.stats.warm_reads += 1;
        }
        if is_write {
            journal.written.insert(slot);
        }
    }
}

/// The harness prices no EVM gas (the cost report prices its counts), so
/// every method answers zero gas.
impl Env for Host {
    fn block(&self) -> BlockInfo {
        BlockInfo {
            number: self.world.block_number,
            timestamp: self.world.timestamp,
            chain_id: self.world.chain_id,
            gas_limit: 32_000_000,
            origin: self.origin,
            ..BlockInfo::default()
        }
    }

    fn storage_load(&mut self, contract: Address, key: B256) -> (B256, u64) {
        self.touch((contract, key), false);
        (self.storage(contract, key), 0)
    }

    fn storage_store(&mut self, contract: Address, key: B256, value: B256) -> u64 {
        self.touch((contract, key), true);
        self.world.storage.insert((contract, key), value);
        0
    }

    fn transient_load(&mut self, contract: Address, key: B256) -> B256 {
        self.journal
            .transient
            .get(&(contract, key))
            .copied()
            .unwrap_or_default()
    }

    fn transient_store(&mut self, contract: Address, key: B256, value: B256) {
        self.journal.transient.insert((contract, key), value);
    }

    fn emit_log(&mut self, log: Log) {
        let stats = &mut self.journal.stats;
        stats.logs += 1;
        stats.log_topics += log.topics.len() as u64;
        stats.log_bytes += log.data.len() as u64;
        self.world.logs.push(log);
    }

    fn call(&mut self, call: OutCall) -> CallResult {
        self.journal.stats.calls += 1;
        if call.kind == CallKind::Call && !call.value.is_zero() {
            self.last_trap = Some("value transfers are not supported by this harness".into());
            return CallResult::default();
        }
        let result = self.execute(
            call.code_address,
            call.target,
            call.sender,
            call.data,
            call.is_static,
        );
        let success = result.is_ok();
        CallResult {
            success,
            data: result.unwrap_or_else(|data| data),
            ..CallResult::default()
        }
    }

    fn create(&mut self, _create: OutCreate) -> CallResult {
        self.last_trap = Some("create is not supported by this harness".into());
        CallResult::default()
    }

    fn balance(&mut self, _account: Address) -> (U256, u64) {
        (U256::ZERO, 0)
    }

    fn code(&mut self, account: Address) -> (Vec<u8>, u64) {
        // A program's on-chain code starts with the Stylus prefix.
        let code = if self.programs.contains_key(&account) {
            stylus_program::PREFIX[..3].to_vec()
        } else {
            Vec::new()
        };
        (code, 0)
    }

    fn code_hash(&mut self, account: Address) -> (B256, u64) {
        let hash = if self.programs.contains_key(&account) {
            keccak256(account)
        } else {
            keccak256([])
        };
        (hash, 0)
    }
}

/// The ecrecover precompile: the signer's address word, or nothing.
fn ecrecover(input: &[u8]) -> Vec<u8> {
    let mut data = [0u8; 128];
    let n = input.len().min(128);
    data[..n].copy_from_slice(&input[..n]);
    let hash = B256::from_slice(&data[..32]);
    let v = U256::from_be_slice(&data[32..64]);
    let (r, s) = (
        U256::from_be_slice(&data[64..96]),
        U256::from_be_slice(&data[96..128]),
    );
    let parity = if v == U256::from(27) {
        false
    } else if v == U256::from(28) {
        true
    } else {
        return Vec::new();
    };
    PrimitiveSignature::new(r, s, parity)
        .recover_address_from_prehash(&hash)
        .map(|address| address.into_word().to_vec())
        .unwrap_or_default()
}
