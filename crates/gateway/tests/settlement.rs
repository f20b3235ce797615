//! Settlement against a payer that works against it: an `exact` payer that
//! spends its own authorization's nonce before the gateway relays it.
//! (A holder whose voucher sinks its whole `settleBatch` is split out by the
//! worker, `settlement::split`'s tests; against AAT v3 no holder can: an
//! ERC-1271 wallet costs a batch at most its 200,000-gas stipend
//! (`crates/devnode/tests/wallets.rs`), and the gateway holds no unsettled
//! voucher of a wallet's own signature.)
#![allow(clippy::items_after_statements)] // a helper declared where the story needs it

mod common;

use std::time::{Duration, Instant};

use aat_client::{
    bindings::TransferWithAuthorization,
    signing::{self, SignedAuthorization},
    x402::{
        decode_header, payment_header, ExactPayload, PaymentPayload, PaymentRequired,
        SettlementResponse, PAYMENT_REQUIRED, PAYMENT_RESPONSE, PAYMENT_SIGNATURE,
    },
};
use alloy::{
    primitives::{B256, U256},
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

/// The `PAYMENT-SIGNATURE` paying `offer` from `wallet` (a smart account:
/// its signature is whatever it answers) with `nonce`.
async fn wallet_payment(
    world: &World,
    offer: &aat_client::x402::PaymentRequirements,
    wallet: alloy::primitives::Address,
    nonce: B256,
) -> String {
    let signed = SignedAuthorization {
        authorization: authorization_for(world, offer, wallet, nonce).await,
        signature: signers::magic_word().into(),
    };
    payment_header(offer, &ExactPayload::from(&signed))
}

/// A gateway that settles `exact` payments before it answers
/// (`exact.settle_before_response`).
async fn serve_settling_first(world: &World) -> Served {
    serve(world, |config| {
        config.exact.as_mut().unwrap().settle_before_response = true;
    })
    .await
}

/// An authorization of `offer`'s terms from `from` with `nonce`, valid for
/// the next five minutes of the chain's clock.
async fn authorization_for(
    world: &World,
    offer: &aat_client::x402::PaymentRequirements,
    from: alloy::primitives::Address,
    nonce: B256,
) -> TransferWithAuthorization {
    let now = world.now().await;
    TransferWithAuthorization {
        from,
        to: offer.pay_to.parse().unwrap(),
        value: offer.amount.parse().unwrap(),
        validAfter: u(now - 60),
        validBefore: u(now + 300),
        nonce,
    }
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
    // Accepted, not settled: x402's pending settlement, not a success
    // without a transaction.
    assert!(
        settlement.is_pending() && settlement.accepted() && settlement.transaction.is_empty(),
        "{settlement:?}"
    );
    assert_eq!(
        settlement.error_reason.as_deref(),
        Some(aat_client::x402::SETTLEMENT_PENDING)
    );
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

/// A nonce its payer spent before the gateway started (so no log the
/// gateway follows shows it, and the gateway has never seen this payer) is
/// refused as used, before anything is served: before, the first
/// payment of every payer new to the gateway was admitted without a look
/// at its nonce, served, and could never settle.
#[tokio::test(flavor = "multi_thread")]
async fn a_nonce_spent_before_the_gateway_saw_its_payer_is_refused() {
    let world = World::new().await;
    let agent = party(&world, "spent its nonce long ago").await;
    world.pay_in(agent.address(), 10).await;
    let nonce = B256::repeat_byte(0x5e);
    spend_own_nonce(&world, &agent, nonce).await;

    let served = serve(&world, |_| {}).await;
    let url = format!("{}/v1/chat/completions", served.gateway.url());
    let body = chat("served for a spent nonce?", false);
    let required = terms(&url, &body).await;
    let offer = required.offer("exact").unwrap();
    let authorization = authorization_for(&world, offer, agent.address(), nonce).await;
    let domain = world.owner.token_domain().await.unwrap();
    let signature = signing::sign_typed(&agent, &domain, &authorization)
        .await
        .unwrap();
    let payload = ExactPayload::from(&SignedAuthorization {
        authorization,
        signature,
    });
    let (status, text, _) = send_paid(&url, &body, &payment_header(offer, &payload)).await;
    assert_eq!(status, 402, "{text}");
    let refused: PaymentRequired = serde_json::from_str(&text).unwrap();
    assert!(refused.error.contains("already used"), "{}", refused.error);
    assert_eq!(served.stub.calls(), 0, "the upstream was not called");
}

/// Settled before the response (`exact.settle_before_response`): the payer
/// spends A's nonce itself while the upstream answers; A does not pay, and
/// the answer is withheld (and, withheld, owed by no one).
#[tokio::test(flavor = "multi_thread")]
async fn a_payment_whose_nonce_the_payer_spends_before_the_response_withholds_the_answer() {
    let world = World::new().await;
    let provider = world.provider_key.address();
    let served = serve_settling_first(&world).await;
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

/// An authorization anyone relayed before the worker (EIP-3009 lets
/// anyone submit it), whose window then closed: the worker's own attempt
/// reverts with `AuthorizationExpired`, TokenAI checking the window before
/// the nonce, yet the payment was made. It counts as paid, by the
/// transaction that used its nonce (found 25,000 blocks after admission,
/// past the first window of the search): before, it was recorded as not
/// paid and the payer refused `exact` (the same holds for the gateway's
/// own transaction mined before a lost receipt or a crash, retried late).
#[tokio::test(flavor = "multi_thread")]
async fn a_payment_relayed_by_another_and_retried_after_its_window_counts_as_paid() {
    let world = World::new().await;
    let provider = world.provider_key.address();
    let served = serve(&world, |_| {}).await;
    let url = format!("{}/v1/chat/completions", served.gateway.url());
    let agent = party(&world, "relayed by a stranger").await;
    world.pay_in(agent.address(), 10).await;
    let pays = world.exact_payer(&agent).await;
    let body = chat("relay me", false);
    let header = pays.pay(&terms(&url, &body).await).await.unwrap();
    let worker = served.gateway.app.settling.lock().await;
    let (status, text, _) = send_paid(&url, &body, &header).await;
    assert_eq!(status, 200, "{text}");
    let payment: PaymentPayload = decode_header(&header).unwrap();
    let signed =
        SignedAuthorization::from(serde_json::from_value::<ExactPayload>(payment.payload).unwrap());
    // Long after admission, beyond one window of the search for how the
    // nonce was spent (`LOG_WINDOW`, as public nodes cap a log range).
    {
        use alloy::providers::Provider;
        world
            .owner
            .provider
            .raw_request::<_, Value>("anvil_mine".into(), (25_000u64, 0u64))
            .await
            .unwrap();
    }
    let stranger = party(&world, "a relayer").await;
    world
        .rails_of(&stranger)
        .send_token(signed.call())
        .await
        .unwrap();
    assert_eq!(
        world.owner.token_balance(provider).await.unwrap(),
        u(EXACT_PRICE)
    );
    let window = signed.authorization.validBefore - u(world.now().await);
    use alloy::providers::Provider;
    let node = &world.owner.provider;
    node.raw_request::<_, Value>("evm_increaseTime".into(), (window.to::<u64>() + 60,))
        .await
        .unwrap();
    node.raw_request::<_, Value>("evm_mine".into(), ())
        .await
        .unwrap();
    drop(worker);
    served.gateway.settle_now().await.unwrap();
    let (status, tx, reason) = served
        .gateway
        .app
        .ledger
        .exact_state(agent.address(), signed.authorization.nonce)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status.as_str(), "settled", "{reason:?}");
    assert!(tx.is_some());
    let again = pays
        .post(&url, &chat("still welcome", false))
        .await
        .unwrap();
    assert_eq!(again.status, 200, "the payer is not refused");
}

/// A smart-account payer whose wallet says yes to every simulation (the
/// gateway's check, the transaction's gas estimate) and no on-chain: the
/// gateway's `transferWithAuthorization` is mined and fails. Settled
/// before the response, the answer is withheld and the payment recorded
/// (nothing is owed, nothing served): before, a transaction that failed once
/// mined was taken for a node's hiccup, the payment left queued, and the
/// answer served as pending, for free, as often as the payer liked.
#[tokio::test(flavor = "multi_thread")]
async fn a_wallet_that_pays_only_in_simulation_is_not_served() {
    let world = World::new().await;
    let provider = world.provider_key.address();
    let served = serve_settling_first(&world).await;
    let url = format!("{}/v1/chat/completions", served.gateway.url());
    let wallet = signers::deploy_wallet(&world, signers::FREE_GAS_WALLET).await;
    world.pay_in(wallet, 10).await;
    let body = chat("free for a wallet?", false);
    let required = terms(&url, &body).await;
    let offer = required.offer("exact").unwrap();
    let header = wallet_payment(&world, offer, wallet, B256::repeat_byte(0x3a)).await;
    let (status, text, settlement) = send_paid(&url, &body, &header).await;
    assert_eq!(status, 402, "{text}");
    assert!(!text.contains("echo:"), "{text}");
    let settlement = settlement.expect("a settlement");
    assert!(
        !settlement.success && !settlement.accepted(),
        "{settlement:?}"
    );
    assert_eq!(
        world.owner.token_balance(provider).await.unwrap(),
        U256::ZERO
    );
    // Asked again with the same payment, it is not served.
    let (status, text, _) = send_paid(&url, &body, &header).await;
    assert_eq!(status, 402, "{text}");
    // With another, it is refused before the gateway sends anything: a
    // smart account whose wallet refused on-chain is refused `exact`, so it
    // cannot make the gateway pay for one failing transaction after another.
    let sent = || async {
        use alloy::providers::Provider;
        world
            .owner
            .provider
            .get_transaction_count(provider)
            .await
            .unwrap()
    };
    let sent_before = sent().await;
    let header = wallet_payment(&world, offer, wallet, B256::repeat_byte(0x3b)).await;
    let (status, text, _) = send_paid(&url, &body, &header).await;
    assert_eq!(status, 402, "{text}");
    let refused: PaymentRequired = serde_json::from_str(&text).unwrap();
    assert!(
        refused.error.contains("did not pay") && refused.error.contains("not served with exact"),
        "{}",
        refused.error
    );
    assert_eq!(sent().await, sent_before, "no transaction was sent");
    assert_eq!(
        world.owner.token_balance(provider).await.unwrap(),
        U256::ZERO
    );
}

/// Queued `exact` payments settle many to a transaction through
/// Multicall3, each outcome its own (issue #21 item 7): three payers' in
/// one `aggregate3`, and the one whose nonce its payer spent first fails
/// alone (not paid).
#[tokio::test(flavor = "multi_thread")]
async fn queued_exact_payments_settle_together_through_multicall3() {
    use alloy::{consensus::Transaction, providers::Provider};
    let world = World::new().await;
    // The background settler sleeps through the test: once the queue is
    // released, a round of its own could take some of the payments before
    // `settle_now` reports on them (seen on a loaded machine).
    let served = serve(&world, |config| config.settlement.interval_ms = 3_600_000).await;
    let url = format!("{}/v1/chat/completions", served.gateway.url());
    let ledger = &served.gateway.app.ledger;
    let worker = served.gateway.app.settling.lock().await;
    let mut queued = Vec::new();
    for name in ["batch a", "batch b", "batch c", "spends first"] {
        let agent = party(&world, name).await;
        world.pay_in(agent.address(), 10).await;
        let pays = world.exact_payer(&agent).await;
        let paid = pays.post(&url, &chat("queue me", false)).await.unwrap();
        assert_eq!(paid.status, 200, "{}", String::from_utf8_lossy(&paid.body));
        let settlement = paid.settlement.unwrap();
        assert!(settlement.is_pending());
        let nonce: B256 =
            serde_json::from_value(settlement.extensions.unwrap()["exact"]["nonce"].clone())
                .unwrap();
        queued.push((agent, nonce));
    }
    let (cheat, cheat_nonce) = &queued[3];
    spend_own_nonce(&world, cheat, *cheat_nonce).await;
    drop(worker);
    let report = served.gateway.settle_now().await.unwrap();
    assert_eq!(
        (report.exact_settled, report.exact_failed),
        (3, 1),
        "{report:?}"
    );
    let mut transactions = std::collections::HashSet::new();
    for (agent, nonce) in &queued[..3] {
        let (status, tx, _) = ledger
            .exact_state(agent.address(), *nonce)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(status, aat_gateway::ledger::ExactStatus::Settled);
        transactions.insert(tx.unwrap());
        assert_eq!(
            world.owner.token_balance(agent.address()).await.unwrap(),
            u(9 * EXACT_PRICE),
            "paid once"
        );
    }
    assert_eq!(transactions.len(), 1, "one transaction for the three");
    let tx = *transactions.iter().next().unwrap();
    let sent = world
        .owner
        .provider
        .get_transaction_by_hash(tx)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        sent.inner.to(),
        Some(aat_gateway::settlement::exact_batch::MULTICALL3)
    );
    let (status, _, reason) = ledger
        .exact_state(cheat.address(), *cheat_nonce)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status, aat_gateway::ledger::ExactStatus::Failed);
    assert!(reason.unwrap().contains("did not pay"));
}
