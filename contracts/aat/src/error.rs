//! Everything AAT can revert with: exactly the errors of `IAAT.sol`, Solidity's
//! built-in `Panic(0x11)` on arithmetic overflow, and the revert data of a
//! call AAT made (TokenAI, an ERC-1155 receiver), passed up unchanged as a
//! Solidity contract would.
//!
//! stylus-sdk's `SolidityError` derive only takes variants that are Solidity
//! error types, so it cannot carry raw revert data, and alloy's generic error
//! encoding costs kilobytes of wasm: the enum is generated here by `errors!`
//! and encoded by hand (`codec::error`), word for word as Solidity does.

use alloc::vec::Vec;

use alloy_sol_types::SolError;

use crate::codec::{self, Word};

use crate::IAAT::{
    ERC1155InsufficientBalance, ERC1155InvalidArrayLength, ERC1155InvalidOperator,
    ERC1155InvalidReceiver, ERC1155InvalidSender, ERC1155MissingApprovalForAll, EnforcedPause,
    ExcessiveFee, ExpectedPause, InvalidExpiration, ModelMismatch, NotOriginPool, NotReclaimable,
    OwnableInvalidOwner, OwnableUnauthorizedAccount, PriceNotSet, ScopeMismatch, TokenExpired,
    TokenNotTradable, UnauthorizedMinter, UnknownToken, ZeroAddress, ZeroAmount,
};

mod builtin {
    alloy_sol_types::sol! {
        /// Solidity's built-in panic, raised here only for arithmetic
        /// overflow (`0x11`). The ABI exporter leaves it out, as solc does.
        #[derive(Debug, PartialEq, Eq)]
        error Panic(uint256 code);
    }
}
pub use builtin::Panic;

impl Panic {
    /// The revert Solidity 0.8 raises when checked arithmetic overflows.
    #[must_use]
    pub fn overflow() -> Self {
        Panic {
            code: alloy_primitives::U256::from(0x11),
        }
    }
}

macro_rules! errors {
    ($($(#[$doc:meta])* $variant:ident($ty:ty),)*) => {
        /// An AAT revert.
        #[derive(Debug, PartialEq, Eq)]
        pub enum Error {
            $($(#[$doc])* $variant($ty),)*
            /// Revert data of a contract AAT called, unchanged.
            External(Vec<u8>),
        }

        $(impl From<$ty> for Error {
            fn from(err: $ty) -> Self {
                Error::$variant(err)
            }
        })*

        /// The Solidity signature of every custom error AAT declares (the
        /// ABI export lists them; the built-in `Panic` is left out there).
        pub const ERROR_SIGNATURES: &[&str] = &[$(<$ty as SolError>::SIGNATURE,)*];
    };
}

errors! {
    /// `sender` holds less than `needed` of `tokenId`.
    InsufficientBalance(ERC1155InsufficientBalance),
    /// The zero address cannot send.
    InvalidSender(ERC1155InvalidSender),
    /// The receiver is the zero address, or a contract that did not accept.
    InvalidReceiver(ERC1155InvalidReceiver),
    /// The caller is neither the owner of the tokens nor approved by them.
    MissingApprovalForAll(ERC1155MissingApprovalForAll),
    /// The zero address cannot be an operator.
    InvalidOperator(ERC1155InvalidOperator),
    /// Parallel arrays of different lengths.
    InvalidArrayLength(ERC1155InvalidArrayLength),
    /// The id was never minted.
    UnknownToken(UnknownToken),
    /// The id's expiration has passed.
    TokenExpired(TokenExpired),
    /// A non-tradable id moving other than out of or back into its pool.
    TokenNotTradable(TokenNotTradable),
    /// Reclaim of an id that is not reclaimable.
    NotReclaimable(NotReclaimable),
    /// Reclaim by someone other than the id's origin pool.
    NotOriginPool(NotOriginPool),
    /// Consumption for another model than the id's.
    ModelMismatch(ModelMismatch),
    /// Consumption for another scope than the id's.
    ScopeMismatch(ScopeMismatch),
    /// A new type's expiration that is not in the future.
    InvalidExpiration(InvalidExpiration),
    /// An amount of zero.
    ZeroAmount(ZeroAmount),
    /// The zero address where an account is required.
    ZeroAddress(ZeroAddress),
    /// The model has no TokenAI price.
    PriceNotSet(PriceNotSet),
    /// A fee above `MAX_FEE_BPS`.
    ExcessiveFee(ExcessiveFee),
    /// The caller is not an authorized minter.
    UnauthorizedMinter(UnauthorizedMinter),
    /// The contract is paused.
    EnforcedPause(EnforcedPause),
    /// The contract is not paused.
    ExpectedPause(ExpectedPause),
    /// The caller is not the owner (or the pending owner, on accept).
    OwnableUnauthorizedAccount(OwnableUnauthorizedAccount),
    /// The zero address cannot own the contract.
    OwnableInvalidOwner(OwnableInvalidOwner),
    /// Checked arithmetic overflowed.
    Panic(Panic),
}

// stylus-sdk 0.9's `call` still returns the deprecated call error.
#[allow(deprecated)]
impl From<stylus_sdk::call::Error> for Error {
    /// A failed call to another contract: its revert data, unchanged (a
    /// return value that does not decode counts as an empty revert).
    fn from(err: stylus_sdk::call::Error) -> Self {
        match err {
            stylus_sdk::call::Error::Revert(data) => Error::External(data),
            stylus_sdk::call::Error::AbiDecodingFailed(_) => Error::External(Vec::new()),
        }
    }
}

impl From<Error> for Vec<u8> {
    fn from(err: Error) -> Self {
        use Error as E;
        let (selector, args): ([u8; 4], &[alloy_primitives::B256]) = match err {
            E::InsufficientBalance(e) => (
                ERC1155InsufficientBalance::SELECTOR,
                &[
                    e.sender.word(),
                    e.balance.word(),
                    e.needed.word(),
                    e.tokenId.word(),
                ],
            ),
            E::InvalidSender(e) => (ERC1155InvalidSender::SELECTOR, &[e.sender.word()]),
            E::InvalidReceiver(e) => (ERC1155InvalidReceiver::SELECTOR, &[e.receiver.word()]),
            E::MissingApprovalForAll(e) => (
                ERC1155MissingApprovalForAll::SELECTOR,
                &[e.operator.word(), e.owner.word()],
            ),
            E::InvalidOperator(e) => (ERC1155InvalidOperator::SELECTOR, &[e.operator.word()]),
            E::InvalidArrayLength(e) => (
                ERC1155InvalidArrayLength::SELECTOR,
                &[e.idsLength.word(), e.valuesLength.word()],
            ),
            E::UnknownToken(e) => (UnknownToken::SELECTOR, &[e.id.word()]),
            E::TokenExpired(e) => (TokenExpired::SELECTOR, &[e.id.word(), e.expiration.word()]),
            E::TokenNotTradable(e) => (TokenNotTradable::SELECTOR, &[e.id.word()]),
            E::NotReclaimable(e) => (NotReclaimable::SELECTOR, &[e.id.word()]),
            E::NotOriginPool(e) => (NotOriginPool::SELECTOR, &[e.caller.word(), e.id.word()]),
            E::ModelMismatch(e) => (
                ModelMismatch::SELECTOR,
                &[e.id.word(), e.expected.word(), e.given.word()],
            ),
            E::ScopeMismatch(e) => (
                ScopeMismatch::SELECTOR,
                &[e.id.word(), e.expected.word(), e.given.word()],
            ),
            E::InvalidExpiration(e) => (InvalidExpiration::SELECTOR, &[e.expiration.word()]),
            E::ZeroAmount(_) => (ZeroAmount::SELECTOR, &[]),
            E::ZeroAddress(_) => (ZeroAddress::SELECTOR, &[]),
            E::PriceNotSet(e) => (PriceNotSet::SELECTOR, &[e.model.word()]),
            E::ExcessiveFee(e) => (
                ExcessiveFee::SELECTOR,
                &[e.feeBps.word(), e.maxFeeBps.word()],
            ),
            E::UnauthorizedMinter(e) => (UnauthorizedMinter::SELECTOR, &[e.account.word()]),
            E::EnforcedPause(_) => (EnforcedPause::SELECTOR, &[]),
            E::ExpectedPause(_) => (ExpectedPause::SELECTOR, &[]),
            E::OwnableUnauthorizedAccount(e) => {
                (OwnableUnauthorizedAccount::SELECTOR, &[e.account.word()])
            }
            E::OwnableInvalidOwner(e) => (OwnableInvalidOwner::SELECTOR, &[e.owner.word()]),
            E::Panic(e) => (Panic::SELECTOR, &[e.code.word()]),
            E::External(data) => return data,
        };
        codec::error(selector, args)
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{address, fixed_bytes, Address, FixedBytes, U256};

    use super::*;

    /// The hand encoding equals alloy's for every error shape.
    #[test]
    fn hand_encoding_equals_abi_encode() {
        let who = address!("00000000000000000000000000000000000000aa");
        let id = U256::from(7);
        let model = fixed_bytes!("4750542d340000000000000000000000");
        fn check<E: SolError + Clone>(e: E)
        where
            Error: From<E>,
        {
            assert_eq!(
                Vec::<u8>::from(Error::from(e.clone())),
                e.abi_encode(),
                "{}",
                E::SIGNATURE
            );
        }
        check(ERC1155InsufficientBalance {
            sender: who,
            balance: id,
            needed: U256::MAX,
            tokenId: id,
        });
        check(ERC1155InvalidSender { sender: who });
        check(ERC1155InvalidReceiver { receiver: who });
        check(ERC1155MissingApprovalForAll {
            operator: who,
            owner: Address::ZERO,
        });
        check(ERC1155InvalidOperator { operator: who });
        check(ERC1155InvalidArrayLength {
            idsLength: id,
            valuesLength: U256::from(3),
        });
        check(UnknownToken { id });
        check(TokenExpired {
            id,
            expiration: u64::MAX,
        });
        check(TokenNotTradable { id });
        check(NotReclaimable { id });
        check(NotOriginPool { caller: who, id });
        check(ModelMismatch {
            id,
            expected: model,
            given: FixedBytes::ZERO,
        });
        check(ScopeMismatch {
            id,
            expected: FixedBytes::ZERO,
            given: model,
        });
        check(InvalidExpiration { expiration: 17 });
        check(ZeroAmount {});
        check(ZeroAddress {});
        check(PriceNotSet { model });
        check(ExcessiveFee {
            feeBps: 1001,
            maxFeeBps: 1000,
        });
        check(UnauthorizedMinter { account: who });
        check(EnforcedPause {});
        check(ExpectedPause {});
        check(OwnableUnauthorizedAccount { account: who });
        check(OwnableInvalidOwner {
            owner: Address::ZERO,
        });
        check(Panic::overflow());
        assert_eq!(
            Vec::<u8>::from(Error::External(vec![1, 2, 3])),
            vec![1, 2, 3]
        );
        assert_eq!(ERROR_SIGNATURES.len(), 24);
    }
}
