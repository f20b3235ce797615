//! The gateway end to end: a devnode in-process with the suite, the
//! upstream stub, and clients paying over x402 with the client crate.
#![allow(clippy::too_many_lines)] // each test tells one flow end to end, in order
#![allow(clippy::items_after_statements)] // a helper declared where the story needs it

mod common;

use aat_client::{
    bindings::AAT,
    signing,
    x402::{decode_header, PaymentRequired, PAYMENT_REQUIRED},
};
use alloy::primitives::{Address, U256};
use common::*;
use serde_json::Value;

fn u(n: u64) -> U256 {
    U256::from(n)
}

/// Every paid answer's receipt is the provider's, for what was charged.
fn check_receipt(
    world: &World,
    paid: &aat_client::x402::Paid,
    domain: &alloy::sol_types::Eip712Domain,
) -> U256 {
    assert_eq!(paid.status, 200, "{}", String::from_utf8_lossy(&paid.body));
    let settlement = paid.settlement.as_ref().expect("a settlement");
    assert!(settlement.success, "{settlement:?}");
    let voucher = settlement.voucher().expect("the voucher part");
    assert!(voucher
        .receipt
        .is_signed_by(domain, world.provider_key.address()));
    assert_eq!(
        voucher.receipt.units.to_string(),
        settlement.amount.clone().unwrap()
    );
    assert_eq!(voucher.receipt.cumulative_owed, voucher.account.owed);
    assert!(voucher.receipt.prompt_tokens > 0 && voucher.receipt.completion_tokens > 0);
    voucher.account.owed
}

#[tokio::test(flavor = "multi_thread")]
async fn holders_and_an_agent_pay_and_everything_owed_settles_and_adds_up() {
    let world = World::new().await;
    let served = serve(&world, |_| {}).await;
    let url = served.gateway.url();
    let provider = world.provider_key.address();
    let receipt_domain = signing::receipt_domain(world.node.chain_id(), world.owner.aat);

    // Ada locks units in a channel with the provider; Alan pays from his
    // balance; a smart-contract-free agent pays TokenAI per request.
    let (ada, alan, agent) = (
        party(&world, "ada").await,
        party(&world, "alan").await,
        party(&world, "agent").await,
    );
    let policy = world.policy("CS101", 0);
    let id = world.mint(ada.address(), &policy, 50_000).await;
    world.mint(alan.address(), &policy, 50_000).await;
    let expires = world.now().await + 30 * 86_400;
    world
        .rails_of(&ada)
        .open_channel(provider, id, u(20_000), expires, Address::ZERO)
        .await
        .unwrap();
    world.pay_in(agent.address(), 100).await;

    let ada_pays = world.voucher_payer(&ada, id).await;
    let alan_pays = world.voucher_payer(&alan, id).await;
    let agent_pays = world.exact_payer(&agent).await;
    let mut last = (U256::ZERO, U256::ZERO);
    for i in 0..12 {
        let stream = i % 3 == 1;
        let text = format!("request {i} from a student of CS101");
        let a = ada_pays
            .post(&format!("{url}/v1/chat/completions"), &chat(&text, stream))
            .await
            .unwrap();
        let owed = check_receipt(&world, &a, &receipt_domain);
        assert!(owed > last.0, "what Ada owes grows with each request");
        last.0 = owed;
        if stream {
            let body = String::from_utf8_lossy(&a.body).to_string();
            assert!(
                body.contains("data: {") && body.ends_with("data: [DONE]\n\n"),
                "{body}"
            );
            assert!(body.contains("event: x402-payment-response"));
        }
        let completion =
            serde_json::json!({"model": MODEL, "prompt": text, "max_tokens": 8, "stream": stream});
        let path = if i % 2 == 0 {
            "/v1/chat/completions"
        } else {
            "/v1/completions"
        };
        let body = if i % 2 == 0 {
            chat(&text, stream)
        } else {
            completion
        };
        let b = alan_pays
            .post(&format!("{url}{path}"), &body)
            .await
            .unwrap();
        last.1 = check_receipt(&world, &b, &receipt_domain);
        let c = agent_pays
            .post(&format!("{url}/v1/chat/completions"), &chat(&text, stream))
            .await
            .unwrap();
        assert_eq!(c.status, 200, "{}", String::from_utf8_lossy(&c.body));
        let settlement = c.settlement.expect("the agent's settlement");
        assert!(
            settlement.accepted()
                && settlement.amount.as_deref() == Some(&*EXACT_PRICE.to_string())
        );
    }
    assert_eq!(served.stub.calls(), 36);

    // The holders hand in vouchers covering everything they owe; the
    // provider settles; the chain agrees with what was charged.
    close_out(&ada_pays, &url).await;
    close_out(&alan_pays, &url).await;
    let supply_before = world
        .owner
        .read_aat(AAT::totalSupplyCall { id })
        .await
        .unwrap();
    let report = served.gateway.settle_now().await.unwrap();
    assert_eq!(
        (
            report.vouchers_settled,
            report.vouchers_rejected,
            report.transactions
        ),
        (2, 0, 1),
        "{report:?}"
    );
    // The worker settles exact payments as they come; all are settled now.
    let ledger = &served.gateway.app.ledger;
    assert_eq!(
        ledger
            .exact_count(aat_gateway::ledger::ExactStatus::Settled)
            .await
            .unwrap(),
        12
    );
    assert_eq!(
        ledger
            .exact_count(aat_gateway::ledger::ExactStatus::Queued)
            .await
            .unwrap(),
        0
    );
    let rails = &world.owner;
    assert_eq!(
        rails.settled(ada.address(), provider, id).await.unwrap(),
        last.0
    );
    assert_eq!(
        rails.settled(alan.address(), provider, id).await.unwrap(),
        last.1
    );
    // Each settlement burns what was owed plus the fee (rounded up), in kind.
    let fee = |owed: U256| (owed * u(u64::from(FEE_BPS))).div_ceil(u(10_000));
    let burned = last.0 + fee(last.0) + last.1 + fee(last.1);
    assert_eq!(
        supply_before
            - world
                .owner
                .read_aat(AAT::totalSupplyCall { id })
                .await
                .unwrap(),
        burned
    );
    let locked = rails
        .channel(ada.address(), provider, id)
        .await
        .unwrap()
        .locked;
    assert_eq!(
        locked,
        u(20_000) - last.0 - fee(last.0),
        "Ada's units came from her channel"
    );
    assert_eq!(rails.balance(ada.address(), id).await.unwrap(), u(30_000));
    assert_eq!(
        rails.balance(alan.address(), id).await.unwrap(),
        u(50_000) - last.1 - fee(last.1)
    );
    assert_eq!(
        rails.token_balance(provider).await.unwrap(),
        u(EXACT_PRICE * 12)
    );
    assert_eq!(
        rails.token_balance(agent.address()).await.unwrap(),
        u(EXACT_PRICE * 88)
    );
    assert!(
        rails.token_balance(world.treasury).await.unwrap() > U256::ZERO,
        "the fees' value reached the treasury"
    );

    // A second settlement finds nothing to do: nothing settles twice.
    let again = served.gateway.settle_now().await.unwrap();
    assert_eq!(
        (again.transactions, again.exact_settled),
        (0, 0),
        "{again:?}"
    );

    // The operator's view.
    let metrics = reqwest::get(format!("{url}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("aat_gateway_units_charged_total{model=\"gpt-4o-mini\"}"),
        "{metrics}"
    );
    assert!(metrics.contains("aat_gateway_exact_paid_total 12"));
    assert!(
        metrics.contains("aat_gateway_settlements_total{kind=\"voucher\",result=\"settled\"} 2")
    );
    assert!(metrics.contains("aat_gateway_pending_units 0"));
    assert!(metrics.contains("aat_gateway_upstream_latency_seconds_bucket"));
    let health: Value = reqwest::get(format!("{url}/healthz"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");
    let models: Value = reqwest::get(format!("{url}/v1/models"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(models["data"][0]["id"], MODEL);
}

#[tokio::test(flavor = "multi_thread")]
async fn fifty_concurrent_requests_from_one_holder_never_overspend_its_channel() {
    let world = World::new().await;
    let served = serve(&world, |_| {}).await;
    let url = served.gateway.url();
    let provider = world.provider_key.address();
    // A channel that covers only a few requests at their maximum cost.
    let (holder, id) = world
        .holder_with_channel("concurrent", 100_000, 2_000, 86_400)
        .await;
    let payer = std::sync::Arc::new(world.voucher_payer(&holder, id).await);
    // The first request learns the terms.
    let first = payer
        .post(&format!("{url}/v1/chat/completions"), &chat("hello", false))
        .await
        .unwrap();
    assert_eq!(first.status, 200);

    // Two waves of 50 at once. In the first the upstream takes its time
    // (`stub:slow`), so that the requests are in flight together however
    // the machine schedules them, and some must be refused for budget; in
    // the second they are quick, so that answers and 402s interleave as
    // they come (the client must not forget what it owes when they do).
    for slow in [true, false] {
        let mut tasks = Vec::new();
        for i in 0..50 {
            let payer = payer.clone();
            let url = url.clone();
            let text = format!("concurrent {i}{}", if slow { " stub:slow" } else { "" });
            tasks.push(tokio::spawn(async move {
                payer
                    .post(
                        &format!("{url}/v1/chat/completions"),
                        &chat(&text, i % 2 == 0),
                    )
                    .await
                    .unwrap()
            }));
        }
        let mut served_ok = 0;
        let mut refused = 0;
        for task in tasks {
            let paid = task.await.unwrap();
            match paid.status.as_u16() {
                200 => served_ok += 1,
                402 => {
                    let required: PaymentRequired = serde_json::from_slice(&paid.body).unwrap();
                    assert!(
                        required.error.contains("insufficient budget")
                            || required.error.contains("credit limit")
                            || required.error.contains("voucher does not cover")
                            || required.error.contains("replayed")
                            || required.error.contains("stale"),
                        "{}",
                        required.error
                    );
                    refused += 1;
                }
                other => panic!("unexpected {other}"),
            }
        }
        assert!(served_ok > 0, "{served_ok} served, {refused} refused");
        if slow {
            assert!(refused > 0, "{served_ok} served, {refused} refused");
        }
    }
    close_out(&payer, &url).await;
    let account = served
        .gateway
        .app
        .ledger
        .account(holder.address(), id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        account.reserved, 0,
        "every reservation was freed or charged"
    );
    assert!(
        account.owed <= 2_000,
        "owed {} beyond the channel's 2,000",
        account.owed
    );
    let report = served.gateway.settle_now().await.unwrap();
    assert_eq!(report.vouchers_settled, 1, "{report:?}");
    assert_eq!(
        world
            .owner
            .settled(holder.address(), provider, id)
            .await
            .unwrap(),
        U256::from(account.owed.unsigned_abs())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_402_tells_a_client_everything_it_needs_to_pay() {
    let world = World::new().await;
    let served = serve(&world, |_| {}).await;
    let holder = party(&world, "terms").await;
    let response = reqwest::Client::new()
        .post(format!("{}/v1/chat/completions", served.gateway.url()))
        .header("aat-holder", holder.address().to_string())
        .json(&chat("what does it cost?", false))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 402);
    let header = response.headers()[PAYMENT_REQUIRED]
        .to_str()
        .unwrap()
        .to_owned();
    let required: PaymentRequired = decode_header(&header).unwrap();
    let body: PaymentRequired = response.json().await.unwrap();
    assert_eq!(required, body, "the header and the body say the same");
    assert_eq!(required.x402_version, 2);
    assert_eq!(required.error, "PAYMENT-SIGNATURE header is required");
    assert_eq!(
        required.resource.url,
        format!("{}/v1/chat/completions", served.gateway.url()),
        "absolute, as x402's reference servers send it"
    );
    let voucher = required.offer("aat-voucher").unwrap();
    assert_eq!(voucher.network, format!("eip155:{}", world.node.chain_id()));
    assert_eq!(voucher.asset, world.owner.aat.to_string());
    assert_eq!(voucher.pay_to, world.provider_key.address().to_string());
    for key in [
        "chainId",
        "verifyingContract",
        "model",
        "pricePerPromptToken",
        "pricePerCompletionToken",
        "accounts",
        "now",
        "scopes",
    ] {
        assert!(voucher.extra.get(key).is_some(), "extra.{key}");
    }
    assert_eq!(
        voucher.extra["pricePerCompletionToken"],
        COMPLETION_PRICE.to_string()
    );
    let exact = required.offer("exact").unwrap();
    assert_eq!(exact.amount, EXACT_PRICE.to_string());
    assert_eq!(exact.asset, world.owner.token.to_string());
    assert_eq!(exact.extra["name"], "TokenAI");
    assert_eq!(exact.extra["assetTransferMethod"], "eip3009");
    assert_eq!(served.stub.calls(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_model_served_under_an_alias_is_forwarded_by_its_upstream_name() {
    let world = World::new().await;
    let served = serve(&world, |config| {
        if let Some(model) = config.models.get_mut(MODEL) {
            model.upstream_model = Some("upstream-llm-v2".into());
        }
    })
    .await;
    let agent = party(&world, "alias").await;
    world.pay_in(agent.address(), 10).await;
    let paid = world
        .exact_payer(&agent)
        .await
        .post(
            &format!("{}/v1/chat/completions", served.gateway.url()),
            &chat("which model answers?", false),
        )
        .await
        .unwrap();
    assert_eq!(paid.status, 200, "{}", String::from_utf8_lossy(&paid.body));
    // The stub answers with the model it was asked for.
    let body: serde_json::Value = serde_json::from_slice(&paid.body).unwrap();
    assert_eq!(body["model"], "upstream-llm-v2");
}

#[tokio::test(flavor = "multi_thread")]
async fn exact_payments_can_settle_before_the_response_and_withhold_it_when_they_cannot() {
    let world = World::new().await;
    let served = serve(&world, |config| {
        if let Some(exact) = config.exact.as_mut() {
            exact.settle_before_response = true;
        }
        // The worker looks all the time, racing the request path for each
        // payment: whichever settles it, the answer names the transaction.
        config.settlement.interval_ms = 5;
    })
    .await;
    let url = format!("{}/v1/chat/completions", served.gateway.url());
    let provider = world.provider_key.address();
    let agent = party(&world, "agent paying before the response").await;
    const PAID: u64 = 5;
    world.pay_in(agent.address(), PAID + 2).await;
    let ledger = &served.gateway.app.ledger;

    // Settled before the answer went out: PAYMENT-RESPONSE names the
    // transaction, and the money has moved.
    let pays = std::sync::Arc::new(world.exact_payer(&agent).await);
    let mut hashes = std::collections::BTreeSet::new();
    for i in 1..=PAID {
        let paid = pays
            .post(&url, &chat(&format!("settle me now ({i})"), i % 2 == 0))
            .await
            .unwrap();
        assert_eq!(paid.status, 200, "{}", String::from_utf8_lossy(&paid.body));
        let settlement = paid.settlement.clone().expect("a settlement");
        assert!(settlement.success, "{settlement:?}");
        assert_eq!(
            settlement.extensions.as_ref().unwrap()["exact"]["status"],
            "settled"
        );
        let hash: alloy::primitives::B256 = settlement.transaction.parse().expect("a hash");
        let receipt =
            alloy::providers::Provider::get_transaction_receipt(&world.owner.provider, hash)
                .await
                .unwrap()
                .expect("mined");
        assert!(receipt.status());
        hashes.insert(hash);
        assert_eq!(
            world.owner.token_balance(provider).await.unwrap(),
            u(EXACT_PRICE * i),
            "paid when answered"
        );
    }
    assert_eq!(hashes.len() as u64, PAID, "one transaction each");
    assert_eq!(
        ledger
            .exact_count(aat_gateway::ledger::ExactStatus::Settled)
            .await
            .unwrap(),
        5
    );

    // The worker settles a payment while its request waits to (here the
    // test does it, holding the worker's lock, as anyone may relay an
    // authorization): the answer names that transaction, and nothing is
    // sent twice.
    let worker = served.gateway.app.settling.lock().await;
    let waiting = tokio::spawn({
        let (pays, url) = (pays.clone(), url.clone());
        async move {
            pays.post(&url, &chat("settled by the worker", false))
                .await
                .unwrap()
        }
    });
    let payment = loop {
        if let Some(p) = ledger.queued_exact(10).await.unwrap().pop() {
            break p;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    };
    let relayed = world
        .owner
        .send_token(aat_gateway::payment::settlement_call(&payment))
        .await
        .unwrap();
    ledger
        .finish_exact(
            payment.payer,
            payment.nonce,
            aat_gateway::ledger::ExactStatus::Settled,
            Some(relayed.transaction_hash),
            None,
        )
        .await
        .unwrap();
    drop(worker);
    let paid = waiting.await.unwrap();
    assert_eq!(paid.status, 200);
    assert_eq!(
        paid.settlement.unwrap().transaction,
        relayed.transaction_hash.to_string()
    );
    assert_eq!(
        world.owner.token_balance(provider).await.unwrap(),
        u(EXACT_PRICE * (PAID + 1))
    );

    // The agent empties its balance while the upstream is answering: the
    // authorization no longer settles, and the answer is withheld.
    let request = tokio::spawn(async move {
        pays.post(&url, &chat("stub:slow answer", false))
            .await
            .unwrap()
    });
    tokio::time::sleep(aat_gateway::upstream_stub::SLOW / 3).await;
    world
        .rails_of(&agent)
        .send_token(aat_client::TokenAI::transferCall {
            to: world.owner_key.address(),
            value: u(EXACT_PRICE),
        })
        .await
        .unwrap();
    let refused = request.await.unwrap();
    assert_eq!(refused.status, 402);
    let body = String::from_utf8_lossy(&refused.body).to_string();
    assert!(
        body.contains("did not settle") && body.contains("withheld"),
        "{body}"
    );
    assert!(!body.contains("echo:"), "the answer is not in it: {body}");
    let settlement = refused.settlement.expect("a settlement");
    assert!(!settlement.success);
    let reason = settlement.error_reason.unwrap();
    assert!(reason.contains("ERC20InsufficientBalance"), "{reason}");
    assert_eq!(served.stub.calls(), PAID + 2);
    // Withheld: not paid, and owed by no one.
    assert_eq!(
        ledger
            .exact_count(aat_gateway::ledger::ExactStatus::Withheld)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        ledger
            .exact_count(aat_gateway::ledger::ExactStatus::Failed)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        ledger
            .exact_count(aat_gateway::ledger::ExactStatus::Queued)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        world.owner.token_balance(provider).await.unwrap(),
        u(EXACT_PRICE * (PAID + 1)),
        "nothing more was paid"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_page_on_another_origin_may_send_the_payment_and_read_the_offers() {
    let world = World::new().await;
    let served = serve(&world, |_| {}).await;
    let url = format!("{}/v1/chat/completions", served.gateway.url());
    let client = reqwest::Client::new();
    let preflight = client
        .request(reqwest::Method::OPTIONS, &url)
        .header("origin", "https://app.example.edu")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type,payment-signature,access-control-expose-headers",
        )
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success());
    // Any header may be sent (@x402/fetch adds one of its own).
    assert_eq!(preflight.headers()["access-control-allow-headers"], "*");
    assert_eq!(preflight.headers()["access-control-allow-origin"], "*");
    let unpaid = client
        .post(&url)
        .header("origin", "https://app.example.edu")
        .json(&chat("may a browser pay?", false))
        .send()
        .await
        .unwrap();
    assert_eq!(unpaid.status(), 402);
    let exposed = unpaid.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap();
    assert!(
        exposed.contains(PAYMENT_REQUIRED) && exposed.contains("payment-response"),
        "a page must read the offers and the settlement: {exposed}"
    );
    assert_eq!(served.stub.calls(), 0);
}
