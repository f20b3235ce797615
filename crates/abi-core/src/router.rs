//! The hand-written router: a contract lists its functions once with
//! `functions!` (selector and Solidity declaration: what the program
//! dispatches on is what the ABI export prints), implements [`Contract`]
//! with one `match` from selector to Rust call, and `entrypoint!` plugs that
//! into stylus-sdk's `#[entrypoint]`. This replaces stylus-sdk's `#[public]`,
//! whose generated router and alloy's generic ABI codec cost tens of
//! kilobytes of wasm (AAT measured 37.7 KB compressed with it).

use alloc::vec::Vec;

use stylus_sdk::{prelude::*, ArbResult};

use crate::{
    codec::{Args, Malformed, Word},
    Revert,
};

/// Declares each external function's selector constant (computed at compile
/// time from its name and argument types) and `FUNCTIONS`, the table of every
/// selector with its Solidity declaration, which the ABI export prints. A
/// unit test of each contract parses every declaration and checks that it
/// has its selector.
#[macro_export]
macro_rules! functions {
    ($($selector:ident = $name:literal($($ty:ty),*) => $declaration:literal;)*) => {
        $(#[allow(missing_docs)] pub const $selector: u32 = u32::from_be_bytes(
            $crate::stylus_sdk::function_selector!($name $(, $ty)*));)*
        /// Every external function: its selector and its Solidity declaration.
        pub const FUNCTIONS: &[(u32, &str)] = &[$(($selector, $declaration),)*];
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

/// Entry of every call but the constructor. No function is payable: value
/// reverts without data, as Solidity's non-payable functions do.
pub fn route<C: Contract>(contract: &mut C, selector: u32, input: &[u8]) -> Option<ArbResult> {
    if !contract.vm().msg_value().is_zero() {
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
pub fn construct<C: Contract>(contract: &mut C, input: &[u8]) -> ArbResult {
    if !contract.vm().msg_value().is_zero() {
        return Err(Vec::new());
    }
    contract
        .construct(&mut Args::new(input))
        .map(|()| Vec::new())
        .map_err(Into::into)
}

/// Implements stylus-sdk's `Router` for a [`Contract`], for `#[entrypoint]`:
/// calls go through [`route`], deployment through [`construct`] once the
/// SDK's constructor guard passed; no receive, no fallback.
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
                if let Err(err) = storage.check_constructor_slot() {
                    return Some(Err(err));
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

/// Writes a contract's Solidity interface as `cargo stylus export-abi`
/// prints it: `structs` (whole declarations), every function of each table,
/// then every error.
///
/// # Errors
///
/// The formatter's.
pub fn fmt_interface(
    f: &mut core::fmt::Formatter<'_>,
    name: &str,
    structs: &[&str],
    tables: &[&[(u32, &str)]],
    errors: &[(&str, &[&str])],
) -> core::fmt::Result {
    write!(f, "interface I{name} {{")?;
    for declaration in structs {
        write!(f, "\n    {declaration}")?;
    }
    for (_, declaration) in tables.iter().flat_map(|table| table.iter()) {
        write!(f, "\n    {declaration};")?;
    }
    for (signature, names) in errors {
        // `Name(type,type)` and the names: `Name(type name, type name)`.
        // Error parameters here are all static types, so no commas nest.
        let (name, types) = signature.split_once('(').unwrap_or((signature, ")"));
        let types = types.strip_suffix(')').unwrap_or(types);
        write!(f, "\n    error {name}(")?;
        for (i, ty) in types.split(',').filter(|t| !t.is_empty()).enumerate() {
            let separator = if i == 0 { "" } else { ", " };
            match names.get(i) {
                Some(param) => write!(f, "{separator}{ty} {param}")?,
                None => write!(f, "{separator}{ty}")?,
            }
        }
        write!(f, ");")?;
    }
    writeln!(f, "\n}}")
}

/// Implements stylus-sdk's `GenerateAbi` (what `cargo stylus export-abi` and
/// `abi-export` print) from the contract's tables: its structs, functions,
/// errors and constructor.
#[macro_export]
macro_rules! generate_abi {
    ($contract:ty, $name:literal, structs: $structs:expr, functions: $tables:expr,
     errors: $errors:expr, constructor: $constructor:expr $(,)?) => {
        impl $crate::stylus_sdk::abi::GenerateAbi for $contract {
            const NAME: &'static str = $name;

            fn fmt_abi(f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                $crate::router::fmt_interface(f, $name, $structs, $tables, $errors)
            }

            fn fmt_constructor_signature(
                f: &mut ::core::fmt::Formatter<'_>,
            ) -> ::core::fmt::Result {
                f.write_str($constructor)
            }
        }
    };
}

/// The body of a contract's `src/main.rs`, the binary `cargo stylus
/// export-abi` runs: with the `export-abi` feature it prints the ABI of
/// `$contract` (its `GenerateAbi`, see `generate_abi!`) with the events
/// `$events()` lists and those of `access` (all of them, or the
/// declarations a third argument names, such as
/// `access::OWNER_AND_PAUSE_EVENT_DECLARATIONS` for a contract without
/// minters), as `abi_export::export` describes; without it, an empty entry
/// point (the program itself is the library). The file itself starts with
/// `#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]`.
#[macro_export]
macro_rules! export_abi_main {
    ($contract:ty, $events:path) => {
        $crate::export_abi_main!($contract, $events, $crate::access::EVENT_DECLARATIONS);
    };
    ($contract:ty, $events:path, $access_events:expr) => {
        #[cfg(not(any(test, feature = "export-abi")))]
        #[no_mangle]
        pub extern "C" fn main() {}

        #[cfg(feature = "export-abi")]
        fn main() {
            use $crate::stylus_sdk::abi::GenerateAbi;
            let generated = ::abi_export::Generated {
                interface: <$contract>::fmt_abi,
                constructor: <$contract>::fmt_constructor_signature,
            };
            let mut events = $events();
            events.extend($access_events.iter().map(|declaration| {
                ::alloy_json_abi::Event::parse(declaration).expect("a valid declaration")
            }));
            ::abi_export::export(generated, &events);
        }
    };
}
