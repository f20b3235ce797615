//! Fills that succeed: an ask, a bid and an AAT-for-AAT swap, whole and in
//! parts, alone and in batches; what each party and the treasury receive,
//! the rounding, and the events.

use aat::IAAT::Swapped;
use alloy_primitives::{Address, U256};
use motsu::prelude::*;
use token_ai::ITokenAI::Transfer;

use super::*;
use crate::IAATExchange::OrderFilled;

#[motsu::test]
fn an_ask_sells_aat_for_token_ai_less_the_fee(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    exchange: Contract<AATExchange>,
    owner: Address,
    treasury: Address,
    maker: Account,
    taker: Address,
) {
    let m = Market::deploy(&token, &aat, &exchange, owner, treasury);
    m.fund(maker.address());
    m.fund(taker);
    // 300 GPT units for 90,000 TokenAI: 300 a unit.
    let ask = order(maker.address(), m.gpt, 300, U256::ZERO, 90_000);
    let signature = m.sign(&maker, &ask);
    let paid = m.fill(taker, &ask, &signature, 100).motsu_unwrap();
    assert_eq!(paid, u(30_000));
    let fee = fee_of(u(30_000), FEE_BPS);
    assert_eq!(fee, u(150));
    assert_eq!(
        m.aat_of(taker, m.gpt),
        u(FUNDS + 100),
        "no AAT fee on a transfer"
    );
    assert_eq!(m.aat_of(maker.address(), m.gpt), u(FUNDS - 100));
    assert_eq!(m.tai_of(taker), u(FUNDS - 30_000));
    assert_eq!(m.tai_of(maker.address()), u(FUNDS + 30_000) - fee);
    assert_eq!(m.tai_of(treasury), fee);
    let hash = m.hash(&ask);
    assert_eq!(exchange.sender(taker).filled(hash), u(100));
    assert_eq!(exchange.sender(taker).remaining(&ask), u(200));
    exchange.assert_emitted(&OrderFilled {
        orderHash: hash,
        maker: maker.address(),
        taker,
        giveId: m.gpt,
        giveFilled: u(100),
        wantId: U256::ZERO,
        wantPaid: u(30_000),
        fee,
    });
    token.assert_emitted(&Transfer {
        from: taker,
        to: treasury,
        value: fee,
    });

    // The rest, in two more fills; then nothing remains.
    m.fill(taker, &ask, &signature, 150).motsu_unwrap();
    m.fill(taker, &ask, &signature, 50).motsu_unwrap();
    assert_eq!(exchange.sender(taker).filled(hash), u(300));
    assert_eq!(exchange.sender(taker).remaining(&ask), U256::ZERO);
    assert_eq!(m.tai_of(taker), u(FUNDS - 90_000));
}

#[motsu::test]
fn a_bid_buys_aat_with_token_ai_and_the_seller_pays_the_fee(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    exchange: Contract<AATExchange>,
    owner: Address,
    treasury: Address,
    maker: Account,
    taker: Address,
) {
    let m = Market::deploy(&token, &aat, &exchange, owner, treasury);
    m.fund(maker.address());
    m.fund(taker);
    // 7,000 TokenAI for 30 scoped units: 233.3 a unit.
    let bid = order(maker.address(), U256::ZERO, 7_000, m.gpt_scoped, 30);
    let signature = m.sign(&maker, &bid);
    // 1,000 TokenAI of it: the taker sells ceil(1000 * 30 / 7000) = 5 units.
    let paid = m.fill(taker, &bid, &signature, 1_000).motsu_unwrap();
    assert_eq!(
        paid,
        u(5),
        "4.29 rounds up: the maker gets at least its price"
    );
    let fee = fee_of(u(1_000), FEE_BPS);
    assert_eq!(fee, u(5));
    assert_eq!(m.aat_of(maker.address(), m.gpt_scoped), u(FUNDS + 5));
    assert_eq!(m.aat_of(taker, m.gpt_scoped), u(FUNDS - 5));
    assert_eq!(m.tai_of(maker.address()), u(FUNDS - 1_000));
    assert_eq!(m.tai_of(taker), u(FUNDS + 1_000) - fee);
    assert_eq!(m.tai_of(treasury), fee);
    exchange.assert_emitted(&OrderFilled {
        orderHash: m.hash(&bid),
        maker: maker.address(),
        taker,
        giveId: U256::ZERO,
        giveFilled: u(1_000),
        wantId: m.gpt_scoped,
        wantPaid: u(5),
        fee,
    });
}

#[motsu::test]
fn an_aat_for_aat_order_fills_through_aat_swap(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    exchange: Contract<AATExchange>,
    owner: Address,
    treasury: Address,
    maker: Account,
    taker: Address,
) {
    let m = Market::deploy(&token, &aat, &exchange, owner, treasury);
    m.fund(maker.address());
    m.fund(taker);
    let swap = order(maker.address(), m.gpt, 1_000, m.gpt_scoped, 500);
    let signature = m.sign(&maker, &swap);
    let paid = m.fill(taker, &swap, &signature, 400).motsu_unwrap();
    assert_eq!(paid, u(200));
    // Each leg pays AAT's fee in kind; the exchange takes nothing.
    let (fee_give, fee_want) = (fee_of(u(400), AAT_FEE_BPS), fee_of(u(200), AAT_FEE_BPS));
    assert_eq!(m.aat_of(maker.address(), m.gpt), u(FUNDS - 400));
    assert_eq!(m.aat_of(taker, m.gpt), u(FUNDS + 400) - fee_give);
    assert_eq!(m.aat_of(taker, m.gpt_scoped), u(FUNDS - 200));
    assert_eq!(
        m.aat_of(maker.address(), m.gpt_scoped),
        u(FUNDS + 200) - fee_want
    );
    assert_eq!(m.tai_of(treasury), (fee_give + fee_want) * PRICE);
    aat.assert_emitted(&Swapped {
        partyA: maker.address(),
        partyB: taker,
        idA: m.gpt,
        amountA: u(400),
        idB: m.gpt_scoped,
        amountB: u(200),
    });
    exchange.assert_emitted(&OrderFilled {
        orderHash: m.hash(&swap),
        maker: maker.address(),
        taker,
        giveId: m.gpt,
        giveFilled: u(400),
        wantId: m.gpt_scoped,
        wantPaid: u(200),
        fee: U256::ZERO,
    });
}

#[motsu::test]
fn a_named_taker_fills_and_a_zero_fee_takes_nothing(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    exchange: Contract<AATExchange>,
    owner: Address,
    treasury: Address,
    maker: Account,
    taker: Address,
) {
    let m = Market::deploy(&token, &aat, &exchange, owner, treasury);
    m.fund(maker.address());
    m.fund(taker);
    exchange.sender(owner).set_fee_bps(0).motsu_unwrap();
    let ask = Order {
        taker,
        ..order(maker.address(), m.gpt, 10, U256::ZERO, 1_000)
    };
    let signature = m.sign(&maker, &ask);
    m.fill(taker, &ask, &signature, 10).motsu_unwrap();
    assert_eq!(m.tai_of(maker.address()), u(FUNDS + 1_000));
    assert_eq!(m.tai_of(treasury), U256::ZERO);
    assert!(!token.emitted(&Transfer {
        from: taker,
        to: treasury,
        value: U256::ZERO,
    }));
}

/// A pool sells its non-tradable credits to their holders: the move is
/// from the origin pool, which AAT's policy allows.
#[motsu::test]
fn an_origin_pool_sells_its_non_tradable_credits(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    exchange: Contract<AATExchange>,
    owner: Address,
    treasury: Address,
    student: Address,
) {
    let m = Market::deploy(&token, &aat, &exchange, owner, treasury);
    let pool = Account::from_seed("pool");
    let kind = |pool| {
        aat.sender(owner)
            .mint(
                pool,
                pool,
                b16("GPT-4-turbo"),
                b16("CS101"),
                0,
                true,
                false,
                u(100),
            )
            .motsu_unwrap()
    };
    let course = kind(pool.address());
    m.approve(pool.address());
    m.fund(student);
    let ask = order(pool.address(), course, 100, U256::ZERO, 500);
    let signature = m.sign(&pool, &ask);
    m.fill(student, &ask, &signature, 20).motsu_unwrap();
    assert_eq!(m.aat_of(student, course), u(20));
    assert_eq!(m.tai_of(pool.address()), u(100) - fee_of(u(100), FEE_BPS));
}

#[motsu::test]
fn a_batch_fills_every_order_and_returns_each_payment(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    exchange: Contract<AATExchange>,
    owner: Address,
    treasury: Address,
    maker: Account,
    other: Account,
    taker: Address,
) {
    let m = Market::deploy(&token, &aat, &exchange, owner, treasury);
    for trader in [maker.address(), other.address(), taker] {
        m.fund(trader);
    }
    let ask = order(maker.address(), m.gpt, 100, U256::ZERO, 1_000);
    let bid = order(other.address(), U256::ZERO, 600, m.gpt, 60);
    let swap = order(other.address(), m.gpt_scoped, 50, m.gpt, 25);
    let signatures = [
        m.sign(&maker, &ask),
        m.sign(&other, &bid),
        m.sign(&other, &swap),
    ];
    let signatures: Vec<&[u8]> = signatures.iter().map(Vec::as_slice).collect();
    let paid = exchange
        .sender(taker)
        .fill_batch(&[ask, bid, swap], &signatures, &[u(10), u(600), u(50)])
        .motsu_unwrap();
    assert_eq!(paid, vec![u(100), u(60), u(25)]);
    for (o, filled) in [(ask, 10), (bid, 600), (swap, 50)] {
        assert_eq!(exchange.sender(taker).filled(m.hash(&o)), u(filled));
    }
    let empty = exchange
        .sender(taker)
        .fill_batch(&[], &[], &[])
        .motsu_unwrap();
    assert!(empty.is_empty());
}

/// The same order twice in a batch: the second fill sees the first's.
#[motsu::test]
fn a_batch_counts_what_its_earlier_fills_took(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    exchange: Contract<AATExchange>,
    owner: Address,
    treasury: Address,
    maker: Account,
    taker: Address,
) {
    let m = Market::deploy(&token, &aat, &exchange, owner, treasury);
    m.fund(maker.address());
    m.fund(taker);
    let ask = order(maker.address(), m.gpt, 100, U256::ZERO, 1_000);
    let signature = m.sign(&maker, &ask);
    let hash = m.hash(&ask);
    let err = exchange
        .sender(taker)
        .fill_batch(&[ask, ask], &[&signature, &signature], &[u(60), u(60)])
        .motsu_unwrap_err();
    assert_eq!(
        err,
        IAATExchange::FillExceedsRemaining {
            orderHash: hash,
            giveFill: u(60),
            remaining: u(40),
        }
        .into()
    );
    assert_eq!(
        exchange.sender(taker).filled(hash),
        U256::ZERO,
        "all or nothing"
    );
    assert_eq!(m.aat_of(taker, m.gpt), u(FUNDS));
    exchange
        .sender(taker)
        .fill_batch(&[ask, ask], &[&signature, &signature], &[u(60), u(40)])
        .motsu_unwrap();
    assert_eq!(exchange.sender(taker).filled(hash), u(100));
}
