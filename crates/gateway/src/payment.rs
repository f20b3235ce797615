//! Admission and charging for the two schemes. `aat-voucher`: the holder's
//! signed cumulative voucher must cover everything it owes, and its channel
//! (or balance) must cover what it owes, what its requests in flight have
//! reserved and this request's maximum cost, which is reserved until the
//! upstream reports what was used. `exact`: one EIP-3009 authorization of
//! the exact price per request, checked locally and settled off the
//! request path. Every refusal says why, and nothing is called upstream.
//!
//! Each scheme is a [`PaymentScheme`]: admitted, charged, released. By
//! part: `refusal` (why a payment is refused, in words and labels),
//! `voucher` and `exact` (each scheme), `offers` (what a 402 offers,
//! and an account as a payer may see it).

mod exact;
mod offers;
mod refusal;
#[cfg(test)]
mod tests;
mod voucher;

use std::{collections::BTreeMap, future::Future};

use aat_client::x402::{self, PaymentPayload, Scheme, SettlementResponse};
use alloy::primitives::{keccak256, Address, FixedBytes, B256};
use serde_json::Value;

pub use exact::{settlement_call, ExactScheme, ExactTicket};
use refusal::failure;
pub(crate) use refusal::refuse;
pub use refusal::{Refusal, RefusalKind, Shown};
pub use voucher::{VoucherScheme, VoucherTicket};

use crate::{
    chain::ChainView,
    config::{ConfigError, ModelConfig},
    ledger::{LedgerError, ReceiptRecord},
    upstream::Usage,
    App, Config,
};

/// A served model, its names parsed.
#[derive(Clone, Debug)]
pub struct Model {
    /// The name clients ask for (its `[models.NAME]` key).
    pub name: String,
    /// The AAT `model` whose ids pay for it, as `bytes16`.
    pub model16: FixedBytes<16>,
    /// The AAT scopes accepted, as `bytes16` (only the zero scope when none
    /// is configured).
    pub scopes: Vec<FixedBytes<16>>,
    /// Its `[models.NAME]` settings: prices, limit, upstream name.
    pub config: ModelConfig,
}

/// What a request costs at most, and how that was bounded.
#[derive(Clone, Copy, Debug)]
pub struct Bound {
    /// At most this many prompt tokens: every token is at least one byte of
    /// the request body.
    pub prompt_tokens: u64,
    /// At most this many completion tokens: the least of the request's
    /// `max_tokens` and `max_completion_tokens`, else the model's limit.
    pub max_tokens: u64,
    /// Units: `prompt_tokens` and `max_tokens` at the model's prices. What
    /// a voucher-paid request reserves, and the most it is charged.
    pub max_cost: i64,
    /// The answer streams: it goes out before an `exact` payment could be
    /// settled.
    pub stream: bool,
}

impl Model {
    /// Every model `config` serves, by the name clients ask for, its AAT
    /// names parsed.
    ///
    /// # Errors
    ///
    /// A model's AAT names do not fit 16 bytes.
    pub fn all(config: &Config) -> Result<BTreeMap<String, Model>, ConfigError> {
        let mut models = BTreeMap::new();
        for (name, model) in &config.models {
            let (model16, scopes) = model.names16(name)?;
            models.insert(
                name.clone(),
                Model {
                    name: name.clone(),
                    model16,
                    scopes,
                    config: model.clone(),
                },
            );
        }
        Ok(models)
    }

    /// The units `usage` costs, as the upstream reported it.
    #[must_use]
    pub fn reported_cost(&self, usage: Usage) -> u128 {
        u128::from(usage.prompt_tokens) * u128::from(self.config.prompt_price)
            + u128::from(usage.completion_tokens) * u128::from(self.config.completion_price)
    }

    /// The units `usage` costs, capped at `bound` (the reservation). A whole
    /// answer whose usage is beyond its bound is withheld, never charged
    /// less (`routes`); only a stream, already sent when its usage comes,
    /// is charged its bound.
    #[must_use]
    pub fn cost(&self, usage: Usage, bound: &Bound) -> i64 {
        i64::try_from(self.reported_cost(usage))
            .unwrap_or(i64::MAX)
            .min(bound.max_cost)
    }

    /// Whether `usage` costs more than `bound` let the request reserve.
    #[must_use]
    pub fn beyond(&self, usage: Usage, bound: &Bound) -> bool {
        self.reported_cost(usage) > u128::from(bound.max_cost.unsigned_abs())
    }

    /// The bound of a request of `body_len` bytes asking `max_tokens`.
    ///
    /// # Errors
    ///
    /// The cost does not fit the ledger's units.
    pub fn bound(
        &self,
        body_len: usize,
        max_tokens: u64,
        stream: bool,
    ) -> Result<Bound, CostTooLarge> {
        let prompt_tokens = u64::try_from(body_len)
            .unwrap_or(u64::MAX)
            .saturating_add(64);
        let cost = u128::from(prompt_tokens) * u128::from(self.config.prompt_price)
            + u128::from(max_tokens) * u128::from(self.config.completion_price);
        let max_cost = i64::try_from(cost).map_err(|_| CostTooLarge)?;
        Ok(Bound {
            prompt_tokens,
            max_tokens,
            max_cost,
            stream,
        })
    }
}

/// A request whose maximum cost does not fit the ledger's units (2^63).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the request's maximum cost is too large")]
pub struct CostTooLarge;

/// A scheme's payload, or a `malformed` refusal saying why it does not
/// parse.
fn parse_payload<T: serde::de::DeserializeOwned>(
    scheme: &str,
    payload: &Value,
) -> Result<T, Refusal> {
    serde_json::from_value(payload.clone()).or_else(|e| {
        refuse(
            RefusalKind::Malformed,
            format!("the {scheme} payload does not parse: {e}"),
        )
    })
}

/// What admission knows of a request before its payment is checked.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    /// The model asked for.
    pub model: &'a Model,
    /// What the request may cost at most.
    pub bound: &'a Bound,
    /// The request's id, which keys what admission reserves.
    pub id: &'a str,
}

/// One x402 scheme as this gateway takes payment in it: a request paid in
/// it is admitted (its payment checked, and what it may cost reserved),
/// then charged once it was served, or released if it was not. Each step
/// reads the chain only through [`ChainView`], so the schemes' unit tests
/// (`payment::tests`) run them on a fixed view and a real ledger.
pub trait PaymentScheme {
    /// What an admitted request carries to its charge or release.
    type Ticket;

    /// Admits a request paid with `payload` (the scheme's part of
    /// `PAYMENT-SIGNATURE`).
    fn admit<C: ChainView>(
        app: &App<C>,
        payload: &Value,
        request: Request<'_>,
    ) -> impl Future<Output = Result<Self::Ticket, Refusal>> + Send;

    /// Charges a served request, whose receipt is `record` (its units still
    /// to be set for a voucher), and answers its settlement response.
    fn charge<C: ChainView>(
        app: &App<C>,
        ticket: &Self::Ticket,
        model: &Model,
        usage: Usage,
        record: ReceiptRecord,
    ) -> impl Future<Output = Result<SettlementResponse, LedgerError>> + Send;

    /// Frees what `ticket` reserved: the request was not served.
    fn release<C: ChainView>(
        app: &App<C>,
        ticket: &Self::Ticket,
    ) -> impl Future<Output = Result<(), LedgerError>> + Send;
}

/// An admitted request, to charge or release.
#[derive(Clone, Debug)]
pub enum Ticket {
    /// Paid by an `aat-voucher` voucher: its maximum cost is reserved.
    Voucher(VoucherTicket),
    /// Paid by an `exact` authorization: its nonce is reserved.
    Exact(ExactTicket),
}

impl Ticket {
    /// Who pays.
    #[must_use]
    pub fn payer(&self) -> Address {
        match self {
            Ticket::Voucher(t) => t.holder,
            Ticket::Exact(t) => t.payment.payer,
        }
    }

    /// What a voucher-paid request was bounded to (an `exact` payment is
    /// one price, whatever it used).
    #[must_use]
    pub fn bound(&self) -> Option<&Bound> {
        match self {
            Ticket::Voucher(t) => Some(&t.bound),
            Ticket::Exact(_) => None,
        }
    }

    /// The scheme it was paid in.
    #[must_use]
    pub fn scheme(&self) -> Scheme {
        match self {
            Ticket::Voucher(_) => Scheme::Voucher,
            Ticket::Exact(_) => Scheme::Exact,
        }
    }
}

impl<C: ChainView> App<C> {
    /// Admits a request paid with `payment` (the decoded
    /// `PAYMENT-SIGNATURE`).
    ///
    /// # Errors
    ///
    /// Why it is refused.
    pub async fn admit(
        &self,
        payment: &PaymentPayload,
        model: &Model,
        bound: &Bound,
        request_id: &str,
    ) -> Result<Ticket, Refusal> {
        if payment.x402_version != x402::X402_VERSION {
            return refuse(
                RefusalKind::Version,
                format!(
                    "x402Version {} is not supported; this gateway speaks 2",
                    payment.x402_version
                ),
            );
        }
        if payment.accepted.network != self.network {
            return refuse(
                RefusalKind::Network,
                format!(
                    "network {} is not this gateway's {}",
                    payment.accepted.network, self.network
                ),
            );
        }
        let request = Request {
            model,
            bound,
            id: request_id,
        };
        match Scheme::from_wire(&payment.accepted.scheme) {
            Some(Scheme::Voucher) => VoucherScheme::admit(self, &payment.payload, request)
                .await
                .map(Ticket::Voucher),
            Some(Scheme::Exact) if self.config.exact.is_some() => {
                ExactScheme::admit(self, &payment.payload, request)
                    .await
                    .map(Ticket::Exact)
            }
            _ => refuse(
                RefusalKind::Scheme,
                format!("scheme '{}' is not accepted here", payment.accepted.scheme),
            ),
        }
    }

    /// Frees what `ticket` reserved: the request was not served.
    pub async fn release(&self, ticket: &Ticket) {
        let result = match ticket {
            Ticket::Voucher(t) => VoucherScheme::release(self, t).await,
            Ticket::Exact(t) => ExactScheme::release(self, t).await,
        };
        if let Err(err) = result {
            // The reservation stays until the stale sweep frees it.
            tracing::error!(%err, "cannot release a reservation");
        }
    }
}

/// keccak256 of bytes, for receipts.
#[must_use]
pub fn hash(bytes: &[u8]) -> B256 {
    keccak256(bytes)
}
