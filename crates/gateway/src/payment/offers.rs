//! What a 402 offers (each scheme's terms for this request) and an account
//! as a payer may be shown it.

use aat_client::{
    signing::{self, SignedVoucher},
    x402::{Account, PaymentRequirements, VoucherPayload, EXACT_SCHEME, VOUCHER_SCHEME},
};
use serde_json::json;

use crate::{chain::ChainView, ledger::AccountRow, units::on_chain, App};

use super::{Bound, Model, Shown};

impl<C: ChainView> App<C> {
    /// An account as the wire shows it.
    #[must_use]
    pub fn account_json(&self, row: &AccountRow) -> Account {
        let last_voucher = row.voucher_signature.as_ref().map(|signature| {
            VoucherPayload::from(&SignedVoucher {
                voucher: signing::Voucher {
                    holder: row.holder,
                    provider: self.chain.provider(),
                    id: row.id,
                    cumulativeAmount: on_chain(row.voucher_amount),
                    deadline: row.voucher_deadline.unsigned_abs(),
                },
                signature: signature.clone(),
            })
        });
        Account {
            holder: row.holder,
            id: row.id,
            owed: on_chain(row.owed),
            settled: on_chain(row.settled),
            last_voucher,
        }
    }
}

impl App {
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
}
