//! `eth_subscribe` over WebSocket, as geth serves it: `newHeads` (each new
//! block's header), `logs` (each log of a new block that a filter matches,
//! one notification per log) and `newPendingTransactions` (each new
//! transaction's hash: this chain mines every transaction as it arrives).
//! `eth_unsubscribe` ends one; closing the connection ends them all.
//!
//! The chain's thread publishes what each job mined ([`Mined`]) on a
//! broadcast channel; each subscription reads it on the server's runtime,
//! so a slow subscriber never holds the chain up (it misses what it is too
//! slow for, and is told so by a dropped notification, as geth drops them).

use std::sync::Arc;

use alloy::{
    primitives::B256,
    rpc::types::{Filter, Header, Log},
};
use jsonrpsee::{
    core::{server::SubscriptionMessage, traits::IdProvider, SubscriptionResult},
    types::{ErrorObjectOwned, SubscriptionId},
    PendingSubscriptionSink, RpcModule, SubscriptionSink,
};
use tokio::sync::broadcast;

use crate::{chain::Chain, error::RpcError, node::Handle, views};

/// How many mined blocks the channel holds for a subscriber that lags.
pub const BACKLOG: usize = 1_024;

/// A block as subscribers see it: its header, its logs, its transactions.
#[derive(Debug)]
pub struct Mined {
    /// Its header with its hash, as a `newHeads` notification carries it.
    pub header: Header,
    /// Every log of its transactions, positioned in the block, for `logs`
    /// subscriptions to filter.
    pub logs: Vec<Log>,
    /// Its transactions' hashes, for `newPendingTransactions`.
    pub transactions: Vec<B256>,
}

/// The blocks after `after`, up to the latest, as subscribers see them.
#[must_use]
pub fn mined_since(chain: &Chain, after: u64) -> Vec<Arc<Mined>> {
    let latest = chain.latest().header.number;
    (after.saturating_add(1)..=latest)
        .filter_map(|n| chain.block(n))
        .map(|record| {
            let block = views::block(chain, record, false);
            let logs = record
                .transactions
                .iter()
                .filter_map(|hash| chain.tx(*hash))
                .flat_map(|tx| views::logs(tx, record.header.timestamp))
                .collect();
            Arc::new(Mined {
                header: block.header,
                logs,
                transactions: record.transactions.clone(),
            })
        })
        .collect()
}

/// Subscription ids as geth makes them: `0x` and 32 hex digits (here the
/// hash of a per-node seed and a counter: unique, not guessable from
/// another node's).
#[derive(Debug)]
pub struct HexIds {
    seed: u128,
    next: std::sync::atomic::AtomicU64,
}

impl HexIds {
    /// Ids seeded with the current time in nanoseconds, counting from 0.
    #[must_use]
    pub fn new() -> Self {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        HexIds {
            seed,
            next: std::sync::atomic::AtomicU64::new(0),
        }
    }
}

impl Default for HexIds {
    fn default() -> Self {
        Self::new()
    }
}

impl IdProvider for HexIds {
    fn next_id(&self) -> SubscriptionId<'static> {
        let n = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut bytes = self.seed.to_be_bytes().to_vec();
        bytes.extend_from_slice(&n.to_be_bytes());
        let hash = alloy::primitives::keccak256(bytes);
        SubscriptionId::Str(format!("0x{}", alloy::hex::encode(&hash[..16])).into())
    }
}

/// What a subscription asked for.
enum Kind {
    NewHeads,
    Logs(Box<Filter>),
    NewPendingTransactions,
}

fn kind(params: &jsonrpsee::types::Params<'_>) -> Result<Kind, RpcError> {
    let mut seq = params.sequence();
    let name: String = seq
        .next()
        .map_err(|e| RpcError::invalid_params(format!("invalid parameters: {e}")))?;
    match name.as_str() {
        "newHeads" => Ok(Kind::NewHeads),
        "newPendingTransactions" => Ok(Kind::NewPendingTransactions),
        "logs" => {
            let filter: Option<Filter> = seq
                .optional_next()
                .map_err(|e| RpcError::invalid_params(format!("invalid log filter: {e}")))?;
            Ok(Kind::Logs(Box::new(filter.unwrap_or_default())))
        }
        other => Err(RpcError::invalid_params(format!(
            "no \"{other}\" subscription (newHeads, logs, newPendingTransactions)"
        ))),
    }
}

/// Registers `eth_subscribe` / `eth_unsubscribe` on `module`.
///
/// # Errors
///
/// The names are already registered.
pub fn register(
    module: &mut RpcModule<Handle>,
) -> Result<(), jsonrpsee::core::RegisterMethodError> {
    module
        .register_subscription(
            "eth_subscribe",
            "eth_subscription",
            "eth_unsubscribe",
            |params, pending, handle, _| async move { serve(&params, pending, &handle).await },
        )
        .map(|_| ())
}

async fn serve(
    params: &jsonrpsee::types::Params<'static>,
    pending: PendingSubscriptionSink,
    handle: &Handle,
) -> SubscriptionResult {
    let kind = match kind(params) {
        Ok(kind) => kind,
        Err(err) => {
            pending.reject(ErrorObjectOwned::from(err)).await;
            return Ok(());
        }
    };
    let mut mined = handle.events().subscribe();
    let sink = pending.accept().await?;
    loop {
        let block = tokio::select! {
            () = sink.closed() => return Ok(()),
            block = mined.recv() => match block {
                Ok(block) => block,
                // Too slow: what it missed is gone, as geth drops it.
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return Ok(()),
            },
        };
        let messages: Vec<SubscriptionMessage> = match &kind {
            Kind::NewHeads => vec![message(&sink, &block.header)?],
            Kind::NewPendingTransactions => block
                .transactions
                .iter()
                .map(|hash| message(&sink, hash))
                .collect::<Result<_, _>>()?,
            Kind::Logs(filter) => block
                .logs
                .iter()
                .filter(|log| filter.matches(&log.inner))
                .map(|log| message(&sink, log))
                .collect::<Result<_, _>>()?,
        };
        for message in messages {
            sink.send(message).await?;
        }
    }
}

/// One notification of `sink`'s subscription carrying `result`.
fn message(
    sink: &SubscriptionSink,
    result: &impl serde::Serialize,
) -> Result<SubscriptionMessage, serde_json::Error> {
    SubscriptionMessage::new(sink.method_name(), sink.subscription_id(), result)
}
