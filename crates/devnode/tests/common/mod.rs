//! What the devnode's tests share: a node in-process, alloy clients for the
//! dev accounts, the spec's bindings, and deployment exactly as
//! cargo-stylus does it.

#![allow(dead_code)]
// The spec's functions take many arguments; the generated bindings mirror them.
#![allow(clippy::too_many_arguments)]

use std::path::PathBuf;

use aat_client::deploy::{deployed_code, init_code};
use alloy::{
    network::{EthereumWallet, TransactionBuilder},
    primitives::{address, Address, Bytes, FixedBytes, U256},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::{TransactionReceipt, TransactionRequest},
    signers::local::PrivateKeySigner,
    sol,
    sol_types::{SolCall, SolEvent, SolValue},
};
use devnode::{Node, NodeConfig};

pub mod cost;

sol!(
    #[sol(rpc, all_derives)]
    "../../spec/ITokenAI.sol"
);
sol!(
    #[sol(rpc, all_derives)]
    "../../spec/IAAT.sol"
);
sol! {
    #[sol(rpc, all_derives)]
    interface ArbWasm {
        function activateProgram(address program) external payable returns (uint16 version, uint256 dataFee);
        function codehashVersion(bytes32 codehash) external view returns (uint16 version);
        function programVersion(address program) external view returns (uint16 version);
        function stylusVersion() external view returns (uint16 version);
        function inkPrice() external view returns (uint32 price);
        event ProgramActivated(bytes32 indexed codehash, bytes32 moduleHash, address program, uint256 dataFee, uint16 version);
        error ProgramNotActivated();
        error ProgramNotWasm();
        error ProgramUpToDate();
        error ProgramInsufficientValue(uint256 have, uint256 want);
    }
}

/// The typed data the holders sign: the client crate's (what integrators
/// sign with), checked here against the contracts on a live chain.
pub use aat_client::bindings::{Permit, ReceiveWithAuthorization, TransferWithAuthorization};

pub const ARB_WASM: Address = address!("0x0000000000000000000000000000000000000071");
pub const ARB_WASM_CACHE: Address = address!("0x0000000000000000000000000000000000000072");

sol! {
    interface ArbWasmCache {
        function isCacheManager(address manager) external view returns (bool);
        function allCacheManagers() external view returns (address[] memory managers);
        function cacheProgram(address addr) external;
        function evictCodehash(bytes32 codehash) external;
        function codehashIsCached(bytes32 codehash) external view returns (bool);
        event UpdateProgramCache(address indexed manager, bytes32 indexed codehash, bool cached);
    }
}

/// Puts `program` in the program cache as the chain owner (dev account 0):
/// its calls then pay only its cached init gas.
pub async fn cache_program(owner: &DynProvider, program: Address) {
    let call = ArbWasmCache::cacheProgramCall { addr: program };
    assert!(send(owner, ARB_WASM_CACHE, call).await.status(), "cached");
}
pub const STYLUS_DEPLOYER: Address = address!("0xcEcba2F1DC234f70Dd89F2041029807F8D03A990");

/// The standard test mnemonic's first keys (what the devnode prefunds).
pub const KEYS: [&str; 6] = [
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
    "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
    "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
];

pub fn artifact(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../artifacts")
        .join(name);
    std::fs::read(&path)
        .unwrap_or_else(|err| panic!("{}: {err}; run scripts/build first", path.display()))
}

pub fn signer(i: usize) -> PrivateKeySigner {
    KEYS[i].parse().expect("a test key")
}

/// A node on a free port.
pub async fn start(config: NodeConfig) -> Node {
    Node::start(NodeConfig { port: 0, ..config })
        .await
        .expect("the devnode starts")
}

/// A client that signs locally as dev account `i` and submits raw
/// transactions (alloy's recommended fillers: nonce, gas, fees, chain id).
pub fn client(node: &Node, i: usize) -> DynProvider {
    ProviderBuilder::new()
        .wallet(EthereumWallet::from(signer(i)))
        .connect_http(node.url().parse().expect("a URL"))
        .erased()
}

pub fn b16(name: &str) -> FixedBytes<16> {
    let mut bytes = [0u8; 16];
    bytes[..name.len()].copy_from_slice(name.as_bytes());
    FixedBytes(bytes)
}

/// The data fee activation would charge for `code`, asked as cargo-stylus
/// asks it (the client crate's quote).
pub async fn data_fee(provider: &DynProvider, code: &[u8]) -> U256 {
    aat_client::deploy::activation_fee(provider, code)
        .await
        .expect("activation is estimated")
}

/// Deploys `wasm` through StylusDeployer with `constructor_args`, the one
/// transaction `cargo stylus deploy` sends for a contract with a
/// constructor (the client crate's deployment, which the demo and
/// integrators use too); returns the address from the `ContractDeployed` log.
pub async fn deploy_with_deployer(
    provider: &DynProvider,
    wasm: &[u8],
    constructor_args: Vec<u8>,
) -> (Address, TransactionReceipt) {
    let deployed = aat_client::deploy::deploy(
        provider,
        aat_client::error::Contract::Aat,
        wasm,
        constructor_args,
    )
    .await
    .expect("the deployment succeeds");
    (deployed.address, deployed.receipt)
}

/// Deploys `wasm` with plain init code, then activates it: cargo-stylus's
/// path for a contract without a constructor.
pub async fn deploy_and_activate(provider: &DynProvider, wasm: &[u8]) -> Address {
    let code = deployed_code(wasm);
    let receipt = provider
        .send_transaction(TransactionRequest::default().with_deploy_code(init_code(&code)))
        .await
        .expect("the deployment is accepted")
        .get_receipt()
        .await
        .expect("a receipt");
    assert!(receipt.status());
    let address = receipt.contract_address.expect("a contract address");
    let fee = data_fee(provider, &code).await;
    let receipt = ArbWasm::new(ARB_WASM, provider)
        .activateProgram(address)
        .value(fee)
        .send()
        .await
        .expect("the activation is accepted")
        .get_receipt()
        .await
        .expect("a receipt");
    assert!(receipt.status(), "activation succeeds");
    address
}

/// Sends `call` to `to` and waits for its receipt.
pub async fn send<C: SolCall>(provider: &DynProvider, to: Address, call: C) -> TransactionReceipt {
    let request = TransactionRequest::default()
        .with_to(to)
        .with_input(Bytes::from(call.abi_encode()));
    provider
        .send_transaction(request)
        .await
        .unwrap_or_else(|err| panic!("{} is accepted: {err}", C::SIGNATURE))
        .get_receipt()
        .await
        .expect("a receipt")
}

/// Calls `call` read-only and decodes its return.
pub async fn read<C: SolCall>(provider: &DynProvider, to: Address, call: C) -> C::Return {
    let request = TransactionRequest::default()
        .with_to(to)
        .with_input(Bytes::from(call.abi_encode()));
    let out = provider
        .call(request)
        .await
        .unwrap_or_else(|err| panic!("{} answers: {err}", C::SIGNATURE));
    C::abi_decode_returns(&out).unwrap_or_else(|err| panic!("{}: {err}", C::SIGNATURE))
}

/// The revert data of a call that must fail, from the node's error.
pub async fn revert_data<C: SolCall>(
    provider: &DynProvider,
    from: Address,
    to: Address,
    call: C,
) -> Bytes {
    let request = TransactionRequest::default()
        .with_from(from)
        .with_to(to)
        .with_input(Bytes::from(call.abi_encode()));
    let err = provider.call(request).await.expect_err("the call reverts");
    err.as_error_resp()
        .and_then(|payload| payload.as_revert_data())
        .unwrap_or_else(|| panic!("{err} carries revert data"))
}

pub fn events<E: SolEvent>(receipt: &TransactionReceipt, from: Address) -> Vec<E> {
    receipt
        .inner
        .logs()
        .iter()
        .filter(|log| log.address() == from)
        .filter_map(|log| log.log_decode::<E>().ok())
        .map(|log| log.inner.data)
        .collect()
}

/// TokenAI and AAT deployed and wired, as `scripts/deploy all` does:
/// TokenAI through StylusDeployer (it has a constructor), AAT too, then
/// AAT made a TokenAI minter.
pub struct Suite {
    pub token: Address,
    pub aat: Address,
    pub owner: Address,
    pub treasury: Address,
}

pub async fn deploy_suite(owner: &DynProvider) -> Suite {
    let owner_address = signer(0).address();
    let treasury = address!("0x00000000000000000000000000000000000A11CE");
    let (token, _) = deploy_with_deployer(
        owner,
        &artifact("token-ai.wasm"),
        ("TokenAI".to_string(), "TAI".to_string(), owner_address).abi_encode_params(),
    )
    .await;
    let (aat, _) = deploy_with_deployer(
        owner,
        &artifact("aat.wasm"),
        (
            token,
            treasury,
            "https://aat.example/{id}.json".to_string(),
            owner_address,
        )
            .abi_encode_params(),
    )
    .await;
    let receipt = send(
        owner,
        token,
        ITokenAI::setMinterCall {
            minter: aat,
            enabled: true,
        },
    )
    .await;
    assert!(receipt.status());
    Suite {
        token,
        aat,
        owner: owner_address,
        treasury,
    }
}
