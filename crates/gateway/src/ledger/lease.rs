//! Leases: a named role (the settlement worker) held by one instance at a
//! time, renewed by its holder and taken over by another once expired.

use super::{unix_now, Ledger, Result};

impl Ledger {
    /// Takes or renews the lease `name` for `owner` for `secs`: true when
    /// `owner` holds it now. One settler at a time among instances sharing
    /// the database, so they never race each other's transactions.
    ///
    /// # Errors
    ///
    /// The database fails.
    pub async fn lease(&self, name: &str, owner: &str, secs: i64) -> Result<bool> {
        let _gate = self.gate().await;
        let now = unix_now();
        sqlx::query("INSERT INTO leases (name, owner, expires_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING")
            .bind(name)
            .bind(owner)
            .bind(now.saturating_add(secs))
            .execute(&self.pool)
            .await?;
        let taken = sqlx::query(
            "UPDATE leases SET owner = $1, expires_at = $2 WHERE name = $3 AND (owner = $1 OR expires_at < $4)",
        )
        .bind(owner)
        .bind(now.saturating_add(secs))
        .bind(name)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(taken.rows_affected() == 1)
    }
}
