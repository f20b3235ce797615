//! Signatures for tests: typed data signed synchronously, and a smart
//! account whose ERC-1271 answer is whatever it is sent.

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, Bytes},
    providers::Provider,
    rpc::types::TransactionRequest,
    signers::{local::PrivateKeySigner, SignerSync},
    sol_types::{Eip712Domain, SolStruct},
};

use aat_client::signature::ERC1271_MAGIC;

use super::World;

/// A smart account for tests: `isValidSignature(hash, sig)` answers `sig`
/// itself as its return data (so a signature starting with the magic word
/// is "valid", one shorter than a word is short data, an empty one
/// reverts), and any other call (`onERC1155Received`...) answers its own
/// selector, left-aligned, as a receiver accepting tokens does.
///
/// ```text
/// 0x00 PUSH1 0 CALLDATALOAD PUSH1 0xe0 SHR          selector
/// 0x06 DUP1 PUSH4 0x1626ba7e EQ PUSH1 0x1b JUMPI
/// 0x10 PUSH1 0xe0 SHL PUSH1 0 MSTORE PUSH1 0x20 PUSH1 0 RETURN
/// 0x1b JUMPDEST POP PUSH1 0x44 CALLDATALOAD          the signature's length
/// 0x20 DUP1 ISZERO PUSH1 0x2e JUMPI
/// 0x25 DUP1 PUSH1 0x64 PUSH1 0 CALLDATACOPY PUSH1 0 RETURN
/// 0x2e JUMPDEST PUSH1 0 DUP1 REVERT
/// ```
pub const ECHO_WALLET: &str =
    "60003560e01c80631626ba7e14601b5760e01b60005260206000f35b506044358015602e57\
                           8060646000376000f35b600080fd";

/// A smart account that signs only where nothing is paid for gas: its
/// `isValidSignature` answers the magic value when the gas price is zero
/// (an `eth_call`, an estimate) and reverts in a real transaction.
///
/// ```text
/// 0x00 GASPRICE ISZERO PUSH1 9 JUMPI   REVERT(0, 0) unless zero
/// 0x09 JUMPDEST PUSH4 0x1626ba7e PUSH1 0xe0 SHL PUSH1 0 MSTORE
///      PUSH1 0x20 PUSH1 0 RETURN
/// ```
pub const FREE_GAS_WALLET: &str = "3a15600957600080fd5b631626ba7e60e01b60005260206000f3";

/// Deploys [`ECHO_WALLET`]; returns its address.
pub async fn echo_wallet(world: &World) -> Address {
    deploy_wallet(world, ECHO_WALLET).await
}

/// Deploys a wallet whose runtime is `runtime_hex`; returns its address.
pub async fn deploy_wallet(world: &World, runtime_hex: &str) -> Address {
    let runtime = alloy::hex::decode(runtime_hex).unwrap();
    let len = u8::try_from(runtime.len()).unwrap();
    // CODECOPY the runtime that follows these 12 bytes, and RETURN it.
    let mut init = vec![0x60, len, 0x60, 12, 0x60, 0, 0x39, 0x60, len, 0x60, 0, 0xf3];
    init.extend_from_slice(&runtime);
    let receipt = world
        .owner
        .provider
        .send_transaction(TransactionRequest::default().with_deploy_code(Bytes::from(init)))
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    receipt.contract_address.expect("deployed")
}

/// The magic value as a whole word: the echo wallet's yes.
pub fn magic_word() -> Vec<u8> {
    let mut word = vec![0u8; 32];
    word[..4].copy_from_slice(&ERC1271_MAGIC);
    word
}

/// `key`'s 65-byte signature of `message` in `domain`.
pub fn sign<T: SolStruct>(key: &PrivateKeySigner, domain: &Eip712Domain, message: &T) -> Vec<u8> {
    key.sign_hash_sync(&message.eip712_signing_hash(domain))
        .unwrap()
        .as_bytes()
        .to_vec()
}
