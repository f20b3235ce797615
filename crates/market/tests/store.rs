//! The relay's store through the same SQL on SQLite and, when
//! `AAT_TEST_POSTGRES_URL` names a server (scripts/test starts one when
//! PostgreSQL is installed), on PostgreSQL: what is kept is read back
//! exactly after a reopen, ids compare as numbers whatever their spelling,
//! expiry sweeps only the expired, and the cursor only moves when set.

use aat_client::orders::Order;
use aat_market::store::{Store, StoredOrder};
use alloy::primitives::{Address, Bytes, B256, U256};

fn stored(tag: u8, give_id: U256, expiry: u64, created_ms: i64) -> StoredOrder {
    StoredOrder {
        hash: B256::repeat_byte(tag),
        order: Order {
            maker: Address::repeat_byte(tag),
            taker: Address::ZERO,
            giveId: give_id,
            giveAmount: U256::MAX,
            wantId: U256::ZERO,
            wantAmount: U256::from(tag),
            expiry,
            nonce: u64::MAX,
        },
        signature: Bytes::from(vec![tag; 65]),
        remaining: U256::MAX,
        fillable: U256::from(7),
        void_at: expiry.min(i64::MAX as u64),
        created_ms,
    }
}

async fn exercise(url: &str) {
    let store = Store::open(url).await.unwrap();
    let id = U256::from(0xabcdu64) << 200;
    let (late, early, expired) = (
        stored(1, id, u64::MAX, 20),
        stored(2, id, 1_000, 10),
        stored(3, id, 500, 0),
    );
    for order in [&late, &early, &expired] {
        assert!(store.insert(order).await.unwrap());
    }
    assert!(!store.insert(&late).await.unwrap(), "a hash is kept once");
    assert_eq!(store.get(late.hash).await.unwrap(), Some(late.clone()));
    assert_eq!(
        store.pair(id, U256::ZERO).await.unwrap(),
        [expired.clone(), early.clone(), late.clone()],
        "in the order they came"
    );
    assert!(store.pair(U256::ZERO, id).await.unwrap().is_empty());
    assert_eq!(
        store.of_maker(early.order.maker).await.unwrap(),
        std::slice::from_ref(&early)
    );

    store
        .update(early.hash, U256::from(5), U256::ZERO)
        .await
        .unwrap();
    let updated = store.get(early.hash).await.unwrap().unwrap();
    assert_eq!(
        (updated.remaining, updated.fillable),
        (U256::from(5), U256::ZERO)
    );
    assert_eq!(
        store.delete_expired(500).await.unwrap(),
        [(expired.hash, id, U256::ZERO)]
    );
    assert_eq!(store.get(expired.hash).await.unwrap(), None);

    assert_eq!(store.followed().await.unwrap(), None);
    store.set_followed(41).await.unwrap();
    store.set_followed(42).await.unwrap();
    drop(store);

    let reopened = Store::open(url).await.unwrap();
    assert_eq!(reopened.followed().await.unwrap(), Some(42));
    assert_eq!(reopened.count().await.unwrap(), 2);
    assert_eq!(reopened.get(late.hash).await.unwrap(), Some(late.clone()));
    reopened.delete(late.hash).await.unwrap();
    assert_eq!(reopened.count().await.unwrap(), 1);
}

#[tokio::test]
async fn sqlite_keeps_orders_and_the_cursor_exactly() {
    let dir = tempfile::tempdir().unwrap();
    exercise(&format!(
        "sqlite://{}",
        dir.path().join("market.db").display()
    ))
    .await;
}

#[tokio::test]
async fn postgres_keeps_orders_and_the_cursor_exactly() {
    let Some(base) = std::env::var("AAT_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!(
            "SKIPPED: the store on PostgreSQL: set AAT_TEST_POSTGRES_URL (scripts/test starts a temporary PostgreSQL when one is installed)"
        );
        return;
    };
    sqlx::any::install_default_drivers();
    let name = format!("aat_market_test_{}", std::process::id());
    let admin = sqlx::AnyPool::connect(&base)
        .await
        .expect("PostgreSQL answers");
    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
        .execute(&admin)
        .await;
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&admin)
        .await
        .unwrap();
    let (prefix, _) = base.rsplit_once('/').unwrap();
    exercise(&format!("{prefix}/{name}")).await;
}
