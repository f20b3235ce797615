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
