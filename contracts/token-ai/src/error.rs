//! Everything TokenAI can revert with: exactly the errors of `ITokenAI.sol`
//! (`abi_core::access` raises the ownership, pause and minter ones, with the
//! same signatures), plus Solidity's built-in `Panic(0x11)` for arithmetic
//! overflow (`abi_core::Revert::overflow`).

use crate::ITokenAI::{
    AuthorizationAlreadyUsed, AuthorizationExpired, AuthorizationNotYetValid, CallerMustBePayee,
    ERC20InsufficientAllowance, ERC20InsufficientBalance, ERC20InvalidApprover,
    ERC20InvalidReceiver, ERC20InvalidSender, ERC20InvalidSpender, ERC2612ExpiredSignature,
    ERC2612InvalidSigner, EnforcedPause, ExpectedPause, InvalidAuthorizationSignature,
    OwnableInvalidOwner, OwnableUnauthorizedAccount, UnauthorizedMinter,
};

/// A TokenAI revert: its revert data.
pub type Error = abi_core::Revert;

abi_core::errors! {
    ERC20InsufficientBalance { sender, balance, needed },
    ERC20InvalidSender { sender },
    ERC20InvalidReceiver { receiver },
    ERC20InsufficientAllowance { spender, allowance, needed },
    ERC20InvalidApprover { approver },
    ERC20InvalidSpender { spender },
    ERC2612ExpiredSignature { deadline },
    ERC2612InvalidSigner { signer, owner },
    AuthorizationNotYetValid { validAfter },
    AuthorizationExpired { validBefore },
    AuthorizationAlreadyUsed { authorizer, nonce },
    InvalidAuthorizationSignature { authorizer },
    CallerMustBePayee { caller, payee },
    UnauthorizedMinter { account },
    EnforcedPause {},
    ExpectedPause {},
    OwnableUnauthorizedAccount { account },
    OwnableInvalidOwner { owner },
}

#[cfg(test)]
mod tests {
    use crate::ITokenAI::ITokenAIErrors;

    /// Every spec error has its encoding, and nothing else does; those
    /// `abi_core::access` raises are among them.
    #[test]
    fn every_spec_error_is_declared() {
        abi_core::testing::assert_errors_are_the_specs(
            "ITokenAI errors",
            super::ERROR_SELECTORS,
            ITokenAIErrors::SELECTORS,
            abi_core::access::ERROR_SELECTORS,
        );
    }
}
