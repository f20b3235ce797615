//! `aat-voucher`: the holder's signed cumulative voucher must cover
//! everything it owes, and its channel (or balance) what it owes, what its
//! requests in flight reserved and this request's maximum cost, which is
//! reserved until the upstream reports what was used; the charge is what
//! was used, with a usage receipt signed for it.

use aat_client::{
    policy::text16,
    signature::Verdict,
    signing::{self, SignedVoucher},
    x402::{Account, PaymentPayload, SettlementResponse, VoucherPayload, VOUCHER_SCHEME},
};
use alloy::{
    primitives::{Address, Bytes, B256, U256},
    signers::SignerSync,
    sol_types::SolStruct,
};
use serde_json::Value;

use crate::{
    chain::ChainView,
    ledger::{LedgerError, ReceiptRecord, VoucherRefusal},
    units::{on_chain, Units},
    upstream::Usage,
    App,
};

use super::{
    failure, parse_payload, refuse, Bound, Model, PaymentScheme, Refusal, RefusalKind, Request,
    Shown,
};

/// A request admitted on a voucher: its maximum cost is reserved.
#[derive(Clone, Debug)]
pub struct VoucherTicket {
    /// The request's id, which keys its reservation and its receipt.
    pub request_id: String,
    /// The voucher's holder, who is charged.
    pub holder: Address,
    /// The AAT id it is charged in.
    pub id: U256,
    /// The voucher's EIP-712 digest, which the usage receipt names.
    pub voucher_digest: B256,
    /// What the request may cost at most.
    pub bound: Bound,
}

/// The `aat-voucher` scheme.
pub struct VoucherScheme;

impl PaymentScheme for VoucherScheme {
    type Ticket = VoucherTicket;

    async fn admit<C: ChainView>(
        app: &App<C>,
        payload: &Value,
        request: Request<'_>,
    ) -> Result<VoucherTicket, Refusal> {
        let payload: VoucherPayload = parse_payload(VOUCHER_SCHEME, payload)?;
        let signed = SignedVoucher::from(payload);
        let v = &signed.voucher;
        let (cumulative, deadline) = app.voucher_terms(&signed)?;
        let policy = app.accepted_id(v.id, request.model).await?;
        let now = app.chain.now();
        if policy.expiration != 0
            && policy.expiration <= now.saturating_add(app.config.settlement.expiry_margin_secs)
        {
            return refuse(
                RefusalKind::ExpiredId,
                format!(
                    "id {:#x} expires at {} and could not be settled in time (now {now})",
                    v.id, policy.expiration
                ),
            );
        }
        let (digest, expected, verdict) = app.check_voucher_signature(&signed).await?;
        let admission = app
            .voucher_admission(
                &signed,
                (cumulative, deadline),
                (expected, verdict),
                request.bound,
                request.id.to_owned(),
            )
            .await?;
        let refusal = match app.ledger.admit_voucher(&admission).await {
            Ok(Ok(_)) => {
                return Ok(VoucherTicket {
                    request_id: admission.request_id,
                    holder: v.holder,
                    id: v.id,
                    voucher_digest: digest,
                    bound: *request.bound,
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
        Err(app
            .answer_signed(refusal, v, digest, cumulative, admission.settled)
            .await)
    }

    async fn charge<C: ChainView>(
        app: &App<C>,
        ticket: &VoucherTicket,
        model: &Model,
        usage: Usage,
        record: ReceiptRecord,
    ) -> Result<SettlementResponse, LedgerError> {
        let record = ReceiptRecord {
            id: ticket.id,
            units: model.cost(usage, &ticket.bound),
            voucher_digest: ticket.voucher_digest,
            ..record
        };
        let units = record.units;
        let unsigned = app.usage_receipt(&record, 0);
        // The receipt states what is owed after this request, which is
        // known inside the charge's transaction.
        let signer = app.chain.signer().clone();
        let domain = app.chain.receipt_domain().clone();
        let (account, signature) = app
            .ledger
            .charge(
                &ticket.request_id,
                &record,
                Box::new(move |owed| {
                    let mut r = unsigned.clone();
                    r.cumulativeOwed = on_chain(owed);
                    signer
                        .sign_hash_sync(&r.eip712_signing_hash(&domain))
                        .map(|s| Bytes::from(s.as_bytes().to_vec()))
                        .unwrap_or_default()
                }),
            )
            .await?;
        app.metrics
            .units_charged
            .with_label_values(&[model.name.as_str()])
            .inc_by(units.unsigned_abs());
        let receipt = app.usage_receipt(&record, account.owed);
        Ok(app.voucher_settlement(&receipt, signature, &account))
    }

    async fn release<C: ChainView>(
        app: &App<C>,
        ticket: &VoucherTicket,
    ) -> Result<(), LedgerError> {
        app.ledger.release(&ticket.request_id).await
    }
}

impl<C: ChainView> App<C> {
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
                owed: on_chain(settled),
                settled: on_chain(settled),
                last_voucher: None,
            })),
        }
    }

    /// The voucher's amount and deadline as the ledger keeps them, after
    /// the checks that need nothing but the voucher.
    fn voucher_terms(&self, signed: &SignedVoucher) -> Result<(i64, i64), Refusal> {
        let v = &signed.voucher;
        if v.provider != self.chain.provider() {
            return refuse(
                RefusalKind::WrongProvider,
                format!(
                    "the voucher is made out to {}, not to this provider {}",
                    v.provider,
                    self.chain.provider()
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
        let Some(cumulative) = Units::exact(v.cumulativeAmount) else {
            return refuse(
                RefusalKind::Malformed,
                format!(
                    "the voucher's cumulativeAmount is beyond what this gateway accounts ({})",
                    Units::MAX.ledger()
                ),
            );
        };
        let cumulative = cumulative.ledger();
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
        let settled = Units::capped(settled).ledger();
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
