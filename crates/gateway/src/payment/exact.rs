//! `exact`: one EIP-3009 authorization of the exact price per request,
//! checked locally (its nonce asked of TokenAI) and queued when the request
//! is served, to be settled off the request path (or before the answer
//! when so configured, `App::charge`).

use aat_client::{
    bindings::TransferWithAuthorization,
    signing::SignedAuthorization,
    x402::{ExactPayload, SettlementResponse, EXACT_SCHEME},
};
use alloy::primitives::{Address, U256};
use serde_json::Value;

use crate::{
    chain::ChainView,
    ledger::{ExactRow, ExactStatus, LedgerError, ReceiptRecord},
    upstream::Usage,
    App,
};

use super::{
    failure, parse_payload, refuse, Model, PaymentScheme, Refusal, RefusalKind, Request, Shown,
};

/// A request admitted on an `exact` authorization: its nonce is reserved.
#[derive(Clone, Debug)]
pub struct ExactTicket {
    /// The request's id, which the nonce is reserved under.
    pub request_id: String,
    /// The authorization, as the ledger keeps it.
    pub payment: ExactRow,
}

/// The `exact` scheme.
pub struct ExactScheme;

impl PaymentScheme for ExactScheme {
    type Ticket = ExactTicket;

    async fn admit<C: ChainView>(
        app: &App<C>,
        payload: &Value,
        request: Request<'_>,
    ) -> Result<ExactTicket, Refusal> {
        let Some(exact) = &app.config.exact else {
            return refuse(RefusalKind::Scheme, "scheme 'exact' is not accepted here");
        };
        let payload: ExactPayload = parse_payload(EXACT_SCHEME, payload)?;
        let signed = SignedAuthorization::from(payload);
        let a = &signed.authorization;
        let pay_to = app.pay_to();
        app.check_terms(a, pay_to, exact.price)?;
        app.check_authorization_signature(&signed, exact, request.bound)
            .await?;
        app.refuse_unpaid_exact(a.from).await?;
        let balance = app
            .chain
            .token_balance(a.from)
            .await
            .map_err(|e| App::<C>::chain_error(&e))?;
        let outstanding = app
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
        let admitted_block = app.chain.head();
        if app
            .chain
            .nonce_used(a.from, a.nonce)
            .await
            .map_err(|e| App::<C>::chain_error(&e))?
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
        if !app
            .ledger
            .reserve_exact(&payment, request.id)
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
        Ok(ExactTicket {
            request_id: request.id.to_owned(),
            payment,
        })
    }

    /// Queues the payment, with its receipt, for settlement: the response
    /// says it is pending (`App::charge` settles it first when so
    /// configured).
    async fn charge<C: ChainView>(
        app: &App<C>,
        ticket: &ExactTicket,
        _model: &Model,
        _usage: Usage,
        record: ReceiptRecord,
    ) -> Result<SettlementResponse, LedgerError> {
        let payment = &ticket.payment;
        app.ledger
            .queue_exact(&ticket.request_id, payment, &record)
            .await?;
        app.metrics.exact_paid.inc();
        Ok(app.exact_settlement(payment.payer, payment.nonce, &payment.value, None))
    }

    async fn release<C: ChainView>(app: &App<C>, ticket: &ExactTicket) -> Result<(), LedgerError> {
        let payment = &ticket.payment;
        app.ledger
            .drop_exact(&ticket.request_id, payment.payer, payment.nonce)
            .await
    }
}

impl<C: ChainView> App<C> {
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
            .unwrap_or_else(|| self.chain.provider())
    }

    /// Refuses `exact` to `payer` while a request of its that was served
    /// did not pay.
    ///
    /// # Errors
    ///
    /// The refusal (kind `unpaid`), or the ledger failing (kind `ledger`).
    pub(crate) async fn refuse_unpaid_exact(&self, payer: Address) -> Result<(), Refusal> {
        let unpaid = self
            .ledger
            .unpaid_exact(payer)
            .await
            .map_err(failure(RefusalKind::Ledger))?;
        match unpaid {
            None => Ok(()),
            Some((n, reason)) => Err(Refusal {
                kind: RefusalKind::Unpaid,
                reason: format!(
                    "{payer} has {n} exact payment(s) that did not pay ({reason}); it is not served with exact until the provider has been paid (aat-voucher is still accepted)"
                ),
                shown: Shown::Nothing,
            }),
        }
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
