//! Market: strangers trade credits without trusting each other. Grace signs
//! an order selling GIFT credits for LLAMA credits and the relay lists it;
//! Agent Alice takes the relay's quote and fills it on-chain. Then an agent
//! that holds only TokenAI buys LLAMA credits from the operator desk's ask
//! and spends them at the provider's gateway by voucher: an agent buys the
//! model it needs and pays per request.

use aat_client::{
    orders::{sign_order, Order, TOKEN_AI},
    Relay, TokenAI, AAT,
};
use alloy::primitives::{Address, U256};

use crate::{
    acts::{
        administer::EXCHANGE_FEE_BPS,
        chat::{ask, channel_end, voucher_payer, Counter},
    },
    cast::Party,
    error::{DemoError, Step},
    show::{self, waiting, Asset},
    story::{fee, tai, u, Context, Services, Tx, VoucherPayer, LLAMA_MODEL},
};

/// How long a posted order stands.
const ORDER_DAYS: u64 = 7;

/// `party` lets the exchange contract move its AAT when an order it signed
/// or takes fills (an approval of a contract with public rules, not of a
/// person).
async fn approve_exchange(ctx: &mut Context, party: &Party) -> Result<(), DemoError> {
    ctx.story
        .tx(
            party.name,
            "lets the exchange contract move its AAT in fills it signs for",
            party.rails.send_aat(AAT::setApprovalForAllCall {
                operator: ctx.suite.exchange,
                approved: true,
            }),
        )
        .await?;
    Ok(())
}

/// `maker` signs `order` and posts it to the relay, which checks it against
/// the chain before it lists it.
async fn post(
    ctx: &mut Context,
    relay: &Relay,
    maker: &Party,
    order: Order,
    action: &str,
) -> Result<(), DemoError> {
    let give_amount = order.giveAmount;
    let signed = sign_order(&maker.key, &ctx.suite.exchange_domain, order)
        .await
        .step(format!("{} signs an order", maker.name))?;
    let held = waiting("posting the order", relay.post(&signed))
        .await
        .step(format!("posting {}'s order", maker.name))?;
    ctx.story.expect(
        held.fillable.0 == give_amount,
        format!(
            "the relay lists {}'s order whole (fillable {})",
            maker.name, held.fillable
        ),
    );
    ctx.story.line(maker.name, action, Tx::Note("signed")).await
}

/// `taker` asks the relay for the best way to buy `amount` of `give`
/// paying in `want`, and fills it in one `fillBatch`.
async fn take(
    ctx: &mut Context,
    relay: &Relay,
    taker: &Party,
    (give, want, amount): (U256, U256, U256),
    action: impl FnOnce(U256) -> String,
) -> Result<U256, DemoError> {
    let quote = relay
        .quote(give, want, amount, Some(taker.address()))
        .await
        .step(format!("{} asks the relay for a quote", taker.name))?;
    let fills = waiting(
        "filling",
        ctx.exchange_as(&taker.rails).fill_batch(&quote.fills()),
    )
    .await
    .step(format!("{} fills the quote", taker.name))?;
    let paid: U256 = fills.filled.iter().map(|f| f.wantPaid).sum();
    ctx.story.expect(
        paid == quote.want_total.0,
        format!(
            "{} paid what the relay quoted ({paid} vs {})",
            taker.name, quote.want_total
        ),
    );
    ctx.story
        .line(taker.name, &action(paid), Tx::Receipt(&fills.receipt))
        .await?;
    Ok(paid)
}

/// The desk's ask: how many LLAMA units it sells, for how much TokenAI.
#[derive(Clone, Copy)]
struct Ask {
    units: U256,
    price: U256,
}

/// # Errors
///
/// A transaction, a signature or a request fails.
pub async fn play(ctx: &mut Context, services: &Services) -> Result<(), DemoError> {
    let relay = Relay::new(services.market.url());
    let expiry = ctx.now().await? + ORDER_DAYS * 86_400;
    holders_swap(ctx, &relay, expiry).await?;
    let ask = desk_sells(ctx, &relay, expiry).await?;
    agent_buys_and_spends(ctx, services, &relay, ask).await
}

/// Two holders trade credits for credits, strangers to each other: Grace
/// posts GIFT for LLAMA, Agent Alice takes the relay's quote.
async fn holders_swap(ctx: &mut Context, relay: &Relay, expiry: u64) -> Result<(), DemoError> {
    let rails = ctx.rails().clone();
    let (gift, llama) = (ctx.credits.gift.id(), ctx.credits.llama.id());
    // Owned handles, so that steps can borrow the context mutably.
    let (grace, alice) = (ctx.cast.grace.clone(), ctx.cast.alice.clone());
    approve_exchange(ctx, &grace).await?;
    post(
        ctx,
        relay,
        &grace,
        Order {
            maker: grace.address(),
            taker: Address::ZERO,
            giveId: gift,
            giveAmount: u(100),
            wantId: llama,
            wantAmount: u(100),
            expiry,
            nonce: 0,
        },
        "signs an order, 100 GIFT for 100 LLAMA; the relay checks and lists it",
    )
    .await?;
    approve_exchange(ctx, &alice).await?;
    take(ctx, relay, &alice, (gift, llama, u(100)), |paid| {
        format!("takes the relay's quote: 100 GIFT for {paid} LLAMA, 1% fee a leg")
    })
    .await?;
    let read = |who: Address, id: U256| rails.balance(who, id);
    let (alice_gift, grace_llama) = (
        read(alice.address(), gift).await.step("reading balances")?,
        read(grace.address(), llama)
            .await
            .step("reading balances")?,
    );
    ctx.story.expect(
        alice_gift == u(100) - fee(u(100)) && grace_llama == u(100) - fee(u(100)),
        format!("each side receives 100 less AAT's fee (Alice {alice_gift} GIFT, Grace {grace_llama} LLAMA)"),
    );
    Ok(())
}

/// The operator's desk sells LLAMA credits for TokenAI: it mints them and
/// posts an ask.
async fn desk_sells(ctx: &mut Context, relay: &Relay, expiry: u64) -> Result<Ask, DemoError> {
    let llama = ctx.credits.llama.id();
    let operator = ctx.cast.operator.clone();
    let desk_units = u(2_000);
    let desk_price = tai(8) / u(10); // 0.0004 TAI a unit
    ctx.story
        .tx(
            "Operator",
            "mints 2,000 LLAMA credits to its market desk (fiat-backed)",
            operator
                .rails
                .send_aat(ctx.credits.llama.mint_call(operator.address(), desk_units)),
        )
        .await?;
    approve_exchange(ctx, &operator).await?;
    post(
        ctx,
        relay,
        &operator,
        Order {
            maker: operator.address(),
            taker: Address::ZERO,
            giveId: llama,
            giveAmount: desk_units,
            wantId: TOKEN_AI,
            wantAmount: desk_price,
            expiry,
            nonce: 0,
        },
        "asks 0.8 TAI for 2,000 LLAMA (0.0004 a unit, under a mint's 0.0005)",
    )
    .await?;
    Ok(Ask {
        units: desk_units,
        price: desk_price,
    })
}

/// An agent holding only TokenAI buys the credits of the model it needs at
/// the desk's ask, then spends them where the model is served.
async fn agent_buys_and_spends(
    ctx: &mut Context,
    services: &Services,
    relay: &Relay,
    desk: Ask,
) -> Result<(), DemoError> {
    let rails = ctx.rails().clone();
    let llama = ctx.credits.llama.id();
    let carol = ctx.cast.carol.clone();
    let (desk_units, desk_price) = (desk.units, desk.price);
    let read = |who: Address, id: U256| rails.balance(who, id);
    let bought = u(1_000);
    let budget = tai(5) / u(10);
    ctx.story
        .tx(
            "Operator",
            "sells Agent Carol 1 TAI (fiat on-ramp)",
            rails.send_token(TokenAI::mintCall {
                to: carol.address(),
                value: tai(1),
            }),
        )
        .await?;
    ctx.story
        .tx(
            "Agent Carol",
            "lets the exchange spend up to 0.5 TAI of hers",
            carol.rails.send_token(TokenAI::approveCall {
                spender: ctx.suite.exchange,
                value: budget,
            }),
        )
        .await?;
    let treasury_before = rails
        .token_balance(ctx.suite.treasury)
        .await
        .step("reading the treasury")?;
    let paid = take(ctx, relay, &carol, (llama, TOKEN_AI, bought), |paid| {
        format!(
            "buys 1,000 LLAMA for {} TAI at the desk's ask (0.5% fee)",
            show::amount(paid, &Asset::TokenAI)
        )
    })
    .await?;
    let exchange_fee = (paid * u(u64::from(EXCHANGE_FEE_BPS))).div_ceil(u(10_000));
    let treasury_after = rails
        .token_balance(ctx.suite.treasury)
        .await
        .step("reading the treasury")?;
    let carol_llama = read(carol.address(), llama)
        .await
        .step("reading Agent Carol's LLAMA")?;
    ctx.story.expect(
        paid == bought * desk_price / desk_units
            && carol_llama == bought
            && treasury_after - treasury_before == exchange_fee,
        format!("Agent Carol paid 0.4 TAI for 1,000 LLAMA, 0.5% of it to the treasury (paid {paid}, holds {carol_llama})"),
    );

    // ...and spends them where the model is served.
    let provider = ctx.cast.provider.address();
    let end = channel_end(ctx).await?;
    ctx.story
        .tx(
            "Agent Carol",
            "locks the 1,000 LLAMA credits in a channel with the Provider",
            carol
                .rails
                .open_channel(provider, llama, bought, end, Address::ZERO),
        )
        .await?;
    let payer = VoucherPayer {
        name: "Agent Carol",
        holder: carol.address(),
        id: llama,
        locked: bought,
        payer: voucher_payer(ctx, carol.key.clone(), llama),
    };
    let counter = Counter::new(ctx, services);
    for question in [
        "Classify these 20 support tickets by urgency.",
        "Draft replies to the three most urgent.",
    ] {
        ask(
            &mut ctx.story,
            &counter,
            LLAMA_MODEL,
            &payer,
            question,
            false,
        )
        .await?;
    }
    ctx.voucher_payers.push(payer);
    Ok(())
}
