//! What a payer owes for an answer it never received: nothing it cannot
//! have. A charge is committed, with its answer, before the answer goes
//! out, so a crash never loses what was accepted; an answer that does not
//! arrive (a dropped connection, a gateway killed between the commit and
//! the response) is kept `answer_retention_secs`, and the same request
//! sent again with the same `PAYMENT-SIGNATURE` receives it, with its
//! receipt, and is not charged again (x402's retry, made idempotent). The
//! payment and the request together are the key: only who made the
//! request can ask for its answer.

use aat_client::{
    signing::SignedVoucher,
    x402::{
        encode_header, PaymentPayload, SettlementResponse, VoucherPayload, PAYMENT_RESPONSE,
        PAYMENT_RESPONSE_EVENT,
    },
};
use alloy::{
    primitives::{keccak256, B256},
    sol_types::SolStruct,
};
use axum::{
    body::Body,
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use bytes::Bytes;
use serde_json::json;

use crate::{
    ledger::{ExactStatus, KeptAnswer},
    settlement::ExactOutcome,
    App,
};

/// What a served request answered, to charge and keep (its receipt's id
/// carries its [`key`]).
#[derive(Clone, Debug)]
pub struct Answer {
    /// keccak256 of the request's body.
    pub request_hash: B256,
    /// The body that went out: the whole response, or a stream's events
    /// before the settlement event.
    pub body: Bytes,
    /// The answer was a server-sent event stream, and is kept as one.
    pub stream: bool,
}

/// The key of a paid request: its `PAYMENT-SIGNATURE` header as sent and
/// the hash of its body.
#[must_use]
pub fn key(payment_signature: &[u8], request_hash: B256) -> B256 {
    let mut both = keccak256(payment_signature).to_vec();
    both.extend_from_slice(request_hash.as_slice());
    keccak256(both)
}

impl App {
    /// The answer already charged for the request keyed `replay_key`
    /// (`payment`, and a body hashing to `request_hash`), as it went out (a
    /// stream as one body), when one is kept.
    pub async fn replay(
        &self,
        replay_key: B256,
        payment: &PaymentPayload,
        request_hash: B256,
    ) -> Option<Response> {
        let mut kept = match self.ledger.answer(replay_key).await {
            Ok(kept) => kept?,
            Err(err) => {
                tracing::error!(%err, "cannot read kept answers");
                return None;
            }
        };
        tracing::info!(request = %kept.request_id, payer = %kept.receipt.payer, "an answer asked for again");
        // What the receipt covers: this request (the same as the first),
        // its voucher, and the answer.
        kept.receipt.request_hash = request_hash;
        kept.receipt.response_hash = keccak256(&kept.body);
        if kept.exact.is_none() {
            kept.receipt.voucher_digest =
                serde_json::from_value::<VoucherPayload>(payment.payload.clone())
                    .map(|v| {
                        SignedVoucher::from(v)
                            .voucher
                            .eip712_signing_hash(&self.chain.aat_domain)
                    })
                    .unwrap_or_default();
        }
        Some(match self.replayed(&kept).await {
            Ok(settlement) => answer_response(kept, &settlement),
            Err(reason) => (
                StatusCode::PAYMENT_REQUIRED,
                Json(json!({"error": {
                    "message": format!("the payment did not settle ({reason}); the response is withheld"),
                    "type": "payment_failed",
                    "code": 402,
                }})),
            )
                .into_response(),
        })
    }

    /// The settlement response a kept answer goes out with again; why it
    /// does not, when its `exact` payment did not pay.
    async fn replayed(&self, kept: &KeptAnswer) -> Result<SettlementResponse, String> {
        let r = &kept.receipt;
        let settlement = match &kept.exact {
            None => {
                let signed = self.usage_receipt(r, kept.owed_after);
                let account = self
                    .ledger
                    .account(r.payer, r.id)
                    .await
                    .ok()
                    .flatten()
                    .unwrap_or_default();
                self.voucher_settlement(&signed, r.signature.clone(), &account)
            }
            Some(state) => {
                let outcome = match state.status {
                    ExactStatus::Settled => Some(ExactOutcome::Settled(state.tx)),
                    status if status.unpaid() => {
                        return Err(state.reason.clone().unwrap_or_default())
                    }
                    // Settled first: the answer waits for the payment.
                    _ if self.settles_exact_first() => {
                        return Err("it is not settled yet; ask again once it has".into())
                    }
                    _ => None,
                };
                self.exact_settlement(r.payer, state.nonce, &state.value, outcome)
            }
        };
        Ok(settlement)
    }
}

/// A kept answer as a response: JSON with `PAYMENT-RESPONSE`, or a
/// stream's events followed by the settlement event and `[DONE]`.
fn answer_response(kept: KeptAnswer, settlement: &SettlementResponse) -> Response {
    let mut response = if kept.stream {
        let mut body = kept.body.to_vec();
        body.extend_from_slice(
            format!(
                "event: {PAYMENT_RESPONSE_EVENT}\ndata: {}\n\ndata: [DONE]\n\n",
                serde_json::to_string(settlement).unwrap_or_default()
            )
            .as_bytes(),
        );
        Response::builder()
            .header(header::CONTENT_TYPE, "text/event-stream")
            .body(Body::from(body))
            .unwrap_or_default()
    } else {
        Response::builder()
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(kept.body))
            .unwrap_or_default()
    };
    if let Ok(value) = HeaderValue::from_str(&encode_header(settlement)) {
        response.headers_mut().insert(PAYMENT_RESPONSE, value);
    }
    response
}
