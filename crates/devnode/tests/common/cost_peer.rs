//! The suite against OpenZeppelin's Solidity on the same chain: every
//! operation TokenAI shares with an OpenZeppelin ERC-20 and AAT with an
//! OpenZeppelin ERC-1155 (`tests/fixtures/peer`), run from the same
//! starting state (fresh parties each time): on the suite before its
//! programs are cached, on the suite cached (ArbWasmCache), on the peer,
//! and on the peer with an ERC-1155 that pauses as AAT does
//! (`ERC1155Pausable`; the ERC-20 peer pauses already). Gas is the
//! receipts' `gasUsed`, all in.
#![allow(clippy::format_push_string)] // the report builds its table line by line
#![allow(clippy::too_many_lines)] // one function per table of the report, row by row
#![allow(clippy::cast_precision_loss)] // ratios printed to three places
#![allow(clippy::similar_names)] // sender and spender, ERC-20's own words

use alloy::{
    network::TransactionBuilder,
    primitives::{keccak256, Address, Bytes, FixedBytes, U256},
    providers::{DynProvider, Provider},
    rpc::types::TransactionRequest,
    sol,
    sol_types::{SolCall, SolValue},
};
use devnode::NodeConfig;

use super::super::*;
use super::u;

sol! {
    interface IPeerERC1155 {
        function mint(address to, uint256 id, uint256 amount) external;
    }
}

/// Which contracts a run measures.
#[derive(Clone, Copy)]
enum Side {
    Suite { token: Address, aat: Address },
    Peer { erc20: Address, erc1155: Address },
}

/// One run's gas per operation, in the order of [`OPERATIONS`].
type Run = Vec<u64>;

const OPERATIONS: [&str; 15] = [
    "ERC-20 mint",
    "ERC-20 transfer to a new holder",
    "ERC-20 transfer to a holder",
    "ERC-20 approve",
    "ERC-20 transferFrom",
    "ERC-20 burn",
    "ERC-20 transfer emptying the sender",
    "ERC-1155 mint, new id",
    "ERC-1155 mint, existing id",
    "ERC-1155 transfer to a new holder",
    "ERC-1155 transfer to a holder",
    "ERC-1155 batch x1 to a new holder",
    "ERC-1155 batch x5 to a new holder",
    "ERC-1155 batch x10 to a new holder",
    "ERC-1155 transfer emptying the sender",
];

/// A fresh party of run `run`, funded for gas.
async fn party(
    node: &devnode::Node,
    owner: &DynProvider,
    run: &str,
    role: &str,
) -> (Address, DynProvider) {
    let (signer, client) = super::funded(node, owner, &format!("peer {run} {role}")).await;
    (signer.address(), client)
}

async fn gas<C: SolCall>(from: &DynProvider, to: Address, call: C) -> u64 {
    let receipt = send(from, to, call).await;
    assert!(receipt.status(), "{} reverted", C::SIGNATURE);
    receipt.gas_used
}

/// The 1155 id `n` of run `run`, minted as the side mints: an AAT policy
/// (tradable, unscoped, a scope of its own per run and `n`) or a plain id.
async fn mint_1155(
    side: Side,
    owner: &DynProvider,
    run: &str,
    n: u64,
    to: Address,
    amount: u64,
) -> (U256, u64) {
    match side {
        Side::Suite { aat, .. } => {
            let mut scope = [0u8; 16];
            scope[..8].copy_from_slice(&keccak256(format!("{run} {n}"))[..8]);
            let call = IAAT::mintCall {
                to,
                originPool: signer(0).address(),
                model: b16("gpt-4o-mini"),
                scope: FixedBytes(scope),
                expiration: 0,
                reclaimable: false,
                tradable: true,
                amount: u(amount),
            };
            let id = aat_client::Policy {
                origin_pool: signer(0).address(),
                model: b16("gpt-4o-mini"),
                scope: FixedBytes(scope),
                expiration: 0,
                reclaimable: false,
                tradable: true,
            }
            .id();
            (id, gas(owner, aat, call).await)
        }
        Side::Peer { erc1155, .. } => {
            let id = U256::from_be_bytes(keccak256(format!("{run} {n}")).0);
            let call = IPeerERC1155::mintCall {
                to,
                id,
                amount: u(amount),
            };
            (id, gas(owner, erc1155, call).await)
        }
    }
}

/// Runs every operation once on `side`, from the same kind of state.
async fn measure(node: &devnode::Node, owner: &DynProvider, side: Side, run: &str) -> Run {
    let (erc20, erc1155) = match side {
        Side::Suite { token, aat } => (token, aat),
        Side::Peer { erc20, erc1155 } => (erc20, erc1155),
    };
    let (sender, sender_client) = party(node, owner, run, "sender").await;
    let (spender, spender_client) = party(node, owner, run, "spender").await;
    let holder = party(node, owner, run, "holder").await.0;
    let mut out = Vec::new();

    // ERC-20: the token has supply before the run (the owner's warm-up).
    gas(
        owner,
        erc20,
        ITokenAI::mintCall {
            to: holder,
            value: u(1),
        },
    )
    .await;
    out.push(
        gas(
            owner,
            erc20,
            ITokenAI::mintCall {
                to: sender,
                value: u(10_000),
            },
        )
        .await,
    );
    let fresh = party(node, owner, run, "fresh 20").await.0;
    out.push(
        gas(
            &sender_client,
            erc20,
            ITokenAI::transferCall {
                to: fresh,
                value: u(1_000),
            },
        )
        .await,
    );
    out.push(
        gas(
            &sender_client,
            erc20,
            ITokenAI::transferCall {
                to: holder,
                value: u(1_000),
            },
        )
        .await,
    );
    out.push(
        gas(
            &sender_client,
            erc20,
            ITokenAI::approveCall {
                spender,
                value: u(5_000),
            },
        )
        .await,
    );
    out.push(
        gas(
            &spender_client,
            erc20,
            ITokenAI::transferFromCall {
                from: sender,
                to: holder,
                value: u(1_000),
            },
        )
        .await,
    );
    out.push(
        gas(
            &sender_client,
            erc20,
            ITokenAI::burnCall { value: u(1_000) },
        )
        .await,
    );
    out.push(
        gas(
            &sender_client,
            erc20,
            ITokenAI::transferCall {
                to: holder,
                value: u(6_000),
            },
        )
        .await,
    );

    // ERC-1155.
    let (id, minted) = mint_1155(side, owner, run, 0, sender, 10_000).await;
    out.push(minted);
    out.push(mint_1155(side, owner, run, 0, sender, 1_000).await.1);
    mint_1155(side, owner, run, 0, holder, 1).await;
    let fresh = party(node, owner, run, "fresh 1155").await.0;
    let transfer = |to: Address, value: u64| IAAT::safeTransferFromCall {
        from: sender,
        to,
        id,
        value: u(value),
        data: Bytes::new(),
    };
    out.push(gas(&sender_client, erc1155, transfer(fresh, 100)).await);
    out.push(gas(&sender_client, erc1155, transfer(holder, 100)).await);
    let mut ids = vec![id];
    for n in 1..10 {
        ids.push(mint_1155(side, owner, run, n, sender, 1_000).await.0);
    }
    for (count, role) in [(1, "batch 1"), (5, "batch 5"), (10, "batch 10")] {
        let to = party(node, owner, run, role).await.0;
        let batch = IAAT::safeBatchTransferFromCall {
            from: sender,
            to,
            ids: ids[..count].to_vec(),
            values: vec![u(10); count],
            data: Bytes::new(),
        };
        out.push(gas(&sender_client, erc1155, batch).await);
    }
    // What the sender holds of `id` now: 11,000 less 200 and 30 sent.
    out.push(gas(&sender_client, erc1155, transfer(holder, 10_770)).await);
    out
}

/// Deploys the creation code in `bin` (hex) with `owner` as its argument.
async fn deploy_peer(owner: &DynProvider, bin: &str, initial_owner: Address) -> Address {
    let mut code = alloy::hex::decode(bin.trim()).expect("hex creation code");
    code.extend(initial_owner.abi_encode());
    let receipt = owner
        .send_transaction(TransactionRequest::default().with_deploy_code(code))
        .await
        .expect("the deployment is accepted")
        .get_receipt()
        .await
        .expect("a receipt");
    assert!(receipt.status());
    receipt.contract_address.expect("an address")
}

/// The comparison table.
pub async fn comparison() -> String {
    let node = start(NodeConfig::default()).await;
    let owner = client(&node, 0);
    let suite = deploy_suite(&owner).await;
    let owner_address = signer(0).address();
    assert!(send(
        &owner,
        suite.token,
        ITokenAI::setMinterCall {
            minter: owner_address,
            enabled: true
        }
    )
    .await
    .status());
    assert!(send(
        &owner,
        suite.aat,
        IAAT::setMinterCall {
            minter: owner_address,
            enabled: true
        }
    )
    .await
    .status());
    let erc20 = deploy_peer(
        &owner,
        include_str!("../fixtures/peer/PeerERC20.bin"),
        owner_address,
    )
    .await;
    let erc1155 = deploy_peer(
        &owner,
        include_str!("../fixtures/peer/PeerERC1155.bin"),
        owner_address,
    )
    .await;
    let pausable_1155 = deploy_peer(
        &owner,
        include_str!("../fixtures/peer/PeerERC1155Pausable.bin"),
        owner_address,
    )
    .await;
    let ours = Side::Suite {
        token: suite.token,
        aat: suite.aat,
    };
    let uncached = measure(&node, &owner, ours, "uncached").await;
    for program in [suite.token, suite.aat] {
        cache_program(&owner, program).await;
    }
    let cached = measure(&node, &owner, ours, "cached").await;
    let peer = measure(&node, &owner, Side::Peer { erc20, erc1155 }, "peer").await;
    let pausable = Side::Peer {
        erc20,
        erc1155: pausable_1155,
    };
    let pausable = measure(&node, &owner, pausable, "peer pausable").await;
    node.stop().await;

    let mut table = format!(
        "{:<40} {:>9} {:>9} {:>12} {:>9} {:>9} {:>15}\n",
        "shared operation",
        "uncached",
        "cached",
        "OpenZeppelin",
        "cached/OZ",
        "OZ+pause",
        "cached/"
    );
    for (i, operation) in OPERATIONS.iter().enumerate() {
        let ratio = |peer: &Run| cached[i] as f64 / peer[i] as f64;
        // The ERC-20 peer pauses already: no second figure.
        let paused_peer = if operation.starts_with("ERC-1155") {
            format!("{:>9} {:>15.4}", pausable[i], ratio(&pausable))
        } else {
            format!("{:>9} {:>15}", "-", "-")
        };
        table.push_str(&format!(
            "{operation:<40} {:>9} {:>9} {:>12} {:>9.4} {paused_peer}\n",
            uncached[i],
            cached[i],
            peer[i],
            ratio(&peer),
        ));
    }
    table.push_str(
        "Suite (TokenAI, AAT; Stylus) before and after ArbWasmCache.cacheProgram, against OpenZeppelin 5.7\n\
         (ERC20 + Burnable + Pausable + Permit + Ownable; ERC1155 + Burnable + Supply + Ownable; solc 0.8.30\n\
         via-IR, 200 runs) on the same devnode, each run from fresh parties; gasUsed of the receipts, all in.\n\
         OZ+pause: the ERC-1155 peer with ERC1155Pausable, which reads its paused flag on every move as AAT\n\
         does (the ERC-20 peer has ERC20Pausable in both columns).\n",
    );
    table
}
