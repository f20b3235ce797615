//! A holder's budget: the most it may owe in total and still be sure to be
//! settled. Settling `d` units burns `d + ceil(d × feeBps / 10,000)` (AAT's
//! fee, in kind, `contracts/aat/src/policy.rs`), so what a channel (or a
//! balance) of `A` units can pay for is less than `A`: the budget is what
//! is already settled plus the most `d` whose burn fits in `A`, kept with a
//! margin for the fee's rounding. A voucher that is valid only because a
//! smart account's ERC-1271 `isValidSignature` said so now can be refused
//! by the same wallet when AAT asks at settlement: such a holder's budget
//! is what it has already settled, no more.

use aat_client::signature::Verdict;
use alloy::primitives::U256;

use crate::chain::Holdings;

/// Basis points in a whole.
const BPS: u64 = 10_000;

/// Units kept back for the fee's rounding. The fee is rounded up per
/// settlement, so settling an amount in two pieces can burn one unit more
/// than settling it at once (`ceil(a) + ceil(b) <= ceil(a + b) + 1`). What
/// is pending when a request is admitted is settled in at most three
/// pieces: the voucher being settled while the chain view is read, the
/// voucher held (always exactly what was owed when it came: see
/// `VoucherRefusal::Excessive`), and the one that covers this request (a
/// holder has one request beyond its voucher at a time: see the credit
/// limit); every later admission budgets again from the chain as it is.
pub const FEE_ROUNDING_MARGIN: u64 = 2;

/// `ceil(amount × fee_bps / 10,000)`, AAT's fee (`fee_bps` capped at a
/// whole, as the contract caps it).
#[must_use]
pub fn fee(amount: U256, fee_bps: u16) -> U256 {
    let rate = U256::from(u64::from(fee_bps).min(BPS));
    match amount.checked_mul(rate) {
        Some(product) => product.div_ceil(U256::from(BPS)),
        // Past 2^256 / 10,000 units: a bound, rounded up.
        None => (amount / U256::from(BPS))
            .saturating_mul(rate)
            .saturating_add(rate),
    }
}

/// The most units `available` units can settle with their fee, after
/// [`FEE_ROUNDING_MARGIN`]: the largest `d` with `d + fee(d) + margin <=
/// available`.
#[must_use]
pub fn settleable(available: U256, fee_bps: u16) -> U256 {
    let spendable = available.saturating_sub(U256::from(FEE_ROUNDING_MARGIN));
    let rate = U256::from(BPS + u64::from(fee_bps).min(BPS));
    // d = floor(spendable × 10,000 / (10,000 + bps)) is the largest: for
    // it, d + d·bps/10,000 <= spendable, so d + ceil(d·bps/10,000) <
    // spendable + 1; for d + 1 the product exceeds spendable.
    match spendable.checked_mul(U256::from(BPS)) {
        Some(scaled) => scaled / rate,
        // Beyond anything a ledger of i64 units holds: a lower bound.
        None => spendable / rate * U256::from(BPS),
    }
}

/// The most `holdings`' holder may owe the provider in total, for a
/// voucher whose signature was judged `verdict`: what is settled, plus
/// what its channel (when `channel_open`: AAT draws on it first) can settle
/// with the fee at `fee_bps`, or else what its balance can, but at most
/// `balance_budget` units of it; only what is settled for a signature its
/// wallet could refuse later.
///
/// A channel's units are the provider's guarantee: the holder cannot take
/// them back before the channel ends. A balance is none: before a voucher
/// settles, its holder can move it (transfer, lock it in another channel,
/// open a channel that names a session key, and AAT then takes no voucher
/// of the holder's own), so what is served against a balance is credit,
/// and `balance_budget` is how much of it the operator grants.
#[must_use]
pub fn cap(
    holdings: &Holdings,
    channel_open: bool,
    fee_bps: u16,
    verdict: Verdict,
    balance_budget: U256,
) -> U256 {
    if verdict != Verdict::Ecdsa {
        return holdings.settled;
    }
    let settleable = if channel_open {
        settleable(holdings.locked, fee_bps)
    } else {
        settleable(holdings.balance, fee_bps).min(balance_budget)
    };
    holdings.settled.saturating_add(settleable)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(n: u64) -> U256 {
        U256::from(n)
    }

    #[test]
    fn the_fee_is_the_contracts() {
        assert_eq!(fee(u(0), 100), u(0));
        assert_eq!(fee(u(1), 100), u(1));
        assert_eq!(fee(u(100), 100), u(1));
        assert_eq!(fee(u(101), 100), u(2));
        assert_eq!(fee(u(1_000), 0), u(0));
        assert_eq!(fee(u(1_000), 20_000), u(1_000), "capped at a whole");
        assert!(fee(U256::MAX, 1_000) > U256::MAX / u(11));
    }

    #[test]
    fn what_is_settleable_is_the_most_whose_burn_fits() {
        for bps in [0u16, 1, 30, 100, 999, 1_000] {
            for available in (0..3_000u64).chain([1_000_000, 10_000_003, u64::MAX]) {
                let d = settleable(u(available), bps);
                let margin = u(FEE_ROUNDING_MARGIN);
                if available < FEE_ROUNDING_MARGIN {
                    assert_eq!(d, U256::ZERO);
                    continue;
                }
                assert!(
                    d + fee(d, bps) + margin <= u(available),
                    "{available} {bps}: {d}"
                );
                let more = d + u(1);
                assert!(
                    more + fee(more, bps) + margin > u(available),
                    "{available} {bps}: {d}"
                );
            }
        }
        assert!(settleable(U256::MAX, 100) > U256::MAX / u(2));
    }

    #[test]
    fn a_wallets_signature_is_worth_only_what_is_settled() {
        let holdings = Holdings {
            balance: u(5_000),
            locked: u(1_000),
            channel_expires: 0,
            channel_signer: alloy::primitives::Address::ZERO,
            settled: u(300),
        };
        let all = U256::MAX;
        assert_eq!(cap(&holdings, true, 100, Verdict::Ecdsa, all), u(300 + 988));
        assert_eq!(
            cap(&holdings, false, 100, Verdict::Ecdsa, all),
            u(300 + 4_948)
        );
        assert_eq!(cap(&holdings, true, 100, Verdict::Erc1271, all), u(300));
        assert_eq!(cap(&holdings, true, 100, Verdict::Invalid, all), u(300));
    }

    #[test]
    fn a_balance_is_budgeted_only_as_far_as_the_operator_grants_credit() {
        let holdings = Holdings {
            balance: u(5_000),
            locked: u(1_000),
            channel_expires: 0,
            channel_signer: alloy::primitives::Address::ZERO,
            settled: u(300),
        };
        assert_eq!(
            cap(&holdings, false, 100, Verdict::Ecdsa, U256::ZERO),
            u(300)
        );
        assert_eq!(cap(&holdings, false, 100, Verdict::Ecdsa, u(50)), u(350));
        assert_eq!(
            cap(&holdings, true, 100, Verdict::Ecdsa, U256::ZERO),
            u(300 + 988),
            "a channel is no credit"
        );
    }
}
