//! Events as clients follow them: filters polled over HTTP (ethers'
//! `contract.on`, viem's `watch*`), what happened since install or the last
//! poll, once; and `eth_subscribe` over WebSocket (ethers'
//! `WebSocketProvider`, viem's `webSocket` transport).
#![allow(clippy::items_after_statements)] // a helper declared where the story needs it

mod common;

use alloy::{
    network::TransactionBuilder,
    primitives::{Bytes, B256},
    providers::{ext::AnvilApi, Provider},
    rpc::types::{Log, TransactionRequest},
};
use common::*;
use devnode::NodeConfig;
use serde_json::{json, Value};

/// Creation code of a contract that emits one empty LOG0 on every call
/// (runtime `PUSH1 0 PUSH1 0 LOG0 STOP`).
const EMITTER: [u8; 15] = [
    0x65, 0x60, 0x00, 0x60, 0x00, 0xa0, 0x00, // PUSH6 runtime
    0x60, 0x00, 0x52, // MSTORE at 0
    0x60, 0x06, 0x60, 0x1a, 0xf3, // RETURN 6 bytes from 26
];

/// Deploys the emitter.
async fn emitter(provider: &alloy::providers::DynProvider) -> alloy::primitives::Address {
    provider
        .send_transaction(
            TransactionRequest::default().with_deploy_code(Bytes::from_static(&EMITTER)),
        )
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap()
        .contract_address
        .unwrap()
}

/// Calls the emitter twice; the transactions' hashes.
async fn emit_twice(
    provider: &alloy::providers::DynProvider,
    emitter: alloy::primitives::Address,
) -> Vec<B256> {
    let mut sent = Vec::new();
    for _ in 0..2 {
        let receipt = provider
            .send_transaction(TransactionRequest::default().with_to(emitter))
            .await
            .unwrap()
            .get_receipt()
            .await
            .unwrap();
        sent.push(receipt.transaction_hash);
    }
    sent
}

#[tokio::test(flavor = "multi_thread")]
async fn filters_report_what_happened_since_the_last_poll() {
    let node = start(NodeConfig::default()).await;
    let provider = client(&node, 0);
    let emitter = emitter(&provider).await;
    let request = |method: &'static str, params: Value| {
        let provider = provider.clone();
        async move {
            provider
                .raw_request::<_, Value>(method.into(), params)
                .await
        }
    };
    let id = |v: Value| v.as_str().unwrap().to_owned();
    let logs_filter = id(request("eth_newFilter", json!([{"address": emitter}]))
        .await
        .unwrap());
    let all_logs_filter = id(request(
        "eth_newFilter",
        json!([{"address": emitter, "fromBlock": "0x0"}]),
    )
    .await
    .unwrap());
    let blocks_filter = id(request("eth_newBlockFilter", json!([])).await.unwrap());
    let txs_filter = id(request("eth_newPendingTransactionFilter", json!([]))
        .await
        .unwrap());

    let sent = emit_twice(&provider, emitter).await;
    provider.anvil_mine(Some(1), None).await.unwrap();

    let logs: Vec<Log> = serde_json::from_value(
        request("eth_getFilterChanges", json!([logs_filter]))
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(logs.len(), 2);
    assert_eq!(
        logs.iter()
            .map(|l| l.transaction_hash.unwrap())
            .collect::<Vec<_>>(),
        sent.clone()
    );
    let again = request("eth_getFilterChanges", json!([logs_filter]))
        .await
        .unwrap();
    assert_eq!(again, json!([]), "reported once");
    let every: Vec<Log> = serde_json::from_value(
        request("eth_getFilterLogs", json!([all_logs_filter]))
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(every.len(), 2, "from block 0");

    let hashes: Vec<B256> = serde_json::from_value(
        request("eth_getFilterChanges", json!([blocks_filter]))
            .await
            .unwrap(),
    )
    .unwrap();
    let latest = provider.get_block_number().await.unwrap();
    assert_eq!(hashes.len(), 3, "two transactions' blocks and an empty one");
    let last = provider
        .get_block_by_number(latest.into())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(hashes[2], last.header.hash);
    let txs: Vec<B256> = serde_json::from_value(
        request("eth_getFilterChanges", json!([txs_filter]))
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(txs, sent.clone());

    assert_eq!(
        request("eth_uninstallFilter", json!([blocks_filter]))
            .await
            .unwrap(),
        json!(true)
    );
    assert_eq!(
        request("eth_uninstallFilter", json!([blocks_filter]))
            .await
            .unwrap(),
        json!(false)
    );
    let err = request("eth_getFilterChanges", json!([blocks_filter]))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("filter not found"), "{err}");
    let err = request("eth_getFilterLogs", json!([txs_filter]))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("filter not found"), "{err}");
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn subscriptions_over_websocket_see_heads_logs_and_transactions() {
    use jsonrpsee::core::client::{Subscription, SubscriptionClientT};
    use jsonrpsee::core::rpc_params;
    use jsonrpsee_ws_client::WsClientBuilder;
    let node = start(NodeConfig::default()).await;
    let provider = client(&node, 0);
    let emitter = emitter(&provider).await;
    let ws = WsClientBuilder::default()
        .build(node.url().replacen("http://", "ws://", 1))
        .await
        .unwrap();
    let mut heads: Subscription<Value> = ws
        .subscribe("eth_subscribe", rpc_params!["newHeads"], "eth_unsubscribe")
        .await
        .unwrap();
    let mut logs: Subscription<Value> = ws
        .subscribe(
            "eth_subscribe",
            rpc_params!["logs", json!({"address": emitter})],
            "eth_unsubscribe",
        )
        .await
        .unwrap();
    let mut txs: Subscription<Value> = ws
        .subscribe(
            "eth_subscribe",
            rpc_params!["newPendingTransactions"],
            "eth_unsubscribe",
        )
        .await
        .unwrap();
    let err = ws
        .subscribe::<Value, _>("eth_subscribe", rpc_params!["syncing"], "eth_unsubscribe")
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("syncing") && message.contains("(newHeads, logs, newPendingTransactions)"),
        "{message}"
    );

    let sent = emit_twice(&provider, emitter).await;
    async fn next(s: &mut Subscription<Value>) -> Value {
        tokio::time::timeout(std::time::Duration::from_secs(10), s.next())
            .await
            .expect("a notification")
            .unwrap()
            .unwrap()
    }
    for hash in &sent {
        let head = next(&mut heads).await;
        let number = head["number"].as_str().unwrap().to_owned();
        let block = provider
            .get_block_by_number(u64::from_str_radix(&number[2..], 16).unwrap().into())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(head["hash"], json!(block.header.hash));
        let log: Log = serde_json::from_value(next(&mut logs).await).unwrap();
        assert_eq!(
            (log.address(), log.transaction_hash),
            (emitter, Some(*hash))
        );
        assert_eq!(next(&mut txs).await, json!(hash));
    }
    heads.unsubscribe().await.unwrap();
    node.stop().await;
}
