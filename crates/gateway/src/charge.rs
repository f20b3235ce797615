//! Charging a served request: what it used, with its receipt and its
//! answer, committed before the response that reports it goes out; and the
//! settlement response it goes out with (`PAYMENT-RESPONSE`, or a stream's
//! final event), built here for a first answer and for one asked for again
//! ([`crate::replay`]).

use aat_client::{
    x402::{
        self, ReceiptJson, SettlementResponse, VoucherSettlement, EXACT_SCHEME, VOUCHER_SCHEME,
    },
    UsageReceipt,
};
use alloy::primitives::{Address, Bytes, B256, U256};
use serde_json::json;

use crate::{
    chain::ChainView,
    ledger::{AccountRow, AnswerRecord, LedgerError, ReceiptRecord},
    payment::{hash, ExactScheme, ExactTicket, Model, PaymentScheme, Ticket, VoucherScheme},
    replay::Answer,
    settlement::ExactOutcome,
    units::on_chain,
    upstream::Usage,
    App,
};

impl App {
    /// Charges a served request and builds its settlement response (with a
    /// signed usage receipt for vouchers). Committed, with the answer kept
    /// for the payer to ask again ([`crate::replay`]), before it returns.
    /// An `exact` payment is settled now when it must be settled before its
    /// answer (`exact.settle_before_response`); when that fails for a
    /// reason of the chain's or the ledger's, it stays queued for the
    /// worker, and the answer waits for it.
    ///
    /// # Errors
    ///
    /// The ledger fails: the request must then be answered as failed.
    pub async fn charge(
        &self,
        ticket: &Ticket,
        model: &Model,
        usage: Usage,
        answer: Answer,
    ) -> Result<SettlementResponse, LedgerError> {
        let response = self.record_charge(ticket, model, usage, answer).await?;
        match ticket {
            Ticket::Exact(ExactTicket { payment, .. }) if self.settles_exact_first() => {
                let outcome = self
                    .settle_exact_now(payment)
                    .await
                    .map_err(|err| tracing::warn!(%err, "exact payment left to the worker"))
                    .ok();
                Ok(self.exact_settlement(payment.payer, payment.nonce, &payment.value, outcome))
            }
            _ => Ok(response),
        }
    }
}

impl<C: ChainView> App<C> {
    /// Records the charge of a served request, by its scheme
    /// ([`PaymentScheme::charge`]), with its receipt and the answer kept for
    /// the payer to ask again; its settlement response. It settles no
    /// `exact` payment: an answer goes out after [`App::charge`], which
    /// settles one first when the configuration says so.
    ///
    /// # Errors
    ///
    /// The ledger fails.
    pub(crate) async fn record_charge(
        &self,
        ticket: &Ticket,
        model: &Model,
        usage: Usage,
        answer: Answer,
    ) -> Result<SettlementResponse, LedgerError> {
        let response_hash = hash(&answer.body);
        let record = ReceiptRecord {
            scheme: ticket.scheme().to_string(),
            payer: ticket.payer(),
            id: U256::ZERO,
            prompt_tokens: i64::try_from(usage.prompt_tokens).unwrap_or(i64::MAX),
            completion_tokens: i64::try_from(usage.completion_tokens).unwrap_or(i64::MAX),
            units: 0,
            signature: Bytes::new(),
            voucher_digest: B256::ZERO,
            request_hash: answer.request_hash,
            response_hash,
            answer: (self.config.settlement.answer_retention_secs > 0).then(|| AnswerRecord {
                body: answer.body,
                stream: answer.stream,
            }),
        };
        match ticket {
            Ticket::Voucher(t) => VoucherScheme::charge(self, t, model, usage, record).await,
            Ticket::Exact(t) => ExactScheme::charge(self, t, model, usage, record).await,
        }
    }

    /// The usage receipt of a voucher-paid charge `record`, after which
    /// `owed` is owed.
    pub(crate) fn usage_receipt(&self, record: &ReceiptRecord, owed: i64) -> UsageReceipt {
        UsageReceipt {
            holder: record.payer,
            provider: self.chain.provider(),
            id: record.id,
            voucherDigest: record.voucher_digest,
            requestHash: record.request_hash,
            responseHash: record.response_hash,
            promptTokens: record.prompt_tokens.unsigned_abs(),
            completionTokens: record.completion_tokens.unsigned_abs(),
            units: on_chain(record.units),
            cumulativeOwed: on_chain(owed),
        }
    }

    /// A voucher-paid request's settlement response: its signed receipt
    /// and the account after it.
    pub(crate) fn voucher_settlement(
        &self,
        signed: &UsageReceipt,
        signature: Bytes,
        account: &AccountRow,
    ) -> SettlementResponse {
        let extension = VoucherSettlement {
            account: self.account_json(account),
            receipt: ReceiptJson {
                holder: signed.holder,
                provider: signed.provider,
                id: signed.id,
                voucher_digest: signed.voucherDigest,
                request_hash: signed.requestHash,
                response_hash: signed.responseHash,
                prompt_tokens: signed.promptTokens,
                completion_tokens: signed.completionTokens,
                units: signed.units,
                cumulative_owed: signed.cumulativeOwed,
                signature,
            },
        };
        SettlementResponse {
            success: true,
            error_reason: None,
            payer: Some(signed.holder.to_string()),
            transaction: String::new(),
            network: self.network.clone(),
            amount: Some(signed.units.to_string()),
            extensions: Some(json!({ VOUCHER_SCHEME: extension })),
        }
    }

    /// Whether an `exact` payment is settled before its answer is released
    /// (`exact.settle_before_response`): an answer whose payment is still
    /// queued then waits for it.
    pub(crate) fn settles_exact_first(&self) -> bool {
        self.config
            .exact
            .as_ref()
            .is_some_and(|e| e.settle_before_response)
    }

    /// An `exact`-paid request's settlement response: queued (`None`),
    /// settled or failed.
    pub(crate) fn exact_settlement(
        &self,
        payer: Address,
        nonce: B256,
        value: &U256,
        outcome: Option<ExactOutcome>,
    ) -> SettlementResponse {
        let (success, error_reason, transaction, status) = match outcome {
            // Accepted, not settled yet: x402's pending settlement (the
            // reference facilitator's `settlement_pending`), never a success
            // without its transaction.
            None => (
                false,
                Some(x402::SETTLEMENT_PENDING.to_owned()),
                String::new(),
                "queued",
            ),
            Some(ExactOutcome::Settled(tx)) => (
                true,
                None,
                tx.map(|t| t.to_string()).unwrap_or_default(),
                "settled",
            ),
            Some(ExactOutcome::Failed(reason)) => (false, Some(reason), String::new(), "failed"),
        };
        SettlementResponse {
            success,
            error_reason,
            payer: Some(payer.to_string()),
            transaction,
            network: self.network.clone(),
            amount: Some(value.to_string()),
            extensions: Some(json!({ EXACT_SCHEME: { "status": status, "nonce": nonce } })),
        }
    }
}
