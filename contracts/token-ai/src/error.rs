//! Everything TokenAI can revert with: exactly the errors of `ITokenAI.sol`,
//! plus Solidity's built-in `Panic(0x11)` for arithmetic overflow.

use openzeppelin_stylus::{access::ownable, utils::pausable};
use stylus_sdk::prelude::*;

use crate::ITokenAI::{
    ERC20InsufficientAllowance, ERC20InsufficientBalance, ERC20InvalidApprover,
    ERC20InvalidReceiver, ERC20InvalidSender, ERC20InvalidSpender, ERC2612ExpiredSignature,
    ERC2612InvalidSigner, EnforcedPause, ExpectedPause, OwnableInvalidOwner,
    OwnableUnauthorizedAccount, UnauthorizedMinter,
};

mod builtin {
    alloy_sol_types::sol! {
        /// Solidity's built-in panic. Declared here only so that overflow
        /// reverts exactly as a Solidity contract would (`Panic(0x11)`); the
        /// ABI exporter leaves it out, as solc does for its built-ins.
        #[derive(Debug, PartialEq, Eq)]
        error Panic(uint256 code);
    }
}
pub use builtin::Panic;

/// `Panic` code of a checked arithmetic operation that overflowed.
pub const ARITHMETIC_OVERFLOW: u8 = 0x11;

impl Panic {
    /// The revert Solidity 0.8 raises when checked arithmetic overflows.
    #[must_use]
    pub fn overflow() -> Self {
        Panic {
            code: alloy_primitives::U256::from(ARITHMETIC_OVERFLOW),
        }
    }
}

/// A TokenAI revert. Each variant is one custom error of the spec.
#[derive(SolidityError, Debug, PartialEq, Eq)]
pub enum Error {
    /// `from` holds less than the amount moved or burned.
    InsufficientBalance(ERC20InsufficientBalance),
    /// The zero address cannot send or be burned from.
    InvalidSender(ERC20InvalidSender),
    /// The zero address cannot receive.
    InvalidReceiver(ERC20InvalidReceiver),
    /// The spender's allowance is below the amount.
    InsufficientAllowance(ERC20InsufficientAllowance),
    /// The zero address cannot approve.
    InvalidApprover(ERC20InvalidApprover),
    /// The zero address cannot be approved.
    InvalidSpender(ERC20InvalidSpender),
    /// The permit's deadline has passed.
    ExpiredSignature(ERC2612ExpiredSignature),
    /// The permit was not signed by `owner`.
    InvalidSigner(ERC2612InvalidSigner),
    /// The caller is not an authorized minter.
    UnauthorizedMinter(UnauthorizedMinter),
    /// The token is paused.
    EnforcedPause(EnforcedPause),
    /// The token is not paused.
    ExpectedPause(ExpectedPause),
    /// The caller is not the owner (or the pending owner, on accept).
    OwnableUnauthorizedAccount(OwnableUnauthorizedAccount),
    /// The zero address cannot own the token.
    OwnableInvalidOwner(OwnableInvalidOwner),
    /// Checked arithmetic overflowed (total supply past `2**256 - 1`).
    Panic(Panic),
}

impl From<ownable::Error> for Error {
    fn from(err: ownable::Error) -> Self {
        match err {
            ownable::Error::UnauthorizedAccount(e) => {
                OwnableUnauthorizedAccount { account: e.account }.into()
            }
            ownable::Error::InvalidOwner(e) => OwnableInvalidOwner { owner: e.owner }.into(),
        }
    }
}

impl From<pausable::Error> for Error {
    fn from(err: pausable::Error) -> Self {
        match err {
            pausable::Error::EnforcedPause(_) => EnforcedPause {}.into(),
            pausable::Error::ExpectedPause(_) => ExpectedPause {}.into(),
        }
    }
}
