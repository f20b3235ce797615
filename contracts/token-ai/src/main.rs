//! `cargo stylus export-abi` entry point: prints TokenAI's ABI, which is
//! its spec file.
#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]

abi_core::export_abi_main!(
    interface: "ITokenAI", include_str!("../../../spec/ITokenAI.sol"),
    abi: token_ai::ITokenAI::abi::contract,
    structs: [],
    constructor: token_ai::router::CONSTRUCTOR,
);
