//! Donor: TokenAI is sold for fiat; a donor buys tradable credits for a
//! student with it, through a signed permit a relayer submits.

use aat_client::{bindings::Permit, TokenAI};
use alloy::{primitives::U256, signers::SignerSync, sol_types::SolStruct};

use crate::{
    error::{DemoError, Step},
    show::{self, Asset},
    story::{tai, u, Context},
};

/// # Errors
///
/// A transaction, a read or the signature fails.
pub async fn play(ctx: &mut Context) -> Result<(), DemoError> {
    let rails = ctx.rails().clone();
    let (donor, grace) = (&ctx.cast.donor, &ctx.cast.grace);
    ctx.story
        .tx(
            "Operator",
            "sells the Donor 5 TAI (fiat on-ramp)",
            rails.send_token(TokenAI::mintCall {
                to: donor.address(),
                value: tai(5),
            }),
        )
        .await?;
    let cost = rails
        .read_aat(aat_client::AAT::quoteTokenAICall {
            model: ctx.credits.gift.model,
            amount: u(2_000),
        })
        .await
        .step("quoting 2,000 GIFT credits")?;
    let deadline = U256::from(ctx.now().await? + 3_600);
    let nonce = rails
        .read_token(TokenAI::noncesCall {
            owner: donor.address(),
        })
        .await
        .step("reading the Donor's permit nonce")?;
    let permit = Permit {
        owner: donor.address(),
        spender: ctx.suite.aat,
        value: cost,
        nonce,
        deadline,
    };
    let signature = donor
        .key
        .sign_hash_sync(&permit.eip712_signing_hash(&ctx.suite.token_domain))
        .map_err(aat_client::ClientError::from)
        .step("the Donor signs a permit")?;
    ctx.story
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
    ctx.story
        .tx(
            "Donor",
            "buys 2,000 tradable GIFT credits with TAI, for Grace",
            donor.rails.send_aat(
                ctx.credits
                    .gift
                    .mint_with_token_ai_call(grace.address(), u(2_000)),
            ),
        )
        .await?;
    ctx.story
        .tx(
            "Operator",
            "sells Agent Alice 1 TAI",
            rails.send_token(TokenAI::mintCall {
                to: ctx.cast.alice.address(),
                value: tai(1),
            }),
        )
        .await?;
    ctx.story
        .tx(
            "Operator",
            "sells Agent Alice 500 tradable LLAMA credits",
            rails.send_aat(
                ctx.credits
                    .llama
                    .mint_call(ctx.cast.alice.address(), u(500)),
            ),
        )
        .await?;
    Ok(())
}
