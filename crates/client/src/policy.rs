//! Access policies and their token ids, computed off-chain exactly as AAT's
//! `computeTokenId` does, so an issuer knows an id before minting it and a
//! gateway can check which ids it accepts without a call.

use alloy::{
    primitives::{keccak256, Address, FixedBytes, U256},
    sol_types::SolValue,
};

use crate::{bindings::AAT, error::ClientError};

/// One AAT token id's policy (`tokenConfig`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Policy {
    /// The issuing institution: the only address that may reclaim.
    pub origin_pool: Address,
    /// The model the units pay for (`bytes16`, text left-aligned).
    pub model: FixedBytes<16>,
    /// What the units are for (a course code, a department); zero: any.
    pub scope: FixedBytes<16>,
    /// Unix seconds at which the units stop working; 0 never.
    pub expiration: u64,
    /// Whether the origin pool may take unused units back.
    pub reclaimable: bool,
    /// Whether holders may move units to each other.
    pub tradable: bool,
}

impl Policy {
    /// `uint256(keccak256(abi.encode(keccak256("AAT.v1"), originPool, model,
    /// scope, expiration, reclaimable, tradable)))`.
    #[must_use]
    pub fn id(&self) -> U256 {
        let encoded = (
            keccak256("AAT.v1"),
            self.origin_pool,
            self.model,
            self.scope,
            self.expiration,
            self.reclaimable,
            self.tradable,
        )
            .abi_encode();
        U256::from_be_bytes(keccak256(encoded).0)
    }

    /// The call that mints `amount` units of this policy to `to` (creating
    /// the id on its first mint), for a minter to send.
    #[must_use]
    pub fn mint_call(&self, to: Address, amount: U256) -> AAT::mintCall {
        AAT::mintCall {
            to,
            originPool: self.origin_pool,
            model: self.model,
            scope: self.scope,
            expiration: self.expiration,
            reclaimable: self.reclaimable,
            tradable: self.tradable,
            amount,
        }
    }

    /// The call that buys `amount` units of this policy for `to` with
    /// TokenAI at the model's price. The caller becomes the origin pool, so
    /// it is this policy's id only when sent from `origin_pool`.
    #[must_use]
    pub fn mint_with_token_ai_call(&self, to: Address, amount: U256) -> AAT::mintWithTokenAICall {
        AAT::mintWithTokenAICall {
            to,
            model: self.model,
            scope: self.scope,
            expiration: self.expiration,
            reclaimable: self.reclaimable,
            tradable: self.tradable,
            amount,
        }
    }

    /// Whether the units are expired at `now` (Unix seconds), as the
    /// contract decides it: from `expiration` on.
    #[must_use]
    pub fn is_expired_at(&self, now: u64) -> bool {
        self.expiration != 0 && now >= self.expiration
    }
}

impl From<AAT::tokenConfigReturn> for Policy {
    fn from(config: AAT::tokenConfigReturn) -> Self {
        Policy {
            origin_pool: config.originPool,
            model: config.model,
            scope: config.scope,
            expiration: config.expiration,
            reclaimable: config.reclaimable,
            tradable: config.tradable,
        }
    }
}

/// `text` as a `bytes16` (left-aligned, zero-padded): how models and scopes
/// are named on-chain.
///
/// # Errors
///
/// [`ClientError::Input`] when `text` is longer than 16 bytes: it is refused
/// rather than cut, since a cut name would silently name another model.
pub fn bytes16(text: &str) -> Result<FixedBytes<16>, ClientError> {
    let bytes = text.as_bytes();
    if bytes.len() > 16 {
        return Err(ClientError::Input(format!(
            "'{text}' is {} bytes; a bytes16 name holds at most 16",
            bytes.len()
        )));
    }
    let mut out = [0u8; 16];
    out[..bytes.len()].copy_from_slice(bytes);
    Ok(FixedBytes(out))
}

/// A `bytes16` name as text: up to its first zero byte, or its hex when
/// that is not UTF-8.
#[must_use]
pub fn text16(name: FixedBytes<16>) -> String {
    let end = name.iter().position(|b| *b == 0).unwrap_or(16);
    match std::str::from_utf8(&name[..end]) {
        Ok(text) => text.to_owned(),
        Err(_) => name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::primitives::address;

    #[test]
    fn names_round_trip_and_long_ones_are_refused() {
        let gpt = bytes16("gpt-4o").unwrap();
        assert_eq!(&gpt[..6], b"gpt-4o");
        assert!(gpt[6..].iter().all(|b| *b == 0));
        assert_eq!(text16(gpt), "gpt-4o");
        assert_eq!(
            text16(bytes16("exactly-16-bytes").unwrap()),
            "exactly-16-bytes"
        );
        assert!(matches!(
            bytes16("seventeen-bytes!!"),
            Err(ClientError::Input(_))
        ));
    }

    #[test]
    fn the_id_domain_is_the_specs_and_every_field_changes_the_id() {
        // The constant the contract hard-codes (policy::ID_DOMAIN).
        assert_eq!(
            keccak256("AAT.v1").to_string(),
            "0xe2fefd6063eed71b18450a9e46943045a7ec4cfecc523a6b2f0f11cb73048442"
        );
        let base = Policy {
            origin_pool: address!("0x00000000000000000000000000000000000000aa"),
            model: bytes16("gpt-4o").unwrap(),
            scope: bytes16("CS101").unwrap(),
            expiration: 1_800_000_000,
            reclaimable: true,
            tradable: false,
        };
        let variants = [
            Policy {
                origin_pool: Address::ZERO,
                ..base
            },
            Policy {
                model: bytes16("gpt-4").unwrap(),
                ..base
            },
            Policy {
                scope: FixedBytes::ZERO,
                ..base
            },
            Policy {
                expiration: 0,
                ..base
            },
            Policy {
                reclaimable: false,
                ..base
            },
            Policy {
                tradable: true,
                ..base
            },
        ];
        for variant in variants {
            assert_ne!(variant.id(), base.id(), "{variant:?}");
        }
        assert!(!base.is_expired_at(1_799_999_999));
        assert!(base.is_expired_at(1_800_000_000));
        assert!(!Policy {
            expiration: 0,
            ..base
        }
        .is_expired_at(u64::MAX));
    }
}
