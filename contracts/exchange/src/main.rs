//! `cargo stylus export-abi` entry point: prints AATExchange's ABI.
#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]

abi_core::export_abi_main!(
    exchange::AATExchange,
    exchange::abi::events,
    abi_core::access::OWNER_AND_PAUSE_EVENT_DECLARATIONS
);
