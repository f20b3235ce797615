//! `exact` admission: one EIP-3009 authorization of the exact price per
//! request, checked locally (its nonce asked of TokenAI) and settled off
//! the request path, or before the answer when so configured.

use aat_client::{
    bindings::TransferWithAuthorization,
    signing::SignedAuthorization,
    x402::{ExactPayload, EXACT_SCHEME},
};
use alloy::primitives::{Address, U256};
use serde_json::Value;

use crate::{
    ledger::{ExactRow, ExactStatus},
    App,
};

use super::{failure, parse_payload, refuse, Bound, Refusal, RefusalKind, Ticket};

impl App {
    pub(super) async fn admit_exact(
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
        self.check_terms(a, pay_to, exact.price)?;
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

    /// An authorization's terms: it pays `pay_to` exactly `price`, and its
    /// window is open now and long enough to settle it.
    fn check_terms(
        &self,
        a: &TransferWithAuthorization,
        pay_to: Address,
        price: U256,
    ) -> Result<(), Refusal> {
        if a.to != pay_to {
            return refuse(
                RefusalKind::WrongProvider,
                format!("the authorization pays {}, not payTo {pay_to}", a.to),
            );
        }
        if a.value != price {
            return refuse(
                RefusalKind::Amount,
                format!(
                    "the authorization is for {}, the price is exactly {}",
                    a.value, price
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
        Ok(())
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
