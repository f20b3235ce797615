//! `aat-demo`: the README's main job. It starts the devnode in-process,
//! deploys TokenAI and AAT through the transactions `scripts/deploy` sends,
//! starts the provider's gateway (and an agent's endpoint) in front of a
//! built-in stub of an AI API (or `UPSTREAM_URL`), and runs the story:
//! institutions, students, a donor, agents and a provider. It exits
//! non-zero when any step's outcome is not what the story expects.

mod show;
mod story;

use std::{path::PathBuf, process::ExitCode};

use clap::Parser;
use devnode::{Node, NodeConfig};

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
    /// from UPSTREAM_API_KEY).
    #[arg(long, env = "UPSTREAM_URL")]
    upstream: Option<String>,
    /// The model to ask the upstream for.
    #[arg(long, env = "UPSTREAM_MODEL", default_value = "gpt-4o-mini")]
    model: String,
    /// With --keep: also write what a client needs (RPC URL, chain id,
    /// addresses, ids, dev keys) to this JSON file once the story is told.
    #[arg(long, requires = "keep")]
    write_env: Option<PathBuf>,
    /// Where the built contracts are.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../../artifacts"))]
    artifacts: PathBuf,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    match run(args).await {
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
async fn start_node(port: u16) -> Result<Node, String> {
    let genesis_time = unix_now().saturating_sub(story::STORY_DAYS * 86_400);
    let config = |port| NodeConfig {
        port,
        chain: devnode::ChainConfig {
            genesis_time: Some(genesis_time),
            ..devnode::ChainConfig::default()
        },
        ..NodeConfig::default()
    };
    match Node::start(config(port)).await {
        Ok(node) => Ok(node),
        Err(_) if port != 0 => Node::start(config(0)).await.map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    }
}

/// Brings the chain's clock to wall time when the story left it behind
/// (it never runs ahead: the story ends where its genesis plus its days
/// are); returns how far the chain's clock is from the wall's.
async fn align_clock(node: &Node) -> Result<i64, String> {
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
        .map_err(|e| format!("setting the chain's clock: {e}"))
}

async fn run(args: Args) -> Result<ExitCode, String> {
    let node = show::waiting("starting the devnode", start_node(args.port)).await?;
    println!(
        "AI Access Rails: the demo. A local Arbitrum Stylus chain (devnode) at {}, chain id {}\n",
        node.url(),
        node.chain_id()
    );
    let data = std::env::temp_dir().join(format!("aat-demo-{}", std::process::id()));
    std::fs::create_dir_all(&data).map_err(|e| format!("{}: {e}", data.display()))?;
    let options = story::Options {
        upstream: args.upstream.clone(),
        upstream_model: args.model.clone(),
        gateway_port: args.gateway_port,
    };
    let outcome = story::run(&node, &args.artifacts, &data, &options).await;
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(err) => {
            let _ = std::fs::remove_dir_all(&data);
            return Err(err);
        }
    };
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
        let (_, key) = &node.accounts()[9];
        println!("\nStill running (Ctrl-C to stop). For a wallet, cast, viem or alloy:");
        println!("  RPC URL      {}", node.url());
        println!("  chain id     {}", node.chain_id());
        println!("  funded key   {key} (dev account 9; 0-8 played the story)");
        for (i, (name, role)) in story::CAST.iter().enumerate() {
            let (address, key) = &node.accounts()[i];
            println!("  {name:<12} {address} key {key}: {role}");
        }
        println!("  TokenAI      {}", outcome.token);
        println!("  AAT          {}", outcome.aat);
        for (name, id) in &outcome.ids {
            println!("  {name:<12} {id:#x}");
        }
        println!(
            "  gateway      {} (provider {})",
            outcome.gateway.url(),
            outcome.gateway.app.chain.provider
        );
        println!("  agent Bob    {}", outcome.agent_endpoint.url());
        if let Some(path) = &args.write_env {
            let ids: serde_json::Map<String, serde_json::Value> = outcome
                .ids
                .iter()
                .map(|(name, id)| ((*name).to_owned(), format!("{id:#x}").into()))
                .collect();
            let env = serde_json::json!({
                "rpcUrl": node.url(),
                "chainId": node.chain_id(),
                "tokenAI": outcome.token,
                "aat": outcome.aat,
                "gateway": outcome.gateway.url(),
                "ids": ids,
                // Grace holds tradable GIFT credits; account 9 played no part.
                "holderKey": node.accounts()[4].1,
                "freeKey": node.accounts()[9].1,
                "accounts": node
                    .accounts()
                    .iter()
                    .enumerate()
                    .map(|(i, (address, key))| {
                        let (name, role) = story::CAST.get(i).copied().unwrap_or((
                            "Free",
                            "funded, played no part in the story: yours to use",
                        ));
                        serde_json::json!({"name": name, "role": role, "address": address, "key": key})
                    })
                    .collect::<Vec<_>>(),
            });
            std::fs::write(path, serde_json::to_string_pretty(&env).unwrap_or_default())
                .map_err(|e| format!("{}: {e}", path.display()))?;
            println!("  written to   {}", path.display());
        }
        let _ = tokio::signal::ctrl_c().await;
    }
    outcome.gateway.stop().await;
    outcome.agent_endpoint.stop().await;
    drop(outcome.stub);
    node.stop().await;
    let _ = std::fs::remove_dir_all(&data);
    Ok(if outcome.failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
