//! Comparisons of integers and addresses without `memcmp`. The compiler
//! lowers `==` on byte arrays, and on ruint's `Uint` (an array of limbs), to
//! a call to `memcmp`, which on wasm is a byte loop: a metered basic block a
//! byte, about 90,000 ink to compare two words. These compare 8 bytes at a
//! time. Use them where a contract compares per item of a batch.

use alloy_primitives::{Address, FixedBytes, U256};

/// `x == 0`.
#[must_use]
#[allow(clippy::many_single_char_names)] // limbs
pub fn is_zero(x: &U256) -> bool {
    let [a, b, c, d] = *x.as_limbs();
    a | b | c | d == 0
}

/// A 32-byte word (a host's value or code hash, as bytes) is zero: four
/// 8-byte reads, no byte swap (zero is zero in either order), no `memcmp`.
#[must_use]
pub fn is_zero_word(word: &[u8; 32]) -> bool {
    let piece = |at: usize| {
        // Safe: `at + 8 <= 32`, and an unaligned read is allowed.
        unsafe { word.as_ptr().add(at).cast::<u64>().read_unaligned() }
    };
    piece(0) | piece(8) | piece(16) | piece(24) == 0
}

/// `x == type(uint256).max`: limbs against an immediate, where `==
/// U256::MAX` also reads the constant out of the data segments (which
/// Nitro charges every call for).
#[must_use]
#[allow(clippy::many_single_char_names)] // limbs
pub fn is_max(x: &U256) -> bool {
    let [a, b, c, d] = *x.as_limbs();
    a & b & c & d == u64::MAX
}

/// `x == y`.
#[must_use]
#[allow(clippy::many_single_char_names)] // limbs
pub fn eq(x: &U256, y: &U256) -> bool {
    let ([a, b, c, d], [e, f, g, h]) = (*x.as_limbs(), *y.as_limbs());
    (a ^ e) | (b ^ f) | (c ^ g) | (d ^ h) == 0
}

/// An address as two `u64`s and a `u32` (native order: only compared).
fn parts(address: &Address) -> (u64, u64, u32) {
    let bytes = &address.0 .0;
    // Safe: 8 + 8 + 4 bytes of a 20-byte array; unaligned reads are allowed.
    unsafe {
        let at = bytes.as_ptr();
        (
            at.cast::<u64>().read_unaligned(),
            at.add(8).cast::<u64>().read_unaligned(),
            at.add(16).cast::<u32>().read_unaligned(),
        )
    }
}

/// `a == b`.
#[must_use]
pub fn same(a: &Address, b: &Address) -> bool {
    parts(a) == parts(b)
}

/// `a == b` for two `bytes16` (a model, a scope).
#[must_use]
pub fn same16(a: &FixedBytes<16>, b: &FixedBytes<16>) -> bool {
    halves(a) == halves(b)
}

/// `a == bytes16(0)`.
#[must_use]
pub fn is_zero16(a: &FixedBytes<16>) -> bool {
    halves(a) == (0, 0)
}

/// A `bytes16` as two `u64`s (native order: only compared).
fn halves(bytes: &FixedBytes<16>) -> (u64, u64) {
    let at = bytes.0.as_ptr();
    // Safe: two 8-byte reads of a 16-byte array; unaligned reads are allowed.
    unsafe {
        (
            at.cast::<u64>().read_unaligned(),
            at.add(8).cast::<u64>().read_unaligned(),
        )
    }
}

/// `a == address(0)`.
#[must_use]
pub fn is_null(a: &Address) -> bool {
    parts(a) == (0, 0, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn they_agree_with_eq() {
        let values = [
            U256::ZERO,
            U256::from(1),
            U256::from(1) << 64,
            U256::from(1) << 128,
            U256::from(1) << 255,
            U256::MAX,
            U256::MAX - U256::from(1),
            U256::MAX >> 1,
        ];
        for x in &values {
            assert_eq!(is_zero(x), x.is_zero());
            assert_eq!(is_zero_word(&x.to_be_bytes::<32>()), x.is_zero());
            assert_eq!(is_max(x), *x == U256::MAX);
            for y in &values {
                assert_eq!(eq(x, y), x == y);
            }
        }
        let mut addresses = vec![Address::ZERO];
        for byte in [0, 7, 8, 15, 16, 19] {
            let mut a = [0u8; 20];
            a[byte] = 1;
            addresses.push(Address::from(a));
        }
        let mut sixteens = vec![FixedBytes::<16>::ZERO];
        for byte in [0, 7, 8, 15] {
            let mut a = [0u8; 16];
            a[byte] = 1;
            sixteens.push(FixedBytes::from(a));
        }
        for a in &sixteens {
            assert_eq!(is_zero16(a), a.is_zero());
            for b in &sixteens {
                assert_eq!(same16(a, b), a == b);
            }
        }
        for a in &addresses {
            assert_eq!(is_null(a), a.is_zero());
            for b in &addresses {
                assert_eq!(same(a, b), a == b);
            }
        }
    }
}
