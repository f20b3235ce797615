//! The lean ABI core both Stylus contracts of the suite are built on.
//!
//! - `router`: a selector table that is both what a program dispatches on
//!   and what its ABI export prints, and the glue into stylus-sdk's
//!   `#[entrypoint]`;
//! - `codec`: strict calldata decoding and hand-laid return, event and
//!   call encoding;
//! - `revert` and `log`: custom errors and events, word for word as
//!   Solidity lays them out;
//! - `access`: two-step ownership, pause and minters, with their routing;
//! - `eip712` and `signature`: typed-data digests, ERC-5267, and who signed
//!   a digest (ecrecover with low `s`, ERC-1271 for smart accounts);
//! - `call`: calls to other contracts; `slot`: raw storage slots; `cmp`:
//!   comparisons without `memcmp`; `math`: checked `U256` arithmetic
//!   without ruint's limb loops;
//! - `text`: strings in storage.
//!
//! Everything here replaces a generic part (stylus-sdk's `#[public]` router,
//! alloy's ABI codec, OpenZeppelin's components) that costs kilobytes of
//! wasm under the 24 KiB program limit; each module says which and why.
#![cfg_attr(not(test), no_std)]
extern crate alloc;

pub mod access;
pub mod call;
pub mod cmp;
pub mod codec;
pub mod eip712;
pub mod log;
pub mod math;
pub mod mem;
pub mod revert;
pub mod router;
pub mod signature;
pub mod slot;
#[cfg(feature = "testing")]
pub mod testing;
pub mod text;

pub use revert::{OrOverflow, Revert};
pub use stylus_sdk;

/// What the exported macros name; not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use alloc::vec::Vec;
    pub use alloy_sol_types::{SolCall, SolError};
}
