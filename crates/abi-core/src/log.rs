//! Event emission with hand-laid topics and data (`codec`): alloy's generic
//! event encoding costs kilobytes of wasm per contract. Each contract's
//! tests compare every event it emits with alloy's own encoding of the
//! spec's event type.

use alloc::vec::Vec;

use alloy_primitives::B256;
use stylus_sdk::{host::WasmVM, prelude::*};

/// Emits a log with `topics` (the event's signature hash first, then its
/// indexed arguments; at most four) and `data` (its other arguments,
/// ABI-encoded).
///
/// The buffer is laid out here, word by word: stylus-sdk 0.9's `raw_log`
/// (behind `.vm().raw_log` too) collects the topics byte by byte, each byte
/// a metered basic block, which measured about 700 gas of ink per event.
/// And the host is reached through `WasmVM`, not through `.vm()`: a
/// `&dyn Host` passed into a shared function links the whole host vtable
/// into the program (about 2 KB measured in AAT).
pub fn emit(topics: &[B256], data: &[u8]) {
    let mut bytes = Vec::with_capacity(32 * topics.len() + data.len());
    for topic in topics {
        bytes.extend_from_slice(topic.as_slice());
    }
    bytes.extend_from_slice(data);
    WasmVM {}.emit_log(&bytes, topics.len());
}

/// `emit` for an event of static data: `words` are its first `topics`
/// topics (at most four) then its data words, in one array the caller
/// builds, so that nothing is copied or allocated (both cost a fair share
/// of an event's ink).
pub fn emit_words(words: &[B256], topics: usize) {
    WasmVM {}.emit_log(
        crate::codec::as_bytes(words),
        topics.min(4).min(words.len()),
    );
}
