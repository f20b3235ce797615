//! Genesis: the dev accounts, and the system contracts real Stylus chains
//! have, deployed the way they got there.
//!
//! The CREATE2 factory arrives through its well-known keyless transaction,
//! and StylusDeployer through that factory with salt 0, from the creation
//! code cargo-stylus's library ships: so it lands at its canonical address
//! with exactly the code real chains have there (checked below). Multicall3
//! and Permit2 are placed at theirs with their deployed code, checked by
//! hash.

use alloy::{
    consensus::{transaction::SignerRecoverable, Transaction as _, TxEnvelope},
    eips::eip2718::Decodable2718,
    primitives::{address, b256, keccak256, Address, Bytes, TxKind, B256, U256},
    signers::local::{coins_bip39::English, MnemonicBuilder, PrivateKeySigner},
};

use alloy::sol_types::SolValue;

use crate::chain::Chain;

/// Why a chain cannot be made at genesis.
#[derive(Debug, thiserror::Error)]
pub enum GenesisError {
    /// The mnemonic does not derive the dev keys (an unknown word, a bad
    /// checksum).
    #[error("mnemonic: {0}")]
    Mnemonic(#[from] alloy::signers::local::LocalSignerError),
    /// The configured genesis time is past [`MAX_TIMESTAMP`](crate::chain::MAX_TIMESTAMP).
    #[error("genesis time {time} is past the latest this chain keeps ({max})")]
    TimeTooLate {
        /// The configured genesis time, in unix seconds.
        time: u64,
        /// The latest time the chain's clock may show, in unix seconds.
        max: u64,
    },
    /// A system contract's checked-in bytes are not what they must be, or
    /// its deployment failed or landed elsewhere (a broken build).
    #[error("{contract}: {reason}")]
    SystemContract {
        /// Which contract: "the CREATE2 factory", "StylusDeployer",
        /// "Multicall3" or "Permit2".
        contract: &'static str,
        /// What failed: its hex, its hash, its deployment, or where it landed.
        reason: String,
    },
}

#[allow(clippy::needless_pass_by_value)] // a reason as the caller words it
fn system(contract: &'static str, reason: impl ToString) -> GenesisError {
    GenesisError::SystemContract {
        contract,
        reason: reason.to_string(),
    }
}

/// The bytes as `stylus-tools` ships them (see build.rs).
mod bytecode {
    include!(concat!(env!("OUT_DIR"), "/system.rs"));
}

/// Permit2's runtime as deployed on Ethereum mainnet, from npm
/// `@eth-optimism/contracts-bedrock@0.17.3` (integrity
/// `sha512-cHPO7ntWeOBDLO7ZFFSZGI1D7CDqf4loRbRVJrFIsqLEz+hysWIqA0e3dv2GnrjVeuYePBfI2NTBEG4uwz9bQQ==`),
/// `src/libraries/Preinstalls.sol`, `Permit2TemplateCode`: no crates.io
/// package ships it. Uniswap's own test copy in `@uniswap/v4-periphery`
/// differs only in the two constructor-set words (below). Genesis checks
/// its hash, then sets those words for this chain, as Optimism's
/// preinstalls do.
const PERMIT2_TEMPLATE: &str = include_str!("permit2.hex");

/// keccak256 of [`PERMIT2_TEMPLATE`]: Permit2's code hash on mainnet.
const PERMIT2_MAINNET_CODEHASH: B256 =
    b256!("0xc67d1657868aa5146eaf24fb879fb1fdec3d2d493b3683a61c9c2f4fb2851131");

/// keccak256 of Multicall3's runtime, the same on every chain.
const MULTICALL3_CODEHASH: B256 =
    b256!("0xd5c15df687b16f2ff992fc8d767b4216323184a2bbc6ee2f9c398c318e770891");

/// Where Permit2's constructor stores its chain id and its EIP-712 domain
/// separator (immutables, inside the runtime).
const PERMIT2_CHAIN_ID_AT: usize = 6945;
const PERMIT2_DOMAIN_SEPARATOR_AT: usize = 6983;

/// Permit2's runtime on chain `chain_id`: the mainnet template with its
/// two immutables set as its constructor sets them there.
///
/// # Errors
///
/// The template is not the one checked in.
pub fn permit2_code(chain_id: u64) -> Result<Bytes, GenesisError> {
    let mut code = hex_bytes("Permit2", PERMIT2_TEMPLATE.trim())?.to_vec();
    if keccak256(&code) != PERMIT2_MAINNET_CODEHASH {
        return Err(system("Permit2", "the template is not mainnet's code"));
    }
    let chain = U256::from(chain_id).to_be_bytes::<32>();
    let separator = keccak256(
        (
            keccak256("EIP712Domain(string name,uint256 chainId,address verifyingContract)"),
            keccak256("Permit2"),
            U256::from(chain_id),
            addresses::PERMIT2,
        )
            .abi_encode(),
    );
    code[PERMIT2_CHAIN_ID_AT..PERMIT2_CHAIN_ID_AT + 32].copy_from_slice(&chain);
    code[PERMIT2_DOMAIN_SEPARATOR_AT..PERMIT2_DOMAIN_SEPARATOR_AT + 32]
        .copy_from_slice(separator.as_slice());
    Ok(code.into())
}

/// Canonical addresses (as stylus-tools' devnet set-up names them).
pub mod addresses {
    use super::{address, Address};
    /// Multicall3 (mds1's), on every chain.
    pub const MULTICALL3: Address = address!("0xcA11bde05977b3631167028862bE2a173976CA11");
    /// Uniswap's Permit2, on every chain.
    pub const PERMIT2: Address = address!("0x000000000022D473030F116dDEE9F6B43aC78BA3");
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
pub fn dev_keys(mnemonic: &str, count: usize) -> Result<Vec<PrivateKeySigner>, GenesisError> {
    (0..count)
        .map(|i| {
            Ok(MnemonicBuilder::<English>::default()
                .phrase(mnemonic)
                .index(u32::try_from(i).unwrap_or(u32::MAX))
                .and_then(|b| b.build())?)
        })
        .collect()
}

/// The chain owner: the first dev account, as a Nitro dev node's is its
/// dev key (the one account that may cache programs, ArbWasmCache).
pub fn chain_owner(dev_keys: &[PrivateKeySigner]) -> Address {
    dev_keys
        .first()
        .map(PrivateKeySigner::address)
        .unwrap_or_default()
}

fn hex_bytes(contract: &'static str, hex: &str) -> Result<Bytes, GenesisError> {
    hex::decode(hex)
        .map(Bytes::from)
        .map_err(|e| system(contract, format!("bad hex: {e}")))
}

/// Deploys the CREATE2 factory and StylusDeployer.
///
/// # Errors
///
/// Either deployment fails or lands away from its canonical address.
pub fn deploy_system_contracts(chain: &mut Chain) -> Result<(), GenesisError> {
    // The factory: the keyless pre-EIP-155 transaction every chain replays.
    let factory = |reason: String| system("the CREATE2 factory", reason);
    let raw = hex_bytes("the CREATE2 factory", bytecode::CREATE2_FACTORY_RAW_TX)?;
    let tx = TxEnvelope::decode_2718(&mut raw.as_ref()).map_err(|e| factory(e.to_string()))?;
    let signer = tx.recover_signer().map_err(|e| factory(e.to_string()))?;
    chain
        .genesis_call(signer, TxKind::Create, tx.input().clone())
        .map_err(|e| factory(format!("{e:?}")))?;
    if chain.code(addresses::CREATE2_FACTORY).is_empty() {
        return Err(factory("it did not land at its address".into()));
    }
    // StylusDeployer: salt 0 through the factory.
    let deployer = |reason: String| system("StylusDeployer", reason);
    let mut data = B256::ZERO.to_vec();
    data.extend_from_slice(&hex_bytes("StylusDeployer", bytecode::STYLUS_DEPLOYER)?);
    chain
        .genesis_call(
            signer,
            TxKind::Call(addresses::CREATE2_FACTORY),
            data.into(),
        )
        .map_err(|e| deployer(format!("{e:?}")))?;
    if chain.code(addresses::STYLUS_DEPLOYER).is_empty() {
        return Err(deployer("it did not land at its canonical address".into()));
    }
    // Multicall3 and Permit2, as dApps and x402 clients expect them: their
    // code placed at their addresses (their deployments used keys and
    // nonces no dev chain has).
    let multicall3 = hex_bytes("Multicall3", bytecode::MULTICALL3)?;
    if keccak256(&multicall3) != MULTICALL3_CODEHASH {
        return Err(system(
            "Multicall3",
            "alloy-provider's copy is not the deployed code",
        ));
    }
    crate::anvil::set_code(chain, addresses::MULTICALL3, multicall3);
    let permit2 = permit2_code(chain.chain_id())?;
    crate::anvil::set_code(chain, addresses::PERMIT2, permit2);
    Ok(())
}
