//! JSON-RPC errors as geth reports them, so alloy, viem, cast and
//! cargo-stylus understand them.

use jsonrpsee::types::ErrorObjectOwned;

/// An error answer: code, message and optional data.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message} ({code})")]
pub struct RpcError {
    pub code: i32,
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

    pub fn internal(message: impl Into<String>) -> Self {
        RpcError {
            code: -32603,
            message: message.into(),
            data: None,
        }
    }

    /// A call that reverted: code 3, "execution reverted", the revert data.
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
