//! `cargo stylus export-abi` entry point: prints AATExchange's ABI, which is
//! its spec file.
#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]

abi_core::export_abi_main!(
    interface: "IAATExchange", include_str!("../../../spec/IAATExchange.sol"),
    abi: exchange::IAATExchange::abi::contract,
    structs: [exchange::IAATExchange::Order],
    constructor: exchange::router::CONSTRUCTOR,
);
