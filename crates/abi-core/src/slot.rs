//! Raw storage slots, for a contract's hot records: a slot is addressed by
//! a key already in bytes and read and written through the host functions
//! directly. stylus-sdk's `StorageMap` converts its keys and slots through
//! `U256` and concatenates them byte by byte, a metered basic block a byte,
//! and its own host calls take `U256` keys too. Writes go to the host's
//! storage cache, which the SDK's entrypoint flushes when the call ends, as
//! it does for its own.

use alloy_primitives::{keccak256, B256, U256};
use stylus_sdk::{hostio, keccak_const::Keccak256};

use crate::codec::{u256_of, Word};

/// A mapping in storage: the record of a key lives at
/// `keccak256(keccak256(name) ‖ key)`.
pub struct Map {
    domain: B256,
}

impl Map {
    /// The mapping called `name` (its slots' domain is `keccak256(name)`).
    #[must_use]
    pub const fn named(name: &[u8]) -> Self {
        Map {
            domain: B256::new(Keccak256::new().update(name).finalize()),
        }
    }

    /// The slot of `key`'s record.
    #[must_use]
    pub fn at(&self, key: &[u8]) -> B256 {
        of(&self.domain, key)
    }

    /// `at`, with the domain written into the code (`codec::inline_word`)
    /// instead of read from the data segments: for a function of its own
    /// per mapping (inlined at every use, it costs more size than it saves).
    #[must_use]
    #[inline(always)]
    pub fn at_inlined(&self, key: &[u8]) -> B256 {
        of(&crate::codec::inline_word(&self.domain), key)
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

/// The slot `keccak256(domain ‖ key)`: a domain of its own keeps a
/// contract's records clear of the slots of its `#[storage]` layout (small
/// numbers, and keccaks of 64-byte preimages).
/// Keys are at most 96 bytes (laid out on the stack: an allocation per slot
/// costs more ink than the hash).
#[must_use]
pub fn of(domain: &B256, key: &[u8]) -> B256 {
    let mut preimage = [0u8; 128];
    let len = key.len().min(96);
    preimage[..32].copy_from_slice(domain.as_slice());
    preimage[32..32 + len].copy_from_slice(&key[..len]);
    keccak256(&preimage[..32 + len])
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
