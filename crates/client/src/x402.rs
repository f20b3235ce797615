//! x402 v2 over HTTP: the wire types (`PaymentRequired`, `PaymentPayload`,
//! `SettlementResponse`, carried base64-encoded in the `PAYMENT-REQUIRED`,
//! `PAYMENT-SIGNATURE` and `PAYMENT-RESPONSE` headers), the payloads of the
//! two schemes the gateway accepts (`exact` with TokenAI's EIP-3009, and
//! `aat-voucher`, specified in `docs/x402-aat-voucher.md`), and [`Payer`], a
//! client that answers a 402 by paying and retrying (`payer`).
//!
//! Numbers that can exceed 2^53 travel as decimal strings, as x402 does.

use alloy::{
    primitives::{Address, Bytes, B256, U256},
    sol_types::Eip712Domain,
};
use base64::{engine::general_purpose::STANDARD, Engine};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use serde_json::Value;

use crate::{
    bindings::IAAT::Voucher,
    signing::{self, SignedAuthorization, SignedVoucher},
};

mod payer;

pub use payer::{Method, Paid, Payer};

/// The protocol version this crate speaks.
pub const X402_VERSION: u32 = 2;
/// Carries a [`PaymentRequired`] on a 402.
pub const PAYMENT_REQUIRED: &str = "payment-required";
/// Carries the client's [`PaymentPayload`].
pub const PAYMENT_SIGNATURE: &str = "payment-signature";
/// Carries the server's [`SettlementResponse`].
pub const PAYMENT_RESPONSE: &str = "payment-response";
/// The scheme name of signed cumulative AAT vouchers.
pub const VOUCHER_SCHEME: &str = "aat-voucher";
/// The name of x402's `exact` scheme (EIP-3009 in TokenAI here).
pub const EXACT_SCHEME: &str = "exact";

/// A payment scheme this project speaks: its wire name is its `Display`,
/// also the label metrics and logs use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// x402's `exact`: a signed EIP-3009 authorization per request.
    Exact,
    /// `aat-voucher`: cumulative vouchers on AAT.
    Voucher,
}

impl Scheme {
    /// The scheme named `name` on the wire, if it is one of these.
    #[must_use]
    pub fn from_wire(name: &str) -> Option<Scheme> {
        match name {
            EXACT_SCHEME => Some(Scheme::Exact),
            VOUCHER_SCHEME => Some(Scheme::Voucher),
            _ => None,
        }
    }

    /// Its wire name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Exact => EXACT_SCHEME,
            Scheme::Voucher => VOUCHER_SCHEME,
        }
    }
}

impl core::fmt::Display for Scheme {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}
/// The SSE event a streamed response ends with, carrying the
/// [`SettlementResponse`] (headers have gone out by then).
pub const PAYMENT_RESPONSE_EVENT: &str = "x402-payment-response";

/// `eip155:<chain id>`, x402's CAIP-2 network name.
#[must_use]
pub fn network(chain_id: u64) -> String {
    format!("eip155:{chain_id}")
}

/// What is being paid for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Resource {
    /// The paid resource's URL.
    pub url: String,
    /// What it is, for people (the gateway writes `<model>: <route>`); empty
    /// when absent.
    #[serde(default)]
    pub description: String,
    /// `mimeType`: the paid response's media type (`application/json`, or
    /// `text/event-stream` for a stream); empty when absent.
    #[serde(default)]
    pub mime_type: String,
}

/// One way to pay (an entry of `accepts`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentRequirements {
    /// The scheme's wire name, `exact` or `aat-voucher` ([`Scheme`]).
    pub scheme: String,
    /// The chain, as `eip155:<chain id>` ([`network`]).
    pub network: String,
    /// In the asset's smallest unit: TokenAI wei for `exact`; AAT units,
    /// the request's maximum cost, for `aat-voucher`.
    pub amount: String,
    /// The contract paid in: TokenAI for `exact`, AAT for `aat-voucher` (whose
    /// id is in the payload).
    pub asset: String,
    /// `payTo`: who is paid, the authorization's `to` for `exact` and the
    /// voucher's `provider` for `aat-voucher`.
    pub pay_to: String,
    /// `maxTimeoutSeconds`: for `exact`, how long the authorization must stay
    /// valid ([`Payer`] signs one valid until `extra.now` plus this); for
    /// `aat-voucher`, the gateway's upstream timeout.
    pub max_timeout_seconds: u64,
    /// The scheme's own terms: for `aat-voucher` the EIP-712 domain, the model,
    /// prices, `creditLimit`, `now` and `accounts`
    /// (`docs/x402-aat-voucher.md`); for `exact` TokenAI's domain `name` and
    /// `version`, `assetTransferMethod` and `now`. Null when absent.
    #[serde(default)]
    pub extra: Value,
}

/// A 402's body and `PAYMENT-REQUIRED` header.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentRequired {
    /// `x402Version`: the protocol version, [`X402_VERSION`].
    pub x402_version: u32,
    /// Why payment is required or was refused, as a sentence; empty when
    /// absent.
    #[serde(default)]
    pub error: String,
    /// What is being paid for.
    pub resource: Resource,
    /// The ways to pay, one per scheme offered.
    pub accepts: Vec<PaymentRequirements>,
    /// Additions to x402: the gateway's `refusal` gives why a payment was
    /// refused as labels, `{"scheme": ..., "kind": ...}`, for a client to put
    /// in its own words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extensions: Option<Value>,
}

impl PaymentRequired {
    /// The offer of `scheme`, if any.
    #[must_use]
    pub fn offer(&self, scheme: &str) -> Option<&PaymentRequirements> {
        self.accepts.iter().find(|a| a.scheme == scheme)
    }
}

/// What the client sends in `PAYMENT-SIGNATURE`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentPayload {
    /// `x402Version`: the protocol version, [`X402_VERSION`].
    pub x402_version: u32,
    /// The resource paid for, when the client repeats it (this crate leaves it
    /// out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<Resource>,
    /// The offer this pays, an entry of the 402's `accepts` copied whole.
    pub accepted: PaymentRequirements,
    /// The scheme's payload: an [`ExactPayload`] or a [`VoucherPayload`] as
    /// JSON.
    pub payload: Value,
    /// Additions to x402; this crate sends none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extensions: Option<Value>,
}

/// What the server answers in `PAYMENT-RESPONSE`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SettlementResponse {
    /// Whether the payment was taken: an `exact` transfer mined, or a
    /// voucher-paid request charged. False while an `exact` payment is queued
    /// ([`SETTLEMENT_PENDING`]), or when the payment failed or the work was not
    /// charged.
    pub success: bool,
    /// `errorReason`: why `success` is false ([`SETTLEMENT_PENDING`] while
    /// queued).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_reason: Option<String>,
    /// Who paid: the voucher's holder, or the authorization's `from`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer: Option<String>,
    /// The settling transaction, or empty while it is queued (the gateway
    /// settles off the request path).
    #[serde(default)]
    pub transaction: String,
    /// The chain, as `eip155:<chain id>`.
    pub network: String,
    /// What was charged, as a decimal string in the asset's smallest unit: the
    /// AAT units a voucher-paid request was charged, or the `exact` transfer's
    /// value (`0` for work not charged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<String>,
    /// What each scheme adds, under its name: `aat-voucher`'s
    /// [`VoucherSettlement`] ([`SettlementResponse::voucher`]), or `exact`'s
    /// `status` and `nonce`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extensions: Option<Value>,
}

/// The `errorReason` of a payment accepted and not settled yet (x402's
/// `settlement_pending`, as `@x402/evm`'s facilitator names it): `success`
/// is false until the transaction is mined, and `transaction` may be empty.
pub const SETTLEMENT_PENDING: &str = "settlement_pending";

/// base64(JSON), as x402's headers carry their values.
#[must_use]
pub fn encode_header<T: Serialize>(value: &T) -> String {
    // Serializing these types cannot fail: no maps with non-string keys.
    STANDARD.encode(serde_json::to_vec(value).unwrap_or_default())
}

/// Why an x402 header's value does not decode.
#[derive(Debug, thiserror::Error)]
pub enum HeaderError {
    /// Its bytes are not visible ASCII, so it cannot be base64.
    #[error("not text (visible ASCII)")]
    NotText,
    /// It is not standard base64.
    #[error("not base64: {0}")]
    Base64(#[from] base64::DecodeError),
    /// Its decoded bytes are not the JSON of the expected type.
    #[error("not the expected JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// The inverse of [`encode_header`].
///
/// # Errors
///
/// Not base64, or not the expected JSON.
pub fn decode_header<T: DeserializeOwned>(value: &str) -> Result<T, HeaderError> {
    let bytes = STANDARD.decode(value.trim())?;
    Ok(serde_json::from_slice(&bytes)?)
}

/// A voucher as JSON (`aat-voucher`'s payload `voucher`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VoucherJson {
    /// Who owes, and whose units (or channel with `provider`) pay.
    pub holder: Address,
    /// Who is owed, the offer's `payTo`: the only account that may settle it.
    pub provider: Address,
    /// Decimal or 0x-hex.
    pub id: U256,
    /// Decimal string.
    #[serde(with = "decimal")]
    pub cumulative_amount: U256,
    /// Unix seconds in the chain's time: AAT settles it only up to then
    /// (`VoucherExpired`).
    pub deadline: u64,
}

/// `aat-voucher`'s payload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoucherPayload {
    /// The voucher signed.
    pub voucher: VoucherJson,
    /// Its signature in AAT's EIP-712 domain, by the holder or the session key
    /// its channel names.
    pub signature: Bytes,
}

impl From<&SignedVoucher> for VoucherPayload {
    fn from(signed: &SignedVoucher) -> Self {
        let v = &signed.voucher;
        VoucherPayload {
            voucher: VoucherJson {
                holder: v.holder,
                provider: v.provider,
                id: v.id,
                cumulative_amount: v.cumulativeAmount,
                deadline: v.deadline,
            },
            signature: signed.signature.clone(),
        }
    }
}

impl From<VoucherPayload> for SignedVoucher {
    fn from(payload: VoucherPayload) -> Self {
        let v = payload.voucher;
        SignedVoucher {
            voucher: Voucher {
                holder: v.holder,
                provider: v.provider,
                id: v.id,
                cumulativeAmount: v.cumulative_amount,
                deadline: v.deadline,
            },
            signature: payload.signature,
        }
    }
}

/// An EIP-3009 authorization as x402's `exact` scheme carries it (all
/// numbers as decimal strings).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizationJson {
    /// The payer, whose TokenAI moves and who signs.
    pub from: Address,
    /// The recipient, the offer's `payTo`.
    pub to: Address,
    /// TokenAI in base units (18 decimals).
    #[serde(with = "decimal")]
    pub value: U256,
    /// `validAfter`: Unix seconds after which it can be settled.
    #[serde(with = "decimal")]
    pub valid_after: U256,
    /// `validBefore`: Unix seconds before which it must be settled.
    #[serde(with = "decimal")]
    pub valid_before: U256,
    /// A random 32-byte nonce, usable once by `from` (EIP-3009's replay
    /// protection).
    pub nonce: B256,
}

/// `exact`'s EVM payload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExactPayload {
    /// `from`'s signature over the authorization in TokenAI's EIP-712 domain.
    pub signature: Bytes,
    /// The authorization signed.
    pub authorization: AuthorizationJson,
}

impl From<&SignedAuthorization> for ExactPayload {
    fn from(signed: &SignedAuthorization) -> Self {
        let a = &signed.authorization;
        ExactPayload {
            signature: signed.signature.clone(),
            authorization: AuthorizationJson {
                from: a.from,
                to: a.to,
                value: a.value,
                valid_after: a.validAfter,
                valid_before: a.validBefore,
                nonce: a.nonce,
            },
        }
    }
}

impl From<ExactPayload> for SignedAuthorization {
    fn from(payload: ExactPayload) -> Self {
        let a = payload.authorization;
        SignedAuthorization {
            authorization: crate::bindings::TransferWithAuthorization {
                from: a.from,
                to: a.to,
                value: a.value,
                validAfter: a.valid_after,
                validBefore: a.valid_before,
                nonce: a.nonce,
            },
            signature: payload.signature,
        }
    }
}

/// U256 as a decimal string (and read from decimal or 0x-hex).
pub mod decimal {
    use alloy::primitives::U256;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes `value` as a decimal string.
    ///
    /// # Errors
    ///
    /// The serializer's own error.
    pub fn serialize<S: Serializer>(value: &U256, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&value.to_string())
    }

    /// Reads a decimal or `0x` hex string.
    ///
    /// # Errors
    ///
    /// The value is not a string, or not a number below 2^256.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<U256, D::Error> {
        let text = String::deserialize(d)?;
        text.parse::<U256>().map_err(serde::de::Error::custom)
    }
}

/// A holder's account with a provider for one id, as the gateway reports it
/// in a 402's `aat-voucher` offer (`extra.accounts`) and after each request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    /// The holder whose account it is.
    pub holder: Address,
    /// The AAT id it is in.
    pub id: U256,
    /// Units charged so far, in total: the next voucher must cover it.
    #[serde(with = "decimal")]
    pub owed: U256,
    /// Units settled on-chain so far.
    #[serde(with = "decimal")]
    pub settled: U256,
    /// The latest voucher the gateway holds, so that a client that lost its
    /// state can resync.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_voucher: Option<VoucherPayload>,
}

/// A usage receipt as JSON, with the provider's signature over its EIP-712
/// digest in [`crate::signing::receipt_domain`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReceiptJson {
    /// The holder served.
    pub holder: Address,
    /// The provider that served the request and signed this receipt.
    pub provider: Address,
    /// The AAT id charged.
    pub id: U256,
    /// `voucherDigest`: the EIP-712 digest of the voucher that paid for the
    /// request.
    pub voucher_digest: B256,
    /// `requestHash`: keccak256 of the request body as received.
    pub request_hash: B256,
    /// `responseHash`: keccak256 of the response body as sent (for a stream,
    /// every event before the payment event).
    pub response_hash: B256,
    /// `promptTokens`: the prompt tokens the upstream reported.
    pub prompt_tokens: u64,
    /// `completionTokens`: the completion tokens the upstream reported.
    pub completion_tokens: u64,
    /// The AAT units charged for this request, as a decimal string.
    #[serde(with = "decimal")]
    pub units: U256,
    /// `cumulativeOwed`: the total owed after it, what the next voucher must be
    /// for, as a decimal string.
    #[serde(with = "decimal")]
    pub cumulative_owed: U256,
    /// The provider's signature over the receipt's EIP-712 digest in
    /// [`crate::signing::receipt_domain`].
    pub signature: Bytes,
}

impl ReceiptJson {
    /// The signed typed-data message.
    #[must_use]
    pub fn message(&self) -> crate::bindings::UsageReceipt {
        crate::bindings::UsageReceipt {
            holder: self.holder,
            provider: self.provider,
            id: self.id,
            voucherDigest: self.voucher_digest,
            requestHash: self.request_hash,
            responseHash: self.response_hash,
            promptTokens: self.prompt_tokens,
            completionTokens: self.completion_tokens,
            units: self.units,
            cumulativeOwed: self.cumulative_owed,
        }
    }

    /// Whether `provider` signed this receipt in `domain`.
    #[must_use]
    pub fn is_signed_by(&self, domain: &Eip712Domain, provider: Address) -> bool {
        signing::recover_typed(domain, &self.message(), &self.signature) == Some(provider)
    }
}

/// What the gateway adds to a voucher-paid response's settlement
/// (`extensions["aat-voucher"]`): the account after this request and the
/// receipt for it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VoucherSettlement {
    /// The holder's account after this request.
    pub account: Account,
    /// The provider's signed receipt for this request.
    pub receipt: ReceiptJson,
}

impl SettlementResponse {
    /// Whether the payment was taken: settled, or queued to settle
    /// ([`SETTLEMENT_PENDING`]).
    #[must_use]
    pub fn accepted(&self) -> bool {
        self.success || self.is_pending()
    }

    /// Whether the payment is queued to settle.
    #[must_use]
    pub fn is_pending(&self) -> bool {
        !self.success && self.error_reason.as_deref() == Some(SETTLEMENT_PENDING)
    }

    /// The voucher scheme's part, when this settled a voucher-paid request.
    #[must_use]
    pub fn voucher(&self) -> Option<VoucherSettlement> {
        let part = self.extensions.as_ref()?.get(VOUCHER_SCHEME)?;
        serde_json::from_value(part.clone()).ok()
    }
}

/// Builds the `PAYMENT-SIGNATURE` value paying `offer` with `payload`.
#[must_use]
pub fn payment_header<T: Serialize>(offer: &PaymentRequirements, payload: &T) -> String {
    encode_header(&PaymentPayload {
        x402_version: X402_VERSION,
        resource: None,
        accepted: offer.clone(),
        payload: serde_json::to_value(payload).unwrap_or_default(),
        extensions: None,
    })
}

/// The settlement a stream's `x402-payment-response` event carries.
#[must_use]
pub fn settlement_event(stream: &[u8]) -> Option<SettlementResponse> {
    let text = std::str::from_utf8(stream).ok()?;
    let marker = format!("event: {PAYMENT_RESPONSE_EVENT}\ndata: ");
    let start = text.find(&marker)? + marker.len();
    let line = text[start..].lines().next()?;
    serde_json::from_str(line).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_have_their_wire_names_and_nothing_else_parses() {
        for scheme in [Scheme::Exact, Scheme::Voucher] {
            assert_eq!(Scheme::from_wire(&scheme.to_string()), Some(scheme));
        }
        assert_eq!(Scheme::Voucher.as_str(), "aat-voucher");
        assert_eq!(Scheme::from_wire("upto"), None);
        assert_eq!(Scheme::from_wire("Exact"), None);
    }

    #[test]
    fn headers_round_trip_and_bad_ones_are_explained() {
        let required = PaymentRequired {
            x402_version: 2,
            error: "PAYMENT-SIGNATURE header is required".into(),
            resource: Resource {
                url: "http://localhost/v1/chat/completions".into(),
                description: String::new(),
                mime_type: "application/json".into(),
            },
            accepts: vec![],
            extensions: None,
        };
        let header = encode_header(&required);
        assert_eq!(decode_header::<PaymentRequired>(&header).unwrap(), required);
        assert!(matches!(
            decode_header::<PaymentRequired>("%%%"),
            Err(HeaderError::Base64(_))
        ));
        let not_json = STANDARD.encode(b"[1,2]");
        assert!(matches!(
            decode_header::<PaymentRequired>(&not_json),
            Err(HeaderError::Json(_))
        ));
        // The field names are x402's.
        let json = serde_json::to_value(&required).unwrap();
        assert!(json.get("x402Version").is_some() && json.get("accepts").is_some());
    }

    #[test]
    fn the_exact_payload_is_x402s_with_decimal_strings() {
        let payload: ExactPayload = serde_json::from_value(serde_json::json!({
            "signature": "0x2d6a7588d6acca505cbf0d9a4a227e0c52c6c34008c8e8986a1283259764173608a2ce6496642e377d6da8dbbf5836e9bd15092f9ecab05ded3d6293af148b571c",
            "authorization": {
                "from": "0x857b06519E91e3A54538791bDbb0E22373e36b66",
                "to": "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
                "value": "10000",
                "validAfter": "1740672089",
                "validBefore": "1740672154",
                "nonce": "0xf3746613c2d920b5fdabc0856f2aeb2d4f88ee6037b8cc5d04a71a4462f13480"
            }
        }))
        .unwrap();
        assert_eq!(payload.authorization.value, U256::from(10_000));
        let back = serde_json::to_value(&payload).unwrap();
        assert_eq!(back["authorization"]["validBefore"], "1740672154");
    }

    #[test]
    fn a_streams_settlement_is_read_from_its_final_event() {
        let stream = b"data: {\"x\":1}\n\nevent: x402-payment-response\ndata: {\"success\":true,\"transaction\":\"\",\"network\":\"eip155:1\",\"amount\":\"7\"}\n\ndata: [DONE]\n\n";
        let settlement = settlement_event(stream).unwrap();
        assert!(settlement.success);
        assert_eq!(settlement.amount.as_deref(), Some("7"));
        assert!(settlement_event(b"data: [DONE]\n\n").is_none());
    }
}
