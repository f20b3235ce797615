//! A `string`/`bytes` value in storage, as its length and its 32-byte words
//! by index, in slots of a `Map` of its own. stylus-sdk's `StorageBytes`
//! is not used: its 256-bit slot arithmetic pulls kilobytes of division
//! into the wasm.

use alloc::vec::Vec;

use alloy_primitives::B256;

use crate::{codec::read_u64, slot};

/// Stored bytes (a name, a symbol, a URI template): the length at the
/// map's slot of the empty key, word `i` at the slot of `i` (4 bytes, big
/// endian). Taken by value (`Copy`): a method on a reference to a
/// constant would put the constant in the data segments.
#[derive(Clone, Copy)]
pub struct StoredBytes {
    map: slot::Map,
}

impl StoredBytes {
    /// The value called `name` (its map's name).
    #[must_use]
    pub const fn named(name: &[u8]) -> Self {
        StoredBytes {
            map: slot::Map::named(name),
        }
    }

    /// The stored value, as many bytes as were last set.
    #[must_use]
    pub fn get(self) -> Vec<u8> {
        let len = read_u64(&slot::load(&self.map.at(&[])).0, 24);
        // Only `set` writes the length, from a slice's: it fits in usize.
        #[allow(clippy::cast_possible_truncation)]
        let len = len as usize;
        let mut bytes = Vec::with_capacity(len + 31);
        for index in 0..len.div_ceil(32) {
            // Fewer than 2^32 words: the length came from calldata.
            #[allow(clippy::cast_possible_truncation)]
            let key = (index as u32).to_be_bytes();
            bytes.extend_from_slice(slot::load(&self.map.at(&key)).as_slice());
        }
        bytes.truncate(len);
        bytes
    }

    /// Replaces the value. Words past the new length may keep old bytes;
    /// `get` never reads them.
    pub fn set(self, bytes: &[u8]) {
        let mut len = B256::ZERO;
        len[24..].copy_from_slice(&(bytes.len() as u64).to_be_bytes());
        slot::store(&self.map.at(&[]), &len);
        for (index, chunk) in (0u32..).zip(bytes.chunks(32)) {
            let mut word = B256::ZERO;
            word[..chunk.len()].copy_from_slice(chunk);
            slot::store(&self.map.at(&index.to_be_bytes()), &word);
        }
    }
}
