//! Calls into programs priced as Nitro prices them: the init and cached init
//! gas activation derives from the wasm, the transaction's memory, the
//! program cache (ArbWasmCache), and EIP-3529 refunds for cleared slots.
//! The figures for the fixture are worked out by hand in `stylus-host`'s
//! `pricing` tests.
#![allow(clippy::too_many_lines)] // each test tells one flow end to end, in order

mod common;

use alloy::{
    network::TransactionBuilder,
    primitives::{keccak256, Address, Bytes, U256},
    providers::{DynProvider, Provider},
    rpc::types::{TransactionReceipt, TransactionRequest},
    sol,
    sol_types::{SolCall, SolError},
};
use common::*;
use devnode::NodeConfig;

sol! {
    interface ArbWasmPricing {
        function programInitGas(address program) external view returns (uint64 gas, uint64 gasWhenCached);
        function programMemoryFootprint(address program) external view returns (uint16 footprint);
        function codehashAsmSize(bytes32 codehash) external view returns (uint32 size);
        function minInitGas() external view returns (uint64 gas, uint64 cached);
        error ProgramNeedsUpgrade(uint16 version, uint16 stylusVersion);
    }
}

const FIXTURE: &[u8] = include_bytes!("fixtures/priced.wasm");

/// Entering the fixture: 8,832 + 46 init and 352 + 41 cached init gas.
const INIT_GAS: u64 = 8_878;
const CACHED_GAS: u64 = 393;
/// Its three pages, the first program of a transaction: one page beyond
/// the two free ones.
const MEMORY_GAS: u64 = 1_000;

/// Sends `input` to `to` with a fixed gas limit (no estimate: it may fail).
async fn send_raw(provider: &DynProvider, to: Address, input: Vec<u8>) -> TransactionReceipt {
    provider
        .send_transaction(
            TransactionRequest::default()
                .with_to(to)
                .with_input(Bytes::from(input))
                .with_gas_limit(300_000),
        )
        .await
        .expect("the transaction is accepted")
        .get_receipt()
        .await
        .expect("a receipt")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_call_pays_the_init_gas_activation_derived_and_only_the_cached_part_once_cached() {
    let node = start(NodeConfig::default()).await;
    let owner = client(&node, 0);
    let stranger = client(&node, 1);
    let program = deploy_and_activate(&owner, FIXTURE).await;
    let hash = keccak256(aat_client::deploy::deployed_code(FIXTURE));
    let arb_wasm = |call: Vec<u8>| {
        let owner = owner.clone();
        async move {
            owner
                .call(
                    TransactionRequest::default()
                        .with_to(ARB_WASM)
                        .with_input(Bytes::from(call)),
                )
                .await
                .expect("ArbWasm answers")
        }
    };
    let init = ArbWasmPricing::programInitGasCall::abi_decode_returns(
        &arb_wasm(ArbWasmPricing::programInitGasCall { program }.abi_encode()).await,
    )
    .unwrap();
    assert_eq!(
        (init.gas, init.gasWhenCached),
        (INIT_GAS + CACHED_GAS, CACHED_GAS)
    );
    let footprint = ArbWasmPricing::programMemoryFootprintCall::abi_decode_returns(
        &arb_wasm(ArbWasmPricing::programMemoryFootprintCall { program }.abi_encode()).await,
    )
    .unwrap();
    assert_eq!(footprint, 3);
    let asm = ArbWasmPricing::codehashAsmSizeCall::abi_decode_returns(
        &arb_wasm(ArbWasmPricing::codehashAsmSizeCall { codehash: hash }.abi_encode()).await,
    )
    .unwrap();
    assert_eq!(asm, 504 * 1024, "515,918 bytes estimated, in whole KiB");

    // Uncached: 21,000 + memory + init + cached init + the entry point's ink.
    let uncached = send_raw(&stranger, program, Vec::new()).await;
    assert!(uncached.status());
    let execution = uncached.gas_used - 21_000 - MEMORY_GAS - INIT_GAS - CACHED_GAS;
    assert!(
        execution < 10,
        "the entry point returns at once ({execution} gas)"
    );

    // A stranger cannot cache it: all its gas is gone and nothing changes.
    let refused = send_raw(
        &stranger,
        ARB_WASM_CACHE,
        ArbWasmCache::cacheProgramCall { addr: program }.abi_encode(),
    )
    .await;
    assert!(!refused.status());
    assert_eq!(refused.gas_used, 300_000);
    let is_cached = |owner: DynProvider| async move {
        read(
            &owner,
            ARB_WASM_CACHE,
            ArbWasmCache::codehashIsCachedCall { codehash: hash },
        )
        .await
    };
    assert!(!is_cached(owner.clone()).await);

    // The chain owner (dev account 0) caches it, paying its init cost.
    let cached = send(
        &owner,
        ARB_WASM_CACHE,
        ArbWasmCache::cacheProgramCall { addr: program },
    )
    .await;
    assert!(cached.status());
    let logged = events::<ArbWasmCache::UpdateProgramCache>(&cached, ARB_WASM_CACHE);
    assert_eq!(logged.len(), 1);
    assert_eq!(
        (logged[0].manager, logged[0].codehash, logged[0].cached),
        (signer(0).address(), hash, true)
    );
    assert!(is_cached(owner.clone()).await);
    // Caching again changes nothing and logs nothing.
    let again = send(
        &owner,
        ARB_WASM_CACHE,
        ArbWasmCache::cacheProgramCall { addr: program },
    )
    .await;
    assert!(again.status());
    assert!(events::<ArbWasmCache::UpdateProgramCache>(&again, ARB_WASM_CACHE).is_empty());
    assert!(again.gas_used < cached.gas_used);

    // Cached: the same call costs its init gas less.
    let warm = send_raw(&stranger, program, Vec::new()).await;
    assert!(warm.status());
    assert_eq!(uncached.gas_used - warm.gas_used, INIT_GAS);

    // Evicted: back to the full price.
    let evicted = send(
        &owner,
        ARB_WASM_CACHE,
        ArbWasmCache::evictCodehashCall { codehash: hash },
    )
    .await;
    assert!(evicted.status());
    assert!(!is_cached(owner.clone()).await);
    let cold = send_raw(&stranger, program, Vec::new()).await;
    assert_eq!(cold.gas_used, uncached.gas_used);

    // What was never activated cannot be cached.
    let revert = revert_data(
        &owner,
        signer(0).address(),
        ARB_WASM_CACHE,
        ArbWasmCache::cacheProgramCall {
            addr: signer(5).address(),
        },
    )
    .await;
    assert_eq!(
        revert,
        Bytes::from(
            ArbWasmPricing::ProgramNeedsUpgrade {
                version: 0,
                stylusVersion: 2
            }
            .abi_encode()
        )
    );
    // Nitro's defaults, and no cache managers on a devnode.
    let min = read(&owner, ARB_WASM, ArbWasmPricing::minInitGasCall {}).await;
    assert_eq!((min.gas, min.cached), (69 * 128, 11 * 32));
    let managers = read(
        &owner,
        ARB_WASM_CACHE,
        ArbWasmCache::allCacheManagersCall {},
    )
    .await;
    assert!(managers.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_program_that_clears_a_slot_is_refunded_as_the_evm_is() {
    let node = start(NodeConfig::default()).await;
    let owner = client(&node, 0);
    let suite = deploy_suite(&owner).await;
    send(
        &owner,
        suite.token,
        ITokenAI::setMinterCall {
            minter: suite.owner,
            enabled: true,
        },
    )
    .await;
    // Two senders: one sends everything it holds, one half: the same
    // calldata, the same code path; only the cleared slot differs.
    let (all, half) = (client(&node, 1), client(&node, 2));
    for (holder, value) in [
        (signer(1).address(), 1_000u64),
        (signer(2).address(), 2_000),
    ] {
        send(
            &owner,
            suite.token,
            ITokenAI::mintCall {
                to: holder,
                value: U256::from(value),
            },
        )
        .await;
    }
    let to = signer(3).address();
    let transfer = ITokenAI::transferCall {
        to,
        value: U256::from(1_000),
    };
    // The recipient exists before both (no 20,000 for the first).
    send(
        &owner,
        suite.token,
        ITokenAI::mintCall {
            to,
            value: U256::from(1),
        },
    )
    .await;
    let emptied = send(&all, suite.token, transfer.clone()).await;
    let kept = send(&half, suite.token, transfer).await;
    assert!(emptied.status() && kept.status());
    assert_eq!(
        kept.gas_used - emptied.gas_used,
        4_800,
        "EIP-3529's refund for a cleared slot"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_comparison_with_openzeppelin_runs_and_caching_only_lowers_the_suite() {
    // `RUST_LOG=devnode::stylus=debug` shows where each call's gas goes.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
    let table = common::cost::peer::comparison().await;
    println!("{table}");
    let rows: Vec<Vec<u64>> = table
        .lines()
        .filter(|l| l.starts_with("ERC-"))
        .map(|l| {
            // The figures after the label: uncached, cached, OpenZeppelin,
            // then (1155 rows) the pausable peer's.
            // (The label's words and the ratios do not parse as integers.)
            l.split_whitespace()
                .filter_map(|word| word.parse().ok())
                .collect()
        })
        .collect();
    assert_eq!(rows.len(), 15, "{table}");
    for row in rows {
        assert!(row.len() >= 3, "{table}");
        let (uncached, cached) = (row[0], row[1]);
        assert!(cached < uncached, "{table}");
    }
}
