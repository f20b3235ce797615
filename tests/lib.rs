//! Suite-level tests live beside this file, one integration test each:
//! `abi_completeness` compares the generated ABI with the spec; `flows` runs
//! the product's end-to-end flows with TokenAI and AAT both live.
