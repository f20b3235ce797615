//! The running node: the chain on its own thread, the JSON-RPC server in
//! front of it, the state file and the block timer.
//!
//! The chain is single-threaded (the wasm engine and revm's journal are
//! not shared between threads): requests reach it as jobs on a channel and
//! run one at a time, in order, which is also what makes each transaction
//! atomic with respect to every other request.

use std::{
    fs,
    io::{BufWriter, Write},
    net::{IpAddr, Ipv4Addr, SocketAddr},
    path::{Path, PathBuf},
    sync::{mpsc, Arc},
    thread,
    time::Duration,
};

use alloy::primitives::Address;
use jsonrpsee::server::{Server, ServerConfig, ServerHandle};

use crate::{
    chain::{Chain, ChainConfig, ChainState},
    error::RpcError,
    rpc,
    subscriptions::{self, Mined},
};

type Job = Box<dyn FnOnce(&mut Chain) + Send>;

/// Why a node does not start.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// The state file exists but cannot be read.
    #[error("{path}: {source}")]
    ReadState {
        /// The state file (`--state`).
        path: PathBuf,
        /// Why reading it failed.
        source: std::io::Error,
    },
    /// The state file is not a devnode's saved [`ChainState`] (JSON).
    #[error("{path}: not a devnode state file: {source}")]
    StateFormat {
        /// The state file (`--state`).
        path: PathBuf,
        /// Where and why parsing it failed.
        source: serde_json::Error,
    },
    /// The state file holds a chain whose id is not the configured one.
    #[error("{path} holds chain {found}, not {expected}")]
    StateChain {
        /// The state file (`--state`).
        path: PathBuf,
        /// The chain id the state file holds.
        found: u64,
        /// The configured chain id (`--chain-id`).
        expected: u64,
    },
    /// The chain cannot be made or restored: a bad mnemonic or genesis time,
    /// or a broken system contract.
    #[error(transparent)]
    Genesis(#[from] crate::genesis::GenesisError),
    /// The OS refused to spawn the chain thread (its stack is 256 MiB).
    #[error("starting the chain thread: {0}")]
    Thread(std::io::Error),
    /// The chain thread ended without reporting whether the chain opened (it
    /// panicked).
    #[error("the chain thread stopped")]
    ChainStopped,
    /// The JSON-RPC server cannot listen on its address (taken, or not this
    /// host's).
    #[error("listening on {addr}: {source}")]
    Listen {
        /// The address it was to listen on (`--host`, `--port`).
        addr: SocketAddr,
        /// Why binding it failed.
        source: std::io::Error,
    },
    /// `eth_subscribe` cannot be registered (its method names are taken).
    #[error("registering the subscriptions: {0}")]
    Register(#[from] jsonrpsee::core::RegisterMethodError),
}

/// Stack for the chain thread: programs calling programs nest wasm
/// interpreters and revm frames on it.
const CHAIN_STACK: usize = 256 * 1024 * 1024;

/// Connections served at once: far more than a developer's tools open,
/// and within the file descriptors a process gets.
const MAX_CONNECTIONS: u32 = 4_096;

/// A way to run work on the chain's thread.
#[derive(Clone)]
pub struct Handle {
    jobs: mpsc::Sender<Job>,
    /// What each job mined, for subscriptions.
    events: tokio::sync::broadcast::Sender<Arc<Mined>>,
    /// How often the timer mines a block (`None`: it does not).
    interval: Arc<tokio::sync::watch::Sender<Option<Duration>>>,
}

impl Handle {
    /// Mines a block every `every` from now on (`None`: only on demand).
    pub fn set_interval_mining(&self, every: Option<Duration>) {
        self.interval.send_replace(every);
    }

    /// The blocks the chain mines, as they are mined.
    #[must_use]
    pub fn events(&self) -> &tokio::sync::broadcast::Sender<Arc<Mined>> {
        &self.events
    }

    /// Runs `f` on the chain and returns what it returns.
    ///
    /// # Errors
    ///
    /// The chain has stopped.
    pub async fn with<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Chain) -> R + Send + 'static,
    ) -> Result<R, RpcError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move |chain| {
                let _ = tx.send(f(chain));
            }))
            .map_err(|_| RpcError::internal("the chain has stopped"))?;
        rx.await
            .map_err(|_| RpcError::internal("the chain has stopped"))
    }
}

/// How the node runs.
#[derive(Clone, Debug)]
pub struct NodeConfig {
    /// How the chain starts; when a state file restores it, only its chain id
    /// (checked), mnemonic and account count apply.
    pub chain: ChainConfig,
    /// The address the JSON-RPC server listens on (default 127.0.0.1).
    pub host: IpAddr,
    /// 0 picks a free port.
    pub port: u16,
    /// Where the state is kept across restarts; in memory only when `None`.
    pub state: Option<PathBuf>,
    /// Mine an empty block this often, besides one per transaction.
    pub block_time: Option<Duration>,
}

impl Default for NodeConfig {
    fn default() -> Self {
        NodeConfig {
            chain: ChainConfig::default(),
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 8547,
            state: None,
            block_time: None,
        }
    }
}

/// A running devnode.
pub struct Node {
    addr: SocketAddr,
    server: ServerHandle,
    handle: Handle,
    accounts: Vec<(Address, String)>,
    chain_id: u64,
    restored: bool,
}

/// Writes the state atomically: a temporary file, synced, renamed over the
/// old one, and the directory synced, so a crash leaves the old state or
/// the new one, never a torn file.
///
/// # Errors
///
/// The file system refused.
pub fn save_state(state: &ChainState, path: &Path) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    let file = fs::File::create(&tmp)?;
    let mut writer = BufWriter::new(&file);
    serde_json::to_writer(&mut writer, state)?;
    writer.flush()?;
    drop(writer);
    file.sync_all()?;
    fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

fn open_chain(config: &NodeConfig) -> Result<(Chain, bool), NodeError> {
    if let Some(path) = &config.state {
        if path.exists() {
            let bytes = fs::read(path).map_err(|source| NodeError::ReadState {
                path: path.clone(),
                source,
            })?;
            let state: ChainState =
                serde_json::from_slice(&bytes).map_err(|source| NodeError::StateFormat {
                    path: path.clone(),
                    source,
                })?;
            if state.chain_id != config.chain.chain_id {
                return Err(NodeError::StateChain {
                    path: path.clone(),
                    found: state.chain_id,
                    expected: config.chain.chain_id,
                });
            }
            return Ok((Chain::restore(state, &config.chain)?, true));
        }
    }
    Ok((Chain::new(&config.chain)?, false))
}

/// What the chain thread reports once the chain is open: the dev accounts
/// with their keys, the chain id, and whether it was restored from state.
type Opened = (Vec<(Address, String)>, u64, bool);

/// The chain thread: opens the chain (reporting it through `ready`), then
/// runs each job on it in turn, publishing the blocks a job mined and
/// saving the state after every change when a state file is configured.
fn run_chain(
    config: &NodeConfig,
    queue: &mpsc::Receiver<Job>,
    publish: &tokio::sync::broadcast::Sender<Arc<Mined>>,
    ready: tokio::sync::oneshot::Sender<Result<Opened, NodeError>>,
) {
    let mut chain = match open_chain(config) {
        Ok((chain, restored)) => {
            let accounts = chain
                .dev_keys()
                .iter()
                .map(|k| (k.address(), format!("0x{}", hex::encode(k.to_bytes()))))
                .collect::<Vec<_>>();
            let _ = ready.send(Ok((accounts, chain.chain_id(), restored)));
            chain
        }
        Err(err) => {
            let _ = ready.send(Err(err));
            return;
        }
    };
    let save = |chain: &Chain| {
        if let Some(path) = &config.state {
            if let Err(err) = save_state(chain.state(), path) {
                tracing::error!("saving state to {}: {err}", path.display());
            }
        }
    };
    save(&chain);
    let mut saved = chain.version();
    while let Ok(job) = queue.recv() {
        let before = chain.latest().header.number;
        job(&mut chain);
        if publish.receiver_count() > 0 && chain.latest().header.number > before {
            for block in subscriptions::mined_since(&chain, before) {
                let _ = publish.send(block);
            }
        }
        if chain.version() != saved {
            saved = chain.version();
            save(&chain);
        }
    }
}

impl Node {
    /// Starts the chain and the server.
    ///
    /// # Errors
    ///
    /// The state file cannot be read, genesis fails, or the address is taken.
    pub async fn start(config: NodeConfig) -> Result<Node, NodeError> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let (events, _) = tokio::sync::broadcast::channel(subscriptions::BACKLOG);
        let publish = events.clone();
        let (ready, started) = tokio::sync::oneshot::channel();
        let chain_config = config.clone();
        thread::Builder::new()
            .name("chain".into())
            .stack_size(CHAIN_STACK)
            .spawn(move || run_chain(&chain_config, &queue, &publish, ready))
            .map_err(NodeError::Thread)?;
        let (accounts, chain_id, restored) =
            started.await.map_err(|_| NodeError::ChainStopped)??;
        let handle = Handle {
            jobs,
            events,
            interval: Arc::new(tokio::sync::watch::channel(config.block_time).0),
        };
        let limits = ServerConfig::builder()
            .max_request_body_size(64 * 1024 * 1024)
            .max_response_body_size(64 * 1024 * 1024)
            .set_id_provider(subscriptions::HexIds::new())
            // jsonrpsee's default of 100 let 100 idle or half-sent
            // connections lock every other client out (429); geth and anvil
            // set no such limit. Half-sent ones are closed after 30 s
            // (jsonrpsee's first-request timeout).
            .max_connections(MAX_CONNECTIONS)
            .build();
        let server = Server::builder()
            .set_config(limits)
            .set_http_middleware(
                tower::ServiceBuilder::new()
                    // A page served from anywhere (the web app, a dApp)
                    // reads the chain through viem's HTTP transport; there
                    // are no credentials to protect, as with anvil.
                    .layer(tower_http::cors::CorsLayer::permissive())
                    .layer(crate::request_ids::RequestIdsLayer),
            )
            .build(SocketAddr::new(config.host, config.port))
            .await
            .map_err(|source| NodeError::Listen {
                addr: SocketAddr::new(config.host, config.port),
                source,
            })?;
        let addr = server.local_addr().map_err(|source| NodeError::Listen {
            addr: SocketAddr::new(config.host, config.port),
            source,
        })?;
        let mut module = rpc::module(handle.clone());
        subscriptions::register(&mut module)?;
        let server = server.start(module);
        // The block timer: `--block-time`, changed at run time by
        // `evm_setIntervalMining` (0: off).
        let timer = handle.clone();
        let mut interval = handle.interval.subscribe();
        tokio::spawn(async move {
            loop {
                let every = *interval.borrow_and_update();
                match every {
                    None => {
                        if interval.changed().await.is_err() {
                            break;
                        }
                    }
                    Some(every) => {
                        tokio::select! {
                            () = tokio::time::sleep(every) => {
                                if timer.with(|chain| chain.mine(None)).await.is_err() {
                                    break;
                                }
                            }
                            changed = interval.changed() => {
                                if changed.is_err() {
                                    break;
                                }
                            }
                        }
                    }
                }
            }
        });
        Ok(Node {
            addr,
            server,
            handle,
            accounts,
            chain_id,
            restored,
        })
    }

    /// The HTTP endpoint (the same port answers WebSocket).
    #[must_use]
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The way to run work on the chain's thread in-process, without
    /// JSON-RPC.
    #[must_use]
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// The dev accounts with their private keys.
    #[must_use]
    pub fn accounts(&self) -> &[(Address, String)] {
        &self.accounts
    }

    /// The chain's EIP-155 chain id.
    #[must_use]
    pub fn chain_id(&self) -> u64 {
        self.chain_id
    }

    /// Whether the state came from a state file.
    #[must_use]
    pub fn restored(&self) -> bool {
        self.restored
    }

    /// Stops the server; the chain thread ends when the last handle goes.
    pub async fn stop(self) {
        let _ = self.server.stop();
        self.server.stopped().await;
    }
}
