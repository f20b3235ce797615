//! The access policy (`TokenType`, `Terms`) and its rules as pure functions
//! of their inputs: token ids, expiry, the transfer rule and fee
//! arithmetic. Taking `now` as an argument lets tests cover both sides of
//! every time boundary.

use abi_core::cmp;
use alloy_primitives::{b256, keccak256, Address, FixedBytes, B256, U256};

/// A token type's policy, read out of storage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenType {
    /// The AI model the id pays for, ASCII right-padded.
    pub model: FixedBytes<16>,
    /// The usage restriction; zero for none.
    pub scope: FixedBytes<16>,
    /// What moves, reclaims and channels check.
    pub terms: Terms,
}

/// The part of a policy every move, reclaim and channel checks: stored in
/// a slot of its own, so that they read one slot where the whole policy
/// takes two (a cold slot is 2,100 gas).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Terms {
    /// Unix seconds from which the id is expired; zero for never.
    pub expiration: u64,
    /// The issuing institution's pool: it may reclaim a reclaimable id, and a non-tradable id
    /// still moves to and from it.
    pub origin_pool: Address,
    /// The origin pool may pull units back from holders (`reclaim`).
    pub reclaimable: bool,
    /// Holders may transfer and swap it among themselves.
    pub tradable: bool,
}

impl Terms {
    /// The copy of these terms a balance record carries (`records`): the
    /// tradable flag in the top byte, the expiration in the next eight.
    #[must_use]
    pub fn tag(&self) -> U256 {
        let expiration = self.expiration;
        U256::from_limbs([
            0,
            0,
            expiration << 56,
            (u64::from(self.tradable) << 56) | (expiration >> 8),
        ])
    }
}

/// `keccak256("AAT.v1")`: the domain every token id is derived under.
pub const ID_DOMAIN: B256 =
    b256!("e2fefd6063eed71b18450a9e46943045a7ec4cfecc523a6b2f0f11cb73048442");

/// Basis points in one whole.
pub const BPS: u16 = 10_000;

/// The highest fee the owner can set: 10%.
pub const MAX_FEE_BPS: u16 = 1_000;

/// `uint256(keccak256(abi.encode(ID_DOMAIN, originPool, model, scope,
/// expiration, reclaimable, tradable)))`, laid out by hand: seven 32-byte
/// words, `bytes16` left-aligned, the rest right-aligned.
#[must_use]
pub fn token_id(
    origin_pool: Address,
    model: FixedBytes<16>,
    scope: FixedBytes<16>,
    expiration: u64,
    reclaimable: bool,
    tradable: bool,
) -> U256 {
    let mut words = [0u8; 224];
    words[..32].copy_from_slice(abi_core::code_word!(ID_DOMAIN).as_slice());
    words[44..64].copy_from_slice(origin_pool.as_slice());
    words[64..80].copy_from_slice(model.as_slice());
    words[96..112].copy_from_slice(scope.as_slice());
    words[152..160].copy_from_slice(&expiration.to_be_bytes());
    words[191] = u8::from(reclaimable);
    words[223] = u8::from(tradable);
    // alloy's keccak is the host's in the program (stylus-sdk turns on
    // alloy's `native-keccak`; nothing in this crate turns on a software one).
    abi_core::codec::u256_of(&keccak256(words).0)
}

/// Expired once `now` reaches `expiration`; 0 never expires.
#[must_use]
pub fn is_expired(expiration: u64, now: u64) -> bool {
    expiration != 0 && now >= expiration
}

/// A new type's expiration must be 0 (never) or still ahead.
#[must_use]
pub fn is_valid_new_expiration(expiration: u64, now: u64) -> bool {
    expiration == 0 || expiration > now
}

/// The transfer rule for a non-tradable id: it moves only out of its origin
/// pool (distribution) or back into it (return).
#[must_use]
pub fn may_move(tradable: bool, origin_pool: Address, from: Address, to: Address) -> bool {
    tradable || cmp::same(&from, &origin_pool) || cmp::same(&to, &origin_pool)
}

/// `ceil(amount * fee_bps / 10_000)`, exact for every `amount`: rounded up,
/// so that splitting a use into small pieces cannot dodge the fee (it is
/// zero only when `fee_bps` is).
/// The product is formed and divided in 32-bit digits with 64-bit
/// arithmetic, which wasm has natively: ruint's 256-bit division and even
/// `u128` division (a compiler builtin) would each add a kilobyte or more to
/// the program.
#[must_use]
pub fn fee(amount: U256, fee_bps: u16) -> U256 {
    let rate = u64::from(fee_bps.min(BPS));
    // The common case, an amount below 2^50: the product fits in 64 bits.
    let [low, rest @ ..] = *amount.as_limbs();
    // Limbs or-ed, not `rest == [0; 3]`: an array comparison is a `memcmp`
    // call, a byte loop.
    if rest[0] | rest[1] | rest[2] == 0 && low >> 50 == 0 {
        let product = low * rate;
        return U256::from(product.div_ceil(u64::from(BPS)));
    }
    // amount * rate in nine 32-bit digits, least significant first.
    let mut product = [0u64; 9];
    let mut carry = 0u64;
    for (i, limb) in amount.as_limbs().iter().enumerate() {
        for (j, half) in [*limb & 0xffff_ffff, *limb >> 32].into_iter().enumerate() {
            let v = half * rate + carry;
            product[2 * i + j] = v & 0xffff_ffff;
            carry = v >> 32;
        }
    }
    product[8] = carry;
    // Long division by 10,000 from the most significant digit; the
    // remainder stays below 10,000, so `rest << 32 | digit` fits in 64 bits.
    let mut rest = 0u64;
    for digit in product.iter_mut().rev() {
        let v = (rest << 32) | *digit;
        *digit = v / u64::from(BPS);
        rest = v % u64::from(BPS);
    }
    // rate <= BPS, so the quotient fits in eight digits, and rounding up adds
    // at most one to a quotient at most `amount`: no overflow either.
    let limbs = core::array::from_fn(|i| product[2 * i] | (product[2 * i + 1] << 32));
    let quotient = U256::from_limbs(limbs);
    if rest == 0 {
        quotient
    } else {
        quotient.saturating_add(U256::from(1))
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{address, fixed_bytes, U512};
    use alloy_sol_types::SolValue;

    use super::*;

    #[test]
    fn id_domain_is_the_hash_of_its_name() {
        assert_eq!(ID_DOMAIN, keccak256("AAT.v1"));
    }

    #[test]
    fn token_id_matches_abi_encode() {
        let pool = address!("00000000000000000000000000000000deadbeef");
        let model = fixed_bytes!("4750542d342d747572626f0000000000"); // "GPT-4-turbo"
        let scope = fixed_bytes!("43533130312d46616c6c323032340000"); // "CS101-Fall2024"
        for (expiration, reclaimable, tradable) in [
            (0u64, false, false),
            (1_767_225_600, true, false),
            (u64::MAX, true, true),
        ] {
            let encoded = (
                keccak256("AAT.v1"),
                pool,
                model,
                scope,
                expiration,
                reclaimable,
                tradable,
            )
                .abi_encode();
            let expected = U256::from_be_bytes(keccak256(encoded).0);
            assert_eq!(
                token_id(pool, model, scope, expiration, reclaimable, tradable),
                expected
            );
        }
    }

    #[test]
    fn expiry_boundaries() {
        assert!(!is_expired(0, u64::MAX), "0 never expires");
        assert!(!is_expired(100, 99));
        assert!(is_expired(100, 100), "expired at the instant itself");
        assert!(is_expired(100, 101));
        assert!(is_valid_new_expiration(0, 100));
        assert!(is_valid_new_expiration(101, 100));
        assert!(!is_valid_new_expiration(100, 100));
        assert!(!is_valid_new_expiration(99, 100));
    }

    #[test]
    fn transfer_rule() {
        let (pool, a, b) = (
            address!("0000000000000000000000000000000000000001"),
            address!("0000000000000000000000000000000000000002"),
            address!("0000000000000000000000000000000000000003"),
        );
        assert!(may_move(true, pool, a, b));
        assert!(may_move(false, pool, pool, a), "distribution");
        assert!(may_move(false, pool, a, pool), "return");
        assert!(!may_move(false, pool, a, b));
    }

    #[test]
    fn fee_rounds_up_and_never_overflows() {
        assert_eq!(fee(U256::from(1), 10), U256::from(1), "no use is free");
        assert_eq!(fee(U256::from(999), 10), U256::from(1));
        assert_eq!(fee(U256::from(1000), 10), U256::from(1));
        assert_eq!(fee(U256::from(1001), 10), U256::from(2));
        assert_eq!(
            fee(U256::from(49), 200),
            U256::from(1),
            "splitting cannot dodge it"
        );
        assert_eq!(fee(U256::from(12_345), 250), U256::from(309));
        assert_eq!(fee(U256::ZERO, 1000), U256::ZERO);
        assert_eq!(
            fee(U256::from(777), 0),
            U256::ZERO,
            "zero only without a fee"
        );
        assert_eq!(fee(U256::MAX, 10_000), U256::MAX);
        let mut x = U256::from(0x1234_5678_9abc_def1u64);
        for step in 0..2000u32 {
            x = x
                .wrapping_mul(U256::from(6_364_136_223_846_793_005u64))
                .wrapping_add(U256::from(step));
            let amount = if step % 3 == 0 {
                U256::MAX - U256::from(step)
            } else {
                x
            };
            let bps = (step % 1001) as u16;
            let exact = (U512::from(amount) * U512::from(bps) + U512::from(9_999u32))
                / U512::from(10_000u32);
            assert_eq!(
                U512::from(fee(amount, bps)),
                exact,
                "amount {amount} bps {bps}"
            );
        }
    }
}
