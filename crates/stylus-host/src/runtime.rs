//! Running one call of a Stylus program against a chain (`Env`): the
//! interface between the `vm_hooks` host functions and whatever world the
//! program lives in (the in-memory harness, or the devnode's revm state).

use alloy_primitives::{Address, B256, U256};
use wasmi::{Config, Engine, Linker, Module, Store};

use crate::{check, hooks, meter, CheckError, Log};

/// Ink per unit of EVM gas (ArbWasm `inkPrice`, its default 10,000).
pub const INK_PER_GAS: u64 = 10_000;

/// The block and transaction a call runs in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BlockInfo {
    /// Block number (`block_number`).
    pub number: u64,
    /// Block timestamp, in seconds since the Unix epoch (`block_timestamp`).
    pub timestamp: u64,
    /// EIP-155 chain id (`chainid`).
    pub chain_id: u64,
    /// Base fee, in wei per gas (`block_basefee`).
    pub basefee: U256,
    /// The block's beneficiary (`block_coinbase`).
    pub coinbase: Address,
    /// The block's gas limit, in gas (`block_gas_limit`).
    pub gas_limit: u64,
    /// The transaction's effective gas price, in wei per gas (`tx_gas_price`).
    pub gas_price: U256,
    /// The account that signed the transaction (`tx_origin`).
    pub origin: Address,
}

/// How a program calls out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallKind {
    /// `call_contract`: the callee's code in its own storage; it may transfer value.
    Call,
    /// `static_call_contract`: a call that may not write storage, log, create or transfer
    /// value.
    Static,
    /// The callee's code in the caller's storage, identity and sender.
    Delegate,
}

/// A call a program makes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutCall {
    /// Which hook made the call.
    pub kind: CallKind,
    /// Whose code runs.
    pub code_address: Address,
    /// Whose storage and identity it runs in.
    pub target: Address,
    /// The callee's `msg.sender`: the calling contract, or for a delegate call the caller's own
    /// sender.
    pub sender: Address,
    /// Transferred for a call; the caller's own value, not transferred, for a delegate call.
    pub value: U256,
    /// Calldata for the callee.
    pub data: Vec<u8>,
    /// Gas the callee may use (already capped by the caller's 63/64 rule).
    pub gas: u64,
    /// Whether the callee may not change state: a static call, or any call made inside one.
    pub is_static: bool,
}

/// A contract creation a program makes (`create1`, or `create2` with a salt).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutCreate {
    /// The contract that creates: the running program's address.
    pub creator: Address,
    /// EVM init code; what it returns becomes the new contract's code.
    pub init_code: Vec<u8>,
    /// Wei transferred to the new contract.
    pub endowment: U256,
    /// `create2`'s salt; `None` for `create1`.
    pub salt: Option<B256>,
    /// Gas the init code may use: all but 1/64 of what the caller has left.
    pub gas: u64,
}

/// What a call or creation returned.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CallResult {
    /// Whether the call or creation completed without reverting.
    pub success: bool,
    /// Return data, or revert data.
    pub data: Vec<u8>,
    /// Gas charged to the caller: the callee's use plus the opcode's own (account access,
    /// value transfer).
    pub gas_used: u64,
    /// The created contract's address, for a successful creation.
    pub created: Option<Address>,
}

/// The chain a program runs on. Each method that an EVM opcode would charge
/// for returns the EVM gas it costs (cold/warm, EIP-2200 store prices);
/// the host adds the Stylus host-I/O ink on top.
pub trait Env {
    /// The block and transaction the call runs in.
    fn block(&self) -> BlockInfo;
    /// Reads slot `key` of `contract`: its value and the read's gas (EIP-2929 cold or warm).
    fn storage_load(&mut self, contract: Address, key: B256) -> (B256, u64);
    /// Writes `value` to slot `key` of `contract` when the host flushes its cache, returning the
    /// SSTORE gas (EIP-2200, plus EIP-2929's cold surcharge).
    fn storage_store(&mut self, contract: Address, key: B256, value: B256) -> u64;
    /// Reads transient slot `key` of `contract` (EIP-1153); the host charges TLOAD's 100 gas.
    fn transient_load(&mut self, contract: Address, key: B256) -> B256;
    /// Writes transient slot `key` of `contract`; the host charges TSTORE's 100 gas.
    fn transient_store(&mut self, contract: Address, key: B256, value: B256);
    /// Records a log of the running contract; the host has already charged its gas.
    fn emit_log(&mut self, log: Log);
    /// Runs a call out of the program (a program callee re-enters the host).
    fn call(&mut self, call: OutCall) -> CallResult;
    /// Runs `init_code` and deploys what it returns; `created` holds the new address on success.
    fn create(&mut self, create: OutCreate) -> CallResult;
    /// `account`'s balance in wei, and the access's gas (EIP-2929 cold or warm).
    fn balance(&mut self, account: Address) -> (U256, u64);
    /// `account`'s code, and the access's gas (`account_code` and `account_code_size`).
    fn code(&mut self, account: Address) -> (Vec<u8>, u64);
    /// `account`'s code hash (EXTCODEHASH), and the access's gas.
    fn code_hash(&mut self, account: Address) -> (B256, u64);
    /// The gas of `pages` more wasm pages for the running program. Nitro
    /// prices a transaction's pages together (`ArbWasm.pageGas` beyond the
    /// free ones, and an exponential in the most ever open); this default
    /// charges the linear part only.
    fn open_pages(&mut self, pages: u16) -> u64 {
        1_000 * u64::from(pages)
    }
}

/// One call into a program.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Message {
    /// Whose storage and identity the program runs in.
    pub contract: Address,
    /// The caller (`msg_sender`).
    pub sender: Address,
    /// Wei sent with the call (`msg_value`).
    pub value: U256,
    /// Calldata (`read_args`).
    pub args: Vec<u8>,
    /// Whether the call may not change state: storage and transient writes, logs, creates and
    /// value transfers trap.
    pub is_static: bool,
    /// Whether `contract` already has a call open further up the stack
    /// (Nitro's `msg_reentrant`).
    pub reentrant: bool,
    /// Gas the call may use; its ink budget is this times [`INK_PER_GAS`].
    pub gas_limit: u64,
}

/// How a call ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Exit {
    /// The program returned (or exited early with) status 0; the output is its return data.
    Success,
    /// The program returned a non-zero status: revert with the output.
    Revert,
    /// The program trapped: revert with no data.
    Trap(String),
    /// It ran out of ink: all the gas is used.
    OutOfInk,
}

/// The outcome of one call into a program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunOutcome {
    /// Whether the program returned, reverted, trapped or ran out of ink.
    pub exit: Exit,
    /// The program's result (return or revert data); empty after a trap.
    pub output: Vec<u8>,
    /// Gas used by this call, callees included.
    pub gas_used: u64,
    /// Ink this call's own instructions used (host functions and callees
    /// not included).
    pub ink: u64,
    /// Host functions this call invoked (callees not included).
    pub host_calls: u64,
    /// For a program loaded while profiling: the ink each of its defined
    /// functions' blocks charged in this call, by the function's index
    /// among the defined functions, most first (the functions that
    /// charged none left out). Empty otherwise.
    pub profile: Vec<(u32, u64)>,
}

impl RunOutcome {
    /// Whether the program returned normally ([`Exit::Success`]).
    #[must_use]
    pub fn is_success(&self) -> bool {
        self.exit == Exit::Success
    }
}

/// Why a program cannot run.
#[derive(Debug)]
pub enum LoadError {
    /// It fails a pre-activation check.
    Check(CheckError),
    /// wasmi rejected it (an unknown import names itself here).
    Load(String),
}

impl core::fmt::Display for LoadError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            LoadError::Check(err) => write!(f, "{err}"),
            LoadError::Load(err) => write!(f, "{err}"),
        }
    }
}

impl std::error::Error for LoadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LoadError::Check(err) => Some(err),
            LoadError::Load(_) => None,
        }
    }
}

/// The wasm engine and the `vm_hooks` host functions, shared by every call.
pub struct Runtime {
    engine: Engine,
    linker: Linker<hooks::Frame>,
    /// Whether programs loaded from now on count their ink per function.
    profiling: bool,
}

impl Default for Runtime {
    fn default() -> Self {
        Self::new()
    }
}

impl Runtime {
    /// A wasmi engine with every `vm_hooks` host function linked; profiling
    /// (`profiling`) when the environment sets `STYLUS_INK_PROFILE`.
    #[must_use]
    pub fn new() -> Self {
        // Ink is metered in the program itself (`meter`), not by wasmi's fuel.
        let engine = Engine::new(&Config::default());
        let linker = hooks::linker(&engine);
        Runtime {
            engine,
            linker,
            profiling: std::env::var_os("STYLUS_INK_PROFILE").is_some(),
        }
    }

    /// The runtime, with programs loaded from now on counting the ink each
    /// of their functions' blocks charge: every call's `RunOutcome::profile`
    /// and a `stylus_host::profile` debug event say which functions spent
    /// its instruction gas (`scripts/ink-profile` names them). The ink used
    /// is the same.
    #[must_use]
    pub fn profiling(mut self, on: bool) -> Self {
        self.profiling = on;
        self
    }

    /// Checks a program as activation does, instruments it for ink metering
    /// and compiles it; an import the host does not provide fails here,
    /// naming itself.
    ///
    /// # Errors
    ///
    /// A failed pre-activation check or a module wasmi rejects.
    pub fn load(&self, wasm: &[u8]) -> Result<Module, LoadError> {
        check(wasm).map_err(LoadError::Check)?;
        let metered = meter::instrument(wasm, self.profiling).map_err(LoadError::Load)?;
        let module =
            Module::new(&self.engine, &metered).map_err(|e| LoadError::Load(e.to_string()))?;
        let mut store = Store::new(&self.engine, hooks::Frame::detached());
        self.linker
            .instantiate_and_start(&mut store, &module)
            .map_err(|e| LoadError::Load(e.to_string()))?;
        Ok(module)
    }

    /// Runs one call of `module` in a fresh instance, as a chain does.
    pub fn run(&self, module: &Module, env: &mut dyn Env, message: Message) -> RunOutcome {
        hooks::run(
            &self.engine,
            &self.linker,
            module,
            env,
            message,
            self.profiling,
        )
    }
}
