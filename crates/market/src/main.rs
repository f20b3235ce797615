//! `aat-market`: the order relay of AATExchange. See `aat-market --help`.

use std::{net::SocketAddr, process::ExitCode, time::Duration};

use aat_market::{Config, Market, DEFAULT_MAX_ORDERS_PER_MAKER};
use alloy::primitives::Address;
use clap::Parser;

/// Makers post signed orders, checked against the chain before they are
/// kept; takers read a pair's book best price first and get quotes ready
/// for fillBatch.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// The node's JSON-RPC URL.
    #[arg(long, env = "AAT_MARKET_RPC", default_value = "http://127.0.0.1:8547")]
    rpc: String,
    /// AATExchange's address.
    #[arg(long, env = "AAT_MARKET_EXCHANGE")]
    exchange: Address,
    /// <sqlite://PATH> (embedded) or postgres://...
    #[arg(
        long,
        env = "AAT_MARKET_DATABASE",
        default_value = "sqlite://aat-market.db"
    )]
    database: String,
    /// Where to serve HTTP.
    #[arg(long, env = "AAT_MARKET_LISTEN", default_value = "127.0.0.1:8090")]
    listen: SocketAddr,
    /// Milliseconds between reads of the chain's logs.
    #[arg(long, env = "AAT_MARKET_POLL_MS", default_value_t = 1000)]
    poll_ms: u64,
    /// The most orders one maker may have held at once (a market maker with
    /// a larger ladder raises it).
    #[arg(long, env = "AAT_MARKET_MAX_ORDERS_PER_MAKER", default_value_t = DEFAULT_MAX_ORDERS_PER_MAKER)]
    max_orders_per_maker: usize,
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
    let config = Config {
        rpc: args.rpc,
        exchange: args.exchange,
        database: args.database,
        listen: args.listen,
        poll: Duration::from_millis(args.poll_ms),
        max_orders_per_maker: args.max_orders_per_maker,
    };
    let market = match Market::start(config).await {
        Ok(market) => market,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::FAILURE;
        }
    };
    println!("aat-market listening on {}", market.url());
    if let Err(err) = tokio::signal::ctrl_c().await {
        eprintln!("error: waiting for Ctrl-C: {err}");
        return ExitCode::FAILURE;
    }
    market.stop().await;
    ExitCode::SUCCESS
}
