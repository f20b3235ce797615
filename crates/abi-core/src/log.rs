//! Event emission with hand-laid topics and data (`codec`): alloy's generic
//! event encoding costs kilobytes of wasm per contract. Each contract's
//! tests compare every event it emits with alloy's own encoding of the
//! spec's event type.

use alloy_primitives::B256;

/// Emits a log with `topics` (the event's signature hash first, then its
/// indexed arguments) and `data` (its other arguments, ABI-encoded).
///
/// stylus-sdk 0.9 deprecates this free host function in favour of
/// `.vm().raw_log`, but a `&dyn Host` passed into a shared function links
/// the whole host vtable into the program (about 2 KB measured in AAT).
#[allow(deprecated)]
pub fn emit(topics: &[B256], data: &[u8]) {
    // Fails only for more than four topics, which no event has.
    let _ = stylus_sdk::evm::raw_log(topics, data);
}
