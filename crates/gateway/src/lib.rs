//! `aat-gateway`: the provider gateway. An OpenAI-compatible endpoint in
//! front of any OpenAI-compatible upstream, paid per request in AAT
//! vouchers or TokenAI EIP-3009 authorizations over x402 v2, settling
//! on-chain in batches.
//!
//! [`routes`] is the HTTP interface; [`limits`] says what a request may
//! ask for; [`payment`] admits, with [`admission`]'s checks of signatures,
//! [`budget`] and credit; [`charge`] charges; [`ledger`] keeps what is
//! owed, durably; [`replay`] gives a paid answer again to the request that
//! paid for it; [`chain`] is the cached view of
//! the chain; [`settlement`] is the worker that settles; [`upstream`]
//! forwards; [`metrics`] counts. [`upstream_stub`] is a stub upstream for
//! tests, the demo and the benches.

pub mod admission;
pub mod budget;
pub mod chain;
pub mod charge;
pub mod config;
pub mod ledger;
pub mod limits;
pub mod metrics;
pub mod payment;
pub mod replay;
pub mod routes;
pub mod settlement;
pub mod units;
pub mod upstream;
pub mod upstream_stub;

use std::{collections::BTreeMap, net::SocketAddr, sync::Arc, time::Duration};

use alloy::signers::local::PrivateKeySigner;
use tokio::task::JoinHandle;

pub use config::Config;
pub use settlement::Report;

use crate::{chain::Chain, ledger::Ledger, metrics::Metrics, payment::Model, upstream::Upstream};

/// Everything a request needs, shared by the handlers and the workers.
/// Taking payment reads the chain only through [`chain::ChainView`]: the
/// schemes' unit tests run an `App` over a fixed view, without a node.
pub struct App<C = Chain> {
    /// The configuration the gateway started with.
    pub config: Config,
    /// The served models, by the name clients ask for, with their AAT
    /// names parsed.
    pub models: BTreeMap<String, Model>,
    /// The cached view of the chain, and the provider key that acts on it.
    pub chain: C,
    /// What is owed, reserved, charged and settled.
    pub ledger: Ledger,
    /// The OpenAI-compatible server requests are forwarded to.
    pub upstream: Upstream,
    /// The Prometheus counters `GET /metrics` exposes.
    pub metrics: Metrics,
    /// `eip155:<chain id>`.
    pub network: String,
    /// Held by a settlement round: one sender of the provider's
    /// transactions at a time (the lease does the same across instances).
    pub settling: tokio::sync::Mutex<()>,
}

/// A running gateway.
pub struct Gateway {
    /// The address it listens on, as bound (the actual port when the
    /// configuration asked for port 0).
    pub addr: SocketAddr,
    /// The state its handlers and workers share.
    pub app: Arc<App>,
    tasks: Vec<JoinHandle<()>>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
}

/// Why a gateway did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The configuration is refused ([`Config::check`]).
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    /// The ledger cannot be opened or migrated.
    #[error("database {url}: {source}")]
    Database {
        /// The `database` setting.
        url: String,
        /// Why opening it failed.
        source: ledger::LedgerError,
    },
    /// The node cannot be reached, or `aat` is not AAT.
    #[error("chain {rpc}: {source}")]
    Chain {
        /// The `rpc` setting.
        rpc: String,
        /// Why connecting failed.
        source: aat_client::ClientError,
    },
    /// The HTTP client for the upstream cannot be built.
    #[error("the upstream's HTTP client: {0}")]
    Upstream(reqwest::Error),
    /// The listening address cannot be bound.
    #[error("listen on {addr}: {source}")]
    Listen {
        /// The `listen` setting.
        addr: SocketAddr,
        /// Why binding failed.
        source: std::io::Error,
    },
}

impl Gateway {
    /// Opens the ledger, connects to the chain, and starts serving, reading
    /// the chain's logs and settling.
    ///
    /// # Errors
    ///
    /// The configuration is refused, the database or the chain cannot be
    /// reached, or the address cannot be bound.
    pub async fn start(
        config: Config,
        provider_key: PrivateKeySigner,
        upstream_key: Option<String>,
    ) -> Result<Gateway, StartError> {
        config.check()?;
        let models = Model::all(&config)?;
        let ledger = Ledger::open(&config.database, &config.instance, config.sqlite_sync)
            .await
            .map_err(|source| StartError::Database {
                url: config.database.clone(),
                source,
            })?;
        let chain = Chain::connect(&config.rpc, config.aat, provider_key)
            .await
            .map_err(|source| StartError::Chain {
                rpc: config.rpc.clone(),
                source,
            })?;
        let upstream = Upstream::new(
            &config.upstream,
            upstream_key,
            Duration::from_secs(config.upstream_timeout_secs),
        )
        .map_err(StartError::Upstream)?;
        let listen = |source| StartError::Listen {
            addr: config.listen,
            source,
        };
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(listen)?;
        let addr = listener.local_addr().map_err(listen)?;
        let app = Arc::new(App {
            network: aat_client::x402::network(chain.chain_id),
            config,
            models,
            chain,
            ledger,
            upstream,
            metrics: Metrics::new(),
            settling: tokio::sync::Mutex::new(()),
        });
        let poller = {
            let app = app.clone();
            tokio::spawn(async move {
                let interval = Duration::from_millis(app.config.poll_ms.max(10));
                loop {
                    if let Err(err) = app.chain.poll().await {
                        tracing::warn!(%err, "reading the chain's logs failed; retrying");
                    }
                    tokio::time::sleep(interval).await;
                }
            })
        };
        let settler = {
            let app = app.clone();
            tokio::spawn(async move { app.settle_forever().await })
        };
        let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
        let router = routes::router(app.clone());
        let server = tokio::spawn(async move {
            let serve = axum::serve(listener, router).with_graceful_shutdown(async move {
                let _ = stopped.await;
            });
            if let Err(err) = serve.await {
                tracing::error!(%err, "the server stopped");
            }
        });
        tracing::info!(%addr, provider = %app.chain.provider, aat = %app.chain.rails.aat, "gateway listening");
        Ok(Gateway {
            addr,
            app,
            tasks: vec![poller, settler],
            shutdown: Some(shutdown),
            server: Some(server),
        })
    }

    /// `http://addr`.
    #[must_use]
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Settles everything unsettled now (what the worker does when it is
    /// due), for operators closing a period, and for the demo and tests.
    ///
    /// # Errors
    ///
    /// A settlement transaction failed.
    pub async fn settle_now(&self) -> Result<Report, settlement::SettleError> {
        self.app.chain.poll().await?;
        self.app.settle_round(true).await
    }

    /// Stops accepting requests, lets those in flight finish, and stops
    /// the workers.
    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
        if let Some(server) = &self.server {
            server.abort();
        }
    }
}
