//! Agents: an agent pays another agent's endpoint per request in TokenAI
//! (x402 `exact`, an EIP-3009 authorization each time), settled on-chain
//! before each answer.

use aat_client::x402::{Method, Payer};
use alloy::{primitives::B256, providers::Provider};

use crate::{
    error::{DemoError, Step},
    show::waiting,
    story::{tai, u, Context, Services, Tx},
};

/// # Errors
///
/// A request fails to be sent or read.
pub async fn play(ctx: &mut Context, services: &Services) -> Result<(), DemoError> {
    let url = format!("{}/v1/chat/completions", services.agent_endpoint.url());
    let alice = &ctx.cast.alice;
    let pays = Payer::new(
        alice.key.clone(),
        Method::Exact,
        ctx.suite.token_domain.clone(),
    );
    for i in 0..3 {
        let body = serde_json::json!({"model": services.model, "messages": [{"role": "user", "content": format!("Summarize dataset shard {i}")}], "max_tokens": 32});
        let paid = waiting("paying per request", pays.post(&url, &body))
            .await
            .step("Agent Alice pays Agent Bob")?;
        let settled = paid
            .settlement
            .as_ref()
            .filter(|s| s.success)
            .and_then(|s| s.transaction.parse::<B256>().ok());
        ctx.story.expect(
            paid.status == 200 && settled.is_some(),
            format!("Agent Alice's request {i} to Agent Bob is served, paid on-chain"),
        );
        let hash = settled.unwrap_or_default();
        let gas = ctx
            .rails()
            .provider
            .get_transaction_receipt(hash)
            .await
            .ok()
            .flatten()
            .map_or(0, |r| r.gas_used);
        ctx.story
            .line(
                "Agent Alice",
                &format!("pays Agent Bob's endpoint 0.001 TAI for shard {i} (EIP-3009)"),
                Tx::Batch(hash, gas),
            )
            .await?;
    }
    let bob_got = ctx
        .rails()
        .token_balance(ctx.cast.bob.address())
        .await
        .step("reading Agent Bob's balance")?;
    ctx.story.expect(
        bob_got == tai(3) / u(1000),
        format!("Agent Bob received 0.003 TAI (got {bob_got})"),
    );
    Ok(())
}
