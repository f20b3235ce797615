//! The ledger on its own, on SQLite and (when `AAT_TEST_POSTGRES_URL` names
//! a server) on PostgreSQL: what a restart frees, the answers it keeps,
//! and what the chain settled as the least a holder owes.

mod common;

use aat_gateway::ledger::{
    request_id, AnswerRecord, ExactRow, ExactStatus, Ledger, LedgerError, ReceiptRecord,
    SqliteSync, VoucherAdmission, VoucherRefusal,
};
use alloy::primitives::{Address, Bytes, B256, U256};
use common::TempDir;

fn payment(payer: u8) -> ExactRow {
    ExactRow {
        payer: Address::repeat_byte(payer),
        nonce: B256::repeat_byte(payer),
        pay_to: Address::repeat_byte(0xee),
        value: U256::from(1_000),
        valid_after: U256::ZERO,
        valid_before: U256::from(u64::MAX),
        signature: Bytes::from(vec![1u8; 65]),
        status: ExactStatus::Reserved,
        admitted_block: 7,
    }
}

fn receipt(p: &ExactRow, answer: Option<AnswerRecord>) -> ReceiptRecord {
    ReceiptRecord {
        scheme: "exact".into(),
        payer: p.payer,
        id: U256::ZERO,
        prompt_tokens: 3,
        completion_tokens: 4,
        units: 0,
        signature: Bytes::new(),
        voucher_digest: B256::ZERO,
        request_hash: B256::repeat_byte(0x0a),
        response_hash: B256::repeat_byte(0x0b),
        answer,
    }
}

/// Instances `a` and `b` share `url` (with SQLite, one instance by
/// construction, `b` is `a` under another name). `a` restarts: the nonces
/// its requests in flight reserved are free again (with PostgreSQL, only
/// its own: `b`'s requests are still running), and a request whose nonce
/// was freed cannot charge it. A charged answer is kept, bytes for bytes,
/// with its receipt and its payment's state.
async fn restart_frees_what_died_and_keeps_answers(url: &str, shared: bool) {
    let a = Ledger::open(url, "a", SqliteSync::Full).await.unwrap();
    let b = Ledger::open(url, "b", SqliteSync::Full).await.unwrap();
    let (mine, theirs, served) = (payment(1), payment(2), payment(3));
    assert!(a.reserve_exact(&mine, "request of a").await.unwrap());
    assert!(b.reserve_exact(&theirs, "request of b").await.unwrap());
    let key = B256::repeat_byte(0x77);
    let served_by_a = request_id(key);
    assert!(a.reserve_exact(&served, &served_by_a).await.unwrap());
    let body = bytes::Bytes::from_static(b"{\"echo\": \"\xff not even UTF-8\"}");
    a.queue_exact(
        &served_by_a,
        &served,
        &receipt(
            &served,
            Some(AnswerRecord {
                body: body.clone(),
                stream: false,
            }),
        ),
    )
    .await
    .unwrap();
    // Another request keyed next to it, whose answer is not kept.
    let (neighbour, next_key) = (payment(4), B256::repeat_byte(0x78));
    let id = request_id(next_key);
    assert!(a.reserve_exact(&neighbour, &id).await.unwrap());
    a.queue_exact(&id, &neighbour, &receipt(&neighbour, None))
        .await
        .unwrap();
    assert_eq!(
        a.exact_outstanding(mine.payer).await.unwrap(),
        U256::from(1_000)
    );
    // The worker reads the queued payments back as they were admitted,
    // with the block their nonces' search starts from.
    let mut queued = a.queued_exact(10).await.unwrap();
    queued.sort_by_key(|p| p.nonce);
    let queued_as = |p: &ExactRow| ExactRow {
        status: ExactStatus::Queued,
        ..p.clone()
    };
    assert_eq!(queued, vec![queued_as(&served), queued_as(&neighbour)]);

    // `a` restarts.
    drop(a);
    let a = Ledger::open(url, "a", SqliteSync::Full).await.unwrap();
    assert_eq!(a.exact_outstanding(mine.payer).await.unwrap(), U256::ZERO);
    assert_eq!(
        a.exact_state(mine.payer, mine.nonce).await.unwrap(),
        None,
        "its nonce is free: the payer may present it again"
    );
    let running = b.exact_state(theirs.payer, theirs.nonce).await.unwrap();
    if shared {
        assert_eq!(running.map(|s| s.0), Some(ExactStatus::Reserved));
        b.queue_exact("request of b", &theirs, &receipt(&theirs, None))
            .await
            .unwrap();
    } else {
        assert_eq!(running, None);
    }
    // The request that reserved `mine` cannot charge it now, even once
    // someone else has reserved it again.
    assert!(a.reserve_exact(&mine, "presented again").await.unwrap());
    let late = a
        .queue_exact("request of a", &mine, &receipt(&mine, None))
        .await;
    assert!(matches!(late, Err(LedgerError::Gone(_))), "{late:?}");
    a.drop_exact("request of a", mine.payer, mine.nonce)
        .await
        .unwrap();
    assert_eq!(
        a.exact_state(mine.payer, mine.nonce)
            .await
            .unwrap()
            .map(|s| s.0),
        Some(ExactStatus::Reserved),
        "a dead request's release does not free another's reservation"
    );

    let kept = a.answer(key).await.unwrap().expect("the answer is kept");
    assert_eq!(kept.body, body);
    assert_eq!(kept.request_id, served_by_a);
    assert_eq!(
        (kept.receipt.prompt_tokens, kept.receipt.completion_tokens),
        (3, 4)
    );
    let state = kept.exact.expect("an exact payment");
    assert_eq!(
        (state.status.as_str(), state.nonce, state.value),
        ("queued", served.nonce, served.value)
    );
    assert!(a.answer(next_key).await.unwrap().is_none(), "not kept");
    assert!(a.answer(B256::repeat_byte(0x76)).await.unwrap().is_none());
    assert_eq!(a.prune_answers(-10).await.unwrap(), 1);
    assert!(a.answer(key).await.unwrap().is_none());
}

#[tokio::test]
async fn sqlite_restart_frees_what_died_and_keeps_answers() {
    let dir = TempDir::new("ledger-restart");
    restart_frees_what_died_and_keeps_answers(&dir.sqlite(), false).await;
}

/// What the chain settled of an account is the least its holder owes,
/// whatever the ledger counted (a restored backup, another gateway with
/// the provider's key): a voucher for less is refused, one for exactly
/// that is admitted, and the account keeps it.
async fn owes_at_least_what_the_chain_settled(url: &str) {
    let ledger = Ledger::open(url, "a", SqliteSync::Full).await.unwrap();
    let (holder, id) = (Address::repeat_byte(9), U256::from(7));
    let admission = |cumulative| VoucherAdmission {
        request_id: format!("request {cumulative}"),
        holder,
        id,
        cumulative,
        deadline: i64::MAX,
        signature: Bytes::from(vec![1u8; 65]),
        max_cost: 100,
        cap: 1_000_000,
        credit_limit: 1_000,
        settled: 5_000,
    };
    assert_eq!(
        ledger.admit_voucher(&admission(0)).await.unwrap().err(),
        Some(VoucherRefusal::Replayed { owed: 5_000 })
    );
    assert_eq!(
        ledger.admit_voucher(&admission(4_999)).await.unwrap().err(),
        Some(VoucherRefusal::UnderCovering { owed: 5_000 })
    );
    assert!(ledger
        .admit_voucher(&admission(5_000))
        .await
        .unwrap()
        .is_ok());
    let kept = ledger.account(holder, id).await.unwrap().unwrap();
    assert_eq!((kept.owed, kept.settled), (5_000, 5_000));
}

#[tokio::test]
async fn sqlite_owes_at_least_what_the_chain_settled() {
    let dir = TempDir::new("ledger-settled");
    owes_at_least_what_the_chain_settled(&dir.sqlite()).await;
}

#[tokio::test]
async fn postgres_owes_at_least_what_the_chain_settled() {
    if let Some(url) = postgres_database("settled").await {
        owes_at_least_what_the_chain_settled(&url).await;
    }
}

#[tokio::test]
async fn postgres_restart_frees_only_its_own_and_keeps_answers() {
    if let Some(url) = postgres_database("restart").await {
        restart_frees_what_died_and_keeps_answers(&url, true).await;
    }
}

/// A new database on the server `AAT_TEST_POSTGRES_URL` names, or `None`
/// (and a line saying the test was skipped) when it names none.
async fn postgres_database(tag: &str) -> Option<String> {
    let Some(base) = std::env::var("AAT_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!("SKIPPED: set AAT_TEST_POSTGRES_URL (scripts/test starts a temporary PostgreSQL when one is installed)");
        return None;
    };
    sqlx::any::install_default_drivers();
    let name = format!("aat_ledger_{tag}_{}", std::process::id());
    let admin = sqlx::AnyPool::connect(&base).await.unwrap();
    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
        .execute(&admin)
        .await;
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&admin)
        .await
        .unwrap();
    let (prefix, _) = base.rsplit_once('/').unwrap();
    Some(format!("{prefix}/{name}"))
}
