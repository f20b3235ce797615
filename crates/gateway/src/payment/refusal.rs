//! Why a payment is refused: its kind (the 402's label and the metrics'),
//! its reason in words, and what the refused payer may be shown.

use aat_client::x402::Account;
use alloy::primitives::Address;

use crate::chain::ChainView;
use crate::{
    ledger::{LedgerError, VoucherRefusal},
    App,
};

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
    /// Why, and what to do next, in a sentence: the 402's `error`.
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

pub(super) fn failure(kind: RefusalKind) -> impl Fn(LedgerError) -> Refusal {
    move |e| Refusal {
        kind,
        reason: format!("the gateway cannot record payments right now: {e}"),
        shown: Shown::Nothing,
    }
}

impl<C: ChainView> App<C> {
    pub(crate) fn chain_error(e: &aat_client::ClientError) -> Refusal {
        Refusal {
            kind: RefusalKind::Chain,
            reason: format!("the gateway cannot read the chain right now: {e}"),
            shown: Shown::Nothing,
        }
    }
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
