//! `cargo stylus export-abi` entry point: prints AAT's ABI, which is
//! its spec file.
#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]

abi_core::export_abi_main!(
    interface: "IAAT", include_str!("../../../spec/IAAT.sol"),
    abi: aat::IAAT::abi::contract,
    structs: [aat::IAAT::Voucher],
    constructor: aat::router::CONSTRUCTOR,
);
