//! The exchange's rows of the cost report: an ask fill (AAT for TokenAI),
//! first and repeat, a bid fill, an AAT-for-AAT fill, `fillBatch` of five
//! asks and a `cancel`, each a wallet-signed order filled by a stranger
//! (Seaport 1.1 fills an ERC-1155-for-ERC-20 order for 86,059 gas).
#![allow(clippy::too_many_lines)] // one function per table of the report, row by row

use aat_client::{
    bindings::{AATExchange, IAATExchange::Order},
    orders::{sign_order, Exchange, SignedOrder},
};
use alloy::{
    primitives::{Address, U256},
    providers::DynProvider,
    sol_types::SolValue,
};

use super::{bytes16, u, Meter};

/// The exchange fee the rows run with: 1%.
const FEE_BPS: u16 = 100;
use crate::common::*;

/// The parties and contracts the rows need.
pub(super) struct Market<'a> {
    pub owner: &'a DynProvider,
    pub maker: &'a DynProvider,
    pub taker: &'a DynProvider,
    pub token: Address,
    pub aat: Address,
    pub treasury: Address,
    /// A tradable id the taker holds, for the AAT-for-AAT order.
    pub taker_id: U256,
    /// Whether the exchange's program goes in the cache.
    pub cached: bool,
}

pub(super) async fn rows(m: &mut Meter, market: Market<'_>) {
    let (maker, taker) = (signer(2), signer(1));
    let (exchange, _) = deploy_with_deployer(
        market.owner,
        &artifact("exchange.wasm"),
        (
            market.aat,
            market.token,
            market.treasury,
            signer(0).address(),
        )
            .abi_encode_params(),
    )
    .await;
    if market.cached {
        cache_program(market.owner, exchange).await;
    }
    let set_fee = |bps: u16| {
        send(
            market.owner,
            exchange,
            AATExchange::setFeeBpsCall { feeBps: bps },
        )
    };
    set_fee(FEE_BPS).await;
    // The maker's credits, and both parties' approvals of the exchange.
    let gpt = bytes16("GPT-4-turbo");
    let scope = bytes16("market");
    send(
        market.owner,
        market.aat,
        IAAT::mintCall {
            to: maker.address(),
            originPool: signer(0).address(),
            model: gpt,
            scope,
            expiration: 0,
            reclaimable: false,
            tradable: true,
            amount: u(100_000),
        },
    )
    .await;
    let credits = read(
        market.owner,
        market.aat,
        IAAT::computeTokenIdCall {
            originPool: signer(0).address(),
            model: gpt,
            scope,
            expiration: 0,
            reclaimable: false,
            tradable: true,
        },
    )
    .await;
    for party in [market.maker, market.taker] {
        send(
            party,
            market.aat,
            IAAT::setApprovalForAllCall {
                operator: exchange,
                approved: true,
            },
        )
        .await;
        send(
            party,
            market.token,
            ITokenAI::approveCall {
                spender: exchange,
                value: U256::MAX,
            },
        )
        .await;
    }
    let domain = Exchange::new(market.owner.clone(), exchange)
        .domain()
        .await
        .expect("the exchange's domain");
    let order = |maker: Address, give: (U256, u64), want: (U256, u64), nonce: u64| Order {
        maker,
        taker: Address::ZERO,
        giveId: give.0,
        giveAmount: u(give.1),
        wantId: want.0,
        wantAmount: u(want.1),
        expiry: u64::MAX,
        nonce,
    };
    let signed = |key: alloy::signers::local::PrivateKeySigner, order: Order| {
        let domain = domain.clone();
        async move { sign_order(&key, &domain, order).await.expect("signs") }
    };
    let fill = |s: &SignedOrder, give_fill: u64| AATExchange::fillCall {
        order: s.order.clone(),
        signature: s.signature.clone(),
        giveFill: u(give_fill),
    };
    let tokens = U256::ZERO;

    let ask = signed(
        maker.clone(),
        order(maker.address(), (credits, 1_000), (tokens, 1_000_000), 1),
    )
    .await;
    m.run(
        "AATExchange fill: ask, first",
        market.taker,
        exchange,
        fill(&ask, 100),
    )
    .await;
    m.run(
        "AATExchange fill: ask, repeat",
        market.taker,
        exchange,
        fill(&ask, 100),
    )
    .await;
    // Seaport's figure is for an order without fees: the same fill with
    // the exchange fee off (AAT's transfer policy still applies).
    set_fee(0).await;
    m.run(
        "AATExchange fill: ask, no fee",
        market.taker,
        exchange,
        fill(&ask, 100),
    )
    .await;
    set_fee(FEE_BPS).await;
    let bid = signed(
        taker.clone(),
        order(taker.address(), (tokens, 500_000), (credits, 500), 2),
    )
    .await;
    m.run(
        "AATExchange fill: bid",
        market.maker,
        exchange,
        fill(&bid, 100_000),
    )
    .await;
    let swap = signed(
        maker.clone(),
        order(maker.address(), (credits, 1_000), (market.taker_id, 50), 3),
    )
    .await;
    m.run(
        "AATExchange fill: AAT for AAT",
        market.taker,
        exchange,
        fill(&swap, 1_000),
    )
    .await;
    let mut asks = Vec::new();
    for nonce in 10..15 {
        asks.push(
            signed(
                maker.clone(),
                order(maker.address(), (credits, 100), (tokens, 100_000), nonce),
            )
            .await,
        );
    }
    let batch = AATExchange::fillBatchCall {
        orders: asks.iter().map(|s| s.order.clone()).collect(),
        signatures: asks.iter().map(|s| s.signature.clone()).collect(),
        giveFills: vec![u(10); asks.len()],
    };
    m.run(
        "AATExchange fillBatch x5 (asks)",
        market.taker,
        exchange,
        batch,
    )
    .await;
    m.run(
        "AATExchange cancel",
        market.maker,
        exchange,
        AATExchange::cancelCall {
            orders: vec![asks[0].order.clone()],
        },
    )
    .await;
}
