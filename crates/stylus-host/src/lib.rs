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
//! The host functions are written against `Env`, the chain a program runs
//! on: `Host` is the in-memory harness, and the devnode (`crates/devnode`)
//! implements `Env` over revm's state so the same host runs programs there.
//!
//! The harness is a test harness, not a chain: it counts storage and host
//! operations for cost estimates, and never claims gas equality with Nitro.

/// A `tracing` event under the target `stylus_host::io`: a storage access,
/// log or call a program made, with the gas it bought
/// (`RUST_LOG=stylus_host::io=trace`; `docs/gas.md` shows the use).
macro_rules! trace {
    ($($field:tt)*) => {
        tracing::trace!(target: "stylus_host::io", $($field)*)
    };
}

mod check;
mod harness;
mod hooks;
mod meter;
pub mod pricing;
mod runtime;

use alloy_primitives::keccak256;
pub use alloy_primitives::{Address, B256, U256};
pub use check::{check, compress, decompress, CheckError, MAX_COMPRESSED, MAX_RAW, VM_HOOKS};
pub use harness::Host;
pub use runtime::{
    BlockInfo, CallKind, CallResult, Env, Exit, LoadError, Message, OutCall, OutCreate, RunOutcome,
    Runtime, INK_PER_GAS,
};
pub use wasmi::Module;

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
    /// The contract that emitted it.
    pub address: Address,
    /// Its topics, at most four.
    pub topics: Vec<B256>,
    /// Its data: the bytes after the topics.
    pub data: Vec<u8>,
}

/// What one transaction did, for cost estimates.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Ink the programs' own instructions used, at Nitro's opcode prices.
    pub ink: u64,
    /// Slot reads that first touched their slot in the transaction (cold under EIP-2929).
    pub cold_reads: u64,
    /// Reads of a slot the transaction had already touched; reads answered from a call's
    /// storage cache are not counted.
    pub warm_reads: u64,
    /// Slots left non-zero that were zero (EIP-2200's costliest write),
    /// counted per slot at the end of the transaction.
    pub writes_new: u64,
    /// Slots left changed from a non-zero value (`writes_new` counts those that were zero).
    pub writes_update: u64,
    /// Slots first touched by a write (cold under EIP-2929).
    pub cold_writes: u64,
    /// Host functions the programs invoked.
    pub host_calls: u64,
    /// Calls out of programs, to the ecrecover precompile included.
    pub calls: u64,
    /// Logs emitted, including any a revert later discarded.
    pub logs: u64,
    /// Topics across those logs.
    pub log_topics: u64,
    /// Data bytes across those logs, topics not included.
    pub log_bytes: u64,
}

/// The outcome of a call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Return data on success, revert data on failure.
    pub result: Result<Vec<u8>, Vec<u8>>,
    /// Logs of a successful transaction (none after a revert).
    pub logs: Vec<Log>,
    /// What the transaction did, for the cost report.
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
