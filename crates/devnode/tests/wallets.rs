//! Smart-account holders against the deployed suite on the devnode: a
//! hostile ERC-1271 wallet, one that burns all the gas it is given, can cost
//! a provider's `settleBatch` at most its stipend (200,000 gas) and fails
//! only its own voucher.
#![allow(clippy::too_many_lines)] // each test tells one flow end to end, in order

mod common;

use alloy::{
    network::TransactionBuilder,
    primitives::{keccak256, Address, Bytes, FixedBytes, U256},
    providers::Provider,
    rpc::types::TransactionRequest,
    signers::{local::PrivateKeySigner, SignerSync},
    sol_types::{SolCall, SolInterface, SolStruct},
};
use common::*;
use devnode::NodeConfig;

/// Creation code of a wallet whose every call loops until it has no gas
/// left (runtime `JUMPDEST PUSH1 0 JUMP`): `isValidSignature` included.
const GAS_BURNER: [u8; 12] = [
    0x63, 0x5b, 0x60, 0x00, 0x56, // PUSH4 runtime
    0x60, 0x00, 0x52, // MSTORE at 0
    0x60, 0x04, 0x60, 0x1c, // size 4, offset 28
];

#[tokio::test(flavor = "multi_thread")]
async fn a_wallet_that_burns_its_gas_fails_only_its_own_voucher() {
    const HOLDERS: usize = 49;
    let node = start(NodeConfig::default()).await;
    let owner = client(&node, 0);
    let provider_client = client(&node, 1);
    let provider = signer(1).address();
    let suite = deploy_suite(&owner).await;
    send(
        &owner,
        suite.aat,
        IAAT::setMinterCall {
            minter: suite.owner,
            enabled: true,
        },
    )
    .await;

    let mut init = GAS_BURNER.to_vec();
    init.push(0xf3); // RETURN
    let deployed = owner
        .send_transaction(TransactionRequest::default().with_deploy_code(Bytes::from(init)))
        .await
        .expect("accepted")
        .get_receipt()
        .await
        .expect("a receipt");
    let wallet = deployed.contract_address.expect("a contract");
    assert_eq!(
        owner.get_code_at(wallet).await.unwrap().as_ref(),
        &[0x5b, 0x60, 0x00, 0x56]
    );

    let model = b16("GPT-4-turbo");
    let keys: Vec<PrivateKeySigner> = (0..HOLDERS)
        .map(|i| PrivateKeySigner::from_bytes(&keccak256(format!("holder {i}"))).unwrap())
        .collect();
    // (The wallet holds nothing: its voucher fails at the signature, which
    // is checked first, and it could not accept units anyway.)
    let mut id = U256::ZERO;
    for to in keys.iter().map(|k| k.address()) {
        let mint = IAAT::mintCall {
            to,
            originPool: suite.owner,
            model,
            scope: FixedBytes::ZERO,
            expiration: 0,
            reclaimable: false,
            tradable: true,
            amount: U256::from(1_000),
        };
        assert!(send(&owner, suite.aat, mint.clone()).await.status());
        id = IAAT::mintCall::abi_decode_returns(
            &owner
                .call(
                    TransactionRequest::default()
                        .with_from(suite.owner)
                        .with_to(suite.aat)
                        .with_input(mint.abi_encode()),
                )
                .await
                .unwrap(),
        )
        .unwrap();
    }

    let domain = read(&owner, suite.aat, IAAT::eip712DomainCall {}).await;
    let domain = alloy::sol_types::Eip712Domain::new(
        Some(domain.name.into()),
        Some(domain.version.into()),
        Some(domain.chainId),
        Some(domain.verifyingContract),
        None,
    );
    let voucher = |holder: Address| IAAT::Voucher {
        holder,
        provider,
        id,
        cumulativeAmount: U256::from(100),
        deadline: u64::MAX,
    };
    let (mut vouchers, mut signatures) = (Vec::new(), Vec::new());
    for (i, key) in keys.iter().enumerate() {
        if i == HOLDERS / 2 {
            // The wallet's voucher, in the middle of the batch: any
            // signature sends AAT to its isValidSignature.
            let v = voucher(wallet);
            let signature = key.sign_hash_sync(&v.eip712_signing_hash(&domain)).unwrap();
            vouchers.push(v);
            signatures.push(Bytes::from(signature.as_bytes().to_vec()));
        }
        let v = voucher(key.address());
        let signature = key.sign_hash_sync(&v.eip712_signing_hash(&domain)).unwrap();
        vouchers.push(v);
        signatures.push(Bytes::from(signature.as_bytes().to_vec()));
    }
    let batch = IAAT::settleBatchCall {
        vouchers,
        signatures,
        model,
        scope: FixedBytes::ZERO,
    };
    // A fixed limit well above what the batch needs: without a stipend the
    // wallet takes 63/64 of it and the vouchers after it run out of gas.
    let receipt = provider_client
        .send_transaction(
            TransactionRequest::default()
                .with_to(suite.aat)
                .with_input(batch.abi_encode())
                .with_gas_limit(6_000_000),
        )
        .await
        .expect("accepted")
        .get_receipt()
        .await
        .expect("a receipt");
    assert!(receipt.status(), "the batch settles");
    let settled = events::<IAAT::VoucherSettled>(&receipt, suite.aat);
    assert_eq!(settled.len(), HOLDERS);
    let rejected = events::<IAAT::VoucherRejected>(&receipt, suite.aat);
    assert_eq!(rejected.len(), 1);
    assert_eq!(
        IAAT::IAATErrors::abi_decode(&rejected[0].reason).unwrap(),
        IAAT::IAATErrors::InvalidVoucherSignature(IAAT::InvalidVoucherSignature { holder: wallet })
    );
    // The honest vouchers' cost (first settlements from balances, about
    // 42,000 gas each), plus at most the stipend and a call's overhead.
    let bound = HOLDERS as u64 * 45_000 + 200_000 + 30_000;
    assert!(
        receipt.gas_used < bound,
        "{} gas for the batch, more than {bound}",
        receipt.gas_used
    );
    println!(
        "settleBatch of {HOLDERS} vouchers and a gas-burning wallet's: {} gas",
        receipt.gas_used
    );
}
