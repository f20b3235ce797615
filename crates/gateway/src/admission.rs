//! The checks admission makes beyond a payload's own fields: whose
//! signature it is, as the contracts judge it (`aat_client::signature`;
//! for a voucher, the session key the holder's open channel names, else the
//! holder), what the holder's budget can settle (`budget`), and how much
//! credit a request gets.

use aat_client::{
    signature::{Expected, Verdict},
    signing::{SignedAuthorization, SignedVoucher},
    ClientError,
};
use alloy::{
    primitives::{Address, B256, U256},
    sol_types::SolStruct,
};

use crate::{
    budget,
    chain::ChainView,
    config::ExactConfig,
    ledger::VoucherAdmission,
    payment::{refuse, Bound, Refusal, RefusalKind},
    units::Units,
    App,
};

impl<C: ChainView> App<C> {
    /// What the ledger is asked to admit for `signed` (judged `verdict`):
    /// its budget (with the fee, and only what is settled for a wallet's
    /// signature) and its credit (at most this request's maximum cost).
    pub(crate) async fn voucher_admission(
        &self,
        signed: &SignedVoucher,
        (cumulative, deadline): (i64, i64),
        (expected, verdict): (Expected, Verdict),
        bound: &Bound,
        request_id: String,
    ) -> Result<VoucherAdmission, Refusal> {
        let v = &signed.voucher;
        let holdings = self
            .chain
            .holdings(v.holder, v.id)
            .await
            .map_err(|e| Self::chain_error(&e))?;
        let now = self.chain.now();
        // A session key's voucher draws on the channel only, never on the
        // balance behind it (`check_voucher_signature` made sure the channel
        // stays open long enough to settle it).
        let channel_open = matches!(expected, Expected::SessionKey(_))
            || (!holdings.locked.is_zero()
                && holdings.channel_expires
                    > now.saturating_add(self.config.voucher.channel_margin_secs));
        let cap = budget::cap(
            &holdings,
            channel_open,
            // The fee AAT may charge by the time it settles, not only now.
            self.chain.fee_bps().max(self.config.voucher.budget_fee_bps),
            verdict,
            U256::from(self.config.voucher.balance_credit_units),
        );
        Ok(VoucherAdmission {
            request_id,
            holder: v.holder,
            id: v.id,
            cumulative,
            deadline,
            signature: signed.signature.clone(),
            max_cost: bound.max_cost,
            // Beyond what the ledger counts is beyond any request: capped.
            cap: Units::capped(cap).ledger(),
            credit_limit: self.credit_limit(bound),
            settled: Units::capped(holdings.settled).ledger(),
        })
    }

    /// The most a holder may owe beyond its latest voucher for a request
    /// bounded by `bound`: this request's maximum cost, or less when so
    /// configured.
    #[must_use]
    pub fn credit_limit(&self, bound: &Bound) -> i64 {
        self.config
            .voucher
            .credit_limit
            .map_or(bound.max_cost, |limit| {
                i64::try_from(limit).unwrap_or(i64::MAX).min(bound.max_cost)
            })
    }

    /// Who must sign `holder`'s vouchers for `id` to this provider as AAT
    /// judges them now (spec v3): while its channel is open and names a
    /// signer, that session key alone, by ECDSA; otherwise the holder.
    /// Also when the channel closes (the signer is the channel's), and the
    /// second value: until when the key signs (0 for the holder).
    ///
    /// # Errors
    ///
    /// The chain cannot be read.
    pub async fn voucher_signer(
        &self,
        holder: Address,
        id: U256,
    ) -> Result<(Expected, u64), ClientError> {
        let holdings = self.chain.holdings(holder, id).await?;
        let open = self.chain.now() < holdings.channel_expires;
        Ok(if open && !holdings.channel_signer.is_zero() {
            (
                Expected::SessionKey(holdings.channel_signer),
                holdings.channel_expires,
            )
        } else {
            (Expected::Account(holder), 0)
        })
    }

    /// How AAT would judge `signed`'s signature: the check admission makes
    /// (`aat_client::signature`, with the signer `voucher_signer` names).
    ///
    /// # Errors
    ///
    /// The chain cannot be read.
    pub async fn voucher_verdict(&self, signed: &SignedVoucher) -> Result<Verdict, ClientError> {
        let digest = signed.voucher.eip712_signing_hash(self.chain.aat_domain());
        Ok(self.judge_voucher(signed, digest).await?.2)
    }

    /// Who had to sign `signed` (and until when, for a session key) and
    /// the verdict on its signature, by the chain view as it stands.
    async fn judge_voucher(
        &self,
        signed: &SignedVoucher,
        digest: B256,
    ) -> Result<(Expected, u64, Verdict), ClientError> {
        let v = &signed.voucher;
        let (expected, until) = self.voucher_signer(v.holder, v.id).await?;
        let verdict = self
            .chain
            .verify(expected, digest, &signed.signature)
            .await?;
        Ok((expected, until, verdict))
    }

    /// How TokenAI would judge `signed`'s signature: the check `exact`
    /// admission makes.
    ///
    /// # Errors
    ///
    /// The chain cannot be read.
    pub async fn authorization_verdict(
        &self,
        signed: &SignedAuthorization,
    ) -> Result<Verdict, ClientError> {
        let a = &signed.authorization;
        let digest = a.eip712_signing_hash(self.chain.token_domain());
        self.chain
            .verify(Expected::Account(a.from), digest, &signed.signature)
            .await
    }

    /// The voucher's digest, who had to sign it and the verdict, or the
    /// refusal: not that signer's signature, or a session key's voucher
    /// that could not be settled before its channel ends (after, AAT no
    /// longer takes that key's signatures).
    pub(crate) async fn check_voucher_signature(
        &self,
        signed: &SignedVoucher,
    ) -> Result<(B256, Expected, Verdict), Refusal> {
        let v = &signed.voucher;
        let digest = v.eip712_signing_hash(self.chain.aat_domain());
        let chain_error = |e: ClientError| Self::chain_error(&e);
        let (mut expected, mut until, mut verdict) = self
            .judge_voucher(signed, digest)
            .await
            .map_err(chain_error)?;
        // Signed by another key than the view expects: the holder may have
        // opened (or closed) a channel naming it in a block the view has not
        // read yet. One fresh read decides.
        // (Recovering costs as much as the check itself: only on a refusal.)
        if !verdict.is_valid()
            && aat_client::signature::recover(digest, &signed.signature)
                .is_some_and(|key| key != expected.address())
        {
            self.chain
                .refresh(v.holder, v.id)
                .await
                .map_err(chain_error)?;
            (expected, until, verdict) = self
                .judge_voucher(signed, digest)
                .await
                .map_err(chain_error)?;
        }
        match (expected, verdict.is_valid()) {
            (Expected::Account(holder), false) => refuse(
                RefusalKind::Signature,
                format!(
                    "the voucher is not signed by its holder {holder} (65 bytes r, s, v with v 27 or 28 and low s, in AAT's domain, or its ERC-1271 wallet's yes)"
                ),
            ),
            (Expected::SessionKey(key), false) => refuse(
                RefusalKind::Signature,
                format!(
                    "{}'s channel with this provider names {key} to sign its vouchers until {until}: only that key's 65-byte ECDSA signature (v 27 or 28, low s, in AAT's domain) is valid until then",
                    v.holder
                ),
            ),
            (Expected::SessionKey(key), true)
                if until <= self
                    .chain
                    .now()
                    .saturating_add(self.config.voucher.channel_margin_secs) =>
            {
                refuse(
                    RefusalKind::ChannelEnding,
                    format!(
                        "{}'s channel names {key} to sign until {until}, too soon to settle a voucher it signs now; the channel's provider may close it, or the holder signs after it ends",
                        v.holder
                    ),
                )
            }
            _ => Ok((digest, expected, verdict)),
        }
    }

    /// Refuses an authorization TokenAI would refuse, and one whose payer's
    /// wallet (ERC-1271) could refuse it when it is settled unless it is
    /// settled before the answer goes out (and the answer does not stream).
    pub(crate) async fn check_authorization_signature(
        &self,
        signed: &SignedAuthorization,
        exact: &ExactConfig,
        bound: &Bound,
    ) -> Result<(), Refusal> {
        let from = signed.authorization.from;
        match self
            .authorization_verdict(signed)
            .await
            .map_err(|e| Self::chain_error(&e))?
        {
            Verdict::Ecdsa => Ok(()),
            Verdict::Erc1271 if exact.settle_before_response && !bound.stream => Ok(()),
            Verdict::Erc1271 => refuse(
                RefusalKind::SmartAccount,
                format!(
                    "{from} signs through ERC-1271, and its wallet can refuse the authorization when it is settled: this gateway takes such a payment only when it settles it before answering, and not for a stream"
                ),
            ),
            Verdict::Invalid => refuse(
                RefusalKind::Signature,
                format!(
                    "the authorization is not signed by {from} (65 bytes r, s, v with v 27 or 28 and low s, in TokenAI's domain, or its ERC-1271 wallet's yes)"
                ),
            ),
        }
    }
}
