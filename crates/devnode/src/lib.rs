//! A local Arbitrum-Stylus-compatible chain in one process.
//!
//! EVM bytecode runs on revm; Stylus programs run on `stylus-host`'s wasm
//! engine, inside revm's frames (`stylus`), with the ArbWasm precompile
//! activating them (`arbos`), ArbWasmCache caching them (`wasm_cache`),
//! and StylusDeployer at its canonical address
//! from genesis (`genesis`). `chain` mines one block per transaction;
//! `rpc` is the JSON-RPC interface; `node` runs it all.

pub mod anvil;
pub mod arbos;
pub mod chain;
pub mod error;
pub mod filters;
pub mod genesis;
pub mod node;
pub mod program;
pub mod request_ids;
pub mod rpc;
pub mod selectors;
pub mod stylus;
pub mod subscriptions;
pub mod views;
pub mod wasm_cache;

pub use chain::{Chain, ChainConfig};
pub use node::{Node, NodeConfig};
