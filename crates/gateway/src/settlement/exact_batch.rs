//! Settling queued `exact` payments many to a transaction, through
//! Multicall3's `aggregate3` (as x402's own servers batch EIP-3009
//! authorizations), each payment's outcome recorded on its own.
//!
//! A dry run of the whole batch first (`eth_call`, each call allowed to
//! fail) sorts the payments: one that would fail goes alone, the way a
//! single one is settled (`settle_one_exact`: its nonce used elsewhere is
//! looked into, TokenAI's refusal recorded), so its reason is the
//! contract's own; the others go together. Once mined, a payment counts as
//! paid only when the receipt shows its nonce used and exactly its value
//! moved from its payer to its payee (`paid_by`), as for one sent alone;
//! one whose call failed in between (the payer raced it) stays queued for
//! the next round, which settles it alone.

use aat_client::{error::Contract, rails::send_call, ClientError};
use alloy::{
    primitives::{address, Address},
    providers::Provider,
    rpc::types::TransactionRequest,
    sol,
    sol_types::SolCall,
};

use super::{exact::paid_by, ExactOutcome, Report, SettleError};
use crate::{ledger::ExactRow, payment::settlement_call, App};

/// Multicall3's address, the same on every chain (the devnode has it from
/// genesis).
pub const MULTICALL3: Address = address!("0xcA11bde05977b3631167028862bE2a173976CA11");

sol! {
    /// Multicall3's `aggregate3`.
    struct Call3 { address target; bool allowFailure; bytes callData; }
    struct Result3 { bool success; bytes returnData; }
    function aggregate3(Call3[] calls) external payable returns (Result3[] returnData);
}

impl App {
    /// `aggregate3` of `payments`' `transferWithAuthorization` calls, each
    /// allowed to fail.
    fn aggregate(&self, payments: &[&ExactRow]) -> aggregate3Call {
        aggregate3Call {
            calls: payments
                .iter()
                .map(|p| Call3 {
                    target: self.chain.rails.token,
                    allowFailure: true,
                    callData: settlement_call(p).abi_encode().into(),
                })
                .collect(),
        }
    }

    /// Settles `payments` (two or more) in as few transactions as it can.
    ///
    /// # Errors
    ///
    /// The node or the ledger failed: what is not recorded stays queued.
    pub(super) async fn settle_exact_batch(
        &self,
        payments: &[ExactRow],
        report: &mut Report,
    ) -> Result<(), SettleError> {
        let provider = &self.chain.rails.provider;
        let all: Vec<&ExactRow> = payments.iter().collect();
        let dry = provider
            .call(
                TransactionRequest::default()
                    .to(MULTICALL3)
                    .input(self.aggregate(&all).abi_encode().into()),
            )
            .await
            .map_err(|e| SettleError::Exact {
                doing: "dry run of the exact batch".into(),
                source: e.into(),
            })?;
        let results = aggregate3Call::abi_decode_returns(&dry).map_err(|e| SettleError::Exact {
            doing: "reading Multicall3's answer".into(),
            source: ClientError::Decode(e.to_string()),
        })?;
        let (mut together, mut alone) = (Vec::new(), Vec::new());
        for (payment, result) in payments.iter().zip(results) {
            if result.success {
                together.push(payment);
            } else {
                alone.push(payment);
            }
        }
        let mut first_error = None;
        for payment in alone {
            Self::count(
                self.settle_one_exact(payment).await,
                payment,
                report,
                &mut first_error,
            );
        }
        if together.len() == 1 {
            let payment = together[0];
            Self::count(
                self.settle_one_exact(payment).await,
                payment,
                report,
                &mut first_error,
            );
        } else if !together.is_empty() {
            let request = TransactionRequest::default()
                .to(MULTICALL3)
                .input(self.aggregate(&together).abi_encode().into());
            let receipt = send_call(provider, Contract::TokenAI, request)
                .await
                .map_err(|e| SettleError::Exact {
                    doing: format!("aggregate3 of {} authorizations", together.len()),
                    source: e,
                })?;
            let logs = receipt.inner.logs();
            for payment in together {
                let outcome = if paid_by(logs, self.chain.rails.token, payment) {
                    Ok(ExactOutcome::Settled(Some(receipt.transaction_hash)))
                } else {
                    // It passed the dry run and did not pay on-chain (a
                    // wallet that says yes only to simulations): judged by
                    // its nonce, never left queued to be tried forever.
                    let why = format!(
                        "its authorization did not pay in transaction {}",
                        receipt.transaction_hash
                    );
                    self.not_paid(payment, why).await
                };
                let outcome = match outcome {
                    Ok(outcome) => self.record_exact(payment, &outcome).await.map(|()| outcome),
                    Err(err) => Err(err),
                };
                Self::count(outcome, payment, report, &mut first_error);
            }
            tracing::info!(tx = %receipt.transaction_hash, gas = receipt.gas_used, "settled exact payments in one aggregate3");
        }
        first_error.map_or(Ok(()), Err)
    }

    /// Counts one payment's outcome in `report`; the first failure that is
    /// no payment's is kept.
    pub(super) fn count(
        outcome: Result<ExactOutcome, SettleError>,
        payment: &ExactRow,
        report: &mut Report,
        first_error: &mut Option<SettleError>,
    ) {
        match outcome {
            Ok(ExactOutcome::Settled(_)) => report.exact_settled += 1,
            Ok(ExactOutcome::Failed(_)) => report.exact_failed += 1,
            Err(err) => {
                tracing::warn!(payer = %payment.payer, nonce = %payment.nonce, %err, "exact payment left queued");
                first_error.get_or_insert(err);
            }
        }
    }
}
