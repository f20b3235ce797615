//! The ledger: what each holder owes, the latest voucher it signed, the
//! budget reserved by its requests in flight, the receipts, and the
//! `exact` payments waiting to settle. It lives in SQLite (embedded, the
//! default) or PostgreSQL (several gateway instances sharing it) through
//! the same SQL, and every change that money depends on is committed before
//! the response that depends on it is released, so a crash loses nothing
//! that was accepted.
//!
//! Budget checks are a single conditional `UPDATE` (both databases
//! re-check its `WHERE` against the row they lock), so concurrent requests
//! of one holder, on one instance or several, can never reserve more than
//! its budget. Units are `BIGINT`: vouchers and budgets beyond 2^63 are
//! refused or capped, never wrapped.
//!
//! By concern: `accounts` (what each holder owes and has settled),
//! `reservations` (admission: budgets reserved by requests in flight),
//! `charges` (a served request's charge and receipt), `exact` (EIP-3009
//! payments), `answers` (answers kept for a resend), `published`
//! (vouchers made public by settlement), `lease` (one settlement worker),
//! and `schema` (the migrations).

mod accounts;
mod answers;
mod charges;
mod exact;
mod lease;
mod published;
mod reservations;
mod schema;
#[cfg(test)]
pub(crate) mod testing;

use std::{str::FromStr, sync::Arc};

pub use accounts::AccountRow;
pub use answers::{request_id, AnswerRecord, ExactState, KeptAnswer};
pub use charges::{ReceiptRecord, SignReceipt};
pub use exact::{ExactRow, ExactStatus};
use reservations::InFlight;
pub use reservations::{VoucherAdmission, VoucherRefusal};

use alloy::primitives::{Address, U256};
use sqlx::{
    any::{AnyConnectOptions, AnyPoolOptions},
    AnyPool, Executor, Row,
};

/// What the ledger can fail with.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// The database refused or could not be reached (connection, query,
    /// constraint, transaction).
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// The ledger is not as the code relies on: mostly a stored value that
    /// does not parse (the text, or what it is), also an `SQLite` committer
    /// that stopped or an account that kept changing while being reserved.
    #[error("the ledger holds a value that does not parse: {0}")]
    Corrupt(String),
    /// A request's reservation is no longer there: it was freed as stale
    /// (its request outlived twice the upstream timeout) or by a restart.
    /// Nothing may be charged against it.
    #[error("the reservation of request {0} is gone (freed as stale); nothing was charged")]
    Gone(String),
    /// A migration failed, or one the database has applied differs from
    /// this build's or is unknown to it (a newer gateway's).
    #[error("the ledger's schema cannot be brought up to date: {0}")]
    Schema(#[from] sqlx::migrate::MigrateError),
}

type Result<T> = std::result::Result<T, LedgerError>;

/// When SQLite's commits reach the disk.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SqliteSync {
    /// Each commit is on disk before it returns: an accepted payment
    /// survives a crash of the machine, not only of the process.
    #[default]
    Full,
    /// Commits reach the disk at checkpoints: still safe when the process
    /// is killed (the write-ahead log is in the OS's hands), faster, but a
    /// power cut can lose the last moments.
    Normal,
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

fn key(address: Address) -> String {
    format!("{address:#x}")
}

fn id_key(id: U256) -> String {
    format!("{id:#066x}")
}

fn parse<T: FromStr>(text: &str) -> Result<T> {
    text.parse()
        .map_err(|_| LedgerError::Corrupt(text.to_owned()))
}

/// Where the ledger lives, and what that changes.
#[derive(Clone, Debug)]
enum Backend {
    /// SQLite: one instance by construction, so some state lives in this
    /// process ([`Embedded`]).
    Sqlite(Embedded),
    /// PostgreSQL, shared by several instances: every reservation is a row,
    /// and rows are locked by the database.
    Postgres,
}

/// What an SQLite ledger keeps in this process.
#[derive(Clone, Debug)]
struct Embedded {
    /// SQLite's writers, one at a time in this process. SQLite allows one
    /// writer; left to itself, a second one sleeps in its busy handler
    /// (1 ms, 2 ms, 5 ms...), which under load costs far more than waiting
    /// here for the first to commit.
    writers: Arc<tokio::sync::Mutex<()>>,
    /// Requests in flight, kept here rather than written: a reservation
    /// only matters while its request lives, and dies with the process
    /// anyway. The voucher a request brought is written with its charge
    /// (or its release), so admission writes nothing.
    in_flight: Arc<std::sync::Mutex<InFlight>>,
    /// Where charges go to be committed in groups
    /// ([`charges::commit_charges`]).
    charges: tokio::sync::mpsc::UnboundedSender<charges::ChargeJob>,
}

/// The ledger.
#[derive(Clone, Debug)]
pub struct Ledger {
    pool: AnyPool,
    backend: Backend,
    /// This instance's name, kept with its reservations.
    instance: String,
}

impl Ledger {
    /// Opens (creating when missing) the database at `url` and its tables.
    ///
    /// # Errors
    ///
    /// The database cannot be opened or its tables created.
    pub async fn open(url: &str, instance: &str, sqlite_sync: SqliteSync) -> Result<Ledger> {
        sqlx::any::install_default_drivers();
        let sqlite = url.starts_with("sqlite:");
        let url = if sqlite && !url.contains('?') {
            format!("{url}?mode=rwc")
        } else {
            url.to_owned()
        };
        let options = AnyConnectOptions::from_str(&url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(if sqlite { 8 } else { 16 })
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if sqlite {
                        // WAL: readers do not wait for the writer.
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute(match sqlite_sync {
                            SqliteSync::Full => "PRAGMA synchronous = FULL",
                            SqliteSync::Normal => "PRAGMA synchronous = NORMAL",
                        })
                        .await?;
                        conn.execute("PRAGMA busy_timeout = 10000").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        schema::migrate(&pool, sqlite).await?;
        let backend = if sqlite {
            let writers = Arc::new(tokio::sync::Mutex::new(()));
            let (charges, queue) = tokio::sync::mpsc::unbounded_channel();
            tokio::spawn(charges::commit_charges(
                pool.clone(),
                writers.clone(),
                queue,
            ));
            Backend::Sqlite(Embedded {
                writers,
                in_flight: Arc::default(),
                charges,
            })
        } else {
            Backend::Postgres
        };
        let ledger = Ledger {
            pool,
            backend,
            instance: instance.to_owned(),
        };
        ledger.recover().await?;
        Ok(ledger)
    }

    /// Frees what requests that died with this instance's previous run
    /// (a crash, `kill -9`) still held: their `exact` nonces (never used
    /// on-chain: the payer keeps its money and may present them again) and,
    /// with PostgreSQL, their budget reservations. With SQLite, one instance
    /// by construction, every reserved nonce is this instance's; with
    /// PostgreSQL only those this instance reserved (other instances' are
    /// freed by age, [`Ledger::release_stale`]).
    async fn recover(&self) -> Result<()> {
        let sqlite = matches!(self.backend, Backend::Sqlite(_));
        let exact = sqlx::query(
            "DELETE FROM exact_payments WHERE status = 'reserved' AND ($1 OR instance = $2)",
        )
        .bind(sqlite)
        .bind(&self.instance)
        .execute(&self.pool)
        .await?;
        if exact.rows_affected() > 0 {
            tracing::warn!(
                n = exact.rows_affected(),
                "freed the exact payments of requests in flight when this instance stopped"
            );
        }
        let rows = sqlx::query("SELECT request_id FROM reservations WHERE instance = $1")
            .bind(&self.instance)
            .fetch_all(&self.pool)
            .await?;
        for row in &rows {
            self.release(&row.try_get::<String, _>("request_id")?)
                .await?;
        }
        Ok(())
    }

    /// Waits for this process's turn to write (SQLite only).
    async fn gate(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match &self.backend {
            Backend::Sqlite(embedded) => Some(embedded.writers.lock().await),
            Backend::Postgres => None,
        }
    }

    /// Where charges go to be committed in groups (SQLite).
    fn charges(&self) -> Option<&tokio::sync::mpsc::UnboundedSender<charges::ChargeJob>> {
        match &self.backend {
            Backend::Sqlite(embedded) => Some(&embedded.charges),
            Backend::Postgres => None,
        }
    }

    /// The requests in flight, when they are kept in memory (SQLite).
    fn in_flight(&self) -> Option<&std::sync::Mutex<InFlight>> {
        match &self.backend {
            Backend::Sqlite(embedded) => Some(&embedded.in_flight),
            Backend::Postgres => None,
        }
    }

    /// Answers when the database does.
    ///
    /// # Errors
    ///
    /// It does not.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}
