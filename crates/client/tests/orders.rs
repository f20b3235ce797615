//! Orders through the client against the shipped exchange on an in-process
//! devnode: what the client signs and hashes is what the exchange checks,
//! fills of every kind move what the order says, and refusals come back as
//! the exchange's errors, decoded.

use aat_client::{
    bindings::{AATExchange, TokenAI},
    deploy::{deploy_suite_with_exchange, SuiteConfig},
    error::is,
    orders::{sign_order, Exchange, Order, SignedOrder, TOKEN_AI},
    policy::bytes16,
    Policy, Rails, AAT,
};
use alloy::{
    primitives::{Address, U256},
    providers::{DynProvider, Provider},
    signers::local::PrivateKeySigner,
};
use devnode::{Node, NodeConfig};

fn artifact(name: &str) -> Vec<u8> {
    let path = format!("{}/../../artifacts/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}; run scripts/build first"))
}

/// A chain with the suite and the exchange, the owner a minter of both
/// tokens, and two traders.
struct World {
    node: Node,
    owner: Rails<DynProvider>,
    pool: Address,
    exchange: Address,
    maker: PrivateKeySigner,
    taker: PrivateKeySigner,
}

impl World {
    async fn new() -> World {
        let node = Node::start(NodeConfig {
            port: 0,
            ..NodeConfig::default()
        })
        .await
        .unwrap();
        let key = |i: usize| -> PrivateKeySigner { node.accounts()[i].1.parse().unwrap() };
        let owner_key = key(0);
        let (owner, exchange, receipts) = deploy_suite_with_exchange(
            &aat_client::connect(&node.url(), owner_key.clone()).unwrap(),
            SuiteConfig {
                token_wasm: &artifact("token-ai.wasm"),
                aat_wasm: &artifact("aat.wasm"),
                name: "TokenAI".into(),
                symbol: "TAI".into(),
                owner: owner_key.address(),
                treasury: Address::repeat_byte(0x7e),
                uri: String::new(),
            },
            &artifact("exchange.wasm"),
        )
        .await
        .expect("the suite and the exchange deploy");
        assert!(receipts.iter().all(|r| r.status()));
        let minter = owner_key.address();
        owner.set_minter_of_both(minter).await.unwrap();
        World {
            owner,
            pool: minter,
            exchange: exchange.address,
            maker: key(1),
            taker: key(2),
            node,
        }
    }

    /// A tradable id of the owner's pool, `amount` of it minted to `to`.
    async fn credits(&self, scope: &str, to: Address, amount: u64) -> U256 {
        let policy = Policy {
            origin_pool: self.pool,
            model: bytes16("gpt-4o").unwrap(),
            scope: bytes16(scope).unwrap(),
            expiration: 0,
            reclaimable: false,
            tradable: true,
        };
        self.owner
            .send_aat(policy.mint_call(to, U256::from(amount)))
            .await
            .unwrap();
        policy.id()
    }

    async fn tokens(&self, to: Address, value: u64) {
        self.owner
            .send_token(TokenAI::mintCall {
                to,
                value: U256::from(value),
            })
            .await
            .unwrap();
    }

    fn rails_of(&self, key: &PrivateKeySigner) -> Rails<DynProvider> {
        Rails::new(
            aat_client::connect(&self.node.url(), key.clone()).unwrap(),
            self.owner.token,
            self.owner.aat,
        )
    }

    fn exchange_of(&self, key: &PrivateKeySigner) -> Exchange<DynProvider> {
        Exchange::new(
            aat_client::connect(&self.node.url(), key.clone()).unwrap(),
            self.exchange,
        )
    }

    /// `key` lets the exchange move its AAT and `tokens` of its TokenAI.
    async fn approve(&self, key: &PrivateKeySigner, tokens: u64) {
        let rails = self.rails_of(key);
        rails
            .send_aat(AAT::setApprovalForAllCall {
                operator: self.exchange,
                approved: true,
            })
            .await
            .unwrap();
        rails
            .send_token(TokenAI::approveCall {
                spender: self.exchange,
                value: U256::from(tokens),
            })
            .await
            .unwrap();
    }

    async fn now(&self) -> u64 {
        let head = self.owner.provider.get_block_number().await.unwrap();
        self.owner
            .provider
            .get_block_by_number(head.into())
            .await
            .unwrap()
            .unwrap()
            .header
            .timestamp
    }

    /// The maker's order, signed in the exchange's domain as read from it.
    async fn signed(&self, give: (U256, u64), want: (U256, u64), expiry: u64) -> SignedOrder {
        let exchange = self.exchange_of(&self.maker);
        let order = Order {
            maker: self.maker.address(),
            taker: Address::ZERO,
            giveId: give.0,
            giveAmount: U256::from(give.1),
            wantId: want.0,
            wantAmount: U256::from(want.1),
            expiry,
            nonce: 0,
        };
        sign_order(&self.maker, &exchange.domain().await.unwrap(), order)
            .await
            .unwrap()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_client_hashes_as_the_exchange_and_fills_asks_partially_then_fully() {
    let world = World::new().await;
    let id = world.credits("ask", world.maker.address(), 30).await;
    world.tokens(world.taker.address(), 1_000).await;
    world.approve(&world.maker, 0).await;
    world.approve(&world.taker, 1_000).await;
    let taker = world.exchange_of(&world.taker);

    // 30 credits for 100 TokenAI.
    let ask = world.signed((id, 30), (TOKEN_AI, 100), u64::MAX).await;
    let domain = taker.domain().await.unwrap();
    assert_eq!(domain.verifying_contract, Some(world.exchange));
    assert_eq!(domain.name.as_deref(), Some("AATExchange"));
    let hash = ask.order.hash(&domain);
    assert_eq!(taker.hash_order(&ask.order).await.unwrap(), hash);

    let first = taker.fill(&ask, U256::from(10)).await.unwrap();
    assert_eq!(first.filled.len(), 1);
    assert_eq!(first.filled[0].orderHash, hash);
    assert_eq!(first.filled[0].wantPaid, U256::from(34), "33.3 rounds up");
    assert_eq!(taker.filled(hash).await.unwrap(), U256::from(10));
    assert_eq!(taker.remaining(&ask.order).await.unwrap(), U256::from(20));
    let rails = world.rails_of(&world.taker);
    assert_eq!(
        rails.balance(world.taker.address(), id).await.unwrap(),
        U256::from(10)
    );
    assert_eq!(
        rails.token_balance(world.maker.address()).await.unwrap(),
        U256::from(34),
        "the fee starts at zero"
    );

    let rest = taker.fill(&ask, U256::from(20)).await.unwrap();
    assert_eq!(rest.filled[0].wantPaid, U256::from(67));
    assert_eq!(taker.remaining(&ask.order).await.unwrap(), U256::ZERO);
    assert_eq!(
        rails.balance(world.taker.address(), id).await.unwrap(),
        U256::from(30)
    );
    let over = taker.fill(&ask, U256::from(1)).await.unwrap_err();
    assert!(
        is::<AATExchange::FillExceedsRemaining>(over.spec().unwrap()),
        "{over}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bids_and_swaps_fill_in_one_batch() {
    let world = World::new().await;
    let wanted = world.credits("bid", world.taker.address(), 50).await;
    let given = world.credits("swap", world.maker.address(), 40).await;
    world.tokens(world.maker.address(), 500).await;
    world.approve(&world.maker, 500).await;
    world.approve(&world.taker, 0).await;
    let taker = world.exchange_of(&world.taker);

    // A bid: 200 TokenAI for 20 of `wanted`; a swap: 40 of `given` for 10
    // of `wanted`.
    let bid = world.signed((TOKEN_AI, 200), (wanted, 20), u64::MAX).await;
    let swap = world.signed((given, 40), (wanted, 10), u64::MAX).await;
    let batch = taker
        .fill_batch(&[(bid.clone(), U256::from(100)), (swap, U256::from(40))])
        .await
        .unwrap();
    let paid: Vec<U256> = batch.filled.iter().map(|f| f.wantPaid).collect();
    assert_eq!(paid, [U256::from(10), U256::from(10)]);
    assert_eq!(taker.remaining(&bid.order).await.unwrap(), U256::from(100));
    let rails = world.rails_of(&world.taker);
    assert_eq!(
        rails.token_balance(world.taker.address()).await.unwrap(),
        U256::from(100)
    );
    assert_eq!(
        rails.balance(world.taker.address(), given).await.unwrap(),
        U256::from(40)
    );
    assert_eq!(
        rails.balance(world.maker.address(), wanted).await.unwrap(),
        U256::from(20)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn cancelled_and_expired_orders_are_refused_with_the_exchanges_errors() {
    let world = World::new().await;
    let id = world.credits("refusals", world.maker.address(), 10).await;
    world.tokens(world.taker.address(), 100).await;
    world.approve(&world.maker, 0).await;
    world.approve(&world.taker, 100).await;
    let (maker, taker) = (
        world.exchange_of(&world.maker),
        world.exchange_of(&world.taker),
    );

    let ask = world.signed((id, 10), (TOKEN_AI, 10), u64::MAX).await;
    let hash = ask.order.hash(&taker.domain().await.unwrap());
    maker
        .cancel(std::slice::from_ref(&ask.order))
        .await
        .unwrap();
    assert!(taker.cancelled(hash).await.unwrap());
    let refused = taker.fill(&ask, U256::ONE).await.unwrap_err();
    assert_eq!(
        refused.spec().unwrap().to_string(),
        format!("OrderIsCancelled {{ orderHash: {hash} }}")
    );

    let now = world.now().await;
    let expired = world.signed((id, 10), (TOKEN_AI, 11), now).await;
    let refused = taker.fill(&expired, U256::ONE).await.unwrap_err();
    assert!(
        is::<AATExchange::OrderExpired>(refused.spec().unwrap()),
        "{refused}"
    );
    assert_eq!(taker.remaining(&expired.order).await.unwrap(), U256::ZERO);

    maker.cancel_up_to(5).await.unwrap();
    assert_eq!(taker.min_nonce(world.maker.address()).await.unwrap(), 5);
    let low = world.signed((id, 10), (TOKEN_AI, 12), u64::MAX).await;
    let refused = taker.fill(&low, U256::ONE).await.unwrap_err();
    assert!(
        is::<AATExchange::OrderNonceTooLow>(refused.spec().unwrap()),
        "{refused}"
    );
    let again = maker.cancel_up_to(5).await.unwrap_err();
    assert!(
        is::<AATExchange::MinNonceNotRaised>(again.spec().unwrap()),
        "{again}"
    );
    let theirs = taker.cancel(&[low.order]).await.unwrap_err();
    assert!(
        is::<AATExchange::NotOrderMaker>(theirs.spec().unwrap()),
        "{theirs}"
    );
    assert_eq!(
        world
            .rails_of(&world.maker)
            .balance(world.maker.address(), id)
            .await
            .unwrap(),
        U256::from(10),
        "nothing moved"
    );
}
