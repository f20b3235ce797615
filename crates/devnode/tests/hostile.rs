//! Hostile inputs get the answer geth or anvil gives (an error saying
//! what is wrong), in debug and release builds alike, and the node keeps
//! serving everyone after them.

mod common;

use alloy::{
    eips::BlockNumberOrTag,
    network::TransactionBuilder,
    primitives::{Address, U256, U64},
    providers::{ext::AnvilApi, Provider},
    rpc::types::TransactionRequest,
    transports::{RpcError, TransportErrorKind},
};
use common::*;
use devnode::{chain::MAX_TIMESTAMP, NodeConfig};
use serde_json::{json, Value};

/// The JSON-RPC code and message of an error answer.
fn answer(err: &RpcError<TransportErrorKind>) -> (i64, String) {
    let payload = err.as_error_resp().expect("an error answer");
    (payload.code, payload.message.to_string())
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_inputs_are_refused_and_the_node_keeps_serving() {
    let node = start(NodeConfig::default()).await;
    let provider = client(&node, 0);

    // The clock near 2^63: refused (it used to panic the chain thread in
    // debug builds and wrap in release ones).
    for (method, value) in [
        ("evm_increaseTime", u64::MAX),
        ("evm_increaseTime", 1 << 63),
        ("evm_setNextBlockTimestamp", (1 << 63) - 1),
        ("evm_setNextBlockTimestamp", u64::MAX),
    ] {
        let err = provider
            .raw_request::<_, Value>(method.into(), (U64::from(value),))
            .await
            .unwrap_err();
        let (code, message) = answer(&err);
        assert_eq!(code, -32602, "{method} {value}: {message}");
        assert!(message.contains(&MAX_TIMESTAMP.to_string()), "{message}");
    }
    // The largest accepted time, then the clock still runs from there.
    provider
        .raw_request::<_, Value>(
            "evm_setNextBlockTimestamp".into(),
            (U64::from(MAX_TIMESTAMP),),
        )
        .await
        .unwrap();
    provider.evm_mine(None).await.unwrap();
    let latest = provider
        .get_block_by_number(BlockNumberOrTag::Latest)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(latest.header.timestamp, MAX_TIMESTAMP);
    let err = provider
        .raw_request::<_, Value>("evm_increaseTime".into(), (U64::from(10),))
        .await
        .unwrap_err();
    assert_eq!(answer(&err).0, -32602, "past the end of time");

    // evm_mine with junk mines nothing.
    let before = provider.get_block_number().await.unwrap();
    for junk in [json!("junk"), json!([1, 2]), json!(true), json!(-1)] {
        let err = provider
            .raw_request::<_, Value>("evm_mine".into(), (junk.clone(),))
            .await
            .unwrap_err();
        assert_eq!(answer(&err).0, -32602, "{junk}");
    }
    assert_eq!(provider.get_block_number().await.unwrap(), before);

    // eth_feeHistory: geth's limit of 100 ascending percentiles in 0..=100.
    let fee_history = |percentiles: Vec<f64>| {
        let provider = provider.clone();
        async move {
            provider
                .raw_request::<_, Value>(
                    "eth_feeHistory".into(),
                    (U64::from(4), "latest", percentiles),
                )
                .await
        }
    };
    for bad in [
        (0..101)
            .map(f64::from)
            .map(|p| p * 0.99)
            .collect::<Vec<_>>(),
        vec![50.0, 10.0],
        vec![101.0],
        vec![-1.0],
    ] {
        let err = fee_history(bad.clone()).await.unwrap_err();
        let (code, message) = answer(&err);
        assert_eq!(code, -32602, "{bad:?}");
        assert!(message.contains("invalid reward percentile"), "{message}");
    }
    let history = fee_history(vec![10.0, 50.0, 90.0]).await.unwrap();
    assert_eq!(history["reward"][0].as_array().unwrap().len(), 3);

    // A tip above the fee cap is refused, not mined (geth's
    // ErrTipAboveFeeCap).
    let nonce = provider
        .get_transaction_count(signer(0).address())
        .await
        .unwrap();
    let tx = TransactionRequest::default()
        .with_to(Address::repeat_byte(0x42))
        .with_value(U256::from(1))
        .with_nonce(nonce)
        .with_gas_limit(100_000)
        .with_max_fee_per_gas(200_000_000)
        .with_max_priority_fee_per_gas(300_000_000);
    let err = provider.send_transaction(tx).await.unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("max priority fee per gas higher than max fee per gas"),
        "{message}"
    );
    assert_eq!(provider.get_block_number().await.unwrap(), before);

    // Still serving; anvil_mine as alloy and viem send it (an interval
    // past the end of time is refused).
    provider.anvil_mine(Some(2), None).await.unwrap();
    assert_eq!(provider.get_block_number().await.unwrap(), before + 2);
    let err = provider.anvil_mine(Some(1), Some(60)).await.unwrap_err();
    assert_eq!(answer(&err).0, -32602);
    node.stop().await;
}

/// Programs that recurse without end, given 1M and 30M gas by `eth_call`:
/// one within its own wasm, one through `call_contract` on itself (each
/// level a nested EVM frame); each runs out of stack depth or gas and says
/// so, and the node keeps serving (the second used to overflow the chain
/// thread's stack and kill the process).
#[tokio::test(flavor = "multi_thread")]
async fn programs_that_recurse_forever_fail_alone() {
    let node = start(NodeConfig::default()).await;
    let provider = client(&node, 0);
    // Memories of one page that cannot grow: no `pay_for_memory_grow`.
    let within = r#"(module
        (memory (export "memory") 1 1)
        (global $stack_pointer (mut i32) (i32.const 1024))
        (func $deeper (param i32) (result i32)
            (call $deeper (i32.add (local.get 0) (i32.const 1))))
        (func (export "user_entrypoint") (param i32) (result i32)
            (call $deeper (local.get 0))))"#;
    // Calls its own address with no calldata and all its gas, forever.
    let through_calls = r#"(module
        (import "vm_hooks" "contract_address" (func $address (param i32)))
        (import "vm_hooks" "call_contract"
            (func $call (param i32 i32 i32 i32 i64 i32) (result i32)))
        (memory (export "memory") 1 1)
        (global $stack_pointer (mut i32) (i32.const 1024))
        (func (export "user_entrypoint") (param i32) (result i32)
            (call $address (i32.const 0))
            (drop (call $call (i32.const 0) (i32.const 64) (i32.const 0)
                (i32.const 32) (i64.const -1) (i32.const 96)))
            (i32.const 1)))"#;
    let looping = r#"(module
        (memory (export "memory") 1 1)
        (global $stack_pointer (mut i32) (i32.const 1024))
        (func (export "user_entrypoint") (param i32) (result i32)
            (loop $forever (br $forever))
            (i32.const 0)))"#;
    for text in [within, through_calls, looping] {
        let program = deploy_and_activate(&provider, &wat::parse_str(text).unwrap()).await;
        for gas in [1_000_000u64, 30_000_000] {
            let call = TransactionRequest::default()
                .with_to(program)
                .with_gas_limit(gas);
            match provider.call(call).await {
                // The innermost call fails; the outer ones may return.
                Ok(_) => {}
                Err(err) => {
                    let (code, message) = answer(&err);
                    assert!(code == -32000 || code == 3, "{code}: {message}");
                }
            }
        }
    }
    assert!(provider.get_block_number().await.is_ok(), "still serving");
    node.stop().await;
}

/// A program's memory grows only as far as its gas pays: each `memory.grow`
/// pays for its pages first (Nitro's heap bound), 128 pages in all cost
/// more than 30,000,000 gas, and pages past Nitro's 128 more than any gas,
/// so no call takes the node's memory (one that grew to 16,383 pages took a
/// gigabyte for a 100,000-gas call). `stylus-host` checks that a paid grow
/// past the limit fails.
#[tokio::test(flavor = "multi_thread")]
async fn memory_grows_only_as_far_as_its_gas_pays() {
    let node = start(NodeConfig::default()).await;
    let provider = client(&node, 0);
    // Grows by the pages its calldata's length says (from 1); returns 0
    // when the grow failed, else reverts. Each `memory.grow` first pays for
    // its pages through `pay_for_memory_grow`, as Nitro's heap bound makes it.
    let wasm = wat::parse_str(
        r#"(module
            (import "vm_hooks" "pay_for_memory_grow" (func $pay (param i32)))
            (memory (export "memory") 1)
            (global $stack_pointer (mut i32) (i32.const 1024))
            (func (export "user_entrypoint") (param $len i32) (result i32)
                (i32.ne (memory.grow (local.get $len)) (i32.const -1))))"#,
    )
    .unwrap();
    let program = deploy_and_activate(&provider, &wasm).await;
    let grow = |pages: usize| {
        TransactionRequest::default()
            .with_to(program)
            .with_input(vec![0u8; pages])
            .with_gas_limit(30_000_000)
    };
    let grown = provider
        .call(grow(10))
        .await
        .expect_err("10 more pages grow");
    assert_eq!(
        answer(&grown).0,
        3,
        "the program reverts once grown: {grown}"
    );
    // 128 pages in all cost the exponential's top, 31,874,000 gas; past
    // the page limit, more than any gas.
    for pages in [127, 128, 16_383] {
        let err = provider.call(grow(pages)).await.expect_err("unaffordable");
        assert_eq!(
            answer(&err).0,
            -32_000,
            "{pages} pages: out of gas, not grown"
        );
    }
    node.stop().await;
}

/// Paying for 65,536 pages or more (or a negative count) is priced as the
/// most pages, which no call's gas pays: a cast to 16 bits once made 65,536
/// pages cost nothing.
#[tokio::test(flavor = "multi_thread")]
async fn paying_for_more_pages_than_wasm_has_is_never_free() {
    let node = start(NodeConfig::default()).await;
    let provider = client(&node, 0);
    for pages in [0, 65_536, -1] {
        let wasm = wat::parse_str(format!(
            r#"(module
                (import "vm_hooks" "pay_for_memory_grow" (func $pay (param i32)))
                (memory (export "memory") 1)
                (global $stack_pointer (mut i32) (i32.const 1024))
                (func (export "user_entrypoint") (param i32) (result i32)
                    (call $pay (i32.const {pages}))
                    (i32.const 0)))"#
        ))
        .unwrap();
        let program = deploy_and_activate(&provider, &wasm).await;
        let call = TransactionRequest::default()
            .with_to(program)
            .with_gas_limit(1_000_000);
        let answer = provider.call(call).await;
        if pages == 0 {
            answer.expect("paying for no page costs a host call");
        } else {
            assert!(
                answer.is_err(),
                "{pages} pages were paid for within 1,000,000 gas"
            );
        }
    }
    node.stop().await;
}

/// 150 connections that send half a request and wait do not lock other
/// clients out (jsonrpsee's default limit of 100 answered everyone else
/// 429).
#[tokio::test(flavor = "multi_thread")]
async fn idle_and_half_sent_connections_lock_nobody_out() {
    use tokio::io::AsyncWriteExt;
    let node = start(NodeConfig::default()).await;
    let address = node.url().trim_start_matches("http://").to_owned();
    let mut idle = Vec::new();
    for i in 0..150 {
        let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
        if i % 2 == 0 {
            stream
                .write_all(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
                .await
                .unwrap();
        }
        idle.push(stream);
    }
    let provider = client(&node, 0);
    assert_eq!(provider.get_chain_id().await.unwrap(), 412_346);
    drop(idle);
    node.stop().await;
}

/// Ids that are not strings, integers or null get geth's `-32600` with a
/// null id (jsonrpsee answered a bare `null`), and nothing runs.
#[tokio::test(flavor = "multi_thread")]
async fn requests_with_invalid_ids_get_invalid_request() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let node = start(NodeConfig::default()).await;
    let address = node.url().trim_start_matches("http://").to_owned();
    let post = |body: String| {
        let address = address.clone();
        async move {
            let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
            let request = format!(
                "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            stream.write_all(request.as_bytes()).await.unwrap();
            let mut answer = String::new();
            stream.read_to_string(&mut answer).await.unwrap();
            let body = answer
                .split("\r\n\r\n")
                .nth(1)
                .unwrap_or_default()
                .to_owned();
            serde_json::from_str::<Value>(body.trim()).unwrap_or(Value::Null)
        }
    };
    for id in [r#"{"a":1}"#, "[1]", "true", "1.5"] {
        let answer = post(format!(
            r#"{{"jsonrpc":"2.0","id":{id},"method":"evm_mine","params":[]}}"#
        ))
        .await;
        assert_eq!(answer["error"]["code"], json!(-32600), "{id}: {answer}");
        assert_eq!(answer["id"], Value::Null);
    }
    let provider = client(&node, 0);
    assert_eq!(
        provider.get_block_number().await.unwrap(),
        0,
        "nothing mined"
    );
    let answer =
        post(r#"{"jsonrpc":"2.0","id":7,"method":"eth_chainId","params":[]}"#.into()).await;
    assert_eq!(answer["result"], json!("0x64aba"));
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_program_with_a_type_that_is_not_a_function_is_refused_not_fatal() {
    let node = start(NodeConfig::default()).await;
    let provider = client(&node, 0);
    // A wasm whose type section holds a GC struct type: the pre-activation
    // check once panicked on it, on the chain's thread, for anyone able to
    // ask `cargo stylus check`'s question (an eth_call with a state override).
    let mut wasm = b"\0asm\x01\0\0\0".to_vec();
    wasm.extend([1, 3, 1, 0x5f, 0]);
    let code = aat_client::deploy::deployed_code(&wasm);
    let refused = aat_client::deploy::activation_fee(&provider, &code).await;
    assert!(refused.is_err(), "{refused:?}");
    // And the chain goes on.
    let deployed = deploy_and_activate(&provider, &artifact("token-ai.wasm")).await;
    assert!(!provider.get_code_at(deployed).await.unwrap().is_empty());
}
