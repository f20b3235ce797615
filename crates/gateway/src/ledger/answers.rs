//! Answers kept with their charges, so that a payer whose answer never
//! reached it (a dropped connection, a gateway killed between the commit
//! and the response) can ask for it again with the same request and the
//! same payment, and receive it without being charged again.

use alloy::primitives::{B256, U256};
use bytes::Bytes;
use sqlx::Row;

use super::{parse, unix_now, Ledger, ReceiptRecord, Result};

/// The answers of charged requests, kept `answer_retention_secs` so that a
/// payer whose answer never arrived (a dropped connection, a crash) can ask
/// again with the same payment and the same request ([`Ledger::answer`]),
/// keyed by [`crate::replay::key`], with what the signed receipt covers.
/// One B-tree and its age index on SQLite (`WITHOUT ROWID`): the charge's
/// transaction, which every answer waits for, writes little more than it did
/// without them.
pub(super) fn schema(sqlite: bool) -> [String; 2] {
    let (blob, rowid) = if sqlite {
        ("BLOB", " WITHOUT ROWID")
    } else {
        ("BYTEA", "")
    };
    [
        format!(
            "CREATE TABLE IF NOT EXISTS answers (
                replay_key TEXT PRIMARY KEY,
                request_id TEXT NOT NULL,
                voucher_digest TEXT NOT NULL,
                request_hash TEXT NOT NULL,
                response_hash TEXT NOT NULL,
                body {blob} NOT NULL,
                stream BIGINT NOT NULL,
                created_at BIGINT NOT NULL){rowid}"
        ),
        "CREATE INDEX IF NOT EXISTS answers_by_age ON answers (created_at)".to_owned(),
    ]
}

/// Keeps `answer`, of the request `request_id` charged with receipt `r`, in
/// `tx`. A request sent twice at once with the same payment (and charged
/// twice) keeps its first answer.
pub(super) async fn insert(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    request_id: &str,
    r: &ReceiptRecord,
    answer: &AnswerRecord,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO answers (replay_key, request_id, voucher_digest, request_hash, response_hash, body, stream, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (replay_key) DO NOTHING",
    )
    .bind(answer.replay_key.to_string())
    .bind(request_id)
    .bind(r.voucher_digest.to_string())
    .bind(r.request_hash.to_string())
    .bind(r.response_hash.to_string())
    .bind(answer.body.to_vec())
    .bind(i64::from(answer.stream))
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// An answer as the ledger keeps it.
#[derive(Clone, Debug)]
pub struct AnswerRecord {
    /// What a request asking for it again must hash to
    /// ([`crate::replay::key`]).
    pub replay_key: B256,
    /// The body that went out (for a stream, its events before the
    /// settlement event).
    pub body: Bytes,
    pub stream: bool,
}

/// A kept answer, with its receipt.
#[derive(Clone, Debug)]
pub struct KeptAnswer {
    pub request_id: String,
    pub body: Bytes,
    pub stream: bool,
    pub receipt: ReceiptRecord,
    /// What the payer owed after the charge (vouchers).
    pub owed_after: i64,
    /// For `exact`: how the payment stands now.
    pub exact: Option<ExactState>,
}

/// How an `exact` payment stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExactState {
    pub nonce: B256,
    pub value: U256,
    /// `reserved`, `queued`, `settled`, `failed` (served, not paid) or
    /// `withheld` (not paid, and its answer did not go out).
    pub status: String,
    pub tx: Option<B256>,
    pub reason: Option<String>,
}

impl Ledger {
    /// The kept answer whose request and payment hash to
    /// `replay_key`, with its receipt and, for `exact`, how its payment
    /// stands.
    ///
    /// # Errors
    ///
    /// The database fails, or holds a value that does not parse.
    pub async fn answer(&self, replay_key: B256) -> Result<Option<KeptAnswer>> {
        let row = sqlx::query(
            "SELECT a.body, a.stream, a.voucher_digest, a.request_hash, a.response_hash,
                    r.request_id, r.scheme, r.payer, r.token_id, r.prompt_tokens,
                    r.completion_tokens, r.units, r.owed_after, r.signature,
                    e.nonce, e.value, e.status, e.tx, e.reason
             FROM answers a JOIN receipts r ON r.request_id = a.request_id
             LEFT JOIN exact_payments e ON e.payer = r.payer AND e.request_id = a.request_id
             WHERE a.replay_key = $1",
        )
        .bind(replay_key.to_string())
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let text = |column: &str| -> Result<Option<String>> { Ok(row.try_get(column)?) };
        let hash =
            |column: &str| -> Result<B256> { text(column)?.map_or(Ok(B256::ZERO), |t| parse(&t)) };
        let exact = match text("status")? {
            Some(status) => Some(ExactState {
                nonce: hash("nonce")?,
                value: text("value")?.map_or(Ok(U256::ZERO), |t| parse(&t))?,
                status,
                tx: text("tx")?.map(|t| parse(&t)).transpose()?,
                reason: text("reason")?,
            }),
            None => None,
        };
        Ok(Some(KeptAnswer {
            request_id: row.try_get("request_id")?,
            body: Bytes::from(row.try_get::<Vec<u8>, _>("body")?),
            stream: row.try_get::<i64, _>("stream")? != 0,
            receipt: ReceiptRecord {
                scheme: row.try_get("scheme")?,
                payer: parse(&row.try_get::<String, _>("payer")?)?,
                id: parse(&row.try_get::<String, _>("token_id")?)?,
                prompt_tokens: row.try_get("prompt_tokens")?,
                completion_tokens: row.try_get("completion_tokens")?,
                units: row.try_get("units")?,
                signature: parse(&row.try_get::<String, _>("signature")?)?,
                voucher_digest: hash("voucher_digest")?,
                request_hash: hash("request_hash")?,
                response_hash: hash("response_hash")?,
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
        let pruned = sqlx::query("DELETE FROM answers WHERE created_at < $1")
            .bind(unix_now().saturating_sub(age_secs))
            .execute(&self.pool)
            .await?;
        Ok(pruned.rows_affected())
    }
}
