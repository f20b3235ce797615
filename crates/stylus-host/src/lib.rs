//! A test harness that runs deployable Stylus programs in-process.
//!
//! It loads the `.wasm` a contract ships into the `wasmi` interpreter and
//! answers the `vm_hooks` imports the Stylus SDK's programs make, over an
//! in-memory world: calldata and return data, storage with rollback on
//! revert, message and block context (the clock is settable), logs, keccak,
//! calls between programs with revert propagation, and ecrecover at the
//! precompile address. Each call runs in a fresh instance of the program, as
//! on chain.
//!
//! It is a test harness, not a chain: it meters wasmi's fuel and counts
//! storage and host operations for cost estimates, and never claims gas
//! equality with Nitro.

mod check;
mod hooks;

use std::{
    cell::RefCell,
    collections::{HashMap, HashSet},
    rc::Rc,
};

use alloy_primitives::{keccak256, Address, B256, U256};
pub use check::{check, compress, CheckError, MAX_COMPRESSED, VM_HOOKS};
use wasmi::{Config, Engine, Linker, Module, Store};

/// The ecrecover precompile's address.
pub const ECRECOVER: Address = Address::with_last_byte(1);

/// The selector the Stylus SDK routes deployment calldata to (`stylus_constructor()`).
#[must_use]
pub fn constructor_selector() -> [u8; 4] {
    let hash = keccak256("stylus_constructor()");
    [hash[0], hash[1], hash[2], hash[3]]
}

/// A log a program emitted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Log {
    pub address: Address,
    pub topics: Vec<B256>,
    pub data: Vec<u8>,
}

/// What one transaction did, for cost estimates.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// wasmi fuel consumed: about one unit per executed instruction of
    /// wasmi's own instruction set (not wasm opcodes one for one).
    pub fuel: u64,
    pub cold_reads: u64,
    pub warm_reads: u64,
    /// Storage writes by kind, counted per slot at the end of the
    /// transaction as EIP-2200 prices them.
    pub writes_new: u64,
    pub writes_update: u64,
    /// Slots first touched by a write (cold under EIP-2929).
    pub cold_writes: u64,
    pub host_calls: u64,
    pub calls: u64,
    pub logs: u64,
    pub log_topics: u64,
    pub log_bytes: u64,
}

/// The outcome of a call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Return data on success, revert data on failure.
    pub result: Result<Vec<u8>, Vec<u8>>,
    /// Logs of a successful transaction (none after a revert).
    pub logs: Vec<Log>,
    pub stats: Stats,
}

/// Why a program could not be deployed.
#[derive(Debug)]
pub enum DeployError {
    /// It fails a pre-activation check.
    Check(CheckError),
    /// wasmi rejected it (an unknown import names itself here).
    Load(String),
    /// Its constructor reverted, with this data.
    Constructor(Vec<u8>),
}

#[derive(Clone, Default)]
pub(crate) struct World {
    pub storage: HashMap<(Address, B256), B256>,
    pub logs: Vec<Log>,
    pub timestamp: u64,
    pub block_number: u64,
    pub chain_id: u64,
}

/// Per-transaction accounting: the slots' values at the start and which
/// slots were touched.
#[derive(Default)]
pub(crate) struct Journal {
    pub original: HashMap<(Address, B256), B256>,
    pub touched: HashSet<(Address, B256)>,
    pub written: HashSet<(Address, B256)>,
    pub transient: HashMap<(Address, B256), B256>,
    pub stats: Stats,
}

pub(crate) struct Shared {
    pub engine: Engine,
    pub linker: Linker<Frame>,
    pub programs: RefCell<HashMap<Address, Module>>,
    pub world: RefCell<World>,
    pub journal: RefCell<Journal>,
    pub origin: RefCell<Address>,
    pub last_trap: RefCell<Option<String>>,
}

/// One executing call: the store data of a program instance.
pub(crate) struct Frame {
    pub shared: Rc<Shared>,
    pub contract: Address,
    pub sender: Address,
    pub value: U256,
    pub args: Vec<u8>,
    pub result: Vec<u8>,
    pub return_data: Vec<u8>,
    pub is_static: bool,
    pub depth: usize,
    pub stack: Vec<Address>,
}

impl Frame {
    /// A call of `contract` by `sender` with `args`, not yet run.
    pub(crate) fn new(
        shared: &Rc<Shared>,
        contract: Address,
        sender: Address,
        args: Vec<u8>,
        is_static: bool,
        depth: usize,
        stack: Vec<Address>,
    ) -> Self {
        Frame {
            shared: Rc::clone(shared),
            contract,
            sender,
            value: U256::ZERO,
            args,
            result: Vec::new(),
            return_data: Vec::new(),
            is_static,
            depth,
            stack,
        }
    }
}

/// The harness: programs, their storage, and the block context.
pub struct Host {
    shared: Rc<Shared>,
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
        let mut config = Config::default();
        config.consume_fuel(true);
        let engine = Engine::new(&config);
        let linker = hooks::linker(&engine);
        let world = World {
            timestamp: 1_735_689_600,
            block_number: 1,
            chain_id: 42161,
            ..World::default()
        };
        let shared = Shared {
            engine,
            linker,
            programs: RefCell::default(),
            world: RefCell::new(world),
            journal: RefCell::default(),
            origin: RefCell::default(),
            last_trap: RefCell::default(),
        };
        Host {
            shared: Rc::new(shared),
            next_address: 0x1000,
        }
    }

    pub fn set_timestamp(&mut self, timestamp: u64) {
        self.shared.world.borrow_mut().timestamp = timestamp;
    }

    #[must_use]
    pub fn timestamp(&self) -> u64 {
        self.shared.world.borrow().timestamp
    }

    pub fn set_block_number(&mut self, number: u64) {
        self.shared.world.borrow_mut().block_number = number;
    }

    pub fn set_chain_id(&mut self, chain_id: u64) {
        self.shared.world.borrow_mut().chain_id = chain_id;
    }

    /// A storage slot of a program.
    #[must_use]
    pub fn storage(&self, contract: Address, key: B256) -> B256 {
        self.shared
            .world
            .borrow()
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
        check(wasm).map_err(DeployError::Check)?;
        let module =
            Module::new(&self.shared.engine, wasm).map_err(|e| DeployError::Load(e.to_string()))?;
        // Unknown imports fail here, naming the import.
        let mut store = Store::new(
            &self.shared.engine,
            Frame::new(
                &self.shared,
                Address::ZERO,
                Address::ZERO,
                Vec::new(),
                false,
                0,
                Vec::new(),
            ),
        );
        self.shared
            .linker
            .instantiate_and_start(&mut store, &module)
            .map_err(|e| DeployError::Load(e.to_string()))?;
        self.next_address += 1;
        // 0xa7…: deterministic, and clear of the precompiles' low addresses.
        let address = Address::from_word(B256::from(
            U256::from(self.next_address) + (U256::from(0xA7u8) << 152),
        ));
        self.shared.programs.borrow_mut().insert(address, module);
        let mut calldata = constructor_selector().to_vec();
        calldata.extend_from_slice(constructor_args);
        let outcome = self.call(deployer, address, &calldata);
        if let Err(data) = outcome.result {
            self.shared.programs.borrow_mut().remove(&address);
            return Err(DeployError::Constructor(data));
        }
        Ok(address)
    }

    /// Runs a transaction: `from` calls `to` with `calldata`. A revert rolls
    /// back storage and logs.
    pub fn call(&mut self, from: Address, to: Address, calldata: &[u8]) -> Outcome {
        *self.shared.origin.borrow_mut() = from;
        *self.shared.journal.borrow_mut() = Journal::default();
        let logs_before = self.shared.world.borrow().logs.len();
        let result = hooks::execute(
            &self.shared,
            to,
            from,
            calldata.to_vec(),
            false,
            0,
            Vec::new(),
        );
        let mut journal = self.shared.journal.take();
        let world = self.shared.world.borrow();
        let logs = if result.is_ok() {
            world.logs[logs_before..].to_vec()
        } else {
            Vec::new()
        };
        for slot in &journal.written {
            let original = journal.original.get(slot).copied().unwrap_or_default();
            let current = world.storage.get(slot).copied().unwrap_or_default();
            if original == current {
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
        self.shared.last_trap.borrow().clone()
    }

    /// All logs of successful transactions so far.
    #[must_use]
    pub fn logs(&self) -> Vec<Log> {
        self.shared.world.borrow().logs.clone()
    }
}
