//! The cost report: each user-facing operation as a signed transaction on
//! an in-process devnode, with its receipt's `gasUsed` split into the
//! intrinsic 21,000, the calldata gas (EIP-2028: 16 per non-zero byte, 4 per
//! zero byte) and the rest, the L2 execution gas. The `cost_report` bench
//! prints it (`scripts/cost-report`); a test checks that it runs.
#![allow(clippy::format_push_string)] // the report builds its table line by line
#![allow(clippy::too_many_lines)] // one function per table of the report, row by row

use alloy::{
    network::EthereumWallet,
    primitives::{Address, Bytes, FixedBytes, U256},
    providers::{DynProvider, Provider, ProviderBuilder},
    signers::SignerSync,
    sol_types::{eip712_domain, SolCall, SolStruct},
};
use devnode::NodeConfig;

use super::*;

#[path = "cost_exchange.rs"]
mod exchange;
#[path = "cost_peer.rs"]
pub mod peer;

struct Row {
    label: String,
    gas_used: u64,
    calldata: u64,
}

struct Meter {
    rows: Vec<Row>,
}

impl Meter {
    async fn run<C: SolCall>(&mut self, label: &str, from: &DynProvider, to: Address, call: C) {
        let calldata: u64 = call
            .abi_encode()
            .iter()
            .map(|b| if *b == 0 { 4 } else { 16 })
            .sum();
        // With `RUST_LOG=cost_report=debug,devnode::stylus=debug,stylus_host::io=trace`
        // each row's programs, storage, logs and calls print between these
        // two lines (`eth_estimateGas` runs the transaction first, several
        // times; the last run is the one mined).
        tracing::debug!(target: "cost_report", "{label}: sending");
        let receipt = send(from, to, call).await;
        tracing::debug!(target: "cost_report", "{label}: mined, {} gas", receipt.gas_used);
        assert!(receipt.status(), "{label} reverted");
        self.rows.push(Row {
            label: label.to_owned(),
            gas_used: receipt.gas_used,
            calldata,
        });
    }
}

/// A holder of credits who pays by voucher, with a client of its own.
struct Holder {
    signer: alloy::signers::local::PrivateKeySigner,
    client: DynProvider,
}

/// `count` holders with keys of their own, funded for gas, each given
/// `units` of the tradable GPT credit `id` by the minter.
async fn holders(
    node: &devnode::Node,
    minter: &DynProvider,
    aat: Address,
    gpt: FixedBytes<16>,
    count: usize,
    units: u64,
) -> Vec<Holder> {
    let mut out = Vec::new();
    for i in 0..count {
        let (signer, client) = funded(node, minter, &format!("voucher holder {i}")).await;
        let mint = IAAT::mintCall {
            to: signer.address(),
            originPool: signer_address(minter).await,
            model: gpt,
            scope: FixedBytes::ZERO,
            expiration: 0,
            reclaimable: false,
            tradable: true,
            amount: u(units),
        };
        assert!(send(minter, aat, mint).await.status());
        out.push(Holder { signer, client });
    }
    out
}

/// A key of its own named by `seed`, funded for gas by `funder`, and a
/// client that signs with it.
async fn funded(
    node: &devnode::Node,
    funder: &DynProvider,
    seed: &str,
) -> (alloy::signers::local::PrivateKeySigner, DynProvider) {
    let signer =
        alloy::signers::local::PrivateKeySigner::from_bytes(&alloy::primitives::keccak256(seed))
            .expect("a key");
    funder
        .raw_request::<_, ()>(
            "anvil_setBalance".into(),
            (signer.address(), U256::from(10u64).pow(U256::from(18u64))),
        )
        .await
        .expect("funds");
    let client = ProviderBuilder::new()
        .wallet(EthereumWallet::from(signer.clone()))
        .connect_http(node.url().parse().expect("a URL"))
        .erased();
    (signer, client)
}

async fn signer_address(provider: &DynProvider) -> Address {
    provider.get_accounts().await.expect("accounts")[0]
}

/// A voucher for `cumulative` units of `id`, signed by `holder` in the
/// domain AAT declares through `eip712Domain()`.
async fn voucher(
    aat_client: &DynProvider,
    aat: Address,
    holder: &Holder,
    provider: Address,
    id: U256,
    cumulative: u64,
) -> (IAAT::Voucher, Bytes) {
    voucher_by(
        aat_client,
        aat,
        holder,
        &holder.signer,
        provider,
        id,
        cumulative,
    )
    .await
}

/// `holder`'s voucher signed by `key` (its channel's session key).
async fn voucher_by(
    aat_client: &DynProvider,
    aat: Address,
    holder: &Holder,
    key: &alloy::signers::local::PrivateKeySigner,
    provider: Address,
    id: U256,
    cumulative: u64,
) -> (IAAT::Voucher, Bytes) {
    let domain = read(aat_client, aat, IAAT::eip712DomainCall {}).await;
    let domain = alloy::sol_types::Eip712Domain::new(
        Some(domain.name.into()),
        Some(domain.version.into()),
        Some(domain.chainId),
        Some(domain.verifyingContract),
        None,
    );
    let voucher = IAAT::Voucher {
        holder: holder.signer.address(),
        provider,
        id,
        cumulativeAmount: u(cumulative),
        deadline: u64::MAX,
    };
    let signature = key
        .sign_hash_sync(&voucher.eip712_signing_hash(&domain))
        .expect("signs");
    (voucher, signature.as_bytes().to_vec().into())
}

/// The pay-per-use rows: channels, single settlements and batches of 100
/// vouchers from 100 holders, first-time and steady state, drawn from
/// channels and from balances. Returns the per-voucher lines.
async fn vouchers(
    node: &devnode::Node,
    m: &mut Meter,
    minter: &DynProvider,
    aat: Address,
    gpt: FixedBytes<16>,
) -> String {
    const BATCH: usize = 100;
    let (provider_client, provider) = (client(node, 4), signer(4).address());
    let (other_client, other) = (client(node, 5), signer(5).address());
    let id = read(
        minter,
        aat,
        IAAT::computeTokenIdCall {
            originPool: signer_address(minter).await,
            model: gpt,
            scope: FixedBytes::ZERO,
            expiration: 0,
            reclaimable: false,
            tradable: true,
        },
    )
    .await;
    let people = holders(node, minter, aat, gpt, BATCH, 100_000).await;
    let settle = |v: (IAAT::Voucher, Bytes)| IAAT::settleCall {
        voucher: v.0,
        signature: v.1,
        model: gpt,
        scope: FixedBytes::ZERO,
    };
    let first = &people[0];
    let v = voucher(minter, aat, first, provider, id, 1_000).await;
    m.run(
        "AAT settle (first, from balance)",
        &provider_client,
        aat,
        settle(v),
    )
    .await;
    let v = voucher(minter, aat, first, provider, id, 2_000).await;
    m.run(
        "AAT settle (again, from balance)",
        &provider_client,
        aat,
        settle(v),
    )
    .await;
    let open = IAAT::openChannelCall {
        provider,
        id,
        amount: u(10_000),
        expiresAt: u64::MAX / 2,
        signer: Address::ZERO,
    };
    m.run("AAT openChannel (new)", &first.client, aat, open.clone())
        .await;
    m.run("AAT openChannel (top-up)", &first.client, aat, open.clone())
        .await;
    let v = voucher(minter, aat, first, provider, id, 3_000).await;
    m.run(
        "AAT settle (from channel)",
        &provider_client,
        aat,
        settle(v),
    )
    .await;
    let close = IAAT::closeChannelCall {
        holder: first.signer.address(),
        provider,
        id,
    };
    m.run("AAT closeChannel", &provider_client, aat, close)
        .await;

    // Every holder's voucher for `to`, each for what it settled before
    // (the first holder's 3,000 with `provider`) plus `units`.
    let batch = |to: Address, units: u64| {
        let people = &people;
        async move {
            let mut vouchers = Vec::new();
            let mut signatures = Vec::new();
            for (i, p) in people.iter().enumerate() {
                let before = if i == 0 && to == provider { 3_000 } else { 0 };
                let (v, s) = voucher(minter, aat, p, to, id, before + units).await;
                vouchers.push(v);
                signatures.push(s);
            }
            IAAT::settleBatchCall {
                vouchers,
                signatures,
                model: gpt,
                scope: FixedBytes::ZERO,
            }
        }
    };
    let mut lines = String::new();
    let mut measure = async |m: &mut Meter, label: &str, client: &DynProvider, call| {
        m.run(label, client, aat, call).await;
        let gas = m.rows.last().expect("a row").gas_used;
        lines.push_str(&format!(
            "{:<34} {:>9} per voucher (gasUsed / {BATCH})\n",
            format!("  {}", &label[4..]),
            gas / BATCH as u64
        ));
    };
    // First settlements with `other` (from balances), then steady ones.
    let call = batch(other, 100).await;
    measure(m, "AAT settleBatch x100 (first)", &other_client, call).await;
    let call = batch(other, 200).await;
    measure(m, "AAT settleBatch x100 (balances)", &other_client, call).await;
    // With `provider`: every holder locks units in a channel and settles
    // once, then settles again from the channel.
    for p in &people {
        assert!(send(&p.client, aat, open.clone()).await.status());
    }
    let call = batch(provider, 100).await;
    assert!(send(&provider_client, aat, call).await.status());
    let call = batch(provider, 200).await;
    measure(m, "AAT settleBatch x100 (channels)", &provider_client, call).await;

    // With `agents`: every holder's channel names a session key of its own,
    // which signs; first settlements, then steady ones.
    let agents_key = alloy::signers::local::PrivateKeySigner::from_bytes(
        &alloy::primitives::keccak256("the agents' provider"),
    )
    .expect("a key");
    let agents = agents_key.address();
    minter
        .raw_request::<_, ()>(
            "anvil_setBalance".into(),
            (agents, U256::from(10u64).pow(U256::from(18u64))),
        )
        .await
        .expect("funds");
    let agents_client = ProviderBuilder::new()
        .wallet(EthereumWallet::from(agents_key))
        .connect_http(node.url().parse().expect("a URL"))
        .erased();
    let keys: Vec<_> = (0..BATCH)
        .map(|i| {
            let seed = alloy::primitives::keccak256(format!("session key {i}"));
            alloy::signers::local::PrivateKeySigner::from_bytes(&seed).expect("a key")
        })
        .collect();
    for (p, key) in people.iter().zip(&keys) {
        let open = IAAT::openChannelCall {
            provider: agents,
            signer: key.address(),
            ..open.clone()
        };
        assert!(send(&p.client, aat, open).await.status());
    }
    let by_keys = |units: u64| {
        let (people, keys) = (&people, &keys);
        async move {
            let (mut vouchers, mut signatures) = (Vec::new(), Vec::new());
            for (p, key) in people.iter().zip(keys) {
                let (v, s) = voucher_by(minter, aat, p, key, agents, id, units).await;
                vouchers.push(v);
                signatures.push(s);
            }
            IAAT::settleBatchCall {
                vouchers,
                signatures,
                model: gpt,
                scope: FixedBytes::ZERO,
            }
        }
    };
    let call = by_keys(100).await;
    assert!(send(&agents_client, aat, call).await.status());
    let call = by_keys(200).await;
    measure(
        m,
        "AAT settleBatch x100 (session key)",
        &agents_client,
        call,
    )
    .await;
    lines
}

fn u(n: u64) -> U256 {
    U256::from(n)
}

fn bytes16(s: &str) -> FixedBytes<16> {
    b16(s)
}

/// Runs every measured operation on a fresh devnode and renders the table;
/// `cached`: with every program in the program cache (ArbWasmCache), as
/// programs in steady use on Arbitrum are.
pub async fn report(cached: bool) -> String {
    let node = start(NodeConfig::default()).await;
    let owner = client(&node, 0);
    let suite = deploy_suite(&owner).await;
    if cached {
        cache_program(&owner, suite.token).await;
        cache_program(&owner, suite.aat).await;
    }
    let (alice_client, bob_client, uni_client) =
        (client(&node, 1), client(&node, 2), client(&node, 3));
    let (alice, bob, uni) = (
        signer(1).address(),
        signer(2).address(),
        signer(3).address(),
    );
    let (token, aat) = (suite.token, suite.aat);
    let gateway = suite.owner;
    let gpt = bytes16("GPT-4-turbo");
    let cs101 = bytes16("CS101-Fall2024");
    let mut m = Meter { rows: Vec::new() };

    send(
        &owner,
        token,
        ITokenAI::setMinterCall {
            minter: gateway,
            enabled: true,
        },
    )
    .await;
    send(
        &owner,
        aat,
        IAAT::setMinterCall {
            minter: gateway,
            enabled: true,
        },
    )
    .await;
    send(
        &owner,
        aat,
        IAAT::setModelPriceCall {
            model: gpt,
            tokenAIPerUnit: u(1_000),
        },
    )
    .await;
    send(&owner, aat, IAAT::setFeeBpsCall { feeBps: 200 }).await;

    // TokenAI.
    m.run(
        "TokenAI mint",
        &owner,
        token,
        ITokenAI::mintCall {
            to: alice,
            value: u(1_000_000_000),
        },
    )
    .await;
    m.run(
        "TokenAI transfer",
        &alice_client,
        token,
        ITokenAI::transferCall {
            to: bob,
            value: u(1_000),
        },
    )
    .await;
    m.run(
        "TokenAI approve",
        &alice_client,
        token,
        ITokenAI::approveCall {
            spender: bob,
            value: u(5_000),
        },
    )
    .await;
    let deadline = U256::from(u64::MAX);
    let permit = Permit {
        owner: alice,
        spender: aat,
        value: u(100_000_000),
        nonce: U256::ZERO,
        deadline,
    };
    let domain = eip712_domain! { name: "TokenAI", version: "1", chain_id: 412_346, verifying_contract: token, };
    let sig = signer(1)
        .sign_hash_sync(&permit.eip712_signing_hash(&domain))
        .expect("signs");
    let call = ITokenAI::permitCall {
        owner: alice,
        spender: aat,
        value: permit.value,
        deadline,
        v: 27 + u8::from(sig.v()),
        r: sig.r().into(),
        s: sig.s().into(),
    };
    m.run("TokenAI permit", &bob_client, token, call).await;
    m.run(
        "TokenAI burnFrom",
        &bob_client,
        token,
        ITokenAI::burnFromCall {
            account: alice,
            value: u(1_000),
        },
    )
    .await;

    // EIP-3009 (x402's `exact` scheme): Alice signs, a facilitator (the
    // owner's key here) or the payee (Bob) submits.
    let payment = TransferWithAuthorization {
        from: alice,
        to: bob,
        value: u(1_000),
        validAfter: U256::ZERO,
        validBefore: deadline,
        nonce: FixedBytes::repeat_byte(0x31),
    };
    let sig = signer(1)
        .sign_hash_sync(&payment.eip712_signing_hash(&domain))
        .expect("signs");
    let call = ITokenAI::transferWithAuthorization_1Call {
        from: alice,
        to: bob,
        value: payment.value,
        validAfter: payment.validAfter,
        validBefore: payment.validBefore,
        nonce: payment.nonce,
        signature: sig.as_bytes().to_vec().into(),
    };
    m.run("TokenAI transferWithAuthorization", &owner, token, call)
        .await;
    let receipt = ReceiveWithAuthorization {
        from: alice,
        to: bob,
        value: u(1_000),
        validAfter: U256::ZERO,
        validBefore: deadline,
        nonce: FixedBytes::repeat_byte(0x32),
    };
    let sig = signer(1)
        .sign_hash_sync(&receipt.eip712_signing_hash(&domain))
        .expect("signs");
    let call = ITokenAI::receiveWithAuthorization_0Call {
        from: alice,
        to: bob,
        value: receipt.value,
        validAfter: receipt.validAfter,
        validBefore: receipt.validBefore,
        nonce: receipt.nonce,
        v: 27 + u8::from(sig.v()),
        r: sig.r().into(),
        s: sig.s().into(),
    };
    m.run("TokenAI receiveWithAuthorization", &bob_client, token, call)
        .await;

    // AAT issuance and use.
    let expiration = u64::MAX / 2;
    let course = |amount: u64| IAAT::mintCall {
        to: uni,
        originPool: uni,
        model: gpt,
        scope: cs101,
        expiration,
        reclaimable: true,
        tradable: false,
        amount: u(amount),
    };
    m.run("AAT mint (new type)", &owner, aat, course(1_000_000))
        .await;
    m.run("AAT mint (existing type)", &owner, aat, course(1_000))
        .await;
    let id = read(
        &owner,
        aat,
        IAAT::computeTokenIdCall {
            originPool: uni,
            model: gpt,
            scope: cs101,
            expiration,
            reclaimable: true,
            tradable: false,
        },
    )
    .await;
    let transfer = IAAT::safeTransferFromCall {
        from: uni,
        to: alice,
        id,
        value: u(10_000),
        data: Bytes::new(),
    };
    m.run("AAT safeTransferFrom", &uni_client, aat, transfer)
        .await;
    let mut ids = Vec::new();
    for i in 0..10u8 {
        let scope = bytes16(&format!("batch-{i}"));
        let mint = IAAT::mintCall {
            to: alice,
            originPool: gateway,
            model: gpt,
            scope,
            expiration: 0,
            reclaimable: false,
            tradable: true,
            amount: u(1_000),
        };
        send(&owner, aat, mint).await;
        ids.push(
            read(
                &owner,
                aat,
                IAAT::computeTokenIdCall {
                    originPool: gateway,
                    model: gpt,
                    scope,
                    expiration: 0,
                    reclaimable: false,
                    tradable: true,
                },
            )
            .await,
        );
    }
    for n in [1usize, 5, 10] {
        let call = IAAT::safeBatchTransferFromCall {
            from: alice,
            to: bob,
            ids: ids[..n].to_vec(),
            values: vec![u(1); n],
            data: Bytes::new(),
        };
        m.run(
            &format!("AAT safeBatchTransferFrom x{n}"),
            &alice_client,
            aat,
            call,
        )
        .await;
    }
    let consume = IAAT::consumeCall {
        holder: alice,
        id,
        amount: u(500),
        model: gpt,
        scope: cs101,
    };
    m.run("AAT consume (with fee)", &alice_client, aat, consume)
        .await;
    let convert = IAAT::mintWithTokenAICall {
        to: bob,
        model: gpt,
        scope: FixedBytes::ZERO,
        expiration: 0,
        reclaimable: false,
        tradable: true,
        amount: u(1_000),
    };
    m.run("AAT mintWithTokenAI", &alice_client, aat, convert)
        .await;
    m.run(
        "AAT reclaim",
        &uni_client,
        aat,
        IAAT::reclaimCall {
            holder: alice,
            id,
            amount: u(1_000),
        },
    )
    .await;
    send(
        &bob_client,
        aat,
        IAAT::setApprovalForAllCall {
            operator: alice,
            approved: true,
        },
    )
    .await;
    let swap = IAAT::swapCall {
        partyA: alice,
        idA: ids[9],
        amountA: u(100),
        partyB: bob,
        idB: ids[0],
        amountB: u(1),
    };
    m.run("AAT swap", &alice_client, aat, swap).await;
    exchange::rows(
        &mut m,
        exchange::Market {
            owner: &owner,
            maker: &bob_client,
            taker: &alice_client,
            token,
            aat,
            treasury: suite.treasury,
            taker_id: ids[1],
            cached,
        },
    )
    .await;

    let per_voucher = vouchers(&node, &mut m, &owner, aat, gpt).await;
    node.stop().await;

    let mut table = format!(
        "{:<34} {:>9} {:>9} {:>9} {:>10}\n",
        "operation", "gasUsed", "intrinsic", "calldata", "execution"
    );
    for row in &m.rows {
        let execution = row.gas_used.saturating_sub(21_000 + row.calldata);
        table.push_str(&format!(
            "{:<34} {:>9} {:>9} {:>9} {:>10}\n",
            row.label, row.gas_used, 21_000, row.calldata, execution
        ));
    }
    table.push_str(&per_voucher);
    table.push_str(
        "gasUsed: the devnode's receipt; execution = gasUsed - 21,000 - calldata (EIP-2028).\n\
         Stylus prices: host I/O at Nitro's published ink prices, storage/logs/calls at EVM prices,\n\
         per-call init gas, each wasm opcode at Nitro's pricing_v1 ink price per basic block, 10,000 ink per gas.\n",
    );
    table
}
