//! `memcmp` and `bcmp` for the programs, 8 bytes at a time.
//!
//! The compiler lowers `==` on byte arrays (`Address`, `B256`, `bytes16`)
//! and `is_zero` on them and on ruint's `Uint` to a call to `memcmp` (or
//! `bcmp`). The wasm `compiler_builtins` supplies compares a byte per loop
//! turn; under Nitro's meter each turn is a basic block or three, so two
//! addresses cost about 19 gas to compare and two words about 30. `compare`
//! takes 8 bytes a turn and leaves the byte loop for the tail and for
//! finding the first difference. The symbols replace the builtins' weak
//! ones in wasm builds only; native builds keep their C library's.

/// `memcmp(left, right, n)`: zero when the `n` bytes at `left` and `right` are equal,
/// otherwise the difference of the first pair of bytes that differ (as
/// unsigned bytes).
///
/// # Safety
///
/// `left` and `right` address `n` readable bytes each.
#[must_use]
#[inline(always)]
pub unsafe fn compare(left: *const u8, right: *const u8, n: usize) -> i32 {
    let mut at = 0;
    // Whole words while they are equal; a differing word is left to the
    // byte loop, which finds which byte differs.
    while at + 8 <= n {
        let (word_a, word_b) = unsafe {
            (
                left.add(at).cast::<u64>().read_unaligned(),
                right.add(at).cast::<u64>().read_unaligned(),
            )
        };
        if word_a != word_b {
            break;
        }
        at += 8;
    }
    while at < n {
        let (byte_a, byte_b) = unsafe { (*left.add(at), *right.add(at)) };
        if byte_a != byte_b {
            return i32::from(byte_a) - i32::from(byte_b);
        }
        at += 1;
    }
    0
}

/// The C `memcmp` of the programs: [`compare`].
///
/// # Safety
///
/// As [`compare`].
#[cfg(target_arch = "wasm32")]
#[no_mangle]
pub unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    unsafe { compare(a, b, n) }
}

/// The C `bcmp` of the programs: zero exactly when the bytes are equal.
/// It returns `memcmp`'s value as it is: written as `compare(..) != 0`,
/// LLVM may lower the test to a call to `bcmp` itself.
///
/// # Safety
///
/// As [`compare`].
#[cfg(target_arch = "wasm32")]
#[no_mangle]
pub unsafe extern "C" fn bcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    unsafe { memcmp(a, b, n) }
}

#[cfg(test)]
mod tests {
    use super::compare;

    /// `compare` as `Ord` says, for slices of one length.
    fn sign(a: &[u8], b: &[u8]) -> i32 {
        assert_eq!(a.len(), b.len());
        unsafe { compare(a.as_ptr(), b.as_ptr(), a.len()) }.signum()
    }

    #[test]
    fn it_orders_as_unsigned_bytes_at_every_length_offset_and_position() {
        let pairs = [(0x00u8, 0xffu8), (0x80, 0x7f), (0xff, 0x00), (1, 2)];
        let base: Vec<u8> = (0u8..48).map(|i| i.wrapping_mul(37)).collect();
        for len in 0..=40 {
            for offset in 0..8 {
                let a = &base[offset..offset + len];
                assert_eq!(sign(a, a), 0, "equal, {len} bytes at {offset}");
                for at in 0..len {
                    for (x, y) in pairs {
                        let (mut left, mut right) = (a.to_vec(), a.to_vec());
                        left[at] = x;
                        right[at] = y;
                        let expected = match left.cmp(&right) {
                            core::cmp::Ordering::Less => -1,
                            core::cmp::Ordering::Equal => 0,
                            core::cmp::Ordering::Greater => 1,
                        };
                        assert_eq!(
                            sign(&left, &right),
                            expected,
                            "{len} bytes, differing at {at}"
                        );
                    }
                }
            }
        }
    }
}
