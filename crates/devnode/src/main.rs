//! `devnode`: a local Arbitrum-Stylus-compatible chain (EVM and Stylus,
//! JSON-RPC on port 8547, chain id 412346, like the Nitro devnode).

use std::{net::IpAddr, path::PathBuf, process::ExitCode, time::Duration};

use alloy::primitives::U256;
use clap::Parser;
use devnode::{ChainConfig, Node, NodeConfig};

#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1", env = "DEVNODE_HOST")]
    host: IpAddr,
    /// Port for JSON-RPC over HTTP and WebSocket (0: any free port).
    #[arg(long, default_value_t = 8547, env = "DEVNODE_PORT")]
    port: u16,
    /// Chain id.
    #[arg(long, default_value_t = 412_346)]
    chain_id: u64,
    /// Prefunded dev accounts (the standard test mnemonic's first N).
    #[arg(long, default_value_t = 10)]
    accounts: usize,
    /// Each dev account's balance, in ether.
    #[arg(long, default_value_t = 10_000)]
    balance: u64,
    /// Keep the state in this file, saved after every block (atomically).
    #[arg(long)]
    state: Option<PathBuf>,
    /// Also mine an empty block every this many seconds.
    #[arg(long)]
    block_time: Option<u64>,
    /// The genesis block's time, unix seconds (default: now); the clock
    /// runs on from there.
    #[arg(long)]
    genesis_time: Option<u64>,
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,jsonrpsee=warn".into()),
        )
        .init();
    let args = Args::parse();
    let config = NodeConfig {
        chain: ChainConfig {
            chain_id: args.chain_id,
            accounts: args.accounts,
            balance: U256::from(args.balance) * U256::from(10u64).pow(U256::from(18u64)),
            genesis_time: args.genesis_time,
            ..ChainConfig::default()
        },
        host: args.host,
        port: args.port,
        state: args.state,
        block_time: args.block_time.filter(|s| *s > 0).map(Duration::from_secs),
    };
    let node = match Node::start(config).await {
        Ok(node) => node,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::FAILURE;
        }
    };
    println!("devnode: Arbitrum Stylus dev chain {}", node.chain_id());
    if node.restored() {
        println!("state restored from the state file");
    }
    println!("\nDev accounts ({} ether each):", args.balance);
    for (i, (address, key)) in node.accounts().iter().enumerate() {
        println!("({i}) {address}  {key}");
    }
    println!(
        "\nListening on {} (JSON-RPC over HTTP and WebSocket)",
        node.url()
    );
    if tokio::signal::ctrl_c().await.is_err() {
        eprintln!("error: cannot wait for Ctrl-C");
    }
    node.stop().await;
    ExitCode::SUCCESS
}
