//! AAT units as the ledger keeps them, and their one conversion to and from
//! the chain's `uint256`: the ledger's columns are SQL `BIGINT`s, so a count
//! is 0 to 2^63 - 1. What is signed (a voucher's amount) converts exactly or
//! is refused; what bounds a request (a budget, what is settled) converts
//! capped, since more than the ledger counts is more than any request.

use alloy::primitives::U256;

/// A count of AAT units, 0 to `i64::MAX`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Units(i64);

impl Units {
    /// The most the ledger counts.
    pub const MAX: Units = Units(i64::MAX);

    /// Exactly `amount`, or `None` when the ledger cannot keep it.
    #[must_use]
    pub fn exact(amount: U256) -> Option<Units> {
        i64::try_from(amount).ok().map(Units)
    }

    /// `amount`, or [`Units::MAX`] when it is more.
    #[must_use]
    pub fn capped(amount: U256) -> Units {
        Units::exact(amount).unwrap_or(Units::MAX)
    }

    /// A count the ledger read (its columns are never negative; one that
    /// were would count as none).
    #[must_use]
    pub fn from_ledger(value: i64) -> Units {
        Units(value.max(0))
    }

    /// The count as the ledger keeps it.
    #[must_use]
    pub fn ledger(self) -> i64 {
        self.0
    }
}

impl From<Units> for U256 {
    fn from(units: Units) -> U256 {
        U256::from(units.0.unsigned_abs())
    }
}

/// What the ledger read, as the chain counts it.
#[must_use]
pub fn on_chain(ledger: i64) -> U256 {
    Units::from_ledger(ledger).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_amount_converts_exactly_or_not_at_all() {
        assert_eq!(Units::exact(U256::from(42)), Some(Units::from_ledger(42)));
        let most = U256::from(i64::MAX.unsigned_abs());
        assert_eq!(Units::exact(most), Some(Units::MAX));
        assert_eq!(Units::exact(most + U256::from(1)), None);
        assert_eq!(Units::exact(U256::MAX), None);
    }

    #[test]
    fn a_bound_is_capped_at_the_most_the_ledger_counts() {
        assert_eq!(Units::capped(U256::from(7)).ledger(), 7);
        assert_eq!(Units::capped(U256::MAX), Units::MAX);
    }

    #[test]
    fn the_round_trip_keeps_every_count() {
        for n in [0, 1, 30, i64::MAX] {
            assert_eq!(Units::exact(on_chain(n)).map(Units::ledger), Some(n));
        }
        assert_eq!(on_chain(-5), U256::ZERO);
    }
}
