//! A `string`/`bytes` value in storage, as its length and its 32-byte words
//! by index. stylus-sdk's `StorageBytes` is not used: its 256-bit slot
//! arithmetic pulls kilobytes of division into the wasm.

use alloc::vec::Vec;

use alloy_primitives::{Uint, B256};
use stylus_sdk::{
    prelude::*,
    storage::{StorageB256, StorageMap, StorageU32},
};

/// Stored bytes (a name, a symbol, a URI template).
#[storage]
pub struct StoredBytes {
    len: StorageU32,
    words: StorageMap<u32, StorageB256>,
}

impl StoredBytes {
    /// The stored value, as many bytes as were last set.
    #[must_use]
    pub fn get(&self) -> Vec<u8> {
        let len = self.len.get().to::<u32>();
        let mut bytes = Vec::with_capacity(len as usize + 31);
        for index in 0..len.div_ceil(32) {
            bytes.extend_from_slice(self.words.get(index).as_slice());
        }
        bytes.truncate(len as usize);
        bytes
    }

    /// Replaces the value. Words past the new length may keep old bytes;
    /// `get` never reads them.
    pub fn set(&mut self, bytes: &[u8]) {
        // Calldata cannot come near 4 GiB: the length fits in 32 bits.
        #[allow(clippy::cast_possible_truncation)]
        let len = bytes.len() as u32;
        self.len.set(Uint::from(len));
        for (index, chunk) in (0u32..).zip(bytes.chunks(32)) {
            let mut word = B256::ZERO;
            word[..chunk.len()].copy_from_slice(chunk);
            self.words.setter(index).set(word);
        }
    }
}
