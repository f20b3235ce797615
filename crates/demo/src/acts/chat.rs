//! Chat: students lock course credits in channels with the provider and
//! chat through its gateway, paying by voucher; Alan's study app signs with
//! a session key his channel names, so it can spend the channel and
//! nothing else.

use aat_client::{
    signing::receipt_domain,
    x402::{Method, Payer, SettlementResponse},
};
use alloy::{
    primitives::{Address, U256},
    signers::local::PrivateKeySigner,
    sol_types::Eip712Domain,
};

use crate::{
    error::{service, DemoError, Step},
    show::waiting,
    story::{u, Context, Services, Story, Tx, VoucherPayer},
};

/// How long the channels stay open.
const CHANNEL_DAYS: u64 = 30;

/// A holder's voucher payer for `id`, signing with `signer`.
pub fn voucher_payer(ctx: &Context, signer: PrivateKeySigner, id: U256) -> Payer<PrivateKeySigner> {
    Payer::new(
        signer,
        Method::Voucher {
            id,
            validity: 86_400,
        },
        ctx.suite.aat_domain.clone(),
    )
}

/// When a channel opened now closes.
pub async fn channel_end(ctx: &Context) -> Result<u64, DemoError> {
    Ok(ctx.now().await? + CHANNEL_DAYS * 86_400)
}

/// Where vouchers are spent: the provider's chat endpoint, the provider,
/// and the domain its usage receipts are signed in.
pub struct Counter {
    pub url: String,
    pub provider: Address,
    pub receipts: Eip712Domain,
}

impl Counter {
    pub fn new(ctx: &Context, services: &Services) -> Counter {
        Counter {
            url: format!("{}/v1/chat/completions", services.gateway.url()),
            provider: ctx.cast.provider.address(),
            receipts: receipt_domain(ctx.chain_id, ctx.suite.aat),
        }
    }
}

/// `payer` asks `question` of `model` at the provider's counter and pays by
/// voucher: the answer is served, charged, and comes with the provider's
/// signed usage receipt.
///
/// # Errors
///
/// The request cannot be sent or the 402 not read.
pub async fn ask(
    story: &mut Story,
    counter: &Counter,
    model: &str,
    payer: &VoucherPayer,
    question: &str,
    stream: bool,
) -> Result<(), DemoError> {
    let url = &counter.url;
    let body = serde_json::json!({"model": model, "messages": [{"role": "user", "content": question}], "max_tokens": 64, "stream": stream});
    let paid = waiting("asking the model", payer.payer.post(url, &body))
        .await
        .step(format!("{} asks {model}", payer.name))?;
    let voucher = paid
        .settlement
        .as_ref()
        .and_then(SettlementResponse::voucher);
    let refusal = serde_json::from_slice::<serde_json::Value>(&paid.body)
        .ok()
        .and_then(|body| body["error"].as_str().map(str::to_owned))
        .unwrap_or_default();
    story.expect(
        paid.status == 200 && voucher.is_some(),
        format!(
            "{}'s request \"{question}\" is served and charged ({} {refusal})",
            payer.name, paid.status
        ),
    );
    if let Some(v) = voucher {
        story.expect(
            v.receipt.is_signed_by(&counter.receipts, counter.provider),
            "a usage receipt signed by the provider",
        );
        story
            .line(
                payer.name,
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
    Ok(())
}

/// # Errors
///
/// A transaction or a request fails.
pub async fn play(ctx: &mut Context, services: &Services) -> Result<(), DemoError> {
    let course = ctx.credits.course.id();
    let provider = ctx.cast.provider.address();
    let end = channel_end(ctx).await?;
    ctx.story
        .tx(
            "Ada",
            "locks 600 CS101 credits in a 30-day channel with the Provider",
            ctx.cast
                .ada
                .rails
                .open_channel(provider, course, u(600), end, Address::ZERO),
        )
        .await?;
    // Alan's study app pays with a session key of its own: his channel names
    // it, so the key can spend the channel and nothing else (AAT spec v3).
    let app_key = PrivateKeySigner::from_bytes(&alloy::primitives::keccak256(
        "Alan's study app session key",
    ))
    .map_err(|e| service("Alan's study app's session key")(e.to_string()))?;
    ctx.story
        .tx(
            "Alan",
            "locks 600 CS101 credits in a channel his study app's key signs for",
            ctx.cast
                .alan
                .rails
                .open_channel(provider, course, u(600), end, app_key.address()),
        )
        .await?;
    let ada = VoucherPayer {
        name: "Ada",
        holder: ctx.cast.ada.address(),
        id: course,
        locked: u(600),
        payer: voucher_payer(ctx, ctx.cast.ada.key.clone(), course),
    };
    let alan = VoucherPayer {
        name: "Alan",
        holder: ctx.cast.alan.address(),
        id: course,
        locked: u(600),
        payer: voucher_payer(ctx, app_key, course).for_holder(ctx.cast.alan.address()),
    };
    let counter = Counter::new(ctx, services);
    let questions = [
        "What is a hash function?",
        "Explain Big-O notation.",
        "Why is binary search logarithmic?",
        "What does a compiler do?",
    ];
    for payer in [&ada, &alan] {
        for (i, question) in questions.iter().enumerate() {
            ask(
                &mut ctx.story,
                &counter,
                &services.model,
                payer,
                question,
                i % 2 == 1,
            )
            .await?;
        }
    }
    ctx.voucher_payers.extend([ada, alan]);
    Ok(())
}
