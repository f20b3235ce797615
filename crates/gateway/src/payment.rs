//! Admission and charging for the two schemes. `aat-voucher`: the holder's
//! signed cumulative voucher must cover everything it owes, and its channel
//! (or balance) must cover what it owes, what its requests in flight have
//! reserved and this request's maximum cost, which is reserved until the
//! upstream reports what was used. `exact`: one EIP-3009 authorization of
//! the exact price per request, checked locally and settled off the
//! request path. Every refusal says why, and nothing is called upstream.
//!
//! By part: [`refusal`] (why a payment is refused, in words and labels),
//! [`voucher`] and [`exact`] (each scheme's admission), [`offers`] (what a
//! 402 offers, and an account as a payer may see it).

mod exact;
mod offers;
mod refusal;
mod voucher;

use aat_client::x402::{self, PaymentPayload, Scheme};
use alloy::primitives::{keccak256, Address, FixedBytes, B256, U256};
use serde_json::Value;

pub use exact::settlement_call;
use refusal::failure;
pub(crate) use refusal::refuse;
pub use refusal::{Refusal, RefusalKind, Shown};

use crate::{config::ModelConfig, ledger::ExactRow, upstream::Usage, App};

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

/// An admitted request, to charge or release.
#[derive(Clone, Debug)]
pub enum Ticket {
    /// Paid by an `aat-voucher` voucher: its maximum cost is reserved.
    Voucher {
        /// The request's id, which keys its reservation and its receipt.
        request_id: String,
        /// The voucher's holder, who is charged.
        holder: Address,
        /// The AAT id it is charged in.
        id: U256,
        /// The voucher's EIP-712 digest, which the usage receipt names.
        voucher_digest: B256,
        /// What the request may cost at most.
        bound: Bound,
    },
    /// Paid by an `exact` authorization: its nonce is reserved.
    Exact {
        /// The request's id, which the nonce is reserved under.
        request_id: String,
        /// The authorization, as the ledger keeps it.
        payment: ExactRow,
    },
}

impl Ticket {
    /// Who pays.
    #[must_use]
    pub fn payer(&self) -> Address {
        match self {
            Ticket::Voucher { holder, .. } => *holder,
            Ticket::Exact { payment, .. } => payment.payer,
        }
    }

    /// What a voucher-paid request was bounded to (an `exact` payment is
    /// one price, whatever it used).
    #[must_use]
    pub fn bound(&self) -> Option<&Bound> {
        match self {
            Ticket::Voucher { bound, .. } => Some(bound),
            Ticket::Exact { .. } => None,
        }
    }

    /// The scheme it was paid in.
    #[must_use]
    pub fn scheme(&self) -> Scheme {
        match self {
            Ticket::Voucher { .. } => Scheme::Voucher,
            Ticket::Exact { .. } => Scheme::Exact,
        }
    }
}

impl App {
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
        request_id: String,
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
        match Scheme::from_wire(&payment.accepted.scheme) {
            Some(Scheme::Voucher) => {
                self.admit_voucher(&payment.payload, model, bound, request_id)
                    .await
            }
            Some(Scheme::Exact) if self.config.exact.is_some() => {
                self.admit_exact(&payment.payload, bound, request_id).await
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
            Ticket::Voucher { request_id, .. } => self.ledger.release(request_id).await,
            Ticket::Exact {
                request_id,
                payment,
            } => {
                self.ledger
                    .drop_exact(request_id, payment.payer, payment.nonce)
                    .await
            }
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
