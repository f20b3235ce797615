//! Following the chain: the relay reads the logs of the exchange, AAT and
//! TokenAI since the last block it applied and works out what each changed
//! for the orders it holds (`Change`): a fill or a cancel changes one
//! order's `remaining`, a nonce floor voids a maker's orders below it, and a
//! fill, a transfer or an approval changes what an account can give. Each
//! touched maker's orders are then re-read once: its funds once per id it
//! gives (all its orders giving that id draw on them together), `remaining`
//! only for the orders a log named. So the cost of a block is its logs, not
//! the number of orders a touched maker holds. An order that can never fill
//! again (filled, cancelled, below the floor, expired) is forgotten; one
//! its maker cannot fund now is kept with nothing fillable, out of the
//! book, until its maker can again.
//!
//! The cursor is committed after the block range is applied, so a crash
//! re-applies a range rather than skips one (re-reading is idempotent).
//! Reorganisations are not handled: Arbitrum's sequencer does not reorder
//! what it has confirmed.

use std::collections::{BTreeMap, HashMap, HashSet};

use aat_client::{
    bindings::{AATExchange, TokenAI, AAT},
    ClientError,
};
use alloy::{
    primitives::{Address, B256, U256},
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
    /// The node could not be read (the head, logs, or an order's
    /// `remaining` or its maker's funds).
    #[error("{0}")]
    Chain(#[from] ClientError),
    /// The database failed.
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
    /// Logs of the exchange, AAT and `TokenAI` read in the range applied,
    /// those that changed no order included.
    pub logs: usize,
    /// Orders of touched makers looked at again.
    pub refreshed: usize,
    /// Orders forgotten (never fillable again).
    pub dropped: u64,
}

/// What a log changed for the orders the relay holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Change {
    /// What an account holds or lets the exchange move.
    Funds(Address),
    /// How much of the order with this hash (of this maker) remains.
    Remaining(B256, Address),
    /// The maker's nonce floor: its orders below it are void.
    Floor(Address, u64),
}

/// What `log` changed, when it is one the relay follows.
fn changes(app: &App, log: &Log) -> Vec<Change> {
    use Change::{Floor, Funds, Remaining};
    let (from, data) = (log.address(), log.data());
    if from == app.chain.exchange.address {
        if let Ok(e) = AATExchange::OrderFilled::decode_log_data(data) {
            return vec![
                Remaining(e.orderHash, e.maker),
                Funds(e.maker),
                Funds(e.taker),
            ];
        }
        if let Ok(e) = AATExchange::OrderCancelled::decode_log_data(data) {
            return vec![Remaining(e.orderHash, e.maker)];
        }
        if let Ok(e) = AATExchange::MinNonceRaised::decode_log_data(data) {
            return vec![Floor(e.maker, e.minNonce)];
        }
    } else if from == app.chain.rails.aat {
        if let Ok(e) = AAT::TransferSingle::decode_log_data(data) {
            return vec![Funds(e.from), Funds(e.to)];
        }
        if let Ok(e) = AAT::TransferBatch::decode_log_data(data) {
            return vec![Funds(e.from), Funds(e.to)];
        }
        if let Ok(e) = AAT::ApprovalForAll::decode_log_data(data) {
            return vec![Funds(e.account)];
        }
    } else if from == app.chain.rails.token {
        if let Ok(e) = TokenAI::Transfer::decode_log_data(data) {
            return vec![Funds(e.from), Funds(e.to)];
        }
        if let Ok(e) = TokenAI::Approval::decode_log_data(data) {
            return vec![Funds(e.owner)];
        }
    }
    Vec::new()
}

/// What the logs changed for one maker.
#[derive(Debug, Default)]
struct Touched {
    funds: bool,
    remaining: HashSet<B256>,
    floor: u64,
}

/// The makers `changes` touched, each with what changed for it.
fn by_maker(changes: impl IntoIterator<Item = Change>) -> BTreeMap<Address, Touched> {
    let mut makers = BTreeMap::<Address, Touched>::new();
    for change in changes {
        match change {
            Change::Funds(account) => makers.entry(account).or_default().funds = true,
            Change::Remaining(hash, maker) => {
                makers.entry(maker).or_default().remaining.insert(hash);
            }
            Change::Floor(maker, floor) => {
                let touched = makers.entry(maker).or_default();
                touched.floor = touched.floor.max(floor);
            }
        }
    }
    makers.remove(&Address::ZERO);
    makers
}

/// Forgets `stored` and tells the pair's subscribers.
///
/// # Errors
///
/// The database fails.
pub async fn forget(app: &App, stored: &StoredOrder) -> Result<(), StoreError> {
    app.store.delete(stored.hash).await?;
    let o = &stored.order;
    app.events
        .publish(BookEvent::removed(stored.hash, o.giveId, o.wantId));
    Ok(())
}

/// Records what `stored` can fill now (`remaining`, `fillable`), or forgets
/// it when nothing remains; whether it was forgotten.
async fn record(
    app: &App,
    stored: &StoredOrder,
    remaining: U256,
    fillable: U256,
) -> Result<bool, FollowError> {
    if remaining.is_zero() {
        forget(app, stored).await?;
        return Ok(true);
    }
    if (remaining, fillable) != (stored.remaining, stored.fillable) {
        app.store.update(stored.hash, remaining, fillable).await?;
        let now = StoredOrder {
            remaining,
            fillable,
            ..stored.clone()
        };
        app.events.publish(BookEvent::held(&now, false));
    }
    Ok(false)
}

/// Applies to `maker`'s orders what the logs changed for it: funds read
/// once per id it gives, `remaining` only for the orders named; how many
/// orders were looked at and how many forgotten. Call with the book's lock
/// held.
async fn apply(app: &App, maker: Address, touched: &Touched) -> Result<(usize, u64), FollowError> {
    let held = app.store.of_maker(maker).await?;
    let mut funds = HashMap::<U256, U256>::new();
    let mut dropped = 0;
    for stored in &held {
        let o = &stored.order;
        let remaining = if o.nonce < touched.floor {
            U256::ZERO
        } else if touched.remaining.contains(&stored.hash) {
            app.chain.exchange.remaining(o).await?
        } else {
            stored.remaining
        };
        let fillable = if remaining.is_zero() {
            U256::ZERO
        } else if touched.funds {
            let can = if let Some(can) = funds.get(&o.giveId) {
                *can
            } else {
                let can = app.chain.spendable(maker, o.giveId).await?;
                *funds.entry(o.giveId).or_insert(can)
            };
            remaining.min(can)
        } else {
            stored.fillable.min(remaining)
        };
        dropped += u64::from(record(app, stored, remaining, fillable).await?);
    }
    Ok((held.len(), dropped))
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
    record(app, stored, fillable.remaining, fillable.now).await
}

/// Applies the logs since the last block applied (at most `MAX_RANGE`
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
        let makers = by_maker(logs.iter().flat_map(|log| changes(app, log)));
        for (maker, touched) in &makers {
            let (looked_at, dropped) = apply(app, *maker, touched).await?;
            applied.refreshed += looked_at;
            applied.dropped += dropped;
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
