//! The chain's errors in its own terms ([`ChainError`]), and JSON-RPC
//! errors as geth reports them ([`RpcError`]), so alloy, viem, cast and
//! cargo-stylus understand them: a chain error becomes its JSON-RPC code
//! and geth's wording only at the RPC edge (`From<ChainError>`).

use jsonrpsee::types::ErrorObjectOwned;

/// An error answer: code, message and optional data.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message} ({code})")]
pub struct RpcError {
    /// The JSON-RPC error code, as geth gives it: -32000 a refused request,
    /// -32602 bad parameters, -32603 the node's own failure, 3 a revert.
    pub code: i32,
    /// What went wrong, in geth's words where clients match them.
    pub message: String,
    /// Revert data, hex-encoded with 0x.
    pub data: Option<String>,
}

impl RpcError {
    /// A transaction or request refused as invalid (geth's -32000).
    pub fn invalid_input(message: impl Into<String>) -> Self {
        RpcError {
            code: -32000,
            message: message.into(),
            data: None,
        }
    }

    /// Malformed parameters.
    pub fn invalid_params(message: impl Into<String>) -> Self {
        RpcError {
            code: -32602,
            message: message.into(),
            data: None,
        }
    }

    /// The node's own failure, not the request's (-32603).
    pub fn internal(message: impl Into<String>) -> Self {
        RpcError {
            code: -32603,
            message: message.into(),
            data: None,
        }
    }

    /// A call that reverted: code 3, "execution reverted", the revert data.
    #[must_use]
    pub fn reverted(data: &[u8]) -> Self {
        RpcError {
            code: 3,
            message: "execution reverted".into(),
            data: Some(format!("0x{}", hex::encode(data))),
        }
    }

    /// A call that ran out of gas or halted.
    pub fn halted(message: impl Into<String>) -> Self {
        RpcError {
            code: -32000,
            message: message.into(),
            data: None,
        }
    }
}

impl From<RpcError> for ErrorObjectOwned {
    fn from(err: RpcError) -> Self {
        ErrorObjectOwned::owned(err.code, err.message, err.data)
    }
}

/// What the chain refuses, or fails at, in its own terms. The words are
/// geth's (clients match some of them, "nonce too low" first).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    /// The same transaction was sent before.
    #[error("transaction already known")]
    AlreadyKnown,
    /// The raw bytes are not a transaction.
    #[error("invalid transaction encoding: {0}")]
    Encoding(String),
    /// No signer can be recovered.
    #[error("invalid signature: {0}")]
    Signature(String),
    /// Signed for another chain.
    #[error("invalid chain id: {got} (this chain is {ours})")]
    WrongChain {
        /// The chain id the transaction was signed for.
        got: u64,
        /// This chain's id.
        ours: u64,
    },
    /// EIP-4844 transactions.
    #[error("blob transactions are not supported on this chain")]
    Blob,
    /// geth's `ErrTipAboveFeeCap`.
    #[error("max priority fee per gas higher than max fee per gas: maxPriorityFeePerGas: {tip}, maxFeePerGas: {cap}")]
    TipAboveFeeCap {
        /// The transaction's max priority fee per gas, in wei.
        tip: u128,
        /// Its max fee per gas, in wei.
        cap: u128,
    },
    /// What revm's validation refuses (nonce, funds, gas limit, fee), in
    /// geth's words.
    #[error("{0}")]
    Invalid(String),
    /// A dev control asked for a time the chain's clock cannot show.
    #[error("{0}")]
    Clock(String),
    /// The node's own failure (a bug, not the request's).
    #[error("{0}")]
    Internal(String),
}

impl From<ChainError> for RpcError {
    fn from(err: ChainError) -> Self {
        let message = err.to_string();
        match err {
            ChainError::Clock(_) => RpcError::invalid_params(message),
            ChainError::Internal(_) => RpcError::internal(message),
            _ => RpcError::invalid_input(message),
        }
    }
}

impl From<ChainError> for ErrorObjectOwned {
    fn from(err: ChainError) -> Self {
        RpcError::from(err).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each chain error reaches a client with geth's code and words.
    #[test]
    fn chain_errors_become_geths_codes_at_the_edge() {
        let rpc = |err: ChainError| RpcError::from(err);
        let refused = rpc(ChainError::Invalid(
            "nonce too low: next nonce 2, tx nonce 1".into(),
        ));
        assert_eq!(
            (refused.code, refused.message.as_str()),
            (-32000, "nonce too low: next nonce 2, tx nonce 1")
        );
        assert_eq!(
            rpc(ChainError::AlreadyKnown).message,
            "transaction already known"
        );
        assert_eq!(
            rpc(ChainError::WrongChain {
                got: 1,
                ours: 412_346
            })
            .message,
            "invalid chain id: 1 (this chain is 412346)"
        );
        assert_eq!(
            rpc(ChainError::Clock("timestamp 5 is before".into())).code,
            -32602
        );
        assert_eq!(rpc(ChainError::Internal("storage".into())).code, -32603);
        assert_eq!(rpc(ChainError::Blob).code, -32000);
    }
}
