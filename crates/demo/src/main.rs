//! `aat-demo`: the README's main job. It starts the devnode in-process,
//! deploys TokenAI, AAT and the exchange through the transactions
//! `scripts/deploy` sends, starts the provider's gateway (and an agent's
//! endpoint) in front of a built-in stub of an AI API (or `UPSTREAM_URL`)
//! and the order relay, and plays the story's acts: institutions, students,
//! a donor, agents, a market and a provider. It exits non-zero when any
//! step's outcome is not what the story expects.

mod acts;
mod cast;
mod error;
mod show;
mod story;
mod web;

use std::{path::PathBuf, process::ExitCode};

use clap::Parser;
use devnode::{Node, NodeConfig};
use error::{service, DemoError};

#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Leave the devnode and the gateway running, and print what a wallet
    /// needs to connect.
    #[arg(long)]
    keep: bool,
    /// The devnode's port (a free one when it is taken).
    #[arg(long, default_value_t = 8547)]
    port: u16,
    /// The provider gateway's port (a free one when it is taken).
    #[arg(long, default_value_t = 8080)]
    gateway_port: u16,
    /// An OpenAI-compatible upstream instead of the built-in stub (its key
    /// from `UPSTREAM_API_KEY`).
    #[arg(long, env = "UPSTREAM_URL")]
    upstream: Option<String>,
    /// The model to ask the upstream for.
    #[arg(long, env = "UPSTREAM_MODEL", default_value = "gpt-4o-mini")]
    model: String,
    /// With --keep: also write what a client needs (RPC URL, chain id,
    /// addresses, ids, dev keys) to this JSON file once the story is told.
    #[arg(long, requires = "keep")]
    write_env: Option<PathBuf>,
    /// With --keep: serve the web app built here (`npm run build` in app/;
    /// scripts/demo builds it) with the story's config. Skipped, saying so,
    /// when there is no build.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../../app/dist"))]
    app: PathBuf,
    /// The web app's port (a free one when it is taken).
    #[arg(long, default_value_t = 5173)]
    app_port: u16,
    /// Where the built contracts are.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../../artifacts"))]
    artifacts: PathBuf,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    match Box::pin(run(args)).await {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A devnode whose genesis is `story::STORY_DAYS` in the past: the story
/// moves its clock that far on, and ends near wall time.
/// Every party of the story has a dev account, and one more is left free.
async fn start_node(port: u16) -> Result<Node, DemoError> {
    let genesis_time = unix_now().saturating_sub(story::STORY_DAYS * 86_400);
    let config = |port| NodeConfig {
        port,
        chain: devnode::ChainConfig {
            genesis_time: Some(genesis_time),
            accounts: cast::ROLES.len() + 1,
            ..devnode::ChainConfig::default()
        },
        ..NodeConfig::default()
    };
    match Node::start(config(port)).await {
        Ok(node) => Ok(node),
        Err(_) if port != 0 => Node::start(config(0))
            .await
            .map_err(|e| service("the devnode")(e.to_string())),
        Err(e) => Err(service("the devnode")(e.to_string())),
    }
}

/// Brings the chain's clock to wall time when the story left it behind
/// (it never runs ahead: the story ends where its genesis plus its days
/// are); returns how far the chain's clock is from the wall's.
async fn align_clock(node: &Node) -> Result<i64, DemoError> {
    let wall = unix_now();
    node.handle()
        .with(move |chain| {
            if chain.latest().header.timestamp < wall {
                chain.set_next_timestamp(wall)?;
                chain.mine(None)?;
            }
            Ok::<_, devnode::error::RpcError>(
                chain.latest().header.timestamp.cast_signed() - wall.cast_signed(),
            )
        })
        .await
        .and_then(|r| r)
        .map_err(|e| service("setting the chain's clock")(e.to_string()))
}

async fn run(args: Args) -> Result<ExitCode, DemoError> {
    let node = show::waiting("starting the devnode", start_node(args.port)).await?;
    println!(
        "AI Access Rails: the demo. A local Arbitrum Stylus chain (devnode) at {}, chain id {}\n",
        node.url(),
        node.chain_id()
    );
    // A directory no earlier run can have left behind: named after the
    // process id, a later demo that got a reused id inherited a killed
    // one's ledgers and settled vouchers of another chain's story.
    let data_dir = tempfile::Builder::new()
        .prefix("aat-demo-")
        .tempdir()
        .map_err(|source| DemoError::File {
            path: std::env::temp_dir(),
            source,
        })?;
    let data = data_dir.path().to_path_buf();
    let options = story::Options {
        upstream: args.upstream.clone(),
        upstream_model: args.model.clone(),
        gateway_port: args.gateway_port,
    };
    // On an error the directory goes with `data_dir`.
    let outcome = Box::pin(story::run(&node, &args.artifacts, &data, &options)).await?;
    let drift = align_clock(&node).await?;
    println!(
        "\nThe chain's clock is at wall time ({drift:+} s): clients that sign from their own clock (x402's) are served."
    );
    if outcome.failures.is_empty() {
        println!("\nAll {} steps as the story expects.", outcome.steps);
    } else {
        println!(
            "\n{} of the story's expectations failed:",
            outcome.failures.len()
        );
        for failure in &outcome.failures {
            println!("  - {failure}");
        }
    }
    if args.keep {
        keep(&node, &outcome, &args).await?;
    }
    outcome.services.stop().await;
    node.stop().await;
    drop(data_dir);
    Ok(if outcome.failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// `--keep`: serves the web app, prints what a wallet, cast, viem or alloy
/// needs (and writes it with `--write-env`), then waits for Ctrl-C.
async fn keep(node: &Node, outcome: &story::Outcome, args: &Args) -> Result<(), DemoError> {
    let key_of = |address: alloy::primitives::Address| {
        node.accounts()
            .iter()
            .find(|(a, _)| *a == address)
            .map(|(_, key)| key.clone())
            .unwrap_or_default()
    };
    let played: Vec<_> = outcome.parties.iter().map(|(_, _, a)| *a).collect();
    let free = node
        .accounts()
        .iter()
        .find(|(address, _)| !played.contains(address))
        .map(|(_, key)| key.clone())
        .unwrap_or_default();
    let services = &outcome.services;
    let mut env = client_env(node, outcome, &played, &free, key_of);
    let app = web::WebApp::serve(&args.app, args.app_port, web::public_config(&env))
        .await
        .map_err(|e| service("the web app")(e.to_string()))?;
    if let (Some(app), Some(object)) = (&app, env.as_object_mut()) {
        object.insert("app".into(), app.url().into());
    }
    println!("\nStill running (Ctrl-C to stop). For a wallet, cast, viem or alloy:");
    println!("  RPC URL      {}", node.url());
    match &app {
        Some(app) => println!(
            "  web app      {} (a browser wallet on the RPC URL)",
            app.url()
        ),
        None => println!(
            "  web app      not served: no build at {} (npm run build in app/)",
            args.app.display()
        ),
    }
    println!("  chain id     {}", node.chain_id());
    println!("  funded key   {free} (played no part in the story)");
    for (name, role, address) in &outcome.parties {
        println!("  {name:<12} {address} key {}: {role}", key_of(*address));
    }
    println!("  TokenAI      {}", outcome.token);
    println!("  AAT          {}", outcome.aat);
    println!("  AATExchange  {}", outcome.exchange);
    for (name, id) in &outcome.ids {
        println!("  {name:<12} {id:#x}");
    }
    println!(
        "  gateway      {} (provider {})",
        services.gateway.url(),
        services.gateway.app.chain.provider
    );
    println!("  agent Bob    {}", services.agent_endpoint.url());
    println!("  order relay  {}", services.market.url());
    if let Some(path) = &args.write_env {
        std::fs::write(path, serde_json::to_string_pretty(&env).unwrap_or_default()).map_err(
            |source| DemoError::File {
                path: path.clone(),
                source,
            },
        )?;
        println!("  written to   {}", path.display());
    }
    let _ = tokio::signal::ctrl_c().await;
    drop(app);
    Ok(())
}

/// What `--write-env` writes: everything a client of the story's chain
/// needs, dev keys included (the web app is served it without them).
fn client_env(
    node: &Node,
    outcome: &story::Outcome,
    played: &[alloy::primitives::Address],
    free: &str,
    key_of: impl Fn(alloy::primitives::Address) -> String,
) -> serde_json::Value {
    let services = &outcome.services;
    let ids: serde_json::Map<String, serde_json::Value> = outcome
        .ids
        .iter()
        .map(|(name, id)| ((*name).to_owned(), format!("{id:#x}").into()))
        .collect();
    let mut accounts: Vec<_> = outcome
        .parties
        .iter()
        .map(|(name, role, address)| {
            serde_json::json!({"name": name, "role": role, "address": address, "key": key_of(*address)})
        })
        .collect();
    for (address, key) in node.accounts().iter().filter(|(a, _)| !played.contains(a)) {
        accounts.push(serde_json::json!({"name": "Free", "role": "funded, played no part in the story: yours to use", "address": address, "key": key}));
    }
    serde_json::json!({
        "rpcUrl": node.url(),
        "chainId": node.chain_id(),
        "tokenAI": outcome.token,
        "aat": outcome.aat,
        "exchange": outcome.exchange,
        "gateway": services.gateway.url(),
        "provider": services.gateway.app.chain.provider,
        "market": services.market.url(),
        "ids": ids,
        // A holder of tradable GIFT credits, and a key the story left alone.
        "holderKey": key_of(outcome.holder),
        "freeKey": free,
        "accounts": accounts,
    })
}
