//! The whitepaper's story as a list of acts over one [`Context`]: the suite
//! is deployed and administered, a university issues course credits, a
//! donor buys credits for a student, students chat paying by voucher, an
//! agent pays another per request, strangers trade on the market and an
//! agent buys the model it needs, the provider settles in one batch, and
//! the course ends with a reclaim. Each step prints its line (actor,
//! action, transaction, gas, the balances it changed) and checks what the
//! story expects.

use std::{collections::BTreeMap, path::Path};

use aat_client::{orders::Exchange, policy::bytes16, x402::Payer, Policy, Rails};
use aat_gateway::{
    config::{ExactConfig, ModelConfig, SettlementConfig, VoucherConfig},
    ledger::SqliteSync,
    upstream_stub::UpstreamStub,
    Config, Gateway,
};
use aat_market::Market;
use alloy::{
    primitives::{Address, FixedBytes, B256, U256},
    providers::{DynProvider, Provider},
    rpc::types::TransactionReceipt,
    signers::local::PrivateKeySigner,
    sol_types::Eip712Domain,
};
use devnode::Node;

use crate::{
    acts,
    cast::Cast,
    error::{service, DemoError, Step},
    show::{self, waiting, Asset, Book, Snapshot},
};

/// TokenAI has 18 decimals.
pub fn tai(n: u64) -> U256 {
    U256::from(n) * U256::from(10u64).pow(U256::from(18u64))
}

pub fn u(n: u64) -> U256 {
    U256::from(n)
}

/// The usage fee in basis points the operator sets on AAT.
pub const FEE_BPS: u16 = 100;

/// The fee a settlement or a swap leg burns in kind on `amount`.
pub fn fee(amount: U256) -> U256 {
    (amount * u(u64::from(FEE_BPS))).div_ceil(u(10_000))
}

/// How far in the past the demo's chain starts: the story moves the clock
/// 91 days on (its course ends), so that afterwards the kept chain's time
/// is wall time, as wall-clock clients (x402's) expect.
pub const STORY_DAYS: u64 = 91;

/// The model the LLAMA credits pay for, as the provider's gateway serves it.
pub const LLAMA_MODEL: &str = "llama-3-70b";

pub struct Options {
    pub upstream: Option<String>,
    pub upstream_model: String,
    pub gateway_port: u16,
}

/// The credits the story's parties issue, buy and trade.
pub struct Credits {
    /// CS101: scoped, expiring, reclaimable, not tradable.
    pub course: Policy,
    /// Bought by the donor for others: tradable.
    pub gift: Policy,
    /// Another model's credits, sold by the operator: tradable.
    pub llama: Policy,
}

impl Credits {
    fn new(cast: &Cast, now: u64) -> Result<Credits, DemoError> {
        let name = |text: &str| bytes16(text).step(format!("the policy field {text:?}"));
        let gpt = name("gpt-4o-mini")?;
        Ok(Credits {
            course: Policy {
                origin_pool: cast.university.address(),
                model: gpt,
                scope: name("CS101")?,
                expiration: now + 90 * 86_400,
                reclaimable: true,
                tradable: false,
            },
            gift: Policy {
                origin_pool: cast.donor.address(),
                model: gpt,
                scope: FixedBytes::ZERO,
                expiration: 0,
                reclaimable: false,
                tradable: true,
            },
            llama: Policy {
                origin_pool: cast.operator.address(),
                model: name(LLAMA_MODEL)?,
                scope: FixedBytes::ZERO,
                expiration: 0,
                reclaimable: false,
                tradable: true,
            },
        })
    }
}

/// The deployed contracts.
pub struct Suite {
    pub token: Address,
    pub aat: Address,
    pub exchange: Address,
    pub treasury: Address,
    pub token_domain: Eip712Domain,
    pub aat_domain: Eip712Domain,
    pub exchange_domain: Eip712Domain,
}

/// A holder who pays the provider by voucher, and what it locked.
pub struct VoucherPayer {
    pub name: &'static str,
    pub holder: Address,
    pub id: U256,
    /// Units locked in its channel with the provider when it opened.
    pub locked: U256,
    pub payer: Payer<PrivateKeySigner>,
}

/// What every act reads and writes.
pub struct Context {
    pub url: String,
    pub chain_id: u64,
    pub cast: Cast,
    pub credits: Credits,
    pub suite: Suite,
    pub story: Story,
    /// Everyone who pays the provider by voucher, for the settlement.
    pub voucher_payers: Vec<VoucherPayer>,
}

impl Context {
    /// The operator's client: reads for every check.
    pub fn rails(&self) -> &Rails<DynProvider> {
        &self.cast.operator.rails
    }

    /// The exchange, reached as `party` (who sends its fills).
    pub fn exchange_as(&self, rails: &Rails<DynProvider>) -> Exchange<DynProvider> {
        Exchange::new(rails.provider.clone(), self.suite.exchange)
    }

    /// The chain's time: its latest block's.
    ///
    /// # Errors
    ///
    /// The node fails.
    pub async fn now(&self) -> Result<u64, DemoError> {
        node_time(self.rails()).await
    }
}

/// The services the story runs beside the chain.
pub struct Services {
    /// The provider's gateway (vouchers, and `exact` in TokenAI).
    pub gateway: Gateway,
    /// Agent Bob's endpoint (`exact`, settled before it answers).
    pub agent_endpoint: Gateway,
    /// The order relay.
    pub market: Market,
    /// The upstream stand-in, unless a real upstream was given.
    pub stub: Option<UpstreamStub>,
    /// The model the provider's gateway serves for the GPT credits.
    pub model: String,
}

/// What `--keep` prints and the tests read.
pub struct Outcome {
    /// Every party: name, role, address.
    pub parties: Vec<(&'static str, &'static str, Address)>,
    /// A holder of tradable GIFT credits (Grace).
    pub holder: Address,
    pub token: Address,
    pub aat: Address,
    pub exchange: Address,
    pub ids: Vec<(&'static str, U256)>,
    pub services: Services,
    pub failures: Vec<String>,
    pub steps: usize,
}

/// What a step's transaction column shows.
pub enum Tx<'a> {
    Receipt(&'a TransactionReceipt),
    /// A transaction a service sent, with its gas.
    Batch(B256, u64),
    /// No transaction of the step's own: why.
    Note(&'static str),
}

/// The story's printer and its expectations.
pub struct Story {
    book: Book,
    rails: Rails<DynProvider>,
    pub step: usize,
    pub failures: Vec<String>,
    before: Snapshot,
}

impl Story {
    /// Checks an expectation; a failure is reported and the story goes on.
    pub fn expect(&mut self, ok: bool, what: impl Into<String>) {
        if !ok {
            let what = what.into();
            println!("     ✗ expected: {what}");
            self.failures.push(what);
        }
    }

    /// Prints the step's line: actor, action, transaction, gas and the
    /// balances that changed since the last step.
    ///
    /// # Errors
    ///
    /// The node fails to answer the balances.
    pub async fn line(&mut self, actor: &str, action: &str, tx: Tx<'_>) -> Result<(), DemoError> {
        self.step += 1;
        let after = self
            .book
            .snapshot(&self.rails)
            .await
            .step("reading the balances")?;
        let changes = self.book.changes(&self.before, &after);
        self.before = after;
        let (tx, gas) = match tx {
            Tx::Receipt(r) => (
                show::short(r.transaction_hash),
                format!("{} gas", show::grouped(r.gas_used)),
            ),
            Tx::Batch(hash, gas) => (show::short(hash), format!("{} gas", show::grouped(gas))),
            Tx::Note(note) => (note.to_owned(), String::new()),
        };
        println!(
            "{:>2}. {actor:<11} {action:<66} {tx:<13} {gas:>13}  {changes}",
            self.step
        );
        Ok(())
    }

    /// A step that is one transaction: sent with the spinner, expected to
    /// succeed, then its line.
    ///
    /// # Errors
    ///
    /// The transaction fails.
    pub async fn tx(
        &mut self,
        actor: &str,
        action: &str,
        sent: impl std::future::Future<Output = Result<TransactionReceipt, aat_client::ClientError>>,
    ) -> Result<TransactionReceipt, DemoError> {
        let receipt = waiting(action, sent).await.step(action)?;
        self.line(actor, action, Tx::Receipt(&receipt)).await?;
        Ok(receipt)
    }

    /// The table of everyone's holdings now.
    pub fn table(&self) -> String {
        self.book.table(&self.before)
    }
}

/// The gateway's terms for one model.
fn model_config(aat_model: &str, upstream_model: Option<String>) -> ModelConfig {
    ModelConfig {
        aat_model: aat_model.into(),
        prompt_price: 1,
        completion_price: 4,
        max_tokens: 256,
        scopes: vec![String::new(), "CS101".into()],
        upstream_model,
    }
}

fn gateway_config(
    ctx: &Context,
    upstream: &str,
    options: &Options,
    dir: &Path,
    name: &str,
    port: u16,
) -> Config {
    let mut models = BTreeMap::new();
    models.insert(
        options.upstream_model.clone(),
        model_config("gpt-4o-mini", None),
    );
    // LLAMA credits pay for llama-3-70b; a real upstream that serves
    // another model is asked for that one instead.
    let alias = options
        .upstream
        .is_some()
        .then(|| options.upstream_model.clone());
    models.insert(LLAMA_MODEL.into(), model_config(LLAMA_MODEL, alias));
    Config {
        public_url: None,
        listen: std::net::SocketAddr::from(([127, 0, 0, 1], port)),
        upstream: upstream.to_owned(),
        upstream_key_env: "UPSTREAM_API_KEY".into(),
        upstream_timeout_secs: 120,
        rpc: ctx.url.clone(),
        aat: ctx.suite.aat,
        provider_key_env: "PROVIDER_KEY".into(),
        database: format!("sqlite://{}", dir.join(format!("{name}.db")).display()),
        sqlite_sync: SqliteSync::Full,
        instance: name.to_owned(),
        poll_ms: 100,
        models,
        voucher: VoucherConfig::default(),
        exact: Some(ExactConfig {
            price: tai(1) / u(1000),
            pay_to: None,
            max_timeout_secs: 300,
            settle_before_response: false,
        }),
        settlement: SettlementConfig {
            // The provider settles when the story says so.
            threshold_units: 1 << 40,
            max_age_secs: 1 << 30,
            ..SettlementConfig::default()
        },
    }
}

/// Starts a gateway on `port`; when that port cannot be had, on any free
/// one (a second failure is the gateway's own).
async fn start_gateway(mut config: Config, key: PrivateKeySigner) -> Result<Gateway, DemoError> {
    let upstream_key = std::env::var("UPSTREAM_API_KEY").ok();
    let first = Gateway::start(config.clone(), key.clone(), upstream_key.clone()).await;
    match first {
        Ok(gateway) => Ok(gateway),
        Err(_) if config.listen.port() != 0 => {
            config.listen.set_port(0);
            Gateway::start(config, key, upstream_key)
                .await
                .map_err(service("a gateway"))
        }
        Err(reason) => Err(service("a gateway")(reason)),
    }
}

impl Services {
    /// The provider's gateway, Agent Bob's endpoint and the order relay,
    /// with their state under `dir`.
    async fn start(ctx: &Context, options: &Options, dir: &Path) -> Result<Services, DemoError> {
        let stub = match &options.upstream {
            Some(_) => None,
            None => Some(
                UpstreamStub::start()
                    .await
                    .map_err(|e| service("the upstream stub")(e.to_string()))?,
            ),
        };
        let upstream = options
            .upstream
            .clone()
            .or_else(|| stub.as_ref().map(UpstreamStub::url))
            .unwrap_or_default();
        let gateway = start_gateway(
            gateway_config(
                ctx,
                &upstream,
                options,
                dir,
                "provider",
                options.gateway_port,
            ),
            ctx.cast.provider.key.clone(),
        )
        .await?;
        let mut bob_config = gateway_config(ctx, &upstream, options, dir, "agent-bob", 0);
        // Agent Bob's endpoint settles each payment before it answers
        // (x402's usual way), so each of Agent Alice's steps shows its
        // transaction.
        if let Some(exact) = bob_config.exact.as_mut() {
            exact.settle_before_response = true;
        }
        let agent_endpoint = start_gateway(bob_config, ctx.cast.bob.key.clone()).await?;
        let market = Market::start(aat_market::Config {
            rpc: ctx.url.clone(),
            exchange: ctx.suite.exchange,
            database: format!("sqlite://{}", dir.join("market.db").display()),
            listen: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
            poll: std::time::Duration::from_millis(100),
            max_orders_per_maker: aat_market::DEFAULT_MAX_ORDERS_PER_MAKER,
        })
        .await
        .map_err(service("the order relay"))?;
        println!(
            "\n    The provider's gateway serves {} and {LLAMA_MODEL} at {} (upstream: {}); Agent Bob's endpoint at {}; the order relay at {}\n",
            options.upstream_model,
            gateway.url(),
            if stub.is_some() { "the built-in stub".to_owned() } else { upstream.clone() },
            agent_endpoint.url(),
            market.url(),
        );
        Ok(Services {
            gateway,
            agent_endpoint,
            market,
            stub,
            model: options.upstream_model.clone(),
        })
    }

    /// Stops every service.
    pub async fn stop(self) {
        self.gateway.stop().await;
        self.agent_endpoint.stop().await;
        self.market.stop().await;
        drop(self.stub);
    }
}

/// Plays the story on `node`: the acts in order.
///
/// # Errors
///
/// A step could not be carried out (an expectation that is not met is
/// counted in [`Outcome::failures`] instead).
pub async fn run(
    node: &Node,
    artifacts: &Path,
    data: &Path,
    options: &Options,
) -> Result<Outcome, DemoError> {
    let keys = node
        .accounts()
        .iter()
        .map(|(_, key)| {
            key.parse::<PrivateKeySigner>()
                .map_err(|e| service("the devnode's dev keys")(e.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let cast = Cast::new(&node.url(), &keys)?;
    let now = node_time(&cast.operator.rails).await?;
    let credits = Credits::new(&cast, now)?;
    let treasury = Address::from_word(alloy::primitives::keccak256("the AAT treasury"));

    let mut ctx = Box::pin(acts::deploy::play(node, cast, credits, treasury, artifacts)).await?;
    acts::administer::play(&mut ctx).await?;
    acts::course::play(&mut ctx).await?;
    acts::donor::play(&mut ctx).await?;
    let services = Services::start(&ctx, options, data).await?;
    acts::chat::play(&mut ctx, &services).await?;
    acts::agents::play(&mut ctx, &services).await?;
    acts::market::play(&mut ctx, &services).await?;
    acts::settle::play(&mut ctx, &services).await?;
    acts::reclaim::play(&mut ctx).await?;

    println!("\nWho holds what, at the end:\n");
    print!("{}", ctx.story.table());
    Ok(Outcome {
        parties: ctx.cast.roles(),
        holder: ctx.cast.grace.address(),
        token: ctx.suite.token,
        aat: ctx.suite.aat,
        exchange: ctx.suite.exchange,
        ids: vec![
            ("CS101", ctx.credits.course.id()),
            ("GIFT", ctx.credits.gift.id()),
            ("LLAMA", ctx.credits.llama.id()),
        ],
        services,
        failures: ctx.story.failures,
        steps: ctx.story.step,
    })
}

/// The story's ledger of holdings: every party, and what is followed.
pub fn book(cast: &Cast, credits: &Credits, treasury: Address) -> Book {
    let provider = cast.provider.address();
    Book {
        parties: vec![
            ("University", cast.university.address()),
            ("Ada", cast.ada.address()),
            ("Alan", cast.alan.address()),
            ("Grace", cast.grace.address()),
            ("Donor", cast.donor.address()),
            ("Agent Alice", cast.alice.address()),
            ("Agent Bob", cast.bob.address()),
            ("Agent Carol", cast.carol.address()),
            ("Operator", cast.operator.address()),
            ("Provider", provider),
            ("Treasury", treasury),
        ],
        assets: vec![
            Asset::TokenAI,
            Asset::Credits {
                label: "CS101",
                id: credits.course.id(),
            },
            Asset::Channel {
                label: "CS101 locked",
                id: credits.course.id(),
                provider,
            },
            Asset::Credits {
                label: "GIFT",
                id: credits.gift.id(),
            },
            Asset::Credits {
                label: "LLAMA",
                id: credits.llama.id(),
            },
            Asset::Channel {
                label: "LLAMA locked",
                id: credits.llama.id(),
                provider,
            },
        ],
    }
}

impl Story {
    /// A story over `book`, its first snapshot read through `rails`.
    ///
    /// # Errors
    ///
    /// The node fails.
    pub async fn new(book: Book, rails: Rails<DynProvider>) -> Result<Story, DemoError> {
        let before = book.snapshot(&rails).await.step("reading the balances")?;
        Ok(Story {
            book,
            rails,
            step: 0,
            failures: Vec::new(),
            before,
        })
    }
}

/// The chain's time: its latest block's.
///
/// # Errors
///
/// The node fails.
pub async fn node_time(rails: &Rails<DynProvider>) -> Result<u64, DemoError> {
    let block = rails
        .provider
        .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
        .await
        .map_err(|e| service("the devnode")(e.to_string()))?
        .ok_or_else(|| service("the devnode")("no latest block"))?;
    Ok(block.header.timestamp)
}
