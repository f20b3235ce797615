//! Checked `U256` addition and subtraction, and `<`, written out limb by
//! limb. ruint's own loop over the four limbs compiles (at `opt-level =
//! "z"`) to a metered basic block per limb and step, about 70,000 ink a
//! call; these are straight-line code, a tenth of that. Use them where a
//! contract does arithmetic per item of a batch.

use alloy_primitives::U256;

use crate::Revert;

/// `a + b + carry` and whether it carried out.
#[inline(always)]
fn add_limb(a: u64, b: u64, carry: u64) -> (u64, u64) {
    let (sum, first) = a.overflowing_add(b);
    let (sum, second) = sum.overflowing_add(carry);
    (sum, u64::from(first | second))
}

/// `a - b - borrow` and whether it borrowed.
#[inline(always)]
fn sub_limb(a: u64, b: u64, borrow: u64) -> (u64, u64) {
    let (diff, first) = a.overflowing_sub(b);
    let (diff, second) = diff.overflowing_sub(borrow);
    (diff, u64::from(first | second))
}

/// `x + y` with its carry out (modulo 2^256).
#[must_use]
pub fn overflowing_add(x: &U256, y: &U256) -> (U256, bool) {
    let ([a0, a1, a2, a3], [b0, b1, b2, b3]) = (*x.as_limbs(), *y.as_limbs());
    let (s0, c) = add_limb(a0, b0, 0);
    let (s1, c) = add_limb(a1, b1, c);
    let (s2, c) = add_limb(a2, b2, c);
    let (s3, c) = add_limb(a3, b3, c);
    (U256::from_limbs([s0, s1, s2, s3]), c != 0)
}

/// `x - y` with its borrow out (modulo 2^256): the borrow is `x < y`.
#[must_use]
pub fn overflowing_sub(x: &U256, y: &U256) -> (U256, bool) {
    let ([a0, a1, a2, a3], [b0, b1, b2, b3]) = (*x.as_limbs(), *y.as_limbs());
    let (d0, b) = sub_limb(a0, b0, 0);
    let (d1, b) = sub_limb(a1, b1, b);
    let (d2, b) = sub_limb(a2, b2, b);
    let (d3, b) = sub_limb(a3, b3, b);
    (U256::from_limbs([d0, d1, d2, d3]), b != 0)
}

/// `x - y`, or `None` below zero.
#[must_use]
pub fn checked_sub(x: &U256, y: &U256) -> Option<U256> {
    match overflowing_sub(x, y) {
        (diff, false) => Some(diff),
        (_, true) => None,
    }
}

/// `x + y`, or Solidity's overflow revert (`Panic(0x11)`).
///
/// # Errors
///
/// `Panic(0x11)` past 2^256 - 1.
pub fn add(x: &U256, y: &U256) -> Result<U256, Revert> {
    match overflowing_add(x, y) {
        (sum, false) => Ok(sum),
        (_, true) => Err(Revert::overflow()),
    }
}

/// `x < y`.
#[must_use]
pub fn lt(x: &U256, y: &U256) -> bool {
    overflowing_sub(x, y).1
}

/// The smaller of `x` and `y`.
#[must_use]
pub fn min(x: U256, y: U256) -> U256 {
    if lt(&y, &x) {
        y
    } else {
        x
    }
}

/// `ceil(n / d)`, or `None` for a zero `d`, written without ruint's
/// division: its reciprocal table (512 bytes) sits in the program's data
/// segments, which Nitro charges on every call (0.75 gas a byte, about 385
/// gas), whether the call divides or not; dividing here costs a few
/// thousand ink. A divisor of one limb (a fee's 10,000, most amounts) takes
/// four `u128` divisions; a wider one, shift and subtract over the
/// dividend's bits.
#[must_use]
pub fn checked_div_ceil(n: &U256, d: &U256) -> Option<U256> {
    let (quotient, exact) = div_rem_is_zero(n, d)?;
    if exact {
        return Some(quotient);
    }
    // A remainder means d > 1, so the quotient is below n and this cannot
    // overflow.
    Some(overflowing_add(&quotient, &U256::from(1u8)).0)
}

/// `n / d` and whether the remainder is zero; `None` for a zero `d`.
fn div_rem_is_zero(n: &U256, d: &U256) -> Option<(U256, bool)> {
    let [d0, d1, d2, d3] = *d.as_limbs();
    if d1 == 0 && d2 == 0 && d3 == 0 {
        if d0 == 0 {
            return None;
        }
        let divisor = u128::from(d0);
        let mut quotient = [0u64; 4];
        let mut rest = 0u128;
        for (q, limb) in quotient.iter_mut().zip(n.as_limbs()).rev() {
            let current = (rest << 64) | u128::from(*limb);
            // Below 2^64: `rest` < d0, so `current` < d0 * 2^64.
            #[allow(clippy::cast_possible_truncation)]
            let limb = (current / divisor) as u64;
            *q = limb;
            rest = current % divisor;
        }
        return Some((U256::from_limbs(quotient), rest == 0));
    }
    let mut quotient = U256::ZERO;
    let mut rest = U256::ZERO;
    for bit in (0..n.bit_len()).rev() {
        // `rest` < d: doubled it may pass 2^256, and is then above d.
        let carried = rest.bit(255);
        rest = (rest << 1usize) | U256::from(u8::from(n.bit(bit)));
        if carried || !lt(&rest, d) {
            rest = overflowing_sub(&rest, d).0;
            quotient.set_bit(bit, true);
        }
    }
    Some((quotient, crate::cmp::is_zero(&rest)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn division_rounds_up_as_ruint_does() {
        use alloy_primitives::uint;
        fn next(seed: &mut u64) -> u64 {
            *seed ^= *seed << 13;
            *seed ^= *seed >> 7;
            *seed ^= *seed << 17;
            *seed
        }
        // Dividends and divisors of every width, one limb to four.
        fn of_width(seed: &mut u64) -> U256 {
            let limbs = [next(seed), next(seed), next(seed), next(seed)];
            let shift = 64 * (next(seed) % 4) + next(seed) % 64;
            U256::from_limbs(limbs) >> usize::try_from(shift).unwrap()
        }
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut cases = vec![
            (U256::MAX, U256::from(1u8)),
            (U256::MAX, U256::MAX),
            (U256::MAX, uint!(10000_U256)),
            (U256::ZERO, U256::from(7u8)),
            (U256::MAX - U256::from(1u8), U256::MAX),
            (U256::MAX, U256::from(1u8) << 255usize),
            (U256::MAX, (U256::from(1u8) << 255usize) + U256::from(1u8)),
            (
                U256::from(1u8) << 200usize,
                (U256::from(1u8) << 64usize) + U256::from(3u8),
            ),
        ];
        for _ in 0..5_000 {
            let (n, d) = (of_width(&mut seed), of_width(&mut seed));
            cases.push((n, if d.is_zero() { U256::from(1u8) } else { d }));
        }
        for (n, d) in cases {
            assert_eq!(checked_div_ceil(&n, &d), Some(n.div_ceil(d)), "{n} / {d}");
        }
        assert_eq!(checked_div_ceil(&U256::from(5u8), &U256::ZERO), None);
    }

    use super::*;

    #[test]
    fn they_agree_with_ruint() {
        let values = [
            U256::ZERO,
            U256::from(1),
            U256::from(u64::MAX),
            U256::from(1) << 64,
            (U256::from(1) << 64) - U256::from(1),
            U256::from(1) << 128,
            U256::from(1) << 192,
            U256::from(3) << 191,
            U256::MAX - U256::from(1),
            U256::MAX,
            U256::from_limbs([u64::MAX, 0, u64::MAX, 0]),
            U256::from_limbs([0, u64::MAX, 0, u64::MAX]),
        ];
        for x in values {
            for y in values {
                assert_eq!(overflowing_add(&x, &y), x.overflowing_add(y), "{x} + {y}");
                assert_eq!(overflowing_sub(&x, &y), x.overflowing_sub(y), "{x} - {y}");
                assert_eq!(add(&x, &y).ok(), x.checked_add(y));
                assert_eq!(checked_sub(&x, &y), x.checked_sub(y));
                assert_eq!(lt(&x, &y), x < y, "{x} < {y}");
                assert_eq!(min(x, y), x.min(y));
            }
        }
    }
}
