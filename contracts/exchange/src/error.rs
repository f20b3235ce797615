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
    use crate::IAATExchange::IAATExchangeErrors;

    /// Every spec error has its encoding, and nothing else does; those
    /// `abi_core::access` raises are among them, but the minters'
    /// one, which the exchange has no use for.
    #[test]
    fn every_spec_error_is_declared() {
        abi_core::testing::assert_errors_are_the_specs(
            "IAATExchange errors",
            super::ERROR_SELECTORS,
            IAATExchangeErrors::SELECTORS,
            abi_core::access::OWNER_AND_PAUSE_ERROR_SELECTORS,
        );
    }
}
