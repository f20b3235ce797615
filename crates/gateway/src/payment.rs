//! Admission and charging for the two schemes. `aat-voucher`: the holder's
//! signed cumulative voucher must cover everything it owes, and its channel
//! (or balance) must cover what it owes, what its requests in flight have
//! reserved and this request's maximum cost, which is reserved until the
//! upstream reports what was used. `exact`: one EIP-3009 authorization of
//! the exact price per request, checked locally and settled off the
//! request path. Every refusal says why, and nothing is called upstream.

use aat_client::{
    bindings::TransferWithAuthorization,
    policy::text16,
    signature::Verdict,
    signing::{self, SignedAuthorization, SignedVoucher},
    x402::{
        self, Account, ExactPayload, PaymentPayload, PaymentRequirements, Scheme, VoucherPayload,
        EXACT_SCHEME, VOUCHER_SCHEME,
    },
};
use alloy::primitives::{keccak256, Address, FixedBytes, B256, U256};
use serde_json::{json, Value};

use crate::{
    config::ModelConfig,
    ledger::{AccountRow, ExactRow, ExactStatus, LedgerError, VoucherRefusal},
    upstream::Usage,
    App,
};

/// A served model, its names parsed.
#[derive(Clone, Debug)]
pub struct Model {
    pub name: String,
    pub model16: FixedBytes<16>,
    pub scopes: Vec<FixedBytes<16>>,
    pub config: ModelConfig,
}

/// What a request costs at most, and how that was bounded.
#[derive(Clone, Copy, Debug)]
pub struct Bound {
    /// At most this many prompt tokens: every token is at least one byte of
    /// the request body.
    pub prompt_tokens: u64,
    pub max_tokens: u64,
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

/// Why a payment was refused: the 402's kind, and the metrics' label
/// (`Display`, kebab-case as it always was).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RefusalKind {
    /// The voucher's amount is not what the holder owes.
    Amount,
    /// The payer cannot cover what the request may cost.
    Balance,
    /// The chain could not be read.
    Chain,
    /// The channel closes too soon to settle what this request adds.
    ChannelEnding,
    /// A deadline or validity window has passed, or is too short.
    Expired,
    /// The credits have expired.
    ExpiredId,
    /// The id is not accepted here or does not exist.
    Id,
    /// The gateway could not record the payment.
    Ledger,
    /// The payment does not parse.
    Malformed,
    /// No payment was sent.
    Missing,
    /// The payment is for another network.
    Network,
    /// The authorization is not valid yet.
    NotYetValid,
    /// The voucher was published by a settlement: a copy proves nothing.
    PublicVoucher,
    /// The payment was used already.
    Replayed,
    /// The holder would owe more beyond its voucher than the gateway
    /// lends (requests of its still being answered).
    CreditLimit,
    /// The scheme is not accepted here.
    Scheme,
    /// The credits' scope or model is not served here.
    Scope,
    /// The signature is not the payer's.
    Signature,
    /// A smart account signed where only a key may.
    SmartAccount,
    /// An earlier `exact` payment of this payer failed to settle.
    Unpaid,
    /// An x402 version this gateway does not speak.
    Version,
    /// The payment is to another provider.
    WrongProvider,
}

impl RefusalKind {
    /// The label.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            RefusalKind::Amount => "amount",
            RefusalKind::Balance => "balance",
            RefusalKind::Chain => "chain",
            RefusalKind::ChannelEnding => "channel-ending",
            RefusalKind::Expired => "expired",
            RefusalKind::ExpiredId => "expired-id",
            RefusalKind::Id => "id",
            RefusalKind::Ledger => "ledger",
            RefusalKind::Malformed => "malformed",
            RefusalKind::Missing => "missing",
            RefusalKind::Network => "network",
            RefusalKind::NotYetValid => "not-yet-valid",
            RefusalKind::PublicVoucher => "public-voucher",
            RefusalKind::Replayed => "replayed",
            RefusalKind::CreditLimit => "credit-limit",
            RefusalKind::Scheme => "scheme",
            RefusalKind::Scope => "scope",
            RefusalKind::Signature => "signature",
            RefusalKind::SmartAccount => "smart-account",
            RefusalKind::Unpaid => "unpaid",
            RefusalKind::Version => "version",
            RefusalKind::WrongProvider => "wrong-provider",
        }
    }
}

impl VoucherRefusal {
    /// The kind a 402 names for this refusal.
    #[must_use]
    pub fn kind(&self) -> RefusalKind {
        match self {
            VoucherRefusal::Stale { .. }
            | VoucherRefusal::UnderCovering { .. }
            | VoucherRefusal::Excessive { .. } => RefusalKind::Amount,
            VoucherRefusal::Replayed { .. } => RefusalKind::Replayed,
            VoucherRefusal::Budget { .. } => RefusalKind::Balance,
            VoucherRefusal::Credit { .. } => RefusalKind::CreditLimit,
        }
    }
}

impl core::fmt::Display for RefusalKind {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A refusal: the reason a 402 gives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// A short machine-readable kind (the metric's label).
    pub kind: RefusalKind,
    pub reason: String,
    /// What the 402 may show of an account.
    pub shown: Shown,
}

/// What a 402 may show of an account: a holder's accounts only in answer
/// to a voucher that holder signed and nobody else can have.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Shown {
    /// Nothing: the payment proved no holder.
    #[default]
    Nothing,
    /// The holder's accounts: its voucher's signature was checked, and the
    /// voucher was never published.
    Accounts(Address),
    /// What the chain shows anyone of one account: what is settled, as
    /// the least the holder owes, and no voucher. The voucher is signed by
    /// its holder, but a settlement published it, or it is for less than
    /// is settled (so it may be a copy from calldata).
    Public(Box<Account>),
}

impl Refusal {
    /// This refusal, answered to `holder`, who signed the payment.
    #[must_use]
    pub fn to_signer(self, holder: Address) -> Refusal {
        Refusal {
            shown: Shown::Accounts(holder),
            ..self
        }
    }
}

pub(crate) fn refuse<T>(kind: RefusalKind, reason: impl Into<String>) -> Result<T, Refusal> {
    Err(Refusal {
        kind,
        reason: reason.into(),
        shown: Shown::Nothing,
    })
}

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
    Voucher {
        request_id: String,
        holder: Address,
        id: U256,
        voucher_digest: B256,
        bound: Bound,
    },
    Exact {
        request_id: String,
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

fn failure(kind: RefusalKind) -> impl Fn(LedgerError) -> Refusal {
    move |e| Refusal {
        kind,
        reason: format!("the gateway cannot record payments right now: {e}"),
        shown: Shown::Nothing,
    }
}

impl App {
    pub(crate) fn chain_error(e: &aat_client::ClientError) -> Refusal {
        Refusal {
            kind: RefusalKind::Chain,
            reason: format!("the gateway cannot read the chain right now: {e}"),
            shown: Shown::Nothing,
        }
    }

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

    async fn admit_voucher(
        &self,
        payload: &Value,
        model: &Model,
        bound: &Bound,
        request_id: String,
    ) -> Result<Ticket, Refusal> {
        let payload: VoucherPayload = parse_payload(VOUCHER_SCHEME, payload)?;
        let signed = SignedVoucher::from(payload);
        let v = &signed.voucher;
        let (cumulative, deadline) = self.voucher_terms(&signed)?;
        let policy = self.accepted_id(v.id, model).await?;
        let now = self.chain.now();
        if policy.expiration != 0
            && policy.expiration <= now.saturating_add(self.config.settlement.expiry_margin_secs)
        {
            return refuse(
                RefusalKind::ExpiredId,
                format!(
                    "id {:#x} expires at {} and could not be settled in time (now {now})",
                    v.id, policy.expiration
                ),
            );
        }
        let (digest, expected, verdict) = self.check_voucher_signature(&signed).await?;
        let admission = self
            .voucher_admission(
                &signed,
                (cumulative, deadline),
                (expected, verdict),
                bound,
                request_id,
            )
            .await?;
        let refusal = match self.ledger.admit_voucher(&admission).await {
            Ok(Ok(_)) => {
                return Ok(Ticket::Voucher {
                    request_id: admission.request_id,
                    holder: v.holder,
                    id: v.id,
                    voucher_digest: digest,
                    bound: *bound,
                })
            }
            Ok(Err(VoucherRefusal::Budget { cap, .. })) if verdict == Verdict::Erc1271 => Refusal {
                kind: RefusalKind::SmartAccount,
                reason: format!(
                    "{} signs through ERC-1271, and its wallet can refuse the voucher when it is settled: without a channel signer it is served only within what it has already settled on-chain ({cap} units)",
                    v.holder
                ),
                shown: Shown::Nothing,
            },
            Ok(Err(refusal)) => Refusal {
                kind: refusal.kind(),
                reason: refusal.to_string(),
                shown: Shown::Nothing,
            },
            Err(e) => failure(RefusalKind::Ledger)(e),
        };
        Err(self
            .answer_signed(refusal, v, digest, cumulative, admission.settled)
            .await)
    }

    /// How a refusal of a voucher signed by its holder (or its channel's
    /// key) is answered: to the holder, with its accounts, unless the
    /// voucher may be a copy ([`App::is_copy`]).
    async fn answer_signed(
        &self,
        refusal: Refusal,
        v: &signing::Voucher,
        digest: B256,
        cumulative: i64,
        settled: i64,
    ) -> Refusal {
        if self.is_copy(digest, cumulative, settled).await {
            Self::copy_refused(v, settled)
        } else {
            refusal.to_signer(v.holder)
        }
    }

    /// Whether a voucher signed by its holder may be a copy anyone can
    /// send: a settlement published it, or it is for less than the chain
    /// has settled (which settlements published). Replaying calldata must
    /// disclose nothing.
    async fn is_copy(&self, digest: B256, cumulative: i64, settled: i64) -> bool {
        // A voucher for exactly what is settled is what a payer that lost
        // track signs once told the settled amount: only the record of what
        // was published tells it from a copy of the one that settled.
        cumulative < settled || self.ledger.is_published(digest).await.unwrap_or(true)
    }

    /// The refusal of a voucher that may be a copy: it shows what the chain
    /// shows anyone, the settled amount as the least owed, from which an
    /// honest payer that lost track signs anew and learns the rest.
    fn copy_refused(v: &signing::Voucher, settled: i64) -> Refusal {
        Refusal {
            kind: RefusalKind::PublicVoucher,
            reason: format!(
                "this voucher may be a copy: a settlement published it, or it is for less than the {settled} units settled on-chain; a holder's account is shown only in answer to a voucher signed anew, so sign one for what is owed (at least {settled}) with a new deadline"
            ),
            shown: Shown::Public(Box::new(Account {
                holder: v.holder,
                id: v.id,
                owed: U256::from(settled.unsigned_abs()),
                settled: U256::from(settled.unsigned_abs()),
                last_voucher: None,
            })),
        }
    }

    /// The voucher's amount and deadline as the ledger keeps them, after
    /// the checks that need nothing but the voucher.
    fn voucher_terms(&self, signed: &SignedVoucher) -> Result<(i64, i64), Refusal> {
        let v = &signed.voucher;
        if v.provider != self.chain.provider {
            return refuse(
                RefusalKind::WrongProvider,
                format!(
                    "the voucher is made out to {}, not to this provider {}",
                    v.provider, self.chain.provider
                ),
            );
        }
        let now = self.chain.now();
        if v.deadline < now {
            return refuse(
                RefusalKind::Expired,
                format!("the voucher expired at {} (now {now})", v.deadline),
            );
        }
        let min = now.saturating_add(self.config.voucher.min_validity_secs);
        if v.deadline < min {
            return refuse(
                RefusalKind::Expired,
                format!("the voucher's deadline {} is too soon to settle it; sign one valid until at least {min}", v.deadline),
            );
        }
        // The ledger keeps both exactly as signed, or refuses them: a voucher
        // kept with another value than its signature covers never settles.
        let cumulative = i64::try_from(v.cumulativeAmount).or_else(|_| {
            refuse(
                RefusalKind::Malformed,
                format!(
                    "the voucher's cumulativeAmount is beyond what this gateway accounts ({})",
                    i64::MAX
                ),
            )
        })?;
        let deadline = i64::try_from(v.deadline).or_else(|_| {
            refuse(
                RefusalKind::Malformed,
                format!(
                    "the voucher's deadline {} is beyond what this gateway keeps exactly ({}); sign one with an earlier deadline",
                    v.deadline,
                    i64::MAX
                ),
            )
        })?;
        Ok((cumulative, deadline))
    }

    /// `id`'s policy when it may pay for `model` here.
    async fn accepted_id(&self, id: U256, model: &Model) -> Result<aat_client::Policy, Refusal> {
        let accepted = &self.config.voucher.accepted_ids;
        if !accepted.is_empty() && !accepted.contains(&id) {
            return refuse(RefusalKind::Id, format!("id {id:#x} is not accepted here"));
        }
        let policy = self
            .chain
            .policy(id)
            .await
            .map_err(|e| Self::chain_error(&e))?
            .map_or_else(
                || refuse(RefusalKind::Id, format!("id {id:#x} does not exist")),
                Ok,
            )?;
        if policy.model != model.model16 {
            return refuse(
                RefusalKind::Id,
                format!(
                    "id {id:#x} pays for model '{}', not '{}'",
                    text16(policy.model),
                    model.config.aat_model
                ),
            );
        }
        if !model.scopes.contains(&policy.scope) {
            return refuse(
                RefusalKind::Scope,
                format!(
                    "id {id:#x} is scoped to '{}', which {} does not accept",
                    text16(policy.scope),
                    model.name
                ),
            );
        }
        Ok(policy)
    }

    async fn admit_exact(
        &self,
        payload: &Value,
        bound: &Bound,
        request_id: String,
    ) -> Result<Ticket, Refusal> {
        let Some(exact) = &self.config.exact else {
            return refuse(RefusalKind::Scheme, "scheme 'exact' is not accepted here");
        };
        let payload: ExactPayload = parse_payload(EXACT_SCHEME, payload)?;
        let signed = SignedAuthorization::from(payload);
        let a = &signed.authorization;
        let pay_to = self.pay_to();
        if a.to != pay_to {
            return refuse(
                RefusalKind::WrongProvider,
                format!("the authorization pays {}, not payTo {pay_to}", a.to),
            );
        }
        if a.value != exact.price {
            return refuse(
                RefusalKind::Amount,
                format!(
                    "the authorization is for {}, the price is exactly {}",
                    a.value, exact.price
                ),
            );
        }
        let now = U256::from(self.chain.now());
        if a.validAfter >= now {
            return refuse(
                RefusalKind::NotYetValid,
                format!("the authorization is valid only after {}", a.validAfter),
            );
        }
        if a.validBefore <= now {
            return refuse(
                RefusalKind::Expired,
                format!("the authorization expired at {}", a.validBefore),
            );
        }
        if a.validBefore <= now.saturating_add(U256::from(30)) {
            return refuse(
                RefusalKind::Expired,
                format!(
                    "the authorization ends at {}, too soon to settle it",
                    a.validBefore
                ),
            );
        }
        self.check_authorization_signature(&signed, exact, bound)
            .await?;
        self.refuse_unpaid_exact(a.from).await?;
        let balance = self
            .chain
            .token_balance(a.from)
            .await
            .map_err(|e| Self::chain_error(&e))?;
        let outstanding = self
            .ledger
            .exact_outstanding(a.from)
            .await
            .map_err(failure(RefusalKind::Ledger))?;
        if balance < outstanding.saturating_add(a.value) {
            return refuse(
                RefusalKind::Balance,
                format!(
                    "{} holds {balance} TokenAI, {outstanding} of it promised to requests not settled yet",
                    a.from
                ),
            );
        }
        // The one call to the node a payment costs, asked last: read
        // before it, the block at which the nonce was unused at least, so
        // whatever uses it is logged after it.
        let admitted_block = self.chain.head();
        if self
            .chain
            .nonce_used(a.from, a.nonce)
            .await
            .map_err(|e| Self::chain_error(&e))?
        {
            return refuse(
                RefusalKind::Replayed,
                format!("authorization {} of {} is already used", a.nonce, a.from),
            );
        }
        let payment = ExactRow {
            payer: a.from,
            nonce: a.nonce,
            pay_to,
            value: a.value,
            valid_after: a.validAfter,
            valid_before: a.validBefore,
            signature: signed.signature.clone(),
            status: ExactStatus::Reserved,
            admitted_block,
        };
        if !self
            .ledger
            .reserve_exact(&payment, &request_id)
            .await
            .map_err(failure(RefusalKind::Ledger))?
        {
            return refuse(
                RefusalKind::Replayed,
                format!(
                    "authorization {} of {} was already presented",
                    a.nonce, a.from
                ),
            );
        }
        Ok(Ticket::Exact {
            request_id,
            payment,
        })
    }

    /// Where `exact` payments go.
    #[must_use]
    pub fn pay_to(&self) -> Address {
        self.config
            .exact
            .as_ref()
            .and_then(|e| e.pay_to)
            .unwrap_or(self.chain.provider)
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

    /// An account as the wire shows it.
    #[must_use]
    pub fn account_json(&self, row: &AccountRow) -> Account {
        let last_voucher = row.voucher_signature.as_ref().map(|signature| {
            VoucherPayload::from(&SignedVoucher {
                voucher: signing::Voucher {
                    holder: row.holder,
                    provider: self.chain.provider,
                    id: row.id,
                    cumulativeAmount: U256::from(row.voucher_amount.unsigned_abs()),
                    deadline: row.voucher_deadline.unsigned_abs(),
                },
                signature: signature.clone(),
            })
        });
        Account {
            holder: row.holder,
            id: row.id,
            owed: U256::from(row.owed.unsigned_abs()),
            settled: U256::from(row.settled.unsigned_abs()),
            last_voucher,
        }
    }

    /// The offers of a 402 for a request to `model` bounded by `bound`,
    /// with what the refused payment may be shown of an account
    /// ([`Shown`]; never to whoever merely names a holder).
    pub async fn offers(
        &self,
        model: &Model,
        bound: &Bound,
        shown: Shown,
    ) -> Vec<PaymentRequirements> {
        let accounts: Vec<Account> = match shown {
            Shown::Accounts(holder) => self
                .ledger
                .accounts_of(holder)
                .await
                .unwrap_or_default()
                .iter()
                .map(|row| self.account_json(row))
                .collect(),
            Shown::Public(account) => vec![*account],
            Shown::Nothing => Vec::new(),
        };
        let now = self.chain.now();
        let voucher = PaymentRequirements {
            scheme: VOUCHER_SCHEME.into(),
            network: self.network.clone(),
            amount: bound.max_cost.to_string(),
            asset: self.chain.rails.aat.to_string(),
            pay_to: self.chain.provider.to_string(),
            max_timeout_seconds: self.config.upstream_timeout_secs,
            extra: json!({
                "name": self.chain.aat_domain.name.as_deref().unwrap_or_default(),
                "version": self.chain.aat_domain.version.as_deref().unwrap_or_default(),
                "chainId": self.chain.chain_id,
                "verifyingContract": self.chain.rails.aat,
                "model": model.config.aat_model,
                "modelBytes16": model.model16,
                "scopes": model.scopes,
                "ids": self.config.voucher.accepted_ids,
                "pricePerPromptToken": model.config.prompt_price.to_string(),
                "pricePerCompletionToken": model.config.completion_price.to_string(),
                "maxPromptTokens": bound.prompt_tokens,
                "maxTokens": bound.max_tokens,
                "minValiditySeconds": self.config.voucher.min_validity_secs,
                "creditLimit": self.credit_limit(bound).to_string(),
                "now": now,
                "accounts": accounts,
            }),
        };
        let mut offers = vec![voucher];
        if let Some(exact) = &self.config.exact {
            offers.push(PaymentRequirements {
                scheme: EXACT_SCHEME.into(),
                network: self.network.clone(),
                amount: exact.price.to_string(),
                asset: self.chain.rails.token.to_string(),
                pay_to: self.pay_to().to_string(),
                max_timeout_seconds: exact.max_timeout_secs,
                extra: json!({
                    "name": self.chain.token_domain.name.as_deref().unwrap_or_default(),
                    "version": self.chain.token_domain.version.as_deref().unwrap_or_default(),
                    "assetTransferMethod": "eip3009",
                    "now": now,
                }),
            });
        }
        offers
    }

    /// Records a voucher sent without a request (`POST /aat/vouchers`).
    ///
    /// # Errors
    ///
    /// Why it is refused.
    pub async fn record_voucher(&self, payment: &PaymentPayload) -> Result<Account, Refusal> {
        if payment.accepted.scheme != VOUCHER_SCHEME || payment.accepted.network != self.network {
            return refuse(
                RefusalKind::Scheme,
                format!("send an aat-voucher payment on {}", self.network),
            );
        }
        let payload: VoucherPayload = parse_payload(VOUCHER_SCHEME, &payment.payload)?;
        let signed = SignedVoucher::from(payload);
        let (cumulative, deadline) = self.voucher_terms(&signed)?;
        let (digest, _, _) = self.check_voucher_signature(&signed).await?;
        let v = &signed.voucher;
        let proven = |r: Refusal| r.to_signer(v.holder);
        let settled = self
            .chain
            .holdings(v.holder, v.id)
            .await
            .map_err(|e| Self::chain_error(&e))?
            .settled;
        let settled = i64::try_from(settled).unwrap_or(i64::MAX);
        // A copy of a published voucher records nothing new (what it pays
        // is settled or was refused) and learns nothing.
        if self.is_copy(digest, cumulative, settled).await {
            return Err(Self::copy_refused(v, settled));
        }
        match self
            .ledger
            .record_voucher(
                v.holder,
                v.id,
                cumulative,
                deadline,
                &signed.signature,
                settled,
            )
            .await
            .map_err(|e| proven(failure(RefusalKind::Ledger)(e)))?
        {
            Ok(_) => {
                let row = self
                    .ledger
                    .account(v.holder, v.id)
                    .await
                    .map_err(failure(RefusalKind::Ledger))?
                    .unwrap_or_default();
                Ok(self.account_json(&row))
            }
            Err(refusal) => refuse(refusal.kind(), refusal.to_string()).map_err(proven),
        }
    }
}

/// keccak256 of bytes, for receipts.
#[must_use]
pub fn hash(bytes: &[u8]) -> B256 {
    keccak256(bytes)
}

/// An EIP-3009 authorization's call for settlement.
#[must_use]
pub fn settlement_call(
    p: &ExactRow,
) -> aat_client::bindings::TokenAI::transferWithAuthorization_1Call {
    SignedAuthorization {
        authorization: TransferWithAuthorization {
            from: p.payer,
            to: p.pay_to,
            value: p.value,
            validAfter: p.valid_after,
            validBefore: p.valid_before,
            nonce: p.nonce,
        },
        signature: p.signature.clone(),
    }
    .call()
}

#[cfg(test)]
mod tests {
    use super::RefusalKind::{self, *};

    #[test]
    fn refusal_kinds_keep_their_kebab_case_labels_one_each() {
        let all: [RefusalKind; 22] = [
            Amount,
            Balance,
            Chain,
            ChannelEnding,
            Expired,
            ExpiredId,
            Id,
            Ledger,
            Malformed,
            Missing,
            Network,
            NotYetValid,
            PublicVoucher,
            Replayed,
            CreditLimit,
            Scheme,
            Scope,
            Signature,
            SmartAccount,
            Unpaid,
            Version,
            WrongProvider,
        ];
        let labels: std::collections::BTreeSet<&str> = all.iter().map(|k| k.as_str()).collect();
        assert_eq!(labels.len(), all.len(), "one label each");
        for label in labels {
            assert!(
                label.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{label}"
            );
        }
        assert_eq!(ChannelEnding.to_string(), "channel-ending");
        assert_eq!(PublicVoucher.as_str(), "public-voucher");
    }
}
