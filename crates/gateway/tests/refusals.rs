//! Everything the gateway refuses: each bad payment gets a 402 with a
//! clear reason and the upstream is never called; upstream failures charge
//! nothing; ids that cannot pay are refused before the upstream.
#![allow(clippy::too_many_lines)] // each test tells one flow end to end, in order

mod common;

use aat_client::{
    signing::{self, SignedVoucher},
    x402::{
        decode_header, payment_header, ExactPayload, PaymentRequired, PaymentRequirements,
        VoucherPayload, PAYMENT_REQUIRED,
    },
};
use alloy::{
    primitives::{Address, Bytes, U256},
    signers::local::PrivateKeySigner,
};
use common::*;
use serde_json::Value;

fn u(n: u64) -> U256 {
    U256::from(n)
}

struct Probe {
    http: reqwest::Client,
    url: String,
}

impl Probe {
    /// Sends `body` with `payment`; returns the status and the 402's reason.
    async fn send(&self, body: &Value, payment: Option<String>) -> (u16, String, Value) {
        let mut request = self
            .http
            .post(format!("{}/v1/chat/completions", self.url))
            .json(body);
        if let Some(payment) = payment {
            request = request.header("payment-signature", payment);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let reason = response
            .headers()
            .get(PAYMENT_REQUIRED)
            .map(|h| {
                decode_header::<PaymentRequired>(h.to_str().unwrap())
                    .unwrap()
                    .error
            })
            .unwrap_or_default();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        (status, reason, body)
    }

    async fn offers(&self) -> (PaymentRequirements, PaymentRequirements) {
        let response = self
            .http
            .post(format!("{}/v1/chat/completions", self.url))
            .json(&chat("terms", false))
            .send()
            .await
            .unwrap();
        let required: PaymentRequired =
            decode_header(response.headers()[PAYMENT_REQUIRED].to_str().unwrap()).unwrap();
        (
            required.offer("aat-voucher").unwrap().clone(),
            required.offer("exact").unwrap().clone(),
        )
    }
}

async fn voucher(
    world: &World,
    key: &PrivateKeySigner,
    provider: Address,
    id: U256,
    amount: u64,
    deadline: u64,
) -> SignedVoucher {
    let domain = world.owner.aat_domain().await.unwrap();
    signing::sign_voucher(key, &domain, provider, id, u(amount), deadline)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_vouchers_get_a_402_with_their_reason_and_never_reach_the_upstream() {
    let world = World::new().await;
    let served = serve(&world, |_| {}).await;
    let probe = Probe {
        http: reqwest::Client::new(),
        url: served.gateway.url(),
    };
    let provider = world.provider_key.address();
    let holder = party(&world, "holder").await;
    let id = world
        .mint(holder.address(), &world.policy("", 0), 10_000)
        .await;
    let (offer, _) = probe.offers().await;
    let later = world.now().await + 86_400;
    let body = chat("hello there", false);
    let pay = |v: &SignedVoucher| payment_header(&offer, &VoucherPayload::from(v));

    let cases: Vec<(&str, Option<String>)> = vec![
        ("PAYMENT-SIGNATURE header is required", None),
        ("does not decode", Some("not base64 at all".into())),
        ("the voucher is not signed by its holder", {
            let mut v = voucher(&world, &holder, provider, id, 0, later).await;
            v.voucher.cumulativeAmount = u(1); // tampered after signing
            Some(pay(&v))
        }),
        (
            "the voucher expired",
            Some(pay(&voucher(
                &world,
                &holder,
                provider,
                id,
                0,
                world.now().await - 10,
            )
            .await)),
        ),
        (
            "too soon to settle",
            Some(pay(&voucher(
                &world,
                &holder,
                provider,
                id,
                0,
                world.now().await + 60,
            )
            .await)),
        ),
        (
            "made out to",
            Some(pay(&voucher(
                &world,
                &holder,
                Address::repeat_byte(9),
                id,
                0,
                later,
            )
            .await)),
        ),
        (
            "does not exist",
            Some(pay(
                &voucher(&world, &holder, provider, u(12345), 0, later).await
            )),
        ),
        ("beyond what this gateway accounts", {
            let domain = world.owner.aat_domain().await.unwrap();
            let v = signing::sign_voucher(&holder, &domain, provider, id, U256::MAX, later)
                .await
                .unwrap();
            Some(pay(&v))
        }),
    ];
    let mut kinds = Vec::new();
    for (reason, payment) in cases {
        let (status, got, answer) = probe.send(&body, payment).await;
        assert_eq!(status, 402, "{reason}");
        assert!(got.contains(reason), "expected '{reason}', got '{got}'");
        kinds.push(answer["extensions"]["refusal"]["kind"].clone());
    }
    // Each 402 names its refusal's kind too, for clients that put it in
    // their own words (the web app does).
    assert_eq!(
        kinds,
        [
            "missing",
            "malformed",
            "signature",
            "expired",
            "expired",
            "wrong-provider",
            "id",
            "malformed"
        ]
        .map(Value::from)
    );
    // Another network, another scheme.
    let mut elsewhere = offer.clone();
    elsewhere.network = "eip155:1".into();
    let v = voucher(&world, &holder, provider, id, 0, later).await;
    let (status, got, _) = probe
        .send(
            &body,
            Some(payment_header(&elsewhere, &VoucherPayload::from(&v))),
        )
        .await;
    assert!(
        status == 402 && got.contains("is not this gateway's"),
        "{got}"
    );
    let mut other = offer.clone();
    other.scheme = "upto".into();
    let (status, got, _) = probe
        .send(
            &body,
            Some(payment_header(&other, &VoucherPayload::from(&v))),
        )
        .await;
    assert!(
        status == 402 && got.contains("scheme 'upto' is not accepted"),
        "{got}"
    );
    assert_eq!(
        served.stub.calls(),
        0,
        "no refused request reached the upstream"
    );

    // A good voucher is served; then the same voucher again, now that more
    // is owed, is a replay, and an older one is stale.
    let first = voucher(&world, &holder, provider, id, 0, later).await;
    let (status, _, _) = probe.send(&body, Some(pay(&first))).await;
    assert_eq!(status, 200);
    let owed = served
        .gateway
        .app
        .ledger
        .account(holder.address(), id)
        .await
        .unwrap()
        .unwrap()
        .owed;
    assert!(owed > 0);
    // The same request with the same voucher is the request sent again: its
    // answer again, charged once. The voucher with another request is a
    // replay.
    let (status, _, again) = probe.send(&body, Some(pay(&first))).await;
    assert_eq!((status, served.stub.calls()), (200, 1), "{again}");
    let other = chat("another question", false);
    let (status, got, _) = probe.send(&other, Some(pay(&first))).await;
    assert!(status == 402 && got.contains("replayed voucher"), "{got}");
    let short = voucher(
        &world,
        &holder,
        provider,
        id,
        owed.unsigned_abs() - 1,
        later,
    )
    .await;
    let (status, got, _) = probe.send(&body, Some(pay(&short))).await;
    assert!(status == 402 && got.contains("does not cover"), "{got}");
    let greedy = voucher(
        &world,
        &holder,
        provider,
        id,
        owed.unsigned_abs() + 1_000_000,
        later,
    )
    .await;
    let (status, got, _) = probe.send(&body, Some(pay(&greedy))).await;
    assert!(
        status == 402 && got.contains("for more than is owed"),
        "{got}"
    );
    let covering = voucher(&world, &holder, provider, id, owed.unsigned_abs(), later).await;
    assert_eq!(probe.send(&body, Some(pay(&covering))).await.0, 200);
    let (status, got, _) = probe.send(&other, Some(pay(&first))).await;
    assert!(status == 402 && got.contains("stale voucher"), "{got}");
    assert_eq!(served.stub.calls(), 2);

    // A budget the holder's balance cannot cover.
    let poor = party(&world, "poor").await;
    world.mint(poor.address(), &world.policy("", 0), 10).await;
    let v = voucher(&world, &poor, provider, id, 0, later).await;
    let (status, got, _) = probe.send(&body, Some(pay(&v))).await;
    assert!(
        status == 402 && got.contains("insufficient budget"),
        "{got}"
    );
    assert_eq!(served.stub.calls(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_authorizations_get_a_402_with_their_reason_and_never_reach_the_upstream() {
    let world = World::new().await;
    let served = serve(&world, |_| {}).await;
    let probe = Probe {
        http: reqwest::Client::new(),
        url: served.gateway.url(),
    };
    let agent = party(&world, "agent").await;
    world.pay_in(agent.address(), 3).await;
    let (_, offer) = probe.offers().await;
    let domain = world.owner.token_domain().await.unwrap();
    let provider = world.provider_key.address();
    let now = world.now().await;
    let sign = |to: Address, value: u64, after: u64, before: u64| {
        let (agent, domain) = (agent.clone(), domain.clone());
        async move {
            signing::sign_transfer_authorization(&agent, &domain, to, u(value), after, before)
                .await
                .unwrap()
        }
    };
    let pay = |a: &signing::SignedAuthorization| payment_header(&offer, &ExactPayload::from(a));
    let body = chat("pay per request", false);

    let mut tampered = sign(provider, EXACT_PRICE, 0, now + 600).await;
    tampered.authorization.validBefore = u(now + 601);
    let mut forged = sign(provider, EXACT_PRICE, 0, now + 600).await;
    forged.signature = Bytes::from(vec![1u8; 65]);
    let cases = vec![
        ("not signed by", pay(&tampered)),
        ("not signed by", pay(&forged)),
        (
            "the price is exactly",
            pay(&sign(provider, EXACT_PRICE - 1, 0, now + 600).await),
        ),
        (
            "not payTo",
            pay(&sign(Address::repeat_byte(3), EXACT_PRICE, 0, now + 600).await),
        ),
        (
            "expired",
            pay(&sign(provider, EXACT_PRICE, 0, now - 1).await),
        ),
        (
            "too soon to settle",
            pay(&sign(provider, EXACT_PRICE, 0, now + 10).await),
        ),
        (
            "valid only after",
            pay(&sign(provider, EXACT_PRICE, now + 3_600, now + 7_200).await),
        ),
    ];
    for (reason, payment) in cases {
        let (status, got, _) = probe.send(&body, Some(payment)).await;
        assert_eq!(status, 402, "{reason}");
        assert!(got.contains(reason), "expected '{reason}', got '{got}'");
    }
    assert_eq!(served.stub.calls(), 0);

    // Paid once; the same request with it again gets its answer again,
    // paid once; the same authorization with another request is a replay.
    let good = sign(provider, EXACT_PRICE, 0, now + 600).await;
    assert_eq!(probe.send(&body, Some(pay(&good))).await.0, 200);
    assert_eq!(probe.send(&body, Some(pay(&good))).await.0, 200);
    assert_eq!(served.stub.calls(), 1);
    let other = chat("another question", false);
    let (status, got, _) = probe.send(&other, Some(pay(&good))).await;
    assert!(status == 402 && got.contains("already"), "{got}");
    // Two more would promise more TokenAI than the agent holds with the
    // first unsettled... (3 in all): the third is served, a fourth refused.
    for _ in 0..2 {
        assert_eq!(
            probe
                .send(
                    &body,
                    Some(pay(&sign(provider, EXACT_PRICE, 0, now + 600).await))
                )
                .await
                .0,
            200
        );
    }
    let (status, got, _) = probe
        .send(
            &body,
            Some(pay(&sign(provider, EXACT_PRICE, 0, now + 600).await)),
        )
        .await;
    assert!(status == 402 && got.contains("TokenAI"), "{got}");
    assert_eq!(served.stub.calls(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn upstream_errors_timeouts_and_broken_streams_charge_nothing() {
    let world = World::new().await;
    let served = serve(&world, |c| c.upstream_timeout_secs = 2).await;
    let url = served.gateway.url();
    let holder = party(&world, "unlucky").await;
    let id = world
        .mint(holder.address(), &world.policy("", 0), 10_000)
        .await;
    let payer = world.voucher_payer(&holder, id).await;
    let chat_url = format!("{url}/v1/chat/completions");
    assert_eq!(
        payer
            .post(&chat_url, &chat("warm up", false))
            .await
            .unwrap()
            .status,
        200
    );
    let ledger = &served.gateway.app.ledger;
    let owed = ledger
        .account(holder.address(), id)
        .await
        .unwrap()
        .unwrap()
        .owed;

    for (text, stream, status) in [
        ("stub:fail", false, 500),
        ("stub:fail", true, 500),
        ("stub:hang", false, 504),
        ("stub:no-usage", false, 502),
    ] {
        let paid = payer.post(&chat_url, &chat(text, stream)).await.unwrap();
        assert_eq!(
            paid.status.as_u16(),
            status,
            "{text} stream={stream}: {}",
            String::from_utf8_lossy(&paid.body)
        );
        assert!(paid.settlement.is_none());
    }
    for text in ["stub:no-usage", "stub:break"] {
        let paid = payer.post(&chat_url, &chat(text, true)).await.unwrap();
        assert_eq!(
            paid.status,
            200,
            "{text}: {}",
            String::from_utf8_lossy(&paid.body)
        );
        let settlement = paid.settlement.expect("the final event");
        assert!(
            !settlement.success && settlement.amount.as_deref() == Some("0"),
            "{settlement:?}"
        );
        assert!(settlement
            .error_reason
            .unwrap()
            .contains("nothing was charged"));
    }
    let account = ledger.account(holder.address(), id).await.unwrap().unwrap();
    assert_eq!(account.owed, owed, "no failure was charged");
    assert_eq!(account.reserved, 0, "every reservation was freed");
    let metrics = reqwest::get(format!("{url}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("stream-uncharged"), "{metrics}");
}

#[tokio::test(flavor = "multi_thread")]
async fn expired_and_out_of_scope_ids_are_refused_before_the_upstream() {
    let world = World::new().await;
    let served = serve(&world, |_| {}).await;
    let probe = Probe {
        http: reqwest::Client::new(),
        url: served.gateway.url(),
    };
    let (offer, _) = probe.offers().await;
    let provider = world.provider_key.address();
    let holder = party(&world, "scoped").await;
    let now = world.now().await;
    let later = now + 86_400;
    let body = chat("hello", false);
    let pay = |v: &SignedVoucher| payment_header(&offer, &VoucherPayload::from(v));

    let other_scope = world
        .mint(holder.address(), &world.policy("MATH200", 0), 1_000)
        .await;
    let (status, got, _) = probe
        .send(
            &body,
            Some(pay(&voucher(
                &world,
                &holder,
                provider,
                other_scope,
                0,
                later,
            )
            .await)),
        )
        .await;
    assert!(
        status == 402 && got.contains("scoped to 'MATH200'"),
        "{got}"
    );

    let ending = world
        .mint(holder.address(), &world.policy("CS101", now + 600), 1_000)
        .await;
    let (status, got, _) = probe
        .send(
            &body,
            Some(pay(
                &voucher(&world, &holder, provider, ending, 0, later).await
            )),
        )
        .await;
    assert!(
        status == 402 && got.contains("could not be settled in time"),
        "{got}"
    );

    let mut other_model = world.policy("CS101", 0);
    other_model.model = aat_client::bytes16("claude").unwrap();
    let wrong = world.mint(holder.address(), &other_model, 1_000).await;
    let (status, got, _) = probe
        .send(
            &body,
            Some(pay(
                &voucher(&world, &holder, provider, wrong, 0, later).await
            )),
        )
        .await;
    assert!(
        status == 402 && got.contains("pays for model 'claude'"),
        "{got}"
    );
    assert_eq!(served.stub.calls(), 0);

    // The course's id that is in scope and unexpired is served.
    let course = world
        .mint(holder.address(), &world.policy("CS101", 0), 1_000)
        .await;
    assert_eq!(
        probe
            .send(
                &body,
                Some(pay(
                    &voucher(&world, &holder, provider, course, 0, later).await
                ))
            )
            .await
            .0,
        200
    );

    // Requests that cannot be served at all are refused before payment.
    let (status, _, error) = probe
        .send(&serde_json::json!({"model": "nope", "messages": []}), None)
        .await;
    assert_eq!(
        (status, error["error"]["type"].as_str()),
        (404, Some("model_not_found"))
    );
    let (status, _, error) = probe
        .send(
            &serde_json::json!({"model": MODEL, "max_tokens": 100_000}),
            None,
        )
        .await;
    assert!(
        status == 400
            && error["error"]["message"]
                .as_str()
                .unwrap()
                .contains("max_tokens")
    );
    let response = probe
        .http
        .post(format!("{}/v1/chat/completions", probe.url))
        .body("not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(served.stub.calls(), 1);
}
