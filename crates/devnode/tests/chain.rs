//! The devnode over JSON-RPC, driven by alloy only: the suite deployed
//! through exactly the transactions cargo-stylus sends, the product's flows
//! with signed raw transactions, activation, refusals, time and restarts.
#![allow(clippy::too_many_lines)] // each test tells one flow end to end, in order

mod common;

use aat_client::deploy::{deployed_code, init_code};
use alloy::{
    consensus::{SignableTransaction, TxEip1559, TxEnvelope, TxLegacy},
    eips::Encodable2718,
    network::{TransactionBuilder, TxSignerSync},
    primitives::{keccak256, Address, Bytes, Signature, TxKind, U256},
    providers::{ext::AnvilApi, Provider},
    rpc::types::TransactionRequest,
    sol_types::{SolError, SolInterface},
};
use common::*;
use devnode::NodeConfig;

fn u(n: u64) -> U256 {
    U256::from(n)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_suite_deploys_like_cargo_stylus_and_runs_the_institution_flow() {
    let node = start(NodeConfig::default()).await;
    let owner = client(&node, 0);
    let suite = deploy_suite(&owner).await;
    let (uni, ada, alan) = (
        signer(1).address(),
        signer(2).address(),
        signer(3).address(),
    );
    let (uni_client, ada_client) = (client(&node, 1), client(&node, 2));

    assert_eq!(
        read(&owner, suite.token, ITokenAI::nameCall {}).await,
        "TokenAI"
    );
    assert_eq!(
        read(&owner, suite.aat, IAAT::tokenAICall {}).await,
        suite.token
    );
    assert!(
        read(
            &owner,
            suite.token,
            ITokenAI::isMinterCall { account: suite.aat }
        )
        .await
    );

    // The owner lets itself mint and prices the model; the university pool
    // receives scoped, non-tradable, reclaimable credits.
    send(
        &owner,
        suite.aat,
        IAAT::setMinterCall {
            minter: suite.owner,
            enabled: true,
        },
    )
    .await;
    send(
        &owner,
        suite.aat,
        IAAT::setModelPriceCall {
            model: b16("GPT-4-turbo"),
            tokenAIPerUnit: u(1_000),
        },
    )
    .await;
    send(&owner, suite.aat, IAAT::setFeeBpsCall { feeBps: 200 }).await;
    let now = node_time(&owner).await;
    let expiration = now + 120 * 86_400;
    let mint = IAAT::mintCall {
        to: uni,
        originPool: uni,
        model: b16("GPT-4-turbo"),
        scope: b16("CS101-Fall2024"),
        expiration,
        reclaimable: true,
        tradable: false,
        amount: u(10_000),
    };
    let receipt = send(&owner, suite.aat, mint).await;
    assert!(receipt.status());
    let created = events::<IAAT::TokenTypeCreated>(&receipt, suite.aat);
    assert_eq!(created.len(), 1);
    let id = created[0].id;
    assert_eq!(
        (created[0].originPool, created[0].expiration),
        (uni, expiration)
    );

    for student in [ada, alan] {
        let receipt = send(
            &uni_client,
            suite.aat,
            IAAT::safeTransferFromCall {
                from: uni,
                to: student,
                id,
                value: u(1_000),
                data: Bytes::new(),
            },
        )
        .await;
        assert!(receipt.status());
    }
    // Non-tradable: a student cannot pass credits on; the revert decodes to
    // the spec's error through the node's error data.
    let data = revert_data(
        &ada_client,
        ada,
        suite.aat,
        IAAT::safeTransferFromCall {
            from: ada,
            to: alan,
            id,
            value: u(1),
            data: Bytes::new(),
        },
    )
    .await;
    assert_eq!(
        IAAT::IAATErrors::abi_decode(&data).unwrap(),
        IAAT::IAATErrors::TokenNotTradable(IAAT::TokenNotTradable { id })
    );

    // Ada uses 500 units: 2% fee burned in kind, its value minted to the
    // treasury in TokenAI, Stylus calling Stylus over the shared journal.
    let consume = IAAT::consumeCall {
        holder: ada,
        id,
        amount: u(500),
        model: b16("GPT-4-turbo"),
        scope: b16("CS101-Fall2024"),
    };
    let receipt = send(&ada_client, suite.aat, consume.clone()).await;
    assert!(receipt.status());
    let consumed = events::<IAAT::Consumed>(&receipt, suite.aat);
    assert_eq!(
        (consumed[0].holder, consumed[0].amount, consumed[0].fee),
        (ada, u(500), u(10))
    );
    let collected = events::<IAAT::FeeCollected>(&receipt, suite.aat);
    assert_eq!(
        (collected[0].tokenAIMinted, collected[0].treasury),
        (u(10_000), suite.treasury)
    );
    let minted = events::<ITokenAI::Transfer>(&receipt, suite.token);
    assert_eq!(
        (minted[0].from, minted[0].to, minted[0].value),
        (Address::ZERO, suite.treasury, u(10_000))
    );
    assert_eq!(
        read(
            &owner,
            suite.token,
            ITokenAI::balanceOfCall {
                account: suite.treasury
            }
        )
        .await,
        u(10_000)
    );
    assert_eq!(
        read(&owner, suite.aat, IAAT::balanceOfCall { account: ada, id }).await,
        u(490)
    );
    // Receipts and logs as clients read them: gas used, price, a found log.
    assert!(receipt.gas_used > 21_000);
    // Arbitrum charges the base fee and no tip.
    assert_eq!(receipt.effective_gas_price, 100_000_000);
    let logs = owner
        .get_logs(
            &alloy::rpc::types::Filter::new()
                .address(suite.aat)
                .event_signature(<IAAT::Consumed as alloy::sol_types::SolEvent>::SIGNATURE_HASH)
                .from_block(0),
        )
        .await
        .unwrap();
    assert_eq!(logs.len(), 1);

    // The course ends: time moves past the expiration; holders can no longer
    // use the credits and the pool reclaims what is left.
    owner.anvil_increase_time(121 * 86_400).await.unwrap();
    owner.evm_mine(None).await.unwrap();
    assert!(read(&owner, suite.aat, IAAT::isExpiredCall { id }).await);
    let data = revert_data(&ada_client, ada, suite.aat, consume).await;
    assert_eq!(
        IAAT::IAATErrors::abi_decode(&data).unwrap(),
        IAAT::IAATErrors::TokenExpired(IAAT::TokenExpired { id, expiration })
    );
    let receipt = send(
        &uni_client,
        suite.aat,
        IAAT::reclaimCall {
            holder: ada,
            id,
            amount: U256::MAX,
        },
    )
    .await;
    assert!(receipt.status());
    let reclaimed = events::<IAAT::Reclaimed>(&receipt, suite.aat);
    assert_eq!((reclaimed[0].holder, reclaimed[0].amount), (ada, u(490)));
    assert_eq!(
        read(&owner, suite.aat, IAAT::balanceOfCall { account: uni, id }).await,
        u(8_490)
    );
    node.stop().await;
}

async fn node_time(provider: &alloy::providers::DynProvider) -> u64 {
    provider
        .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
        .await
        .unwrap()
        .unwrap()
        .header
        .timestamp
}

#[tokio::test(flavor = "multi_thread")]
async fn activation_charges_the_data_fee_refunds_the_rest_and_happens_once() {
    let node = start(NodeConfig::default()).await;
    let provider = client(&node, 0);
    let wasm = artifact("token-ai.wasm");
    let code = deployed_code(&wasm);
    let receipt = provider
        .send_transaction(TransactionRequest::default().with_deploy_code(init_code(&code)))
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    let program = receipt.contract_address.unwrap();
    assert_eq!(
        provider.get_code_at(program).await.unwrap(),
        Bytes::from(code.clone())
    );
    let codehash = keccak256(&code);

    // Not activated yet: a call reverts with ArbWasm's ProgramNotActivated.
    let data = revert_data(
        &provider,
        signer(0).address(),
        program,
        ITokenAI::nameCall {},
    )
    .await;
    assert_eq!(
        data.as_ref(),
        ArbWasm::ProgramNotActivated {}.abi_encode().as_slice()
    );
    let arb_wasm = ArbWasm::new(ARB_WASM, &provider);
    let err = arb_wasm.codehashVersion(codehash).call().await.unwrap_err();
    assert_eq!(
        err.as_decoded_error::<ArbWasm::ProgramNotActivated>(),
        Some(ArbWasm::ProgramNotActivated {})
    );

    // Too little value: ProgramInsufficientValue(have, want).
    let fee = data_fee(&provider, &code).await;
    assert!(fee > U256::ZERO);
    let err = arb_wasm
        .activateProgram(program)
        .value(fee - U256::from(1))
        .call()
        .await
        .unwrap_err();
    assert_eq!(
        err.as_decoded_error::<ArbWasm::ProgramInsufficientValue>(),
        Some(ArbWasm::ProgramInsufficientValue {
            have: fee - U256::from(1),
            want: fee
        })
    );

    // Twice the fee: the excess comes back to the caller.
    let me = signer(0).address();
    let before = provider.get_balance(me).await.unwrap();
    let receipt = arb_wasm
        .activateProgram(program)
        .value(fee * U256::from(2))
        .send()
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    assert!(receipt.status());
    let gas_cost = U256::from(receipt.gas_used) * U256::from(receipt.effective_gas_price);
    assert_eq!(
        provider.get_balance(me).await.unwrap(),
        before - fee - gas_cost
    );
    let activated = events::<ArbWasm::ProgramActivated>(&receipt, ARB_WASM);
    assert_eq!(
        (
            activated[0].codehash,
            activated[0].program,
            activated[0].dataFee,
            activated[0].version
        ),
        (codehash, program, fee, 2)
    );
    assert!(
        receipt.gas_used > 1_659_168,
        "activation's fixed gas is charged"
    );
    assert_eq!(arb_wasm.codehashVersion(codehash).call().await.unwrap(), 2);
    assert_eq!(arb_wasm.programVersion(program).call().await.unwrap(), 2);
    assert_eq!(arb_wasm.stylusVersion().call().await.unwrap(), 2);
    assert_eq!(arb_wasm.inkPrice().call().await.unwrap(), 10_000);

    // Once only.
    let err = arb_wasm
        .activateProgram(program)
        .value(fee)
        .call()
        .await
        .unwrap_err();
    assert_eq!(
        err.as_decoded_error::<ArbWasm::ProgramUpToDate>(),
        Some(ArbWasm::ProgramUpToDate {})
    );

    // Activated, the program answers (its constructor never ran: empty name).
    assert_eq!(read(&provider, program, ITokenAI::nameCall {}).await, "");

    // Code that is not a Stylus program is refused.
    let err = arb_wasm
        .activateProgram(STYLUS_DEPLOYER)
        .value(fee)
        .call()
        .await
        .unwrap_err();
    assert_eq!(
        err.as_decoded_error::<ArbWasm::ProgramNotWasm>(),
        Some(ArbWasm::ProgramNotWasm {})
    );
    node.stop().await;
}

/// Signs `tx` with dev account `i`, encoded as `eth_sendRawTransaction` takes it.
fn raw(mut tx: TxEip1559, i: usize) -> Bytes {
    let signature = signer(i).sign_transaction_sync(&mut tx).unwrap();
    TxEnvelope::from(tx.into_signed(signature))
        .encoded_2718()
        .into()
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_raw_transactions_get_clear_errors_and_change_nothing() {
    let node = start(NodeConfig::default()).await;
    let provider = client(&node, 0);
    let (me, you) = (signer(0).address(), signer(1).address());
    let transfer = |nonce: u64| TxEip1559 {
        chain_id: 412_346,
        nonce,
        gas_limit: 21_000,
        max_fee_per_gas: 1_000_000_000,
        max_priority_fee_per_gas: 0,
        to: TxKind::Call(you),
        value: u(1),
        ..TxEip1559::default()
    };
    // One good transaction, so that nonce 0 is used.
    let hash = provider
        .send_raw_transaction(&raw(transfer(0), 0))
        .await
        .unwrap();
    hash.get_receipt().await.unwrap();

    let block = provider.get_block_number().await.unwrap();
    let balances = (
        provider.get_balance(me).await.unwrap(),
        provider.get_balance(you).await.unwrap(),
    );
    let poor = alloy::signers::local::PrivateKeySigner::random();
    let mut poor_tx = transfer(0);
    let poor_signature = poor.sign_transaction_sync(&mut poor_tx).unwrap();
    let cases: Vec<(&str, Bytes)> = vec![
        (
            "invalid chain id",
            raw(
                TxEip1559 {
                    chain_id: 1,
                    ..transfer(1)
                },
                0,
            ),
        ),
        (
            "nonce too low",
            raw(
                TxEip1559 {
                    value: u(2),
                    ..transfer(0)
                },
                0,
            ),
        ),
        ("already known", raw(transfer(0), 0)),
        (
            "intrinsic gas too low",
            raw(
                TxEip1559 {
                    gas_limit: 20_000,
                    ..transfer(1)
                },
                0,
            ),
        ),
        (
            "insufficient funds",
            TxEnvelope::from(poor_tx.into_signed(poor_signature))
                .encoded_2718()
                .into(),
        ),
        (
            "max fee per gas less than block base fee",
            raw(
                TxEip1559 {
                    max_fee_per_gas: 1,
                    ..transfer(1)
                },
                0,
            ),
        ),
        ("invalid signature", {
            let tx = transfer(1);
            let bad = Signature::new(U256::ZERO, U256::ZERO, false);
            TxEnvelope::from(tx.into_signed(bad)).encoded_2718().into()
        }),
        (
            "invalid transaction encoding",
            Bytes::from_static(&[0x02, 0xc0, 0x01]),
        ),
    ];
    for (expected, bytes) in cases {
        let err = provider.send_raw_transaction(&bytes).await.unwrap_err();
        let message = err.to_string();
        assert!(message.contains(expected), "{expected}: got {message}");
    }
    // A legacy transaction is accepted too.
    let mut legacy = TxLegacy {
        chain_id: Some(412_346),
        nonce: 1,
        gas_price: 200_000_000,
        gas_limit: 21_000,
        to: TxKind::Call(you),
        value: u(1),
        ..TxLegacy::default()
    };
    let signature = signer(0).sign_transaction_sync(&mut legacy).unwrap();
    let bytes: Bytes = TxEnvelope::from(legacy.into_signed(signature))
        .encoded_2718()
        .into();
    let mined = provider
        .send_raw_transaction(&bytes)
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    assert!(mined.status());
    assert_eq!(provider.get_block_number().await.unwrap(), block + 1);
    assert_eq!(provider.get_balance(you).await.unwrap(), balances.1 + u(1));
    assert_eq!(
        provider.get_balance(me).await.unwrap(),
        balances.0 - u(1) - U256::from(mined.gas_used) * U256::from(mined.effective_gas_price)
    );
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_restart_with_a_state_file_keeps_every_balance_and_contract() {
    let dir = std::env::temp_dir().join(format!("devnode-state-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("state.json");
    let _ = std::fs::remove_file(&path);
    let config = NodeConfig {
        state: Some(path.clone()),
        ..NodeConfig::default()
    };
    let node = start(config.clone()).await;
    let owner = client(&node, 0);
    let suite = deploy_suite(&owner).await;
    send(
        &owner,
        suite.token,
        ITokenAI::setMinterCall {
            minter: suite.owner,
            enabled: true,
        },
    )
    .await;
    let you = signer(1).address();
    send(
        &owner,
        suite.token,
        ITokenAI::mintCall {
            to: you,
            value: u(42),
        },
    )
    .await;
    let block = owner.get_block_number().await.unwrap();
    let balance = owner.get_balance(suite.owner).await.unwrap();
    node.stop().await;

    let node = start(config).await;
    assert!(node.restored());
    let owner = client(&node, 0);
    assert_eq!(owner.get_block_number().await.unwrap(), block);
    assert_eq!(owner.get_balance(suite.owner).await.unwrap(), balance);
    assert_eq!(
        read(
            &owner,
            suite.token,
            ITokenAI::balanceOfCall { account: you }
        )
        .await,
        u(42)
    );
    // And the chain goes on from there.
    send(
        &owner,
        suite.token,
        ITokenAI::mintCall {
            to: you,
            value: u(1),
        },
    )
    .await;
    assert_eq!(
        read(
            &owner,
            suite.token,
            ITokenAI::balanceOfCall { account: you }
        )
        .await,
        u(43)
    );
    node.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn snapshots_revert_state_and_unknown_methods_answer_method_not_found() {
    let node = start(NodeConfig::default()).await;
    let provider = client(&node, 0);
    let you = signer(1).address();
    let before = provider.get_balance(you).await.unwrap();
    let id: U256 = provider
        .raw_request("evm_snapshot".into(), ())
        .await
        .unwrap();
    provider
        .send_transaction(TransactionRequest::default().with_to(you).with_value(u(5)))
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    assert_eq!(provider.get_balance(you).await.unwrap(), before + u(5));
    let reverted: bool = provider
        .raw_request("evm_revert".into(), (id,))
        .await
        .unwrap();
    assert!(reverted);
    assert_eq!(provider.get_balance(you).await.unwrap(), before);
    provider.anvil_set_balance(you, u(7)).await.unwrap();
    assert_eq!(provider.get_balance(you).await.unwrap(), u(7));
    let err = provider
        .raw_request::<_, serde_json::Value>("eth_noSuchMethod".into(), ())
        .await
        .unwrap_err();
    assert_eq!(err.as_error_resp().unwrap().code, -32601);
    // Malformed parameters and questions the node cannot answer get clear errors.
    let err = provider
        .raw_request::<_, U256>("eth_getBalance".into(), ("0xnot-an-address", "latest"))
        .await
        .unwrap_err();
    let payload = err.as_error_resp().unwrap();
    assert_eq!(payload.code, -32602);
    assert_eq!(payload.message, "Invalid params");
    let reason = payload.data.as_ref().map(ToString::to_string);
    assert!(
        reason.as_deref().is_some_and(|r| r.contains("invalid")),
        "{reason:?}"
    );
    provider.evm_mine(None).await.unwrap();
    let err = provider
        .raw_request::<_, U256>("eth_getBalance".into(), (you, "0x0"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("is not kept"), "{err}");
    assert_eq!(provider.get_chain_id().await.unwrap(), 412_346);
    node.stop().await;
}

alloy::sol! {
    interface Receiver {
        error Refused(uint256 id);
        function setRefuse(bool value) external;
        function seenSupply() external view returns (uint256);
        function reentryRefused() external view returns (bool);
        function balanceVia(address program, address account) external view returns (uint256);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn evm_and_stylus_programs_call_each_other_both_ways() {
    let node = start(NodeConfig::default()).await;
    let owner = client(&node, 0);
    let suite = deploy_suite(&owner).await;
    let someone = signer(2).address();
    send(
        &owner,
        suite.token,
        ITokenAI::setMinterCall {
            minter: suite.owner,
            enabled: true,
        },
    )
    .await;
    send(
        &owner,
        suite.token,
        ITokenAI::mintCall {
            to: someone,
            value: u(77),
        },
    )
    .await;
    send(
        &owner,
        suite.aat,
        IAAT::setMinterCall {
            minter: suite.owner,
            enabled: true,
        },
    )
    .await;
    let mint = IAAT::mintCall {
        to: suite.owner,
        originPool: suite.owner,
        model: b16("GPT-4-turbo"),
        scope: b16("any"),
        expiration: 0,
        reclaimable: false,
        tradable: true,
        amount: u(100),
    };
    let receipt = send(&owner, suite.aat, mint).await;
    let id = events::<IAAT::TokenTypeCreated>(&receipt, suite.aat)[0].id;

    // The EVM fixture, compiled from tests/fixtures/Receiver.sol.
    let bin = include_str!("fixtures/Receiver.bin").trim();
    let mut creation = hex::decode(bin).expect("hex creation code");
    creation.extend(alloy::sol_types::SolValue::abi_encode(&suite.token));
    let receipt = owner
        .send_transaction(TransactionRequest::default().with_deploy_code(creation))
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    let receiver = receipt.contract_address.expect("the EVM contract deploys");

    // EVM -> Stylus, from a call.
    let via = read(
        &owner,
        receiver,
        Receiver::balanceViaCall {
            program: suite.token,
            account: someone,
        },
    )
    .await;
    assert_eq!(via, u(77));

    // Stylus -> EVM -> Stylus: AAT asks the EVM receiver to accept, which
    // reads TokenAI, and tries AAT again mid-transfer: Nitro flags that call
    // reentrant and the SDK's entrypoint refuses it.
    let transfer = IAAT::safeTransferFromCall {
        from: suite.owner,
        to: receiver,
        id,
        value: u(5),
        data: Bytes::new(),
    };
    let receipt = send(&owner, suite.aat, transfer.clone()).await;
    assert!(receipt.status());
    assert_eq!(
        read(&owner, receiver, Receiver::seenSupplyCall {}).await,
        u(77)
    );
    assert!(read(&owner, receiver, Receiver::reentryRefusedCall {}).await);
    assert_eq!(
        read(
            &owner,
            suite.aat,
            IAAT::balanceOfCall {
                account: receiver,
                id
            }
        )
        .await,
        u(5)
    );

    // An EVM revert passes through the Stylus program unchanged.
    send(&owner, receiver, Receiver::setRefuseCall { value: true }).await;
    let data = revert_data(&owner, suite.owner, suite.aat, transfer).await;
    assert_eq!(
        data.as_ref(),
        Receiver::Refused { id }.abi_encode().as_slice()
    );
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cost_report_runs_on_the_devnode() {
    let table = common::cost::report(false).await;
    let rows = table
        .lines()
        .filter(|l| l.starts_with("TokenAI ") || l.starts_with("AAT "))
        .count();
    assert_eq!(rows, 27, "{table}");
    let exchange = table
        .lines()
        .filter(|l| l.starts_with("AATExchange "))
        .count();
    assert_eq!(exchange, 7, "{table}");
}

/// The owner prices the model, sets the 2% fee and may mint AAT and TokenAI.
async fn open_for_business(owner: &alloy::providers::DynProvider, suite: &Suite) {
    send(
        owner,
        suite.token,
        ITokenAI::setMinterCall {
            minter: suite.owner,
            enabled: true,
        },
    )
    .await;
    send(
        owner,
        suite.aat,
        IAAT::setMinterCall {
            minter: suite.owner,
            enabled: true,
        },
    )
    .await;
    send(
        owner,
        suite.aat,
        IAAT::setModelPriceCall {
            model: b16("GPT-4-turbo"),
            tokenAIPerUnit: u(1_000),
        },
    )
    .await;
    send(owner, suite.aat, IAAT::setFeeBpsCall { feeBps: 200 }).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_company_converts_token_ai_through_a_relayed_permit() {
    use alloy::{
        signers::SignerSync,
        sol_types::{eip712_domain, SolStruct},
    };
    let node = start(NodeConfig::default()).await;
    let owner = client(&node, 0);
    let suite = deploy_suite(&owner).await;
    open_for_business(&owner, &suite).await;
    let (company, relayer, developer) = (signer(1), client(&node, 2), signer(3).address());
    let company_client = client(&node, 1);
    let gpt = b16("GPT-4-turbo");
    send(
        &owner,
        suite.token,
        ITokenAI::mintCall {
            to: company.address(),
            value: u(10_000_000),
        },
    )
    .await;
    let cost = read(
        &owner,
        suite.aat,
        IAAT::quoteTokenAICall {
            model: gpt,
            amount: u(2_500),
        },
    )
    .await;
    assert_eq!(cost, u(2_500_000));

    // The company signs off-chain, in the domain the contract reports; the
    // relayer pays the gas.
    let separator = read(&owner, suite.token, ITokenAI::DOMAIN_SEPARATORCall {}).await;
    let domain = eip712_domain! { name: "TokenAI", version: "1", chain_id: 412_346, verifying_contract: suite.token, };
    assert_eq!(domain.separator(), separator);
    let deadline = U256::from(u64::MAX);
    let permit = Permit {
        owner: company.address(),
        spender: suite.aat,
        value: cost,
        nonce: U256::ZERO,
        deadline,
    };
    let signature = company
        .sign_hash_sync(&permit.eip712_signing_hash(&domain))
        .unwrap();
    let call = ITokenAI::permitCall {
        owner: company.address(),
        spender: suite.aat,
        value: cost,
        deadline,
        v: 27 + u8::from(signature.v()),
        r: signature.r().into(),
        s: signature.s().into(),
    };
    let company_eth = owner.get_balance(company.address()).await.unwrap();
    let receipt = send(&relayer, suite.token, call.clone()).await;
    assert!(receipt.status());
    assert_eq!(
        owner.get_balance(company.address()).await.unwrap(),
        company_eth,
        "the company paid no gas"
    );
    let approval = events::<ITokenAI::Approval>(&receipt, suite.token);
    assert_eq!(
        (approval[0].owner, approval[0].spender, approval[0].value),
        (company.address(), suite.aat, cost)
    );
    // A replay is refused with the spec's error.
    let data = revert_data(&relayer, signer(2).address(), suite.token, call).await;
    assert!(matches!(
        ITokenAI::ITokenAIErrors::abi_decode(&data).unwrap(),
        ITokenAI::ITokenAIErrors::ERC2612InvalidSigner(_)
    ));

    // The company converts TokenAI into tradable access for its developer.
    let convert = IAAT::mintWithTokenAICall {
        to: developer,
        model: gpt,
        scope: alloy::primitives::FixedBytes::ZERO,
        expiration: 0,
        reclaimable: false,
        tradable: true,
        amount: u(2_500),
    };
    let receipt = send(&company_client, suite.aat, convert).await;
    assert!(receipt.status());
    let id = events::<IAAT::TokenTypeCreated>(&receipt, suite.aat)[0].id;
    assert_eq!(
        read(
            &owner,
            suite.aat,
            IAAT::balanceOfCall {
                account: developer,
                id
            }
        )
        .await,
        u(2_500)
    );
    assert_eq!(
        read(
            &owner,
            suite.token,
            ITokenAI::balanceOfCall {
                account: company.address()
            }
        )
        .await,
        u(7_500_000)
    );
    assert_eq!(
        read(&owner, suite.token, ITokenAI::totalSupplyCall {}).await,
        u(7_500_000),
        "converted TokenAI is burned"
    );
    assert_eq!(
        read(
            &owner,
            suite.token,
            ITokenAI::allowanceCall {
                owner: company.address(),
                spender: suite.aat
            }
        )
        .await,
        U256::ZERO
    );
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn two_agents_swap_access_atomically_with_fees_on_both_legs() {
    let node = start(NodeConfig::default()).await;
    let owner = client(&node, 0);
    let suite = deploy_suite(&owner).await;
    open_for_business(&owner, &suite).await;
    let (vision_agent, text_agent) = (signer(1).address(), signer(2).address());
    let (vision_client, text_client) = (client(&node, 1), client(&node, 2));
    let (gpt, vision) = (b16("GPT-4-turbo"), b16("vision-xl"));
    send(
        &owner,
        suite.aat,
        IAAT::setModelPriceCall {
            model: vision,
            tokenAIPerUnit: u(5),
        },
    )
    .await;
    let mint = |to, model, amount| IAAT::mintCall {
        to,
        originPool: suite.owner,
        model,
        scope: alloy::primitives::FixedBytes::ZERO,
        expiration: 0,
        reclaimable: false,
        tradable: true,
        amount: u(amount),
    };
    let gpt_id = events::<IAAT::TokenTypeCreated>(
        &send(&owner, suite.aat, mint(text_agent, gpt, 50_000)).await,
        suite.aat,
    )[0]
    .id;
    let vision_id = events::<IAAT::TokenTypeCreated>(
        &send(&owner, suite.aat, mint(vision_agent, vision, 8_000)).await,
        suite.aat,
    )[0]
    .id;
    send(
        &text_client,
        suite.aat,
        IAAT::setApprovalForAllCall {
            operator: vision_agent,
            approved: true,
        },
    )
    .await;
    let swap = IAAT::swapCall {
        partyA: vision_agent,
        idA: vision_id,
        amountA: u(1_000),
        partyB: text_agent,
        idB: gpt_id,
        amountB: u(20_000),
    };
    let receipt = send(&vision_client, suite.aat, swap).await;
    assert!(receipt.status());
    let balance = |account, id| read(&owner, suite.aat, IAAT::balanceOfCall { account, id });
    assert_eq!(balance(text_agent, vision_id).await, u(980));
    assert_eq!(balance(vision_agent, gpt_id).await, u(19_600));
    assert_eq!(balance(text_agent, gpt_id).await, u(30_000));
    assert_eq!(balance(vision_agent, vision_id).await, u(7_000));
    assert_eq!(
        read(
            &owner,
            suite.token,
            ITokenAI::balanceOfCall {
                account: suite.treasury
            }
        )
        .await,
        u(20 * 5 + 400 * 1_000)
    );
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fee_that_cannot_be_minted_fails_the_whole_transaction() {
    let node = start(NodeConfig::default()).await;
    let owner = client(&node, 0);
    let suite = deploy_suite(&owner).await;
    open_for_business(&owner, &suite).await;
    let user = signer(1).address();
    let user_client = client(&node, 1);
    let gpt = b16("GPT-4-turbo");
    let mint = IAAT::mintCall {
        to: user,
        originPool: suite.owner,
        model: gpt,
        scope: alloy::primitives::FixedBytes::ZERO,
        expiration: 0,
        reclaimable: false,
        tradable: true,
        amount: u(10_000),
    };
    let id =
        events::<IAAT::TokenTypeCreated>(&send(&owner, suite.aat, mint).await, suite.aat)[0].id;
    // The owner revokes AAT's minter role: consuming would mint the fee's value.
    send(
        &owner,
        suite.token,
        ITokenAI::setMinterCall {
            minter: suite.aat,
            enabled: false,
        },
    )
    .await;
    let consume = IAAT::consumeCall {
        holder: user,
        id,
        amount: u(5_000),
        model: gpt,
        scope: alloy::primitives::FixedBytes::ZERO,
    };
    // TokenAI's own error reaches the caller unchanged through AAT...
    let data = revert_data(&user_client, user, suite.aat, consume.clone()).await;
    assert_eq!(
        ITokenAI::ITokenAIErrors::abi_decode(&data).unwrap(),
        ITokenAI::ITokenAIErrors::UnauthorizedMinter(ITokenAI::UnauthorizedMinter {
            account: suite.aat
        })
    );
    // ... and a mined attempt reverts whole: nothing burned, nothing minted.
    let request = TransactionRequest::default()
        .with_to(suite.aat)
        .with_input(Bytes::from(alloy::sol_types::SolCall::abi_encode(&consume)))
        .with_gas_limit(2_000_000);
    let receipt = user_client
        .send_transaction(request)
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    assert!(!receipt.status());
    assert!(receipt.inner.logs().is_empty());
    assert_eq!(
        read(&owner, suite.aat, IAAT::balanceOfCall { account: user, id }).await,
        u(10_000)
    );
    assert_eq!(
        read(&owner, suite.aat, IAAT::totalSupplyCall { id }).await,
        u(10_000)
    );
    assert_eq!(
        read(&owner, suite.token, ITokenAI::totalSupplyCall {}).await,
        U256::ZERO
    );
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_port_answers_over_websocket() {
    use jsonrpsee::core::{client::ClientT, rpc_params};
    use jsonrpsee_ws_client::WsClientBuilder;
    let node = start(NodeConfig::default()).await;
    let url = node.url().replacen("http://", "ws://", 1);
    let ws = WsClientBuilder::default()
        .build(&url)
        .await
        .expect("a WebSocket connection");
    let chain_id: String = ws.request("eth_chainId", rpc_params![]).await.unwrap();
    assert_eq!(chain_id, "0x64aba");
    let balance: U256 = ws
        .request("eth_getBalance", rpc_params![signer(0).address(), "latest"])
        .await
        .unwrap();
    assert_eq!(
        balance,
        U256::from(10_000u64) * U256::from(10u64).pow(U256::from(18u64))
    );
    let err = ws
        .request::<serde_json::Value, _>("eth_noSuchMethod", rpc_params![])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("Method not found"), "{err}");
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn dev_accounts_send_unsigned_transactions_and_blocks_list_them() {
    let node = start(NodeConfig::default()).await;
    let provider = client(&node, 0);
    let (me, you) = (signer(0).address(), signer(1).address());
    let accounts = provider.get_accounts().await.unwrap();
    assert_eq!(accounts.len(), 10);
    assert_eq!((accounts[0], accounts[1]), (me, you));
    // eth_sendTransaction: the node signs with the unlocked dev key.
    let request = serde_json::json!({ "from": you, "to": me, "value": "0x7" });
    let hash: alloy::primitives::B256 = provider
        .raw_request("eth_sendTransaction".into(), (request,))
        .await
        .unwrap();
    let receipt = provider
        .get_transaction_receipt(hash)
        .await
        .unwrap()
        .expect("mined");
    assert!(receipt.status());
    assert_eq!((receipt.from, receipt.to), (you, Some(me)));
    let tx = provider
        .get_transaction_by_hash(hash)
        .await
        .unwrap()
        .expect("known");
    assert_eq!(tx.block_number, receipt.block_number);
    let block = provider
        .get_block_by_hash(receipt.block_hash.unwrap())
        .full()
        .await
        .unwrap()
        .expect("the block");
    assert_eq!(block.transactions.len(), 1);
    assert_eq!(block.header.base_fee_per_gas, Some(100_000_000));
    assert_eq!(block.transactions.hashes().next(), Some(hash));
    // An account the node holds no key for cannot send unsigned.
    let stranger =
        serde_json::json!({ "from": Address::with_last_byte(9), "to": me, "value": "0x1" });
    let err = provider
        .raw_request::<_, alloy::primitives::B256>("eth_sendTransaction".into(), (stranger,))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("not an unlocked dev account"),
        "{err}"
    );
    node.stop().await;
}
