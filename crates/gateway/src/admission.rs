//! The checks admission makes beyond a payload's own fields: whose
//! signature it is, as the contracts judge it (`aat_client::signature`),
//! what the holder's budget can settle (`budget`), and how much credit a
//! request gets.

use aat_client::{
    signature::{Expected, Verdict},
    signing::{SignedAuthorization, SignedVoucher},
    ClientError,
};
use alloy::{primitives::B256, sol_types::SolStruct};

use crate::{
    budget,
    config::ExactConfig,
    ledger::VoucherAdmission,
    payment::{refuse, Bound, Refusal},
    App,
};

impl App {
    /// What the ledger is asked to admit for `signed` (judged `verdict`):
    /// its budget (with the fee, and only what is settled for a wallet's
    /// signature) and its credit (at most this request's maximum cost).
    pub(crate) async fn voucher_admission(
        &self,
        signed: &SignedVoucher,
        (cumulative, deadline): (i64, i64),
        verdict: Verdict,
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
        let channel_open = !holdings.locked.is_zero()
            && holdings.channel_expires
                > now.saturating_add(self.config.voucher.channel_margin_secs);
        let cap = budget::cap(&holdings, channel_open, self.chain.fee_bps(), verdict);
        Ok(VoucherAdmission {
            request_id,
            holder: v.holder,
            id: v.id,
            cumulative,
            deadline,
            signature: signed.signature.clone(),
            max_cost: bound.max_cost,
            // Beyond what the ledger counts is beyond any request: capped.
            cap: i64::try_from(cap).unwrap_or(i64::MAX),
            credit_limit: self.credit_limit(bound),
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

    /// How AAT would judge `signed`'s signature: the check admission makes
    /// (`aat_client::signature`, with the holder as the signer).
    ///
    /// # Errors
    ///
    /// The chain cannot be read.
    pub async fn voucher_verdict(&self, signed: &SignedVoucher) -> Result<Verdict, ClientError> {
        let digest = signed.voucher.eip712_signing_hash(&self.chain.aat_domain);
        self.chain
            .verify(
                Expected::Account(signed.voucher.holder),
                digest,
                &signed.signature,
            )
            .await
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
        let digest = a.eip712_signing_hash(&self.chain.token_domain);
        self.chain
            .verify(Expected::Account(a.from), digest, &signed.signature)
            .await
    }

    pub(crate) async fn check_voucher_signature(
        &self,
        signed: &SignedVoucher,
    ) -> Result<(B256, Verdict), Refusal> {
        let verdict = self
            .voucher_verdict(signed)
            .await
            .map_err(|e| Self::chain_error(&e))?;
        if !verdict.is_valid() {
            return refuse(
                "signature",
                format!(
                    "the voucher is not signed by its holder {} (65 bytes r, s, v with v 27 or 28 and low s, in AAT's domain, or its ERC-1271 wallet's yes)",
                    signed.voucher.holder
                ),
            );
        }
        let digest = signed.voucher.eip712_signing_hash(&self.chain.aat_domain);
        Ok((digest, verdict))
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
                "smart-account",
                format!(
                    "{from} signs through ERC-1271, and its wallet can refuse the authorization when it is settled: this gateway takes such a payment only when it settles it before answering, and not for a stream"
                ),
            ),
            Verdict::Invalid => refuse(
                "signature",
                format!(
                    "the authorization is not signed by {from} (65 bytes r, s, v with v 27 or 28 and low s, in TokenAI's domain, or its ERC-1271 wallet's yes)"
                ),
            ),
        }
    }
}
