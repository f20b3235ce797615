//! Durability: a gateway killed with SIGKILL in the middle of a run and
//! restarted settles everything it had accepted, frees the `exact` nonces of
//! the requests that died with it, and gives an answer that was charged but
//! never reached its payer to the same request sent again, without charging
//! it twice; two gateways sharing one PostgreSQL database never
//! double-charge a holder.
#![allow(clippy::too_many_lines)] // each test tells one flow end to end, in order

mod common;

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use aat_client::{
    signing,
    x402::{
        decode_header, payment_header, settlement_event, Payer, PaymentRequired,
        PaymentRequirements, SettlementResponse, VoucherPayload, PAYMENT_REQUIRED,
        PAYMENT_RESPONSE, PAYMENT_SIGNATURE,
    },
};
use aat_gateway::Gateway;
use alloy::{
    primitives::{Address, U256},
    signers::local::PrivateKeySigner,
};
use common::*;

fn u(n: u64) -> U256 {
    U256::from(n)
}

/// A gateway process, killed (SIGKILL) when dropped, so that a failing
/// test leaves none behind.
struct Running(Child);

impl Running {
    /// `kill -9`, and waits for it to be gone.
    fn kill(&mut self) {
        self.0.kill().unwrap();
        self.0.wait().unwrap();
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The gateway binary, started on `config`; returns it and its URL.
fn spawn(config: &std::path::Path, key: &str) -> (Running, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_aat-gateway"))
        .arg("--config")
        .arg(config)
        .env("PROVIDER_KEY", key)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the gateway binary starts");
    // Log lines (a restart's recovery warns) may come first.
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    let url = loop {
        line.clear();
        assert!(
            stdout.read_line(&mut line).unwrap() > 0,
            "the gateway exited before listening"
        );
        if let Some(url) = line.trim().strip_prefix("aat-gateway listening on ") {
            break url.to_owned();
        }
        eprint!("{line}");
    };
    // The rest of its log, passed on until it exits.
    std::thread::spawn(move || {
        for line in stdout.lines() {
            match line {
                Ok(line) => eprintln!("{line}"),
                Err(_) => break,
            }
        }
    });
    (Running(child), url)
}

fn write_config(
    dir: &TempDir,
    world: &World,
    upstream: &str,
    threshold: u64,
) -> std::path::PathBuf {
    let text = format!(
        r#"
listen = "127.0.0.1:0"
upstream = "{upstream}"
rpc = "{rpc}"
aat = "{aat}"
database = "{database}"
poll_ms = 50
upstream_timeout_secs = 5

[models.{MODEL}]
aat_model = "{MODEL}"
prompt_price = {PROMPT_PRICE}
completion_price = {COMPLETION_PRICE}
max_tokens = 64

# The holders here pay from balances: credit granted on purpose.
[voucher]
balance_credit_units = 1000000

[exact]
price = "{EXACT_PRICE}"

[settlement]
threshold_units = {threshold}
interval_ms = 100
"#,
        rpc = world.node.url(),
        aat = world.owner.aat,
        database = dir.sqlite(),
    );
    let path = dir.0.join("gateway.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// What the gateway says `holder` owes in `id`, from the account list of
/// a 402 answered to a voucher `holder` signed (for nothing: it does not
/// cover what is owed). A 402 shows an account only to its holder.
async fn owed(
    world: &World,
    url: &str,
    holder: &alloy::signers::local::PrivateKeySigner,
    id: U256,
) -> U256 {
    let http = reqwest::Client::new();
    let ask = |payment: Option<String>| {
        let mut request = http
            .post(format!("{url}/v1/chat/completions"))
            .json(&chat("how much?", false));
        if let Some(payment) = payment {
            request = request.header("payment-signature", payment);
        }
        async move {
            let response = request.send().await.unwrap();
            decode_header::<PaymentRequired>(response.headers()[PAYMENT_REQUIRED].to_str().unwrap())
                .unwrap()
        }
    };
    let offer = ask(None).await.offer("aat-voucher").unwrap().clone();
    let voucher = signing::sign_voucher(
        holder,
        &world.owner.aat_domain().await.unwrap(),
        offer.pay_to.parse().unwrap(),
        id,
        U256::ZERO,
        world.now().await + 86_400,
    )
    .await
    .unwrap();
    let required = ask(Some(payment_header(
        &offer,
        &VoucherPayload::from(&voucher),
    )))
    .await;
    let accounts = &required.offer("aat-voucher").unwrap().extra["accounts"];
    accounts[0]["owed"].as_str().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_gateway_killed_mid_run_restarts_and_settles_everything_it_accepted() {
    let world = World::new().await;
    let stub = aat_gateway::upstream_stub::UpstreamStub::start()
        .await
        .unwrap();
    let dir = TempDir::new("crash");
    let provider = world.provider_key.address();
    let key = format!("{:#x}", world.provider_key.to_bytes());
    let holder = party(&world, "durable").await;
    let id = world
        .mint(holder.address(), &world.policy("", 0), 100_000)
        .await;

    // The first run never settles by itself (a threshold it cannot reach).
    let (mut first, url) = spawn(&write_config(&dir, &world, &stub.url(), u64::MAX / 2), &key);
    let payer = std::sync::Arc::new(world.voucher_payer(&holder, id).await);
    let mut charged = U256::ZERO;
    let mut accepted_voucher = U256::ZERO;
    for i in 0..10 {
        let voucher = payer.owed().unwrap_or_default();
        let paid = payer
            .post(
                &format!("{url}/v1/chat/completions"),
                &chat(&format!("run {i}"), i % 2 == 0),
            )
            .await
            .unwrap();
        assert_eq!(paid.status, 200, "{}", String::from_utf8_lossy(&paid.body));
        charged += paid
            .settlement
            .unwrap()
            .amount
            .unwrap()
            .parse::<U256>()
            .unwrap();
        accepted_voucher = voucher;
    }
    // One more in flight when the gateway is killed.
    let in_flight_voucher = payer.owed().unwrap();
    let in_flight = {
        let (payer, url) = (payer.clone(), url.clone());
        tokio::spawn(async move {
            payer
                .post(
                    &format!("{url}/v1/chat/completions"),
                    &chat("in flight", false),
                )
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(5)).await;
    first.kill(); // SIGKILL
    let in_flight_served = matches!(in_flight.await.unwrap(), Ok(paid) if paid.status == 200);

    // The second run, same database, settles as soon as anything is owed.
    let (mut second, url) = spawn(&write_config(&dir, &world, &stub.url(), 1), &key);
    let owed_now = owed(&world, &url, &holder, id).await;
    assert!(
        owed_now >= charged,
        "every response released was recorded: {owed_now} < {charged}"
    );
    let deadline = Instant::now() + Duration::from_mins(1);
    let settled = loop {
        let settled = world
            .owner
            .settled(holder.address(), provider, id)
            .await
            .unwrap();
        if settled >= accepted_voucher
            && (settled == in_flight_voucher || settled == accepted_voucher)
            && !settled.is_zero()
        {
            tokio::time::sleep(Duration::from_millis(500)).await;
            break world
                .owner
                .settled(holder.address(), provider, id)
                .await
                .unwrap();
        }
        assert!(
            Instant::now() < deadline,
            "the restarted gateway did not settle (settled {settled})"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(
        settled == accepted_voucher || settled == in_flight_voucher,
        "settled {settled}: the last voucher accepted was {accepted_voucher} (or {in_flight_voucher} in flight, served: {in_flight_served})"
    );
    second.kill();
    assert!(stub.calls() >= 10);
    let _ = u(0);
}

/// The ledger's file, read beside the gateway that owns it.
async fn ledger_file(dir: &TempDir) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::AnyPool::connect(&format!("{}?mode=ro", dir.sqlite()))
        .await
        .unwrap()
}

/// A number the ledger's file holds about `who`.
async fn ledger_number(pool: &sqlx::AnyPool, sql: &str, who: Address) -> i64 {
    sqlx::query_scalar::<_, i64>(sql)
        .bind(format!("{who:#x}"))
        .fetch_optional(pool)
        .await
        .unwrap()
        .unwrap_or(0)
}

/// A paid request: its `PAYMENT-SIGNATURE` and its body, to send again.
#[derive(Clone, Debug)]
struct Sent {
    header: String,
    body: serde_json::Value,
}

/// What a paid request came back with: its settlement, once the whole
/// answer has arrived; an error when it did not (the gateway died).
async fn send(url: &str, sent: &Sent) -> Result<(u16, SettlementResponse, Vec<u8>), String> {
    let response = reqwest::Client::new()
        .post(format!("{url}/v1/chat/completions"))
        .header(PAYMENT_SIGNATURE, &sent.header)
        .json(&sent.body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let header: Option<SettlementResponse> = response
        .headers()
        .get(PAYMENT_RESPONSE)
        .map(|h| decode_header(h.to_str().unwrap()).unwrap());
    let body = response.bytes().await.map_err(|e| e.to_string())?.to_vec();
    let settlement = header.or_else(|| settlement_event(&body)).ok_or_else(|| {
        format!(
            "{status} without a settlement: {}",
            String::from_utf8_lossy(&body)
        )
    })?;
    Ok((status, settlement, body))
}

/// What a payer received until the gateway died: the units (vouchers) or
/// the number (`exact`) of the answers it holds, and the request that was
/// in flight, if one was.
#[derive(Debug, Default)]
struct Received {
    answers: u64,
    units: U256,
    owed: U256,
    in_flight: Option<Sent>,
}

impl Received {
    fn add(&mut self, settlement: &SettlementResponse) {
        assert!(settlement.accepted(), "{settlement:?}");
        self.answers += 1;
        if let Some(voucher) = settlement.voucher() {
            self.units += voucher.receipt.units;
            self.owed = self.owed.max(voucher.account.owed);
        }
    }
}

/// A holder paying by voucher, one request after another, until one fails.
async fn voucher_load(
    url: String,
    key: PrivateKeySigner,
    id: U256,
    offer: PaymentRequirements,
    domain: alloy::sol_types::Eip712Domain,
) -> Received {
    let provider: Address = offer.pay_to.parse().unwrap();
    let deadline = offer.extra["now"].as_u64().unwrap() + 7_200;
    let mut received = Received::default();
    for i in 0.. {
        let signed =
            aat_client::signing::sign_voucher(&key, &domain, provider, id, received.owed, deadline)
                .await
                .unwrap();
        let sent = Sent {
            header: payment_header(&offer, &VoucherPayload::from(&signed)),
            body: chat(&format!("load {i}"), i % 2 == 0),
        };
        match send(&url, &sent).await {
            Ok((200, settlement, _)) => received.add(&settlement),
            Ok((status, settlement, _)) => panic!("{status}: {settlement:?}"),
            Err(_) => {
                received.in_flight = Some(sent);
                return received;
            }
        }
    }
    received
}

/// An agent paying `exact`, one request after another, until one fails.
async fn exact_load(
    url: String,
    pays: Payer<PrivateKeySigner>,
    required: PaymentRequired,
) -> Received {
    let mut received = Received::default();
    for i in 0.. {
        let sent = Sent {
            header: pays.pay(&required).await.unwrap(),
            body: chat(&format!("exact load {i}"), i % 2 == 1),
        };
        match send(&url, &sent).await {
            Ok((200, settlement, _)) => received.add(&settlement),
            Ok((status, settlement, _)) => panic!("{status}: {settlement:?}"),
            Err(_) => {
                received.in_flight = Some(sent);
                return received;
            }
        }
    }
    received
}

#[tokio::test(flavor = "multi_thread")]
async fn a_gateway_killed_with_payments_in_flight_frees_their_nonces_and_answers_them_again() {
    let world = World::new().await;
    let stub = aat_gateway::upstream_stub::UpstreamStub::start()
        .await
        .unwrap();
    let dir = TempDir::new("crash-in-flight");
    let provider = world.provider_key.address();
    let key = format!("{:#x}", world.provider_key.to_bytes());
    let (mut first, url) = spawn(&write_config(&dir, &world, &stub.url(), u64::MAX / 2), &key);
    let file = ledger_file(&dir).await;
    let chat_url = format!("{url}/v1/chat/completions");
    let offers = reqwest::Client::new()
        .post(&chat_url)
        .json(&chat("terms", false))
        .send()
        .await
        .unwrap();
    let required: PaymentRequired =
        decode_header(offers.headers()[PAYMENT_REQUIRED].to_str().unwrap()).unwrap();

    // An answer charged that never reaches its payer: the holder leaves a
    // stream as soon as it starts; the gateway reads it to its end and
    // charges it.
    let reader = party(&world, "leaves its stream").await;
    let id = world
        .mint(reader.address(), &world.policy("", 0), 100_000)
        .await;
    let reader_pays = world.voucher_payer(&reader, id).await;
    let first_answer = reader_pays
        .post(&chat_url, &chat("first", false))
        .await
        .unwrap();
    assert_eq!(
        first_answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&first_answer.body)
    );
    let owed_before = ledger_number(
        &file,
        "SELECT owed FROM accounts WHERE holder = $1",
        reader.address(),
    )
    .await;
    let offer = required.offer("aat-voucher").unwrap().clone();
    let aat_domain = world.owner.aat_domain().await.unwrap();
    let signed = aat_client::signing::sign_voucher(
        &reader,
        &aat_domain,
        provider,
        id,
        reader_pays.owed().unwrap(),
        world.now().await + 7_200,
    )
    .await
    .unwrap();
    let left = Sent {
        header: payment_header(&offer, &VoucherPayload::from(&signed)),
        body: chat("an answer that never arrives", true),
    };
    let response = reqwest::Client::new()
        .post(&chat_url)
        .header(PAYMENT_SIGNATURE, &left.header)
        .json(&left.body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    drop(response);
    let deadline = Instant::now() + Duration::from_secs(20);
    let owed_after = loop {
        let owed = ledger_number(
            &file,
            "SELECT owed FROM accounts WHERE holder = $1",
            reader.address(),
        )
        .await;
        if owed > owed_before {
            break owed;
        }
        assert!(Instant::now() < deadline, "the stream was never charged");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };

    // Load: holders and agents paying one request after another.
    let mut voucher_tasks = Vec::new();
    let mut holders = Vec::new();
    for i in 0..3 {
        let holder = party(&world, &format!("under load {i}")).await;
        world
            .mint(holder.address(), &world.policy("", 0), 100_000)
            .await;
        holders.push(holder.address());
        voucher_tasks.push(tokio::spawn(voucher_load(
            url.clone(),
            holder,
            id,
            offer.clone(),
            aat_domain.clone(),
        )));
    }
    let mut exact_tasks = Vec::new();
    let mut agents = Vec::new();
    for i in 0..3 {
        let agent = party(&world, &format!("exact under load {i}")).await;
        world.pay_in(agent.address(), 1_000).await;
        agents.push(agent.address());
        let pays = world.exact_payer(&agent).await;
        exact_tasks.push(tokio::spawn(exact_load(
            url.clone(),
            pays,
            required.clone(),
        )));
    }

    // An `exact` payment in flight (reserved) when the gateway dies: its
    // payer can pay exactly one request.
    let slow = party(&world, "in flight at the kill").await;
    world.pay_in(slow.address(), 1).await;
    let slow_pays = world.exact_payer(&slow).await;
    let slow_request = Sent {
        header: slow_pays.pay(&required).await.unwrap(),
        body: chat("stub:slow in flight", false),
    };
    let slow_task = tokio::spawn({
        let (url, sent) = (url.clone(), slow_request.clone());
        async move { send(&url, &sent).await }
    });
    let reserved = "SELECT COUNT(*) FROM exact_payments WHERE payer = $1 AND status = 'reserved'";
    let deadline = Instant::now() + Duration::from_secs(20);
    while ledger_number(&file, reserved, slow.address()).await == 0 {
        assert!(
            Instant::now() < deadline,
            "the slow payment was never reserved"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    first.kill(); // SIGKILL
    assert!(
        slow_task.await.unwrap().is_err(),
        "the slow request died with the gateway"
    );
    let mut vouchers = Vec::new();
    for task in voucher_tasks {
        vouchers.push(task.await.unwrap());
    }
    let mut exacts = Vec::new();
    for task in exact_tasks {
        exacts.push(task.await.unwrap());
    }
    drop(file);

    // The second run, on the same ledger, settles everything owed.
    let (mut second, url) = spawn(&write_config(&dir, &world, &stub.url(), 1), &key);
    let file = ledger_file(&dir).await;
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT status, created_at FROM exact_payments WHERE payer = $1")
            .bind(format!("{:#x}", slow.address()))
            .fetch_all(&file)
            .await
            .unwrap();
    assert_eq!(
        ledger_number(&file, reserved, slow.address()).await,
        0,
        "the nonce reserved by the request that died is free: {rows:?}"
    );
    // ... so its payer, whose balance covers one request, can present it
    // again and be served.
    let (status, settlement, _) = send(&url, &slow_request).await.unwrap();
    assert_eq!(status, 200, "{settlement:?}");

    // The answer that never arrived: the same request with the same
    // payment receives it, with its receipt, and is not charged again.
    let (status, settlement, body) = send(&url, &left).await.unwrap();
    assert_eq!(status, 200, "{settlement:?}");
    let text = String::from_utf8_lossy(&body);
    assert!(
        text.contains("echo:") && text.ends_with("data: [DONE]\n\n"),
        "{text}"
    );
    let voucher = settlement.voucher().unwrap();
    let receipt_domain =
        aat_client::signing::receipt_domain(world.node.chain_id(), world.owner.aat);
    assert!(voucher.receipt.is_signed_by(&receipt_domain, provider));
    assert_eq!(
        voucher.receipt.cumulative_owed,
        u(owed_after.unsigned_abs())
    );
    assert_eq!(
        voucher.receipt.units,
        u((owed_after - owed_before).unsigned_abs())
    );
    assert_eq!(
        ledger_number(
            &file,
            "SELECT owed FROM accounts WHERE holder = $1",
            reader.address()
        )
        .await,
        owed_after,
        "not charged twice"
    );

    // The requests of the load that were in flight, sent again: each is
    // answered (again, if it had been charged; for the first time if not).
    for received in vouchers.iter_mut().chain(exacts.iter_mut()) {
        if let Some(sent) = received.in_flight.take() {
            let (status, settlement, _) = send(&url, &sent).await.unwrap();
            assert_eq!(status, 200, "{settlement:?}");
            received.add(&settlement);
        }
    }
    // Each payer owes exactly the answers it holds: nothing lost, nothing
    // charged for an answer it could not have.
    for (holder, received) in holders.iter().zip(&vouchers) {
        let owed = ledger_number(
            &file,
            "SELECT owed FROM accounts WHERE holder = $1",
            *holder,
        )
        .await;
        assert_eq!(
            u(owed.unsigned_abs()),
            received.units,
            "{holder}: {received:?}"
        );
    }
    for (agent, received) in agents.iter().zip(&exacts) {
        let paid = ledger_number(
            &file,
            "SELECT COUNT(*) FROM exact_payments WHERE payer = $1 AND status IN ('queued', 'settled')",
            *agent,
        )
        .await;
        assert_eq!(
            paid.unsigned_abs(),
            received.answers,
            "{agent}: {received:?}"
        );
    }
    assert_eq!(
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM exact_payments WHERE status <> 'queued' AND status <> 'settled'"
        )
        .fetch_one(&file)
        .await
        .unwrap(),
        0
    );
    second.kill();
}

/// A fresh database on the PostgreSQL server named by
/// `AAT_TEST_POSTGRES_URL` (scripts/test starts one when it can).
async fn fresh_postgres() -> Option<String> {
    let Some(base) = std::env::var("AAT_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!(
            "SKIPPED: two gateways on PostgreSQL: set AAT_TEST_POSTGRES_URL (scripts/test starts a temporary PostgreSQL when one is installed)"
        );
        return None;
    };
    sqlx::any::install_default_drivers();
    let name = format!("aat_test_{}", std::process::id());
    let admin = sqlx::AnyPool::connect(&base)
        .await
        .expect("PostgreSQL answers");
    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
        .execute(&admin)
        .await;
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&admin)
        .await
        .unwrap();
    let (prefix, _) = base.rsplit_once('/').unwrap();
    Some(format!("{prefix}/{name}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn two_gateways_sharing_postgres_never_double_charge_a_holder() {
    let Some(database) = fresh_postgres().await else {
        return;
    };
    let world = World::new().await;
    let stub = aat_gateway::upstream_stub::UpstreamStub::start()
        .await
        .unwrap();
    let provider = world.provider_key.address();
    let start = |instance: &str| {
        let mut config = world.config(&stub.url(), &database);
        config.instance = instance.to_owned();
        Gateway::start(config, world.provider_key.clone(), None)
    };
    let (a, b) = (start("a").await.unwrap(), start("b").await.unwrap());
    let (holder, id) = world
        .holder_with_channel("shared", 100_000, 3_000, 86_400)
        .await;
    let payer = std::sync::Arc::new(world.voucher_payer(&holder, id).await);
    assert_eq!(
        payer
            .post(
                &format!("{}/v1/chat/completions", a.url()),
                &chat("hello", false)
            )
            .await
            .unwrap()
            .status,
        200
    );

    // Forty concurrent requests, alternating between the two instances.
    let urls = [a.url(), b.url()];
    let mut tasks = Vec::new();
    for i in 0..40 {
        let (payer, url) = (payer.clone(), urls[i % 2].clone());
        tasks.push(tokio::spawn(async move {
            payer
                .post(
                    &format!("{url}/v1/chat/completions"),
                    &chat(&format!("shared {i}"), i % 3 == 0),
                )
                .await
                .unwrap()
        }));
    }
    let mut charged = U256::ZERO;
    for task in tasks {
        let paid = task.await.unwrap();
        if paid.status == 200 {
            charged += paid
                .settlement
                .unwrap()
                .amount
                .unwrap()
                .parse::<U256>()
                .unwrap();
        } else {
            assert_eq!(paid.status, 402);
        }
    }
    close_out(&payer, &b.url()).await;
    let account = a
        .app
        .ledger
        .account(holder.address(), id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(account.reserved, 0);
    assert!(
        account.owed <= 3_000,
        "owed {} beyond the channel",
        account.owed
    );
    let first = a
        .app
        .ledger
        .account(holder.address(), id)
        .await
        .unwrap()
        .unwrap();
    assert!(U256::from(first.owed.unsigned_abs()) >= charged);

    let report_a = a.settle_now().await.unwrap();
    let report_b = b.settle_now().await.unwrap();
    assert_eq!(
        report_a.vouchers_settled + report_b.vouchers_settled,
        1,
        "{report_a:?} {report_b:?}"
    );
    assert_eq!(
        world
            .owner
            .settled(holder.address(), provider, id)
            .await
            .unwrap(),
        U256::from(first.owed.unsigned_abs())
    );
    a.stop().await;
    b.stop().await;
}
