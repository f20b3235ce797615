//! Settle: every holder who paid by voucher hands in one for all it owes,
//! and the provider settles them, one `settleBatch` per model and scope
//! (CS101's GPT credits, the LLAMA credits): the units come out of the
//! channels, with AAT's fee.

use crate::{
    error::{service, DemoError, Step},
    show::waiting,
    story::{fee, Context, Services, Tx},
};

/// # Errors
///
/// A closing voucher cannot be sent, the settlement fails, or a read fails.
pub async fn play(ctx: &mut Context, services: &Services) -> Result<(), DemoError> {
    let url = format!("{}/aat/vouchers", services.gateway.url());
    for payer in &ctx.voucher_payers {
        let closed = payer
            .payer
            .close_out(&url)
            .await
            .step(format!("{}'s closing voucher", payer.name))?;
        ctx.story.expect(
            closed.status == 200,
            format!("{}'s closing voucher is taken", payer.name),
        );
        ctx.story
            .line(
                payer.name,
                &format!(
                    "signs a closing voucher for the {} units owed",
                    payer.payer.owed().unwrap_or_default()
                ),
                Tx::Note("voucher"),
            )
            .await?;
    }
    let report = waiting("the Provider settles", services.gateway.settle_now())
        .await
        .map_err(service("the provider's settlement"))?;
    let mut batches: Vec<_> = ctx.voucher_payers.iter().map(|p| p.id).collect();
    batches.sort_unstable();
    batches.dedup();
    ctx.story.expect(
        report.transactions == batches.len() && report.vouchers_settled == ctx.voucher_payers.len(),
        format!("one settleBatch per model and scope settles every voucher ({report:?})"),
    );
    let provider = ctx.cast.provider.address();
    for payer in &ctx.voucher_payers {
        let owed = payer.payer.owed().unwrap_or_default();
        let rails = &ctx.cast.operator.rails;
        let settled = rails
            .settled(payer.holder, provider, payer.id)
            .await
            .step("reading what was settled")?;
        let locked = rails
            .channel(payer.holder, provider, payer.id)
            .await
            .step("reading a channel")?
            .locked;
        ctx.story.expect(
            settled == owed,
            format!(
                "{}'s settled amount is what it owed ({settled} vs {owed})",
                payer.name
            ),
        );
        ctx.story.expect(
            locked == payer.locked - owed - fee(owed),
            format!("{}'s units came from its channel, with the fee", payer.name),
        );
    }
    ctx.story
        .line(
            "Provider",
            &format!(
                "settles {} vouchers ({} units): {} settleBatch, one per model",
                report.vouchers_settled, report.units, report.transactions
            ),
            Tx::Batch(
                report.hashes.first().copied().unwrap_or_default(),
                report.gas,
            ),
        )
        .await
}
