//! The ledger's schema: the migrations in `crates/gateway/migrations/`,
//! applied in order when a ledger is opened by sqlx's migrator, which
//! records each in `_sqlx_migrations`, refuses a database whose applied
//! migrations were since edited, and on PostgreSQL holds an advisory lock so
//! that instances starting together apply each exactly once. A change to
//! the schema is a new file here, never an edit of an applied one.

use std::{borrow::Cow, future::Future, pin::Pin};

use sqlx::{
    error::BoxDynError,
    migrate::{Migration, MigrationSource, MigrationType, Migrator},
    AnyPool,
};

use super::Result;

/// Each migration's version, description and SQL, built into the binary so
/// that a gateway needs no file beside it.
const MIGRATIONS: [(i64, &str, &str); 2] = [
    (
        1,
        "ledger",
        include_str!("../../migrations/0001_ledger.sql"),
    ),
    (
        2,
        "exact admitted block",
        include_str!("../../migrations/0002_exact_admitted_block.sql"),
    ),
];

/// [`MIGRATIONS`] for one backend: the same SQL, with `{bytes}` its type of
/// bytes.
#[derive(Debug)]
struct Migrations {
    bytes: &'static str,
}

impl MigrationSource<'static> for Migrations {
    fn resolve(
        self,
    ) -> Pin<Box<dyn Future<Output = std::result::Result<Vec<Migration>, BoxDynError>> + Send>>
    {
        let migrations = MIGRATIONS
            .iter()
            .map(|(version, description, sql)| {
                Migration::new(
                    *version,
                    Cow::Borrowed(*description),
                    MigrationType::Simple,
                    Cow::Owned(sql.replace("{bytes}", self.bytes)),
                    false,
                )
            })
            .collect();
        Box::pin(async move { Ok(migrations) })
    }
}

/// Brings the ledger at `pool` up to date.
///
/// # Errors
///
/// A migration fails, or one already applied differs from this build's.
pub(super) async fn migrate(pool: &AnyPool, sqlite: bool) -> Result<()> {
    let bytes = if sqlite { "BLOB" } else { "BYTEA" };
    Migrator::new(Migrations { bytes }).await?.run(pool).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use sqlx::Executor;

    use super::*;
    use crate::ledger::{Ledger, SqliteSync};

    /// A ledger written before migrations began (its tables there, no
    /// `_sqlx_migrations`) is adopted as it is and brought up to date; one
    /// opened again applies nothing twice.
    #[tokio::test]
    async fn a_ledger_from_before_migrations_is_adopted_and_migrated_once() {
        let (dir, url) = crate::ledger::testing::sqlite_ledger("old");
        let url = format!("{url}?mode=rwc");
        sqlx::any::install_default_drivers();
        let old = AnyPool::connect(&url).await.unwrap();
        old.execute(MIGRATIONS[0].2.replace("{bytes}", "BLOB").as_str())
            .await
            .unwrap();
        old.execute("INSERT INTO leases (name, owner, expires_at) VALUES ('settlement', 'old', 0)")
            .await
            .unwrap();
        old.close().await;

        for _ in 0..2 {
            let ledger = Ledger::open(&url, "test", SqliteSync::Full).await.unwrap();
            let applied: Vec<i64> =
                sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
                    .fetch_all(&ledger.pool)
                    .await
                    .unwrap();
            assert_eq!(applied, [1, 2]);
            sqlx::query("SELECT admitted_block FROM exact_payments")
                .fetch_all(&ledger.pool)
                .await
                .unwrap();
            let owner: String = sqlx::query_scalar("SELECT owner FROM leases")
                .fetch_one(&ledger.pool)
                .await
                .unwrap();
            assert_eq!(owner, "old", "what the old ledger held is kept");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
