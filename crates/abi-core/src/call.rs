//! Calls to other contracts, bytes in, bytes out.

use alloc::vec::Vec;

use alloy_primitives::Address;
use stylus_sdk::call::RawCall;

/// Calls `to` with `calldata` and no value: its return data, or its revert
/// data. The storage cache is written out and cleared first, so the callee
/// sees this contract's state and this contract re-reads what a reentrant
/// call may have changed (what stylus-sdk's deprecated `call::call` does,
/// without its error type).
///
/// # Errors
///
/// The callee's revert data when the call fails (it reverted, trapped or ran out of gas).
pub fn call(to: Address, calldata: &[u8]) -> Result<Vec<u8>, Vec<u8>> {
    // Safe: the cleared cache leaves no storage reference to alias.
    unsafe { RawCall::new().clear_storage_cache().call(to, calldata) }
}
