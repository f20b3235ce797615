//! The hand-written router: a contract names its functions' selectors once
//! with `selectors!` (each from the call type `sol!` generates from the
//! spec file, which is also the ABI the export prints), implements [`Contract`]
//! with one `match` from selector to Rust call, and `entrypoint!` plugs that
//! into stylus-sdk's `#[entrypoint]`. This replaces stylus-sdk's `#[public]`,
//! whose generated router and alloy's generic ABI codec cost tens of
//! kilobytes of wasm (AAT measured 37.7 KB compressed with it).

use alloc::vec::Vec;

use alloy_primitives::B256;
use stylus_sdk::{keccak_const::Keccak256, prelude::*, ArbResult};

use crate::{
    codec::{Args, Malformed, Word},
    Revert,
};

/// Declares each external function's selector constant, taken from the
/// call type `sol!` generates from the spec file (a constant: no wasm), and
/// `SELECTORS`, every selector the router dispatches. Each contract's routing
/// tests check that the selectors are exactly the spec's functions and that
/// each reaches its function.
///
/// ```ignore
/// abi_core::selectors! {
///     TRANSFER = ITokenAI::transferCall;
/// }
/// ```
#[macro_export]
macro_rules! selectors {
    ($($selector:ident = $call:ty;)*) => {
        $(#[allow(missing_docs)] pub const $selector: u32 = u32::from_be_bytes(
            <$call as $crate::__private::SolCall>::SELECTOR);)*
        /// Every selector this router dispatches.
        pub const SELECTORS: &[u32] = &[$($selector,)*];
    };
}

/// Why a call did not return.
#[derive(Debug, PartialEq, Eq)]
pub enum Failure {
    /// The calldata does not decode: revert without data, as Solidity does.
    Malformed,
    /// The function reverted.
    Reverted(Revert),
}

impl From<Malformed> for Failure {
    fn from(_: Malformed) -> Self {
        Failure::Malformed
    }
}

impl From<Revert> for Failure {
    fn from(revert: Revert) -> Self {
        Failure::Reverted(revert)
    }
}

impl From<Failure> for Vec<u8> {
    fn from(failure: Failure) -> Self {
        match failure {
            Failure::Malformed => Vec::new(),
            Failure::Reverted(revert) => revert.into(),
        }
    }
}

/// What a routed call returns: its return data, or `None` for a selector
/// the routing step does not know.
pub type Routed = Result<Option<Vec<u8>>, Failure>;

/// The return data of a function returning one static value.
#[allow(clippy::needless_pass_by_value)] // callers hand over fresh values
pub fn word(value: impl Word) -> Vec<u8> {
    value.word().to_vec()
}

/// The return data of a function returning nothing, once it succeeded.
///
/// # Errors
///
/// The function's revert.
pub fn done(result: Result<(), Revert>) -> Result<Vec<u8>, Failure> {
    result?;
    Ok(Vec::new())
}

/// A contract with a hand-written router.
pub trait Contract: HostAccess {
    /// Runs the function `selector` names on its arguments; `Ok(None)` for
    /// an unknown selector.
    ///
    /// # Errors
    ///
    /// Malformed calldata, or the function's revert.
    fn call(&mut self, selector: u32, args: &mut Args<'_>) -> Routed;

    /// Runs the constructor on its arguments.
    ///
    /// # Errors
    ///
    /// Malformed calldata, or the constructor's revert.
    fn construct(&mut self, args: &mut Args<'_>) -> Result<(), Failure>;
}

/// Whether the call carries value: the host's word checked 8 bytes at a
/// time (stylus-sdk's `msg_value` converts it to a `U256` a byte at a time,
/// and `is_zero` compares through `memcmp`: about 15 gas a call).
fn value_sent() -> bool {
    let mut value = [0u8; 32];
    // Safe: the host writes 32 bytes.
    unsafe { stylus_sdk::hostio::msg_value(value.as_mut_ptr()) };
    !crate::cmp::is_zero_word(&value)
}

/// Entry of every call but the constructor. No function is payable: value
/// reverts without data, as Solidity's non-payable functions do.
pub fn route<C: Contract>(contract: &mut C, selector: u32, input: &[u8]) -> Option<ArbResult> {
    if value_sent() {
        return Some(Err(Vec::new()));
    }
    match contract.call(selector, &mut Args::new(input)) {
        Ok(Some(output)) => Some(Ok(output)),
        Ok(None) => None,
        Err(failure) => Some(Err(failure.into())),
    }
}

/// Entry of the deployment call (once; the caller checks the constructor
/// guard). The constructor is not payable either.
///
/// # Errors
///
/// Empty revert data when value is sent or the arguments are malformed; the constructor's
/// revert data when it reverts.
pub fn construct<C: Contract>(contract: &mut C, input: &[u8]) -> ArbResult {
    if value_sent() {
        return Err(Vec::new());
    }
    contract
        .construct(&mut Args::new(input))
        .map(|()| Vec::new())
        .map_err(Into::into)
}

/// The slot of stylus-sdk's constructor guard (its
/// `CONSTRUCTOR_EXECUTED_SLOT`, `keccak256("stylus_constructor")`).
pub const CONSTRUCTOR_GUARD_SLOT: B256 =
    B256::new(Keccak256::new().update(b"stylus_constructor").finalize());

/// stylus-sdk's constructor guard, as its `check_constructor_slot` keeps
/// it (a flag in the low byte of `CONSTRUCTOR_GUARD_SLOT`): whether this is
/// the first construction, which sets the flag. Written here so that the
/// slot is made in the code: the SDK's is a 32-byte constant in the data
/// segments, which Nitro charges every call for.
#[must_use]
pub fn first_construction() -> bool {
    let slot = crate::code_word!(CONSTRUCTOR_GUARD_SLOT);
    let mut flag = crate::slot::load(&slot);
    if flag[31] != 0 {
        return false;
    }
    flag[31] = 1;
    crate::slot::store(&slot, &flag);
    true
}

/// Implements stylus-sdk's `Router` for a [`Contract`], for `#[entrypoint]`:
/// calls go through [`route`], deployment through [`construct`] once the
/// constructor guard passed (`first_construction`); no receive, no fallback.
#[macro_export]
macro_rules! entrypoint {
    ($contract:ty) => {
        impl<S> $crate::stylus_sdk::abi::Router<S> for $contract
        where
            S: $crate::stylus_sdk::stylus_core::storage::TopLevelStorage
                + ::core::borrow::BorrowMut<Self>
                + $crate::stylus_sdk::stylus_core::ValueDenier
                + $crate::stylus_sdk::stylus_core::ConstructorGuard,
        {
            type Storage = Self;

            fn route(
                storage: &mut S,
                selector: u32,
                input: &[u8],
            ) -> Option<$crate::stylus_sdk::ArbResult> {
                $crate::router::route(storage.borrow_mut(), selector, input)
            }

            fn receive(_storage: &mut S) -> Option<Result<(), $crate::__private::Vec<u8>>> {
                None
            }

            fn fallback(_storage: &mut S, _input: &[u8]) -> Option<$crate::stylus_sdk::ArbResult> {
                None
            }

            fn constructor(storage: &mut S, input: &[u8]) -> Option<$crate::stylus_sdk::ArbResult> {
                if !$crate::router::first_construction() {
                    return Some(Err($crate::__private::Vec::new()));
                }
                Some($crate::router::construct(storage.borrow_mut(), input))
            }
        }

        impl $contract {
            /// Required by `#[entrypoint]`, which asserts through it that
            /// `#[public]` overrides are sound; this router has none.
            #[doc(hidden)]
            pub const fn __stylus_assert_overrides() {}
        }
    };
}

/// The body of a contract's `src/main.rs`, the binary `cargo stylus
/// export-abi` runs: with the `export-abi` feature it prints the contract's
/// interface, which is its spec file, and its JSON ABI (`$abi()`, generated
/// by `sol!` from the same file) with its constructor and the names of its
/// structs, as `abi_export::export` describes; without it, an empty entry
/// point (the program itself is the library). The file itself starts with
/// `#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]`.
///
/// ```ignore
/// abi_core::export_abi_main!(
///     interface: "IAAT", include_str!("../../../spec/IAAT.sol"),
///     abi: aat::IAAT::abi::contract,
///     structs: [aat::IAAT::Voucher],
///     constructor: aat::router::CONSTRUCTOR,
/// );
/// ```
#[macro_export]
macro_rules! export_abi_main {
    (interface: $name:literal, $source:expr, abi: $abi:path,
     structs: [$($struct:ty),* $(,)?], constructor: $constructor:expr $(,)?) => {
        /// The program is the library: this entry point does nothing.
        #[cfg(not(any(test, feature = "export-abi")))]
        #[no_mangle]
        pub extern "C" fn main() {}

        /// Prints the ABI (see `abi_export::export`).
        #[cfg(feature = "export-abi")]
        fn main() {
            ::abi_export::export(::abi_export::Spec {
                name: $name,
                source: $source,
                abi: $abi(),
                structs: ::std::vec![$(
                    <$struct as ::alloy_sol_types::SolStruct>::eip712_encode_type().into_owned()
                ),*],
                constructor: $constructor,
            });
        }
    };
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{B256, U256};

    #[test]
    fn the_constructor_guard_is_the_sdks_slot() {
        assert_eq!(
            super::CONSTRUCTOR_GUARD_SLOT,
            B256::from(stylus_sdk::abi::internal::CONSTRUCTOR_EXECUTED_SLOT)
        );
        assert_ne!(super::CONSTRUCTOR_GUARD_SLOT, B256::from(U256::ZERO));
    }
}
