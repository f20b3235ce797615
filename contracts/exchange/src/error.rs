//! Everything the exchange can revert with: exactly the errors of
//! `IAATExchange.sol` (`abi_core::access` raises the ownership and pause
//! ones, with the same signatures), Solidity's built-in `Panic(0x11)` on
//! arithmetic overflow (`abi_core::Revert::overflow`), and the revert data of
//! AAT or TokenAI, passed up unchanged as the spec requires
//! (`abi_core::Revert::external`).

use crate::IAATExchange::{
    ERC1155InvalidArrayLength, EnforcedPause, ExcessiveFee, ExpectedPause, FillExceedsRemaining,
    InvalidOrder, InvalidOrderSignature, MinNonceNotRaised, NotAContract, NotOrderMaker,
    NotOrderTaker, OrderExpired, OrderIsCancelled, OrderNonceTooLow, OwnableInvalidOwner,
    OwnableUnauthorizedAccount, ZeroAddress, ZeroAmount,
};

/// An exchange revert: its revert data.
pub type Error = abi_core::Revert;

abi_core::errors! {
    InvalidOrder { orderHash },
    InvalidOrderSignature { maker },
    OrderExpired { orderHash, expiry },
    OrderIsCancelled { orderHash },
    OrderNonceTooLow { orderHash, nonce, minNonce },
    NotOrderTaker { caller, taker },
    NotOrderMaker { caller, maker },
    FillExceedsRemaining { orderHash, giveFill, remaining },
    MinNonceNotRaised { current, given },
    ERC1155InvalidArrayLength { idsLength, valuesLength },
    ZeroAmount {},
    ZeroAddress {},
    NotAContract { account },
    ExcessiveFee { feeBps, maxFeeBps },
    EnforcedPause {},
    ExpectedPause {},
    OwnableUnauthorizedAccount { account },
    OwnableInvalidOwner { owner },
}

#[cfg(test)]
mod tests {
    /// The spec's 18 errors; those `abi_core::access` raises are among them
    /// with the same signatures, except the minters' one, which the
    /// exchange has no use for.
    #[test]
    fn every_spec_error_is_declared() {
        assert_eq!(super::ERROR_SIGNATURES.len(), 18);
        for error in abi_core::access::ERROR_SIGNATURES {
            let minters = error.0.starts_with("UnauthorizedMinter");
            assert_eq!(
                super::ERROR_SIGNATURES.contains(error),
                !minters,
                "{error:?}"
            );
        }
    }
}
