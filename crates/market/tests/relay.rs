//! The relay against the shipped contracts on an in-process devnode: what
//! it keeps would fill, what it refuses it says why and keeps nothing, its
//! book is best price first, its quotes fill as quoted, and it follows
//! fills and cancels made on-chain.
#![allow(clippy::too_many_lines)] // each test tells one flow end to end, in order

mod common;

use aat_client::orders::{SignedOrder, TOKEN_AI};
use alloy::{primitives::U256, providers::Provider};
use common::{magic_word, order, World};
use serde_json::{json, Value};

fn hash_of(answer: &Value) -> String {
    answer["hash"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_valid_order_is_kept_read_back_and_survives_a_restart() {
    let mut world = World::new().await;
    let maker = world.trader(1);
    let id = world.credits("kept", maker.address(), 30).await;
    world.approve(&maker, 0).await;
    let ask = world
        .order(&maker, order(maker.address(), (id, 30), (TOKEN_AI, 90)))
        .await;

    let (status, kept) = world.post(&ask).await;
    assert_eq!(status, 201, "{kept}");
    let on_chain = world
        .exchange_of(&maker)
        .hash_order(&ask.order)
        .await
        .unwrap();
    assert_eq!(hash_of(&kept), format!("{on_chain}"));
    assert_eq!(kept["remaining"], "30");
    assert_eq!(kept["fillable"], "30");
    assert_eq!(kept["order"]["giveId"], id.to_string());

    let (status, read) = world.get(&format!("/orders/{on_chain}")).await;
    assert_eq!((status, &read), (200, &kept));
    let (status, again) = world.post(&ask).await;
    assert_eq!((status, &again), (200, &kept), "posting twice keeps one");

    world.restart_market().await;
    let (status, book) = world.get(&format!("/orders?give={id:#x}&want=0")).await;
    assert_eq!(status, 200, "{book}");
    assert_eq!(book["orders"], json!([kept]));
    let (status, health) = world.get("/healthz").await;
    assert_eq!((status, &health["held"]), (200, &json!(1)));
    let metrics = world
        .http
        .get(format!("{}/metrics", world.market.url()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("aat_market_orders_held 1"),
        "the restarted relay counts what it holds:\n{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn each_refusal_answers_its_own_4xx_and_keeps_nothing() {
    let world = World::new().await;
    let (maker, stranger) = (world.trader(1), world.trader(2));
    let id = world.credits("refused", maker.address(), 30).await;
    world.approve(&maker, 0).await;
    let base = order(maker.address(), (id, 30), (TOKEN_AI, 90));
    let expect = |answer: (u16, Value), label: &str| {
        assert_eq!(answer.0, 422, "{label}: {}", answer.1);
        assert_eq!(answer.1["error"], label, "{}", answer.1);
        assert!(answer.1["message"].as_str().unwrap().len() > 10);
    };

    let good = world.order(&maker, base.clone()).await;
    let forged = SignedOrder {
        signature: world
            .order(
                &stranger,
                order(stranger.address(), (id, 30), (TOKEN_AI, 90)),
            )
            .await
            .signature,
        ..good.clone()
    };
    expect(world.post(&forged).await, "bad_signature");
    let mut high_v = good.clone();
    let mut bytes = high_v.signature.to_vec();
    bytes[64] -= 27;
    high_v.signature = bytes.into();
    expect(world.post(&high_v).await, "bad_signature");

    let now = world.now().await;
    let expired = world
        .order(
            &maker,
            aat_client::Order {
                expiry: now,
                ..base.clone()
            },
        )
        .await;
    expect(world.post(&expired).await, "expired");

    let cancelled = world
        .order(
            &maker,
            aat_client::Order {
                nonce: 1,
                ..base.clone()
            },
        )
        .await;
    world
        .exchange_of(&maker)
        .cancel(std::slice::from_ref(&cancelled.order))
        .await
        .unwrap();
    expect(world.post(&cancelled).await, "cancelled");

    world.exchange_of(&maker).cancel_up_to(5).await.unwrap();
    let below = world
        .order(
            &maker,
            aat_client::Order {
                nonce: 4,
                ..base.clone()
            },
        )
        .await;
    expect(world.post(&below).await, "nonce_too_low");

    // The stranger holds none of the id; then holds some, unapproved.
    let unfunded = world
        .order(
            &stranger,
            order(stranger.address(), (id, 30), (TOKEN_AI, 90)),
        )
        .await;
    expect(world.post(&unfunded).await, "no_balance");
    world
        .rails_of(&maker)
        .send_aat(aat_client::AAT::safeTransferFromCall {
            from: maker.address(),
            to: stranger.address(),
            id,
            value: U256::from(5),
            data: alloy::primitives::Bytes::new(),
        })
        .await
        .unwrap();
    expect(world.post(&unfunded).await, "not_approved");
    let bid = world
        .order(
            &stranger,
            order(stranger.address(), (TOKEN_AI, 50), (id, 5)),
        )
        .await;
    world.tokens(stranger.address(), 50).await;
    expect(world.post(&bid).await, "not_approved");

    // An id never minted: nobody holds it, so nothing can fill.
    let ghost = U256::from_be_bytes([0x60; 32]);
    let wants_a_ghost = world
        .order(
            &maker,
            aat_client::Order {
                nonce: 6,
                ..order(maker.address(), (id, 30), (ghost, 1))
            },
        )
        .await;
    expect(world.post(&wants_a_ghost).await, "unknown_credits");

    let (status, answer) = world
        .post_json(&json!({"order": {"maker": "nobody"}, "signature": "0x"}))
        .await;
    assert_eq!((status, &answer["error"]), (400, &json!("bad_request")));

    assert_eq!(world.held().await, 0, "nothing refused was kept");
    let (_, book) = world.get(&format!("/orders?give={id}&want=0")).await;
    assert_eq!(book["orders"], json!([]));
    let domain = world.exchange_of(&maker).domain().await.unwrap();
    let (status, _) = world
        .get(&format!("/orders/{}", good.order.hash(&domain)))
        .await;
    assert_eq!(status, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_book_is_best_price_first_and_a_quote_across_two_orders_fills_as_quoted() {
    let world = World::new().await;
    let (cheap, dear, taker) = (world.trader(1), world.trader(2), world.trader(3));
    let id = world.credits("book", cheap.address(), 10).await;
    world.credits("book", dear.address(), 10).await;
    world.approve(&cheap, 0).await;
    world.approve(&dear, 0).await;
    world.tokens(taker.address(), 1_000).await;
    world.approve(&taker, 1_000).await;

    // 3 per unit, posted first; 2 per unit.
    let dear_ask = world
        .order(&dear, order(dear.address(), (id, 10), (TOKEN_AI, 30)))
        .await;
    let cheap_ask = world
        .order(&cheap, order(cheap.address(), (id, 10), (TOKEN_AI, 20)))
        .await;
    let (_, dear_held) = world.post(&dear_ask).await;
    let (_, cheap_held) = world.post(&cheap_ask).await;
    let (status, book) = world.get(&format!("/orders?give={id}&want=0x0")).await;
    assert_eq!(status, 200, "{book}");
    assert_eq!(book["orders"], json!([cheap_held, dear_held]));
    let (_, best) = world
        .get(&format!("/orders?give={id}&want=0&limit=1"))
        .await;
    assert_eq!(
        (&best["open"], &best["orders"]),
        (&json!(2), &json!([cheap_held]))
    );
    let (status, refused) = world
        .get(&format!("/orders?give={id}&want=0&limit=0"))
        .await;
    assert_eq!((status, &refused["error"]), (400, &json!("bad_request")));
    let (_, reversed) = world.get(&format!("/orders?give=0&want={id}")).await;
    assert_eq!(reversed["orders"], json!([]), "no one sells TokenAI for it");

    let (status, quote) = world
        .get(&format!("/quote?give={id}&want=0&amount=13"))
        .await;
    assert_eq!(status, 200, "{quote}");
    assert_eq!(quote["wantTotal"], "29", "10 at 2, then 3 at 3");
    let legs = quote["legs"].as_array().unwrap();
    assert_eq!(legs.len(), 2);
    assert_eq!(legs[0]["hash"], cheap_held["hash"]);
    assert_eq!(
        (&legs[0]["giveFill"], &legs[1]["giveFill"]),
        (&json!("10"), &json!("3"))
    );

    // The legs are what fillBatch takes, and pay what was quoted.
    let signed =
        [(&cheap_ask, 10u64), (&dear_ask, 3)].map(|(s, fill)| ((*s).clone(), U256::from(fill)));
    let fills = world.exchange_of(&taker).fill_batch(&signed).await.unwrap();
    let paid = fills
        .filled
        .iter()
        .fold(U256::ZERO, |sum, f| sum + f.wantPaid);
    assert_eq!(paid, U256::from(29));

    let (status, short) = world
        .get(&format!("/quote?give={id}&want=0&amount=100"))
        .await;
    assert_eq!(
        (status, &short["error"]),
        (422, &json!("insufficient_liquidity"))
    );
    let (status, bad) = world.get("/quote?give=seven&want=0&amount=1").await;
    assert_eq!((status, &bad["error"]), (400, &json!("bad_request")));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_book_follows_fills_transfers_and_cancels_made_on_chain() {
    let world = World::new().await;
    let (maker, taker) = (world.trader(1), world.trader(2));
    let id = world.credits("follow", maker.address(), 30).await;
    world.approve(&maker, 0).await;
    world.tokens(taker.address(), 1_000).await;
    world.approve(&taker, 1_000).await;
    let ask = world
        .order(&maker, order(maker.address(), (id, 30), (TOKEN_AI, 60)))
        .await;
    let (_, kept) = world.post(&ask).await;
    let path = format!("/orders/{}", hash_of(&kept));

    world
        .exchange_of(&taker)
        .fill(&ask, U256::from(12))
        .await
        .unwrap();
    world.follow().await;
    let (_, after_fill) = world.get(&path).await;
    assert_eq!(
        (&after_fill["remaining"], &after_fill["fillable"]),
        (&json!("18"), &json!("18"))
    );

    // The maker gives most of its credits away: less can fill than remains.
    world
        .rails_of(&maker)
        .send_aat(aat_client::AAT::safeTransferFromCall {
            from: maker.address(),
            to: taker.address(),
            id,
            value: U256::from(10),
            data: alloy::primitives::Bytes::new(),
        })
        .await
        .unwrap();
    world.follow().await;
    let (_, after_transfer) = world.get(&path).await;
    assert_eq!(
        (&after_transfer["remaining"], &after_transfer["fillable"]),
        (&json!("18"), &json!("8"))
    );

    // Approval withdrawn: kept, out of the book; given back: in again.
    let book_path = format!("/orders?give={id}&want=0");
    let approve = |approved: bool| aat_client::AAT::setApprovalForAllCall {
        operator: world.exchange,
        approved,
    };
    let maker_rails = world.rails_of(&maker);
    maker_rails.send_aat(approve(false)).await.unwrap();
    world.follow().await;
    let (_, unapproved) = world.get(&path).await;
    assert_eq!(unapproved["fillable"], "0");
    let (_, book) = world.get(&book_path).await;
    assert_eq!(book["orders"], json!([]));
    maker_rails.send_aat(approve(true)).await.unwrap();
    world.follow().await;
    let (_, book) = world.get(&book_path).await;
    assert_eq!(book["orders"], json!([after_transfer]));

    // A second order, voided by the maker's nonce floor.
    let other = world
        .order(
            &maker,
            aat_client::Order {
                nonce: 1,
                ..order(maker.address(), (id, 8), (TOKEN_AI, 8))
            },
        )
        .await;
    let (status, _) = world.post(&other).await;
    assert_eq!(status, 201);
    world.exchange_of(&maker).cancel_up_to(2).await.unwrap();
    world.follow().await;
    assert_eq!(world.held().await, 0, "both orders are below the floor");

    let fresh = world
        .order(
            &maker,
            aat_client::Order {
                nonce: 2,
                ..ask.order.clone()
            },
        )
        .await;
    let (status, fresh_held) = world.post(&fresh).await;
    assert_eq!(status, 201, "{fresh_held}");
    world
        .exchange_of(&maker)
        .cancel(std::slice::from_ref(&fresh.order))
        .await
        .unwrap();
    world.follow().await;
    let (status, _) = world
        .get(&format!("/orders/{}", hash_of(&fresh_held)))
        .await;
    assert_eq!(status, 404, "a cancelled order is forgotten");
    let (_, book) = world.get(&book_path).await;
    assert_eq!(book["orders"], json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_smart_account_makers_order_is_checked_by_erc1271_as_the_exchange_checks_it() {
    let world = World::new().await;
    let (taker, owner_of_wallet) = (world.trader(1), world.trader(2));
    let wallet = owner_of_wallet.address();
    let id = world.credits("wallet", wallet, 10).await;
    world.tokens(taker.address(), 100).await;
    world.approve(&taker, 100).await;
    world.make_echo_wallet(wallet).await;
    let ask = order(wallet, (id, 10), (TOKEN_AI, 20));
    let signed = |signature: Vec<u8>| SignedOrder {
        order: ask.clone(),
        signature: signature.into(),
    };

    let (status, refused) = world.post(&signed(vec![0x11; 32])).await;
    assert_eq!((status, &refused["error"]), (422, &json!("bad_signature")));
    // The wallet's yes passes the signature; the approval is still missing.
    let (status, refused) = world.post(&signed(magic_word())).await;
    assert_eq!((status, &refused["error"]), (422, &json!("not_approved")));
    // Approved the way a wallet would have it (its code set aside a moment).
    let provider = &world.owner.provider;
    provider
        .raw_request::<_, ()>(
            "anvil_setCode".into(),
            (wallet, alloy::primitives::Bytes::new()),
        )
        .await
        .unwrap();
    world.approve(&owner_of_wallet, 0).await;
    world.make_echo_wallet(wallet).await;
    world.follow().await;
    let (status, kept) = world.post(&signed(magic_word())).await;
    assert_eq!(status, 201, "{kept}");

    // What the relay accepted, the exchange fills.
    let fills = world
        .exchange_of(&taker)
        .fill(&signed(magic_word()), U256::from(4))
        .await
        .unwrap();
    assert_eq!(fills.filled[0].wantPaid, U256::from(8));
    world.follow().await;
    let (_, after) = world.get(&format!("/orders/{}", hash_of(&kept))).await;
    assert_eq!(after["remaining"], "6");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_stream_tells_a_pairs_subscriber_what_was_added_changed_and_removed() {
    let world = World::new().await;
    let (maker, taker) = (world.trader(1), world.trader(2));
    let id = world.credits("stream", maker.address(), 30).await;
    let elsewhere = world.credits("elsewhere", maker.address(), 5).await;
    world.approve(&maker, 0).await;
    world.tokens(taker.address(), 1_000).await;
    world.approve(&taker, 1_000).await;
    let mut events = world
        .subscribe(&format!("/orders/stream?give={id}&want=0"))
        .await;

    // Another pair's order is not this stream's.
    let other = world
        .order(
            &maker,
            order(maker.address(), (elsewhere, 5), (TOKEN_AI, 5)),
        )
        .await;
    assert_eq!(world.post(&other).await.0, 201);
    let ask = world
        .order(&maker, order(maker.address(), (id, 30), (TOKEN_AI, 60)))
        .await;
    let (_, kept) = world.post(&ask).await;
    assert_eq!(events.next().await, ("added".to_owned(), kept.clone()));

    world
        .exchange_of(&taker)
        .fill(&ask, U256::from(10))
        .await
        .unwrap();
    world.follow().await;
    let (name, updated) = events.next().await;
    assert_eq!(name, "updated");
    assert_eq!(
        (&updated["hash"], &updated["remaining"]),
        (&kept["hash"], &json!("20"))
    );

    world
        .exchange_of(&maker)
        .cancel(std::slice::from_ref(&ask.order))
        .await
        .unwrap();
    world.follow().await;
    assert_eq!(
        events.next().await,
        (
            "removed".to_owned(),
            json!({"hash": kept["hash"], "giveId": id.to_string(), "wantId": "0"})
        )
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn orders_for_expiring_credits_leave_the_book_when_the_credits_expire() {
    let world = World::new().await;
    let maker = world.trader(1);
    let expiration = world.now().await + 60;
    let id = world
        .credits_until("expiring", maker.address(), 10, expiration)
        .await;
    world.approve(&maker, 0).await;
    let ask = world
        .order(&maker, order(maker.address(), (id, 10), (TOKEN_AI, 10)))
        .await;
    let (status, kept) = world.post(&ask).await;
    assert_eq!(status, 201, "{kept}");

    world.advance(120).await;
    world.follow().await;
    let (status, _) = world.get(&format!("/orders/{}", hash_of(&kept))).await;
    assert_eq!(status, 404, "swept when its credits expired");
    let later = world
        .order(
            &maker,
            aat_client::Order {
                nonce: 1,
                ..ask.order.clone()
            },
        )
        .await;
    let (status, refused) = world.post(&later).await;
    assert_eq!(
        (status, &refused["error"]),
        (422, &json!("credits_expired"))
    );
    assert_eq!(world.held().await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn credits_that_cannot_trade_and_a_paused_exchange_are_refused_with_their_reason() {
    let world = World::new().await;
    let (holder, buyer) = (world.trader(1), world.trader(2));
    let pool = world.owner_key.address();
    // Course credits: not tradable, minted by the owner's pool to a holder.
    let course = aat_client::Policy {
        origin_pool: pool,
        model: aat_client::bytes16("gpt-4o").unwrap(),
        scope: aat_client::bytes16("CS101").unwrap(),
        expiration: 0,
        reclaimable: true,
        tradable: false,
    };
    world
        .owner
        .send_aat(course.mint_call(holder.address(), U256::from(50)))
        .await
        .unwrap();
    world.approve(&holder, 0).await;
    let (status, answer) = world
        .post(
            &world
                .order(
                    &holder,
                    order(holder.address(), (course.id(), 50), (TOKEN_AI, 10)),
                )
                .await,
        )
        .await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (422, Some("not_tradable"))
    );
    assert!(answer["message"]
        .as_str()
        .unwrap()
        .contains(&pool.to_string()));
    assert_eq!(world.held().await, 0);
    // Sold back to the pool, the order can fill: reserved for the pool, it
    // is kept.
    let mut back = order(holder.address(), (course.id(), 50), (TOKEN_AI, 10));
    back.taker = pool;
    let (status, answer) = world.post(&world.order(&holder, back).await).await;
    assert_eq!(status, 201, "{answer}");

    // While the exchange is paused nothing is posted or quoted; after, both.
    let id = world.credits("paused", buyer.address(), 40).await;
    world.approve(&buyer, 0).await;
    let ask = world
        .order(&buyer, order(buyer.address(), (id, 40), (TOKEN_AI, 80)))
        .await;
    let owner_exchange = world.exchange_of(&world.owner_key);
    owner_exchange
        .send(aat_client::AATExchange::pauseCall {})
        .await
        .unwrap();
    let (status, answer) = world.post(&ask).await;
    assert_eq!((status, answer["error"].as_str()), (422, Some("paused")));
    let quote = format!("/quote?give={id}&want=0&amount=10");
    let (status, answer) = world.get(&quote).await;
    assert_eq!((status, answer["error"].as_str()), (503, Some("paused")));
    owner_exchange
        .send(aat_client::AATExchange::unpauseCall {})
        .await
        .unwrap();
    assert_eq!(world.post(&ask).await.0, 201);
    assert_eq!(world.get(&quote).await.0, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_page_on_another_origin_may_read_the_book_and_post() {
    let world = World::new().await;
    let preflight = world
        .http
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/orders", world.market.url()),
        )
        .header("origin", "https://app.example.edu")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success());
    assert_eq!(preflight.headers()["access-control-allow-origin"], "*");
    let book = world
        .http
        .get(format!("{}/orders?give=0x1&want=0x0", world.market.url()))
        .header("origin", "https://app.example.edu")
        .send()
        .await
        .unwrap();
    assert_eq!(book.headers()["access-control-allow-origin"], "*");
}

/// One maker's two orders, each fillable alone up to all it holds, draw on
/// one balance: a quote counts on the maker for what it holds once, and
/// buys the rest from the next maker, so that its legs fill together in one
/// `fillBatch` (before, it named the maker for both orders, and the batch
/// reverted with `ERC1155InsufficientBalance`).
#[tokio::test(flavor = "multi_thread")]
async fn a_quote_counts_on_a_makers_balance_once_across_its_orders() {
    let world = World::new().await;
    let (twice, other, taker) = (world.trader(1), world.trader(2), world.trader(3));
    let id = world.credits("twice", twice.address(), 30).await;
    world.credits("twice", other.address(), 10).await;
    world.approve(&twice, 0).await;
    world.approve(&other, 0).await;
    world.tokens(taker.address(), 1_000).await;
    world.approve(&taker, 1_000).await;
    let first = world
        .order(&twice, order(twice.address(), (id, 30), (TOKEN_AI, 30)))
        .await;
    let second = world
        .order(
            &twice,
            aat_client::Order {
                nonce: 1,
                ..order(twice.address(), (id, 30), (TOKEN_AI, 30))
            },
        )
        .await;
    let dearer = world
        .order(&other, order(other.address(), (id, 10), (TOKEN_AI, 20)))
        .await;
    for signed in [&first, &second, &dearer] {
        let (status, held) = world.post(signed).await;
        assert_eq!(status, 201, "{held}");
    }

    let (status, quote) = world
        .get(&format!("/quote?give={id}&want=0&amount=31"))
        .await;
    assert_eq!(status, 200, "{quote}");
    let legs: Vec<(String, String)> = quote["legs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|leg| {
            (
                leg["order"]["maker"].as_str().unwrap().to_lowercase(),
                leg["giveFill"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let maker = |key: &alloy::signers::local::PrivateKeySigner| format!("{:#x}", key.address());
    assert_eq!(
        legs,
        [(maker(&twice), "30".into()), (maker(&other), "1".into())]
    );
    assert_eq!(quote["wantTotal"], "32", "30 at 1, then 1 at 2");

    let signed = [(first, 30u64), (dearer, 1)].map(|(s, fill)| (s, U256::from(fill)));
    world.exchange_of(&taker).fill_batch(&signed).await.unwrap();
    world.follow().await;
    let (status, short) = world
        .get(&format!("/quote?give={id}&want=0&amount=10"))
        .await;
    assert_eq!(
        (status, &short["error"]),
        (422, &json!("insufficient_liquidity")),
        "the maker's balance is spent: its second order has nothing fillable"
    );
}

/// A maker holds at most `max_orders_per_maker` orders at once: one more
/// is refused (`too_many_orders`) and nothing is kept, an order already held
/// is still answered as held, and a slot freed on-chain can be used again.
#[tokio::test(flavor = "multi_thread")]
async fn a_maker_holds_at_most_its_limit_of_orders() {
    let world = World::with_max_orders_per_maker(2).await;
    let maker = world.trader(1);
    let id = world.credits("limit", maker.address(), 30).await;
    world.approve(&maker, 0).await;
    let nth = |nonce: u64| aat_client::Order {
        nonce,
        ..order(maker.address(), (id, 10), (TOKEN_AI, 10))
    };
    let mut held = Vec::new();
    for nonce in 0..2 {
        let signed = world.order(&maker, nth(nonce)).await;
        let (status, answer) = world.post(&signed).await;
        assert_eq!(status, 201, "{answer}");
        held.push(signed);
    }
    let third = world.order(&maker, nth(2)).await;
    let (status, refused) = world.post(&third).await;
    assert_eq!(
        (status, &refused["error"]),
        (422, &json!("too_many_orders"))
    );
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("2 open orders"),
        "{refused}"
    );
    assert_eq!(world.held().await, 2);
    let (status, _) = world.post(&held[0]).await;
    assert_eq!(status, 200, "an order already held is answered as held");

    world
        .exchange_of(&maker)
        .cancel(std::slice::from_ref(&held[0].order))
        .await
        .unwrap();
    world.follow().await;
    let (status, answer) = world.post(&third).await;
    assert_eq!(status, 201, "{answer}");
}

/// The wallet that signs only for an unset caller: `isValidSignature`
/// answers the magic value when `tx.origin` is zero (as a bare `eth_call`
/// leaves it) and reverts otherwise, so every fill of its order reverts.
///
/// ```text
/// 32 15 6009 57      ORIGIN ISZERO PUSH1 9 JUMPI
/// 6000 80 fd         REVERT(0, 0)
/// 5b 631626ba7e 60e0 1b 6000 52 6020 6000 f3
///                    JUMPDEST; RETURN the magic value as a word
/// ```
const ORIGIN_ZERO_WALLET: &str = "3215600957600080fd5b631626ba7e60e01b60005260206000f3";

/// A wallet's order is checked as the exchange will ask it, with the
/// exchange as the caller: a wallet that says yes only to an unset caller
/// is refused (before, its order was kept and every fill reverted). And a
/// wallet that stops saying yes, which no log tells, is asked again when a
/// quote would name its order: the order is forgotten, not quoted.
#[tokio::test(flavor = "multi_thread")]
async fn a_wallet_maker_is_asked_as_the_exchange_asks_it_and_again_before_a_quote() {
    let world = World::new().await;
    let owner_of_wallet = world.trader(2);
    let wallet = owner_of_wallet.address();
    let id = world.credits("two-faced", wallet, 10).await;
    world.approve(&owner_of_wallet, 0).await;
    let provider = &world.owner.provider;
    let set_code = |code: &str| {
        let code = alloy::primitives::Bytes::from(alloy::hex::decode(code).unwrap());
        async move {
            provider
                .raw_request::<_, ()>("anvil_setCode".into(), (wallet, code))
                .await
                .unwrap();
        }
    };
    set_code(ORIGIN_ZERO_WALLET).await;
    let ask = SignedOrder {
        order: order(wallet, (id, 10), (TOKEN_AI, 20)),
        signature: vec![0u8].into(),
    };
    let (status, refused) = world.post(&ask).await;
    assert_eq!(
        (status, &refused["error"]),
        (422, &json!("bad_signature")),
        "{refused}"
    );

    // An echo wallet says yes to anyone; then it stops (its code reverts).
    world.make_echo_wallet(wallet).await;
    let honest = SignedOrder {
        signature: magic_word().into(),
        ..ask
    };
    let (status, kept) = world.post(&honest).await;
    assert_eq!(status, 201, "{kept}");
    set_code("60006000fd").await;
    let (status, quote) = world
        .get(&format!("/quote?give={id}&want=0&amount=1"))
        .await;
    assert_eq!(
        (status, &quote["error"]),
        (422, &json!("insufficient_liquidity")),
        "{quote}"
    );
    let (status, _) = world.get(&format!("/orders/{}", hash_of(&kept))).await;
    assert_eq!(status, 404, "the order is forgotten");
}
