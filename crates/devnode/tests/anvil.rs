//! The dev controls viem's test client (`mode: "anvil"`) calls, answered
//! as anvil answers them.

mod common;

use alloy::{
    network::TransactionBuilder,
    primitives::{address, Address, Bytes, B256, U256},
    providers::{ext::AnvilApi, Provider},
    rpc::types::TransactionRequest,
};
use common::*;
use devnode::NodeConfig;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread")]
async fn code_storage_nonce_and_impersonation() {
    let node = start(NodeConfig::default()).await;
    let provider = client(&node, 0);
    let account = address!("0x000000000000000000000000000000000000beef");

    // Code, storage and nonce, as set.
    let runtime = Bytes::from_static(&[0x60, 0x00, 0x60, 0x00, 0xa0, 0x00]);
    provider
        .anvil_set_code(account, runtime.clone())
        .await
        .unwrap();
    assert_eq!(provider.get_code_at(account).await.unwrap(), runtime);
    provider
        .anvil_set_storage_at(account, U256::from(7), B256::with_last_byte(42))
        .await
        .unwrap();
    assert_eq!(
        provider
            .get_storage_at(account, U256::from(7))
            .await
            .unwrap(),
        U256::from(42)
    );
    provider.anvil_set_nonce(account, 5).await.unwrap();
    assert_eq!(provider.get_transaction_count(account).await.unwrap(), 5);
    assert_eq!(
        provider.get_code_at(account).await.unwrap(),
        runtime,
        "the nonce leaves the code"
    );

    // Impersonation: an account without a key sends through the node.
    let whale = address!("0x00000000000000000000000000000000000a11ce");
    provider
        .anvil_set_balance(whale, U256::from(10).pow(U256::from(18)))
        .await
        .unwrap();
    let send = |from: Address| {
        let provider = provider.clone();
        async move {
            let request = TransactionRequest::default()
                .with_from(from)
                .with_to(Address::repeat_byte(0x42))
                .with_value(U256::from(1_000));
            provider
                .raw_request::<_, B256>("eth_sendTransaction".into(), (request,))
                .await
        }
    };
    let err = send(whale).await.unwrap_err();
    assert!(
        err.to_string().contains("not an unlocked dev account"),
        "{err}"
    );
    provider.anvil_impersonate_account(whale).await.unwrap();
    let hash = send(whale).await.unwrap();
    let receipt = provider
        .get_transaction_receipt(hash)
        .await
        .unwrap()
        .unwrap();
    assert!(receipt.status());
    assert_eq!(receipt.from, whale);
    assert_eq!(
        provider
            .get_balance(Address::repeat_byte(0x42))
            .await
            .unwrap(),
        U256::from(1_000)
    );
    provider
        .anvil_stop_impersonating_account(whale)
        .await
        .unwrap();
    assert!(send(whale).await.is_err());
    provider.anvil_auto_impersonate_account(true).await.unwrap();
    assert!(send(whale).await.is_ok(), "everyone, automatically");
    // An impersonated account with code (a contract wallet) sends too, as
    // anvil lets it (EIP-3607 refuses only signed transactions from code).
    provider
        .anvil_set_balance(account, U256::from(10).pow(U256::from(18)))
        .await
        .unwrap();
    let from_code = send(account).await.unwrap();
    assert!(provider
        .get_transaction_receipt(from_code)
        .await
        .unwrap()
        .unwrap()
        .status());
    let answer = provider
        .raw_request::<_, Value>("anvil_setNonce".into(), (whale, "junk"))
        .await
        .unwrap_err();
    let payload = answer.as_error_resp().unwrap();
    assert_eq!(payload.code, -32602, "{answer}");
    assert!(
        answer.to_string().contains("did not match any variant"),
        "{answer}"
    );
    node.stop().await;
}

/// With automine off, transactions wait (the "pending" nonce counts them)
/// and the next `evm_mine` puts them all in one block, in order; turning
/// automine back on mines what waits.
#[tokio::test(flavor = "multi_thread")]
async fn without_automine_transactions_wait_for_the_next_block() {
    let node = start(NodeConfig::default()).await;
    let provider = client(&node, 0);
    let me = signer(0).address();
    provider
        .raw_request::<_, Value>("evm_setAutomine".into(), (false,))
        .await
        .unwrap();
    assert!(!provider
        .raw_request::<_, bool>("anvil_getAutomine".into(), ())
        .await
        .unwrap());
    let before = provider.get_block_number().await.unwrap();
    let mut hashes = Vec::new();
    for i in 0..3u64 {
        let request = TransactionRequest::default()
            .with_to(Address::repeat_byte(0x42))
            .with_value(U256::from(1 + i));
        hashes.push(*provider.send_transaction(request).await.unwrap().tx_hash());
    }
    assert_eq!(
        provider.get_block_number().await.unwrap(),
        before,
        "nothing mined"
    );
    let nonce = provider.get_transaction_count(me).await.unwrap();
    assert_eq!(
        provider.get_transaction_count(me).pending().await.unwrap(),
        nonce + 3
    );
    provider.evm_mine(None).await.unwrap();
    let block = provider
        .get_block_by_number((before + 1).into())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(block.transactions.hashes().collect::<Vec<_>>(), hashes);
    for (i, hash) in hashes.iter().enumerate() {
        let receipt = provider
            .get_transaction_receipt(*hash)
            .await
            .unwrap()
            .unwrap();
        assert!(receipt.status());
        assert_eq!(receipt.transaction_index, Some(i as u64));
    }
    // Back on: what waits is mined at once, and so is what comes.
    let request = TransactionRequest::default().with_to(Address::repeat_byte(0x43));
    let waiting = *provider.send_transaction(request).await.unwrap().tx_hash();
    provider
        .raw_request::<_, Value>("evm_setAutomine".into(), (true,))
        .await
        .unwrap();
    assert!(provider
        .get_transaction_receipt(waiting)
        .await
        .unwrap()
        .is_some());
    node.stop().await;
}

/// Interval mining set at run time: blocks come on their own, and stop
/// when it is set to 0.
#[tokio::test(flavor = "multi_thread")]
async fn interval_mining_starts_and_stops_at_run_time() {
    let node = start(NodeConfig::default()).await;
    let provider = client(&node, 0);
    let before = provider.get_block_number().await.unwrap();
    provider
        .raw_request::<_, Value>("evm_setIntervalMining".into(), (100,))
        .await
        .unwrap();
    // Three blocks come without a transaction (a loaded machine may take
    // longer than 300 ms: up to ten seconds).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while provider.get_block_number().await.unwrap() < before + 3 {
        assert!(
            std::time::Instant::now() < deadline,
            "no blocks on their own"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    provider
        .raw_request::<_, Value>("anvil_setIntervalMining".into(), (0,))
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    let stopped = provider.get_block_number().await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(
        provider.get_block_number().await.unwrap(),
        stopped,
        "stopped"
    );
    node.stop().await;
}

/// A page served from any origin (the web app, a dApp) reads the chain with
/// viem's HTTP transport, as it may from anvil: the preflight is answered.
#[tokio::test(flavor = "multi_thread")]
async fn a_browser_page_may_call_the_node_from_any_origin() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let node = start(NodeConfig::default()).await;
    let host = node.url().trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&host).await.unwrap();
    let preflight = format!(
        "OPTIONS / HTTP/1.1\r\nHost: {host}\r\nOrigin: https://app.example.edu\r\n\
         Access-Control-Request-Method: POST\r\n\
         Access-Control-Request-Headers: content-type\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(preflight.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    let answer = answer.to_ascii_lowercase();
    assert!(answer.starts_with("http/1.1 200"), "{answer}");
    assert!(
        answer.contains("access-control-allow-origin: *"),
        "{answer}"
    );
}
