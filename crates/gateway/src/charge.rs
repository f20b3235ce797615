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
use alloy::{
    primitives::{Address, Bytes, B256, U256},
    signers::SignerSync,
    sol_types::SolStruct,
};
use serde_json::json;

use crate::{
    ledger::{AccountRow, AnswerRecord, ExactRow, LedgerError, ReceiptRecord},
    payment::{hash, Model, Ticket},
    replay::Answer,
    settlement::ExactOutcome,
    upstream::Usage,
    App,
};

impl App {
    /// Charges a served request and builds its settlement response (with a
    /// signed usage receipt for vouchers). Committed, with the answer kept
    /// for the payer to ask again ([`crate::replay`]), before it returns.
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
            Ticket::Voucher {
                request_id,
                id,
                voucher_digest,
                bound,
                ..
            } => {
                let record = ReceiptRecord {
                    id: *id,
                    units: model.cost(usage, bound),
                    voucher_digest: *voucher_digest,
                    ..record
                };
                self.charge_voucher(request_id, model, record).await
            }
            Ticket::Exact {
                request_id,
                payment,
            } => self.charge_exact(request_id, payment, &record).await,
        }
    }

    async fn charge_voucher(
        &self,
        request_id: &str,
        model: &Model,
        record: ReceiptRecord,
    ) -> Result<SettlementResponse, LedgerError> {
        let units = record.units;
        let unsigned = self.usage_receipt(&record, 0);
        // The receipt states what is owed after this request, which is
        // known inside the charge's transaction.
        let signer = self.chain.signer.clone();
        let domain = self.chain.receipt_domain.clone();
        let (account, signature) = self
            .ledger
            .charge(
                request_id,
                &record,
                Box::new(move |owed| {
                    let mut r = unsigned.clone();
                    r.cumulativeOwed = U256::from(owed.unsigned_abs());
                    signer
                        .sign_hash_sync(&r.eip712_signing_hash(&domain))
                        .map(|s| Bytes::from(s.as_bytes().to_vec()))
                        .unwrap_or_default()
                }),
            )
            .await?;
        self.metrics
            .units_charged
            .with_label_values(&[model.name.as_str()])
            .inc_by(units.unsigned_abs());
        let receipt = self.usage_receipt(&record, account.owed);
        Ok(self.voucher_settlement(&receipt, signature, &account))
    }

    /// The usage receipt of a voucher-paid charge `record`, after which
    /// `owed` is owed.
    pub(crate) fn usage_receipt(&self, record: &ReceiptRecord, owed: i64) -> UsageReceipt {
        UsageReceipt {
            holder: record.payer,
            provider: self.chain.provider,
            id: record.id,
            voucherDigest: record.voucher_digest,
            requestHash: record.request_hash,
            responseHash: record.response_hash,
            promptTokens: record.prompt_tokens.unsigned_abs(),
            completionTokens: record.completion_tokens.unsigned_abs(),
            units: U256::from(record.units.unsigned_abs()),
            cumulativeOwed: U256::from(owed.unsigned_abs()),
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

    async fn charge_exact(
        &self,
        request_id: &str,
        payment: &ExactRow,
        record: &ReceiptRecord,
    ) -> Result<SettlementResponse, LedgerError> {
        self.ledger.queue_exact(request_id, payment, record).await?;
        self.metrics.exact_paid.inc();
        // Settled now, or by the worker off the request path (also when
        // settling now fails for a reason of the chain's or the ledger's:
        // the payment stays queued, and settled first, its answer waits).
        let outcome = if self.settles_exact_first() {
            self.settle_exact_now(payment)
                .await
                .map_err(|err| tracing::warn!(%err, "exact payment left to the worker"))
                .ok()
        } else {
            None
        };
        Ok(self.exact_settlement(payment.payer, payment.nonce, &payment.value, outcome))
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
