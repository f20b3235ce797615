//! `aat-market`: the order relay of AATExchange. Makers post signed
//! orders; each is checked against the chain as a fill would check it
//! ([`chain`]) before it is kept ([`store`]); takers read a pair's book best
//! price first and get quotes ready for `fillBatch` ([`book`], [`routes`]);
//! the relay follows the chain's logs and shrinks or drops what fills,
//! cancels, nonce floors, transfers and approvals change ([`follow`]).
//! [`events`] streams the book's changes; [`wire`] is the JSON; [`metrics`]
//! counts.

pub mod book;
pub mod chain;
pub mod events;
pub mod follow;
pub mod metrics;
pub mod routes;
pub mod store;
pub mod wire;

use std::{
    net::SocketAddr,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::Duration,
};

use alloy::primitives::{Address, U256};
use tokio::task::JoinHandle;

use crate::{chain::Chain, events::Events, metrics::Metrics, store::Store};

/// What the relay needs to run.
#[derive(Clone, Debug)]
pub struct Config {
    /// The node's JSON-RPC URL.
    pub rpc: String,
    /// AATExchange's address (its tokens are read from it).
    pub exchange: Address,
    /// `sqlite://PATH` (embedded) or `postgres://...`.
    pub database: String,
    /// Where to serve HTTP (port 0: any free port, see [`Market::addr`]).
    pub listen: SocketAddr,
    /// How often the chain's logs are read.
    pub poll: Duration,
    /// The most orders one maker may have held at once ([`DEFAULT_MAX_ORDERS_PER_MAKER`]
    /// in the binary): each is re-read when its maker's funds change, and
    /// the book is no place for an unbounded number of one maker's orders.
    pub max_orders_per_maker: usize,
}

/// [`Config::max_orders_per_maker`] unless configured.
pub const DEFAULT_MAX_ORDERS_PER_MAKER: usize = 200;

/// Everything a request and the follower share.
pub struct App {
    /// The exchange and its tokens: where posted orders are checked and
    /// held ones re-read.
    pub chain: Chain,
    /// The orders held and the follower's cursor.
    pub store: Store,
    /// What `GET /metrics` reports.
    pub metrics: Metrics,
    /// The book's changes, for `GET /orders/stream`.
    pub events: Events,
    /// Held while an order is added and while logs are applied, so that
    /// an order is never added between a range's reads and its cursor.
    pub book: tokio::sync::Mutex<()>,
    /// [`Config::max_orders_per_maker`].
    pub max_orders_per_maker: usize,
    /// The chain's time at the last poll (what "expired" is judged by).
    clock: AtomicU64,
    /// Each pair's orders, best price first, as read at a count of the
    /// store's writes (SQLite only): a taker's read sorts nothing while the
    /// book has not changed.
    sorted: std::sync::Mutex<SortedBooks>,
}

/// Pair (give, want) to the store's write count and its sorted orders.
type SortedBooks = std::collections::HashMap<(U256, U256), (u64, Arc<Vec<store::StoredOrder>>)>;

impl App {
    /// The pair's orders, best price first: from the cache while no write
    /// happened since it was read, else from the store.
    ///
    /// # Errors
    ///
    /// The database fails.
    pub async fn sorted_pair(
        &self,
        give: U256,
        want: U256,
    ) -> Result<Arc<Vec<store::StoredOrder>>, store::StoreError> {
        let version = self.store.version();
        if let Some(version) = version {
            let cached = self.sorted.lock().ok().and_then(|books| {
                books
                    .get(&(give, want))
                    .filter(|(at, _)| *at == version)
                    .map(|(_, orders)| orders.clone())
            });
            if let Some(orders) = cached {
                return Ok(orders);
            }
        }
        let mut orders = self.store.pair(give, want).await?;
        book::sort(&mut orders);
        let orders = Arc::new(orders);
        if let (Some(version), Ok(mut books)) = (version, self.sorted.lock()) {
            books.insert((give, want), (version, orders.clone()));
        }
        Ok(orders)
    }

    /// The chain's time at the last poll.
    pub fn clock(&self) -> u64 {
        self.clock.load(Ordering::Relaxed)
    }

    /// Reads the chain's new logs and applies them, and counts.
    ///
    /// # Errors
    ///
    /// The chain or the database fails (nothing is recorded as applied
    /// beyond the last range fully applied).
    pub async fn follow(&self) -> Result<follow::Applied, follow::FollowError> {
        let applied = follow::poll(self).await?;
        self.clock.fetch_max(applied.now, Ordering::Relaxed);
        self.metrics
            .followed_block
            .set(i64::try_from(applied.block).unwrap_or(i64::MAX));
        self.metrics.dropped.inc_by(applied.dropped);
        self.metrics.held.set(self.store.count().await?);
        Ok(applied)
    }
}

/// A running relay.
pub struct Market {
    /// The address it serves on, as bound: the port the OS chose when
    /// [`Config::listen`] asked for port 0.
    pub addr: SocketAddr,
    /// The state its server and its follower share.
    pub app: Arc<App>,
    follower: JoinHandle<()>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
}

/// Why a relay did not start; each says which part.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The database could not be opened or its tables created.
    #[error("database {url}: {source}")]
    Database {
        /// [`Config::database`] as configured.
        url: String,
        /// What opening it failed with.
        source: store::StoreError,
    },
    /// The exchange's tokens or EIP-712 domain could not be read: the RPC
    /// URL does not parse, the node does not answer, or no `AATExchange`
    /// is at the address.
    #[error("exchange {exchange} at {rpc}: {source}")]
    Exchange {
        /// [`Config::exchange`] as configured.
        exchange: Address,
        /// [`Config::rpc`] as configured.
        rpc: String,
        /// What reading the exchange failed with.
        source: aat_client::ClientError,
    },
    /// The listen address could not be bound.
    #[error("listen on {addr}: {source}")]
    Listen {
        /// [`Config::listen`] as configured.
        addr: SocketAddr,
        /// What binding it failed with.
        source: std::io::Error,
    },
    /// The first catch-up with the chain's logs, before serving, failed.
    #[error("following {rpc}: {source}")]
    Follow {
        /// [`Config::rpc`], the node whose logs were read.
        rpc: String,
        /// What reading or applying the logs failed with.
        source: follow::FollowError,
    },
}

impl Market {
    /// Opens the database, reads the exchange, catches up with the chain,
    /// and serves.
    ///
    /// # Errors
    ///
    /// The database or the chain cannot be reached, or the address cannot
    /// be bound; each says which.
    pub async fn start(config: Config) -> Result<Market, StartError> {
        let store = Store::open(&config.database)
            .await
            .map_err(|source| StartError::Database {
                url: config.database.clone(),
                source,
            })?;
        let chain = Chain::connect(&config.rpc, config.exchange)
            .await
            .map_err(|source| StartError::Exchange {
                exchange: config.exchange,
                rpc: config.rpc.clone(),
                source,
            })?;
        let listen = |source| StartError::Listen {
            addr: config.listen,
            source,
        };
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(listen)?;
        let addr = listener.local_addr().map_err(listen)?;
        let app = Arc::new(App {
            chain,
            store,
            metrics: Metrics::new(),
            events: Events::default(),
            book: tokio::sync::Mutex::new(()),
            max_orders_per_maker: config.max_orders_per_maker,
            clock: AtomicU64::new(0),
            sorted: std::sync::Mutex::default(),
        });
        app.follow().await.map_err(|source| StartError::Follow {
            rpc: config.rpc.clone(),
            source,
        })?;
        let follower = {
            let app = app.clone();
            let every = config.poll.max(Duration::from_millis(10));
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(every).await;
                    if let Err(err) = app.follow().await {
                        app.metrics.follow_errors.inc();
                        tracing::warn!(%err, "following the chain failed; retrying");
                    }
                }
            })
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
        tracing::info!(%addr, exchange = %app.chain.exchange.address, "market listening");
        Ok(Market {
            addr,
            app,
            follower,
            shutdown: Some(shutdown),
            server: Some(server),
        })
    }

    /// `http://addr`.
    #[must_use]
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting requests, lets those in flight finish, and stops
    /// following.
    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
        self.follower.abort();
    }
}

impl Drop for Market {
    fn drop(&mut self) {
        self.follower.abort();
        if let Some(server) = &self.server {
            server.abort();
        }
    }
}
