//! Course: the university issues scoped, expiring, reclaimable course
//! credits to its students, and they cannot be passed on.

use aat_client::{error::is, AAT};

use crate::{
    error::DemoError,
    story::{u, Context, Tx},
};

/// # Errors
///
/// A transaction fails.
pub async fn play(ctx: &mut Context) -> Result<(), DemoError> {
    let course = ctx.credits.course;
    let cast = &ctx.cast;
    for student in [&cast.ada, &cast.alan, &cast.grace] {
        ctx.story
            .tx(
                "University",
                &format!(
                    "mints 1,000 CS101 credits to {} (90 days, reclaimable)",
                    student.name
                ),
                cast.university
                    .rails
                    .send_aat(course.mint_call(student.address(), u(1_000))),
            )
            .await?;
    }
    let refused = cast
        .ada
        .rails
        .send_aat(AAT::safeTransferFromCall {
            from: cast.ada.address(),
            to: cast.alan.address(),
            id: course.id(),
            value: u(10),
            data: alloy::primitives::Bytes::new(),
        })
        .await;
    let spec = refused.as_ref().err().and_then(|e| e.spec());
    let reason = spec.map(ToString::to_string).unwrap_or_default();
    ctx.story.expect(
        spec.is_some_and(is::<AAT::TokenNotTradable>),
        format!("course credits cannot be passed on (got {reason})"),
    );
    ctx.story
        .line(
            "Ada",
            &format!(
                "tries to give Alan 10 credits: {}",
                reason.split(' ').next().unwrap_or("?")
            ),
            Tx::Note("refused"),
        )
        .await
}
