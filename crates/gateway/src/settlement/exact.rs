//! Settling served `exact` payments with `transferWithAuthorization`, one
//! at a time (one signer); one that cannot settle for a reason of the
//! chain's stays queued and does not hold the others up.

use aat_client::{bindings::TokenAI, error::is, ClientError};
use alloy::{primitives::B256, providers::Provider, rpc::types::Filter, sol_types::SolEvent};

use super::{fault, split::Fault, Report};
use crate::{ledger::ExactRow, payment::settlement_call, App};

/// What became of one `exact` authorization.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExactOutcome {
    /// Paid; the transaction, unless someone else had relayed it.
    Settled(Option<B256>),
    /// It will never settle: why (the contract's error).
    Failed(String),
}

impl App {
    /// Settles the queued `exact` payments, oldest first. One that fails
    /// for a reason of the chain's stays queued and the others go on.
    pub(super) async fn settle_exact(&self, report: &mut Report) -> Result<(), String> {
        let batch = i64::try_from(self.config.settlement.batch_size).unwrap_or(100);
        let queued = self
            .ledger
            .queued_exact(batch)
            .await
            .map_err(|e| e.to_string())?;
        let mut first_error = None;
        for payment in queued {
            match self.settle_one_exact(&payment).await {
                Ok(ExactOutcome::Settled(_)) => report.exact_settled += 1,
                Ok(ExactOutcome::Failed(_)) => report.exact_failed += 1,
                Err(err) => {
                    tracing::warn!(payer = %payment.payer, nonce = %payment.nonce, %err, "exact payment left queued");
                    first_error.get_or_insert(err);
                }
            }
        }
        first_error.map_or(Ok(()), Err)
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
        payment: &ExactRow,
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
    async fn settle_one_exact(&self, payment: &ExactRow) -> Result<ExactOutcome, String> {
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
            // TokenAI refused it (expired, canceled, a balance emptied...).
            Err(ClientError::Reverted { error, .. }) => ExactOutcome::Failed(error.to_string()),
            // It cannot run at all: a smart-account payer whose signature
            // check burns all the gas it is given.
            Err(err @ ClientError::Rpc(_)) if matches!(fault(err), Fault::Batch(_)) => {
                ExactOutcome::Failed(format!("it cannot be executed: {err}"))
            }
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

    async fn canceled(&self, payment: &ExactRow) -> bool {
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
}
