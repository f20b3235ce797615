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
