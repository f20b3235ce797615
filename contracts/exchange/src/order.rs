//! An order and the arithmetic of filling it: its EIP-712 hash (domain
//! "AATExchange", version "1"), what makes it well formed, which way its
//! tokens move, what a partial fill costs the taker, and the exchange fee.

use abi_core::{cmp, codec::Word, eip712, math, OrOverflow};
use alloy_primitives::{Address, B256, U256};
use stylus_sdk::keccak_const::Keccak256;

use crate::Error;

/// The EIP-712 domain's name.
pub const DOMAIN_NAME: &[u8] = b"AATExchange";

/// `keccak256("AATExchange")`.
pub const DOMAIN_NAME_HASH: B256 = B256::new(Keccak256::new().update(DOMAIN_NAME).finalize());

/// `keccak256("Order(address maker,address taker,uint256 giveId,uint256 giveAmount,uint256 wantId,uint256 wantAmount,uint64 expiry,uint64 nonce)")`.
pub const ORDER_TYPEHASH: B256 = B256::new(
    Keccak256::new()
        .update(b"Order(address maker,address taker,uint256 giveId,uint256 giveAmount,uint256 wantId,uint256 wantAmount,uint64 expiry,uint64 nonce)")
        .finalize(),
);

/// Basis points in one whole.
const BPS: u16 = 10_000;

/// A maker's offer of `give_amount` of `give_id` for `want_amount` of
/// `want_id` (id 0 is TokenAI), to `taker` alone unless it is zero,
/// fillable while the block is before `expiry` and the maker's nonce floor
/// is at most `nonce`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Order {
    /// The account that signs the order and gives `give_id`.
    pub maker: Address,
    /// The only account that may fill the order; zero lets anyone.
    pub taker: Address,
    /// What the maker gives: an AAT id, or 0 for TokenAI.
    pub give_id: U256,
    /// Units of `give_id` the whole order gives (TokenAI in base units); fills count against it.
    pub give_amount: U256,
    /// What the maker takes in return: an AAT id, or 0 for TokenAI.
    pub want_id: U256,
    /// Units of `want_id` the maker asks for all of `give_amount`: the price.
    pub want_amount: U256,
    /// Fillable while the block timestamp is below this, in seconds since the Unix epoch.
    pub expiry: u64,
    /// Void once the maker's nonce floor (`minNonce`, raised by `cancelUpTo`) is above it.
    pub nonce: u64,
}

/// Which way an order's tokens move.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trade {
    /// AAT for AAT: one `AAT.swap`.
    Swap,
    /// The maker sells AAT for TokenAI.
    Ask,
    /// The maker buys AAT with TokenAI.
    Bid,
}

impl Order {
    /// The EIP-712 digest the maker signs, in the domain `separator`: what
    /// `hashOrder` answers and what `filled` and `cancelled` are keyed by.
    #[must_use]
    pub fn digest(&self, separator: B256) -> B256 {
        let struct_hash = eip712::hash_words(&[
            abi_core::code_word!(ORDER_TYPEHASH),
            self.maker.word(),
            self.taker.word(),
            self.give_id.word(),
            self.give_amount.word(),
            self.want_id.word(),
            self.want_amount.word(),
            self.expiry.word(),
            self.nonce.word(),
        ]);
        eip712::digest(separator, struct_hash)
    }

    /// One side TokenAI or both AAT, never the same id twice (so never
    /// both TokenAI), never a zero amount.
    #[must_use]
    pub fn is_well_formed(&self) -> bool {
        !cmp::eq(&self.give_id, &self.want_id)
            && !cmp::is_zero(&self.give_amount)
            && !cmp::is_zero(&self.want_amount)
    }

    /// Which way the tokens move (of a well-formed order).
    #[must_use]
    pub fn trade(&self) -> Trade {
        if cmp::is_zero(&self.want_id) {
            Trade::Ask
        } else if cmp::is_zero(&self.give_id) {
            Trade::Bid
        } else {
            Trade::Swap
        }
    }

    /// What the taker pays for `give_fill`: `ceil(give_fill * wantAmount /
    /// giveAmount)`, rounded up so that no fill, however small, pays the
    /// maker below its price.
    ///
    /// # Errors
    ///
    /// `Panic(0x11)` when `give_fill * wantAmount` exceeds 2^256 - 1, as
    /// Solidity's checked arithmetic reverts.
    pub fn want_paid(&self, give_fill: U256) -> Result<U256, Error> {
        mul_div_up(give_fill, self.want_amount, self.give_amount)
    }
}

/// The exchange fee on `tokens` TokenAI: `ceil(tokens * fee_bps / 10_000)`,
/// rounded up as AAT's fee is, so that splitting a fill cannot dodge it;
/// zero only when the rate is.
///
/// # Errors
///
/// `Panic(0x11)` when `tokens * fee_bps` exceeds 2^256 - 1.
pub fn fee(tokens: U256, fee_bps: u16) -> Result<U256, Error> {
    mul_div_up(tokens, U256::from(fee_bps), U256::from(BPS))
}

/// `ceil(x * y / d)`. Its callers divide by a well-formed order's
/// `giveAmount` or by 10,000, never by zero; a zero `d` reverts rather than
/// trap all the same. Divided by `abi_core::math`, not ruint (whose table
/// Nitro would charge every call for).
fn mul_div_up(x: U256, y: U256, d: U256) -> Result<U256, Error> {
    let product = x.checked_mul(y).or_overflow()?;
    math::checked_div_ceil(&product, &d).ok_or_else(Error::overflow)
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{keccak256, uint};

    use super::*;

    fn order(give_id: u64, give: u64, want_id: u64, want: u64) -> Order {
        Order {
            maker: Address::with_last_byte(1),
            taker: Address::ZERO,
            give_id: U256::from(give_id),
            give_amount: U256::from(give),
            want_id: U256::from(want_id),
            want_amount: U256::from(want),
            expiry: 1,
            nonce: 0,
        }
    }

    #[test]
    fn constants_are_the_hashes_of_their_strings() {
        assert_eq!(DOMAIN_NAME_HASH, keccak256("AATExchange"));
        assert_eq!(
            ORDER_TYPEHASH,
            keccak256("Order(address maker,address taker,uint256 giveId,uint256 giveAmount,uint256 wantId,uint256 wantAmount,uint64 expiry,uint64 nonce)")
        );
    }

    #[test]
    fn an_order_is_well_formed_as_the_spec_says() {
        assert!(order(7, 1, 0, 1).is_well_formed());
        assert!(order(0, 1, 7, 1).is_well_formed());
        assert!(order(7, 1, 8, 1).is_well_formed());
        assert!(!order(0, 1, 0, 1).is_well_formed(), "both TokenAI");
        assert!(!order(7, 1, 7, 1).is_well_formed(), "the same id twice");
        assert!(!order(7, 0, 0, 1).is_well_formed(), "nothing given");
        assert!(!order(7, 1, 0, 0).is_well_formed(), "nothing wanted");
        assert_eq!(order(7, 1, 0, 1).trade(), Trade::Ask);
        assert_eq!(order(0, 1, 7, 1).trade(), Trade::Bid);
        assert_eq!(order(7, 1, 8, 1).trade(), Trade::Swap);
    }

    #[test]
    fn a_partial_fill_pays_at_least_the_price() {
        let o = order(7, 3, 0, 10);
        let paid = |fill: u64| o.want_paid(U256::from(fill)).unwrap();
        assert_eq!(paid(1), U256::from(4), "3.33 rounds up");
        assert_eq!(paid(2), U256::from(7), "6.67 rounds up");
        assert_eq!(paid(3), U256::from(10), "exact");
        let cheap = order(7, 1_000, 0, 1);
        assert_eq!(cheap.want_paid(U256::from(1)).unwrap(), U256::from(1));
        let huge = Order {
            want_amount: U256::MAX,
            ..order(7, 2, 0, 0)
        };
        assert_eq!(huge.want_paid(U256::from(2)), Err(Error::overflow()));
        assert_eq!(
            huge.want_paid(U256::from(1)).unwrap(),
            U256::MAX.div_ceil(uint!(2_U256))
        );
    }

    #[test]
    fn the_fee_rounds_up_and_is_zero_only_at_a_zero_rate() {
        assert_eq!(fee(U256::from(10_000), 100).unwrap(), U256::from(100));
        assert_eq!(fee(U256::from(1), 1).unwrap(), U256::from(1));
        assert_eq!(fee(U256::from(10_001), 100).unwrap(), U256::from(101));
        assert_eq!(fee(U256::from(12_345), 0).unwrap(), U256::ZERO);
        assert_eq!(fee(U256::from(1), 1_000).unwrap(), U256::from(1));
        assert_eq!(fee(U256::MAX, 1_000), Err(Error::overflow()));
    }
}
