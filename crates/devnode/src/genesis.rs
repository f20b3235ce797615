//! Genesis: the dev accounts, and the system contracts real Stylus chains
//! have, deployed the way they got there.
//!
//! The CREATE2 factory arrives through its well-known keyless transaction,
//! and StylusDeployer through that factory with salt 0, from the creation
//! code cargo-stylus's library ships: so it lands at its canonical address
//! with exactly the code real chains have there (checked below).

use alloy::{
    consensus::{transaction::SignerRecoverable, Transaction as _, TxEnvelope},
    eips::eip2718::Decodable2718,
    primitives::{address, Address, Bytes, TxKind, B256},
    signers::local::{coins_bip39::English, MnemonicBuilder, PrivateKeySigner},
};

use crate::chain::Chain;

/// The bytes as `stylus-tools` ships them (see build.rs).
mod bytecode {
    include!(concat!(env!("OUT_DIR"), "/system.rs"));
}

/// Canonical addresses (as stylus-tools' devnet set-up names them).
pub mod addresses {
    use super::{address, Address};
    /// The deterministic deployment proxy.
    pub const CREATE2_FACTORY: Address = address!("0x4e59b44847b379578588920ca78fbf26c0b4956c");
    /// StylusDeployer, where `cargo stylus deploy` sends constructor deployments.
    pub const STYLUS_DEPLOYER: Address = address!("0xcEcba2F1DC234f70Dd89F2041029807F8D03A990");
}

/// The standard test mnemonic (anvil's, hardhat's): its first accounts are
/// what wallets and test suites expect on a dev chain.
pub const TEST_MNEMONIC: &str = "test test test test test test test test test test test junk";

/// The first `count` accounts of `mnemonic` (m/44'/60'/0'/0/i).
///
/// # Errors
///
/// A mnemonic that does not derive.
pub fn dev_keys(mnemonic: &str, count: usize) -> Result<Vec<PrivateKeySigner>, String> {
    (0..count)
        .map(|i| {
            MnemonicBuilder::<English>::default()
                .phrase(mnemonic)
                .index(i as u32)
                .and_then(|b| b.build())
                .map_err(|e| format!("mnemonic: {e}"))
        })
        .collect()
}

fn hex_bytes(hex: &str) -> Result<Bytes, String> {
    hex::decode(hex)
        .map(Bytes::from)
        .map_err(|e| format!("bad hex: {e}"))
}

/// Deploys the CREATE2 factory and StylusDeployer.
///
/// # Errors
///
/// Either deployment fails or lands away from its canonical address.
pub fn deploy_system_contracts(chain: &mut Chain) -> Result<(), String> {
    // The factory: the keyless pre-EIP-155 transaction every chain replays.
    let raw = hex_bytes(bytecode::CREATE2_FACTORY_RAW_TX)?;
    let tx = TxEnvelope::decode_2718(&mut raw.as_ref()).map_err(|e| e.to_string())?;
    let signer = tx.recover_signer().map_err(|e| e.to_string())?;
    chain.genesis_call(signer, TxKind::Create, tx.input().clone())?;
    if chain.code(addresses::CREATE2_FACTORY).is_empty() {
        return Err("the CREATE2 factory did not land at its address".into());
    }
    // StylusDeployer: salt 0 through the factory.
    let mut data = B256::ZERO.to_vec();
    data.extend_from_slice(&hex_bytes(bytecode::STYLUS_DEPLOYER)?);
    chain.genesis_call(
        signer,
        TxKind::Call(addresses::CREATE2_FACTORY),
        data.into(),
    )?;
    if chain.code(addresses::STYLUS_DEPLOYER).is_empty() {
        return Err("StylusDeployer did not land at its canonical address".into());
    }
    Ok(())
}
