//! The settlement worker: off the request path, it settles the latest
//! voucher of each holder with `settleBatch` (grouped by the ids' model and
//! scope, as the contract takes them) once enough value or time has
//! accumulated or the voucher or its channel is about to end, and each
//! served `exact` authorization with `transferWithAuthorization`. One
//! instance settles at a time (a lease in the shared database). The chain
//! decides what is settled: an account is re-read before it is settled, and
//! a voucher that is not above the settled amount settles nothing on-chain
//! either, so the same amount is never settled twice, whatever crashed
//! when. Failures are retried with exponential backoff; a voucher the
//! contract refuses (`VoucherRejected`) is set aside with its reason until
//! the holder signs another.

use std::{collections::BTreeMap, time::Duration};

use aat_client::{
    bindings::TokenAI,
    error::is,
    signing::{SignedVoucher, Voucher},
    ClientError,
};
use alloy::primitives::{FixedBytes, U256};

use crate::{ledger::AccountRow, payment::settlement_call, App};

/// What became of one `exact` authorization.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExactOutcome {
    /// Paid; the transaction, unless someone else had relayed it.
    Settled(Option<alloy::primitives::B256>),
    /// It will never settle: why (the contract's error).
    Failed(String),
}

/// What one round settled.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// `settleBatch` transactions sent.
    pub transactions: usize,
    /// Vouchers that settled something.
    pub vouchers_settled: usize,
    /// Vouchers the contract refused.
    pub vouchers_rejected: usize,
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

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

impl App {
    /// Whether `row` is due: enough value, an old voucher, or an end near.
    fn due(&self, row: &AccountRow, channel_expires: u64) -> bool {
        let s = &self.config.settlement;
        let margin = s.expiry_margin_secs;
        let now = self.chain.now();
        let unsettled = row.voucher_amount.saturating_sub(row.settled);
        unsettled >= i64::try_from(s.threshold_units).unwrap_or(i64::MAX)
            || unix_now().saturating_sub(row.voucher_at)
                >= i64::try_from(s.max_age_secs).unwrap_or(i64::MAX)
            || row.voucher_deadline.unsigned_abs() <= now.saturating_add(margin)
            || (channel_expires != 0 && channel_expires <= now.saturating_add(margin))
    }

    /// One round: settles what is due (everything unsettled when `all`).
    ///
    /// # Errors
    ///
    /// A settlement transaction failed or the ledger did; what settled
    /// before stays recorded.
    pub async fn settle_round(&self, all: bool) -> Result<Report, String> {
        let _settling = self.settling.lock().await;
        let mut report = Report::default();
        let rows = self.ledger.unsettled().await.map_err(|e| e.to_string())?;
        // Grouped by (model, scope): one settleBatch takes one of each.
        let mut groups: BTreeMap<(FixedBytes<16>, FixedBytes<16>), Vec<AccountRow>> =
            BTreeMap::new();
        for row in rows {
            let holdings = self
                .chain
                .refresh(row.holder, row.id)
                .await
                .map_err(|e| e.to_string())?;
            let settled = i64::try_from(holdings.settled).unwrap_or(i64::MAX);
            if settled > row.settled {
                self.ledger
                    .set_settled(row.holder, row.id, settled)
                    .await
                    .map_err(|e| e.to_string())?;
            }
            if row.voucher_amount <= settled || !(all || self.due(&row, holdings.channel_expires)) {
                continue;
            }
            let Some(policy) = self.chain.policy(row.id).await.map_err(|e| e.to_string())? else {
                continue;
            };
            groups
                .entry((policy.model, policy.scope))
                .or_default()
                .push(row);
        }
        for ((model, scope), rows) in groups {
            for batch in rows.chunks(self.config.settlement.batch_size) {
                self.settle_batch(batch, model, scope, &mut report).await?;
            }
        }
        self.settle_exact(&mut report).await?;
        self.update_gauges().await;
        Ok(report)
    }

    async fn settle_batch(
        &self,
        batch: &[AccountRow],
        model: FixedBytes<16>,
        scope: FixedBytes<16>,
        report: &mut Report,
    ) -> Result<(), String> {
        let vouchers: Vec<SignedVoucher> = batch
            .iter()
            .filter_map(|row| {
                Some(SignedVoucher {
                    voucher: Voucher {
                        holder: row.holder,
                        provider: self.chain.provider,
                        id: row.id,
                        cumulativeAmount: U256::from(row.voucher_amount.unsigned_abs()),
                        deadline: row.voucher_deadline.unsigned_abs(),
                    },
                    signature: row.voucher_signature.clone()?,
                })
            })
            .collect();
        let outcome = match self.chain.rails.settle_batch(&vouchers, model, scope).await {
            Ok(outcome) => outcome,
            Err(err) => {
                self.metrics
                    .settlements
                    .with_label_values(&["voucher", "failed"])
                    .inc();
                return Err(format!(
                    "settleBatch of {} vouchers failed: {err}",
                    vouchers.len()
                ));
            }
        };
        report.transactions += 1;
        report.hashes.push(outcome.receipt.transaction_hash);
        report.gas = report.gas.saturating_add(outcome.receipt.gas_used);
        self.metrics.settlement_gas.inc_by(outcome.receipt.gas_used);
        for settled in &outcome.settled {
            let amount = i64::try_from(settled.cumulativeAmount).unwrap_or(i64::MAX);
            self.ledger
                .set_settled(settled.holder, settled.id, amount)
                .await
                .map_err(|e| e.to_string())?;
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
                .await
                .map_err(|e| e.to_string())?;
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
            vouchers = vouchers.len(),
            settled = outcome.settled.len(),
            rejected = outcome.rejected.len(),
            gas = outcome.receipt.gas_used,
            "settled a batch"
        );
        Ok(())
    }

    async fn settle_exact(&self, report: &mut Report) -> Result<(), String> {
        let batch = i64::try_from(self.config.settlement.batch_size).unwrap_or(100);
        for payment in self
            .ledger
            .queued_exact(batch)
            .await
            .map_err(|e| e.to_string())?
        {
            match self.settle_one_exact(&payment).await? {
                ExactOutcome::Settled(_) => report.exact_settled += 1,
                ExactOutcome::Failed(_) => report.exact_failed += 1,
            }
        }
        Ok(())
    }

    /// Settles one served `exact` authorization now, on the request path
    /// (`exact.settle_before_response`), after whatever round is running.
    ///
    /// # Errors
    ///
    /// The chain or the ledger failed: the payment stays queued for the
    /// worker.
    pub(crate) async fn settle_exact_now(
        &self,
        payment: &crate::ledger::ExactRow,
    ) -> Result<ExactOutcome, String> {
        // One signer: its transactions go one at a time, or their nonces
        // would collide.
        let _settling = self.settling.lock().await;
        // The worker may have settled it while this request waited for it.
        let state = self
            .ledger
            .exact_state(payment.payer, payment.nonce)
            .await
            .map_err(|e| e.to_string())?;
        match state {
            Some((status, tx, _)) if status == "settled" => Ok(ExactOutcome::Settled(tx)),
            Some((status, _, reason)) if status == "failed" => {
                Ok(ExactOutcome::Failed(reason.unwrap_or_default()))
            }
            _ => self.settle_one_exact(payment).await,
        }
    }

    /// Sends one authorization's `transferWithAuthorization` and records
    /// the outcome. A payment already used counts as settled (by this
    /// gateway before a crash, or by anyone relaying it: the money went to
    /// `payTo` either way) unless the payer canceled it.
    async fn settle_one_exact(
        &self,
        payment: &crate::ledger::ExactRow,
    ) -> Result<ExactOutcome, String> {
        let result = self.chain.rails.send_token(settlement_call(payment)).await;
        let outcome = match &result {
            Ok(receipt) => ExactOutcome::Settled(Some(receipt.transaction_hash)),
            Err(ClientError::Reverted { error, .. })
                if is::<TokenAI::AuthorizationAlreadyUsed>(error) =>
            {
                if self.canceled(payment).await {
                    ExactOutcome::Failed("the payer canceled the authorization".to_owned())
                } else {
                    ExactOutcome::Settled(None)
                }
            }
            Err(ClientError::Reverted { error, .. }) => ExactOutcome::Failed(error.to_string()),
            Err(err) => {
                self.metrics
                    .settlements
                    .with_label_values(&["exact", "failed"])
                    .inc();
                return Err(format!("transferWithAuthorization: {err}"));
            }
        };
        let (status, tx, reason) = match &outcome {
            ExactOutcome::Settled(tx) => ("settled", *tx, None),
            ExactOutcome::Failed(reason) => ("failed", None, Some(reason.as_str())),
        };
        self.ledger
            .finish_exact(payment.payer, payment.nonce, status, tx, reason)
            .await
            .map_err(|e| e.to_string())?;
        if let ExactOutcome::Failed(reason) = &outcome {
            tracing::warn!(payer = %payment.payer, nonce = %payment.nonce, %reason, "exact payment lost");
            self.metrics
                .settlements
                .with_label_values(&["exact", "rejected"])
                .inc();
        } else {
            self.metrics
                .settlements
                .with_label_values(&["exact", "settled"])
                .inc();
        }
        Ok(outcome)
    }

    async fn canceled(&self, payment: &crate::ledger::ExactRow) -> bool {
        use alloy::{providers::Provider, rpc::types::Filter, sol_types::SolEvent};
        let filter = Filter::new()
            .address(self.chain.rails.token)
            .event_signature(TokenAI::AuthorizationCanceled::SIGNATURE_HASH)
            .topic1(payment.payer.into_word())
            .topic2(payment.nonce)
            .from_block(0);
        self.chain
            .rails
            .provider
            .get_logs(&filter)
            .await
            .is_ok_and(|logs| !logs.is_empty())
    }

    /// Refreshes the gauges of what is pending.
    pub async fn update_gauges(&self) {
        if let Ok(units) = self.ledger.pending_units().await {
            self.metrics.pending_units.set(units);
        }
        if let Ok(n) = self.ledger.exact_count("queued").await {
            self.metrics.pending_exact.set(n);
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
            if let Ok(n) = self.ledger.release_stale(stale).await {
                if n > 0 {
                    tracing::warn!(n, "freed reservations of requests that never finished");
                }
            }
            match self.settle_round(false).await {
                Ok(_) => backoff = interval,
                Err(err) => {
                    backoff = (backoff * 2).min(Duration::from_secs(60));
                    tracing::warn!(%err, retry_in = ?backoff, "settlement failed");
                }
            }
        }
    }
}
