//! The relay's numbers (`scripts/market-bench`): how long `POST /orders`
//! takes (every check against the chain included) at p50 and p99, one at a
//! time and 16 at once, and how long a taker waits for a pair's book (its
//! best 100 orders, the default) and for a quote across it, with 10,000
//! held. Everything runs in this process: the devnode, the relay over
//! SQLite, the clients.

#[path = "../tests/common/mod.rs"]
mod common;

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use aat_client::orders::{SignedOrder, TOKEN_AI};
use alloy::primitives::U256;
use common::{order, World};
use serde_json::json;

/// Makers posting (dev accounts 1..=MAKERS).
const MAKERS: usize = 8;
/// Orders each maker posts: 10,000 in all.
const PER_MAKER: u64 = 1_250;
/// Reads of the book and of a quote.
const READS: usize = 200;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    // Nearest rank: the smallest sample at or above the p-th percentile.
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank.min(sorted.len()) - 1]
}

fn report(what: &str, mut samples: Vec<Duration>, wall: Duration) {
    samples.sort();
    #[allow(clippy::cast_precision_loss)]
    let rate = samples.len() as f64 / wall.as_secs_f64();
    println!(
        "{what:<44} n={:<4} p50={:>8.2?} p99={:>8.2?} {rate:>8.1}/s",
        samples.len(),
        percentile(&samples, 50.0),
        percentile(&samples, 99.0),
    );
}

/// Posts `orders` with `concurrency` clients; each one's latency and the
/// wall time.
async fn post_all(
    world: &Arc<World>,
    orders: Vec<SignedOrder>,
    concurrency: usize,
) -> (Vec<Duration>, Duration) {
    let queue = Arc::new(tokio::sync::Mutex::new(orders));
    let started = Instant::now();
    let clients: Vec<_> = (0..concurrency)
        .map(|_| {
            let (world, queue) = (world.clone(), queue.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                loop {
                    let Some(next) = queue.lock().await.pop() else {
                        return latencies;
                    };
                    let sent = Instant::now();
                    let (status, answer) = world.post(&next).await;
                    latencies.push(sent.elapsed());
                    assert_eq!(status, 201, "{answer}");
                }
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for client in clients {
        latencies.extend(client.await.unwrap());
    }
    (latencies, started.elapsed())
}

async fn reads(world: &World, path: &str) -> (Vec<Duration>, Duration) {
    let started = Instant::now();
    let mut latencies = Vec::with_capacity(READS);
    for _ in 0..READS {
        let sent = Instant::now();
        let (status, answer) = world.get(path).await;
        latencies.push(sent.elapsed());
        assert_eq!(status, 200, "{answer}");
    }
    (latencies, started.elapsed())
}

#[tokio::main]
async fn main() {
    let world = Arc::new(World::new().await);
    let id = world.credits("bench", world.trader(1).address(), 1).await;
    let mut signed = Vec::new();
    for m in 1..=MAKERS {
        let maker = world.trader(m);
        world.credits("bench", maker.address(), 1_000_000).await;
        world.approve(&maker, 0).await;
        for n in 0..PER_MAKER {
            let price = 100 + (n * 7 + m as u64 * 13) % 97;
            let mut o = order(maker.address(), (id, 1_000), (TOKEN_AI, price * 1_000));
            o.nonce = n;
            signed.push(world.order(&maker, o).await);
        }
    }
    let half = signed.split_off(signed.len() / 2);
    println!(
        "aat-market: {} orders by {MAKERS} makers on one pair, SQLite (synchronous=FULL), devnode in-process\n",
        signed.len() + half.len()
    );
    let (latencies, wall) = post_all(&world, signed, 1).await;
    report("POST /orders, 1 client", latencies, wall);
    let (latencies, wall) = post_all(&world, half, 16).await;
    report("POST /orders, 16 clients", latencies, wall);

    let held = world.held().await;
    let (latencies, wall) = reads(&world, &format!("/orders?give={id}&want=0")).await;
    report(
        &format!("GET /orders (best 100 of {held}), 1 client"),
        latencies,
        wall,
    );
    let amount = U256::from(1_000u64 * 25);
    let (latencies, wall) =
        reads(&world, &format!("/quote?give={id}&want=0&amount={amount}")).await;
    report("GET /quote across 25 orders, 1 client", latencies, wall);
    let (_, quote) = world
        .get(&format!("/quote?give={id}&want=0&amount={amount}"))
        .await;
    assert_eq!(
        quote["legs"].as_array().map(Vec::len),
        Some(25),
        "{}",
        json!(quote)
    );

    // A transfer between two makers touches both: the follower reads each
    // one's funds once, not each of their orders.
    world.follow().await;
    let (from, to) = (world.trader(1), world.trader(2));
    world
        .rails_of(&from)
        .send_aat(aat_client::AAT::safeTransferFromCall {
            from: from.address(),
            to: to.address(),
            id,
            value: U256::from(1),
            data: alloy::primitives::Bytes::new(),
        })
        .await
        .unwrap();
    let started = Instant::now();
    let applied = world.market.app.follow().await.unwrap();
    println!(
        "{:<44} {:>9.1} ms  ({} orders of the two makers looked at)",
        "following a transfer between two makers",
        started.elapsed().as_secs_f64() * 1e3,
        applied.refreshed
    );
}
