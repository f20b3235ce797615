//! The vouchers this gateway has published: a `settleBatch` puts each
//! voucher it carries, signature and all, in public calldata, so anyone
//! can send a copy as a payment. A copy proves nothing about who sends it,
//! so a refusal answered to one shows only what the chain already shows
//! (`payment::Shown::Public`). A voucher is recorded here before the
//! transaction that carries it is sent, and forgotten once its deadline has
//! passed (an expired voucher is refused before anything else).

use alloy::primitives::B256;

use super::{Ledger, Result};

impl Ledger {
    /// Records that the vouchers with these digests and deadlines are
    /// about to be published.
    ///
    /// # Errors
    ///
    /// The database fails (then they must not be sent).
    pub async fn publish(&self, vouchers: &[(B256, i64)]) -> Result<()> {
        if vouchers.is_empty() {
            return Ok(());
        }
        let _gate = self.gate().await;
        let mut tx = self.pool.begin().await?;
        for (digest, deadline) in vouchers {
            sqlx::query(
                "INSERT INTO published_vouchers (digest, deadline) VALUES ($1, $2)
                 ON CONFLICT (digest) DO NOTHING",
            )
            .bind(digest.to_string())
            .bind(*deadline)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Whether the voucher with this digest was published.
    ///
    /// # Errors
    ///
    /// The database fails.
    pub async fn is_published(&self, digest: B256) -> Result<bool> {
        Ok(
            sqlx::query("SELECT 1 FROM published_vouchers WHERE digest = $1")
                .bind(digest.to_string())
                .fetch_optional(&self.pool)
                .await?
                .is_some(),
        )
    }

    /// Forgets the published vouchers whose deadline is before `now` (the
    /// chain's time, which deadlines are in). Returns how many.
    ///
    /// # Errors
    ///
    /// The database fails.
    pub async fn prune_published(&self, now: i64) -> Result<u64> {
        let _gate = self.gate().await;
        let pruned = sqlx::query("DELETE FROM published_vouchers WHERE deadline < $1")
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(pruned.rows_affected())
    }
}
