//! The gateway's numbers (`scripts/gateway-bench`): the latency it adds to
//! an upstream (the upstream stub, on this machine) at p50 and p99, at 1
//! and at 200 concurrent clients across 20 holders paying by voucher, and
//! settlement throughput: vouchers per `settleBatch` and gas per voucher
//! from the receipts. Everything runs in this process: the devnode, the
//! stub, the gateway and the clients.
#![allow(clippy::too_many_lines)] // the bench runs its scenarios in order, as it prints them
#![allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)] // rates and percentile ranks, for printing

#[path = "../tests/common/mod.rs"]
mod common;

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use aat_client::{
    signing,
    x402::{
        decode_header, payment_header, PaymentRequired, PaymentRequirements, SettlementResponse,
        VoucherPayload, PAYMENT_REQUIRED, PAYMENT_RESPONSE,
    },
};
use alloy::{primitives::U256, signers::local::PrivateKeySigner, sol_types::Eip712Domain};
use common::*;

/// Holders with channels; the first runs share the first 20 of them.
const HOLDERS: usize = 200;

struct Holder {
    key: PrivateKeySigner,
    id: U256,
    owed: Mutex<U256>,
}

struct Shared {
    http: reqwest::Client,
    url: String,
    offer: PaymentRequirements,
    domain: Eip712Domain,
    deadline: u64,
}

/// One paid request: the voucher is signed before the clock starts (that
/// is the client's work); a 402 because a concurrent request of the same
/// holder moved what is owed is answered from the account it reports, and
/// counted; so is one because another request of the holder is in flight
/// (a holder's credit is one request beyond its voucher), retried after a
/// millisecond.
async fn paid(shared: &Shared, holder: &Holder, body: &serde_json::Value) -> (Duration, u32) {
    let mut resyncs = 0;
    loop {
        let owed = *holder.owed.lock().unwrap();
        let voucher = signing::sign_voucher(
            &holder.key,
            &shared.domain,
            shared.offer.pay_to.parse().unwrap(),
            holder.id,
            owed,
            shared.deadline,
        )
        .await
        .unwrap();
        let header = payment_header(&shared.offer, &VoucherPayload::from(&voucher));
        let started = Instant::now();
        let response = shared
            .http
            .post(format!("{}/v1/chat/completions", shared.url))
            .header("payment-signature", header)
            .json(body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let _ = response.bytes().await.unwrap();
        let elapsed = started.elapsed();
        if status == 200 {
            let settlement: SettlementResponse =
                decode_header(headers[PAYMENT_RESPONSE].to_str().unwrap()).unwrap();
            let now_owed = settlement.voucher().unwrap().account.owed;
            let mut owed = holder.owed.lock().unwrap();
            *owed = (*owed).max(now_owed);
            return (elapsed, resyncs);
        }
        assert_eq!(status, 402);
        let required: PaymentRequired =
            decode_header(headers[PAYMENT_REQUIRED].to_str().unwrap()).unwrap();
        let accounts: Vec<aat_client::x402::Account> = serde_json::from_value(
            required.offer("aat-voucher").unwrap().extra["accounts"].clone(),
        )
        .unwrap();
        let reported = accounts
            .iter()
            .find(|a| a.id == holder.id)
            .map_or(U256::ZERO, |a| a.owed);
        {
            let mut owed = holder.owed.lock().unwrap();
            *owed = (*owed).max(reported);
        }
        resyncs += 1;
        assert!(resyncs < 10_000, "{}", required.error);
        if required.error.contains("credit limit") {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
}

async fn direct(http: &reqwest::Client, url: &str, body: &serde_json::Value) -> Duration {
    let started = Instant::now();
    let response = http
        .post(format!("{url}/v1/chat/completions"))
        .json(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let _ = response.bytes().await.unwrap();
    started.elapsed()
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    let i = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[i]
}

fn ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1000.0)
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let world = World::new().await;
    // The credit is at most one request's maximum cost (clamped), so each
    // holder has one request at a time beyond its voucher: the clients
    // sharing a holder meet 402s and resync (counted).
    let served = serve(&world, |c| c.voucher.credit_limit = Some(10_000_000)).await;
    let provider = world.provider_key.address();
    let mut holders = Vec::new();
    for i in 0..HOLDERS {
        let (key, id) = world
            .holder_with_channel(
                &format!("bench holder {i}"),
                20_000_000,
                10_000_000,
                30 * 86_400,
            )
            .await;
        holders.push(Arc::new(Holder {
            key,
            id,
            owed: Mutex::new(U256::ZERO),
        }));
    }
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(512)
        .build()
        .unwrap();
    let first = http
        .post(format!("{}/v1/chat/completions", served.gateway.url()))
        .json(&chat("terms", false))
        .send()
        .await
        .unwrap();
    let required: PaymentRequired =
        decode_header(first.headers()[PAYMENT_REQUIRED].to_str().unwrap()).unwrap();
    let shared = Arc::new(Shared {
        http: http.clone(),
        url: served.gateway.url(),
        offer: required.offer("aat-voucher").unwrap().clone(),
        domain: world.owner.aat_domain().await.unwrap(),
        deadline: world.now().await + 86_400,
    });
    let body = Arc::new(chat(
        "a short question for the model, about twenty tokens long in all",
        false,
    ));
    // Warm up: every holder's first request reads its holdings from the
    // chain (once); connections are opened.
    for holder in &holders {
        paid(&shared, holder, &body).await;
    }
    for _ in 0..50 {
        direct(&http, &served.stub.url(), &body).await;
    }

    println!("gateway latency (ms), upstream stub on this machine, non-streamed chat completions");
    println!(
        "{:<34} {:>9} {:>9} {:>9} {:>9} {:>8}",
        "", "p50", "p99", "added50", "added99", "resyncs"
    );
    for (concurrency, sharing, total) in [
        (1usize, 20usize, 1000usize),
        (200, 20, 6000),
        (200, 200, 6000),
    ] {
        let run = |through_gateway: bool| {
            let (shared, holders, body, http, stub) = (
                shared.clone(),
                holders.clone(),
                body.clone(),
                http.clone(),
                served.stub.url(),
            );
            async move {
                let per_client = total / concurrency;
                let mut tasks = Vec::new();
                for c in 0..concurrency {
                    let (shared, holder, body, http, stub) = (
                        shared.clone(),
                        holders[c % sharing].clone(),
                        body.clone(),
                        http.clone(),
                        stub.clone(),
                    );
                    tasks.push(tokio::spawn(async move {
                        let mut samples = Vec::new();
                        let mut resyncs = 0;
                        for _ in 0..per_client {
                            if through_gateway {
                                let (d, r) = paid(&shared, &holder, &body).await;
                                samples.push(d);
                                resyncs += r;
                            } else {
                                samples.push(direct(&http, &stub, &body).await);
                            }
                        }
                        (samples, resyncs)
                    }));
                }
                let mut samples = Vec::new();
                let mut resyncs = 0;
                for task in tasks {
                    let (s, r) = task.await.unwrap();
                    samples.extend(s);
                    resyncs += r;
                }
                (samples, resyncs)
            }
        };
        let started = Instant::now();
        let (mut upstream, _) = run(false).await;
        let upstream_rate = upstream.len() as f64 / started.elapsed().as_secs_f64();
        let started = Instant::now();
        let (mut gateway, resyncs) = run(true).await;
        let gateway_rate = gateway.len() as f64 / started.elapsed().as_secs_f64();
        let (u50, u99) = (
            percentile(&mut upstream, 0.5),
            percentile(&mut upstream, 0.99),
        );
        let (g50, g99) = (
            percentile(&mut gateway, 0.5),
            percentile(&mut gateway, 0.99),
        );
        println!(
            "{:<34} {:>9} {:>9} {:>9} {:>9} {:>8}",
            format!("{concurrency} clients, upstream directly"),
            ms(u50),
            ms(u99),
            "",
            "",
            ""
        );
        println!(
            "{:<34} {:>9} {:>9} {:>9} {:>9} {:>8}",
            format!("{concurrency} clients/{sharing} holders, gateway"),
            ms(g50),
            ms(g99),
            ms(g50.saturating_sub(u50)),
            ms(g99.saturating_sub(u99)),
            resyncs
        );
        println!(
            "    {} requests each way; {:.0} req/s directly, {:.0} req/s through the gateway",
            gateway.len(),
            upstream_rate,
            gateway_rate
        );
    }

    // Settlement: every holder's latest voucher, 100 per settleBatch.
    for holder in &holders {
        let owed = *holder.owed.lock().unwrap();
        let voucher = signing::sign_voucher(
            &holder.key,
            &shared.domain,
            provider,
            holder.id,
            owed,
            shared.deadline,
        )
        .await
        .unwrap();
        let response = http
            .post(format!("{}/aat/vouchers", shared.url))
            .header(
                "payment-signature",
                payment_header(&shared.offer, &VoucherPayload::from(&voucher)),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    let report = served.gateway.settle_now().await.unwrap();
    println!(
        "\nsettlement: {} vouchers in {} settleBatch transaction(s), {} rejected",
        report.vouchers_settled, report.transactions, report.vouchers_rejected
    );
    println!(
        "    gas {} in all, {} per voucher (each a holder's first settlement, drawn from its channel)",
        report.gas,
        report.gas / report.vouchers_settled.max(1) as u64,
    );
}
