//! The settlement worker: off the request path, it settles the latest
//! voucher of each holder with `settleBatch` (grouped by the ids' model and
//! scope, as the contract takes them) once enough value or time has
//! accumulated or the voucher or its channel is about to end, and each
//! served `exact` authorization with `transferWithAuthorization`
//! ([`exact`]). One instance settles at a time (a lease in the shared
//! database). The chain decides what is settled: an account is re-read
//! before it is settled, and a voucher that is not above the settled amount
//! settles nothing on-chain either, so the same amount is never settled
//! twice, whatever crashed when. A voucher the contract refuses
//! (`VoucherRejected`) is set aside with its reason until the holder signs
//! another; so is one that makes its whole batch fail, found by splitting
//! the batch ([`split`]), so that one voucher never stalls the others.
//! Failures that are no voucher's (the node, a pause) are retried with
//! exponential backoff.

pub mod exact;
pub mod exact_batch;
pub mod split;

use std::{
    collections::BTreeMap,
    time::{Duration, Instant},
};

use aat_client::{
    error::{is, SpecError},
    rails::Settlement,
    signing::{SignedVoucher, Voucher},
    ClientError,
};
use alloy::{
    primitives::{FixedBytes, B256},
    sol_types::SolStruct,
};

pub use exact::ExactOutcome;
use split::Fault;

use crate::{
    chain::ChainView,
    ledger::{AccountRow, ExactStatus, LedgerError},
    units::{on_chain, Units},
    App,
};

/// How often the worker frees stale reservations and forgets old answers.
const HOUSEKEEPING: Duration = Duration::from_secs(10);

/// Why a settlement round, or an `exact` payment settled on the request
/// path, stopped short (what settled before stays recorded).
#[derive(Debug, thiserror::Error)]
pub enum SettleError {
    /// The ledger could not be read or written.
    #[error("the ledger: {0}")]
    Ledger(#[from] LedgerError),
    /// The chain could not be read, or a transaction not sent.
    #[error("the chain: {0}")]
    Chain(#[from] ClientError),
    /// A `settleBatch` failed for a reason that is no voucher's (the node,
    /// a pause, the fees' TokenAI mint).
    #[error("settleBatch failed: {0}")]
    Batch(String),
    /// Sending or reading an `exact` payment's transaction failed: what it
    /// was doing, and why.
    #[error("{doing}: {source}")]
    Exact {
        /// What was being done (`transferWithAuthorization`, reading a
        /// transaction...).
        doing: String,
        /// The node's or the client's error.
        source: ClientError,
    },
    /// A nonce is used on-chain and what used it cannot be read yet.
    #[error("{0}")]
    NotYetReadable(String),
}

/// What one round settled.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// `settleBatch` transactions sent.
    pub transactions: usize,
    /// Vouchers that settled something.
    pub vouchers_settled: usize,
    /// Vouchers the contract refused, or that made their batch fail alone.
    pub vouchers_rejected: usize,
    /// `settleBatch` attempts that failed (each split or retried).
    pub batches_failed: usize,
    /// Units settled.
    pub units: u128,
    /// Gas of the `settleBatch` transactions.
    pub gas: u64,
    /// The `settleBatch` transactions.
    pub hashes: Vec<alloy::primitives::B256>,
    /// `exact` authorizations settled.
    pub exact_settled: usize,
    /// `exact` authorizations that failed for good.
    pub exact_failed: usize,
}

/// Whether a failed transaction is the doing of what it carried (a
/// voucher, an authorization) rather than of the chain or the node:
/// a revert other than a pause or TokenAI's (the fee mint), a transaction
/// that failed once mined, or an estimate that runs out of all the gas a
/// block has.
pub(crate) fn fault(err: &ClientError) -> Fault {
    match err {
        ClientError::Reverted { error, .. } => {
            let global = matches!(**error, SpecError::TokenAI(_))
                || is::<aat_client::AAT::EnforcedPause>(error)
                || is::<aat_client::AAT::ERC1155InvalidArrayLength>(error);
            if global {
                Fault::Chain(err.to_string())
            } else {
                Fault::Batch(error.to_string())
            }
        }
        ClientError::Failed(hash) => Fault::Batch(format!("transaction {hash} failed once mined")),
        ClientError::Rpc(rpc) => match rpc.as_error_resp() {
            Some(payload) if out_of_gas(&payload.message) => {
                Fault::Batch(payload.message.to_string())
            }
            _ => Fault::Chain(err.to_string()),
        },
        other => Fault::Chain(other.to_string()),
    }
}

/// A node's answer to an estimate that fails with all the gas a block has
/// (geth's and Nitro's "gas required exceeds allowance", revm's "out of
/// gas").
fn out_of_gas(message: &str) -> bool {
    let message = message.to_ascii_lowercase();
    message.contains("gas required exceeds") || message.contains("out of gas")
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

impl App {
    /// Whether `row` is due: enough value, an old voucher, or an end near.
    fn due(&self, row: &AccountRow, channel_expires: u64, id_expires: u64) -> bool {
        let s = &self.config.settlement;
        let margin = s.expiry_margin_secs;
        let now = self.chain.now();
        let ends_soon = |at: u64| at != 0 && at <= now.saturating_add(margin);
        let unsettled = row.voucher_amount.saturating_sub(row.settled);
        unsettled >= i64::try_from(s.threshold_units).unwrap_or(i64::MAX)
            || unix_now().saturating_sub(row.voucher_at)
                >= i64::try_from(s.max_age_secs).unwrap_or(i64::MAX)
            || row.voucher_deadline.unsigned_abs() <= now.saturating_add(margin)
            || ends_soon(channel_expires)
            // An expired id settles nothing: what is owed in it is due
            // before then, whatever the other thresholds say.
            || ends_soon(id_expires)
    }

    /// One round: settles what is due (everything unsettled when `all`),
    /// vouchers then `exact` payments.
    ///
    /// # Errors
    ///
    /// A settlement transaction failed for a reason that is no voucher's
    /// or payment's, or the ledger did; what settled stays recorded, and
    /// the `exact` payments are settled even when the vouchers failed.
    pub async fn settle_round(&self, all: bool) -> Result<Report, SettleError> {
        let _settling = self.settling.lock().await;
        let mut report = Report::default();
        let rows = self.ledger.unsettled().await?;
        // Grouped by (model, scope): one settleBatch takes one of each.
        let mut groups: BTreeMap<(FixedBytes<16>, FixedBytes<16>), Vec<AccountRow>> =
            BTreeMap::new();
        for row in rows {
            let holdings = self.chain.refresh(row.holder, row.id).await?;
            let settled = Units::capped(holdings.settled).ledger();
            if settled > row.settled {
                self.ledger.set_settled(row.holder, row.id, settled).await?;
            }
            if row.voucher_amount <= settled {
                continue;
            }
            let Some(policy) = self.chain.policy(row.id).await? else {
                continue;
            };
            if !(all || self.due(&row, holdings.channel_expires, policy.expiration)) {
                continue;
            }
            groups
                .entry((policy.model, policy.scope))
                .or_default()
                .push(row);
        }
        // Nothing a voucher does keeps the `exact` payments from settling.
        let vouchers = self.settle_groups(groups, &mut report).await;
        let exact = self.settle_exact(&mut report).await;
        self.update_gauges().await;
        vouchers.and(exact).map(|()| report)
    }

    /// Settles each group in batches of `batch_size`, splitting a batch
    /// that fails because of what it carries; stops at the first failure
    /// that is no voucher's.
    async fn settle_groups(
        &self,
        groups: BTreeMap<(FixedBytes<16>, FixedBytes<16>), Vec<AccountRow>>,
        report: &mut Report,
    ) -> Result<(), SettleError> {
        for ((model, scope), rows) in groups {
            for batch in rows.chunks(self.config.settlement.batch_size.max(1)) {
                let split = split::split(batch, |rows| self.send_batch(rows, model, scope)).await;
                report.batches_failed += split.failed_attempts;
                for (rows, outcome) in split.done {
                    self.record_batch(&rows, &outcome, report).await?;
                }
                for (row, reason) in split.culprits {
                    let reason = format!("settleBatch fails with this voucher alone: {reason}");
                    tracing::warn!(holder = %row.holder, id = %row.id, %reason, "voucher set aside");
                    self.ledger
                        .set_rejected(row.holder, row.id, row.voucher_amount, &reason)
                        .await?;
                    report.vouchers_rejected += 1;
                    self.metrics
                        .settlements
                        .with_label_values(&["voucher", "rejected"])
                        .inc();
                }
                if let Some(reason) = split.stopped {
                    return Err(SettleError::Batch(reason));
                }
            }
        }
        Ok(())
    }

    /// One `settleBatch` of `rows`' latest vouchers.
    async fn send_batch(
        &self,
        rows: Vec<AccountRow>,
        model: FixedBytes<16>,
        scope: FixedBytes<16>,
    ) -> Result<(Vec<AccountRow>, Settlement), Fault> {
        let vouchers: Vec<SignedVoucher> = rows
            .iter()
            .filter_map(|row| {
                Some(SignedVoucher {
                    voucher: Voucher {
                        holder: row.holder,
                        provider: self.chain.provider,
                        id: row.id,
                        cumulativeAmount: on_chain(row.voucher_amount),
                        deadline: row.voucher_deadline.unsigned_abs(),
                    },
                    signature: row.voucher_signature.clone()?,
                })
            })
            .collect();
        // Public once sent: a copy sent as a payment must not be taken for
        // its holder ([`crate::ledger::Ledger::publish`]).
        let digests: Vec<(B256, i64)> = vouchers
            .iter()
            .map(|v| {
                (
                    v.voucher.eip712_signing_hash(&self.chain.aat_domain),
                    i64::try_from(v.voucher.deadline).unwrap_or(i64::MAX),
                )
            })
            .collect();
        if let Err(err) = self.ledger.publish(&digests).await {
            return Err(Fault::Chain(format!(
                "cannot record the vouchers about to be published: {err}"
            )));
        }
        match self.chain.rails.settle_batch(&vouchers, model, scope).await {
            Ok(outcome) => Ok((rows, outcome)),
            Err(err) => {
                self.metrics
                    .settlements
                    .with_label_values(&["voucher", "failed"])
                    .inc();
                tracing::warn!(vouchers = vouchers.len(), %err, "settleBatch failed");
                Err(fault(&err))
            }
        }
    }

    /// Records what a `settleBatch` of `batch` settled and refused.
    async fn record_batch(
        &self,
        batch: &[AccountRow],
        outcome: &Settlement,
        report: &mut Report,
    ) -> Result<(), SettleError> {
        report.transactions += 1;
        report.hashes.push(outcome.receipt.transaction_hash);
        report.gas = report.gas.saturating_add(outcome.receipt.gas_used);
        self.metrics.settlement_gas.inc_by(outcome.receipt.gas_used);
        for settled in &outcome.settled {
            let amount = Units::capped(settled.cumulativeAmount).ledger();
            self.ledger
                .set_settled(settled.holder, settled.id, amount)
                .await?;
            report.vouchers_settled += 1;
            report.units += u128::try_from(settled.consumed).unwrap_or(u128::MAX);
            self.metrics
                .settlements
                .with_label_values(&["voucher", "settled"])
                .inc();
        }
        for rejected in &outcome.rejected {
            let amount = batch
                .iter()
                .find(|r| r.holder == rejected.holder && r.id == rejected.id)
                .map_or(0, |r| r.voucher_amount);
            tracing::warn!(holder = %rejected.holder, id = %rejected.id, reason = %rejected.reason, "voucher rejected");
            self.ledger
                .set_rejected(
                    rejected.holder,
                    rejected.id,
                    amount,
                    &rejected.reason.to_string(),
                )
                .await?;
            report.vouchers_rejected += 1;
            self.metrics
                .settlements
                .with_label_values(&["voucher", "rejected"])
                .inc();
        }
        for row in batch {
            let _ = self.chain.refresh(row.holder, row.id).await;
        }
        tracing::info!(
            tx = %outcome.receipt.transaction_hash,
            vouchers = batch.len(),
            settled = outcome.settled.len(),
            rejected = outcome.rejected.len(),
            gas = outcome.receipt.gas_used,
            "settled a batch"
        );
        Ok(())
    }

    /// Refreshes the gauges of what is pending.
    pub async fn update_gauges(&self) {
        if let Ok(units) = self.ledger.pending_units().await {
            self.metrics.pending_units.set(units);
        }
        if let Ok(n) = self.ledger.exact_count(ExactStatus::Queued).await {
            self.metrics.pending_exact.set(n);
        }
    }

    /// Frees the reservations of requests that died `stale` seconds ago or
    /// more, forgets the answers kept past their retention and the
    /// published vouchers past their deadline. Writes, so
    /// not every round: they would wait for the writer the charges wait for.
    async fn housekeeping(&self, stale: i64) {
        if let Ok(n) = self.ledger.release_stale(stale).await {
            if n > 0 {
                tracing::warn!(n, "freed reservations of requests that never finished");
            }
        }
        let retention = self.config.settlement.answer_retention_secs;
        if let Err(err) = self
            .ledger
            .prune_answers(i64::try_from(retention).unwrap_or(i64::MAX))
            .await
        {
            tracing::warn!(%err, "cannot forget old answers");
        }
        let now = i64::try_from(self.chain.now()).unwrap_or(i64::MAX);
        if let Err(err) = self.ledger.prune_published(now).await {
            tracing::warn!(%err, "cannot forget expired published vouchers");
        }
    }

    /// The worker: a round every interval while this instance holds the
    /// lease, backing off after failures.
    pub async fn settle_forever(&self) {
        let interval = Duration::from_millis(self.config.settlement.interval_ms.max(10));
        let lease = i64::try_from((interval * 10).as_secs().max(10)).unwrap_or(10);
        let stale = i64::try_from(
            self.config
                .upstream_timeout_secs
                .saturating_mul(2)
                .saturating_add(60),
        )
        .unwrap_or(i64::MAX);
        let mut backoff = interval;
        let mut housekept: Option<Instant> = None;
        loop {
            tokio::time::sleep(backoff).await;
            match self
                .ledger
                .lease("settlement", &self.config.instance, lease)
                .await
            {
                Ok(true) => {}
                Ok(false) => {
                    backoff = interval;
                    continue;
                }
                Err(err) => {
                    tracing::error!(%err, "cannot take the settlement lease");
                    continue;
                }
            }
            if housekept.is_none_or(|at| at.elapsed() >= HOUSEKEEPING) {
                housekept = Some(Instant::now());
                self.housekeeping(stale).await;
            }
            match self.settle_round(false).await {
                Ok(_) => backoff = interval,
                Err(err) => {
                    backoff = (backoff * 2).min(Duration::from_mins(1));
                    tracing::warn!(%err, retry_in = ?backoff, "settlement failed");
                }
            }
        }
    }
}
