//! The book: a pair's open orders best price first for a taker, and what
//! buying an amount across them costs.

use std::{cmp::Ordering, collections::HashMap};

use alloy::primitives::{Address, U256, U512};

use crate::store::StoredOrder;

/// `a` before `b` when it asks less per unit given (`wantAmount /
/// giveAmount`, compared exactly by cross-multiplying in 512 bits), then
/// when it came first.
fn by_price(a: &StoredOrder, b: &StoredOrder) -> Ordering {
    let widen = |x: U256| U512::from(x);
    let left = widen(a.order.wantAmount) * widen(b.order.giveAmount);
    let right = widen(b.order.wantAmount) * widen(a.order.giveAmount);
    left.cmp(&right)
        .then(a.created_ms.cmp(&b.created_ms))
        .then(a.hash.cmp(&b.hash))
}

/// What `taker` (zero: anyone) may fill of `orders` at the chain's time
/// `now`, best price first: orders with something fillable, not expired,
/// open to anyone or naming `taker`.
#[must_use]
pub fn open(mut orders: Vec<StoredOrder>, now: u64, taker: Address) -> Vec<StoredOrder> {
    sort(&mut orders);
    open_sorted(&orders, now, taker)
}

/// Sorts a pair's orders best price first (then the earliest).
pub fn sort(orders: &mut [StoredOrder]) {
    orders.sort_by(by_price);
}

/// [`open`] over orders already [`sort`]ed.
#[must_use]
pub fn open_sorted(sorted: &[StoredOrder], now: u64, taker: Address) -> Vec<StoredOrder> {
    sorted
        .iter()
        .filter(|o| {
            !o.fillable.is_zero()
                && o.void_at > now
                && (o.order.taker.is_zero() || o.order.taker == taker)
        })
        .cloned()
        .collect()
}

/// One order's part of a purchase.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Leg {
    /// The order filled, as held.
    pub order: StoredOrder,
    /// The units of its `give` side the taker takes (the fill `fillBatch`
    /// is passed for it).
    pub give_fill: U256,
    /// What the taker pays its maker for them in the `want` side:
    /// `ceil(give_fill * wantAmount / giveAmount)`, as the exchange charges.
    pub want_paid: U256,
}

/// Why a purchase cannot be quoted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum QuoteError {
    /// The amount asked for is zero.
    #[error("the amount to buy must be above zero")]
    ZeroAmount,
    /// The open orders (and their makers' funds) supply less than asked for.
    #[error("the book holds {available} of the {wanted} asked for")]
    Insufficient {
        /// The amount of the `give` side asked for.
        wanted: U256,
        /// How much of it the book can supply.
        available: U256,
    },
}

/// What each maker named can supply in all, across its orders: a maker's
/// orders giving one id draw on one balance (and one allowance), so two
/// orders each fillable alone may not both fill in one `fillBatch`.
pub type MakerFunds = HashMap<Address, U256>;

/// The legs that buy `amount` of the give side from `book` (best price
/// first, as [`open`] sorts it) at the lowest total: each order filled as
/// far as it can before the next is touched, and no maker in `funds` drawn
/// on beyond what it holds there. Each leg pays what the exchange charges
/// for it, `ceil(giveFill * wantAmount / giveAmount)`.
///
/// # Errors
///
/// `amount` is zero, or the book cannot supply it.
pub fn quote(
    book: &[StoredOrder],
    amount: U256,
    funds: &MakerFunds,
) -> Result<Vec<Leg>, QuoteError> {
    if amount.is_zero() {
        return Err(QuoteError::ZeroAmount);
    }
    let mut legs = Vec::new();
    let mut left = amount;
    let mut drawn: HashMap<Address, U256> = HashMap::new();
    for stored in book {
        if left.is_zero() {
            break;
        }
        let maker = stored.order.maker;
        let mut give_fill = left.min(stored.fillable);
        if let Some(held) = funds.get(&maker) {
            let used = drawn.get(&maker).copied().unwrap_or_default();
            give_fill = give_fill.min(held.saturating_sub(used));
        }
        if give_fill.is_zero() {
            continue;
        }
        // An order whose price overflows would revert on-chain (Panic 0x11):
        // it is skipped rather than quoted.
        let Some(want_paid) = stored.order.want_paid(give_fill) else {
            continue;
        };
        left -= give_fill;
        *drawn.entry(maker).or_default() += give_fill;
        legs.push(Leg {
            order: stored.clone(),
            give_fill,
            want_paid,
        });
    }
    if !left.is_zero() {
        return Err(QuoteError::Insufficient {
            wanted: amount,
            available: amount - left,
        });
    }
    Ok(legs)
}

/// The makers with more than one leg in `legs`, whose funds must be known
/// for the legs to fill together.
#[must_use]
pub fn shared_makers(legs: &[Leg]) -> Vec<Address> {
    let mut seen = HashMap::<Address, usize>::new();
    for leg in legs {
        *seen.entry(leg.order.order.maker).or_default() += 1;
    }
    let mut shared: Vec<Address> = seen
        .into_iter()
        .filter(|(_, n)| *n > 1)
        .map(|(maker, _)| maker)
        .collect();
    shared.sort();
    shared
}

#[cfg(test)]
mod tests {
    use super::*;
    use aat_client::orders::Order;
    use alloy::primitives::{Bytes, B256};

    fn stored(tag: u8, give: u64, want: u64, fillable: u64, created_ms: i64) -> StoredOrder {
        StoredOrder {
            hash: B256::repeat_byte(tag),
            order: Order {
                maker: Address::repeat_byte(tag),
                taker: Address::ZERO,
                giveId: U256::from(7),
                giveAmount: U256::from(give),
                wantId: U256::ZERO,
                wantAmount: U256::from(want),
                expiry: 100,
                nonce: 0,
            },
            signature: Bytes::new(),
            remaining: U256::from(give),
            fillable: U256::from(fillable),
            void_at: 100,
            created_ms,
        }
    }

    #[test]
    fn the_cheapest_per_unit_comes_first_then_the_earliest() {
        let book = open(
            vec![
                stored(1, 10, 30, 10, 1), // 3 per unit
                stored(2, 10, 20, 10, 2), // 2 per unit
                stored(3, 5, 10, 5, 0),   // 2 per unit, earlier
                stored(4, 10, 1, 0, 0),   // nothing fillable
            ],
            50,
            Address::ZERO,
        );
        let tags: Vec<u8> = book.iter().map(|o| o.hash[0]).collect();
        assert_eq!(tags, [3, 2, 1]);
        assert!(open(vec![stored(1, 1, 1, 1, 0)], 100, Address::ZERO).is_empty());
        let mut private = stored(1, 1, 1, 1, 0);
        private.order.taker = Address::repeat_byte(9);
        assert!(open(vec![private.clone()], 0, Address::ZERO).is_empty());
        assert_eq!(open(vec![private], 0, Address::repeat_byte(9)).len(), 1);
    }

    #[test]
    fn a_quote_fills_the_best_first_and_rounds_each_leg_up() {
        let book = open(
            vec![stored(1, 3, 10, 3, 0), stored(2, 10, 40, 4, 0)],
            0,
            Address::ZERO,
        );
        let legs = quote(&book, U256::from(5), &MakerFunds::new()).unwrap();
        let parts: Vec<(u8, U256, U256)> = legs
            .iter()
            .map(|l| (l.order.hash[0], l.give_fill, l.want_paid))
            .collect();
        assert_eq!(
            parts,
            [
                (1, U256::from(3), U256::from(10)),
                (2, U256::from(2), U256::from(8))
            ]
        );
        assert_eq!(
            quote(&book, U256::from(8), &MakerFunds::new()),
            Err(QuoteError::Insufficient {
                wanted: U256::from(8),
                available: U256::from(7)
            })
        );
        assert_eq!(
            quote(&book, U256::ZERO, &MakerFunds::new()),
            Err(QuoteError::ZeroAmount)
        );
    }

    /// One maker's two orders, each fillable alone up to its 400 units,
    /// draw on one balance of 400: a quote takes 400 from the maker in all
    /// and the rest from the next maker; without the maker's funds it
    /// names the maker twice, for legs that cannot fill together.
    #[test]
    fn a_quote_draws_on_a_makers_funds_once_across_its_orders() {
        let mut twin = stored(1, 400, 400, 400, 1);
        twin.hash = B256::repeat_byte(0x21);
        let book = open(
            vec![stored(1, 400, 400, 400, 0), twin, stored(2, 10, 20, 10, 0)],
            0,
            Address::ZERO,
        );
        let unknown = quote(&book, U256::from(401), &MakerFunds::new()).unwrap();
        assert_eq!(shared_makers(&unknown), [Address::repeat_byte(1)]);
        let funds = MakerFunds::from([(Address::repeat_byte(1), U256::from(400))]);
        let legs = quote(&book, U256::from(401), &funds).unwrap();
        let parts: Vec<(u8, U256)> = legs
            .iter()
            .map(|l| (l.order.hash[0], l.give_fill))
            .collect();
        assert_eq!(parts, [(1, U256::from(400)), (2, U256::from(1))]);
        assert!(shared_makers(&legs).is_empty());
        assert_eq!(
            quote(&book, U256::from(411), &funds),
            Err(QuoteError::Insufficient {
                wanted: U256::from(411),
                available: U256::from(410)
            })
        );
    }
}
