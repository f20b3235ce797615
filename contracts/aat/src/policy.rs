//! The access-policy rules as pure functions of their inputs: token ids,
//! expiry, the transfer rule and fee arithmetic. Taking `now` as an argument
//! lets tests cover both sides of every time boundary.

use alloy_primitives::{b256, Address, FixedBytes, B256, U256};

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
    words[..32].copy_from_slice(ID_DOMAIN.as_slice());
    words[44..64].copy_from_slice(origin_pool.as_slice());
    words[64..80].copy_from_slice(model.as_slice());
    words[96..112].copy_from_slice(scope.as_slice());
    words[152..160].copy_from_slice(&expiration.to_be_bytes());
    words[191] = u8::from(reclaimable);
    words[223] = u8::from(tradable);
    U256::from_be_bytes(keccak(&words).0)
}

/// The host's keccak in the program (a software keccak would add kilobytes);
/// alloy's natively, where tests run without a Stylus host.
#[cfg(target_arch = "wasm32")]
fn keccak(bytes: &[u8]) -> B256 {
    use stylus_sdk::prelude::*;
    stylus_sdk::host::WasmVM {}.native_keccak256(bytes)
}

#[cfg(not(target_arch = "wasm32"))]
fn keccak(bytes: &[u8]) -> B256 {
    alloy_primitives::keccak256(bytes)
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
    tradable || from == origin_pool || to == origin_pool
}

/// `amount * fee_bps / 10_000`, rounded down, exact for every `amount`
/// (the product is formed in five 64-bit limbs, so it cannot overflow).
/// Long division by the constant keeps ruint's generic 256-bit division,
/// kilobytes of wasm, out of the program.
#[must_use]
pub fn fee(amount: U256, fee_bps: u16) -> U256 {
    let rate = u128::from(fee_bps.min(BPS));
    let mut product = [0u64; 5];
    let mut carry = 0u128;
    for (limb, out) in amount.as_limbs().iter().zip(&mut product) {
        let v = u128::from(*limb) * rate + carry;
        *out = v as u64;
        carry = v >> 64;
    }
    product[4] = carry as u64;
    let mut quotient = [0u64; 5];
    let mut rest = 0u128;
    for i in (0..5).rev() {
        let v = (rest << 64) | u128::from(product[i]);
        quotient[i] = (v / u128::from(BPS)) as u64;
        rest = v % u128::from(BPS);
    }
    // rate <= BPS, so the quotient fits in four limbs.
    U256::from_limbs([quotient[0], quotient[1], quotient[2], quotient[3]])
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{address, fixed_bytes, keccak256, U512};
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
    fn fee_rounds_down_and_never_overflows() {
        assert_eq!(fee(U256::from(999), 10), U256::ZERO);
        assert_eq!(fee(U256::from(1000), 10), U256::from(1));
        assert_eq!(fee(U256::from(12_345), 250), U256::from(308));
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
            let exact = U512::from(amount) * U512::from(bps) / U512::from(10_000u32);
            assert_eq!(
                U512::from(fee(amount, bps)),
                exact,
                "amount {amount} bps {bps}"
            );
        }
    }
}
