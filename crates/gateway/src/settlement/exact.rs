//! Settling served `exact` payments, and what the gateway concludes when
//! one does not pay.
//!
//! EIP-3009 nonces belong to the authorizer: a payer that paid with
//! authorization A can spend A's nonce itself with another authorization B
//! (to itself, for nothing) before the gateway relays A, which then reverts
//! `AuthorizationAlreadyUsed`. So a used nonce proves nothing: A counts as
//! paid only when the transaction that used its nonce moved exactly A's
//! value from A's payer to A's payee (the `Transfer` that TokenAI emits
//! right after that nonce's `AuthorizationUsed`). Otherwise it failed: an
//! answer settled before the response is withheld, and a payer whose served
//! request did not pay is refused `exact` until the provider is paid.

use aat_client::{bindings::TokenAI, signature::Accounts, x402::EXACT_SCHEME, ClientError};
use alloy::{
    primitives::{Address, B256},
    providers::Provider,
    rpc::types::Filter,
    sol_types::SolEvent,
};

use super::{fault, split::Fault, Report, SettleError};
use crate::{
    chain::ChainView,
    ledger::{ExactRow, ExactStatus},
    payment::{settlement_call, ExactTicket, Ticket},
    App,
};

/// What became of one `exact` authorization.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExactOutcome {
    /// Paid, by this transaction (the gateway's, or whoever relayed it).
    Settled(Option<B256>),
    /// It will never pay: why.
    Failed(String),
}

/// The most blocks one `eth_getLogs` of [`App::not_paid`]'s search asks for
/// (public nodes cap the range; 10,000 is a common cap).
const LOG_WINDOW: u64 = 10_000;

/// How an authorization's nonce was spent, by the chain's logs.
enum Spent {
    /// By a transaction that moved exactly the authorization's value from
    /// its payer to its payee.
    Paid(B256),
    /// Otherwise: how.
    Elsewhere(String),
}

impl App {
    /// Settles the queued `exact` payments, oldest first. One that fails
    /// for a reason of the chain's stays queued and the others go on.
    pub(super) async fn settle_exact(&self, report: &mut Report) -> Result<(), SettleError> {
        let batch = i64::try_from(self.config.settlement.batch_size).unwrap_or(100);
        let queued = self.ledger.queued_exact(batch).await?;
        // Many at once through Multicall3 where the chain has it.
        if queued.len() > 1
            && self
                .chain
                .has_code(super::exact_batch::MULTICALL3)
                .await
                .unwrap_or(false)
        {
            return self.settle_exact_batch(&queued, report).await;
        }
        let mut first_error = None;
        for payment in &queued {
            let outcome = self.settle_one_exact(payment).await;
            Self::count(outcome, payment, report, &mut first_error);
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
    ) -> Result<ExactOutcome, SettleError> {
        // One signer: its transactions go one at a time, or their nonces
        // would collide.
        let _settling = self.settling.lock().await;
        // The worker may have settled it while this request waited for it.
        let state = self
            .ledger
            .exact_state(payment.payer, payment.nonce)
            .await?;
        match state {
            Some((ExactStatus::Settled, tx, _)) => Ok(ExactOutcome::Settled(tx)),
            Some((status, _, reason)) if status.unpaid() => {
                Ok(ExactOutcome::Failed(reason.unwrap_or_default()))
            }
            _ => self.settle_one_exact(payment).await,
        }
    }

    /// Sends one authorization's `transferWithAuthorization` and records
    /// the outcome. A transaction that does not pay (refused by TokenAI,
    /// or mined and failed: a smart-account payer's wallet can refuse
    /// on-chain what it signed in every simulation) is judged by the nonce
    /// ([`App::not_paid`]), never taken for the node's hiccup.
    pub(super) async fn settle_one_exact(
        &self,
        payment: &ExactRow,
    ) -> Result<ExactOutcome, SettleError> {
        let result = self.chain.rails.send_token(settlement_call(payment)).await;
        let outcome = match result {
            Ok(receipt) => ExactOutcome::Settled(Some(receipt.transaction_hash)),
            // TokenAI refused it (used, expired, canceled, a balance
            // emptied...).
            Err(ClientError::Reverted { error, .. }) => {
                self.not_paid(payment, error.to_string()).await?
            }
            Err(ClientError::Failed(tx)) => {
                let why = format!("its transaction {tx} failed once mined");
                self.not_paid(payment, why).await?
            }
            // It cannot run at all: a smart-account payer whose signature
            // check burns all the gas it is given.
            Err(err @ ClientError::Rpc(_)) if matches!(fault(&err), Fault::Batch(_)) => {
                let why = format!("it cannot be executed: {err}");
                self.not_paid(payment, why).await?
            }
            Err(err) => {
                self.metrics
                    .settlements
                    .with_label_values(&[EXACT_SCHEME, "failed"])
                    .inc();
                return Err(SettleError::Exact {
                    doing: "transferWithAuthorization".into(),
                    source: err,
                });
            }
        };
        self.record_exact(payment, &outcome).await?;
        Ok(outcome)
    }

    /// What a transaction that did not pay `payment` means. While its
    /// nonce is unused, the authorization did not pay: failed, for `why`.
    /// Once used, whatever used it decides ([`Spent`]): it paid if that
    /// transaction moved exactly this payment (this gateway's own, mined
    /// before a crash or a lost receipt, or anyone's relaying it), so an
    /// authorization retried after it expired is not taken for unpaid.
    pub(super) async fn not_paid(
        &self,
        payment: &ExactRow,
        why: String,
    ) -> Result<ExactOutcome, SettleError> {
        if !self.chain.nonce_used(payment.payer, payment.nonce).await? {
            return Ok(ExactOutcome::Failed(why));
        }
        Ok(match self.spent(payment).await? {
            Spent::Paid(tx) => ExactOutcome::Settled(Some(tx)),
            Spent::Elsewhere(how) => ExactOutcome::Failed(how),
        })
    }

    /// Records `payment`'s outcome and counts it.
    pub(super) async fn record_exact(
        &self,
        payment: &ExactRow,
        outcome: &ExactOutcome,
    ) -> Result<(), SettleError> {
        let (status, tx, reason) = match outcome {
            ExactOutcome::Settled(tx) => (ExactStatus::Settled, *tx, None),
            ExactOutcome::Failed(reason) => (ExactStatus::Failed, None, Some(reason.as_str())),
        };
        self.ledger
            .finish_exact(payment.payer, payment.nonce, status, tx, reason)
            .await?;
        if let ExactOutcome::Failed(reason) = outcome {
            tracing::warn!(payer = %payment.payer, nonce = %payment.nonce, %reason, "exact payment not paid");
            self.metrics
                .settlements
                .with_label_values(&[EXACT_SCHEME, "rejected"])
                .inc();
        } else {
            self.metrics
                .settlements
                .with_label_values(&[EXACT_SCHEME, "settled"])
                .inc();
        }
        Ok(())
    }

    /// How `payment`'s nonce, found used, was spent: the logs name the
    /// transaction, and its receipt what that transaction moved.
    async fn spent(&self, payment: &ExactRow) -> Result<Spent, SettleError> {
        let token = self.chain.rails.token;
        let provider = &self.chain.rails.provider;
        let head = provider
            .get_block_number()
            .await
            .map_err(|e| SettleError::Exact {
                doing: "reading the chain's head".into(),
                source: e.into(),
            })?;
        // Read in windows, as public nodes cap a request's range; a nonce is
        // used or canceled once, so the first window with a log is the last.
        let nonce_logs = Filter::new()
            .address(token)
            .event_signature(vec![
                TokenAI::AuthorizationUsed::SIGNATURE_HASH,
                TokenAI::AuthorizationCanceled::SIGNATURE_HASH,
            ])
            .topic1(payment.payer.into_word())
            .topic2(payment.nonce);
        let mut logs = Vec::new();
        let mut from = payment.admitted_block;
        while logs.is_empty() && from <= head {
            let to = head.min(from.saturating_add(LOG_WINDOW - 1));
            let filter = nonce_logs.clone().from_block(from).to_block(to);
            logs = provider
                .get_logs(&filter)
                .await
                .map_err(|e| SettleError::Exact {
                    doing: format!("reading how nonce {} was used", payment.nonce),
                    source: e.into(),
                })?;
            from = to.saturating_add(1);
        }
        // A nonce is used or canceled once: the first log is the only one.
        let Some(log) = logs.first() else {
            return Err(SettleError::NotYetReadable(format!(
                "nonce {} of {} is used but no log says how yet",
                payment.nonce, payment.payer
            )));
        };
        if log.topic0() == Some(&TokenAI::AuthorizationCanceled::SIGNATURE_HASH) {
            return Ok(Spent::Elsewhere(
                "the payer canceled the authorization".to_owned(),
            ));
        }
        let tx = log
            .transaction_hash
            .ok_or_else(|| SettleError::NotYetReadable("a log without its transaction".into()))?;
        let receipt = provider
            .get_transaction_receipt(tx)
            .await
            .map_err(|e| SettleError::Exact {
                doing: format!("reading transaction {tx}"),
                source: e.into(),
            })?
            .ok_or_else(|| {
                SettleError::NotYetReadable(format!("transaction {tx} has no receipt yet"))
            })?;
        let paid = paid_by(receipt.inner.logs(), token, payment);
        Ok(if paid {
            Spent::Paid(tx)
        } else {
            Spent::Elsewhere(format!(
                "the payer spent the authorization's nonce in transaction {tx}, which did not pay {} to {}",
                payment.value, payment.pay_to
            ))
        })
    }

    /// Records that the answer of `ticket`, whose `exact` payment failed
    /// before the response, was withheld: its payer owes nothing for it.
    ///
    /// Not for a smart account: its payment fails because its own wallet
    /// refused on-chain what it signed (a key's, only when the payer spent
    /// the nonce or moved its funds meanwhile). It stays `failed`, and the
    /// account is refused `exact` until the provider clears it, so that it
    /// cannot make the gateway pay for one failing transaction after
    /// another.
    pub async fn withhold(&self, ticket: &Ticket) {
        if let Ticket::Exact(ExactTicket { payment, .. }) = ticket {
            if self.chain.has_code(payment.payer).await.unwrap_or(true) {
                tracing::warn!(payer = %payment.payer, "a smart account's payment did not pay: it is refused exact");
                return;
            }
            if let Err(err) = self
                .ledger
                .withhold_exact(payment.payer, payment.nonce)
                .await
            {
                // It stays `failed`: the payer is refused `exact` until the
                // operator clears it, the safe side.
                tracing::error!(%err, "cannot record a withheld answer");
            }
        }
    }
}

/// Whether, in a transaction's `logs`, the TokenAI log right after the
/// `AuthorizationUsed` of `payment`'s nonce is the `Transfer` of exactly
/// its value from its payer to its payee (TokenAI emits the two together,
/// in that order, for each authorization it executes).
pub(super) fn paid_by(logs: &[alloy::rpc::types::Log], token: Address, payment: &ExactRow) -> bool {
    let mut ours = logs.iter().filter(|log| log.address() == token);
    let used = [
        TokenAI::AuthorizationUsed::SIGNATURE_HASH,
        payment.payer.into_word(),
        payment.nonce,
    ];
    if !ours.by_ref().any(|log| log.topics() == used) {
        return false;
    }
    ours.next()
        .and_then(|log| TokenAI::Transfer::decode_log_data(log.data()).ok())
        .is_some_and(|t| {
            t.from == payment.payer && t.to == payment.pay_to && t.value == payment.value
        })
}
