//! Admission holds nothing the chain will not pay: vouchers kept exactly
//! as signed, the fee budgeted, one completion per bounded request,
//! accounts shown only to their holders, and credit of one request (none
//! for a smart account's own signature). (Signatures judged as the
//! contracts judge them: `signatures.rs`.)
#![allow(clippy::too_many_lines)] // each test tells one flow end to end, in order

mod common;

use aat_client::{
    bindings::{TransferWithAuthorization, AAT},
    signing::{self, SignedAuthorization, SignedVoucher, Voucher},
    x402::{
        decode_header, payment_header, Account, ExactPayload, PaymentRequired, PaymentRequirements,
        VoucherPayload, PAYMENT_REQUIRED,
    },
};
use aat_gateway::{budget, chain::ChainView};
use alloy::{
    consensus::Transaction,
    primitives::{B256, U256},
    providers::Provider,
    signers::local::PrivateKeySigner,
    sol_types::SolCall,
};
use common::{
    signers::{echo_wallet, magic_word, sign},
    *,
};
use serde_json::{json, Value};

fn u(n: u64) -> U256 {
    U256::from(n)
}

struct Probe {
    http: reqwest::Client,
    url: String,
}

impl Probe {
    fn new(served: &Served) -> Probe {
        Probe {
            http: reqwest::Client::new(),
            url: served.gateway.url(),
        }
    }

    /// Sends `body` with `payment` (and more `headers`); the status, the
    /// 402's terms if it is one, and the body.
    async fn send(
        &self,
        path: &str,
        body: &Value,
        payment: Option<String>,
        headers: &[(&str, String)],
    ) -> (u16, Option<PaymentRequired>, Value) {
        let mut request = self.http.post(format!("{}{path}", self.url)).json(body);
        if let Some(payment) = payment {
            request = request.header("payment-signature", payment);
        }
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let required = response
            .headers()
            .get(PAYMENT_REQUIRED)
            .map(|h| decode_header::<PaymentRequired>(h.to_str().unwrap()).unwrap());
        let body = response.json().await.unwrap_or(Value::Null);
        (status, required, body)
    }

    async fn chat(
        &self,
        body: &Value,
        payment: Option<String>,
    ) -> (u16, Option<PaymentRequired>, Value) {
        self.send("/v1/chat/completions", body, payment, &[]).await
    }

    async fn offers(&self) -> (PaymentRequirements, PaymentRequirements) {
        let (_, required, _) = self.chat(&chat("terms", false), None).await;
        let required = required.unwrap();
        (
            required.offer("aat-voucher").unwrap().clone(),
            required.offer("exact").unwrap().clone(),
        )
    }
}

/// The accounts a 402 shows.
fn accounts(required: &PaymentRequired) -> Vec<Account> {
    serde_json::from_value(required.offer("aat-voucher").unwrap().extra["accounts"].clone())
        .unwrap()
}

async fn voucher(
    world: &World,
    key: &PrivateKeySigner,
    id: U256,
    amount: u64,
    deadline: u64,
) -> SignedVoucher {
    let domain = world.owner.aat_domain().await.unwrap();
    signing::sign_voucher(
        key,
        &domain,
        world.provider_key.address(),
        id,
        u(amount),
        deadline,
    )
    .await
    .unwrap()
}

#[allow(clippy::unnecessary_wraps)] // the header as `Probe::chat` takes it
fn pay(offer: &PaymentRequirements, v: &SignedVoucher) -> Option<String> {
    Some(payment_header(offer, &VoucherPayload::from(v)))
}

/// Item 7: a voucher whose deadline the ledger cannot keep exactly (past
/// 2^63 - 1) is refused with a clear 402, and nothing is kept.
#[tokio::test(flavor = "multi_thread")]
async fn a_voucher_the_ledger_cannot_keep_exactly_is_refused() {
    let world = World::new().await;
    let served = serve(&world, |_| {}).await;
    let probe = Probe::new(&served);
    let (offer, _) = probe.offers().await;
    let holder = party(&world, "forever").await;
    let id = world
        .mint(holder.address(), &world.policy("", 0), 10_000)
        .await;
    let forever = voucher(&world, &holder, id, 0, u64::MAX).await;
    let (status, required, _) = probe
        .chat(&chat("hello", false), pay(&offer, &forever))
        .await;
    let reason = required.map(|r| r.error).unwrap_or_default();
    assert_eq!(status, 402, "{reason}");
    assert!(
        reason.contains("deadline 18446744073709551615 is beyond what this gateway keeps exactly"),
        "{reason}"
    );
    // Handed in without a request: refused alike.
    let (status, _, body) = probe
        .send("/aat/vouchers", &Value::Null, pay(&offer, &forever), &[])
        .await;
    assert_eq!(status, 422);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("keeps exactly"),
        "{body}"
    );
    let ledger = &served.gateway.app.ledger;
    assert_eq!(
        ledger.account(holder.address(), id).await.unwrap(),
        None,
        "nothing kept"
    );
    assert_eq!(served.stub.calls(), 0);
    // The largest deadline it keeps is kept as signed.
    let latest = voucher(&world, &holder, id, 0, i64::MAX.unsigned_abs()).await;
    assert_eq!(
        probe
            .chat(&chat("hello", false), pay(&offer, &latest))
            .await
            .0,
        200
    );
    let kept = ledger.account(holder.address(), id).await.unwrap().unwrap();
    assert_eq!(kept.voucher_deadline, i64::MAX);
    assert_eq!(kept.voucher_signature.as_ref(), Some(&latest.signature));
}

/// Serves `holder`'s payer until it is refused; the units served and the
/// refusal's reason.
async fn serve_until_refused(
    payer: &aat_client::x402::Payer<PrivateKeySigner>,
    url: &str,
) -> (u64, String) {
    let body = chat(
        "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen",
        false,
    );
    let mut served_units = 0u64;
    loop {
        let paid = payer.post(url, &body).await.unwrap();
        if paid.status != 200 {
            let reason = serde_json::from_slice::<PaymentRequired>(&paid.body)
                .unwrap()
                .error;
            return (served_units, reason);
        }
        served_units += paid
            .settlement
            .unwrap()
            .amount
            .unwrap()
            .parse::<u64>()
            .unwrap();
    }
}

/// Item 9 and review F6a: a holder whose channel holds exactly N units,
/// with nothing else, is refused before it owes more than N can settle
/// with the fee at its maximum (`voucher.budget_fee_bps`, by default AAT's
/// `MAX_FEE_BPS`): AAT's owner raises the fee to the maximum after the
/// channel is spent, and everything served still settles. With the budget
/// at the current fee only, it is served more.
#[tokio::test(flavor = "multi_thread")]
async fn the_fee_is_budgeted_so_everything_served_settles() {
    const LOCKED: u64 = 700;
    const MAX_FEE_BPS: u16 = 1_000;
    let world = World::new().await;
    // Every request costs its bound exactly: the completion only (16 words
    // of 4 units; the stub echoes more than 16 words of prompt).
    let pricing = |c: &mut aat_gateway::config::Config| {
        let model = c.models.get_mut(MODEL).unwrap();
        model.prompt_price = 0;
        model.completion_price = 4;
    };
    let served = serve(&world, pricing).await;
    let url = format!("{}/v1/chat/completions", served.gateway.url());
    let provider = world.provider_key.address();
    let (holder, id) = world
        .holder_with_channel("all in the channel", LOCKED, LOCKED, 30 * 86_400)
        .await;
    let payer = world.voucher_payer(&holder, id).await;
    let (served_units, refusal) = serve_until_refused(&payer, &url).await;
    assert!(refusal.contains("insufficient budget"), "{refusal}");
    let fee = |d: u64, bps: u16| budget::fee(u(d), bps).to::<u64>();
    assert_eq!(served_units % 64, 0);
    assert!(
        served_units + fee(served_units, MAX_FEE_BPS) <= LOCKED,
        "{served_units} units and their fee at most are beyond the {LOCKED} locked"
    );
    assert!(
        served_units + 64 + fee(served_units + 64, MAX_FEE_BPS) + 2 > LOCKED,
        "no more fitted"
    );

    // The owner raises the fee to its maximum before anything settles.
    assert_eq!(served.gateway.app.chain.fee_bps(), FEE_BPS);
    world
        .owner
        .send_aat(AAT::setFeeBpsCall {
            feeBps: MAX_FEE_BPS,
        })
        .await
        .unwrap();
    served.gateway.app.chain.poll().await.unwrap();
    assert_eq!(served.gateway.app.chain.fee_bps(), MAX_FEE_BPS);
    close_out(&payer, &served.gateway.url()).await;
    let report = served.gateway.settle_now().await.unwrap();
    assert_eq!(
        (report.vouchers_settled, report.vouchers_rejected),
        (1, 0),
        "{report:?}"
    );
    assert_eq!(
        world
            .owner
            .settled(holder.address(), provider, id)
            .await
            .unwrap(),
        u(served_units)
    );
    let locked = world
        .owner
        .channel(holder.address(), provider, id)
        .await
        .unwrap()
        .locked;
    assert_eq!(
        locked,
        u(LOCKED - served_units - fee(served_units, MAX_FEE_BPS))
    );

    // Budgeting at the current fee only (1%), a holder is served more.
    world
        .owner
        .send_aat(AAT::setFeeBpsCall { feeBps: FEE_BPS })
        .await
        .unwrap();
    let trusting = serve(&world, |c| {
        pricing(c);
        c.voucher.budget_fee_bps = 0;
    })
    .await;
    let (holder, id) = world
        .holder_with_channel("trusting the fee", LOCKED, LOCKED, 30 * 86_400)
        .await;
    let payer = world.voucher_payer(&holder, id).await;
    let url = format!("{}/v1/chat/completions", trusting.gateway.url());
    let (more, _) = serve_until_refused(&payer, &url).await;
    assert!(more > served_units, "{more} <= {served_units}");
    assert!(more + fee(more, FEE_BPS) <= LOCKED);
}

/// Item 10: what the price cannot bound (several completions, several
/// prompts, images, parameters that change what is generated) is a 400
/// before payment; an answer beyond its bound is not passed on, and not
/// charged less than the upstream reported.
#[tokio::test(flavor = "multi_thread")]
async fn one_bounded_completion_per_request() {
    let world = World::new().await;
    let served = serve(&world, |_| {}).await;
    let probe = Probe::new(&served);
    let (holder, id) = world
        .holder_with_channel("one completion", 100_000, 50_000, 30 * 86_400)
        .await;
    let payer = world.voucher_payer(&holder, id).await;
    let base = served.gateway.url();
    let chat_url = format!("{base}/v1/chat/completions");
    assert_eq!(
        payer
            .post(&chat_url, &chat("warm up", false))
            .await
            .unwrap()
            .status,
        200
    );
    let ledger = &served.gateway.app.ledger;
    let owed = || async {
        ledger
            .account(holder.address(), id)
            .await
            .unwrap()
            .unwrap()
            .owed
    };
    let before = owed().await;
    let calls = served.stub.calls();

    let mut eight = chat("eight answers please", false);
    eight["n"] = json!(8);
    let mut hidden = chat("a small bound, a large one", false);
    hidden["max_completion_tokens"] = json!(8);
    hidden["max_tokens"] = json!(100_000);
    let mut tokens = chat("llama.cpp's own limit", false);
    tokens["n_predict"] = json!(100_000);
    let image = json!({"model": MODEL, "messages": [{"role": "user", "content": [
        {"type": "text", "text": "what is this?"},
        {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}]}]});
    for (path, body, says) in [
        ("/v1/chat/completions", eight, "'n' must be 1"),
        (
            "/v1/chat/completions",
            hidden,
            "'max_tokens' must be an integer from 1 to 64",
        ),
        (
            "/v1/chat/completions",
            tokens,
            "'n_predict' is not supported",
        ),
        (
            "/v1/chat/completions",
            image,
            "'image_url' are not supported",
        ),
        (
            "/v1/completions",
            json!({"model": MODEL, "prompt": "x", "best_of": 4}),
            "'best_of' must be 1",
        ),
        (
            "/v1/completions",
            json!({"model": MODEL, "prompt": "x", "n": 3}),
            "'n' must be 1",
        ),
        (
            "/v1/completions",
            json!({"model": MODEL, "prompt": ["a", "b", "c"]}),
            "'prompt' must be one string",
        ),
    ] {
        let paid = payer.post(&format!("{base}{path}"), &body).await.unwrap();
        let answer: Value = serde_json::from_slice(&paid.body).unwrap_or_default();
        assert_eq!(paid.status, 400, "{says}: {answer}");
        let message = answer["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(says), "expected '{says}', got '{message}'");
    }
    assert_eq!(served.stub.calls(), calls, "none reached the upstream");
    assert_eq!(owed().await, before, "none was charged");

    // An upstream that answers beyond the bound (here: eight times the words
    // asked for, reported honestly): a whole answer is withheld and not
    // charged; a stream is cut where it passes the bound, and not charged.
    let paid = payer
        .post(&chat_url, &chat("stub:overrun please", false))
        .await
        .unwrap();
    let answer = String::from_utf8_lossy(&paid.body).to_string();
    assert_eq!(paid.status, 502, "{answer}");
    assert!(
        answer.contains("beyond this request's bound") && !answer.contains("echo:"),
        "{answer}"
    );
    let paid = payer
        .post(&chat_url, &chat("stub:overrun please", true))
        .await
        .unwrap();
    assert_eq!(paid.status, 200);
    let stream = String::from_utf8_lossy(&paid.body).to_string();
    let pieces = stream.matches("\"content\":").count();
    assert!(
        pieces <= 16,
        "{pieces} pieces passed on for max_tokens 16: {stream}"
    );
    let settlement = paid.settlement.expect("the final event");
    assert!(!settlement.success, "{settlement:?}");
    assert!(settlement
        .error_reason
        .unwrap()
        .contains("the stream was cut"));
    assert_eq!(owed().await, before, "nothing charged for either");
    assert_eq!(probe.offers().await.0.scheme, "aat-voucher");
}

/// Ada, with a channel, served `requests` times through a gateway by her
/// payer: the parties the disclosure tests share.
struct Ada {
    world: World,
    served: Served,
    probe: Probe,
    offer: PaymentRequirements,
    key: PrivateKeySigner,
    id: U256,
    chat_url: String,
    pays: aat_client::x402::Payer<PrivateKeySigner>,
}

impl Ada {
    async fn served(name: &str, requests: usize) -> Ada {
        let world = World::new().await;
        let served = serve(&world, |_| {}).await;
        let probe = Probe::new(&served);
        let (offer, _) = probe.offers().await;
        let (key, id) = world
            .holder_with_channel(name, 100_000, 50_000, 30 * 86_400)
            .await;
        let chat_url = format!("{}/v1/chat/completions", served.gateway.url());
        let pays = world.voucher_payer(&key, id).await;
        let ada = Ada {
            world,
            served,
            probe,
            offer,
            key,
            id,
            chat_url,
            pays,
        };
        for i in 0..requests {
            ada.ask(i).await;
        }
        ada
    }

    /// One more request by her payer, served.
    async fn ask(&self, i: usize) {
        let paid = self
            .pays
            .post(&self.chat_url, &chat(&format!("ada {i}"), false))
            .await
            .unwrap();
        assert_eq!(paid.status, 200);
    }
}

/// Item 12: a 402 shows a holder's owed amount and latest voucher only to
/// a request carrying that holder's own valid signature; the honest client
/// still resyncs.
#[tokio::test(flavor = "multi_thread")]
async fn a_402_shows_an_account_only_to_its_holder() {
    let Ada {
        world,
        served: _gateway,
        probe,
        offer,
        key: ada,
        id,
        chat_url,
        pays: ada_pays,
    } = Ada::served("private ada", 2).await;
    let owed = ada_pays.owed().unwrap();
    assert!(owed > U256::ZERO);
    let later = world.now().await + 86_400;

    // A stranger naming Ada, with the header or with a voucher it signed.
    let stranger = party(&world, "nosy stranger").await;
    let named = [("aat-holder", ada.address().to_string())];
    let (status, required, _) = probe
        .send(
            "/v1/chat/completions",
            &chat("how much does Ada owe?", false),
            None,
            &named,
        )
        .await;
    assert_eq!(status, 402);
    assert_eq!(
        accounts(&required.unwrap()),
        vec![],
        "no account for a name"
    );
    let domain = world.owner.aat_domain().await.unwrap();
    let forged = SignedVoucher {
        voucher: Voucher {
            holder: ada.address(),
            provider: world.provider_key.address(),
            id,
            cumulativeAmount: U256::ZERO,
            deadline: later,
        },
        signature: sign(
            &stranger,
            &domain,
            &Voucher {
                holder: ada.address(),
                provider: world.provider_key.address(),
                id,
                cumulativeAmount: U256::ZERO,
                deadline: later,
            },
        )
        .into(),
    };
    let (status, required, _) = probe
        .chat(&chat("and now?", false), pay(&offer, &forged))
        .await;
    let required = required.unwrap();
    assert_eq!(status, 402);
    assert!(
        required.error.contains("not signed by its holder"),
        "{}",
        required.error
    );
    assert_eq!(
        accounts(&required),
        vec![],
        "no account for a forged voucher"
    );
    let text = serde_json::to_string(&required).unwrap();
    assert!(
        !text.contains("lastVoucher") && !text.contains("\"owed\""),
        "{text}"
    );

    // Ada's own voucher, for less than she owes: she is told what she owes
    // and shown the voucher held.
    let short = voucher(&world, &ada, id, 0, later).await;
    let (status, required, _) = probe
        .chat(&chat("how much do I owe?", false), pay(&offer, &short))
        .await;
    let required = required.unwrap();
    assert_eq!(status, 402);
    let mine = accounts(&required);
    assert_eq!(mine.len(), 1, "{}", required.error);
    assert_eq!((mine[0].holder, mine[0].owed), (ada.address(), owed));
    assert!(mine[0].last_voucher.is_some());

    // A client that lost its state resyncs from such a 402 and is served.
    let fresh = world.voucher_payer(&ada, id).await;
    let paid = fresh
        .post(&chat_url, &chat("where was I?", false))
        .await
        .unwrap();
    assert_eq!(paid.status, 200, "{}", String::from_utf8_lossy(&paid.body));
    assert!(fresh.owed().unwrap() > owed);
}

/// Item 13: a holder may owe at most one request's maximum cost beyond
/// its latest voucher (so one request at a time), whatever is configured;
/// a voucher for more than is owed is refused.
#[tokio::test(flavor = "multi_thread")]
async fn credit_is_one_request_beyond_the_voucher() {
    let world = World::new().await;
    // Configured higher: clamped.
    let served = serve(&world, |c| c.voucher.credit_limit = Some(1_000_000)).await;
    let probe = std::sync::Arc::new(Probe::new(&served));
    let (offer, _) = probe.offers().await;
    let (holder, id) = world
        .holder_with_channel("one at a time", 100_000, 50_000, 30 * 86_400)
        .await;
    let later = world.now().await + 86_400;
    let first = voucher(&world, &holder, id, 0, later).await;
    let slow = tokio::spawn({
        let (probe, payment) = (probe.clone(), pay(&offer, &first));
        async move { probe.chat(&chat("stub:slow one", false), payment).await }
    });
    // While the first is in flight (at the upstream), a second with the
    // same voucher.
    while served.stub.calls() == 0 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let (status, required, _) = probe
        .chat(&chat("a second at once", false), pay(&offer, &first))
        .await;
    assert_eq!(status, 402, "a second request beyond the voucher");
    let required = required.unwrap();
    assert!(
        required.error.contains("credit limit"),
        "{}",
        required.error
    );
    let terms = required.offer("aat-voucher").unwrap();
    assert_eq!(
        terms.extra["creditLimit"].as_str(),
        Some(terms.amount.as_str()),
        "one request"
    );
    assert_eq!(slow.await.unwrap().0, 200);

    // Signing ahead: a voucher for more than is owed is refused.
    let owed = served
        .gateway
        .app
        .ledger
        .account(holder.address(), id)
        .await
        .unwrap()
        .unwrap()
        .owed;
    let ahead = voucher(&world, &holder, id, owed.unsigned_abs() + 1, later).await;
    let (status, required, _) = probe.chat(&chat("ahead", false), pay(&offer, &ahead)).await;
    let reason = required.unwrap().error;
    assert!(
        status == 402 && reason.contains("for more than is owed"),
        "{reason}"
    );
    let exact = voucher(&world, &holder, id, owed.unsigned_abs(), later).await;
    assert_eq!(
        probe
            .chat(&chat("exactly", false), pay(&offer, &exact))
            .await
            .0,
        200
    );
}

/// Item 13: a holder with code whose voucher is valid only through its
/// ERC-1271 wallet is served only within what it has already settled
/// (nothing, here); an `exact` payer alike unless settled before the
/// answer.
#[tokio::test(flavor = "multi_thread")]
async fn a_smart_account_is_served_only_within_what_it_settled() {
    let world = World::new().await;
    let served = serve(&world, |_| {}).await;
    let probe = Probe::new(&served);
    let (offer, exact_offer) = probe.offers().await;
    let wallet = echo_wallet(&world).await;
    let id = world.mint(wallet, &world.policy("", 0), 100_000).await;
    world.pay_in(wallet, 10).await;
    let v = Voucher {
        holder: wallet,
        provider: world.provider_key.address(),
        id,
        cumulativeAmount: U256::ZERO,
        deadline: world.now().await + 86_400,
    };
    let signed = SignedVoucher {
        voucher: v,
        signature: magic_word().into(),
    };
    let app = &served.gateway.app;
    assert_eq!(
        app.voucher_verdict(&signed).await.unwrap(),
        aat_client::signature::Verdict::Erc1271,
        "the wallet says yes"
    );
    let (status, required, _) = probe
        .chat(&chat("I am a contract", false), pay(&offer, &signed))
        .await;
    assert_eq!(status, 402, "served on the wallet's word");
    let required = required.unwrap();
    assert!(
        required.error.contains("signs through ERC-1271")
            && required
                .error
                .contains("already settled on-chain (0 units)"),
        "{}",
        required.error
    );
    let now = world.now().await;
    let authorization = SignedAuthorization {
        authorization: TransferWithAuthorization {
            from: wallet,
            to: world.provider_key.address(),
            value: u(EXACT_PRICE),
            validAfter: U256::ZERO,
            validBefore: u(now + 600),
            nonce: B256::repeat_byte(7),
        },
        signature: magic_word().into(),
    };
    let (status, required, _) = probe
        .chat(
            &chat("and pay now", false),
            Some(payment_header(
                &exact_offer,
                &ExactPayload::from(&authorization),
            )),
        )
        .await;
    let reason = required.unwrap().error;
    assert!(
        status == 402 && reason.contains("signs through ERC-1271"),
        "{reason}"
    );
    assert_eq!(served.stub.calls(), 0);
}

/// A ledger that counted less than the chain settled (restored from a
/// backup, or another gateway settling with this provider's key) holds the
/// holder to what is settled: a voucher for less would settle nothing, so
/// it is refused (showing the settled amount as owed), and one for the
/// settled amount is served on top of it.
#[tokio::test(flavor = "multi_thread")]
async fn a_ledger_behind_the_chain_counts_what_the_chain_settled() {
    let world = World::new().await;
    let (holder, id) = world
        .holder_with_channel("restored", 100_000, 50_000, 30 * 86_400)
        .await;
    let deadline = world.now().await + 86_400;
    let policy = world.policy("", 0);
    let earlier = voucher(&world, &holder, id, 5_000, deadline).await;
    world
        .rails_of(&world.provider_key)
        .settle_batch(&[earlier], policy.model, policy.scope)
        .await
        .unwrap();
    // This gateway's ledger has never heard of the holder.
    let served = serve(&world, |_| {}).await;
    let probe = Probe::new(&served);
    let (offer, _) = probe.offers().await;
    for amount in [0, 4_999] {
        let behind = voucher(&world, &holder, id, amount, deadline).await;
        let (status, required, _) = probe
            .chat(
                &chat("served for what is settled?", false),
                pay(&offer, &behind),
            )
            .await;
        let required = required.unwrap();
        assert_eq!(status, 402, "served on a voucher for {amount}");
        assert!(
            required
                .error
                .contains("less than the 5000 units settled on-chain"),
            "{}",
            required.error
        );
        assert_eq!(accounts(&required)[0].owed, u(5_000));
    }
    assert_eq!(served.stub.calls(), 0);
    let at_settled = voucher(&world, &holder, id, 5_000, deadline).await;
    let (status, _, _) = probe
        .chat(
            &chat("served on top of it", false),
            pay(&offer, &at_settled),
        )
        .await;
    assert_eq!(status, 200);
    let account = served
        .gateway
        .app
        .ledger
        .account(holder.address(), id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(account.settled, 5_000);
    assert!(account.owed > 5_000, "{account:?}");
}

/// A voucher a settlement published is in calldata for anyone to copy.
/// Sent again as a payment, or handed in, it is refused showing only what
/// the chain shows anyone (the settled amount, as the least owed), never
/// the holder's owed amount or latest voucher; a voucher for less than is
/// settled alike. The holder, signing anew, is still told everything, and a
/// payer that lost track resyncs.
#[tokio::test(flavor = "multi_thread")]
async fn a_published_voucher_sent_again_discloses_nothing() {
    let a = Ada::served("published ada", 2).await;
    let report = a.served.gateway.app.settle_round(true).await.unwrap();
    assert_eq!(report.vouchers_settled, 1);
    a.ask(2).await;
    let (world, probe, offer, id) = (&a.world, &a.probe, &a.offer, a.id);
    let owed = a.pays.owed().unwrap();
    let settled = world
        .owner
        .settled(a.key.address(), world.provider_key.address(), id)
        .await
        .unwrap();
    assert!(U256::ZERO < settled && settled < owed);

    // The copy, as anyone reads it from the settleBatch's calldata.
    let tx = world
        .owner
        .provider
        .get_transaction_by_hash(report.hashes[0])
        .await
        .unwrap()
        .unwrap();
    let call = AAT::settleBatchCall::abi_decode(tx.inner.input()).unwrap();
    let copy = SignedVoucher {
        voucher: call.vouchers[0].clone(),
        signature: call.signatures[0].clone(),
    };
    assert_eq!(copy.voucher.cumulativeAmount, settled);
    let public = vec![Account {
        holder: a.key.address(),
        id,
        owed: settled,
        settled,
        last_voucher: None,
    }];
    let (status, required, _) = probe
        .chat(&chat("what does Ada owe?", false), pay(offer, &copy))
        .await;
    let required = required.unwrap();
    assert_eq!(status, 402);
    assert!(
        required.error.contains("may be a copy"),
        "{}",
        required.error
    );
    assert_eq!(accounts(&required), public);
    let (status, _, body) = probe
        .send("/aat/vouchers", &Value::Null, pay(offer, &copy), &[])
        .await;
    let message = body["error"]["message"].as_str().unwrap().to_owned();
    assert_eq!(status, 422);
    assert!(
        message.contains("may be a copy") && !message.contains(&owed.to_string()),
        "{message}"
    );
    // Her own voucher for less than is settled: the same answer.
    let later = world.now().await + 86_400;
    let short = voucher(world, &a.key, id, 1, later).await;
    let (_, required, _) = probe
        .chat(&chat("and now?", false), pay(offer, &short))
        .await;
    assert_eq!(accounts(&required.unwrap()), public);
    assert_eq!(a.served.stub.calls(), 3);

    // Signed anew for the settled amount: Ada is told what she owes.
    let anew = voucher(world, &a.key, id, settled.to::<u64>(), later).await;
    let (status, required, _) = probe
        .chat(&chat("how much do I owe?", false), pay(offer, &anew))
        .await;
    assert_eq!(status, 402);
    let mine = accounts(&required.unwrap());
    assert_eq!((mine[0].owed, mine[0].settled), (owed, settled));
    assert!(mine[0].last_voucher.is_some());
    // A payer that lost track: told the settled amount, then what is owed.
    // (A second later: a voucher signed in the same second for the same
    // amount as the published one would be that one.)
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    let fresh = world.voucher_payer(&a.key, id).await;
    let paid = fresh
        .post(&a.chat_url, &chat("where was I?", false))
        .await
        .unwrap();
    assert_eq!(paid.status, 200, "{}", String::from_utf8_lossy(&paid.body));
    assert!(fresh.owed().unwrap() > owed);
}
