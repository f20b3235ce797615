//! `cargo stylus export-abi` entry point: prints TokenAI's ABI.
#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]

abi_core::export_abi_main!(token_ai::TokenAI, token_ai::abi::events);
