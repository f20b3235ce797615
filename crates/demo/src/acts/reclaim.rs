//! Reclaim: the course ends, the students' expired channels are closed, and
//! the university takes back every credit that was not used; the fees'
//! value has reached the treasury.

use aat_client::AAT;
use alloy::{primitives::U256, providers::Provider};

use crate::{
    error::{service, DemoError, Step},
    story::{fee, u, Context, Tx},
};

/// # Errors
///
/// A transaction, a dev control or a read fails.
pub async fn play(ctx: &mut Context) -> Result<(), DemoError> {
    let rails = ctx.rails().clone();
    let course = ctx.credits.course;
    let end = course.expiration + 86_400 - ctx.now().await?;
    rails
        .provider
        .raw_request::<_, serde_json::Value>("evm_increaseTime".into(), (end,))
        .await
        .map_err(|e| service("evm_increaseTime")(e.to_string()))?;
    rails
        .provider
        .raw_request::<_, serde_json::Value>("evm_mine".into(), ())
        .await
        .map_err(|e| service("evm_mine")(e.to_string()))?;
    ctx.story
        .line(
            "Time",
            "moves 91 days on: the course is over, the credits expired",
            Tx::Note("evm_mine"),
        )
        .await?;
    let provider = ctx.cast.provider.address();
    let cast = &ctx.cast;
    for (student, pronoun) in [(&cast.ada, "her"), (&cast.alan, "him")] {
        ctx.story
            .tx(
                "Operator",
                &format!(
                    "closes {}'s expired channel: what is left returns to {pronoun}",
                    student.name
                ),
                rails.send_aat(AAT::closeChannelCall {
                    holder: student.address(),
                    provider,
                    id: course.id(),
                }),
            )
            .await?;
    }
    for student in [&cast.ada, &cast.alan, &cast.grace] {
        ctx.story
            .tx(
                "University",
                &format!("reclaims {}'s unused CS101 credits", student.name),
                cast.university.rails.send_aat(AAT::reclaimCall {
                    holder: student.address(),
                    id: course.id(),
                    amount: U256::MAX,
                }),
            )
            .await?;
    }
    for student in [&cast.ada, &cast.alan, &cast.grace] {
        let left = rails
            .balance(student.address(), course.id())
            .await
            .step("reading a student's credits")?;
        ctx.story.expect(
            left.is_zero(),
            format!("{} holds no course credits after the reclaim", student.name),
        );
    }
    let pool = rails
        .balance(cast.university.address(), course.id())
        .await
        .step("reading the pool")?;
    let used: U256 = ctx
        .voucher_payers
        .iter()
        .filter(|p| p.id == course.id())
        .map(|p| {
            let owed = p.payer.owed().unwrap_or_default();
            owed + fee(owed)
        })
        .sum();
    ctx.story.expect(
        pool == u(3_000) - used,
        format!("the pool holds the 3,000 issued less the {used} used (holds {pool})"),
    );
    let supply = rails
        .read_aat(AAT::totalSupplyCall { id: course.id() })
        .await
        .step("reading the course's supply")?;
    ctx.story.expect(
        supply == pool,
        "every remaining course credit is back in the pool",
    );
    let treasury = rails
        .token_balance(ctx.suite.treasury)
        .await
        .step("reading the treasury")?;
    ctx.story
        .expect(!treasury.is_zero(), "the fees' value reached the treasury");
    Ok(())
}
