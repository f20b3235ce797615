//! Errors: every custom error of the spec decoded with its arguments, from
//! any of the three contracts, wherever it surfaces (a refused estimate, a
//! call, a `VoucherRejected` reason).

use std::fmt;

use alloy::{
    primitives::{Bytes, B256, U256},
    sol_types::{Panic, Revert, SolError, SolInterface},
    transports::{RpcError, TransportErrorKind},
};

use crate::bindings::{AATExchange, TokenAI, AAT};

/// Which contract answered: errors several declare (`EnforcedPause`,
/// `UnauthorizedMinter`, `ERC1155InvalidArrayLength`...) are read as the
/// one that was called.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Contract {
    /// TokenAI, the ERC-20; an error it shares with AAT (`EnforcedPause`) reads
    /// as its own.
    TokenAI,
    /// AAT, the ERC-1155 access tokens. TokenAI's errors pass through it (from
    /// the TokenAI calls it makes); one both declare (`EnforcedPause`) reads as
    /// AAT's.
    Aat,
    /// AATExchange. AAT's and TokenAI's errors pass through it unchanged;
    /// one both it and AAT declare (`EnforcedPause`) reads as its own.
    Exchange,
}

/// A revert of the suite, decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SpecError {
    /// One of TokenAI's custom errors (also when AAT passes on a revert of
    /// the TokenAI call it made).
    TokenAI(TokenAI::TokenAIErrors),
    /// One of AAT's custom errors.
    Aat(AAT::AATErrors),
    /// One of AATExchange's custom errors.
    Exchange(AATExchange::AATExchangeErrors),
    /// Solidity's `Panic(uint256)`: 0x11 is arithmetic overflow.
    Panic(U256),
    /// Solidity's `Error(string)`.
    Message(String),
    /// Revert data that is none of the above (or none at all).
    Unknown(Bytes),
}

impl SpecError {
    /// Decodes revert data returned by `called`.
    #[must_use]
    pub fn decode(called: Contract, data: &[u8]) -> Self {
        let token = || {
            TokenAI::TokenAIErrors::abi_decode(data)
                .ok()
                .map(SpecError::TokenAI)
        };
        let aat = || AAT::AATErrors::abi_decode(data).ok().map(SpecError::Aat);
        let exchange = || {
            AATExchange::AATExchangeErrors::abi_decode(data)
                .ok()
                .map(SpecError::Exchange)
        };
        let first = match called {
            Contract::TokenAI => token().or_else(aat).or_else(exchange),
            Contract::Aat => aat().or_else(token).or_else(exchange),
            Contract::Exchange => exchange().or_else(aat).or_else(token),
        };
        first
            .or_else(|| {
                Panic::abi_decode(data)
                    .ok()
                    .map(|p| SpecError::Panic(p.code))
            })
            .or_else(|| {
                Revert::abi_decode(data)
                    .ok()
                    .map(|r| SpecError::Message(r.reason))
            })
            .unwrap_or_else(|| SpecError::Unknown(Bytes::copy_from_slice(data)))
    }

    /// The error's name as the spec spells it.
    #[must_use]
    pub fn name(&self) -> String {
        match self {
            SpecError::Panic(_) => "Panic".into(),
            SpecError::Message(_) => "Error".into(),
            SpecError::Unknown(_) => "unknown".into(),
            other => {
                let text = other.to_string();
                text.split(['(', ' ', '{'])
                    .next()
                    .unwrap_or_default()
                    .to_owned()
            }
        }
    }
}

impl fmt::Display for SpecError {
    /// `Name { field: value, .. }`, or just `Name` for an error without
    /// arguments.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The generated enums' Debug is `Variant(Variant { .. })`: the inner
        // struct's Debug is the spec's name with named arguments.
        fn inner(debug: String) -> String {
            match debug.split_once('(') {
                Some((_, rest)) => rest.strip_suffix(')').unwrap_or(rest).to_owned(),
                None => debug,
            }
        }
        match self {
            SpecError::TokenAI(e) => f.write_str(&inner(format!("{e:?}"))),
            SpecError::Aat(e) => f.write_str(&inner(format!("{e:?}"))),
            SpecError::Exchange(e) => f.write_str(&inner(format!("{e:?}"))),
            SpecError::Panic(code) => write!(f, "Panic(0x{code:x})"),
            SpecError::Message(reason) => write!(f, "Error({reason:?})"),
            SpecError::Unknown(data) if data.is_empty() => f.write_str("revert without data"),
            SpecError::Unknown(data) => write!(f, "unknown revert {data}"),
        }
    }
}

impl From<AAT::AATErrors> for SpecError {
    fn from(e: AAT::AATErrors) -> Self {
        SpecError::Aat(e)
    }
}

impl From<AATExchange::AATExchangeErrors> for SpecError {
    fn from(e: AATExchange::AATExchangeErrors) -> Self {
        SpecError::Exchange(e)
    }
}

impl From<TokenAI::TokenAIErrors> for SpecError {
    fn from(e: TokenAI::TokenAIErrors) -> Self {
        SpecError::TokenAI(e)
    }
}

/// Whether `error` is `E` (any contract's), for tests and matches.
#[must_use]
pub fn is<E: SolError>(error: &SpecError) -> bool {
    let encoded = match error {
        SpecError::TokenAI(e) => e.abi_encode(),
        SpecError::Aat(e) => e.abi_encode(),
        SpecError::Exchange(e) => e.abi_encode(),
        _ => return false,
    };
    encoded.starts_with(&E::SELECTOR)
}

/// Whatever can go wrong talking to the suite.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The contract refused: its custom error, decoded.
    #[error("{contract:?} reverted: {error}")]
    Reverted {
        /// The contract that was called; an error it passed on from another
        /// contract keeps that contract's variant in `error`.
        contract: Contract,
        /// The revert data, decoded as [`SpecError::decode`] reads it for
        /// `contract` (boxed to keep `ClientError` small).
        error: Box<SpecError>,
    },
    /// The transaction was mined but failed (a revert the estimate did not
    /// foresee, such as one caused by a transaction mined just before).
    #[error("transaction {0} failed on-chain")]
    Failed(B256),
    /// The node or the network.
    #[error("RPC: {0}")]
    Rpc(#[from] RpcError<TransportErrorKind>),
    /// The node answered something that does not decode.
    #[error("the answer does not decode: {0}")]
    Decode(String),
    /// Refused before anything was sent.
    #[error("{0}")]
    Input(String),
    /// A local signer failed.
    #[error("signing: {0}")]
    Signing(#[from] alloy::signers::Error),
    /// A service (the order relay) refused the request: its HTTP status,
    /// its reason's label and its words.
    #[error("the relay refused ({status} {label}): {message}")]
    Relay {
        /// The HTTP status of the refusal (`422` for an order the relay will
        /// not keep, `503` while the exchange or AAT is paused).
        status: u16,
        /// The refusal's `error` label (`bad_signature`, `not_found`, ...), or
        /// the status code when the body is not a refusal.
        label: String,
        /// The refusal's `message`, a sentence, or the body as text when it is
        /// not a refusal.
        message: String,
    },
}

impl ClientError {
    /// The spec error when the contract refused.
    #[must_use]
    pub fn spec(&self) -> Option<&SpecError> {
        match self {
            ClientError::Reverted { error, .. } => Some(error),
            _ => None,
        }
    }

    /// Reads an RPC error: revert data becomes [`ClientError::Reverted`].
    pub(crate) fn from_rpc(contract: Contract, err: RpcError<TransportErrorKind>) -> Self {
        match err
            .as_error_resp()
            .and_then(|payload| payload.as_revert_data())
        {
            Some(data) => ClientError::Reverted {
                contract,
                error: Box::new(SpecError::decode(contract, &data)),
            },
            None => ClientError::Rpc(err),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::primitives::address;

    #[test]
    fn errors_decode_with_their_arguments_and_print_the_specs_names() {
        let expired = AAT::TokenExpired {
            id: U256::from(7),
            expiration: 99,
        };
        let decoded = SpecError::decode(Contract::Aat, &expired.abi_encode());
        assert_eq!(
            decoded,
            SpecError::Aat(AAT::AATErrors::TokenExpired(expired.clone()))
        );
        assert_eq!(
            decoded.to_string(),
            "TokenExpired { id: 7, expiration: 99 }"
        );
        assert_eq!(decoded.name(), "TokenExpired");
        assert!(is::<AAT::TokenExpired>(&decoded));
        assert!(!is::<AAT::ZeroAmount>(&decoded));

        // An error both contracts declare is read as the called one's.
        let paused = TokenAI::EnforcedPause {}.abi_encode();
        assert!(matches!(
            SpecError::decode(Contract::TokenAI, &paused),
            SpecError::TokenAI(_)
        ));
        assert!(matches!(
            SpecError::decode(Contract::Aat, &paused),
            SpecError::Aat(_)
        ));
        assert_eq!(
            SpecError::decode(Contract::Aat, &paused).to_string(),
            "EnforcedPause"
        );

        // TokenAI's errors surface through AAT (mintWithTokenAI's burn).
        let short = TokenAI::ERC20InsufficientBalance {
            sender: address!("0x00000000000000000000000000000000000000aa"),
            balance: U256::from(1),
            needed: U256::from(2),
        };
        let through = SpecError::decode(Contract::Aat, &short.abi_encode());
        assert_eq!(through.name(), "ERC20InsufficientBalance");
        assert!(matches!(through, SpecError::TokenAI(_)));

        let overflow = Panic {
            code: U256::from(0x11),
        }
        .abi_encode();
        assert_eq!(
            SpecError::decode(Contract::Aat, &overflow),
            SpecError::Panic(U256::from(0x11))
        );
        assert_eq!(
            SpecError::decode(Contract::Aat, &[]).to_string(),
            "revert without data"
        );
        assert!(matches!(
            SpecError::decode(Contract::Aat, &[1, 2, 3, 4, 5]),
            SpecError::Unknown(_)
        ));
    }

    #[test]
    fn exchange_errors_decode_and_pass_the_tokens_errors_through() {
        let expired = AATExchange::OrderExpired {
            orderHash: B256::repeat_byte(0xab),
            expiry: 12,
        };
        let decoded = SpecError::decode(Contract::Exchange, &expired.abi_encode());
        assert_eq!(
            decoded,
            SpecError::Exchange(AATExchange::AATExchangeErrors::OrderExpired(
                expired.clone()
            ))
        );
        assert_eq!(decoded.name(), "OrderExpired");
        assert!(is::<AATExchange::OrderExpired>(&decoded));
        assert!(!is::<AATExchange::OrderIsCancelled>(&decoded));
        // Read wherever it surfaces, even from a call to another contract.
        assert_eq!(
            SpecError::decode(Contract::Aat, &expired.abi_encode()),
            decoded
        );

        // AAT's refusal of the exchange's transfer passes through unchanged.
        let unapproved = AAT::ERC1155MissingApprovalForAll {
            operator: address!("0x00000000000000000000000000000000000000e0"),
            owner: address!("0x00000000000000000000000000000000000000aa"),
        };
        let through = SpecError::decode(Contract::Exchange, &unapproved.abi_encode());
        assert!(matches!(through, SpecError::Aat(_)), "{through:?}");
        assert_eq!(through.name(), "ERC1155MissingApprovalForAll");

        // Declared by both: read as the called one's.
        let paused = AATExchange::EnforcedPause {}.abi_encode();
        assert!(matches!(
            SpecError::decode(Contract::Exchange, &paused),
            SpecError::Exchange(_)
        ));
        assert!(matches!(
            SpecError::decode(Contract::Aat, &paused),
            SpecError::Aat(_)
        ));
    }
}
