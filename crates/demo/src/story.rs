//! The whitepaper's story, step by step, over JSON-RPC: a university pool
//! issues scoped course credits, a donor buys tradable credits with
//! TokenAI through a permit, a student pays per request through the
//! gateway with vouchers from a channel, an agent pays another agent's
//! endpoint with EIP-3009 authorizations, two holders swap, the provider
//! settles in one batch, the course ends and the pool reclaims what is
//! left. Every step checks its outcome against what the story expects.

use std::collections::BTreeMap;

use aat_client::{
    bindings::{Permit, TokenAI, AAT},
    deploy::{deploy, SuiteConfig},
    error::{is, Contract},
    policy::bytes16,
    signing::receipt_domain,
    x402::{Method, Payer},
    Policy, Rails,
};
use aat_gateway::{
    config::{ExactConfig, ModelConfig, SettlementConfig, VoucherConfig},
    ledger::SqliteSync,
    upstream_stub::UpstreamStub,
    Config, Gateway,
};
use alloy::{
    primitives::{Address, FixedBytes, U256},
    providers::{DynProvider, Provider},
    rpc::types::TransactionReceipt,
    signers::local::PrivateKeySigner,
    sol_types::{SolStruct, SolValue},
};
use devnode::Node;

use crate::show::{self, waiting, Asset, Book, Snapshot};

/// TokenAI has 18 decimals.
fn tai(n: u64) -> U256 {
    U256::from(n) * U256::from(10u64).pow(U256::from(18u64))
}

fn u(n: u64) -> U256 {
    U256::from(n)
}

/// The fee in basis points the operator sets.
const FEE_BPS: u16 = 100;

/// The fee a settlement or a swap leg burns in kind on `amount`.
fn fee(amount: U256) -> U256 {
    (amount * u(u64::from(FEE_BPS))).div_ceil(u(10_000))
}

pub struct Options {
    pub upstream: Option<String>,
    pub upstream_model: String,
    pub gateway_port: u16,
}

/// Who plays the story, dev account by dev account, and their role.
pub const CAST: [(&str, &str); 9] = [
    (
        "Operator",
        "deploys and owns TokenAI and AAT; makes the university a minter",
    ),
    (
        "University",
        "issues the CS101 course credits and reclaims them after the course",
    ),
    (
        "Ada",
        "student: chats through the provider's gateway, paying by voucher",
    ),
    (
        "Alan",
        "student: his study app pays by a session key his channel names",
    ),
    (
        "Grace",
        "receives GIFT credits a donor bought for her; trades some",
    ),
    ("Donor", "buys GIFT credits with TokenAI for others"),
    (
        "Agent Alice",
        "AI agent: pays Agent Bob per request in TokenAI (exact)",
    ),
    ("Agent Bob", "AI agent: sells a service over x402"),
    (
        "Provider",
        "runs the AI gateway and settles vouchers on-chain",
    ),
];

/// How far in the past the demo's chain starts: the story moves the clock
/// 91 days on (its course ends), so that afterwards the kept chain's time
/// is wall time, as wall-clock clients (x402's) expect.
pub const STORY_DAYS: u64 = 91;

/// A party with its key and its own client.
pub struct Party {
    pub name: &'static str,
    pub key: PrivateKeySigner,
    pub rails: Rails<DynProvider>,
}

/// What `--keep` prints and the tests read.
pub struct Outcome {
    pub token: Address,
    pub aat: Address,
    pub ids: Vec<(&'static str, U256)>,
    pub gateway: Gateway,
    pub agent_endpoint: Gateway,
    pub stub: Option<UpstreamStub>,
    pub failures: Vec<String>,
    pub steps: usize,
}

/// What a step's transaction column shows.
enum Tx<'a> {
    Receipt(&'a TransactionReceipt),
    /// A transaction the gateway sent, with its gas.
    Batch(alloy::primitives::B256, u64),
    /// No transaction of the step's own: why.
    Note(&'static str),
}

struct Story {
    book: Book,
    rails: Rails<DynProvider>,
    step: usize,
    failures: Vec<String>,
    before: Snapshot,
}

impl Story {
    /// Checks an expectation; a failure is reported and the story goes on.
    fn expect(&mut self, ok: bool, what: impl Into<String>) {
        if !ok {
            let what = what.into();
            println!("     ✗ expected: {what}");
            self.failures.push(what);
        }
    }

    /// Prints the step's line: actor, action, transaction, gas and the
    /// balances that changed since the last step.
    async fn line(&mut self, actor: &str, action: &str, tx: Tx<'_>) -> Result<(), String> {
        self.step += 1;
        let after = self.book.snapshot(&self.rails).await?;
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
            "{:>2}. {actor:<11} {action:<64} {tx:<13} {gas:>13}  {changes}",
            self.step
        );
        Ok(())
    }

    /// A step that is one transaction: sent with the spinner, expected to
    /// succeed, then its line.
    async fn tx(
        &mut self,
        actor: &str,
        action: &str,
        sent: impl std::future::Future<Output = Result<TransactionReceipt, aat_client::ClientError>>,
    ) -> Result<TransactionReceipt, String> {
        let receipt = self.send(action, sent).await?;
        self.line(actor, action, Tx::Receipt(&receipt)).await?;
        Ok(receipt)
    }

    /// Sends a step's transaction, with the spinner, expecting success.
    async fn send(
        &mut self,
        label: &str,
        sent: impl std::future::Future<Output = Result<TransactionReceipt, aat_client::ClientError>>,
    ) -> Result<TransactionReceipt, String> {
        waiting(label, sent)
            .await
            .map_err(|e| format!("{label}: {e}"))
    }
}

fn model_config(model: &str) -> ModelConfig {
    ModelConfig {
        aat_model: model.into(),
        prompt_price: 1,
        completion_price: 4,
        max_tokens: 256,
        scopes: vec![String::new(), "CS101".into()],
    }
}

fn gateway_config(
    rpc: &str,
    aat: Address,
    upstream: &str,
    model: &str,
    dir: &std::path::Path,
    name: &str,
    port: u16,
) -> Config {
    let mut models = BTreeMap::new();
    models.insert(
        model.to_owned(),
        ModelConfig {
            aat_model: "gpt-4o-mini".into(),
            ..model_config(model)
        },
    );
    Config {
        public_url: None,
        listen: std::net::SocketAddr::from(([127, 0, 0, 1], port)),
        upstream: upstream.to_owned(),
        upstream_key_env: "UPSTREAM_API_KEY".into(),
        upstream_timeout_secs: 120,
        rpc: rpc.to_owned(),
        aat,
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

/// Starts a gateway on `port`, or on any free port when it is taken.
async fn start_gateway(mut config: Config, key: PrivateKeySigner) -> Result<Gateway, String> {
    let upstream_key = std::env::var("UPSTREAM_API_KEY").ok();
    match Gateway::start(config.clone(), key.clone(), upstream_key.clone()).await {
        Ok(g) => Ok(g),
        Err(e) if e.contains("listen on") => {
            config.listen.set_port(0);
            Gateway::start(config, key, upstream_key).await
        }
        Err(e) => Err(e),
    }
}

#[allow(clippy::too_many_lines)]
pub async fn run(
    node: &Node,
    artifacts: &std::path::Path,
    data: &std::path::Path,
    options: &Options,
) -> Result<Outcome, String> {
    let url = node.url();
    let keys: Vec<PrivateKeySigner> = node
        .accounts()
        .iter()
        .map(|(_, k)| k.parse().expect("a dev key"))
        .collect();
    let mut parties = Vec::new();
    for ((name, _), key) in CAST.iter().zip(&keys) {
        parties.push(Party {
            name,
            key: key.clone(),
            rails: Rails::new(
                aat_client::connect(&url, key.clone()).map_err(|e| e.to_string())?,
                Address::ZERO,
                Address::ZERO,
            ),
        });
    }
    let [operator, university, ada, alan, grace, donor, alice, bob, provider] = &mut parties[..]
    else {
        return Err("nine dev accounts are needed".into());
    };
    let treasury = Address::from_word(alloy::primitives::keccak256("the AAT treasury"));
    let read = |name: &str| {
        std::fs::read(artifacts.join(name))
            .map_err(|e| format!("{}: {e}; run scripts/build", artifacts.join(name).display()))
    };
    let (token_wasm, aat_wasm) = (read("token-ai.wasm")?, read("aat.wasm")?);
    let config = SuiteConfig {
        token_wasm: &token_wasm,
        aat_wasm: &aat_wasm,
        name: "TokenAI".into(),
        symbol: "TAI".into(),
        owner: operator.key.address(),
        treasury,
        uri: "https://aat.example/{id}.json".into(),
    };
    println!("Deploying the suite as cargo-stylus deploys it (StylusDeployer: create, activate, construct)\n");

    // Deployment: the same transactions as scripts/deploy.
    let token = waiting(
        "deploying TokenAI",
        deploy(
            &operator.rails.provider,
            Contract::TokenAI,
            config.token_wasm,
            (config.name.clone(), config.symbol.clone(), config.owner).abi_encode_params(),
        ),
    )
    .await
    .map_err(|e| format!("deploying TokenAI: {e}"))?;
    let aat = waiting(
        "deploying AAT",
        deploy(
            &operator.rails.provider,
            Contract::Aat,
            config.aat_wasm,
            (token.address, treasury, config.uri.clone(), config.owner).abi_encode_params(),
        ),
    )
    .await
    .map_err(|e| format!("deploying AAT: {e}"))?;
    for party in [
        &mut *operator,
        &mut *university,
        &mut *ada,
        &mut *alan,
        &mut *grace,
        &mut *donor,
        &mut *alice,
        &mut *bob,
        &mut *provider,
    ] {
        party.rails.token = token.address;
        party.rails.aat = aat.address;
    }
    let rails = operator.rails.clone();
    let gpt = bytes16("gpt-4o-mini").map_err(|e| e.to_string())?;
    let llama = bytes16("llama-3-70b").map_err(|e| e.to_string())?;
    let course = Policy {
        origin_pool: university.key.address(),
        model: gpt,
        scope: bytes16("CS101").map_err(|e| e.to_string())?,
        expiration: 0, // set below from the chain's clock
        reclaimable: true,
        tradable: false,
    };
    let now = node_time(&rails).await?;
    let course = Policy {
        expiration: now + 90 * 86_400,
        ..course
    };
    let gift = Policy {
        origin_pool: donor.key.address(),
        model: gpt,
        scope: FixedBytes::ZERO,
        expiration: 0,
        reclaimable: false,
        tradable: true,
    };
    let llama_credits = Policy {
        origin_pool: operator.key.address(),
        model: llama,
        scope: FixedBytes::ZERO,
        expiration: 0,
        reclaimable: false,
        tradable: true,
    };
    let book = Book {
        parties: vec![
            ("University", university.key.address()),
            ("Ada", ada.key.address()),
            ("Alan", alan.key.address()),
            ("Grace", grace.key.address()),
            ("Donor", donor.key.address()),
            ("Agent Alice", alice.key.address()),
            ("Agent Bob", bob.key.address()),
            ("Provider", provider.key.address()),
            ("Treasury", treasury),
        ],
        assets: vec![
            Asset::TokenAI,
            Asset::Credits {
                label: "CS101",
                id: course.id(),
            },
            Asset::Channel {
                id: course.id(),
                provider: provider.key.address(),
            },
            Asset::Credits {
                label: "GIFT",
                id: gift.id(),
            },
            Asset::Credits {
                label: "LLAMA",
                id: llama_credits.id(),
            },
        ],
    };
    let before = book.snapshot(&rails).await?;
    let mut story = Story {
        book,
        rails: rails.clone(),
        step: 0,
        failures: Vec::new(),
        before,
    };
    story
        .line(
            "Operator",
            &format!("deploys TokenAI at {}", show::short(token.address)),
            Tx::Receipt(&token.receipt),
        )
        .await?;
    story
        .line(
            "Operator",
            &format!("deploys AAT at {}", show::short(aat.address)),
            Tx::Receipt(&aat.receipt),
        )
        .await?;
    story
        .tx(
            "Operator",
            "makes AAT a TokenAI minter (mint fees, settle)",
            rails.send_token(TokenAI::setMinterCall {
                minter: aat.address,
                enabled: true,
            }),
        )
        .await?;

    // Administration: prices, fee, the fiat-path minters.
    story
        .tx(
            "Operator",
            "prices gpt-4o-mini at 0.001 TAI per unit",
            rails.send_aat(AAT::setModelPriceCall {
                model: gpt,
                tokenAIPerUnit: tai(1) / u(1000),
            }),
        )
        .await?;
    story
        .tx(
            "Operator",
            "prices llama-3-70b at 0.0005 TAI per unit",
            rails.send_aat(AAT::setModelPriceCall {
                model: llama,
                tokenAIPerUnit: tai(1) / u(2000),
            }),
        )
        .await?;
    story
        .tx(
            "Operator",
            "sets a 1% usage fee (burned in kind; its value to the treasury)",
            rails.send_aat(AAT::setFeeBpsCall { feeBps: FEE_BPS }),
        )
        .await?;
    story
        .tx(
            "Operator",
            "lets the University mint credits it was paid for in fiat",
            rails.send_aat(AAT::setMinterCall {
                minter: university.key.address(),
                enabled: true,
            }),
        )
        .await?;
    story
        .tx(
            "Operator",
            "lets itself mint (fiat sales)",
            rails.send_aat(AAT::setMinterCall {
                minter: operator.key.address(),
                enabled: true,
            }),
        )
        .await?;
    story
        .tx(
            "Operator",
            "lets itself mint TokenAI (the backed token's issuer)",
            rails.send_token(TokenAI::setMinterCall {
                minter: operator.key.address(),
                enabled: true,
            }),
        )
        .await?;

    // The university issues course credits.
    for student in [&*ada, &*alan, &*grace] {
        story
            .tx(
                "University",
                &format!(
                    "mints 1,000 CS101 credits to {} (90 days, reclaimable)",
                    student.name
                ),
                university
                    .rails
                    .send_aat(course.mint_call(student.key.address(), u(1_000))),
            )
            .await?;
    }
    let refused = ada
        .rails
        .send_aat(AAT::safeTransferFromCall {
            from: ada.key.address(),
            to: alan.key.address(),
            id: course.id(),
            value: u(10),
            data: Default::default(),
        })
        .await;
    let reason = refused
        .as_ref()
        .err()
        .and_then(|e| e.spec().map(ToString::to_string))
        .unwrap_or_default();
    story.expect(
        refused
            .as_ref()
            .err()
            .and_then(|e| e.spec())
            .is_some_and(is::<AAT::TokenNotTradable>),
        format!("course credits cannot be passed on (got {reason})"),
    );
    story
        .line(
            "Ada",
            &format!(
                "tries to give Alan 10 credits: {}",
                reason.split(' ').next().unwrap_or("?")
            ),
            Tx::Note("refused"),
        )
        .await?;

    // TokenAI is sold for fiat; a donor buys tradable credits with it.
    story
        .tx(
            "Operator",
            "sells the Donor 5 TAI (fiat on-ramp)",
            rails.send_token(TokenAI::mintCall {
                to: donor.key.address(),
                value: tai(5),
            }),
        )
        .await?;
    story
        .tx(
            "Operator",
            "sells Agent Alice 1 TAI",
            rails.send_token(TokenAI::mintCall {
                to: alice.key.address(),
                value: tai(1),
            }),
        )
        .await?;
    let cost = rails
        .read_aat(AAT::quoteTokenAICall {
            model: gpt,
            amount: u(2_000),
        })
        .await
        .map_err(|e| e.to_string())?;
    let deadline = U256::from(node_time(&rails).await? + 3_600);
    let nonce = rails
        .read_token(TokenAI::noncesCall {
            owner: donor.key.address(),
        })
        .await
        .map_err(|e| e.to_string())?;
    let permit = Permit {
        owner: donor.key.address(),
        spender: aat.address,
        value: cost,
        nonce,
        deadline,
    };
    let token_domain = rails.token_domain().await.map_err(|e| e.to_string())?;
    let signature = alloy::signers::SignerSync::sign_hash_sync(
        &donor.key,
        &permit.eip712_signing_hash(&token_domain),
    )
    .map_err(|e| e.to_string())?;
    story
        .tx(
            "Operator",
            &format!(
                "relays the Donor's signed permit: AAT may burn {} TAI",
                show::amount(cost, &Asset::TokenAI)
            ),
            rails.send_token(TokenAI::permitCall {
                owner: permit.owner,
                spender: permit.spender,
                value: permit.value,
                deadline,
                v: 27 + u8::from(signature.v()),
                r: signature.r().into(),
                s: signature.s().into(),
            }),
        )
        .await?;
    story
        .tx(
            "Donor",
            "buys 2,000 tradable GIFT credits with TAI, for Grace",
            donor
                .rails
                .send_aat(gift.mint_with_token_ai_call(grace.key.address(), u(2_000))),
        )
        .await?;
    story
        .tx(
            "Operator",
            "sells Agent Alice 500 tradable LLAMA credits",
            rails.send_aat(llama_credits.mint_call(alice.key.address(), u(500))),
        )
        .await?;

    // The provider's gateway, in front of the upstream.
    let stub = match &options.upstream {
        Some(_) => None,
        None => Some(UpstreamStub::start().await.map_err(|e| e.to_string())?),
    };
    let upstream = options
        .upstream
        .clone()
        .or_else(|| stub.as_ref().map(UpstreamStub::url))
        .unwrap_or_default();
    let model = options.upstream_model.clone();
    let gateway = start_gateway(
        gateway_config(
            &url,
            aat.address,
            &upstream,
            &model,
            data,
            "provider",
            options.gateway_port,
        ),
        provider.key.clone(),
    )
    .await?;
    let mut bob_config = gateway_config(&url, aat.address, &upstream, &model, data, "agent-bob", 0);
    // Agent Bob's endpoint settles each payment before it answers (x402's
    // usual way), so each of Agent Alice's steps shows its transaction.
    if let Some(exact) = bob_config.exact.as_mut() {
        exact.settle_before_response = true;
    }
    let agent_endpoint = start_gateway(bob_config, bob.key.clone()).await?;
    println!(
        "\n    The provider's gateway serves {model} at {} (upstream: {}); Agent Bob's endpoint at {}\n",
        gateway.url(),
        if stub.is_some() { "the built-in stub".to_owned() } else { upstream.clone() },
        agent_endpoint.url()
    );

    // Ada locks credits for the provider and chats, paying by voucher.
    let channel_end = node_time(&rails).await? + 30 * 86_400;
    story
        .tx(
            "Ada",
            "locks 600 CS101 credits in a 30-day channel with the Provider",
            ada.rails.open_channel(
                provider.key.address(),
                course.id(),
                u(600),
                channel_end,
                Address::ZERO,
            ),
        )
        .await?;
    // Alan's study app pays with a session key of its own: his channel names
    // it, so the key can spend the channel and nothing else (AAT spec v3).
    let alan_app = PrivateKeySigner::from_bytes(&alloy::primitives::keccak256(
        "Alan's study app session key",
    ))
    .map_err(|e| e.to_string())?;
    story
        .tx(
            "Alan",
            "locks 600 CS101 credits in a channel his study app's key signs for",
            alan.rails.open_channel(
                provider.key.address(),
                course.id(),
                u(600),
                channel_end,
                alan_app.address(),
            ),
        )
        .await?;
    let aat_domain = rails.aat_domain().await.map_err(|e| e.to_string())?;
    let receipts = receipt_domain(node.chain_id(), aat.address);
    let chat_url = format!("{}/v1/chat/completions", gateway.url());
    let ada_pays = Payer::new(
        ada.key.clone(),
        Method::Voucher {
            id: course.id(),
            validity: 86_400,
        },
        aat_domain.clone(),
    );
    let alan_pays = Payer::new(
        alan_app,
        Method::Voucher {
            id: course.id(),
            validity: 86_400,
        },
        aat_domain.clone(),
    )
    .for_holder(alan.key.address());
    let questions = [
        "What is a hash function?",
        "Explain Big-O notation.",
        "Why is binary search logarithmic?",
        "What does a compiler do?",
    ];
    for (payer, who) in [(&ada_pays, "Ada"), (&alan_pays, "Alan")] {
        for (i, question) in questions.iter().enumerate() {
            let stream = i % 2 == 1;
            let body = serde_json::json!({"model": model, "messages": [{"role": "user", "content": question}], "max_tokens": 64, "stream": stream});
            let paid = waiting("asking the model", payer.post(&chat_url, &body))
                .await
                .map_err(|e| e.to_string())?;
            let settlement = paid.settlement.clone();
            let voucher = settlement
                .as_ref()
                .and_then(aat_client::x402::SettlementResponse::voucher);
            story.expect(
                paid.status == 200 && voucher.is_some(),
                format!(
                    "{who}'s request {i} is served and charged ({})",
                    paid.status
                ),
            );
            if let Some(v) = voucher {
                story.expect(
                    v.receipt.is_signed_by(&receipts, provider.key.address()),
                    "a usage receipt signed by the provider",
                );
                story
                    .line(
                        who,
                        &format!(
                            "asks \"{question}\"{}: {} units, owes {}",
                            if stream { " (streamed)" } else { "" },
                            v.receipt.units,
                            v.account.owed
                        ),
                        Tx::Note("voucher"),
                    )
                    .await?;
            }
        }
    }

    // An agent pays another agent's endpoint per request in TokenAI.
    let bob_url = format!("{}/v1/chat/completions", agent_endpoint.url());
    let alice_pays = Payer::new(alice.key.clone(), Method::Exact, token_domain.clone());
    for i in 0..3 {
        let body = serde_json::json!({"model": model, "messages": [{"role": "user", "content": format!("Summarize dataset shard {i}")}], "max_tokens": 32});
        let paid = waiting("paying per request", alice_pays.post(&bob_url, &body))
            .await
            .map_err(|e| e.to_string())?;
        let settled = paid
            .settlement
            .as_ref()
            .filter(|s| s.success)
            .and_then(|s| s.transaction.parse::<alloy::primitives::B256>().ok());
        story.expect(
            paid.status == 200 && settled.is_some(),
            format!("Agent Alice's request {i} to Agent Bob is served, paid on-chain"),
        );
        let hash = settled.unwrap_or_default();
        let gas = rails
            .provider
            .get_transaction_receipt(hash)
            .await
            .ok()
            .flatten()
            .map_or(0, |r| r.gas_used);
        story
            .line(
                "Agent Alice",
                &format!("pays Agent Bob's endpoint 0.001 TAI for shard {i} (EIP-3009)"),
                Tx::Batch(hash, gas),
            )
            .await?;
    }
    let bob_got = rails
        .token_balance(bob.key.address())
        .await
        .map_err(|e| e.to_string())?;
    story.expect(
        bob_got == tai(3) / u(1000),
        format!("Agent Bob received 0.003 TAI (got {bob_got})"),
    );

    // Two holders swap atomically.
    story
        .tx(
            "Agent Alice",
            "lets Grace settle a swap for her",
            alice.rails.send_aat(AAT::setApprovalForAllCall {
                operator: grace.key.address(),
                approved: true,
            }),
        )
        .await?;
    let r = story
        .send(
            "swapping",
            grace.rails.send_aat(AAT::swapCall {
                partyA: grace.key.address(),
                idA: gift.id(),
                amountA: u(100),
                partyB: alice.key.address(),
                idB: llama_credits.id(),
                amountB: u(100),
            }),
        )
        .await?;
    let alice_gift = rails
        .balance(alice.key.address(), gift.id())
        .await
        .map_err(|e| e.to_string())?;
    story.expect(
        alice_gift == u(100) - fee(u(100)),
        format!("Agent Alice receives 100 GIFT less the fee (got {alice_gift})"),
    );
    story
        .line(
            "Grace",
            "swaps 100 GIFT for Agent Alice's 100 LLAMA, 1% fee per leg",
            Tx::Receipt(&r),
        )
        .await?;

    // The holders hand in vouchers for everything they owe; one batch.
    let vouchers_url = format!("{}/aat/vouchers", gateway.url());
    for (payer, who) in [(&ada_pays, "Ada"), (&alan_pays, "Alan")] {
        let closed = payer
            .close_out(&vouchers_url)
            .await
            .map_err(|e| e.to_string())?;
        story.expect(
            closed.status == 200,
            format!("{who}'s closing voucher is taken"),
        );
        story
            .line(
                who,
                &format!(
                    "signs a closing voucher for the {} units owed",
                    payer.owed().unwrap_or_default()
                ),
                Tx::Note("voucher"),
            )
            .await?;
    }
    let report = waiting("the Provider settles", gateway.settle_now()).await?;
    story.expect(
        report.transactions == 1 && report.vouchers_settled == 2,
        format!("one settleBatch settles both ({report:?})"),
    );
    let ada_owed = ada_pays.owed().unwrap_or_default();
    let alan_owed = alan_pays.owed().unwrap_or_default();
    let settled = rails
        .settled(ada.key.address(), provider.key.address(), course.id())
        .await
        .map_err(|e| e.to_string())?;
    story.expect(
        settled == ada_owed,
        format!("Ada's settled amount is what she owed ({settled} vs {ada_owed})"),
    );
    let locked = rails
        .channel(ada.key.address(), provider.key.address(), course.id())
        .await
        .map_err(|e| e.to_string())?
        .locked;
    story.expect(
        locked == u(600) - ada_owed - fee(ada_owed),
        "Ada's units came from her channel, with the fee",
    );
    let alan_locked = rails
        .channel(alan.key.address(), provider.key.address(), course.id())
        .await
        .map_err(|e| e.to_string())?
        .locked;
    story.expect(
        alan_locked == u(600) - alan_owed - fee(alan_owed),
        "Alan's units came from his channel, signed for by his app's key",
    );
    let batch = Tx::Batch(
        report.hashes.first().copied().unwrap_or_default(),
        report.gas,
    );
    story
        .line(
            "Provider",
            &format!(
                "settles {} vouchers ({} units) in one settleBatch",
                report.vouchers_settled, report.units
            ),
            batch,
        )
        .await?;

    // The course ends; the pool takes back what was not used.
    let end = course.expiration + 86_400 - node_time(&rails).await?;
    rails
        .provider
        .raw_request::<_, serde_json::Value>("evm_increaseTime".into(), (end,))
        .await
        .map_err(|e| e.to_string())?;
    rails
        .provider
        .raw_request::<_, serde_json::Value>("evm_mine".into(), ())
        .await
        .map_err(|e| e.to_string())?;
    story
        .line(
            "Time",
            "moves 91 days on: the course is over, the credits expired",
            Tx::Note("evm_mine"),
        )
        .await?;
    for student in [&*ada, &*alan] {
        story
            .tx(
                "Operator",
                &format!(
                    "closes {}'s expired channel: what is left returns to {}",
                    student.name,
                    if student.name == "Ada" { "her" } else { "him" }
                ),
                rails.send_aat(AAT::closeChannelCall {
                    holder: student.key.address(),
                    provider: provider.key.address(),
                    id: course.id(),
                }),
            )
            .await?;
    }
    for student in [&*ada, &*alan, &*grace] {
        story
            .tx(
                "University",
                &format!("reclaims {}'s unused CS101 credits", student.name),
                university.rails.send_aat(AAT::reclaimCall {
                    holder: student.key.address(),
                    id: course.id(),
                    amount: U256::MAX,
                }),
            )
            .await?;
    }
    for student in [&*ada, &*alan, &*grace] {
        let left = rails
            .balance(student.key.address(), course.id())
            .await
            .map_err(|e| e.to_string())?;
        story.expect(
            left.is_zero(),
            format!("{} holds no course credits after the reclaim", student.name),
        );
    }
    let pool = rails
        .balance(university.key.address(), course.id())
        .await
        .map_err(|e| e.to_string())?;
    let used = ada_owed + fee(ada_owed) + alan_owed + fee(alan_owed);
    story.expect(
        pool == u(3_000) - used,
        format!("the pool holds the 3,000 issued less the {used} used (holds {pool})"),
    );
    let supply = rails
        .read_aat(AAT::totalSupplyCall { id: course.id() })
        .await
        .map_err(|e| e.to_string())?;
    story.expect(
        supply == pool,
        "every remaining course credit is back in the pool",
    );
    let treasury_tai = rails
        .token_balance(treasury)
        .await
        .map_err(|e| e.to_string())?;
    story.expect(
        !treasury_tai.is_zero(),
        "the fees' value reached the treasury",
    );

    println!("\nWho holds what, at the end:\n");
    print!("{}", story.book.table(&story.before));
    Ok(Outcome {
        token: token.address,
        aat: aat.address,
        ids: vec![
            ("CS101", course.id()),
            ("GIFT", gift.id()),
            ("LLAMA", llama_credits.id()),
        ],
        gateway,
        agent_endpoint,
        stub,
        failures: story.failures,
        steps: story.step,
    })
}

async fn node_time(rails: &Rails<DynProvider>) -> Result<u64, String> {
    let block = rails
        .provider
        .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("no latest block")?;
    Ok(block.header.timestamp)
}
