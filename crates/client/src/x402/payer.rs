//! [`Payer`]: a client that pays a gateway over x402, remembering what it
//! owes between requests.

use alloy::{
    primitives::{Address, U256},
    signers::Signer,
    sol_types::Eip712Domain,
};
use serde_json::Value;

use super::{
    decode_header, payment_header, settlement_event, Account, ExactPayload, PaymentRequired,
    PaymentRequirements, SettlementResponse, VoucherPayload, EXACT_SCHEME, PAYMENT_REQUIRED,
    PAYMENT_RESPONSE, PAYMENT_SIGNATURE, VOUCHER_SCHEME,
};
use crate::{
    error::ClientError,
    signing::{self},
};

/// What one paid request returned.
#[derive(Debug)]
pub struct Paid {
    /// The last response's HTTP status; a 402 here is one that paying again
    /// would not answer (its reason is in `body`).
    pub status: reqwest::StatusCode,
    /// The last response's body, whole (a stream's events included).
    pub body: bytes::Bytes,
    /// From the `PAYMENT-RESPONSE` header, or from the final SSE event of a
    /// stream.
    pub settlement: Option<SettlementResponse>,
}

/// How a [`Payer`] pays.
#[derive(Clone, Debug)]
pub enum Method {
    /// Vouchers for `id`, valid for `validity` seconds from signing.
    Voucher {
        /// The AAT id the vouchers spend.
        id: U256,
        /// Seconds from signing, in the chain's time, to each voucher's
        /// `deadline` (at least the offer's `minValiditySeconds`).
        validity: u64,
    },
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
    /// The key that signs vouchers or authorizations: the holder's own, or a
    /// session key its channel names (see `holder`).
    pub signer: S,
    /// Whose vouchers it signs: the signer's own address, or the holder
    /// whose channel names the signer as its session key (`for_holder`).
    pub holder: Address,
    /// The HTTP client its requests go through.
    pub http: reqwest::Client,
    /// How it pays.
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
    /// A payer for `signer`'s own address, paying by `method` with signatures
    /// in `domain` (AAT's for vouchers, TokenAI's for `exact`). It knows
    /// nothing owed until a response or a 402 tells it.
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        signing::SignedVoucher,
        x402::{decode_header, PaymentPayload, Resource, VoucherPayload},
    };

    fn terms_of(holder: Address, owed: u64) -> PaymentRequired {
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
        let terms = |owed| terms_of(payer.signer.address(), owed);
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
        let theirs = terms_of(Address::repeat_byte(0xcc), 500);
        assert!(!payer.learns_more(&theirs));
        let header = payer.pay(&theirs).await.unwrap();
        assert_eq!(signed(&header), U256::from(75));
        assert!(payer.learns_more(&terms(80)));
    }
}
