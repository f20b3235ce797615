//! `cargo stylus export-abi` entry point: prints AAT's ABI.
#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]

abi_core::export_abi_main!(aat::AAT, aat::abi::events);
