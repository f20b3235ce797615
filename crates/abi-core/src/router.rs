//! The hand-written router: a contract names its functions' selectors once
//! with `selectors!` (each from the call type `sol!` generates from the
//! spec file, which is also the ABI the export prints), implements [`Contract`]
//! with one `match` from selector to Rust call, and `entrypoint!` exports
//! the program's entry point ([`enter`]) and plugs the contract into
//! stylus-sdk's `Router` for the host tests. This replaces stylus-sdk's
//! `#[public]`, whose generated router and alloy's generic ABI codec cost
//! tens of kilobytes of wasm (AAT measured 37.7 KB compressed with it), and
//! its `#[entrypoint]`, whose calldata and return vectors were two heap
//! allocations a call.

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

/// A function's return data.
#[derive(Debug, PartialEq, Eq)]
pub enum Output {
    /// One static value, the common case: held inline, so that returning it
    /// allocates nothing.
    Word(B256),
    /// Anything else, encoded; empty for a function returning nothing.
    Data(Vec<u8>),
}

impl Output {
    /// The bytes returned.
    #[must_use]
    pub fn as_slice(&self) -> &[u8] {
        match self {
            Output::Word(word) => word.as_slice(),
            Output::Data(data) => data,
        }
    }
}

impl From<Vec<u8>> for Output {
    fn from(data: Vec<u8>) -> Self {
        Output::Data(data)
    }
}

impl From<Output> for Vec<u8> {
    fn from(output: Output) -> Self {
        match output {
            Output::Word(word) => word.to_vec(),
            Output::Data(data) => data,
        }
    }
}

/// What a routed call returns: its return data, or `None` for a selector
/// the routing step does not know.
pub type Routed = Result<Option<Output>, Failure>;

/// The answer of a function returning one static value. Out of line, and
/// returning the whole `Routed`: a router arm's tail call then writes the
/// answer where the router returns it, with no copy and no conversion in
/// each arm.
///
/// # Errors
///
/// None: every router arm answers a `Routed`.
#[allow(clippy::needless_pass_by_value)] // callers hand over fresh values
#[allow(clippy::unnecessary_wraps)]
#[inline(never)]
pub fn word(value: impl Word) -> Routed {
    Ok(Some(Output::Word(value.word())))
}

/// The answer of a function returning encoded data.
///
/// # Errors
///
/// None: every router arm answers a `Routed`.
#[allow(clippy::unnecessary_wraps)]
pub fn data(data: Vec<u8>) -> Routed {
    Ok(Some(Output::Data(data)))
}

/// The answer of a function returning nothing, once it succeeded.
///
/// # Errors
///
/// The function's revert.
pub fn done(result: Result<(), Revert>) -> Routed {
    result?;
    Ok(Some(Output::Data(Vec::new())))
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
    routed(contract, selector, input).map(|result| result.map(Into::into))
}

/// [`route`], keeping a single word's return data inline.
fn routed<C: Contract>(
    contract: &mut C,
    selector: u32,
    input: &[u8],
) -> Option<Result<Output, Vec<u8>>> {
    if value_sent() {
        return Some(Err(Vec::new()));
    }
    match contract.call(selector, &mut Args::new(input)) {
        Ok(Some(output)) => Some(Ok(output)),
        Ok(None) => None,
        Err(failure) => Some(Err(failure.into())),
    }
}

/// A call's outcome, as the entry point answers it: the constructor once
/// (the guard refuses a second), a known selector, and nothing else (no
/// receive, no fallback: empty calldata, short calldata and unknown
/// selectors revert without data), as stylus-sdk's `router_entrypoint`
/// routes a `Router` without them.
///
/// # Errors
///
/// The revert data: empty for calldata the router refuses, the function's
/// error otherwise.
pub fn dispatch<C: Contract>(contract: &mut C, input: &[u8]) -> Result<Output, Vec<u8>> {
    let Some((selector, args)) = input.split_first_chunk::<4>() else {
        return Err(Vec::new());
    };
    let selector = u32::from_be_bytes(*selector);
    if selector == stylus_sdk::abi::CONSTRUCTOR_SELECTOR {
        return construct(contract, args).map(Output::Data);
    }
    routed(contract, selector, args).unwrap_or(Err(Vec::new()))
}

/// Nitro activates a program whose memory may grow only if it imports
/// `pay_for_memory_grow`, which the chain then calls on each `memory.grow`
/// (Nitro's heap bound). The import exists only if code calls it:
/// stylus-sdk's entry point calls it with 0 on every call (a host call's
/// ink each time); this one does on construction, once.
fn keep_memory_grow_import() {
    #[cfg(target_arch = "wasm32")]
    // Safe: growing by nothing only pays a host call.
    unsafe {
        stylus_sdk::hostio::pay_for_memory_grow(0);
    }
}

/// Calldata up to this many bytes is read into a static buffer (zeroed
/// memory, not a data segment); longer calldata goes to the heap.
#[cfg(target_arch = "wasm32")]
const CALLDATA_BUFFER: usize = 2048;

/// The calldata of this call, read from the host.
///
/// # Safety
///
/// Called once per program instance (by `enter`): a second call would
/// rewrite the static buffer under the first one's slice.
#[cfg(target_arch = "wasm32")]
unsafe fn calldata(len: usize) -> &'static [u8] {
    static mut BUFFER: [u8; CALLDATA_BUFFER] = [0; CALLDATA_BUFFER];
    let dest = if len <= CALLDATA_BUFFER {
        core::ptr::addr_of_mut!(BUFFER).cast::<u8>()
    } else {
        // Kept to the end of the call, which ends the program's memory.
        let mut heap = Vec::<u8>::with_capacity(len);
        let dest = heap.as_mut_ptr();
        core::mem::forget(heap);
        dest
    };
    // Safe: the host writes `len` bytes, which `dest` has room for, and
    // (the caller's promise) nothing else refers to the buffer.
    unsafe {
        stylus_sdk::hostio::read_args(dest);
        core::slice::from_raw_parts(dest, len)
    }
}

/// The program's entry point, which `entrypoint!` exports as
/// `user_entrypoint`: what stylus-sdk's `#[entrypoint]` does, without its
/// two heap allocations (calldata is read into a static buffer, a word's
/// return data stays inline) and without its host call on every entry to
/// `pay_for_memory_grow` (`keep_memory_grow_import`).
/// A reentrant call reverts, as stylus-sdk's entry point makes it without
/// its `reentrant` feature; writes go through the host's storage cache,
/// flushed before the return data is written.
///
/// # Safety
///
/// Called once per program instance, as its exported entry point: the
/// calldata sits in a static buffer for the rest of the call.
#[cfg(target_arch = "wasm32")]
pub unsafe fn enter<C: Contract + stylus_sdk::storage::StorageType>(len: usize) -> usize {
    use stylus_sdk::hostio;
    // Safe: host calls without arguments to check.
    if unsafe { hostio::msg_reentrant() } {
        return 1;
    }
    // Safe: the caller's promise, once per instance.
    let input = unsafe { calldata(len) };
    // Safe: a contract's storage starts at slot 0, as stylus-sdk's entry
    // point makes it; these contracts have no storage fields.
    let mut contract = unsafe {
        C::new(
            alloy_primitives::U256::ZERO,
            0,
            stylus_sdk::host::VM(stylus_sdk::host::WasmVM {}),
        )
    };
    let result = dispatch(&mut contract, input);
    let (data, status) = match &result {
        Ok(output) => (output.as_slice(), 0),
        Err(revert) => (revert.as_slice(), 1),
    };
    // Safe: `data` is `len` readable bytes.
    unsafe {
        hostio::storage_flush_cache(false);
        hostio::write_result(data.as_ptr(), data.len());
    }
    status
}

/// Entry of the deployment call, for the entry point and the host tests'
/// `Router` alike: once (the constructor guard, `first_construction`,
/// refuses a second), and not payable either.
///
/// # Errors
///
/// Empty revert data on a second construction, when value is sent or the
/// arguments are malformed; the constructor's revert data when it reverts.
pub fn construct<C: Contract>(contract: &mut C, input: &[u8]) -> ArbResult {
    if !first_construction() {
        return Err(Vec::new());
    }
    keep_memory_grow_import();
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

/// Makes a [`Contract`] a program: exports its entry point (`enter`, as
/// `user_entrypoint`, in the wasm build only), marks it top-level storage
/// (what stylus-sdk's `#[entrypoint]` did) and implements stylus-sdk's
/// `Router` for it, through which the host tests (motsu) call it: calls go
/// through [`route`], deployment through [`construct`]; no receive, no
/// fallback.
#[macro_export]
macro_rules! entrypoint {
    ($contract:ty) => {
        /// The program's entry point (`abi_core::router::enter`).
        #[cfg(target_arch = "wasm32")]
        #[no_mangle]
        pub extern "C" fn user_entrypoint(len: usize) -> usize {
            // Safe: the host calls the entry point once per instance.
            unsafe { $crate::router::enter::<$contract>(len) }
        }

        // Safe: the contract is the program's whole storage, as
        // `#[entrypoint]` declares it.
        unsafe impl $crate::stylus_sdk::stylus_core::storage::TopLevelStorage for $contract {}

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
                Some($crate::router::construct(storage.borrow_mut(), input))
            }
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
