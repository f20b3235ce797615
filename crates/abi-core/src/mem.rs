//! `memcmp` and `bcmp` for the programs, 8 bytes at a time.
//!
//! The compiler lowers `==` on byte arrays (`Address`, `B256`, `bytes16`)
//! and `is_zero` on them and on ruint's `Uint` to a call to `memcmp` (or
//! `bcmp`). The wasm `compiler_builtins` supplies compares a byte per loop
//! turn; under Nitro's meter each turn is a basic block or three, so two
//! addresses cost about 19 gas to compare and two words about 30. These
//! compare 8 bytes a turn and leave the byte loop for the tail and for
//! finding the first difference. They replace the builtins' weak symbols
//! in wasm builds only; native builds keep their C library's.

/// `memcmp(a, b, n)`: zero when the `n` bytes at `a` and `b` are equal,
/// otherwise the difference of the first pair of bytes that differ (as
/// unsigned bytes).
///
/// # Safety
///
/// `a` and `b` address `n` readable bytes each.
#[no_mangle]
pub unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    let mut at = 0;
    // Whole words while they are equal; a differing word is left to the
    // byte loop, which finds which byte differs.
    while at + 8 <= n {
        let (x, y) = unsafe {
            (
                a.add(at).cast::<u64>().read_unaligned(),
                b.add(at).cast::<u64>().read_unaligned(),
            )
        };
        if x != y {
            break;
        }
        at += 8;
    }
    while at < n {
        let (x, y) = unsafe { (*a.add(at), *b.add(at)) };
        if x != y {
            return i32::from(x) - i32::from(y);
        }
        at += 1;
    }
    0
}

/// `bcmp(a, b, n)`: zero exactly when the `n` bytes at `a` and `b` are equal.
///
/// # Safety
///
/// As [`memcmp`].
#[no_mangle]
pub unsafe extern "C" fn bcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    unsafe { memcmp(a, b, n) }
}
