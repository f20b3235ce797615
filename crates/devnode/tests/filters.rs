//! Filters polled as ethers' `contract.on` and viem's `watch*` poll them
//! over HTTP: what happened since install or the last poll, once.

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

#[tokio::test(flavor = "multi_thread")]
async fn filters_report_what_happened_since_the_last_poll() {
    let node = start(NodeConfig::default()).await;
    let provider = client(&node, 0);
    let emitter = provider
        .send_transaction(
            TransactionRequest::default().with_deploy_code(Bytes::from_static(&EMITTER)),
        )
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap()
        .contract_address
        .unwrap();
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

    let mut sent = Vec::new();
    for _ in 0..2 {
        let receipt = provider
            .send_transaction(TransactionRequest::default().with_to(emitter))
            .await
            .unwrap()
            .get_receipt()
            .await
            .unwrap();
        sent.push(receipt);
    }
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
        sent.iter().map(|r| r.transaction_hash).collect::<Vec<_>>()
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
    assert_eq!(
        txs,
        sent.iter().map(|r| r.transaction_hash).collect::<Vec<_>>()
    );

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
