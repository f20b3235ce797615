//! The relay's binary killed with SIGKILL right after it accepted an order:
//! the order is there when it comes back over the same database.

mod common;

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
};

use aat_client::orders::TOKEN_AI;
use alloy::primitives::Address;
use common::{order, World};
use serde_json::Value;

/// `aat-market` running as a process.
struct Relay {
    child: Child,
    url: String,
}

impl Relay {
    /// Starts the binary and waits for it to listen.
    fn start(rpc: &str, exchange: Address, database: &Path) -> Relay {
        let mut child = Command::new(env!("CARGO_BIN_EXE_aat-market"))
            .args(["--rpc", rpc, "--listen", "127.0.0.1:0"])
            .arg("--exchange")
            .arg(exchange.to_string())
            .arg("--database")
            .arg(format!("sqlite://{}", database.display()))
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the relay's binary starts");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        let url = loop {
            line.clear();
            assert!(
                stdout.read_line(&mut line).unwrap() > 0,
                "the relay exited before listening"
            );
            if let Some(url) = line.trim().strip_prefix("aat-market listening on ") {
                break url.to_owned();
            }
            eprint!("{line}");
        };
        // The rest of its output, passed on until it exits.
        std::thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                eprintln!("{line}");
            }
        });
        Relay { child, url }
    }

    /// SIGKILL: no shutdown of any kind.
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_order_accepted_survives_a_kill_9() {
    let world = World::new().await;
    let maker = world.trader(1);
    let id = world.credits("durable", maker.address(), 10).await;
    world.approve(&maker, 0).await;
    let ask = world
        .order(&maker, order(maker.address(), (id, 10), (TOKEN_AI, 10)))
        .await;
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("market.db");
    let (rpc, exchange) = (world.node.url(), world.exchange);
    let start = move |database: std::path::PathBuf| {
        let rpc = rpc.clone();
        tokio::task::spawn_blocking(move || Relay::start(&rpc, exchange, &database))
    };

    let first = start(database.clone()).await.unwrap();
    let body = serde_json::json!({
        "order": aat_market::wire::OrderJson::from(&ask.order),
        "signature": ask.signature,
    });
    let answer = world
        .http
        .post(format!("{}/orders", first.url))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 201);
    let kept: Value = answer.json().await.unwrap();
    first.kill();

    let second = start(database).await.unwrap();
    let read: Value = world
        .http
        .get(format!(
            "{}/orders/{}",
            second.url,
            kept["hash"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(read, kept);
    second.kill();
}
