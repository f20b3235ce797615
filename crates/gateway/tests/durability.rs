//! Durability: a gateway killed with SIGKILL in the middle of a run and
//! restarted settles everything it had accepted; two gateways sharing one
//! PostgreSQL database never double-charge a holder.

mod common;

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use aat_client::{
    signing,
    x402::{decode_header, payment_header, PaymentRequired, VoucherPayload, PAYMENT_REQUIRED},
};
use aat_gateway::Gateway;
use alloy::primitives::U256;
use common::*;

fn u(n: u64) -> U256 {
    U256::from(n)
}

/// The gateway binary, started on `config`; returns it and its URL.
fn spawn(config: &std::path::Path, key: &str) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_aat-gateway"))
        .arg("--config")
        .arg(config)
        .env("PROVIDER_KEY", key)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the gateway binary starts");
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let url = line
        .trim()
        .strip_prefix("aat-gateway listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {line}"))
        .to_owned();
    (child, url)
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
        assert_eq!(paid.status, 200);
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
    first.kill().unwrap(); // SIGKILL
    first.wait().unwrap();
    let in_flight_served = matches!(in_flight.await.unwrap(), Ok(paid) if paid.status == 200);

    // The second run, same database, settles as soon as anything is owed.
    let (mut second, url) = spawn(&write_config(&dir, &world, &stub.url(), 1), &key);
    let owed_now = owed(&world, &url, &holder, id).await;
    assert!(
        owed_now >= charged,
        "every response released was recorded: {owed_now} < {charged}"
    );
    let deadline = Instant::now() + Duration::from_secs(60);
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
    second.kill().unwrap();
    second.wait().unwrap();
    assert!(stub.calls() >= 10);
    let _ = u(0);
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
