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
    let answer = provider
        .raw_request::<_, Value>("anvil_setNonce".into(), (whale, "junk"))
        .await
        .unwrap_err();
    assert!(answer.to_string().contains("invalid"), "{answer}");
    node.stop().await;
}
