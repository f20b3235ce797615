//! The exchange's per-order and per-maker records, in raw storage slots
//! (`abi_core::slot`), as AAT keeps its own: one keccak of the key away,
//! without stylus-sdk's `StorageMap` code. The layout:
//!
//! | mapping | key | record |
//! | --- | --- | --- |
//! | `AATExchange.orders` | order hash | cancelled (top bit) ‖ filled (255 bits) |
//! | `AATExchange.minNonce` | maker | nonce floor (`uint64`) |
//!
//! A fill reads and writes one slot for its order, and a cancel writes the
//! same one.

use abi_core::{
    codec::Word,
    slot::{self, Map},
};
use alloy_primitives::{Address, B256, U256};

use crate::{AATExchange, Error};

const ORDERS: Map = Map::named(b"AATExchange.orders");
const MIN_NONCES: Map = Map::named(b"AATExchange.minNonce");

/// The top bit of an order's word: the maker cancelled it.
const CANCELLED: u64 = 1 << 63;

/// How much of an order was filled, and whether it was cancelled.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OrderRecord {
    pub filled: U256,
    pub cancelled: bool,
}

impl OrderRecord {
    fn decode(word: &B256) -> Self {
        let mut filled = abi_core::codec::u256_of(&word.0);
        let [a, b, c, d] = *filled.as_limbs();
        filled = U256::from_limbs([a, b, c, d & !CANCELLED]);
        OrderRecord {
            filled,
            cancelled: d & CANCELLED != 0,
        }
    }

    /// The stored word. `filled` has 255 bits: an order of 2^255 units or
    /// more cannot be filled past them (`Panic(0x11)`, as Solidity's checked
    /// arithmetic on a `uint255` would), which no real token supply reaches.
    fn encode(&self) -> Result<B256, Error> {
        let [a, b, c, d] = *self.filled.as_limbs();
        if d & CANCELLED != 0 {
            return Err(Error::overflow());
        }
        let flag = if self.cancelled { CANCELLED } else { 0 };
        Ok(U256::from_limbs([a, b, c, d | flag]).word())
    }
}

impl AATExchange {
    pub(crate) fn order_record(&self, order_hash: &B256) -> OrderRecord {
        OrderRecord::decode(&slot::load(&ORDERS.at(order_hash.as_slice())))
    }

    pub(crate) fn set_order_record(
        &mut self,
        order_hash: &B256,
        record: &OrderRecord,
    ) -> Result<(), Error> {
        slot::store(&ORDERS.at(order_hash.as_slice()), &record.encode()?);
        Ok(())
    }

    /// `minNonce(maker)`: the nonce floor; every order of `maker` with a lower nonce is void.
    #[must_use]
    pub fn min_nonce(&self, maker: Address) -> u64 {
        let word = slot::load(&MIN_NONCES.at(maker.as_slice()));
        abi_core::codec::read_u64(&word.0, 24)
    }

    pub(crate) fn set_min_nonce(&mut self, maker: &Address, floor: u64) {
        slot::store(&MIN_NONCES.at(maker.as_slice()), &floor.word());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_round_trips_through_its_word() {
        for filled in [U256::ZERO, U256::from(1), U256::MAX >> 1] {
            for cancelled in [false, true] {
                let record = OrderRecord { filled, cancelled };
                let word = record.encode().unwrap();
                assert_eq!(OrderRecord::decode(&word), record);
                assert_eq!(word[0] >> 7 == 1, cancelled, "the flag is the top bit");
            }
        }
        let too_much = OrderRecord {
            filled: U256::from(1) << 255,
            cancelled: false,
        };
        assert_eq!(too_much.encode(), Err(Error::overflow()));
        assert_eq!(OrderRecord::decode(&B256::ZERO), OrderRecord::default());
    }
}
