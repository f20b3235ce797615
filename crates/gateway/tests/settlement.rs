//! Settlement against a payer or a holder that works against it: an `exact`
//! payer that spends its own authorization's nonce before the gateway
//! relays it, and a smart-account holder whose voucher sinks its whole
//! `settleBatch`.

mod common;

use std::time::{Duration, Instant};

use aat_client::{
    bindings::TransferWithAuthorization,
    signing::{self, SignedAuthorization},
    x402::{
        decode_header, payment_header, PaymentPayload, PaymentRequired, SettlementResponse,
        VoucherJson, VoucherPayload, PAYMENT_REQUIRED, PAYMENT_RESPONSE, PAYMENT_SIGNATURE,
    },
};
use alloy::{
    network::TransactionBuilder,
    primitives::{Address, Bytes, B256, U256},
    providers::Provider,
    rpc::types::TransactionRequest,
    signers::local::PrivateKeySigner,
};
use common::*;
use serde_json::Value;

fn u(n: u64) -> U256 {
    U256::from(n)
}

/// `payer` spends its own `nonce` first, with an authorization of its own
/// that pays nothing to itself.
async fn spend_own_nonce(world: &World, payer: &PrivateKeySigner, nonce: B256) {
    let authorization = TransferWithAuthorization {
        from: payer.address(),
        to: payer.address(),
        value: U256::ZERO,
        validAfter: U256::ZERO,
        validBefore: u(world.now().await + 3_600),
        nonce,
    };
    let domain = world.owner.token_domain().await.unwrap();
    let signature = signing::sign_typed(payer, &domain, &authorization)
        .await
        .unwrap();
    world
        .rails_of(payer)
        .send_token(
            SignedAuthorization {
                authorization,
                signature,
            }
            .call(),
        )
        .await
        .unwrap();
}

/// The terms a gateway's 402 offers for `body`.
async fn terms(url: &str, body: &Value) -> PaymentRequired {
    let response = reqwest::Client::new()
        .post(url)
        .json(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 402);
    decode_header(response.headers()[PAYMENT_REQUIRED].to_str().unwrap()).unwrap()
}

/// Sends `body` to `url` paid with `payment`: status, body, settlement.
async fn send_paid(
    url: &str,
    body: &Value,
    payment: &str,
) -> (u16, String, Option<SettlementResponse>) {
    let response = reqwest::Client::new()
        .post(url)
        .header(PAYMENT_SIGNATURE, payment)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let settlement = response
        .headers()
        .get(PAYMENT_RESPONSE)
        .map(|h| decode_header(h.to_str().unwrap()).unwrap());
    (status, response.text().await.unwrap(), settlement)
}

/// EIP-3009 nonces belong to the authorizer: a payer that pays with
/// authorization A and then spends A's nonce itself (B: nothing, to
/// itself) before the worker relays A has not paid, although A's nonce is
/// used: the charge is marked failed, counted, and the payer is refused
/// `exact` from then on.
#[tokio::test(flavor = "multi_thread")]
async fn a_queued_payment_whose_nonce_the_payer_spent_first_is_unpaid_and_the_payer_refused() {
    let world = World::new().await;
    let provider = world.provider_key.address();

    // The worker relays A after the payer spent A's nonce (the test holds
    // the worker off meanwhile, as a busy one is).
    let served = serve(&world, |_| {}).await;
    let url = format!("{}/v1/chat/completions", served.gateway.url());
    let ledger = &served.gateway.app.ledger;
    let agent = party(&world, "spends its own nonce").await;
    world.pay_in(agent.address(), 10).await;
    let pays = world.exact_payer(&agent).await;
    let worker = served.gateway.app.settling.lock().await;
    let paid = pays.post(&url, &chat("pay me later", false)).await.unwrap();
    assert_eq!(paid.status, 200, "{}", String::from_utf8_lossy(&paid.body));
    let settlement = paid.settlement.unwrap();
    let exact = &settlement.extensions.unwrap()["exact"];
    assert_eq!(exact["status"], "queued");
    let nonce: B256 = serde_json::from_value(exact["nonce"].clone()).unwrap();
    spend_own_nonce(&world, &agent, nonce).await;
    drop(worker);
    served.gateway.settle_now().await.unwrap();
    let (status, tx, reason) = ledger
        .exact_state(agent.address(), nonce)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((status.as_str(), tx), ("failed", None), "{reason:?}");
    assert!(
        reason.as_deref().unwrap().contains("did not pay"),
        "{reason:?}"
    );
    assert_eq!(
        world.owner.token_balance(provider).await.unwrap(),
        U256::ZERO,
        "nothing was paid"
    );
    let metrics = reqwest::get(format!("{}/metrics", served.gateway.url()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("aat_gateway_settlements_total{kind=\"exact\",result=\"rejected\"} 1"),
        "{metrics}"
    );
    // It is not served with `exact` again, whatever it signs.
    let calls = served.stub.calls();
    let refused = pays.post(&url, &chat("once more", false)).await.unwrap();
    assert_eq!(refused.status, 402);
    let required: PaymentRequired = serde_json::from_slice(&refused.body).unwrap();
    assert!(
        required.error.contains("did not pay") && required.error.contains("not served with exact"),
        "{}",
        required.error
    );
    assert_eq!(served.stub.calls(), calls, "the upstream was not called");
}

/// Settled before the response (`exact.settle_before_response`): the payer
/// spends A's nonce itself while the upstream answers; A does not pay, and
/// the answer is withheld (and, withheld, owed by no one).
#[tokio::test(flavor = "multi_thread")]
async fn a_payment_whose_nonce_the_payer_spends_before_the_response_withholds_the_answer() {
    let world = World::new().await;
    let provider = world.provider_key.address();
    let served = serve(&world, |config| {
        config.exact.as_mut().unwrap().settle_before_response = true;
    })
    .await;
    let url = format!("{}/v1/chat/completions", served.gateway.url());
    let agent = party(&world, "spends its own nonce before the response").await;
    world.pay_in(agent.address(), 10).await;
    let pays = world.exact_payer(&agent).await;
    let body = chat("stub:slow answer", false);
    let header = pays.pay(&terms(&url, &body).await).await.unwrap();
    let payment: PaymentPayload = decode_header(&header).unwrap();
    let nonce: B256 =
        serde_json::from_value(payment.payload["authorization"]["nonce"].clone()).unwrap();
    let request = tokio::spawn({
        let (url, body, header) = (url.clone(), body.clone(), header.clone());
        async move { send_paid(&url, &body, &header).await }
    });
    let deadline = Instant::now() + Duration::from_secs(10);
    while served.stub.calls() == 0 {
        assert!(
            Instant::now() < deadline,
            "the request never reached the upstream"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    spend_own_nonce(&world, &agent, nonce).await;
    let (status, text, settlement) = request.await.unwrap();
    assert_eq!(status, 402, "{text}");
    assert!(
        text.contains("withheld") && !text.contains("echo:"),
        "{text}"
    );
    let settlement = settlement.expect("a settlement");
    assert!(!settlement.success);
    assert!(
        settlement
            .error_reason
            .as_deref()
            .unwrap()
            .contains("did not pay"),
        "{settlement:?}"
    );
    assert_eq!(
        world.owner.token_balance(provider).await.unwrap(),
        U256::ZERO
    );
    // The answer was withheld: the payer owes nothing, and may pay again.
    let paid = pays.post(&url, &chat("honestly", false)).await.unwrap();
    assert_eq!(paid.status, 200, "{}", String::from_utf8_lossy(&paid.body));
    assert_eq!(
        world.owner.token_balance(provider).await.unwrap(),
        u(EXACT_PRICE)
    );
}

/// An ERC-1271 wallet, hand-assembled EVM: it accepts ERC-1155 units, and
/// says yes to `isValidSignature` when asked by an account without code
/// (the gateway's `eth_call`) and burns all the gas it is given when a
/// contract asks (AAT, settling): 63/64 of the batch's gas, so the batch
/// runs out unless it is short.
///
/// ```text
/// 00 PUSH1 0 CALLDATALOAD PUSH1 0xe0 SHR          selector
/// 06 DUP1 PUSH4 0x1626ba7e EQ PUSH1 0x34 JUMPI    isValidSignature
/// 10 DUP1 PUSH4 0xf23a6e61 EQ PUSH1 0x28 JUMPI    onERC1155Received
/// 1a DUP1 PUSH4 0xbc197c81 EQ PUSH1 0x28 JUMPI    onERC1155BatchReceived
/// 24 PUSH1 0 DUP1 REVERT
/// 28 JUMPDEST PUSH1 0xe0 SHL PUSH1 0 MSTORE PUSH1 0x20 PUSH1 0 RETURN   the selector, as the answer
/// 34 JUMPDEST CALLER EXTCODESIZE ISZERO PUSH1 0x28 JUMPI
/// 3b JUMPDEST PUSH1 0x3b JUMP                     burn
/// ```
const GAS_BURNING_WALLET: &str = "60003560e01c80631626ba7e146034578063f23a6e61146028578063bc197c8114602857600080fd5b60e01b60005260206000f35b333b156028575b603b56";

async fn deploy_gas_burning_wallet(world: &World) -> Address {
    let code: Vec<u8> = alloy::hex::decode(GAS_BURNING_WALLET).unwrap();
    let receipt = world
        .owner
        .provider
        .send_transaction(
            TransactionRequest::default().with_deploy_code(aat_client::deploy::init_code(&code)),
        )
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    receipt.contract_address.expect("the wallet deploys")
}

/// `wallet` (a smart account: any signature will do for the gateway) is
/// served one request paid by voucher and hands in a voucher for what it
/// owes; returns that.
async fn smart_account_pays(base: &str, wallet: Address, id: U256, deadline: u64) -> U256 {
    let url = format!("{base}/v1/chat/completions");
    let body = chat("a smart account asks", false);
    let required = terms(&url, &body).await;
    let offer = required.offer("aat-voucher").unwrap();
    let voucher = |amount: U256| VoucherPayload {
        voucher: VoucherJson {
            holder: wallet,
            provider: offer.pay_to.parse().unwrap(),
            id,
            cumulative_amount: amount,
            deadline,
        },
        signature: Bytes::from(vec![1u8; 65]),
    };
    let (status, text, settlement) =
        send_paid(&url, &body, &payment_header(offer, &voucher(U256::ZERO))).await;
    assert_eq!(status, 200, "{text}");
    let owed = settlement.unwrap().voucher().unwrap().account.owed;
    let closed = reqwest::Client::new()
        .post(format!("{base}/aat/vouchers"))
        .header(PAYMENT_SIGNATURE, payment_header(offer, &voucher(owed)))
        .send()
        .await
        .unwrap();
    assert_eq!(closed.status(), 200, "{}", closed.text().await.unwrap());
    owed
}

/// One voucher that makes its whole `settleBatch` fail (a smart account
/// that burns the gas AAT gives its ERC-1271 check: the batch's estimate
/// runs out of a block's gas) does not stall settlement: the batch is split
/// until the culprit is alone, it is set aside with its reason, and every
/// other voucher, and the `exact` payment queued behind them, settles.
#[tokio::test(flavor = "multi_thread")]
async fn a_voucher_that_sinks_its_batch_is_set_aside_and_the_rest_settles() {
    const HONEST: usize = 24;
    let world = World::new().await;
    let served = serve(&world, |config| {
        // Everything is due at once; the worker looks often.
        config.settlement.threshold_units = 1;
        config.settlement.interval_ms = 100;
    })
    .await;
    let (base, app) = (served.gateway.url(), &served.gateway.app);
    let provider = world.provider_key.address();
    let policy = world.policy("", 0);

    // Held off while the batch forms: then all of it is due at once.
    let worker = app.settling.lock().await;
    let wallet = deploy_gas_burning_wallet(&world).await;
    let id = world.mint(wallet, &policy, 10_000).await;
    let deadline = world.now().await + 7_200;
    let wallet_owes = smart_account_pays(&base, wallet, id, deadline).await;
    // The wallet's voucher is the oldest: first in the batch, where it
    // leaves the rest 1/64 of the gas.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let mut honest = Vec::new();
    for i in 0..HONEST {
        let holder = party(&world, &format!("honest {i}")).await;
        world.mint(holder.address(), &policy, 1_000).await;
        let pays = world.voucher_payer(&holder, id).await;
        let paid = pays
            .post(
                &format!("{base}/v1/chat/completions"),
                &chat("hello", false),
            )
            .await
            .unwrap();
        assert_eq!(paid.status, 200);
        close_out(&pays, &base).await;
        honest.push((holder.address(), pays.owed().unwrap()));
    }
    let agent = party(&world, "pays exact behind the batch").await;
    world.pay_in(agent.address(), 1).await;
    let paid = world
        .exact_payer(&agent)
        .await
        .post(
            &format!("{base}/v1/chat/completions"),
            &chat("queued", false),
        )
        .await
        .unwrap();
    assert_eq!(paid.status, 200);
    drop(worker);

    // The worker settles everyone else, and the exact payment.
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let mut settled = 0;
        for (holder, owed) in &honest {
            if world.owner.settled(*holder, provider, id).await.unwrap() == *owed {
                settled += 1;
            }
        }
        let exact = app.ledger.exact_count("settled").await.unwrap();
        if settled == HONEST && exact == 1 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{settled} of {HONEST} vouchers and {exact} exact payment settled"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        world.owner.token_balance(provider).await.unwrap(),
        u(EXACT_PRICE)
    );
    // The wallet's voucher is set aside with its reason, and not settled.
    let account = app.ledger.account(wallet, id).await.unwrap().unwrap();
    assert_eq!(U256::from(account.voucher_amount), wallet_owes);
    assert_eq!(account.rejected_amount, account.voucher_amount);
    let reason = account.rejected_reason.expect("a reason");
    assert!(!reason.is_empty());
    assert_eq!(
        world.owner.settled(wallet, provider, id).await.unwrap(),
        U256::ZERO
    );
    // The whole batch did fail first (it was split).
    let metrics = reqwest::get(format!("{base}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let failed = metrics
        .lines()
        .find(|l| {
            l.starts_with("aat_gateway_settlements_total{kind=\"voucher\",result=\"failed\"}")
        })
        .and_then(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
        .unwrap_or(0);
    assert!(failed >= 1, "{metrics}");
    assert!(app.ledger.unsettled().await.unwrap().is_empty());
}
