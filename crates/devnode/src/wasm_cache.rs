//! ArbWasmCache (`0x72`), the precompile that keeps programs in the cache
//! Nitro prices calls by: a cached program's call pays only its cached init
//! gas. As on Nitro (`precompiles/ArbWasmCache.go`, ArbOS 31+), the chain
//! owner or a cache manager caches a program by address and evicts one by
//! code hash; caching needs the program activated at the current Stylus
//! version (programs do not expire on the devnode), each change emits `UpdateProgramCache` and burns the program's
//! init cost, and a caller without the right loses all its gas. The devnode's
//! chain owner is its first dev account; it has no cache managers (Arbitrum's
//! CacheManager contract, which takes bids, is one).

use alloy::{
    primitives::address,
    sol,
    sol_types::{SolCall, SolError, SolEvent, SolInterface},
};
use revm::{
    context_interface::{ContextTr, JournalTr},
    interpreter::{CallInputs, Gas, InterpreterResult},
    primitives::{Address, Bytes, Log, B256},
};

use crate::{
    arbos::{self, ArbWasm, STYLUS_VERSION},
    stylus::{revert, DevContext},
};

/// ArbWasmCache's address.
pub const ARB_WASM_CACHE: Address = address!("0x0000000000000000000000000000000000000072");

sol! {
    interface ArbWasmCache {
        function isCacheManager(address manager) external view returns (bool);
        function allCacheManagers() external view returns (address[] memory managers);
        function cacheProgram(address addr) external;
        function evictCodehash(bytes32 codehash) external;
        function codehashIsCached(bytes32 codehash) external view returns (bool);
        event UpdateProgramCache(address indexed manager, bytes32 indexed codehash, bool cached);
    }
}

/// What Nitro's precompile framework charges around a cache change: the
/// reads of the managers, the program and the parameters (800 each), the
/// program's word written back (5,000) and the event (375 + 3 topics x 375
/// + 32 bytes x 8).
const READS_GAS: u64 = 3 * 800;
const WRITE_GAS: u64 = 5_000;
const EVENT_GAS: u64 = 375 + 3 * 375 + 32 * 8;

/// Answers a call to ArbWasmCache.
pub fn run(
    ctx: &mut DevContext,
    inputs: &CallInputs,
    input: &[u8],
    chain_owner: Address,
) -> InterpreterResult {
    use ArbWasmCache::ArbWasmCacheCalls as C;
    let mut gas = Gas::new(inputs.gas_limit);
    let Ok(call) = C::abi_decode(input) else {
        return revert(gas, Bytes::new());
    };
    if !gas.record_regular_cost(arbos::READ_GAS) {
        return arbos::out_of_gas(inputs.gas_limit);
    }
    let output = match call {
        C::isCacheManager(_) => ArbWasmCache::isCacheManagerCall::abi_encode_returns(&false),
        C::allCacheManagers(_) => {
            ArbWasmCache::allCacheManagersCall::abi_encode_returns(&Vec::<Address>::new())
        }
        C::codehashIsCached(call) => {
            let cached = arbos::activation(ctx, call.codehash).is_some_and(|a| a.cached);
            ArbWasmCache::codehashIsCachedCall::abi_encode_returns(&cached)
        }
        C::cacheProgram(call) => {
            let hash = match ctx.journal_mut().code_hash(call.addr) {
                Ok(load) => load.data,
                Err(never) => match never {},
            };
            return set_cached(ctx, inputs, gas, chain_owner, hash, true);
        }
        C::evictCodehash(call) => {
            return set_cached(ctx, inputs, gas, chain_owner, call.codehash, false)
        }
    };
    arbos::ok(gas, output)
}

/// `cacheProgram` and `evictCodehash`: Nitro's `SetProgramCached`.
fn set_cached(
    ctx: &mut DevContext,
    inputs: &CallInputs,
    mut gas: Gas,
    chain_owner: Address,
    hash: B256,
    cache: bool,
) -> InterpreterResult {
    if inputs.is_static {
        return revert(gas, Bytes::new());
    }
    if inputs.caller != chain_owner {
        // Nitro's `BurnOut`: a caller without the right loses all its gas.
        gas.spend_all();
        return revert(gas, Bytes::new());
    }
    if !gas.record_regular_cost(READS_GAS) {
        return arbos::out_of_gas(inputs.gas_limit);
    }
    let record = arbos::activation(ctx, hash);
    let version = record.map_or(0, |a| a.version);
    if cache && version != STYLUS_VERSION {
        return revert(
            gas,
            ArbWasm::ProgramNeedsUpgrade {
                version,
                stylusVersion: STYLUS_VERSION,
            }
            .abi_encode()
            .into(),
        );
    }
    let Some(mut record) = record else {
        // Evicting what was never activated changes nothing.
        return arbos::ok(gas, Vec::new());
    };
    if record.cached == cache {
        return arbos::ok(gas, Vec::new());
    }
    // Caching (or evicting) costs the program's init cost on top.
    let cost = WRITE_GAS + EVENT_GAS + u64::from(record.costs.init_cost);
    if !gas.record_regular_cost(cost) {
        return arbos::out_of_gas(inputs.gas_limit);
    }
    record.cached = cache;
    arbos::store_activation(ctx, hash, record);
    let event = ArbWasmCache::UpdateProgramCache {
        manager: inputs.caller,
        codehash: hash,
        cached: cache,
    };
    ctx.journal_mut().log(Log {
        address: ARB_WASM_CACHE,
        data: event.encode_log_data(),
    });
    tracing::info!(%hash, cache, "program cache changed");
    arbos::ok(gas, Vec::new())
}
