//! The client against the real contracts on an in-process devnode: what it
//! computes off-chain (ids, digests, domains) is what the contracts compute,
//! what it signs they accept, and what they refuse comes back decoded.
#![allow(clippy::too_many_lines)] // each test tells one flow end to end, in order
#![allow(clippy::items_after_statements)] // a helper declared where the story needs it

use aat_client::{
    bindings::TokenAI,
    deploy::{deploy_suite, SuiteConfig},
    error::{is, ClientError},
    policy::{bytes16, Policy},
    signing::{self, recover_typed},
    Rails, AAT,
};
use alloy::{
    primitives::{Address, FixedBytes, U256},
    providers::DynProvider,
    signers::local::PrivateKeySigner,
};
use devnode::{Node, NodeConfig};

fn artifact(name: &str) -> Vec<u8> {
    let path = format!("{}/../../artifacts/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}; run scripts/build first"))
}

fn wallet(node: &Node, key: &PrivateKeySigner) -> DynProvider {
    aat_client::connect(&node.url(), key.clone()).unwrap()
}

fn dev_key(node: &Node, i: usize) -> PrivateKeySigner {
    node.accounts()[i].1.parse().unwrap()
}

async fn suite(node: &Node) -> Rails<DynProvider> {
    let owner = dev_key(node, 0);
    let (rails, receipts) = deploy_suite(
        &wallet(node, &owner),
        SuiteConfig {
            token_wasm: &artifact("token-ai.wasm"),
            aat_wasm: &artifact("aat.wasm"),
            name: "TokenAI".into(),
            symbol: "TAI".into(),
            owner: owner.address(),
            treasury: Address::repeat_byte(0x7e),
            uri: String::new(),
        },
    )
    .await
    .expect("the suite deploys");
    assert!(receipts.iter().all(|r| r.status()));
    rails
}

#[tokio::test(flavor = "multi_thread")]
async fn off_chain_ids_digests_and_signatures_are_the_contracts() {
    let node = Node::start(NodeConfig {
        port: 0,
        ..NodeConfig::default()
    })
    .await
    .unwrap();
    let rails = suite(&node).await;
    let owner = dev_key(&node, 0);
    let (holder, provider) = (dev_key(&node, 1), dev_key(&node, 2));
    assert!(rails
        .read_token(TokenAI::isMinterCall { account: rails.aat })
        .await
        .unwrap());

    let policy = Policy {
        origin_pool: owner.address(),
        model: bytes16("gpt-4o").unwrap(),
        scope: bytes16("CS101").unwrap(),
        expiration: 0,
        reclaimable: true,
        tradable: false,
    };
    let on_chain = rails
        .read_aat(AAT::computeTokenIdCall {
            originPool: policy.origin_pool,
            model: policy.model,
            scope: policy.scope,
            expiration: policy.expiration,
            reclaimable: policy.reclaimable,
            tradable: policy.tradable,
        })
        .await
        .unwrap();
    assert_eq!(on_chain, policy.id());

    // Unknown ids and refusals come back as the spec's errors, with arguments.
    let err = rails.policy(policy.id()).await.unwrap_err();
    assert_eq!(
        err.spec().unwrap().to_string(),
        format!("UnknownToken {{ id: {} }}", policy.id())
    );
    let refused = Rails::new(wallet(&node, &holder), rails.token, rails.aat)
        .send_aat(AAT::setFeeBpsCall { feeBps: 5 })
        .await
        .unwrap_err();
    assert!(
        is::<AAT::OwnableUnauthorizedAccount>(refused.spec().unwrap()),
        "{refused}"
    );
    assert!(matches!(refused, ClientError::Reverted { .. }));

    rails
        .send_aat(AAT::setMinterCall {
            minter: owner.address(),
            enabled: true,
        })
        .await
        .unwrap();
    rails
        .send_aat(policy.mint_call(holder.address(), U256::from(100)))
        .await
        .unwrap();
    assert_eq!(rails.policy(policy.id()).await.unwrap(), policy);

    // The voucher digest the contract computes is the one the client signs.
    let domain = rails.aat_domain().await.unwrap();
    assert_eq!(domain.verifying_contract, Some(rails.aat));
    assert_eq!(domain.chain_id, Some(U256::from(node.chain_id())));
    let signed = signing::sign_voucher(
        &holder,
        &domain,
        provider.address(),
        policy.id(),
        U256::from(30),
        u64::MAX,
    )
    .await
    .unwrap();
    let digest = rails
        .read_aat(AAT::hashVoucherCall {
            voucher: signed.voucher.clone(),
        })
        .await
        .unwrap();
    use alloy::sol_types::SolStruct;
    assert_eq!(digest, signed.voucher.eip712_signing_hash(&domain));
    assert_eq!(
        recover_typed(&domain, &signed.voucher, &signed.signature),
        Some(holder.address())
    );

    // The provider settles it, and a forged one is skipped with its reason.
    let as_provider = Rails::new(wallet(&node, &provider), rails.token, rails.aat);
    let mut forged = signed.clone();
    forged.voucher.holder = owner.address();
    let outcome = as_provider
        .settle_batch(&[signed.clone(), forged], policy.model, policy.scope)
        .await
        .unwrap();
    assert_eq!(outcome.settled.len(), 1);
    assert_eq!(outcome.settled[0].cumulativeAmount, U256::from(30));
    assert_eq!(outcome.rejected.len(), 1);
    assert_eq!(
        outcome.rejected[0].reason.to_string(),
        format!(
            "InvalidVoucherSignature {{ holder: {:?} }}",
            owner.address()
        )
    );
    assert_eq!(
        rails
            .settled(holder.address(), provider.address(), policy.id())
            .await
            .unwrap(),
        U256::from(30)
    );
    assert_eq!(
        rails.balance(holder.address(), policy.id()).await.unwrap(),
        U256::from(70)
    );

    // EIP-3009 through the client: the payee receives what was signed.
    rails
        .send_token(TokenAI::setMinterCall {
            minter: owner.address(),
            enabled: true,
        })
        .await
        .unwrap();
    rails
        .send_token(TokenAI::mintCall {
            to: holder.address(),
            value: U256::from(1_000),
        })
        .await
        .unwrap();
    let token_domain = rails.token_domain().await.unwrap();
    let auth = signing::sign_transfer_authorization(
        &holder,
        &token_domain,
        provider.address(),
        U256::from(250),
        0,
        u64::MAX,
    )
    .await
    .unwrap();
    as_provider.send_token(auth.call()).await.unwrap();
    assert_eq!(
        rails.token_balance(provider.address()).await.unwrap(),
        U256::from(250)
    );
    let replay = as_provider.send_token(auth.call()).await.unwrap_err();
    assert!(
        is::<TokenAI::AuthorizationAlreadyUsed>(replay.spec().unwrap()),
        "{replay}"
    );
    let _ = FixedBytes::<16>::ZERO;
    node.stop().await;
}
