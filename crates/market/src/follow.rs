//! Following the chain: the relay reads the logs of the exchange, AAT and
//! TokenAI since the last block it applied, collects every account a log
//! touched (a fill's maker and taker, a cancel's or a nonce floor's maker,
//! both sides of a transfer, an approver), and re-reads every order it holds
//! of those accounts: `remaining`, the maker's balance and approval. An
//! order that can never fill again (filled, cancelled, below the floor,
//! expired) is forgotten; one its maker cannot fund now is kept with
//! nothing fillable, out of the book, until its maker can again.
//!
//! The cursor is committed after the block range is applied, so a crash
//! re-applies a range rather than skips one (re-reading is idempotent).
//! Reorganisations are not handled: Arbitrum's sequencer does not reorder
//! what it has confirmed.

use std::collections::BTreeSet;

use aat_client::{
    bindings::{AATExchange, TokenAI, AAT},
    ClientError,
};
use alloy::{
    primitives::Address,
    providers::Provider,
    rpc::types::{Filter, Log},
    sol_types::SolEvent,
};

use crate::{
    events::BookEvent,
    store::{StoreError, StoredOrder},
    App,
};

/// The most blocks one `eth_getLogs` asks for (nodes cap ranges).
const MAX_RANGE: u64 = 2_000;

/// What following can fail with.
#[derive(Debug, thiserror::Error)]
pub enum FollowError {
    #[error("{0}")]
    Chain(#[from] ClientError),
    #[error("{0}")]
    Store(#[from] StoreError),
}

/// What one poll applied.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Applied {
    /// The last block applied.
    pub block: u64,
    /// The chain's time at the head when the poll began.
    pub now: u64,
    pub logs: usize,
    /// Orders re-read.
    pub refreshed: usize,
    /// Orders forgotten (never fillable again).
    pub dropped: u64,
}

/// The accounts `log` touched, when it is one the relay follows.
fn touched(app: &App, log: &Log) -> Vec<Address> {
    let (from, data) = (log.address(), log.data());
    if from == app.chain.exchange.address {
        if let Ok(e) = AATExchange::OrderFilled::decode_log_data(data) {
            return vec![e.maker, e.taker];
        }
        if let Ok(e) = AATExchange::OrderCancelled::decode_log_data(data) {
            return vec![e.maker];
        }
        if let Ok(e) = AATExchange::MinNonceRaised::decode_log_data(data) {
            return vec![e.maker];
        }
    } else if from == app.chain.rails.aat {
        if let Ok(e) = AAT::TransferSingle::decode_log_data(data) {
            return vec![e.from, e.to];
        }
        if let Ok(e) = AAT::TransferBatch::decode_log_data(data) {
            return vec![e.from, e.to];
        }
        if let Ok(e) = AAT::ApprovalForAll::decode_log_data(data) {
            return vec![e.account];
        }
    } else if from == app.chain.rails.token {
        if let Ok(e) = TokenAI::Transfer::decode_log_data(data) {
            return vec![e.from, e.to];
        }
        if let Ok(e) = TokenAI::Approval::decode_log_data(data) {
            return vec![e.owner];
        }
    }
    Vec::new()
}

/// Re-reads `stored` from the chain and records it, or forgets it when it
/// can never fill again; whether it was forgotten. Call with the book's
/// lock held.
///
/// # Errors
///
/// The chain or the database fails.
pub async fn refresh(app: &App, stored: &StoredOrder) -> Result<bool, FollowError> {
    let fillable = app.chain.fillable(&stored.order).await?;
    let o = &stored.order;
    if fillable.remaining.is_zero() {
        app.store.delete(stored.hash).await?;
        app.events
            .publish(BookEvent::removed(stored.hash, o.giveId, o.wantId));
        return Ok(true);
    }
    if (fillable.remaining, fillable.now) != (stored.remaining, stored.fillable) {
        app.store
            .update(stored.hash, fillable.remaining, fillable.now)
            .await?;
        let now = StoredOrder {
            remaining: fillable.remaining,
            fillable: fillable.now,
            ..stored.clone()
        };
        app.events.publish(BookEvent::held(&now, false));
    }
    Ok(false)
}

/// Applies the logs since the last block applied (at most [`MAX_RANGE`]
/// blocks of them) and forgets what has expired.
///
/// # Errors
///
/// The chain or the database fails; nothing after the last range fully
/// applied is recorded as applied.
pub async fn poll(app: &App) -> Result<Applied, FollowError> {
    let (head, now) = app.chain.head().await?;
    let _book = app.book.lock().await;
    let Some(followed) = app.store.followed().await? else {
        // A new database: orders are checked against the chain when posted,
        // so only what happens from now on matters.
        app.store.set_followed(head).await?;
        return Ok(Applied {
            block: head,
            now,
            ..Applied::default()
        });
    };
    let mut applied = Applied {
        block: followed,
        now,
        ..Applied::default()
    };
    if followed < head {
        let to = head.min(followed + MAX_RANGE);
        let filter = Filter::new()
            .address(vec![
                app.chain.exchange.address,
                app.chain.rails.aat,
                app.chain.rails.token,
            ])
            .from_block(followed + 1)
            .to_block(to);
        let logs = app
            .chain
            .provider()
            .get_logs(&filter)
            .await
            .map_err(ClientError::from)?;
        let accounts: BTreeSet<Address> = logs
            .iter()
            .flat_map(|log| touched(app, log))
            .filter(|a| !a.is_zero())
            .collect();
        for account in accounts {
            for stored in app.store.of_maker(account).await? {
                applied.refreshed += 1;
                applied.dropped += u64::from(refresh(app, &stored).await?);
            }
        }
        app.store.set_followed(to).await?;
        applied.block = to;
        applied.logs = logs.len();
    }
    for (hash, give, want) in app.store.delete_expired(now).await? {
        applied.dropped += 1;
        app.events.publish(BookEvent::removed(hash, give, want));
    }
    Ok(applied)
}
