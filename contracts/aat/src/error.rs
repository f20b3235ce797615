//! Everything AAT can revert with: exactly the errors of `IAAT.sol`
//! (`abi_core::access` raises the ownership, pause and minter ones, with the
//! same signatures), Solidity's built-in `Panic(0x11)` on arithmetic
//! overflow (`abi_core::Revert::overflow`), and the revert data of a call AAT
//! made (TokenAI, an ERC-1155 receiver), passed up unchanged as a Solidity
//! contract would (`abi_core::Revert::external`).

use crate::IAAT::{
    ChannelExpiryInvalid, ChannelNotClosable, ChannelSignerMismatch, ERC1155InsufficientBalance,
    ERC1155InvalidArrayLength, ERC1155InvalidOperator, ERC1155InvalidReceiver,
    ERC1155InvalidSender, ERC1155MissingApprovalForAll, EnforcedPause, ExcessiveFee, ExpectedPause,
    InvalidChannelProvider, InvalidExpiration, InvalidVoucherSignature, ModelMismatch, NoChannel,
    NotAContract, NotOriginPool, NotReclaimable, NotVoucherProvider, OwnableInvalidOwner,
    OwnableUnauthorizedAccount, PriceNotSet, ScopeMismatch, TokenExpired, TokenNotTradable,
    UnauthorizedMinter, UnknownToken, VoucherExpired, ZeroAddress, ZeroAmount,
};

/// An AAT revert: its revert data.
pub type Error = abi_core::Revert;

abi_core::errors! {
    ERC1155InsufficientBalance { sender, balance, needed, tokenId },
    ERC1155InvalidSender { sender },
    ERC1155InvalidReceiver { receiver },
    ERC1155MissingApprovalForAll { operator, owner },
    ERC1155InvalidOperator { operator },
    ERC1155InvalidArrayLength { idsLength, valuesLength },
    UnknownToken { id },
    TokenExpired { id, expiration },
    TokenNotTradable { id },
    NotReclaimable { id },
    NotOriginPool { caller, id },
    ModelMismatch { id, expected, given },
    ScopeMismatch { id, expected, given },
    InvalidExpiration { expiration },
    ZeroAmount {},
    ZeroAddress {},
    PriceNotSet { model },
    ExcessiveFee { feeBps, maxFeeBps },
    InvalidVoucherSignature { holder },
    VoucherExpired { deadline },
    NotVoucherProvider { caller, provider },
    ChannelExpiryInvalid { expiresAt },
    ChannelNotClosable { caller, expiresAt },
    NoChannel { holder, provider, id },
    ChannelSignerMismatch { expected, given },
    InvalidChannelProvider { provider },
    NotAContract { account },
    UnauthorizedMinter { account },
    EnforcedPause {},
    ExpectedPause {},
    OwnableUnauthorizedAccount { account },
    OwnableInvalidOwner { owner },
}

#[cfg(test)]
mod tests {
    use crate::IAAT::IAATErrors;

    /// Every spec error has its encoding, and nothing else does; those
    /// `abi_core::access` raises are among them.
    #[test]
    fn every_spec_error_is_declared() {
        abi_core::testing::assert_errors_are_the_specs(
            "IAAT errors",
            super::ERROR_SELECTORS,
            IAATErrors::SELECTORS,
            abi_core::access::ERROR_SELECTORS,
        );
    }
}
