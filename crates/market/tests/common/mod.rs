//! What the relay's tests share: a devnode in-process with TokenAI, AAT and
//! the exchange deployed from the shipped artifacts, traders holding
//! credits and tokens, and a relay in front of it over a fresh SQLite file.

#![allow(dead_code)]

use std::time::Duration;

use aat_client::{
    bindings::TokenAI,
    deploy::{deploy_suite_with_exchange, SuiteConfig},
    orders::{sign_order, Exchange, Order, SignedOrder},
    policy::bytes16,
    Policy, Rails, AAT,
};
use aat_market::{Config, Market};
use alloy::{
    primitives::{Address, U256},
    providers::{DynProvider, Provider},
    signers::local::PrivateKeySigner,
};
use devnode::{Node, NodeConfig};
use serde_json::{json, Value};

pub fn artifact(name: &str) -> Vec<u8> {
    let path = format!("{}/../../artifacts/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}; run scripts/build first"))
}

/// A chain with the suite and the exchange, and a relay following it.
pub struct World {
    pub node: Node,
    pub owner: Rails<DynProvider>,
    pub owner_key: PrivateKeySigner,
    pub exchange: Address,
    pub market: Market,
    pub database: tempfile::TempDir,
    pub http: reqwest::Client,
    /// The relay's most orders per maker.
    pub max_orders_per_maker: usize,
}

impl World {
    /// A world whose relay holds up to 2,000 orders per maker (the bench
    /// posts 1,250 each).
    pub async fn new() -> World {
        World::with_max_orders_per_maker(2_000).await
    }

    pub async fn with_max_orders_per_maker(max_orders_per_maker: usize) -> World {
        let node = Node::start(NodeConfig {
            port: 0,
            ..NodeConfig::default()
        })
        .await
        .unwrap();
        let owner_key: PrivateKeySigner = node.accounts()[0].1.parse().unwrap();
        let (owner, exchange, _) = deploy_suite_with_exchange(
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
        .unwrap();
        let minter = owner_key.address();
        owner.set_minter_of_both(minter).await.unwrap();
        let database = tempfile::tempdir().unwrap();
        let market = start_market(&node, exchange.address, &database, max_orders_per_maker).await;
        World {
            node,
            owner,
            owner_key,
            exchange: exchange.address,
            market,
            database,
            http: reqwest::Client::new(),
            max_orders_per_maker,
        }
    }

    /// Stops the relay and starts another over the same database.
    pub async fn restart_market(&mut self) {
        let market = start_market(
            &self.node,
            self.exchange,
            &self.database,
            self.max_orders_per_maker,
        )
        .await;
        std::mem::replace(&mut self.market, market).stop().await;
    }

    /// Dev account `i` (1..): a trader funded for gas.
    pub fn trader(&self, i: usize) -> PrivateKeySigner {
        self.node.accounts()[i].1.parse().unwrap()
    }

    /// A tradable id of the owner's pool, `amount` of it minted to `to`.
    pub async fn credits(&self, scope: &str, to: Address, amount: u64) -> U256 {
        self.credits_until(scope, to, amount, 0).await
    }

    /// As `credits`, expiring at `expiration` (0: never).
    pub async fn credits_until(
        &self,
        scope: &str,
        to: Address,
        amount: u64,
        expiration: u64,
    ) -> U256 {
        let policy = Policy {
            origin_pool: self.owner_key.address(),
            model: bytes16("gpt-4o").unwrap(),
            scope: bytes16(scope).unwrap(),
            expiration,
            reclaimable: false,
            tradable: true,
        };
        self.owner
            .send_aat(policy.mint_call(to, U256::from(amount)))
            .await
            .unwrap();
        policy.id()
    }

    pub async fn tokens(&self, to: Address, value: u64) {
        self.owner
            .send_token(TokenAI::mintCall {
                to,
                value: U256::from(value),
            })
            .await
            .unwrap();
    }

    pub fn rails_of(&self, key: &PrivateKeySigner) -> Rails<DynProvider> {
        Rails::new(
            aat_client::connect(&self.node.url(), key.clone()).unwrap(),
            self.owner.token,
            self.owner.aat,
        )
    }

    pub fn exchange_of(&self, key: &PrivateKeySigner) -> Exchange<DynProvider> {
        Exchange::new(
            aat_client::connect(&self.node.url(), key.clone()).unwrap(),
            self.exchange,
        )
    }

    /// `key` lets the exchange move its AAT and `tokens` of its TokenAI.
    pub async fn approve(&self, key: &PrivateKeySigner, tokens: u64) {
        let rails = self.rails_of(key);
        rails
            .send_aat(AAT::setApprovalForAllCall {
                operator: self.exchange,
                approved: true,
            })
            .await
            .unwrap();
        if tokens > 0 {
            rails
                .send_token(TokenAI::approveCall {
                    spender: self.exchange,
                    value: U256::from(tokens),
                })
                .await
                .unwrap();
        }
    }

    pub async fn now(&self) -> u64 {
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

    /// Moves the chain's clock `secs` forward and mines a block there.
    pub async fn advance(&self, secs: u64) {
        let provider = &self.owner.provider;
        provider
            .raw_request::<_, serde_json::Value>("evm_increaseTime".into(), (secs,))
            .await
            .unwrap();
        provider
            .raw_request::<_, serde_json::Value>("evm_mine".into(), ())
            .await
            .unwrap();
    }

    /// `maker`'s order, signed in the exchange's domain.
    pub async fn order(&self, maker: &PrivateKeySigner, order: Order) -> SignedOrder {
        let domain = self.exchange_of(maker).domain().await.unwrap();
        sign_order(maker, &domain, order).await.unwrap()
    }

    /// Posts `signed`: the status and the JSON answer.
    pub async fn post(&self, signed: &SignedOrder) -> (u16, Value) {
        let body = json!({
            "order": aat_market::wire::OrderJson::from(&signed.order),
            "signature": signed.signature,
        });
        self.post_json(&body).await
    }

    pub async fn post_json(&self, body: &Value) -> (u16, Value) {
        let response = self
            .http
            .post(format!("{}/orders", self.market.url()))
            .json(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }

    /// `GET path`: the status and the JSON answer.
    pub async fn get(&self, path: &str) -> (u16, Value) {
        let response = self
            .http
            .get(format!("{}{path}", self.market.url()))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }

    /// Makes the relay apply what the chain did so far (as its follower
    /// does every poll).
    pub async fn follow(&self) {
        self.market.app.follow().await.unwrap();
    }

    pub async fn held(&self) -> i64 {
        self.market.app.store.count().await.unwrap()
    }
}

async fn start_market(
    node: &Node,
    exchange: Address,
    database: &tempfile::TempDir,
    max_orders_per_maker: usize,
) -> Market {
    Market::start(Config {
        rpc: node.url(),
        exchange,
        database: format!("sqlite://{}", database.path().join("market.db").display()),
        listen: "127.0.0.1:0".parse().unwrap(),
        // The tests apply the chain's logs themselves (`World::follow`),
        // so that what they read is what they caused, not a race.
        poll: Duration::from_hours(1),
        max_orders_per_maker,
    })
    .await
    .unwrap()
}

/// An order of `maker` giving `give` for `want`, open to anyone, not
/// expiring.
pub fn order(maker: Address, give: (U256, u64), want: (U256, u64)) -> Order {
    Order {
        maker,
        taker: Address::ZERO,
        giveId: give.0,
        giveAmount: U256::from(give.1),
        wantId: want.0,
        wantAmount: U256::from(want.1),
        expiry: u64::MAX,
        nonce: 0,
    }
}

/// A smart account whose ERC-1271 `isValidSignature(hash, sig)` answers
/// `sig` itself (so a signature that is the magic word is "valid") and whose
/// other calls (`onERC1155Received`...) answer their own selector: the
/// gateway's tests' echo wallet (`crates/gateway/tests/common/signers.rs`,
/// where its bytecode is laid out).
const ECHO_WALLET: &str =
    "60003560e01c80631626ba7e14601b5760e01b60005260206000f35b506044358015602e57\
     8060646000376000f35b600080fd";

impl World {
    /// Turns `account` into an echo wallet: the node puts the wallet's code
    /// at its address (`anvil_setCode`). What the account approved while it
    /// was a key stays approved. (The node refuses transactions from an
    /// address with code, EIP-3607, even impersonated, so a wallet cannot
    /// approve anything once it is one.)
    pub async fn make_echo_wallet(&self, account: Address) {
        let runtime = alloy::hex::decode(ECHO_WALLET).unwrap();
        self.owner
            .provider
            .raw_request::<_, ()>(
                "anvil_setCode".into(),
                (account, alloy::primitives::Bytes::from(runtime)),
            )
            .await
            .unwrap();
    }
}

/// The ERC-1271 magic value as a whole word: the echo wallet's yes.
pub fn magic_word() -> Vec<u8> {
    let mut word = vec![0u8; 32];
    word[..4].copy_from_slice(&aat_client::signature::ERC1271_MAGIC);
    word
}

/// A subscriber of the relay's server-sent events.
pub struct Subscription {
    response: reqwest::Response,
    buffer: String,
}

impl Subscription {
    /// The next event's name and JSON data (keep-alive comments skipped),
    /// waiting at most 10 s for it.
    pub async fn next(&mut self) -> (String, Value) {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let frame: String = self.buffer.drain(..end + 2).collect();
                let field = |name: &str| {
                    frame
                        .lines()
                        .find_map(|line| line.strip_prefix(name))
                        .map(|v| v.trim_start().to_owned())
                };
                if let (Some(event), Some(data)) = (field("event:"), field("data:")) {
                    return (event, serde_json::from_str(&data).unwrap());
                }
                continue;
            }
            let chunk = tokio::time::timeout(Duration::from_secs(10), self.response.chunk())
                .await
                .expect("an event within 10 s")
                .unwrap()
                .expect("the stream stays open");
            self.buffer.push_str(std::str::from_utf8(&chunk).unwrap());
        }
    }
}

impl World {
    /// Subscribes to `path`'s server-sent events.
    pub async fn subscribe(&self, path: &str) -> Subscription {
        let response = self
            .http
            .get(format!("{}{path}", self.market.url()))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["content-type"],
            "text/event-stream",
            "an SSE stream"
        );
        Subscription {
            response,
            buffer: String::new(),
        }
    }
}
