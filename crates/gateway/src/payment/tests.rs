//! Both schemes admitted, charged and released on a fixed view of the chain
//! ([`Fixed`]) and a real ledger (SQLite in a temporary directory): every
//! refusal admission makes by its own rules, by kind, and what each step
//! leaves in the ledger. No node runs; the integration tests
//! (`tests/admission.rs`, `tests/refusals.rs`, `tests/payments.rs`) run the
//! same steps against the deployed contracts.

use std::{
    collections::{HashMap, HashSet},
    time::Duration,
};

use aat_client::{
    signature::{self, Expected, Verdict},
    signing::{
        sign_transfer_authorization, sign_voucher, sign_voucher_for, SignedAuthorization,
        SignedVoucher,
    },
    x402::{
        ExactPayload, PaymentPayload, PaymentRequirements, VoucherPayload, EXACT_SCHEME,
        SETTLEMENT_PENDING, VOUCHER_SCHEME, X402_VERSION,
    },
    ClientError, Policy,
};
use alloy::{
    primitives::{address, Address, FixedBytes, B256, U256},
    signers::local::PrivateKeySigner,
    sol_types::{eip712_domain, Eip712Domain, SolStruct},
};
use serde_json::json;

use super::{Bound, Model, Refusal, RefusalKind, Ticket};
use crate::{
    chain::{ChainView, Holdings},
    ledger::{testing::sqlite_ledger, Ledger},
    metrics::Metrics,
    replay::Answer,
    upstream::{Upstream, Usage},
    App, Config,
};

const CHAIN_ID: u64 = 412_346;
const NOW: u64 = 1_800_000_000;
const AAT: Address = address!("00000000000000000000000000000000000000a7");
const TOKEN: Address = address!("00000000000000000000000000000000000000a8");
/// The one id the tests pay in: model `gpt-4o-mini`, any scope.
const ID: U256 = U256::from_limbs([7, 0, 0, 0]);
/// The `exact` price, in TokenAI wei.
const PRICE: u64 = 1_000;

/// A chain that stands still: what it holds is set before the test.
struct Fixed {
    provider: PrivateKeySigner,
    aat_domain: Eip712Domain,
    token_domain: Eip712Domain,
    holdings: HashMap<(Address, U256), Holdings>,
    policies: HashMap<U256, Policy>,
    token_balances: HashMap<Address, U256>,
    used_nonces: HashSet<(Address, B256)>,
    /// Accounts with code whose ERC-1271 wallet says yes to anything.
    wallets: HashSet<Address>,
}

impl Fixed {
    fn new() -> Fixed {
        let mut policies = HashMap::new();
        policies.insert(ID, policy(0));
        Fixed {
            provider: PrivateKeySigner::random(),
            aat_domain: eip712_domain! {
                name: "AAT", version: "1", chain_id: CHAIN_ID, verifying_contract: AAT,
            },
            token_domain: eip712_domain! {
                name: "TokenAI", version: "1", chain_id: CHAIN_ID, verifying_contract: TOKEN,
            },
            holdings: HashMap::new(),
            policies,
            token_balances: HashMap::new(),
            used_nonces: HashSet::new(),
            wallets: HashSet::new(),
        }
    }

    /// `holder` has `locked` units of [`ID`] in a channel with the provider
    /// that stays open a day, and signs its vouchers itself.
    fn holding(mut self, holder: Address, locked: u64) -> Fixed {
        self.holdings.insert(
            (holder, ID),
            Holdings {
                locked: U256::from(locked),
                channel_expires: NOW + 86_400,
                ..Holdings::default()
            },
        );
        self
    }
}

impl Fixed {
    /// `id` is minted with `policy`.
    fn with_policy(mut self, id: U256, policy: Policy) -> Fixed {
        self.policies.insert(id, policy);
        self
    }
}

/// [`ID`]'s policy, expiring at `expiration` (0: never).
fn policy(expiration: u64) -> Policy {
    Policy {
        origin_pool: Address::repeat_byte(0x99),
        model: text16("gpt-4o-mini"),
        scope: FixedBytes::ZERO,
        expiration,
        reclaimable: true,
        tradable: true,
    }
}

fn text16(text: &str) -> FixedBytes<16> {
    let mut bytes = [0u8; 16];
    bytes[..text.len()].copy_from_slice(text.as_bytes());
    FixedBytes(bytes)
}

impl ChainView for Fixed {
    fn provider(&self) -> Address {
        self.provider.address()
    }

    fn now(&self) -> u64 {
        NOW
    }

    fn head(&self) -> u64 {
        100
    }

    fn fee_bps(&self) -> u16 {
        200
    }

    fn aat_domain(&self) -> &Eip712Domain {
        &self.aat_domain
    }

    fn token_domain(&self) -> &Eip712Domain {
        &self.token_domain
    }

    fn receipt_domain(&self) -> &Eip712Domain {
        &self.aat_domain
    }

    fn signer(&self) -> &PrivateKeySigner {
        &self.provider
    }

    async fn holdings(&self, holder: Address, id: U256) -> Result<Holdings, ClientError> {
        Ok(self
            .holdings
            .get(&(holder, id))
            .copied()
            .unwrap_or_default())
    }

    async fn refresh(&self, holder: Address, id: U256) -> Result<Holdings, ClientError> {
        ChainView::holdings(self, holder, id).await
    }

    async fn policy(&self, id: U256) -> Result<Option<Policy>, ClientError> {
        Ok(self.policies.get(&id).copied())
    }

    async fn token_balance(&self, payer: Address) -> Result<U256, ClientError> {
        Ok(self.token_balances.get(&payer).copied().unwrap_or_default())
    }

    async fn nonce_used(&self, payer: Address, nonce: B256) -> Result<bool, ClientError> {
        Ok(self.used_nonces.contains(&(payer, nonce)))
    }

    async fn verify(
        &self,
        expected: Expected,
        digest: B256,
        signature: &[u8],
    ) -> Result<Verdict, ClientError> {
        if self.wallets.contains(&expected.address()) {
            return Ok(Verdict::Erc1271);
        }
        Ok(
            if signature::recover(digest, signature) == Some(expected.address()) {
                Verdict::Ecdsa
            } else {
                Verdict::Invalid
            },
        )
    }
}

/// An `App` over `chain`, with a fresh ledger named `tag`, serving
/// `gpt-4o-mini` and, when `exact` is given, `exact` with those settings.
async fn app(tag: &str, chain: Fixed, exact: Option<&str>) -> App<Fixed> {
    let exact = exact.map_or_else(String::new, |rest| {
        format!("[exact]\nprice = \"{PRICE}\"\n{rest}\n")
    });
    let (_, database) = sqlite_ledger(&format!("payment-{tag}"));
    let config: Config = toml::from_str(&format!(
        r#"
        upstream = "http://127.0.0.1:9"
        rpc = "http://127.0.0.1:9"
        aat = "{AAT}"
        database = "{database}"
        [models.gpt-4o-mini]
        aat_model = "gpt-4o-mini"
        prompt_price = 1
        completion_price = 4
        {exact}
        "#
    ))
    .unwrap();
    let ledger = Ledger::open(&config.database, &config.instance, config.sqlite_sync)
        .await
        .unwrap();
    let upstream = Upstream::new(&config.upstream, None, Duration::from_secs(1)).unwrap();
    App {
        models: Model::all(&config).unwrap(),
        network: aat_client::x402::network(CHAIN_ID),
        config,
        chain,
        ledger,
        upstream,
        metrics: Metrics::new(),
        settling: tokio::sync::Mutex::new(()),
    }
}

/// A holder with `locked` units in its channel, and an `App` serving it
/// vouchers only, with a ledger named `tag`.
async fn holder_app(tag: &str, locked: u64) -> (PrivateKeySigner, App<Fixed>) {
    let holder = PrivateKeySigner::random();
    let chain = Fixed::new().holding(holder.address(), locked);
    (holder, app(tag, chain, None).await)
}

fn model(app: &App<Fixed>) -> Model {
    app.models["gpt-4o-mini"].clone()
}

/// A request of 100 bytes asking 16 tokens: it may cost 100 + 64 prompt
/// tokens at 1 and 16 completion tokens at 4, 228 units.
fn bound(app: &App<Fixed>) -> Bound {
    model(app).bound(100, 16, false).unwrap()
}

fn paid_with(scheme: &str, payload: serde_json::Value) -> PaymentPayload {
    PaymentPayload {
        x402_version: X402_VERSION,
        resource: None,
        accepted: PaymentRequirements {
            scheme: scheme.into(),
            network: aat_client::x402::network(CHAIN_ID),
            amount: String::new(),
            asset: String::new(),
            pay_to: String::new(),
            max_timeout_seconds: 60,
            extra: serde_json::Value::Null,
        },
        payload,
        extensions: None,
    }
}

fn voucher_payment(signed: &SignedVoucher) -> PaymentPayload {
    paid_with(
        VOUCHER_SCHEME,
        serde_json::to_value(VoucherPayload::from(signed)).unwrap(),
    )
}

fn exact_payment(signed: &SignedAuthorization) -> PaymentPayload {
    paid_with(
        EXACT_SCHEME,
        serde_json::to_value(ExactPayload::from(signed)).unwrap(),
    )
}

async fn admit(
    app: &App<Fixed>,
    payment: &PaymentPayload,
    request_id: &str,
) -> Result<Ticket, Refusal> {
    app.admit(payment, &model(app), &bound(app), request_id)
        .await
}

/// The kind a refused admission was refused with.
async fn refused(app: &App<Fixed>, payment: &PaymentPayload) -> RefusalKind {
    match admit(app, payment, "refused").await {
        Ok(ticket) => panic!("admitted: {ticket:?}"),
        Err(refusal) => refusal.kind,
    }
}

/// `holder`'s voucher for `cumulative` units of [`ID`] to `app`'s provider,
/// valid until `deadline`.
async fn voucher(
    app: &App<Fixed>,
    holder: &PrivateKeySigner,
    cumulative: u64,
    deadline: u64,
) -> SignedVoucher {
    sign_voucher(
        holder,
        &app.chain.aat_domain,
        app.chain.provider(),
        ID,
        U256::from(cumulative),
        deadline,
    )
    .await
    .unwrap()
}

/// `holder`'s first voucher (0 units, valid two hours) signed by `key`.
async fn voucher_by(app: &App<Fixed>, holder: Address, key: &PrivateKeySigner) -> SignedVoucher {
    sign_voucher_for(
        holder,
        key,
        &app.chain.aat_domain,
        app.chain.provider(),
        ID,
        U256::ZERO,
        NOW + 7_200,
    )
    .await
    .unwrap()
}

fn answer() -> Answer {
    Answer {
        request_hash: B256::repeat_byte(1),
        body: b"{\"choices\":[]}".to_vec().into(),
        stream: false,
    }
}

const USAGE: Usage = Usage {
    prompt_tokens: 10,
    completion_tokens: 5,
};

#[tokio::test]
async fn a_voucher_is_admitted_then_charged_what_was_used_with_a_signed_receipt() {
    let (holder, app) = holder_app("voucher-charged", 100_000).await;
    let first = voucher(&app, &holder, 0, NOW + 7_200).await;
    let ticket = admit(&app, &voucher_payment(&first), "one").await.unwrap();
    assert_eq!(ticket.payer(), holder.address());
    let response = app
        .record_charge(&ticket, &model(&app), USAGE, answer())
        .await
        .unwrap();
    // 10 prompt tokens at 1 and 5 completion tokens at 4.
    assert!(response.success);
    assert_eq!(response.amount.as_deref(), Some("30"));
    let receipt = response.voucher().unwrap().receipt;
    assert_eq!(receipt.cumulative_owed, U256::from(30));
    let signed = aat_client::UsageReceipt {
        holder: receipt.holder,
        provider: receipt.provider,
        id: receipt.id,
        voucherDigest: receipt.voucher_digest,
        requestHash: receipt.request_hash,
        responseHash: receipt.response_hash,
        promptTokens: receipt.prompt_tokens,
        completionTokens: receipt.completion_tokens,
        units: receipt.units,
        cumulativeOwed: receipt.cumulative_owed,
    };
    assert_eq!(
        signature::recover(
            signed.eip712_signing_hash(app.chain.receipt_domain()),
            &receipt.signature
        ),
        Some(app.chain.provider())
    );
    let account = app.ledger.account(holder.address(), ID).await.unwrap();
    assert_eq!(account.unwrap().owed, 30);
    // The next request's voucher covers what is owed, and nothing more.
    let second = voucher(&app, &holder, 30, NOW + 7_200).await;
    admit(&app, &voucher_payment(&second), "two").await.unwrap();
    let stale = voucher(&app, &holder, 0, NOW + 7_200).await;
    assert_eq!(
        refused(&app, &voucher_payment(&stale)).await,
        RefusalKind::Amount
    );
}

#[tokio::test]
async fn a_released_voucher_request_frees_what_it_reserved() {
    // Enough for one request's 228 units with the fee the budget counts
    // (10%), not for two.
    let (holder, app) = holder_app("voucher-released", 300).await;
    let signed = voucher(&app, &holder, 0, NOW + 7_200).await;
    let payment = voucher_payment(&signed);
    let ticket = admit(&app, &payment, "one").await.unwrap();
    assert_eq!(refused(&app, &payment).await, RefusalKind::Balance);
    app.release(&ticket).await;
    admit(&app, &payment, "two").await.unwrap();
}

#[tokio::test]
async fn a_voucher_is_refused_by_each_rule_and_nothing_is_reserved() {
    let holder = PrivateKeySigner::random();
    let other = PrivateKeySigner::random();
    let (expiring, elsewhere, scoped) = (U256::from(8), U256::from(9), U256::from(10));
    let chain = Fixed::new()
        .holding(holder.address(), 100_000)
        .with_policy(expiring, policy(NOW + 60))
        .with_policy(
            elsewhere,
            Policy {
                model: text16("llama"),
                ..policy(0)
            },
        )
        .with_policy(
            scoped,
            Policy {
                scope: text16("CS101"),
                ..policy(0)
            },
        );
    let app = app("voucher-refused", chain, None).await;
    let good = voucher(&app, &holder, 0, NOW + 7_200).await;
    let by_another = voucher_by(&app, holder.address(), &other).await;
    let resigned = |id: U256, deadline: u64, provider: Address| {
        let holder = holder.clone();
        let domain = app.chain.aat_domain.clone();
        async move {
            sign_voucher(&holder, &domain, provider, id, U256::ZERO, deadline)
                .await
                .unwrap()
        }
    };
    let provider = app.chain.provider();
    let cases = [
        (
            voucher_payment(&resigned(ID, NOW + 7_200, Address::repeat_byte(5)).await),
            RefusalKind::WrongProvider,
        ),
        (
            voucher_payment(&resigned(ID, NOW - 1, provider).await),
            RefusalKind::Expired,
        ),
        // Valid, but not long enough to settle (an hour by default).
        (
            voucher_payment(&resigned(ID, NOW + 60, provider).await),
            RefusalKind::Expired,
        ),
        (
            voucher_payment(&resigned(U256::from(404), NOW + 7_200, provider).await),
            RefusalKind::Id,
        ),
        (
            voucher_payment(&resigned(elsewhere, NOW + 7_200, provider).await),
            RefusalKind::Id,
        ),
        (
            voucher_payment(&resigned(scoped, NOW + 7_200, provider).await),
            RefusalKind::Scope,
        ),
        (
            voucher_payment(&resigned(expiring, NOW + 7_200, provider).await),
            RefusalKind::ExpiredId,
        ),
        (voucher_payment(&by_another), RefusalKind::Signature),
    ];
    for (payment, kind) in cases {
        assert_eq!(refused(&app, &payment).await, kind, "{payment:?}");
    }
    assert!(
        app.ledger
            .account(holder.address(), ID)
            .await
            .unwrap()
            .is_none(),
        "nothing recorded"
    );
    admit(&app, &voucher_payment(&good), "at last")
        .await
        .unwrap();
}

#[tokio::test]
async fn a_payment_that_is_no_voucher_of_this_chain_is_refused_as_such() {
    let (holder, app) = holder_app("voucher-envelope", 100_000).await;
    let good = voucher(&app, &holder, 0, NOW + 7_200).await;
    let with = |change: fn(&mut PaymentPayload)| {
        let mut payment = voucher_payment(&good);
        change(&mut payment);
        payment
    };
    let beyond_i64 = {
        let mut signed = good.clone();
        signed.voucher.cumulativeAmount = U256::MAX;
        voucher_payment(&signed)
    };
    let cases = [
        (beyond_i64, RefusalKind::Malformed),
        (
            paid_with(VOUCHER_SCHEME, json!({"voucher": "no"})),
            RefusalKind::Malformed,
        ),
        (with(|p| p.x402_version = 1), RefusalKind::Version),
        (
            with(|p| p.accepted.network = "eip155:1".into()),
            RefusalKind::Network,
        ),
        // `exact` is not configured here.
        (paid_with(EXACT_SCHEME, json!({})), RefusalKind::Scheme),
    ];
    for (payment, kind) in cases {
        assert_eq!(refused(&app, &payment).await, kind, "{payment:?}");
    }
}

#[tokio::test]
async fn a_wallet_holder_is_served_only_within_what_it_settled() {
    let wallet = PrivateKeySigner::random();
    let mut chain = Fixed::new().holding(wallet.address(), 100_000);
    chain.wallets.insert(wallet.address());
    let app = app("voucher-wallet", chain, None).await;
    let signed = voucher(&app, &wallet, 0, NOW + 7_200).await;
    assert_eq!(
        refused(&app, &voucher_payment(&signed)).await,
        RefusalKind::SmartAccount
    );
}

#[tokio::test]
async fn a_session_keys_voucher_is_refused_when_its_channel_ends_too_soon() {
    let holder = PrivateKeySigner::random();
    let key = PrivateKeySigner::random();
    let mut chain = Fixed::new();
    chain.holdings.insert(
        (holder.address(), ID),
        Holdings {
            locked: U256::from(100_000),
            // Open, but for less than the ten minutes settling needs.
            channel_expires: NOW + 60,
            channel_signer: key.address(),
            ..Holdings::default()
        },
    );
    let app = app("voucher-session", chain, None).await;
    let signed = voucher_by(&app, holder.address(), &key).await;
    assert_eq!(
        refused(&app, &voucher_payment(&signed)).await,
        RefusalKind::ChannelEnding
    );
    // The holder's own signature is not the channel's key's.
    let own = voucher(&app, &holder, 0, NOW + 7_200).await;
    assert_eq!(
        refused(&app, &voucher_payment(&own)).await,
        RefusalKind::Signature
    );
}

/// `payer`'s authorization of `value` to `to`, valid in (`after`, `before`).
async fn authorization(
    app: &App<Fixed>,
    payer: &PrivateKeySigner,
    to: Address,
    value: u64,
    (after, before): (u64, u64),
) -> SignedAuthorization {
    sign_transfer_authorization(
        payer,
        &app.chain.token_domain,
        to,
        U256::from(value),
        after,
        before,
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn an_exact_payment_is_admitted_then_queued_and_released_frees_its_nonce() {
    let payer = PrivateKeySigner::random();
    let mut chain = Fixed::new();
    chain
        .token_balances
        .insert(payer.address(), U256::from(2 * PRICE));
    let app = app("exact-queued", chain, Some("")).await;
    let to = app.chain.provider();
    let outstanding = || async { app.ledger.exact_outstanding(payer.address()).await.unwrap() };
    let signed = authorization(&app, &payer, to, PRICE, (0, NOW + 600)).await;
    let payment = exact_payment(&signed);
    let first = admit(&app, &payment, "one").await.unwrap();
    assert_eq!(refused(&app, &payment).await, RefusalKind::Replayed);
    // The balance covers two payments at a time, counted until settled.
    let another = authorization(&app, &payer, to, PRICE, (0, NOW + 600)).await;
    let second = admit(&app, &exact_payment(&another), "two").await.unwrap();
    let third = authorization(&app, &payer, to, PRICE, (0, NOW + 600)).await;
    assert_eq!(
        refused(&app, &exact_payment(&third)).await,
        RefusalKind::Balance
    );
    app.release(&first).await;
    app.release(&second).await;
    assert_eq!(outstanding().await, U256::ZERO);
    let ticket = admit(&app, &payment, "again").await.unwrap();
    let response = app
        .record_charge(&ticket, &model(&app), USAGE, answer())
        .await
        .unwrap();
    // Queued, not settled: x402's pending settlement, never a success
    // without its transaction.
    assert!(!response.success);
    assert_eq!(response.error_reason.as_deref(), Some(SETTLEMENT_PENDING));
    assert_eq!(outstanding().await, U256::from(PRICE));
    assert_eq!(refused(&app, &payment).await, RefusalKind::Replayed);
}

#[tokio::test]
async fn an_exact_payment_is_refused_by_each_rule_and_nothing_is_reserved() {
    let payer = PrivateKeySigner::random();
    let wallet = PrivateKeySigner::random();
    let poor = PrivateKeySigner::random();
    let spender = PrivateKeySigner::random();
    let mut chain = Fixed::new();
    for who in [&payer, &wallet, &spender] {
        chain
            .token_balances
            .insert(who.address(), U256::from(10 * PRICE));
    }
    chain
        .token_balances
        .insert(poor.address(), U256::from(PRICE - 1));
    chain.wallets.insert(wallet.address());
    // An authorization whose nonce was used on-chain before it was shown.
    let to = chain.provider();
    let spent = sign_transfer_authorization(
        &spender,
        &chain.token_domain,
        to,
        U256::from(PRICE),
        0,
        NOW + 600,
    )
    .await
    .unwrap();
    chain
        .used_nonces
        .insert((spender.address(), spent.authorization.nonce));
    let app = app("exact-refused", chain, Some("")).await;
    let open = (0, NOW + 600);
    let forged = {
        let mut signed = authorization(&app, &payer, to, PRICE, open).await;
        signed.authorization.from = Address::repeat_byte(3);
        signed
    };
    let cases = [
        (
            authorization(&app, &payer, Address::repeat_byte(5), PRICE, open).await,
            RefusalKind::WrongProvider,
        ),
        (
            authorization(&app, &payer, to, PRICE - 1, open).await,
            RefusalKind::Amount,
        ),
        (
            authorization(&app, &payer, to, PRICE, (NOW + 10, NOW + 600)).await,
            RefusalKind::NotYetValid,
        ),
        (
            authorization(&app, &payer, to, PRICE, (0, NOW)).await,
            RefusalKind::Expired,
        ),
        // Open, but for less than the 30 seconds settling needs.
        (
            authorization(&app, &payer, to, PRICE, (0, NOW + 20)).await,
            RefusalKind::Expired,
        ),
        (forged, RefusalKind::Signature),
        // A wallet could refuse on-chain what it signed: taken only when
        // settled before the answer, which is not configured here.
        (
            authorization(&app, &wallet, to, PRICE, open).await,
            RefusalKind::SmartAccount,
        ),
        (
            authorization(&app, &poor, to, PRICE, open).await,
            RefusalKind::Balance,
        ),
        (spent, RefusalKind::Replayed),
    ];
    for (signed, kind) in &cases {
        assert_eq!(refused(&app, &exact_payment(signed)).await, *kind);
    }
    for who in [&payer, &wallet, &poor, &spender] {
        assert_eq!(
            app.ledger.exact_outstanding(who.address()).await.unwrap(),
            U256::ZERO
        );
    }
    let good = authorization(&app, &payer, to, PRICE, open).await;
    admit(&app, &exact_payment(&good), "at last").await.unwrap();
}

#[tokio::test]
async fn a_wallets_exact_payment_is_taken_when_settled_before_the_answer() {
    let wallet = PrivateKeySigner::random();
    let mut chain = Fixed::new();
    chain
        .token_balances
        .insert(wallet.address(), U256::from(PRICE));
    chain.wallets.insert(wallet.address());
    let app = app("exact-wallet", chain, Some("settle_before_response = true")).await;
    let to = app.chain.provider();
    let signed = authorization(&app, &wallet, to, PRICE, (0, NOW + 600)).await;
    admit(&app, &exact_payment(&signed), "one").await.unwrap();
}
