//! Raw storage slots, for all of a contract's state: a slot is addressed
//! by a key already in bytes and read and written through the host
//! functions directly. A contract's few single words sit at small fixed
//! numbers (`fixed`); its records at `Map` slots, keccak outputs that never
//! meet those.
//!
//! No `#[storage]` fields: stylus-sdk builds a contract's storage struct on
//! every call, adding each field's slot to the root as a 256-bit number
//! (ruint's limb loop, out of line: 54 gas a call for TokenAI's fields, 81
//! for AAT's), and its `StorageAddress`-like fields convert their slot
//! through `U256` byte by byte on each read; its `StorageMap` converts keys
//! and slots through `U256` and concatenates them byte by byte, a metered
//! basic block a byte. Writes go to the host's
//! storage cache, which the SDK's entrypoint flushes when the call ends, as
//! it does for its own.

use core::mem::MaybeUninit;

use alloy_primitives::{keccak256, Address, B256, U256};
use stylus_sdk::{hostio, keccak_const::Keccak256};

use crate::codec::{u256_of, Word};

/// A mapping in storage: the record of a key lives at `keccak256(tag ‖
/// key)`, its tag the first 4 bytes of `keccak256(name)`.
///
/// A tag, not a 32-byte domain: Nitro charges every call of a program for
/// the bytes of its data segments (0.75 gas a byte), and a 32-byte domain
/// sits there (or, written into the code, costs more bytes than it saves);
/// 4 bytes are an immediate in the code. The preimage is 28 bytes shorter
/// to hash too.
///
/// The tag is kept as a `u32` whose little-endian bytes are the tag's, and
/// handed to `of` by value: a reference to it would make each `Map` constant
/// a static in the data segments.
#[derive(Clone, Copy)]
pub struct Map {
    tag: u32,
}

impl Map {
    /// The mapping called `name`.
    #[must_use]
    pub const fn named(name: &[u8]) -> Self {
        let hash = Keccak256::new().update(name).finalize();
        Map {
            tag: u32::from_le_bytes([hash[0], hash[1], hash[2], hash[3]]),
        }
    }

    /// The slot of `key`'s record.
    #[must_use]
    pub fn at(self, key: &[u8]) -> B256 {
        of(self.tag, &[key])
    }

    /// The slot of the record keyed by `parts` one after the other (a
    /// holder and an id, an owner and a spender), hashed where they are
    /// laid out: no key array to fill first.
    #[must_use]
    pub fn at_parts(self, parts: &[&[u8]]) -> B256 {
        of(self.tag, parts)
    }
}

/// The slot after `slot`, for a record two words long: slots are keccak
/// outputs, so the next one meets no other record's.
#[must_use]
pub fn next(slot: &B256) -> B256 {
    let mut next = *slot;
    next[31] ^= 1;
    next
}

/// The number stored at `slot`.
#[must_use]
pub fn load_u256(slot: &B256) -> U256 {
    u256_of(&load(slot).0)
}

/// Writes the number `value` at `slot`, as one big-endian word.
pub fn store_u256(slot: &B256, value: &U256) {
    store(slot, &value.word());
}

/// The slot `keccak256(tag ‖ key)`, the tag's bytes those of `tag` in
/// little-endian order (`Map`): never a small number (`fixed`). Two
/// mappings of a contract with keys of one length are told apart by their
/// tags.
/// The key is the `parts` one after the other, at most 96 bytes (a longer
/// one is cut there; no record's is). They are laid out on the stack (an
/// allocation per slot costs more ink than the hash) with bulk copies: the
/// slice copies' bounds checks and the buffer's zeroing were out-of-line
/// calls that cost more than the hash.
#[must_use]
#[inline(never)]
pub fn of(tag: u32, parts: &[&[u8]]) -> B256 {
    let mut preimage = MaybeUninit::<[u8; 100]>::uninit();
    let start = preimage.as_mut_ptr().cast::<u8>();
    let mut len = 4;
    // Safe: every copy stays within the 100 bytes (4 for the tag, then at
    // most 96 of the parts), and the hash reads only the `len` bytes written.
    unsafe {
        start.cast::<[u8; 4]>().write(tag.to_le_bytes());
        for part in parts {
            let take = part.len().min(100 - len);
            core::ptr::copy_nonoverlapping(part.as_ptr(), start.add(len), take);
            len += take;
        }
        keccak256(core::slice::from_raw_parts(start, len))
    }
}

/// Slot `n` of a contract's fixed layout. Made in the code, not a constant:
/// a 32-byte constant sits in the data segments, which Nitro charges every
/// call for (0.75 gas a byte).
#[must_use]
#[inline(never)]
pub fn fixed(n: u8) -> B256 {
    let mut slot = B256::ZERO;
    slot[31] = n;
    slot
}

/// The word at fixed slot `n`.
#[must_use]
pub fn load_fixed(n: u8) -> B256 {
    load(&fixed(n))
}

/// Stores `value` at fixed slot `n`.
pub fn store_fixed(n: u8, value: &B256) {
    store(&fixed(n), value);
}

/// Rewrites the bytes at `at` of fixed slot `n` with `bytes`, keeping the
/// rest of the word: for values packed into one slot (an address, a fee, a
/// flag). Bytes that would fall past the word are not written. A copy,
/// not a bounds-checked slice: the checks' out-of-line panic paths made
/// each program that uses it larger.
pub fn store_fixed_bytes(n: u8, at: usize, bytes: &[u8]) {
    let mut word = load_fixed(n);
    let at = at.min(32);
    let len = bytes.len().min(32 - at);
    // Safe: `at + len <= 32`, the word's size, and `bytes` has `len` bytes.
    unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), word.as_mut_ptr().add(at), len) };
    store_fixed(n, &word);
}

/// The big-endian `u16` at `at` of `word` (a fee packed beside an address).
#[must_use]
pub fn u16_at(word: &B256, at: usize) -> u16 {
    u16::from_be_bytes([word[at], word[at + 1]])
}

/// The address in the low 20 bytes of `word` (where `Word` puts one).
#[must_use]
pub fn address_in(word: &B256) -> Address {
    Address::from_slice(&word[12..])
}

/// The word stored at `slot`.
#[must_use]
pub fn load(slot: &B256) -> B256 {
    let mut word = B256::ZERO;
    // Safe: both pointers address 32 bytes.
    unsafe { hostio::storage_load_bytes32(slot.as_ptr(), word.as_mut_ptr()) };
    word
}

/// Stores `value` at `slot` (through the host's cache, flushed at the end
/// of the call).
pub fn store(slot: &B256, value: &B256) {
    // Safe: both pointers address 32 bytes.
    unsafe { hostio::storage_cache_bytes32(slot.as_ptr(), value.as_ptr()) };
}

#[cfg(test)]
mod tests {
    use alloy_primitives::keccak256;

    use super::*;

    #[test]
    fn a_records_slot_is_the_hash_of_its_maps_tag_and_its_key() {
        const OWNERS: Map = Map::named(b"Example.owners");
        let tag = keccak256(b"Example.owners");
        let key = Address::repeat_byte(0xab);
        let mut preimage = tag[..4].to_vec();
        preimage.extend_from_slice(key.as_slice());
        assert_eq!(OWNERS.at(key.as_slice()), keccak256(&preimage));
        assert_eq!(OWNERS.at(&[]), keccak256(&tag[..4]));
        let id = B256::repeat_byte(0x5a);
        let mut joined = key.to_vec();
        joined.extend_from_slice(id.as_slice());
        assert_eq!(
            OWNERS.at_parts(&[key.as_slice(), id.as_slice()]),
            OWNERS.at(&joined),
            "parts hash as their concatenation"
        );
        let long = [7u8; 120];
        assert_eq!(
            OWNERS.at_parts(&[&long[..50], &long[50..]]),
            OWNERS.at(&long[..96]),
            "a key stops at 96 bytes"
        );
        assert_ne!(
            Map::named(b"Example.owners").at(&[1]),
            Map::named(b"Example.names").at(&[1]),
            "one key, two mappings, two slots"
        );
    }

    #[test]
    #[should_panic(expected = "share a tag")]
    fn two_maps_of_one_name_share_a_tag_and_the_check_says_so() {
        crate::testing::assert_distinct_tags(&[
            b"Example.owners",
            b"Example.names",
            b"Example.owners",
        ]);
    }

    #[test]
    fn a_fixed_slot_is_its_number_and_an_address_is_the_low_20_bytes() {
        assert_eq!(fixed(0), B256::ZERO);
        assert_eq!(fixed(0xa1), B256::from(U256::from(0xa1)));
        let owner = Address::repeat_byte(0xab);
        assert_eq!(address_in(&owner.word()), owner);
        let mut word = owner.word();
        word[10..12].copy_from_slice(&513u16.to_be_bytes());
        assert_eq!((u16_at(&word, 10), address_in(&word)), (513, owner));
    }
}
