//! x402 v2 over HTTP: the wire types (`PaymentRequired`, `PaymentPayload`,
//! `SettlementResponse`, carried base64-encoded in the `PAYMENT-REQUIRED`,
//! `PAYMENT-SIGNATURE` and `PAYMENT-RESPONSE` headers), the payloads of the
//! two schemes the gateway accepts (`exact` with TokenAI's EIP-3009, and
//! `aat-voucher`, specified in `docs/x402-aat-voucher.md`), and [`Payer`], a
//! client that answers a 402 by paying and retrying.
//!
//! Numbers that can exceed 2^53 travel as decimal strings, as x402 does.

use alloy::{
    primitives::{Address, Bytes, B256, U256},
    signers::Signer,
    sol_types::Eip712Domain,
};
use base64::{engine::general_purpose::STANDARD, Engine};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use serde_json::Value;

use crate::{
    bindings::IAAT::Voucher,
    error::ClientError,
    signing::{self, SignedAuthorization, SignedVoucher},
};

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
    pub url: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub mime_type: String,
}

/// One way to pay (an entry of `accepts`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentRequirements {
    pub scheme: String,
    pub network: String,
    /// In the asset's smallest unit: TokenAI wei for `exact`; AAT units,
    /// the request's maximum cost, for `aat-voucher`.
    pub amount: String,
    pub asset: String,
    pub pay_to: String,
    pub max_timeout_seconds: u64,
    #[serde(default)]
    pub extra: Value,
}

/// A 402's body and `PAYMENT-REQUIRED` header.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentRequired {
    pub x402_version: u32,
    #[serde(default)]
    pub error: String,
    pub resource: Resource,
    pub accepts: Vec<PaymentRequirements>,
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
    pub x402_version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<Resource>,
    pub accepted: PaymentRequirements,
    pub payload: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extensions: Option<Value>,
}

/// What the server answers in `PAYMENT-RESPONSE`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SettlementResponse {
    pub success: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer: Option<String>,
    /// The settling transaction, or empty while it is queued (the gateway
    /// settles off the request path).
    #[serde(default)]
    pub transaction: String,
    pub network: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<String>,
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
    #[error("not text (visible ASCII)")]
    NotText,
    #[error("not base64: {0}")]
    Base64(#[from] base64::DecodeError),
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
    pub holder: Address,
    pub provider: Address,
    /// Decimal or 0x-hex.
    pub id: U256,
    /// Decimal string.
    #[serde(with = "decimal")]
    pub cumulative_amount: U256,
    pub deadline: u64,
}

/// `aat-voucher`'s payload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoucherPayload {
    pub voucher: VoucherJson,
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
    pub from: Address,
    pub to: Address,
    #[serde(with = "decimal")]
    pub value: U256,
    #[serde(with = "decimal")]
    pub valid_after: U256,
    #[serde(with = "decimal")]
    pub valid_before: U256,
    pub nonce: B256,
}

/// `exact`'s EVM payload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExactPayload {
    pub signature: Bytes,
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

    pub fn serialize<S: Serializer>(value: &U256, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&value.to_string())
    }

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
    pub holder: Address,
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
    pub holder: Address,
    pub provider: Address,
    pub id: U256,
    pub voucher_digest: B256,
    pub request_hash: B256,
    pub response_hash: B256,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    #[serde(with = "decimal")]
    pub units: U256,
    #[serde(with = "decimal")]
    pub cumulative_owed: U256,
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
    pub account: Account,
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

/// What one paid request returned.
#[derive(Debug)]
pub struct Paid {
    pub status: reqwest::StatusCode,
    pub body: bytes::Bytes,
    /// From the `PAYMENT-RESPONSE` header, or from the final SSE event of a
    /// stream.
    pub settlement: Option<SettlementResponse>,
}

/// How a [`Payer`] pays.
#[derive(Clone, Debug)]
pub enum Method {
    /// Vouchers for `id`, valid for `validity` seconds from signing.
    Voucher { id: U256, validity: u64 },
    /// One EIP-3009 authorization per request.
    Exact,
}

/// What a [`Payer`] remembers between requests: the last offer, what it
/// owes, and how far the chain's clock is from its own.
#[derive(Clone, Debug)]
struct Remembered {
    offer: PaymentRequirements,
    owed: U256,
    skew: i64,
}

/// A client that pays a gateway. With vouchers it remembers what it owes
/// (from each response's settlement) and sends a voucher covering it with
/// the request; on a 402 (the first request, or after losing track) it
/// reads the account the gateway reports, signs what the offer asks and
/// sends the request once more. With `exact` it signs one authorization of
/// the offered price per request. A stream's settlement is read from its
/// final event.
pub struct Payer<S> {
    pub signer: S,
    /// Whose vouchers it signs: the signer's own address, or the holder
    /// whose channel names the signer as its session key (`for_holder`).
    pub holder: Address,
    pub http: reqwest::Client,
    pub method: Method,
    /// AAT's domain (vouchers) or TokenAI's (authorizations).
    pub domain: Eip712Domain,
    remembered: std::sync::Mutex<Option<Remembered>>,
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

impl<S: Signer + Send + Sync> Payer<S> {
    pub fn new(signer: S, method: Method, domain: Eip712Domain) -> Self {
        Payer {
            holder: signer.address(),
            signer,
            http: reqwest::Client::new(),
            method,
            domain,
            remembered: std::sync::Mutex::new(None),
        }
    }

    /// Signs `holder`'s vouchers with this payer's key: an agent's session
    /// key, which `holder`'s channel with the provider names (AAT spec v3).
    #[must_use]
    pub fn for_holder(mut self, holder: Address) -> Self {
        self.holder = holder;
        self
    }

    /// What this payer believes it owes (vouchers), once it has been told.
    #[must_use]
    pub fn owed(&self) -> Option<U256> {
        self.remembered.lock().ok()?.as_ref().map(|r| r.owed)
    }

    fn remember(&self, f: impl FnOnce(&mut Option<Remembered>)) {
        if let Ok(mut remembered) = self.remembered.lock() {
            f(&mut remembered);
        }
    }

    async fn send(
        &self,
        url: &str,
        body: &Value,
        payment: Option<String>,
    ) -> Result<reqwest::Response, ClientError> {
        let mut request = self.http.post(url).json(body);
        if let Some(payment) = payment {
            request = request.header(PAYMENT_SIGNATURE, payment);
        }
        request
            .send()
            .await
            .map_err(|e| ClientError::Input(format!("{url}: {e}")))
    }

    /// Sends `body` to `url` and pays if asked.
    ///
    /// A gateway tells a holder what it owes only in a 402 answered to a
    /// voucher the holder signed anew (to a voucher that may be a copy from
    /// a settlement's calldata, only the settled amount): so a payer that
    /// does not know yet (or lost track) pays what it knows, and again each
    /// time a 402 says more is owed (at most three payments a request).
    ///
    /// # Errors
    ///
    /// The network fails, the gateway's 402 cannot be read or offers no
    /// scheme this payer has, or signing fails. A 402 that teaches nothing
    /// new is returned as it is ([`Paid::status`]) for the caller to read
    /// its reason.
    pub async fn post(&self, url: &str, body: &Value) -> Result<Paid, ClientError> {
        let known = self.remembered.lock().ok().and_then(|r| r.clone());
        let prepaid = match (&self.method, known) {
            (Method::Voucher { .. }, Some(known)) => Some(self.sign(&known).await?),
            _ => None,
        };
        let mut signed = prepaid.is_some();
        let mut response = self.send(url, body, prepaid).await?;
        for _ in 0..3 {
            if response.status() != reqwest::StatusCode::PAYMENT_REQUIRED {
                break;
            }
            let offered = response
                .headers()
                .get(PAYMENT_REQUIRED)
                .and_then(|v| v.to_str().ok())
                .map(|v| {
                    decode_header::<PaymentRequired>(v)
                        .map_err(|e| ClientError::Decode(e.to_string()))
                });
            let required = match offered {
                Some(required) => required?,
                // Not an offer (a paid answer withheld): returned as it is.
                None if signed => break,
                None => return Err(ClientError::Decode("a 402 without PAYMENT-REQUIRED".into())),
            };
            if signed && !self.learns_more(&required) {
                break;
            }
            let header = self.pay(&required).await?;
            response = self.send(url, body, Some(header)).await?;
            signed = true;
        }
        let paid = read(response).await?;
        if let Some(owed) = paid
            .settlement
            .as_ref()
            .and_then(SettlementResponse::voucher)
            .map(|v| v.account.owed)
        {
            self.remember(|r| {
                if let Some(r) = r {
                    r.owed = r.owed.max(owed);
                }
            });
        }
        Ok(paid)
    }

    /// What `required` says this payer owes (vouchers), if it says.
    fn owed_in(&self, required: &PaymentRequired) -> Option<U256> {
        let Method::Voucher { id, .. } = &self.method else {
            return None;
        };
        let accounts = required.offer(VOUCHER_SCHEME)?.extra.get("accounts")?;
        serde_json::from_value::<Vec<Account>>(accounts.clone())
            .ok()?
            .into_iter()
            .find(|a| a.id == *id && a.holder == self.holder)
            .map(|a| a.owed)
    }

    /// Whether `required` says more is owed than this payer has signed for.
    fn learns_more(&self, required: &PaymentRequired) -> bool {
        self.owed_in(required)
            .is_some_and(|owed| owed > self.owed().unwrap_or_default())
    }

    async fn sign(&self, known: &Remembered) -> Result<String, ClientError> {
        let Method::Voucher { id, validity } = &self.method else {
            return Err(ClientError::Input("not a voucher payer".into()));
        };
        let provider: Address = known
            .offer
            .pay_to
            .parse()
            .map_err(|_| ClientError::Decode("the offer has no payTo".into()))?;
        let chain_now = u64::try_from(unix_now().saturating_add(known.skew)).unwrap_or(0);
        let signed = signing::sign_voucher_for(
            self.holder,
            &self.signer,
            &self.domain,
            provider,
            *id,
            known.owed,
            chain_now.saturating_add(*validity),
        )
        .await?;
        Ok(payment_header(&known.offer, &VoucherPayload::from(&signed)))
    }

    /// The `PAYMENT-SIGNATURE` answering `required` (and, for vouchers, what
    /// it tells of the account, remembered).
    ///
    /// # Errors
    ///
    /// No offer of this payer's scheme, or an offer that does not parse.
    pub async fn pay(&self, required: &PaymentRequired) -> Result<String, ClientError> {
        let missing = |what: &str| ClientError::Decode(format!("the offer has no {what}"));
        match &self.method {
            Method::Voucher { .. } => {
                let offer = required
                    .offer(VOUCHER_SCHEME)
                    .ok_or_else(|| missing("aat-voucher scheme"))?;
                let owed = self.owed_in(required).unwrap_or_default();
                let now = offer.extra.get("now").and_then(Value::as_i64).unwrap_or(0);
                // What is owed only grows: a 402 answered before another
                // request's charge (read after it, when requests overlap)
                // must not lower what this payer knows, or its next voucher,
                // and its closing one, would fall short.
                let known = self.owed().map_or(owed, |before| before.max(owed));
                let known = Remembered {
                    offer: offer.clone(),
                    owed: known,
                    skew: now.saturating_sub(unix_now()),
                };
                let header = self.sign(&known).await?;
                self.remember(|r| {
                    let owed = r
                        .as_ref()
                        .map_or(known.owed, |before| before.owed.max(known.owed));
                    *r = Some(Remembered { owed, ..known });
                });
                Ok(header)
            }
            Method::Exact => {
                let offer = required
                    .offer(EXACT_SCHEME)
                    .ok_or_else(|| missing("exact scheme"))?;
                let to: Address = offer.pay_to.parse().map_err(|_| missing("payTo"))?;
                let value: U256 = offer.amount.parse().map_err(|_| missing("amount"))?;
                let now = offer.extra.get("now").and_then(Value::as_u64).unwrap_or(0);
                let signed = signing::sign_transfer_authorization(
                    &self.signer,
                    &self.domain,
                    to,
                    value,
                    now.saturating_sub(60),
                    now.saturating_add(offer.max_timeout_seconds),
                )
                .await?;
                Ok(payment_header(offer, &ExactPayload::from(&signed)))
            }
        }
    }

    /// Sends a voucher covering everything owed without a request (the
    /// gateway's `POST /aat/vouchers`), so that all of it can be settled.
    ///
    /// # Errors
    ///
    /// This payer has no voucher offer yet, or the gateway refuses.
    pub async fn close_out(&self, url: &str) -> Result<Paid, ClientError> {
        let known = self
            .remembered
            .lock()
            .ok()
            .and_then(|r| r.clone())
            .ok_or_else(|| ClientError::Input("nothing owed is known yet".into()))?;
        let header = self.sign(&known).await?;
        read(self.send(url, &Value::Null, Some(header)).await?).await
    }
}

/// Reads a response whole; a stream's settlement from its final event.
async fn read(response: reqwest::Response) -> Result<Paid, ClientError> {
    let status = response.status();
    let header = response
        .headers()
        .get(PAYMENT_RESPONSE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| decode_header(v).ok());
    let body = response
        .bytes()
        .await
        .map_err(|e| ClientError::Decode(format!("the body: {e}")))?;
    let settlement = header.or_else(|| settlement_event(&body));
    Ok(Paid {
        status,
        body,
        settlement,
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

    fn terms(holder: Address, owed: u64) -> PaymentRequired {
        let offer = PaymentRequirements {
            scheme: VOUCHER_SCHEME.into(),
            network: "eip155:412346".into(),
            amount: "100".into(),
            asset: Address::repeat_byte(0xaa).to_string(),
            pay_to: Address::repeat_byte(0xbb).to_string(),
            max_timeout_seconds: 60,
            extra: serde_json::json!({
                "accounts": [{"holder": holder, "id": "7", "owed": owed.to_string(), "settled": "0"}],
                "now": unix_now(),
            }),
        };
        PaymentRequired {
            x402_version: 2,
            error: String::new(),
            resource: Resource {
                url: String::new(),
                description: String::new(),
                mime_type: String::new(),
            },
            accepts: vec![offer],
            extensions: None,
        }
    }

    #[tokio::test]
    async fn a_late_402_never_lowers_what_a_payer_owes() {
        let payer = Payer::new(
            alloy::signers::local::PrivateKeySigner::random(),
            Method::Voucher {
                id: U256::from(7),
                validity: 3_600,
            },
            Eip712Domain::default(),
        );
        let signed = |header: &str| {
            let payment: PaymentPayload = decode_header(header).unwrap();
            let voucher: VoucherPayload = serde_json::from_value(payment.payload).unwrap();
            SignedVoucher::from(voucher).voucher.cumulativeAmount
        };
        let terms = |owed| terms(payer.signer.address(), owed);
        let header = payer.pay(&terms(60)).await.unwrap();
        assert_eq!(
            (signed(&header), payer.owed()),
            (U256::from(60), Some(U256::from(60)))
        );
        // Terms from before a charge the payer has already heard of.
        let header = payer.pay(&terms(50)).await.unwrap();
        assert_eq!(
            (signed(&header), payer.owed()),
            (U256::from(60), Some(U256::from(60)))
        );
        let header = payer.pay(&terms(75)).await.unwrap();
        assert_eq!(
            (signed(&header), payer.owed()),
            (U256::from(75), Some(U256::from(75)))
        );
        // Another holder's account is not this payer's, whatever it says.
        let theirs = super::tests::terms(Address::repeat_byte(0xcc), 500);
        assert!(!payer.learns_more(&theirs));
        let header = payer.pay(&theirs).await.unwrap();
        assert_eq!(signed(&header), U256::from(75));
        assert!(payer.learns_more(&terms(80)));
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
