//! What the gateway's tests share: a devnode in-process with the suite
//! deployed through the client, credits minted, the upstream stub, a
//! gateway in front of it, and paying clients.

#![allow(dead_code)]

pub mod signers;

use std::{collections::BTreeMap, path::PathBuf};

use aat_client::{
    bindings::AAT,
    deploy::{deploy_suite, SuiteConfig},
    policy::bytes16,
    x402::{Method, Payer},
    Policy, Rails,
};
use aat_gateway::{
    config::{ExactConfig, ModelConfig, SettlementConfig, VoucherConfig},
    upstream_stub::UpstreamStub,
    Config, Gateway,
};
use alloy::{
    primitives::{Address, FixedBytes, U256},
    providers::{DynProvider, Provider},
    signers::local::PrivateKeySigner,
};
use devnode::{Node, NodeConfig};

pub const MODEL: &str = "gpt-4o-mini";
pub const PROMPT_PRICE: u64 = 1;
pub const COMPLETION_PRICE: u64 = 4;
/// TokenAI per request with `exact`.
pub const EXACT_PRICE: u64 = 1_000_000_000_000_000;
/// Fee in basis points.
pub const FEE_BPS: u16 = 100;

pub fn artifact(name: &str) -> Vec<u8> {
    let path = format!("{}/../../artifacts/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}; run scripts/build first"))
}

pub fn wallet(url: &str, key: &PrivateKeySigner) -> DynProvider {
    aat_client::connect(url, key.clone()).unwrap()
}

/// A key of its own for a test party, funded for gas.
pub async fn party(world: &World, name: &str) -> PrivateKeySigner {
    let seed = alloy::primitives::keccak256(format!("gateway test {name}"));
    let key = PrivateKeySigner::from_bytes(&seed).unwrap();
    world
        .owner
        .provider
        .raw_request::<_, ()>(
            "anvil_setBalance".into(),
            (key.address(), U256::from(10u64).pow(U256::from(20u64))),
        )
        .await
        .unwrap();
    key
}

/// A chain with the suite on it.
pub struct World {
    pub node: Node,
    pub owner: Rails<DynProvider>,
    pub owner_key: PrivateKeySigner,
    pub provider_key: PrivateKeySigner,
    pub treasury: Address,
    pub gpt: FixedBytes<16>,
}

impl World {
    pub async fn new() -> World {
        let node = Node::start(NodeConfig {
            port: 0,
            ..NodeConfig::default()
        })
        .await
        .unwrap();
        let owner_key: PrivateKeySigner = node.accounts()[0].1.parse().unwrap();
        let provider_key: PrivateKeySigner = node.accounts()[1].1.parse().unwrap();
        let treasury = Address::repeat_byte(0x7e);
        let (owner, _) = deploy_suite(
            &wallet(&node.url(), &owner_key),
            SuiteConfig {
                token_wasm: &artifact("token-ai.wasm"),
                aat_wasm: &artifact("aat.wasm"),
                name: "TokenAI".into(),
                symbol: "TAI".into(),
                owner: owner_key.address(),
                treasury,
                uri: String::new(),
            },
        )
        .await
        .unwrap();
        let gpt = bytes16(MODEL).unwrap();
        owner.set_minter_of_both(owner_key.address()).await.unwrap();
        owner
            .send_aat(AAT::setModelPriceCall {
                model: gpt,
                tokenAIPerUnit: U256::from(1_000_000_000_000u64),
            })
            .await
            .unwrap();
        owner
            .send_aat(AAT::setFeeBpsCall { feeBps: FEE_BPS })
            .await
            .unwrap();
        World {
            node,
            owner,
            owner_key,
            provider_key,
            treasury,
            gpt,
        }
    }

    /// A policy of the owner's pool for the served model.
    pub fn policy(&self, scope: &str, expiration: u64) -> Policy {
        Policy {
            origin_pool: self.owner_key.address(),
            model: self.gpt,
            scope: bytes16(scope).unwrap(),
            expiration,
            reclaimable: true,
            tradable: false,
        }
    }

    /// A new party holding `minted` units of the any-scope policy, `locked`
    /// of them in a channel with the provider for `secs`; and the id.
    pub async fn holder_with_channel(
        &self,
        name: &str,
        minted: u64,
        locked: u64,
        secs: u64,
    ) -> (PrivateKeySigner, U256) {
        let (holder, id, _) = self
            .holder_with_signed_channel(name, minted, locked, secs, Address::ZERO)
            .await;
        (holder, id)
    }

    /// As `holder_with_channel`, the channel naming `signer` (zero: the
    /// holder) to sign its vouchers; and when it expires.
    pub async fn holder_with_signed_channel(
        &self,
        name: &str,
        minted: u64,
        locked: u64,
        secs: u64,
        signer: Address,
    ) -> (PrivateKeySigner, U256, u64) {
        let holder = party(self, name).await;
        let id = self
            .mint(holder.address(), &self.policy("", 0), minted)
            .await;
        let expires = self.now().await + secs;
        self.rails_of(&holder)
            .open_channel(
                self.provider_key.address(),
                id,
                U256::from(locked),
                expires,
                signer,
            )
            .await
            .unwrap();
        (holder, id, expires)
    }

    /// Mints `amount` units of `policy` to `to`; returns the id.
    pub async fn mint(&self, to: Address, policy: &Policy, amount: u64) -> U256 {
        self.owner
            .send_aat(policy.mint_call(to, U256::from(amount)))
            .await
            .unwrap();
        policy.id()
    }

    /// Mints `requests` times the `exact` price in TokenAI to `to`.
    pub async fn pay_in(&self, to: Address, requests: u64) {
        self.owner
            .send_token(aat_client::TokenAI::mintCall {
                to,
                value: U256::from(EXACT_PRICE * requests),
            })
            .await
            .unwrap();
    }

    /// `key`'s own view of the suite.
    pub fn rails_of(&self, key: &PrivateKeySigner) -> Rails<DynProvider> {
        Rails::new(
            wallet(&self.node.url(), key),
            self.owner.token,
            self.owner.aat,
        )
    }

    /// The chain's time.
    pub async fn now(&self) -> u64 {
        let block = self
            .owner
            .provider
            .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
            .await
            .unwrap()
            .unwrap();
        block.header.timestamp
    }

    /// A configuration for a gateway in front of `upstream`.
    pub fn config(&self, upstream: &str, database: &str) -> Config {
        let mut models = BTreeMap::new();
        models.insert(
            MODEL.to_owned(),
            ModelConfig {
                aat_model: MODEL.into(),
                prompt_price: PROMPT_PRICE,
                completion_price: COMPLETION_PRICE,
                max_tokens: 64,
                scopes: vec![String::new(), "CS101".into()],
                upstream_model: None,
            },
        );
        Config {
            public_url: None,
            listen: "127.0.0.1:0".parse().unwrap(),
            upstream: upstream.to_owned(),
            upstream_key_env: "UNUSED_UPSTREAM_KEY".into(),
            upstream_timeout_secs: 5,
            rpc: self.node.url(),
            aat: self.owner.aat,
            provider_key_env: "UNUSED_PROVIDER_KEY".into(),
            database: database.to_owned(),
            sqlite_sync: aat_gateway::ledger::SqliteSync::Full,
            instance: "test".into(),
            poll_ms: 50,
            models,
            // The tests pay from balances too: credit the gateway grants
            // only when so configured (`balance_credit_units`, 0 by
            // default; `session_keys.rs` tests the default).
            voucher: VoucherConfig {
                balance_credit_units: 1_000_000,
                ..VoucherConfig::default()
            },
            exact: Some(ExactConfig {
                price: U256::from(EXACT_PRICE),
                pay_to: None,
                max_timeout_secs: 300,
                settle_before_response: false,
            }),
            settlement: SettlementConfig {
                // Tests settle when they say so (Gateway::settle_now).
                threshold_units: u64::MAX / 2,
                max_age_secs: 1_000_000,
                interval_ms: 200,
                ..SettlementConfig::default()
            },
        }
    }

    /// A voucher payer for `id`.
    pub async fn voucher_payer(&self, key: &PrivateKeySigner, id: U256) -> Payer<PrivateKeySigner> {
        Payer::new(
            key.clone(),
            Method::Voucher { id, validity: 7200 },
            self.owner.aat_domain().await.unwrap(),
        )
    }

    /// An `exact` payer.
    pub async fn exact_payer(&self, key: &PrivateKeySigner) -> Payer<PrivateKeySigner> {
        Payer::new(
            key.clone(),
            Method::Exact,
            self.owner.token_domain().await.unwrap(),
        )
    }
}

/// Hands in a voucher for everything `payer` knows it owes, at the
/// gateway `base`, which must take it.
pub async fn close_out(payer: &Payer<PrivateKeySigner>, base: &str) {
    let closed = payer
        .close_out(&format!("{base}/aat/vouchers"))
        .await
        .unwrap();
    assert_eq!(
        closed.status,
        200,
        "the closing voucher: {}",
        String::from_utf8_lossy(&closed.body)
    );
}

/// A temporary directory, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        let path = std::env::temp_dir().join(format!(
            "aat-gateway-{name}-{}-{}",
            std::process::id(),
            alloy::primitives::B256::random()
        ));
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    pub fn sqlite(&self) -> String {
        format!("sqlite://{}", self.0.join("ledger.db").display())
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The stub, a gateway in front of it, and the ledger's directory.
pub struct Served {
    pub stub: UpstreamStub,
    pub gateway: Gateway,
    pub dir: TempDir,
}

pub async fn serve(world: &World, edit: impl FnOnce(&mut Config)) -> Served {
    let stub = UpstreamStub::start().await.unwrap();
    let dir = TempDir::new("ledger");
    let mut config = world.config(&stub.url(), &dir.sqlite());
    edit(&mut config);
    let gateway = Gateway::start(config, world.provider_key.clone(), None)
        .await
        .unwrap();
    Served { stub, gateway, dir }
}

pub fn chat(text: &str, stream: bool) -> serde_json::Value {
    serde_json::json!({
        "model": MODEL,
        "messages": [{"role": "user", "content": text}],
        "max_tokens": 16,
        "stream": stream,
    })
}
