//! Administer: the operator prices the models, sets AAT's usage fee and the
//! exchange's, and names the fiat-path minters.

use aat_client::{AATExchange, TokenAI, AAT};

use crate::{
    error::DemoError,
    story::{tai, u, Context, FEE_BPS},
};

/// The exchange's fee on the TokenAI leg of a trade, in basis points.
pub const EXCHANGE_FEE_BPS: u16 = 50;

/// # Errors
///
/// A transaction fails.
pub async fn play(ctx: &mut Context) -> Result<(), DemoError> {
    let rails = ctx.rails().clone();
    let (gpt, llama) = (ctx.credits.course.model, ctx.credits.llama.model);
    let (university, operator) = (ctx.cast.university.address(), ctx.cast.operator.address());
    let exchange = ctx.exchange_as(&rails);
    let story = &mut ctx.story;
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
            "sets a 0.5% exchange fee on the TokenAI leg of trades",
            exchange.send(AATExchange::setFeeBpsCall {
                feeBps: EXCHANGE_FEE_BPS,
            }),
        )
        .await?;
    story
        .tx(
            "Operator",
            "lets the University mint credits it was paid for in fiat",
            rails.send_aat(AAT::setMinterCall {
                minter: university,
                enabled: true,
            }),
        )
        .await?;
    story
        .tx(
            "Operator",
            "lets itself mint credits (fiat sales)",
            rails.send_aat(AAT::setMinterCall {
                minter: operator,
                enabled: true,
            }),
        )
        .await?;
    story
        .tx(
            "Operator",
            "lets itself mint TokenAI (the backed token's issuer)",
            rails.send_token(TokenAI::setMinterCall {
                minter: operator,
                enabled: true,
            }),
        )
        .await?;
    Ok(())
}
