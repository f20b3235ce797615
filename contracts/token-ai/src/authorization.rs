//! EIP-3009 transfer with authorization: the payer signs one exact transfer
//! off-chain and anyone (an x402 facilitator, the AI provider) submits it
//! and pays the gas. What USDC's `FiatTokenV2_2` does, with the spec's custom
//! errors instead of revert strings: pause first, then (for a receive) the
//! payee, the validity window, the nonce, the signature (ECDSA with low `s`,
//! or ERC-1271 for an authorizer with code); then the nonce is used,
//! `AuthorizationUsed` and the transfer's `Transfer` are emitted.

use abi_core::{
    access::OwnPause,
    codec::{inline_word, Word},
    eip712, log, signature, slot,
};
use alloy_primitives::{Address, B256, U256};
use alloy_sol_types::SolEvent;
use stylus_sdk::{keccak_const::Keccak256, prelude::*};

use crate::{
    Error,
    ITokenAI::{
        AuthorizationAlreadyUsed, AuthorizationCanceled, AuthorizationExpired,
        AuthorizationNotYetValid, AuthorizationUsed, CallerMustBePayee,
        InvalidAuthorizationSignature,
    },
    TokenAI, AUTHORIZATIONS,
};

const fn type_hash(encoded_type: &[u8]) -> B256 {
    B256::new(Keccak256::new().update(encoded_type).finalize())
}

/// `keccak256("TransferWithAuthorization(...)")`, EIP-3009's type.
pub const TRANSFER_WITH_AUTHORIZATION_TYPEHASH: B256 = type_hash(
    b"TransferWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)",
);

/// `keccak256("ReceiveWithAuthorization(...)")`, EIP-3009's type.
pub const RECEIVE_WITH_AUTHORIZATION_TYPEHASH: B256 = type_hash(
    b"ReceiveWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)",
);

/// `keccak256("CancelAuthorization(address authorizer,bytes32 nonce)")`.
pub const CANCEL_AUTHORIZATION_TYPEHASH: B256 =
    type_hash(b"CancelAuthorization(address authorizer,bytes32 nonce)");

/// A used or canceled nonce's word.
const USED: B256 = B256::with_last_byte(1);

/// The slot of `authorizer`'s `nonce`.
#[inline(never)]
fn authorization_slot(authorizer: Address, nonce: B256) -> B256 {
    AUTHORIZATIONS.at_parts(&[authorizer.as_slice(), nonce.as_slice()])
}

/// One signed transfer, as EIP-3009 types it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Authorization {
    /// The payer, who signs.
    pub from: Address,
    /// The payee.
    pub to: Address,
    /// TokenAI to move, in base units.
    pub value: U256,
    /// Valid only once the block timestamp is above this, in seconds since the Unix epoch.
    pub valid_after: U256,
    /// Valid only while the block timestamp is below this, in seconds since the Unix epoch.
    pub valid_before: U256,
    /// 32 bytes the payer chooses (not a counter), usable once: `authorizationState` says whether
    /// it is spent.
    pub nonce: B256,
}

impl TokenAI {
    /// Executes `authorization`, signed by its `from`. Anyone may submit it.
    ///
    /// # Errors
    ///
    /// `EnforcedPause()`, `AuthorizationNotYetValid(validAfter)`,
    /// `AuthorizationExpired(validBefore)`, `AuthorizationAlreadyUsed`,
    /// `InvalidAuthorizationSignature(from)`, then what the transfer raises.
    pub fn transfer_with_authorization(
        &mut self,
        authorization: Authorization,
        signature: &[u8],
    ) -> Result<(), Error> {
        self.when_not_paused()?;
        self.execute(
            inline_word(&TRANSFER_WITH_AUTHORIZATION_TYPEHASH),
            &authorization,
            signature,
        )
    }

    /// As `transfer_with_authorization`, but only the payee (`to`) may submit
    /// it, so that a front-runner cannot settle a payment meant for a
    /// contract outside that contract's own call.
    ///
    /// # Errors
    ///
    /// `CallerMustBePayee(caller, to)` after the pause check, then as
    /// `transfer_with_authorization`.
    pub fn receive_with_authorization(
        &mut self,
        authorization: Authorization,
        signature: &[u8],
    ) -> Result<(), Error> {
        self.when_not_paused()?;
        let caller = self.vm().msg_sender();
        if caller != authorization.to {
            return Err(CallerMustBePayee {
                caller,
                payee: authorization.to,
            }
            .into());
        }
        self.execute(
            inline_word(&RECEIVE_WITH_AUTHORIZATION_TYPEHASH),
            &authorization,
            signature,
        )
    }

    /// Marks `nonce` of `authorizer` canceled, on the authorizer's signature.
    /// Allowed while paused: it moves no balance.
    ///
    /// # Errors
    ///
    /// `AuthorizationAlreadyUsed`, `InvalidAuthorizationSignature(authorizer)`.
    pub fn cancel_authorization(
        &mut self,
        authorizer: Address,
        nonce: B256,
        signature: &[u8],
    ) -> Result<(), Error> {
        let struct_hash = eip712::hash_words(&[
            inline_word(&CANCEL_AUTHORIZATION_TYPEHASH),
            authorizer.word(),
            nonce,
        ]);
        self.use_nonce(authorizer, nonce, struct_hash, signature)?;
        log::emit_words(
            &[
                inline_word(&AuthorizationCanceled::SIGNATURE_HASH),
                authorizer.word(),
                nonce,
            ],
            3,
        );
        Ok(())
    }

    /// True once `nonce` was used or canceled by `authorizer`.
    #[must_use]
    pub fn authorization_state(&self, authorizer: Address, nonce: B256) -> bool {
        slot::load(&authorization_slot(authorizer, nonce)) != B256::ZERO
    }

    /// The window, the nonce and the signature of a transfer authorization
    /// typed `type_hash`, then the transfer itself.
    fn execute(
        &mut self,
        type_hash: B256,
        a: &Authorization,
        signature: &[u8],
    ) -> Result<(), Error> {
        let now = U256::from(self.vm().block_timestamp());
        if now <= a.valid_after {
            return Err(AuthorizationNotYetValid {
                validAfter: a.valid_after,
            }
            .into());
        }
        if now >= a.valid_before {
            return Err(AuthorizationExpired {
                validBefore: a.valid_before,
            }
            .into());
        }
        let struct_hash = eip712::hash_words(&[
            type_hash,
            a.from.word(),
            a.to.word(),
            a.value.word(),
            a.valid_after.word(),
            a.valid_before.word(),
            a.nonce,
        ]);
        self.use_nonce(a.from, a.nonce, struct_hash, signature)?;
        log::emit_words(
            &[
                inline_word(&AuthorizationUsed::SIGNATURE_HASH),
                a.from.word(),
                a.nonce,
            ],
            3,
        );
        self.transfer_between(a.from, a.to, a.value)
    }

    /// Checks that `nonce` is unused and that `authorizer` signed the struct
    /// hashed `struct_hash`, then marks the nonce used.
    fn use_nonce(
        &mut self,
        authorizer: Address,
        nonce: B256,
        struct_hash: B256,
        signature: &[u8],
    ) -> Result<(), Error> {
        if self.authorization_state(authorizer, nonce) {
            return Err(AuthorizationAlreadyUsed { authorizer, nonce }.into());
        }
        if !signature::is_valid(authorizer, self.digest(struct_hash), signature) {
            return Err(InvalidAuthorizationSignature { authorizer }.into());
        }
        slot::store(&authorization_slot(authorizer, nonce), &inline_word(&USED));
        Ok(())
    }
}

#[cfg(test)]
mod tests;
