//! Answers kept with their charges, so that a payer whose answer never
//! reached it (a dropped connection, a gateway killed between the commit
//! and the response) can ask for it again with the same request and the
//! same payment, and receive it without being charged again.
//!
//! The answer is a column of its receipt, and the receipt's id begins with
//! the request's replay key ([`request_id`]), so the receipts' primary key
//! finds it: keeping an answer adds no index to the charge's transaction,
//! which every answer waits for (SQLite's one writer), but the append-only
//! one the pruning reads (`receipts_kept`, on the receipts that still keep
//! one).

use alloy::primitives::{B256, U256};
use bytes::Bytes;
use sqlx::Row;

use super::{parse, unix_now, ExactStatus, Ledger, ReceiptRecord, Result};

/// The id of a request keyed `replay_key` ([`crate::replay::key`]): the key
/// in hex, then what sets it apart from another request sent with the same
/// key (all of it lowercase hex digits, which every collation orders as
/// bytes).
#[must_use]
pub fn request_id(replay_key: B256) -> String {
    let apart = B256::random();
    format!(
        "{}{}",
        alloy::hex::encode(replay_key),
        alloy::hex::encode(&apart[..16])
    )
}

/// The ids of `replay_key`'s requests: from the key, to the next key.
fn ids_of(replay_key: B256) -> (String, String) {
    let next = U256::from_be_bytes(replay_key.0).saturating_add(U256::from(1));
    (
        alloy::hex::encode(replay_key),
        alloy::hex::encode(next.to_be_bytes::<32>()),
    )
}

/// An answer as the ledger keeps it.
#[derive(Clone, Debug)]
pub struct AnswerRecord {
    /// The body that went out (for a stream, its events before the
    /// settlement event).
    pub body: Bytes,
    /// The answer was a server-sent event stream, and goes out again as one.
    pub stream: bool,
}

/// A kept answer, with its receipt (whose hashes are the caller's to
/// recompute: they are the request's, its payment's and the answer's).
#[derive(Clone, Debug)]
pub struct KeptAnswer {
    /// The id of the request that was charged (its receipt's key).
    pub request_id: String,
    /// The body that went out (for a stream, its events before the
    /// settlement event).
    pub body: Bytes,
    /// The answer was a server-sent event stream.
    pub stream: bool,
    /// The charge's receipt as stored: the voucher digest and both hashes
    /// are zero, and the answer is not repeated in it.
    pub receipt: ReceiptRecord,
    /// What the payer owed after the charge (vouchers).
    pub owed_after: i64,
    /// For `exact`: how the payment stands now.
    pub exact: Option<ExactState>,
}

/// How an `exact` payment stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExactState {
    /// The authorization's EIP-3009 nonce.
    pub nonce: B256,
    /// The `TokenAI` it transfers, in wei.
    pub value: U256,
    /// Where the payment stands now.
    pub status: ExactStatus,
    /// The transaction that paid it, once settled (when known).
    pub tx: Option<B256>,
    /// Why it did not pay, once failed or withheld.
    pub reason: Option<String>,
}

impl Ledger {
    /// The earliest kept answer of a request keyed `replay_key`, with its
    /// receipt and, for `exact`, how its payment stands.
    ///
    /// # Errors
    ///
    /// The database fails, or holds a value that does not parse.
    pub async fn answer(&self, replay_key: B256) -> Result<Option<KeptAnswer>> {
        let (first, next) = ids_of(replay_key);
        let row = sqlx::query(
            "SELECT r.answer, r.stream, r.request_id, r.scheme, r.payer, r.token_id,
                    r.prompt_tokens, r.completion_tokens, r.units, r.owed_after, r.signature,
                    e.nonce, e.value, e.status, e.tx, e.reason
             FROM receipts r
             LEFT JOIN exact_payments e ON e.payer = r.payer AND e.request_id = r.request_id
             WHERE r.request_id >= $1 AND r.request_id < $2 AND r.answer IS NOT NULL
             ORDER BY r.created_at LIMIT 1",
        )
        .bind(first)
        .bind(next)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let text = |column: &str| -> Result<Option<String>> { Ok(row.try_get(column)?) };
        let exact = match text("status")? {
            Some(status) => Some(ExactState {
                nonce: text("nonce")?.map_or(Ok(B256::ZERO), |t| parse(&t))?,
                value: text("value")?.map_or(Ok(U256::ZERO), |t| parse(&t))?,
                status: ExactStatus::parse(&status)?,
                tx: text("tx")?.map(|t| parse(&t)).transpose()?,
                reason: text("reason")?,
            }),
            None => None,
        };
        Ok(Some(KeptAnswer {
            request_id: row.try_get("request_id")?,
            body: Bytes::from(row.try_get::<Vec<u8>, _>("answer")?),
            stream: row.try_get::<i64, _>("stream")? != 0,
            receipt: ReceiptRecord {
                scheme: row.try_get("scheme")?,
                payer: parse(&row.try_get::<String, _>("payer")?)?,
                id: parse(&row.try_get::<String, _>("token_id")?)?,
                prompt_tokens: row.try_get("prompt_tokens")?,
                completion_tokens: row.try_get("completion_tokens")?,
                units: row.try_get("units")?,
                signature: parse(&row.try_get::<String, _>("signature")?)?,
                voucher_digest: B256::ZERO,
                request_hash: B256::ZERO,
                response_hash: B256::ZERO,
                answer: None,
            },
            owed_after: row.try_get("owed_after")?,
            exact,
        }))
    }

    /// Forgets the answers kept longer than `age_secs` (their receipts
    /// stay). Returns how many.
    ///
    /// # Errors
    ///
    /// The database fails.
    pub async fn prune_answers(&self, age_secs: i64) -> Result<u64> {
        let _gate = self.gate().await;
        let pruned = sqlx::query(
            "UPDATE receipts SET answer = NULL, stream = NULL
             WHERE answer IS NOT NULL AND created_at < $1",
        )
        .bind(unix_now().saturating_sub(age_secs))
        .execute(&self.pool)
        .await?;
        Ok(pruned.rows_affected())
    }
}
