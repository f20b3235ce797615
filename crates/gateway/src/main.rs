//! `aat-gateway`: serves an OpenAI-compatible API paid in AAT vouchers and
//! TokenAI authorizations (x402 v2). See `aat-gateway --help` and
//! `docs/gateway.md`.

use std::{net::SocketAddr, path::PathBuf, process::ExitCode};

use aat_gateway::{Config, Gateway};
use alloy::{primitives::Address, signers::local::PrivateKeySigner};
use clap::Parser;

#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// The TOML configuration (see docs/gateway.md).
    #[arg(long, short, env = "AAT_GATEWAY_CONFIG")]
    config: PathBuf,
    /// Overrides `listen`.
    #[arg(long)]
    listen: Option<SocketAddr>,
    /// Overrides `upstream`: any OpenAI-compatible base URL.
    #[arg(long)]
    upstream: Option<String>,
    /// Overrides `rpc`.
    #[arg(long)]
    rpc: Option<String>,
    /// Overrides `aat`.
    #[arg(long)]
    aat: Option<Address>,
    /// Overrides `database`: <sqlite://PATH> or postgres://...
    #[arg(long)]
    database: Option<String>,
    /// Overrides `instance`.
    #[arg(long)]
    instance: Option<String>,
    /// Log lines as JSON.
    #[arg(long)]
    json_logs: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,sqlx=warn".into());
    if args.json_logs {
        tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .init();
    } else {
        tracing_subscriber::fmt().with_env_filter(filter).init();
    }
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), String> {
    let mut config = Config::load(&args.config).map_err(|e| e.to_string())?;
    if let Some(listen) = args.listen {
        config.listen = listen;
    }
    if let Some(upstream) = args.upstream {
        config.upstream = upstream;
    }
    if let Some(rpc) = args.rpc {
        config.rpc = rpc;
    }
    if let Some(aat) = args.aat {
        config.aat = aat;
    }
    if let Some(database) = args.database {
        config.database = database;
    }
    if let Some(instance) = args.instance {
        config.instance = instance;
    }
    let key = std::env::var(&config.provider_key_env).map_err(|_| {
        format!(
            "set {} to the provider's private key",
            config.provider_key_env
        )
    })?;
    let signer: PrivateKeySigner = key
        .trim()
        .parse()
        .map_err(|_| format!("{} is not a private key", config.provider_key_env))?;
    let upstream_key = std::env::var(&config.upstream_key_env).ok();
    let gateway = Gateway::start(config, signer, upstream_key)
        .await
        .map_err(|e| e.to_string())?;
    println!("aat-gateway listening on {}", gateway.url());
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| format!("waiting for Ctrl-C: {e}"))?;
    gateway.stop().await;
    Ok(())
}
