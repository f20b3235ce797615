//! Multicall3 and Permit2 are where dApps, viem's `multicall` and x402's
//! `upto` scheme expect them, from genesis, with their deployed code.

mod common;

use alloy::{
    primitives::{keccak256, U256},
    providers::Provider,
    sol,
    sol_types::{SolCall, SolValue},
};
use common::*;
use devnode::{genesis::addresses, NodeConfig};

sol! {
    #[sol(rpc)]
    interface IMulticall3 {
        struct Call3 { address target; bool allowFailure; bytes callData; }
        struct Result { bool success; bytes returnData; }
        function aggregate3(Call3[] calldata calls) external payable returns (Result[] memory returnData);
        function getChainId() external view returns (uint256 chainid);
        function getBlockNumber() external view returns (uint256 blockNumber);
    }
    #[sol(rpc)]
    interface IPermit2 {
        function DOMAIN_SEPARATOR() external view returns (bytes32);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn multicall3_and_permit2_are_there_from_genesis() {
    let node = start(NodeConfig::default()).await;
    let provider = client(&node, 0);

    let code = provider.get_code_at(addresses::MULTICALL3).await.unwrap();
    assert_eq!(
        keccak256(&code).to_string(),
        "0xd5c15df687b16f2ff992fc8d767b4216323184a2bbc6ee2f9c398c318e770891",
        "mainnet's Multicall3"
    );
    let multicall = IMulticall3::new(addresses::MULTICALL3, &provider);
    assert_eq!(
        multicall.getChainId().call().await.unwrap(),
        U256::from(412_346)
    );
    let calls = vec![
        IMulticall3::Call3 {
            target: addresses::MULTICALL3,
            allowFailure: false,
            callData: IMulticall3::getChainIdCall {}.abi_encode().into(),
        },
        IMulticall3::Call3 {
            target: addresses::PERMIT2,
            allowFailure: false,
            callData: IPermit2::DOMAIN_SEPARATORCall {}.abi_encode().into(),
        },
    ];
    let results = multicall.aggregate3(calls).call().await.unwrap();
    assert!(results.iter().all(|r| r.success));

    let code = provider.get_code_at(addresses::PERMIT2).await.unwrap();
    assert_eq!(code.len(), 9_152);
    let expected = keccak256(
        (
            keccak256("EIP712Domain(string name,uint256 chainId,address verifyingContract)"),
            keccak256("Permit2"),
            U256::from(412_346),
            addresses::PERMIT2,
        )
            .abi_encode(),
    );
    let separator = IPermit2::new(addresses::PERMIT2, &provider)
        .DOMAIN_SEPARATOR()
        .call()
        .await
        .unwrap();
    assert_eq!(separator, expected);
    assert_eq!(results[1].returnData.as_ref(), expected.as_slice());
    // Mainnet's code, but for its two constructor-set words.
    let mainnet = devnode::genesis::permit2_code(1).unwrap();
    assert_eq!(
        keccak256(&mainnet).to_string(),
        "0xc67d1657868aa5146eaf24fb879fb1fdec3d2d493b3683a61c9c2f4fb2851131"
    );
    let differing = mainnet
        .iter()
        .zip(code.iter())
        .filter(|(a, b)| a != b)
        .count();
    assert!(differing <= 64, "{differing} bytes differ");
    node.stop().await;
}
