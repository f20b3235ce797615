//! Installed filters, as geth keeps them: `eth_newFilter` (logs),
//! `eth_newBlockFilter` and `eth_newPendingTransactionFilter` each return an
//! id; `eth_getFilterChanges` answers what happened since the filter was
//! installed or last polled (logs, block hashes, transaction hashes: this
//! chain mines every transaction as it arrives, so a pending transaction is
//! one mined since), `eth_getFilterLogs` every log a log filter matches, and
//! `eth_uninstallFilter` removes one. A filter not polled for five minutes
//! is removed, as geth does, so clients that forget theirs cost nothing.
//! Filters live beside the chain, not in its state: snapshots and the
//! state file do not keep them.

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

use alloy::{
    primitives::{B256, U256},
    rpc::types::{Filter, FilterBlockOption, Log},
};
use serde::Serialize;

use crate::{chain::Chain, error::RpcError};

/// How long a filter lives without being polled (geth's `filterTimeout`).
const TIMEOUT: Duration = Duration::from_mins(5);

/// The most filters installed at once; beyond, the oldest unpolled goes.
const MAX_FILTERS: usize = 1_024;

/// What a filter watches.
#[derive(Clone, Debug)]
enum Kind {
    Logs(Box<Filter>),
    Blocks,
    PendingTransactions,
}

#[derive(Clone, Debug)]
struct Installed {
    kind: Kind,
    /// The first block it has not reported.
    next_block: u64,
    polled: Instant,
}

/// The filters installed on a chain.
#[derive(Debug, Default)]
pub struct Filters {
    last_id: u64,
    installed: HashMap<U256, Installed>,
}

/// What `eth_getFilterChanges` answers: logs, or hashes.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum Changes {
    /// A log filter's new logs.
    Logs(Vec<Log>),
    /// A block filter's new block hashes, or a pending-transaction filter's
    /// new transaction hashes.
    Hashes(Vec<B256>),
}

fn not_found(id: U256) -> RpcError {
    RpcError::invalid_input(format!("filter not found: {id:#x}"))
}

impl Filters {
    fn install(&mut self, kind: Kind, next_block: u64) -> U256 {
        self.expire();
        if self.installed.len() >= MAX_FILTERS {
            if let Some(oldest) = self
                .installed
                .iter()
                .min_by_key(|(_, f)| f.polled)
                .map(|(id, _)| *id)
            {
                self.installed.remove(&oldest);
            }
        }
        self.last_id += 1;
        let id = U256::from(self.last_id);
        self.installed.insert(
            id,
            Installed {
                kind,
                next_block,
                polled: Instant::now(),
            },
        );
        id
    }

    fn expire(&mut self) {
        self.installed.retain(|_, f| f.polled.elapsed() < TIMEOUT);
    }

    /// Removes filter `id`; whether it was installed.
    pub fn uninstall(&mut self, id: U256) -> bool {
        self.expire();
        self.installed.remove(&id).is_some()
    }
}

/// Installs a log filter; what it reports starts with the next block.
pub fn new_log_filter(chain: &mut Chain, filter: Filter) -> U256 {
    let next = chain.latest().header.number + 1;
    chain.filters().install(Kind::Logs(Box::new(filter)), next)
}

/// Installs a filter of new blocks' hashes.
pub fn new_block_filter(chain: &mut Chain) -> U256 {
    let next = chain.latest().header.number + 1;
    chain.filters().install(Kind::Blocks, next)
}

/// Installs a filter of new transactions' hashes.
pub fn new_pending_transaction_filter(chain: &mut Chain) -> U256 {
    let next = chain.latest().header.number + 1;
    chain.filters().install(Kind::PendingTransactions, next)
}

/// What filter `id` has not reported yet, now reported.
///
/// # Errors
///
/// No such filter (never installed, uninstalled or expired).
pub fn changes(chain: &mut Chain, id: U256) -> Result<Changes, RpcError> {
    let latest = chain.latest().header.number;
    let filters = chain.filters();
    filters.expire();
    let installed = filters
        .installed
        .get_mut(&id)
        .ok_or_else(|| not_found(id))?;
    installed.polled = Instant::now();
    // After evm_revert the chain may be shorter than what was reported.
    let from = installed.next_block.min(latest + 1);
    installed.next_block = latest + 1;
    let kind = installed.kind.clone();
    let blocks = from..=latest;
    Ok(match kind {
        Kind::Logs(filter) => {
            let (low, high) = range(chain, &filter);
            let (from, to) = (from.max(low), latest.min(high));
            if from > to {
                Changes::Logs(Vec::new())
            } else {
                let window = (*filter).clone().from_block(from).to_block(to);
                Changes::Logs(crate::rpc::get_logs(chain, &window)?)
            }
        }
        Kind::Blocks => Changes::Hashes(
            blocks
                .filter_map(|n| chain.block(n).map(|b| b.hash))
                .collect(),
        ),
        Kind::PendingTransactions => Changes::Hashes(
            blocks
                .filter_map(|n| chain.block(n))
                .flat_map(|b| b.transactions.iter().copied())
                .collect(),
        ),
    })
}

/// Every log log filter `id` matches.
///
/// # Errors
///
/// No such log filter.
pub fn logs(chain: &mut Chain, id: U256) -> Result<Vec<Log>, RpcError> {
    let filters = chain.filters();
    filters.expire();
    let installed = filters
        .installed
        .get_mut(&id)
        .ok_or_else(|| not_found(id))?;
    installed.polled = Instant::now();
    let Kind::Logs(filter) = installed.kind.clone() else {
        return Err(not_found(id));
    };
    crate::rpc::get_logs(chain, &filter)
}

/// The blocks a log filter covers: its range (open ends: the chain's), or
/// its one block.
fn range(chain: &Chain, filter: &Filter) -> (u64, u64) {
    match filter.block_option {
        FilterBlockOption::AtBlockHash(hash) => chain
            .block_by_hash(hash)
            .map_or((1, 0), |b| (b.header.number, b.header.number)),
        FilterBlockOption::Range {
            from_block,
            to_block,
        } => (
            from_block.and_then(|b| b.as_number()).unwrap_or_default(),
            to_block.and_then(|b| b.as_number()).unwrap_or(u64::MAX),
        ),
    }
}
