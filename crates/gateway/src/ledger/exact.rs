//! `exact` payments (x402's EIP-3009 scheme): a nonce reserved by the
//! request that presented it, queued with its receipt once served, then
//! settled, failed, withheld or forgiven; and what a payer has promised
//! and not yet paid.

use alloy::primitives::{Address, Bytes, B256, U256};
use sqlx::{any::AnyRow, Row};

use super::{key, parse, unix_now, Ledger, LedgerError, ReceiptRecord, Result};

/// Where an `exact` payment stands (its `status` column).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExactStatus {
    /// Its request is being served.
    Reserved,
    /// Served; waiting for the settlement worker.
    Queued,
    /// On-chain.
    Settled,
    /// Served, and the chain refused it: its payer owes it.
    Failed,
    /// Not paid, and its answer did not go out.
    Withheld,
    /// Failed, then cleared by the operator (paid out of band).
    Forgiven,
}

impl ExactStatus {
    /// The column's text.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ExactStatus::Reserved => "reserved",
            ExactStatus::Queued => "queued",
            ExactStatus::Settled => "settled",
            ExactStatus::Failed => "failed",
            ExactStatus::Withheld => "withheld",
            ExactStatus::Forgiven => "forgiven",
        }
    }

    /// The status the column's `text` names.
    ///
    /// # Errors
    ///
    /// Text no status is written as (a corrupt row).
    pub fn parse(text: &str) -> Result<ExactStatus> {
        Ok(match text {
            "reserved" => ExactStatus::Reserved,
            "queued" => ExactStatus::Queued,
            "settled" => ExactStatus::Settled,
            "failed" => ExactStatus::Failed,
            "withheld" => ExactStatus::Withheld,
            "forgiven" => ExactStatus::Forgiven,
            other => return Err(LedgerError::Corrupt(format!("exact status {other:?}"))),
        })
    }

    /// Whether its payer did not pay it (failed or withheld).
    #[must_use]
    pub fn unpaid(self) -> bool {
        matches!(self, ExactStatus::Failed | ExactStatus::Withheld)
    }
}

impl core::fmt::Display for ExactStatus {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An `exact` payment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExactRow {
    /// The authorization's `from`: whose `TokenAI` it transfers.
    pub payer: Address,
    /// The authorization's EIP-3009 nonce, unique per payer.
    pub nonce: B256,
    /// The authorization's `to`: `exact.pay_to`, else the provider.
    pub pay_to: Address,
    /// The `TokenAI` it transfers, in wei: the configured `exact.price`.
    pub value: U256,
    /// The authorization's `validAfter`, a chain timestamp in seconds.
    pub valid_after: U256,
    /// The authorization's `validBefore`, a chain timestamp in seconds.
    pub valid_before: U256,
    /// The payer's signature of the authorization, as presented (65-byte
    /// ECDSA, or what its ERC-1271 wallet accepts).
    pub signature: Bytes,
    /// Where the payment stands.
    pub status: ExactStatus,
    /// A block at which the nonce was still unused, when the payment was
    /// admitted: whatever used it since is logged after it, so the search
    /// for how it was spent starts there rather than at genesis (which
    /// public RPCs refuse to scan).
    pub admitted_block: u64,
}

fn exact_of(row: &AnyRow) -> Result<ExactRow> {
    Ok(ExactRow {
        payer: parse(&row.try_get::<String, _>("payer")?)?,
        nonce: parse(&row.try_get::<String, _>("nonce")?)?,
        pay_to: parse(&row.try_get::<String, _>("pay_to")?)?,
        value: parse(&row.try_get::<String, _>("value")?)?,
        valid_after: parse(&row.try_get::<String, _>("valid_after")?)?,
        valid_before: parse(&row.try_get::<String, _>("valid_before")?)?,
        signature: parse(&row.try_get::<String, _>("signature")?)?,
        status: ExactStatus::parse(&row.try_get::<String, _>("status")?)?,
        // Rows written before the column existed search from genesis.
        admitted_block: row
            .try_get::<Option<i64>, _>("admitted_block")?
            .map_or(0, |b| u64::try_from(b).unwrap_or(0)),
    })
}

impl Ledger {
    /// Reserves an `exact` payment's nonce for request `request_id` (of
    /// this instance).
    ///
    /// # Errors
    ///
    /// `Ok(false)` when the nonce was already presented.
    pub async fn reserve_exact(&self, p: &ExactRow, request_id: &str) -> Result<bool> {
        let _gate = self.gate().await;
        let inserted = sqlx::query(
            "INSERT INTO exact_payments (payer, nonce, pay_to, value, valid_after, valid_before, signature, status, created_at, request_id, instance, admitted_block)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'reserved', $8, $9, $10, $11) ON CONFLICT (payer, nonce) DO NOTHING",
        )
        .bind(key(p.payer))
        .bind(p.nonce.to_string())
        .bind(key(p.pay_to))
        .bind(p.value.to_string())
        .bind(p.valid_after.to_string())
        .bind(p.valid_before.to_string())
        .bind(p.signature.to_string())
        .bind(unix_now())
        .bind(request_id)
        .bind(&self.instance)
        .bind(i64::try_from(p.admitted_block).unwrap_or(0))
        .execute(&self.pool)
        .await?;
        Ok(inserted.rows_affected() == 1)
    }

    /// Queues a served request's `exact` payment for settlement, with its
    /// receipt, in one transaction.
    ///
    /// # Errors
    ///
    /// [`LedgerError::Gone`] when the nonce is no longer reserved for this
    /// request (freed as stale, and perhaps presented again since); the
    /// database fails. Either way the response must not be released.
    pub async fn queue_exact(
        &self,
        request_id: &str,
        p: &ExactRow,
        receipt: &ReceiptRecord,
    ) -> Result<()> {
        let _gate = self.gate().await;
        let mut tx = self.pool.begin().await?;
        let queued = sqlx::query(
            "UPDATE exact_payments SET status = 'queued'
             WHERE payer = $1 AND nonce = $2 AND request_id = $3 AND status = 'reserved'",
        )
        .bind(key(p.payer))
        .bind(p.nonce.to_string())
        .bind(request_id)
        .execute(&mut *tx)
        .await?;
        if queued.rows_affected() != 1 {
            tx.rollback().await?;
            return Err(LedgerError::Gone(request_id.to_owned()));
        }
        Self::insert_receipt(&mut tx, request_id, receipt, 0).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Forgets an `exact` payment whose request `request_id` was not
    /// served: the nonce stays unused on-chain, so the payer keeps its
    /// money.
    ///
    /// # Errors
    ///
    /// The database fails.
    pub async fn drop_exact(&self, request_id: &str, payer: Address, nonce: B256) -> Result<()> {
        let _gate = self.gate().await;
        sqlx::query(
            "DELETE FROM exact_payments
             WHERE payer = $1 AND nonce = $2 AND request_id = $3 AND status = 'reserved'",
        )
        .bind(key(payer))
        .bind(nonce.to_string())
        .bind(request_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// `payer`'s `exact` payments that were served and did not pay (the
    /// authorization failed, or its nonce was spent on something else): how
    /// many, and one's reason. While there is one, `payer` is not served
    /// with `exact`.
    ///
    /// # Errors
    ///
    /// The database fails.
    pub async fn unpaid_exact(&self, payer: Address) -> Result<Option<(i64, String)>> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n, MIN(reason) AS reason FROM exact_payments
             WHERE payer = $1 AND status = 'failed'",
        )
        .bind(key(payer))
        .fetch_one(&self.pool)
        .await?;
        let n: i64 = row.try_get("n")?;
        let reason: Option<String> = row.try_get("reason")?;
        Ok((n > 0).then(|| (n, reason.unwrap_or_default())))
    }

    /// Records that a failed `exact` payment's answer was withheld (settled
    /// before the response, which did not go out): the payer received
    /// nothing and owes nothing for it.
    ///
    /// # Errors
    ///
    /// The database fails.
    pub async fn withhold_exact(&self, payer: Address, nonce: B256) -> Result<()> {
        let _gate = self.gate().await;
        sqlx::query(
            "UPDATE exact_payments SET status = 'withheld'
             WHERE payer = $1 AND nonce = $2 AND status = 'failed'",
        )
        .bind(key(payer))
        .bind(nonce.to_string())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// `exact` payments served and not settled yet, oldest first.
    ///
    /// # Errors
    ///
    /// The database fails.
    pub async fn queued_exact(&self, limit: i64) -> Result<Vec<ExactRow>> {
        let rows = sqlx::query(
            "SELECT payer, nonce, pay_to, value, valid_after, valid_before, signature, status, admitted_block
             FROM exact_payments WHERE status = 'queued' ORDER BY created_at LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(exact_of).collect()
    }

    /// The TokenAI `payer` has promised and that has not settled yet.
    ///
    /// # Errors
    ///
    /// The database fails.
    pub async fn exact_outstanding(&self, payer: Address) -> Result<U256> {
        let rows = sqlx::query(
            "SELECT value FROM exact_payments WHERE payer = $1 AND status IN ('reserved', 'queued')",
        )
        .bind(key(payer))
        .fetch_all(&self.pool)
        .await?;
        let mut total = U256::ZERO;
        for row in rows {
            total = total.saturating_add(parse(&row.try_get::<String, _>("value")?)?);
        }
        Ok(total)
    }

    /// Records how an `exact` payment ended: `settled` (with its
    /// transaction) or `failed` (with the reason).
    ///
    /// # Errors
    ///
    /// The database fails.
    pub async fn finish_exact(
        &self,
        payer: Address,
        nonce: B256,
        status: ExactStatus,
        tx: Option<B256>,
        reason: Option<&str>,
    ) -> Result<()> {
        let _gate = self.gate().await;
        sqlx::query("UPDATE exact_payments SET status = $1, tx = $2, reason = $3 WHERE payer = $4 AND nonce = $5")
            .bind(status.as_str())
            .bind(tx.map(|t| t.to_string()))
            .bind(reason.map(str::to_owned))
            .bind(key(payer))
            .bind(nonce.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// An `exact` payment's status, and its transaction or the reason it
    /// failed, once it has either.
    ///
    /// # Errors
    ///
    /// The database fails, or holds a transaction hash that does not parse.
    pub async fn exact_state(
        &self,
        payer: Address,
        nonce: B256,
    ) -> Result<Option<(ExactStatus, Option<B256>, Option<String>)>> {
        let row = sqlx::query(
            "SELECT status, tx, reason FROM exact_payments WHERE payer = $1 AND nonce = $2",
        )
        .bind(key(payer))
        .bind(nonce.to_string())
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let tx = row
            .try_get::<Option<String>, _>("tx")?
            .map(|t| {
                t.parse::<B256>()
                    .map_err(|e| LedgerError::Corrupt(format!("tx {t}: {e}")))
            })
            .transpose()?;
        let status = ExactStatus::parse(&row.try_get::<String, _>("status")?)?;
        Ok(Some((status, tx, row.try_get("reason")?)))
    }

    /// Counts `exact` payments by status.
    ///
    /// # Errors
    ///
    /// The database fails.
    pub async fn exact_count(&self, status: ExactStatus) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM exact_payments WHERE status = $1")
            .bind(status.as_str())
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("n")?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_statuses_read_back_what_they_write_and_refuse_other_text() {
        use ExactStatus::*;
        for status in [Reserved, Queued, Settled, Failed, Withheld, Forgiven] {
            assert_eq!(ExactStatus::parse(status.as_str()).unwrap(), status);
        }
        assert!([Failed, Withheld].iter().all(|s| s.unpaid()));
        assert!(!Settled.unpaid() && !Forgiven.unpaid());
        assert!(matches!(
            ExactStatus::parse("SETTLED"),
            Err(LedgerError::Corrupt(_))
        ));
    }
}
