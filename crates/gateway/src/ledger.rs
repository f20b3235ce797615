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

mod answers;
mod published;

use std::str::FromStr;

pub use answers::{request_id, AnswerRecord, ExactState, KeptAnswer};

use alloy::primitives::{Address, Bytes, B256, U256};
use sqlx::{
    any::{AnyConnectOptions, AnyPoolOptions, AnyRow},
    AnyPool, Executor, Row,
};

/// What the ledger can fail with.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("the ledger holds a value that does not parse: {0}")]
    Corrupt(String),
    /// A request's reservation is no longer there: it was freed as stale
    /// (its request outlived twice the upstream timeout) or by a restart.
    /// Nothing may be charged against it.
    #[error("the reservation of request {0} is gone (freed as stale); nothing was charged")]
    Gone(String),
}

type Result<T> = std::result::Result<T, LedgerError>;

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

const SCHEMA: [&str; 6] = [
    "CREATE TABLE IF NOT EXISTS accounts (
        holder TEXT NOT NULL,
        token_id TEXT NOT NULL,
        owed BIGINT NOT NULL DEFAULT 0,
        reserved BIGINT NOT NULL DEFAULT 0,
        voucher_amount BIGINT NOT NULL DEFAULT 0,
        voucher_deadline BIGINT NOT NULL DEFAULT 0,
        voucher_signature TEXT,
        voucher_at BIGINT NOT NULL DEFAULT 0,
        settled BIGINT NOT NULL DEFAULT 0,
        rejected_amount BIGINT NOT NULL DEFAULT 0,
        rejected_reason TEXT,
        PRIMARY KEY (holder, token_id))",
    "CREATE TABLE IF NOT EXISTS reservations (
        request_id TEXT PRIMARY KEY,
        instance TEXT NOT NULL,
        holder TEXT NOT NULL,
        token_id TEXT NOT NULL,
        amount BIGINT NOT NULL,
        created_at BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS receipts (
        request_id TEXT PRIMARY KEY,
        scheme TEXT NOT NULL,
        payer TEXT NOT NULL,
        token_id TEXT NOT NULL,
        prompt_tokens BIGINT NOT NULL,
        completion_tokens BIGINT NOT NULL,
        units BIGINT NOT NULL,
        owed_after BIGINT NOT NULL,
        signature TEXT NOT NULL,
        created_at BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS exact_payments (
        payer TEXT NOT NULL,
        nonce TEXT NOT NULL,
        pay_to TEXT NOT NULL,
        value TEXT NOT NULL,
        valid_after TEXT NOT NULL,
        valid_before TEXT NOT NULL,
        signature TEXT NOT NULL,
        status TEXT NOT NULL,
        tx TEXT,
        reason TEXT,
        created_at BIGINT NOT NULL,
        PRIMARY KEY (payer, nonce))",
    "CREATE TABLE IF NOT EXISTS leases (
        name TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        expires_at BIGINT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS exact_by_status ON exact_payments (status)",
];

/// Columns added since the first schema, created on open when missing:
/// (table, column, type; `{blob}` is the backend's bytes). The request (and
/// the instance serving it) that reserved an `exact` nonce, and the block
/// the chain had reached then; a receipt's
/// answer, kept a while ([`answers`]).
const ADDED_COLUMNS: [(&str, &str, &str); 5] = [
    ("exact_payments", "request_id", "TEXT"),
    ("exact_payments", "instance", "TEXT"),
    ("exact_payments", "admitted_block", "BIGINT"),
    ("receipts", "answer", "{blob}"),
    ("receipts", "stream", "BIGINT"),
];

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

/// One holder's account for one id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccountRow {
    pub holder: Address,
    pub id: U256,
    pub owed: i64,
    pub reserved: i64,
    pub voucher_amount: i64,
    pub voucher_deadline: i64,
    pub voucher_signature: Option<Bytes>,
    pub voucher_at: i64,
    pub settled: i64,
    pub rejected_amount: i64,
    pub rejected_reason: Option<String>,
}

/// An `exact` payment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExactRow {
    pub payer: Address,
    pub nonce: B256,
    pub pay_to: Address,
    pub value: U256,
    pub valid_after: U256,
    pub valid_before: U256,
    pub signature: Bytes,
    pub status: ExactStatus,
    /// A block at which the nonce was still unused, when the payment was
    /// admitted: whatever used it since is logged after it, so the search
    /// for how it was spent starts there rather than at genesis (which
    /// public RPCs refuse to scan).
    pub admitted_block: u64,
}

/// What a voucher-paid request asks of the ledger.
#[derive(Clone, Debug)]
pub struct VoucherAdmission {
    pub request_id: String,
    pub holder: Address,
    pub id: U256,
    pub cumulative: i64,
    pub deadline: i64,
    pub signature: Bytes,
    /// The request's maximum cost: reserved until it is charged.
    pub max_cost: i64,
    /// The most the holder may owe in total: settled on-chain plus what its
    /// channel (or balance) still covers.
    pub cap: i64,
    pub credit_limit: i64,
    /// What the chain has settled of the account: the least the holder
    /// owes, whatever the ledger counted ([`Ledger::set_settled`]).
    pub settled: i64,
}

/// Why a voucher was not admitted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VoucherRefusal {
    /// A later voucher is already held.
    Stale { held: i64 },
    /// This voucher was already counted and the holder owes more now.
    Replayed { owed: i64 },
    /// The voucher does not cover what is owed.
    UnderCovering { owed: i64 },
    /// The channel (or balance) does not cover what is owed, reserved and
    /// this request's maximum cost.
    Budget { cap: i64, needed: i64 },
    /// The holder would owe more than the credit limit beyond its voucher.
    Credit { limit: i64, exposure: i64 },
    /// The voucher is for more than is owed. The gateway only ever settles
    /// what it charged, and keeps the latest voucher only: one for more than
    /// the charges reach would never settle, nor let an earlier one be.
    Excessive { most: i64 },
}

impl std::fmt::Display for VoucherRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VoucherRefusal::Stale { held } => write!(
                f,
                "stale voucher: one for {held} units is already held; sign one covering what is owed"
            ),
            VoucherRefusal::Replayed { owed } => write!(
                f,
                "replayed voucher: it was already counted and {owed} units are owed now"
            ),
            VoucherRefusal::UnderCovering { owed } => write!(
                f,
                "the voucher does not cover the {owed} units owed"
            ),
            VoucherRefusal::Budget { cap, needed } => write!(
                f,
                "insufficient budget: the channel (or balance) covers {cap} units in total, this request could bring it to {needed}"
            ),
            VoucherRefusal::Credit { limit, exposure } => write!(
                f,
                "credit limit: {exposure} units would be owed beyond the voucher; the limit is {limit}"
            ),
            VoucherRefusal::Excessive { most } => write!(
                f,
                "the voucher is for more than is owed ({most} units); sign one for exactly what is owed"
            ),
        }
    }
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

fn account_of(row: &AnyRow) -> Result<AccountRow> {
    let signature: Option<String> = row.try_get("voucher_signature")?;
    Ok(AccountRow {
        holder: parse(&row.try_get::<String, _>("holder")?)?,
        id: parse(&row.try_get::<String, _>("token_id")?)?,
        owed: row.try_get("owed")?,
        reserved: row.try_get("reserved")?,
        voucher_amount: row.try_get("voucher_amount")?,
        voucher_deadline: row.try_get("voucher_deadline")?,
        voucher_signature: signature.map(|s| parse(&s)).transpose()?,
        voucher_at: row.try_get("voucher_at")?,
        settled: row.try_get("settled")?,
        rejected_amount: row.try_get("rejected_amount")?,
        rejected_reason: row.try_get("rejected_reason")?,
    })
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

/// Accounts with requests in flight, and the requests (SQLite only).
#[derive(Debug, Default)]
pub struct InFlight {
    /// Each account as last written, with the latest voucher accepted
    /// applied, and `reserved` what its requests in flight reserved.
    accounts: std::collections::HashMap<(Address, U256), AccountRow>,
    /// Each request's account and reservation, and when it was made.
    requests: std::collections::HashMap<String, ((Address, U256), i64, std::time::Instant)>,
}

/// A voucher's fields as an account keeps them.
#[derive(Clone, Debug, Default)]
struct VoucherFields {
    amount: i64,
    deadline: i64,
    signature: Option<Bytes>,
    at: i64,
}

impl VoucherFields {
    fn of(row: &AccountRow) -> VoucherFields {
        VoucherFields {
            amount: row.voucher_amount,
            deadline: row.voucher_deadline,
            signature: row.voucher_signature.clone(),
            at: row.voucher_at,
        }
    }
}

/// Applies an admitted voucher to `row`: kept when it is for more, or for
/// as much with a later deadline.
fn keep_voucher(row: &mut AccountRow, a: &VoucherAdmission, now: i64) {
    let more = a.cumulative > row.voucher_amount;
    if more || (a.cumulative == row.voucher_amount && a.deadline > row.voucher_deadline) {
        row.voucher_deadline = a.deadline;
        row.voucher_signature = Some(a.signature.clone());
    }
    if more {
        row.voucher_amount = a.cumulative;
        row.voucher_at = now;
    }
}

fn lock_in_flight(f: &std::sync::Mutex<InFlight>) -> std::sync::MutexGuard<'_, InFlight> {
    f.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Adds `owed` and `reserved` to an account and keeps `voucher` when it is
/// the latest, creating the account when needed; returns it as written.
/// (One statement, the same on SQLite and PostgreSQL.)
const APPLY: &str = "INSERT INTO accounts (holder, token_id, owed, reserved, voucher_amount, voucher_deadline, voucher_signature, voucher_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (holder, token_id) DO UPDATE SET
       owed = accounts.owed + excluded.owed,
       reserved = accounts.reserved + excluded.reserved,
       voucher_signature = CASE WHEN excluded.voucher_amount > accounts.voucher_amount
           OR (excluded.voucher_amount = accounts.voucher_amount AND excluded.voucher_deadline > accounts.voucher_deadline)
         THEN excluded.voucher_signature ELSE accounts.voucher_signature END,
       voucher_deadline = CASE WHEN excluded.voucher_amount > accounts.voucher_amount
           OR (excluded.voucher_amount = accounts.voucher_amount AND excluded.voucher_deadline > accounts.voucher_deadline)
         THEN excluded.voucher_deadline ELSE accounts.voucher_deadline END,
       voucher_at = CASE WHEN excluded.voucher_amount > accounts.voucher_amount THEN excluded.voucher_at ELSE accounts.voucher_at END,
       voucher_amount = CASE WHEN excluded.voucher_amount > accounts.voucher_amount THEN excluded.voucher_amount ELSE accounts.voucher_amount END
     RETURNING ";

/// The ledger.
#[derive(Clone, Debug)]
pub struct Ledger {
    pool: AnyPool,
    /// SQLite's writers, one at a time in this process. SQLite allows one
    /// writer; left to itself, a second one sleeps in its busy handler
    /// (1 ms, 2 ms, 5 ms...), which under load costs far more than waiting
    /// here for the first to commit. (PostgreSQL: none; rows are locked.)
    writers: Option<std::sync::Arc<tokio::sync::Mutex<()>>>,
    /// With SQLite (one instance by construction), requests in flight are
    /// kept here rather than written: a reservation only matters while its
    /// request lives, and dies with the process anyway. The voucher a
    /// request brought is written with its charge (or its release), so
    /// admission writes nothing. With PostgreSQL (`None`), reservations are
    /// rows, shared by the instances.
    in_flight: Option<std::sync::Arc<std::sync::Mutex<InFlight>>>,
    /// With SQLite, where charges go to be committed in groups
    /// ([`commit_charges`]).
    charges: Option<tokio::sync::mpsc::UnboundedSender<ChargeJob>>,
    /// This instance's name, kept with its reservations.
    instance: String,
}

/// Signs a usage receipt for what is owed after its charge.
pub type SignReceipt = Box<dyn Fn(i64) -> Bytes + Send + Sync>;

/// A charge waiting for the SQLite committer.
struct ChargeJob {
    request_id: String,
    receipt: ReceiptRecord,
    voucher: VoucherFields,
    sign: SignReceipt,
    reply: tokio::sync::oneshot::Sender<Result<(AccountRow, Bytes)>>,
}

/// The most charges one SQLite transaction commits together.
const MAX_GROUP: usize = 64;

/// Commits the charges sent to it, as many as are waiting (up to
/// [`MAX_GROUP`]) in one transaction: one `fsync` for all of them rather than
/// one each, which is what bounds a gateway's throughput with
/// `synchronous=FULL`. Each charge is answered only once its transaction is
/// committed. When a group fails, its charges are tried one by one, so that
/// one bad charge fails alone.
async fn commit_charges(
    pool: AnyPool,
    writers: std::sync::Arc<tokio::sync::Mutex<()>>,
    mut queue: tokio::sync::mpsc::UnboundedReceiver<ChargeJob>,
) {
    while let Some(first) = queue.recv().await {
        let mut jobs = vec![first];
        while jobs.len() < MAX_GROUP {
            match queue.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        let _gate = writers.lock().await;
        match charge_group(&pool, &jobs).await {
            Ok(written) => {
                for (job, result) in jobs.into_iter().zip(written) {
                    let _ = job.reply.send(Ok(result));
                }
            }
            Err(_) => {
                for job in jobs {
                    let result = charge_group(&pool, std::slice::from_ref(&job))
                        .await
                        .map(|mut one| one.remove(0));
                    let _ = job.reply.send(result);
                }
            }
        }
    }
}

/// `jobs`' charges in one transaction.
async fn charge_group(pool: &AnyPool, jobs: &[ChargeJob]) -> Result<Vec<(AccountRow, Bytes)>> {
    let mut tx = pool.begin().await?;
    let mut written = Vec::with_capacity(jobs.len());
    for job in jobs {
        written.push(
            Ledger::charge_in(
                &mut tx,
                &job.request_id,
                &job.receipt,
                &job.sign,
                0,
                &job.voucher,
            )
            .await?,
        );
    }
    tx.commit().await?;
    Ok(written)
}

async fn has_column(pool: &AnyPool, table: &str, column: &str) -> bool {
    sqlx::query(&format!("SELECT {column} FROM {table} WHERE 1 = 0"))
        .fetch_all(pool)
        .await
        .is_ok()
}

/// Adds `column` to `table` unless it is there (instances starting
/// together on PostgreSQL may race: the loser finds it added).
async fn add_column(pool: &AnyPool, table: &str, column: &str, kind: &str) -> Result<()> {
    if has_column(pool, table, column).await {
        return Ok(());
    }
    let added = pool
        .execute(format!("ALTER TABLE {table} ADD COLUMN {column} {kind}").as_str())
        .await;
    match added {
        Ok(_) => Ok(()),
        Err(_) if has_column(pool, table, column).await => Ok(()),
        Err(err) => Err(err.into()),
    }
}

const ACCOUNT_COLUMNS: &str =
    "holder, token_id, owed, reserved, voucher_amount, voucher_deadline, \
     voucher_signature, voucher_at, settled, rejected_amount, rejected_reason";

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
        for statement in SCHEMA {
            // Instances starting together may race to create a table on
            // PostgreSQL; the loser finds it created.
            if let Err(err) = pool.execute(statement).await {
                if pool.execute(statement).await.is_err() {
                    return Err(err.into());
                }
            }
        }
        let blob = if sqlite { "BLOB" } else { "BYTEA" };
        for (table, column, kind) in ADDED_COLUMNS {
            add_column(&pool, table, column, &kind.replace("{blob}", blob)).await?;
        }
        for statement in [answers::INDEX, published::TABLE] {
            if let Err(err) = pool.execute(statement).await {
                if pool.execute(statement).await.is_err() {
                    return Err(err.into());
                }
            }
        }
        let writers = sqlite.then(|| std::sync::Arc::new(tokio::sync::Mutex::new(())));
        let charges = writers.as_ref().map(|writers| {
            let (send, queue) = tokio::sync::mpsc::unbounded_channel();
            tokio::spawn(commit_charges(pool.clone(), writers.clone(), queue));
            send
        });
        let ledger = Ledger {
            pool,
            writers,
            in_flight: sqlite
                .then(|| std::sync::Arc::new(std::sync::Mutex::new(InFlight::default()))),
            charges,
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
        let sqlite = self.in_flight.is_some();
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
        match &self.writers {
            Some(writers) => Some(writers.lock().await),
            None => None,
        }
    }

    /// `holder`'s account for `id`, if it has one.
    ///
    /// # Errors
    ///
    /// The database fails.
    pub async fn account(&self, holder: Address, id: U256) -> Result<Option<AccountRow>> {
        let row = sqlx::query(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE holder = $1 AND token_id = $2"
        ))
        .bind(key(holder))
        .bind(id_key(id))
        .fetch_optional(&self.pool)
        .await?;
        let mut account = row.as_ref().map(account_of).transpose()?;
        // With SQLite, what requests in flight reserve is in memory.
        if let (Some(in_flight), Some(account)) = (&self.in_flight, account.as_mut()) {
            if let Some(live) = lock_in_flight(in_flight).accounts.get(&(holder, id)) {
                account.reserved = live.reserved;
            }
        }
        Ok(account)
    }

    /// All of `holder`'s accounts.
    ///
    /// # Errors
    ///
    /// The database fails.
    pub async fn accounts_of(&self, holder: Address) -> Result<Vec<AccountRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE holder = $1 ORDER BY token_id"
        ))
        .bind(key(holder))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(account_of).collect()
    }

    /// Why `a` cannot be admitted against `row`, if it cannot.
    fn refusal(row: &AccountRow, a: &VoucherAdmission) -> Option<VoucherRefusal> {
        if a.cumulative < row.voucher_amount {
            return Some(VoucherRefusal::Stale {
                held: row.voucher_amount,
            });
        }
        if a.cumulative < row.owed {
            return Some(if a.cumulative == row.voucher_amount {
                VoucherRefusal::Replayed { owed: row.owed }
            } else {
                VoucherRefusal::UnderCovering { owed: row.owed }
            });
        }
        let needed = row
            .owed
            .saturating_add(row.reserved)
            .saturating_add(a.max_cost);
        if needed > a.cap {
            return Some(VoucherRefusal::Budget { cap: a.cap, needed });
        }
        if a.cumulative > row.owed {
            return Some(VoucherRefusal::Excessive { most: row.owed });
        }
        let exposure = needed.saturating_sub(a.cumulative);
        if exposure > a.credit_limit {
            return Some(VoucherRefusal::Credit {
                limit: a.credit_limit,
                exposure,
            });
        }
        None
    }

    /// Admits a voucher-paid request: keeps the voucher when it is the
    /// latest, and reserves the request's maximum cost, atomically.
    ///
    /// # Errors
    ///
    /// `Ok(Err(refusal))` when the voucher or the budget does not allow it;
    /// `Err` when the database fails.
    pub async fn admit_voucher(
        &self,
        a: &VoucherAdmission,
    ) -> Result<std::result::Result<AccountRow, VoucherRefusal>> {
        if let Some(in_flight) = &self.in_flight {
            return self.admit_in_memory(in_flight, a).await;
        }
        let (holder, id) = (key(a.holder), id_key(a.id));
        let now = unix_now();
        // A racing request of the same holder can change the row between
        // the read and the update; the update's WHERE then fails and the
        // row is read again.
        for _ in 0..16 {
            let Some(row) = self.account(a.holder, a.id).await? else {
                // A holder's first request: its account, empty.
                let _gate = self.gate().await;
                sqlx::query(
                    "INSERT INTO accounts (holder, token_id) VALUES ($1, $2) ON CONFLICT (holder, token_id) DO NOTHING",
                )
                .bind(&holder)
                .bind(&id)
                .execute(&self.pool)
                .await?;
                continue;
            };
            if row.owed < a.settled {
                self.set_settled(a.holder, a.id, a.settled).await?;
                continue;
            }
            if let Some(refusal) = Self::refusal(&row, a) {
                return Ok(Err(refusal));
            }
            let _gate = self.gate().await;
            let mut tx = self.pool.begin().await?;
            let updated = sqlx::query(
                "UPDATE accounts SET
                    voucher_signature = CASE WHEN $1 > voucher_amount OR ($1 = voucher_amount AND $2 > voucher_deadline) THEN $3 ELSE voucher_signature END,
                    voucher_deadline = CASE WHEN $1 > voucher_amount OR ($1 = voucher_amount AND $2 > voucher_deadline) THEN $2 ELSE voucher_deadline END,
                    voucher_at = CASE WHEN $1 > voucher_amount THEN $4 ELSE voucher_at END,
                    voucher_amount = CASE WHEN $1 > voucher_amount THEN $1 ELSE voucher_amount END,
                    reserved = reserved + $5
                 WHERE holder = $6 AND token_id = $7 AND $1 >= voucher_amount AND $1 >= owed
                   AND owed + reserved + $5 <= $8 AND owed + reserved + $5 - $1 <= $9
                   AND $1 <= owed",
            )
            .bind(a.cumulative)
            .bind(a.deadline)
            .bind(a.signature.to_string())
            .bind(now)
            .bind(a.max_cost)
            .bind(&holder)
            .bind(&id)
            .bind(a.cap)
            .bind(a.credit_limit)
            .execute(&mut *tx)
            .await?;
            if updated.rows_affected() == 0 {
                tx.rollback().await?;
                continue;
            }
            if a.max_cost > 0 {
                sqlx::query(
                    "INSERT INTO reservations (request_id, instance, holder, token_id, amount, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(&a.request_id)
                .bind(&self.instance)
                .bind(&holder)
                .bind(&id)
                .bind(a.max_cost)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            return Ok(Ok(row));
        }
        Err(LedgerError::Corrupt(format!(
            "the account of {holder} for {id} kept changing"
        )))
    }

    /// [`Ledger::admit_voucher`] with SQLite: checked and reserved under
    /// one lock, nothing written.
    async fn admit_in_memory(
        &self,
        in_flight: &std::sync::Mutex<InFlight>,
        a: &VoucherAdmission,
    ) -> Result<std::result::Result<AccountRow, VoucherRefusal>> {
        let k = (a.holder, a.id);
        loop {
            let behind = {
                let mut f = lock_in_flight(in_flight);
                let f = &mut *f;
                match f.accounts.get_mut(&k) {
                    Some(row) if row.owed < a.settled => true,
                    Some(row) => {
                        if let Some(refusal) = Self::refusal(row, a) {
                            return Ok(Err(refusal));
                        }
                        let before = row.clone();
                        keep_voucher(row, a, unix_now());
                        row.reserved = row.reserved.saturating_add(a.max_cost);
                        if a.max_cost > 0 {
                            f.requests.insert(
                                a.request_id.clone(),
                                (k, a.max_cost, std::time::Instant::now()),
                            );
                        }
                        return Ok(Ok(before));
                    }
                    None => false,
                }
            };
            if behind {
                // Written first, so that what the ledger keeps is never
                // below what memory admits on.
                self.set_settled(a.holder, a.id, a.settled).await?;
                if let Some(row) = lock_in_flight(in_flight).accounts.get_mut(&k) {
                    row.owed = row.owed.max(a.settled);
                    row.settled = row.settled.max(a.settled);
                }
                continue;
            }
            // The account's first request since start: as written.
            let mut row = self
                .account(a.holder, a.id)
                .await?
                .unwrap_or_else(|| AccountRow {
                    holder: a.holder,
                    id: a.id,
                    ..AccountRow::default()
                });
            row.reserved = 0;
            lock_in_flight(in_flight).accounts.entry(k).or_insert(row);
        }
    }

    /// Writes `owed` more and `voucher` for an account, in `tx`.
    async fn apply(
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        holder: Address,
        id: U256,
        owed: i64,
        reserved: i64,
        voucher: &VoucherFields,
    ) -> Result<AccountRow> {
        let row = sqlx::query(&format!("{APPLY}{ACCOUNT_COLUMNS}"))
            .bind(key(holder))
            .bind(id_key(id))
            .bind(owed)
            .bind(reserved)
            .bind(voucher.amount)
            .bind(voucher.deadline)
            .bind(voucher.signature.as_ref().map(ToString::to_string))
            .bind(voucher.at)
            .fetch_one(&mut **tx)
            .await?;
        account_of(&row)
    }

    /// Takes a request out of memory: its account's key, its reservation
    /// (still counted until [`Ledger::done`]), and the account's latest
    /// voucher.
    fn take_in_flight(&self, request_id: &str) -> Option<((Address, U256), i64, VoucherFields)> {
        let mut f = lock_in_flight(self.in_flight.as_ref()?);
        let (k, amount, _) = f.requests.remove(request_id)?;
        let voucher = VoucherFields::of(f.accounts.get(&k)?);
        Some((k, amount, voucher))
    }

    /// Ends a request in memory: frees its reservation and, in the same
    /// step, counts what was written (so that no admission in between sees
    /// the reservation gone and the charge not yet there).
    fn done(&self, k: (Address, U256), reserved: i64, written: Option<&AccountRow>) {
        if let Some(in_flight) = &self.in_flight {
            let mut f = lock_in_flight(in_flight);
            if let Some(live) = f.accounts.get_mut(&k) {
                live.reserved = live.reserved.saturating_sub(reserved);
                if let Some(row) = written {
                    live.owed = live.owed.max(row.owed);
                    live.settled = live.settled.max(row.settled);
                }
            }
        }
    }

    /// Charges a served request: adds `units` to what the holder owes,
    /// frees its reservation and keeps its receipt, signed by `sign` for
    /// the amount owed after the charge, in one transaction. Returns what
    /// the holder owes now and the receipt's signature.
    ///
    /// # Errors
    ///
    /// The database fails (the charge is then not made, and the response
    /// must not be released).
    pub async fn charge(
        &self,
        request_id: &str,
        receipt: &ReceiptRecord,
        sign: SignReceipt,
    ) -> Result<(AccountRow, Bytes)> {
        let taken = self.take_in_flight(request_id);
        let result = self
            .charge_written(request_id, receipt, sign, taken.as_ref())
            .await;
        if let Some((k, amount, _)) = taken {
            self.done(k, amount, result.as_ref().ok().map(|(row, _)| row));
        }
        result
    }

    async fn charge_written(
        &self,
        request_id: &str,
        receipt: &ReceiptRecord,
        sign: SignReceipt,
        taken: Option<&((Address, U256), i64, VoucherFields)>,
    ) -> Result<(AccountRow, Bytes)> {
        if let (Some(charges), Some((_, _, voucher))) = (&self.charges, taken) {
            // SQLite: the reservation was in memory; the voucher is written
            // now, with the charge, by the committer.
            let (reply, answer) = tokio::sync::oneshot::channel();
            let job = ChargeJob {
                request_id: request_id.to_owned(),
                receipt: receipt.clone(),
                voucher: voucher.clone(),
                sign,
                reply,
            };
            let stopped = || LedgerError::Corrupt("the ledger's committer stopped".into());
            charges.send(job).map_err(|_| stopped())?;
            return answer.await.unwrap_or_else(|_| Err(stopped()));
        }
        let _gate = self.gate().await;
        let mut tx = self.pool.begin().await?;
        let reserved: i64 =
            sqlx::query("DELETE FROM reservations WHERE request_id = $1 RETURNING amount")
                .bind(request_id)
                .fetch_optional(&mut *tx)
                .await?
                .map(|row| row.try_get::<i64, _>("amount"))
                .transpose()?
                .unwrap_or(0);
        let written = Self::charge_in(
            &mut tx,
            request_id,
            receipt,
            &sign,
            reserved,
            &VoucherFields::default(),
        )
        .await?;
        tx.commit().await?;
        Ok(written)
    }

    /// A charge's writes, in `tx`: what is owed (less the `reserved` budget
    /// it frees) and the voucher, then the receipt, signed for the amount
    /// owed after it.
    async fn charge_in(
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        request_id: &str,
        receipt: &ReceiptRecord,
        sign: &SignReceipt,
        reserved: i64,
        voucher: &VoucherFields,
    ) -> Result<(AccountRow, Bytes)> {
        let account = Self::apply(
            tx,
            receipt.payer,
            receipt.id,
            receipt.units,
            -reserved,
            voucher,
        )
        .await?;
        let owed = account.owed;
        let signature = sign(owed);
        let signed = ReceiptRecord {
            signature: signature.clone(),
            ..receipt.clone()
        };
        Self::insert_receipt(tx, request_id, &signed, owed).await?;
        Ok((account, signature))
    }

    /// A receipt and, when it is to be kept, its answer, in `tx`.
    async fn insert_receipt(
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        request_id: &str,
        r: &ReceiptRecord,
        owed: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO receipts (request_id, scheme, payer, token_id, prompt_tokens, completion_tokens, units, owed_after, signature, created_at, answer, stream)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(request_id)
        .bind(&r.scheme)
        .bind(key(r.payer))
        .bind(id_key(r.id))
        .bind(r.prompt_tokens)
        .bind(r.completion_tokens)
        .bind(r.units)
        .bind(owed)
        .bind(r.signature.to_string())
        .bind(unix_now())
        .bind(r.answer.as_ref().map(|a| a.body.to_vec()))
        .bind(r.answer.as_ref().map(|a| i64::from(a.stream)))
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Frees a request's reservation without charging (the upstream
    /// failed, or the request never reached it).
    ///
    /// # Errors
    ///
    /// The database fails.
    pub async fn release(&self, request_id: &str) -> Result<()> {
        if let Some((k, amount, voucher)) = self.take_in_flight(request_id) {
            // The reservation goes whatever happens; the voucher it brought
            // is kept, since it covers what was owed.
            self.done(k, amount, None);
            let _gate = self.gate().await;
            let mut tx = self.pool.begin().await?;
            Self::apply(&mut tx, k.0, k.1, 0, 0, &voucher).await?;
            tx.commit().await?;
            return Ok(());
        }
        let _gate = self.gate().await;
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(
            "DELETE FROM reservations WHERE request_id = $1 RETURNING holder, token_id, amount",
        )
        .bind(request_id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = row {
            sqlx::query(
                "UPDATE accounts SET reserved = reserved - $1 WHERE holder = $2 AND token_id = $3",
            )
            .bind(row.try_get::<i64, _>("amount")?)
            .bind(row.try_get::<String, _>("holder")?)
            .bind(row.try_get::<String, _>("token_id")?)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Frees reservations older than `age_secs`, budget and `exact` nonces:
    /// those of requests that died with an instance (no request lives that
    /// long: the upstream's timeout bounds it). Returns how many.
    ///
    /// # Errors
    ///
    /// The database fails.
    pub async fn release_stale(&self, age_secs: i64) -> Result<usize> {
        let before = unix_now().saturating_sub(age_secs);
        let mut stale: Vec<String> =
            sqlx::query("SELECT request_id FROM reservations WHERE created_at < $1")
                .bind(before)
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|row| row.try_get::<String, _>("request_id"))
                .collect::<std::result::Result<_, _>>()?;
        // With SQLite, reservations live in memory: a request whose client
        // went away mid-flight (its handler dropped) is freed here too.
        if let Some(in_flight) = &self.in_flight {
            let age = std::time::Duration::from_secs(age_secs.unsigned_abs());
            stale.extend(
                lock_in_flight(in_flight)
                    .requests
                    .iter()
                    .filter(|(_, (_, _, since))| since.elapsed() >= age)
                    .map(|(id, _)| id.clone()),
            );
        }
        for request_id in &stale {
            self.release(request_id).await?;
        }
        let _gate = self.gate().await;
        let exact =
            sqlx::query("DELETE FROM exact_payments WHERE status = 'reserved' AND created_at < $1")
                .bind(before)
                .execute(&self.pool)
                .await?;
        Ok(stale.len() + usize::try_from(exact.rows_affected()).unwrap_or(usize::MAX))
    }

    /// Keeps a voucher sent without a request (`POST /aat/vouchers`) when
    /// it covers what is owed and is the latest.
    ///
    /// # Errors
    ///
    /// `Ok(Err)` when it is stale or does not cover what is owed.
    pub async fn record_voucher(
        &self,
        holder: Address,
        id: U256,
        cumulative: i64,
        deadline: i64,
        signature: &Bytes,
        settled: i64,
    ) -> Result<std::result::Result<AccountRow, VoucherRefusal>> {
        // The same checks as a request's, reserving nothing and with no
        // budget to check: it only records a signature.
        let admitted = self
            .admit_voucher(&VoucherAdmission {
                request_id: String::new(),
                holder,
                id,
                cumulative,
                deadline,
                signature: signature.clone(),
                max_cost: 0,
                cap: i64::MAX,
                credit_limit: i64::MAX,
                settled,
            })
            .await?;
        if admitted.is_ok() && self.in_flight.is_some() {
            let voucher = VoucherFields {
                amount: cumulative,
                deadline,
                signature: Some(signature.clone()),
                at: unix_now(),
            };
            let _gate = self.gate().await;
            let mut tx = self.pool.begin().await?;
            Self::apply(&mut tx, holder, id, 0, 0, &voucher).await?;
            tx.commit().await?;
        }
        Ok(admitted)
    }

    /// Accounts whose latest voucher is above what is settled, not above
    /// what was charged (a voucher for more waits until the charges reach
    /// it: only what was charged is ever settled), and not already refused
    /// by the contract.
    ///
    /// # Errors
    ///
    /// The database fails.
    pub async fn unsettled(&self) -> Result<Vec<AccountRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts
             WHERE voucher_amount > settled AND voucher_amount <= owed
               AND voucher_signature IS NOT NULL AND voucher_amount <> rejected_amount
             ORDER BY voucher_at"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(account_of).collect()
    }

    /// Records what the chain has settled of an account (never lowers it),
    /// and that the holder owes at least that much: a ledger restored from
    /// a backup, or another gateway settling with this provider's key, may
    /// have counted less, and a voucher for less than is settled pays
    /// nothing.
    ///
    /// # Errors
    ///
    /// The database fails.
    pub async fn set_settled(&self, holder: Address, id: U256, settled: i64) -> Result<()> {
        let _gate = self.gate().await;
        sqlx::query(
            "INSERT INTO accounts (holder, token_id, owed, settled) VALUES ($2, $3, $1, $1)
             ON CONFLICT (holder, token_id) DO UPDATE SET
               settled = CASE WHEN $1 > accounts.settled THEN $1 ELSE accounts.settled END,
               owed = CASE WHEN $1 > accounts.owed THEN $1 ELSE accounts.owed END",
        )
        .bind(settled)
        .bind(key(holder))
        .bind(id_key(id))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records that the contract refused the voucher for `amount`, so it is
    /// not tried again until the holder signs another.
    ///
    /// # Errors
    ///
    /// The database fails.
    pub async fn set_rejected(
        &self,
        holder: Address,
        id: U256,
        amount: i64,
        reason: &str,
    ) -> Result<()> {
        let _gate = self.gate().await;
        sqlx::query(
            "UPDATE accounts SET rejected_amount = $1, rejected_reason = $2 WHERE holder = $3 AND token_id = $4",
        )
        .bind(amount)
        .bind(reason)
        .bind(key(holder))
        .bind(id_key(id))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Units owed by all holders and not settled yet.
    ///
    /// # Errors
    ///
    /// The database fails.
    pub async fn pending_units(&self) -> Result<i64> {
        let row = sqlx::query(
            "SELECT CAST(COALESCE(SUM(owed - settled), 0) AS BIGINT) AS pending FROM accounts",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get("pending")?)
    }

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

/// A receipt as the ledger keeps it.
#[derive(Clone, Debug)]
pub struct ReceiptRecord {
    pub scheme: String,
    pub payer: Address,
    pub id: U256,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    pub units: i64,
    pub signature: Bytes,
    /// What the signed usage receipt covers (zero for `exact`); not
    /// stored: they are the request's, its payment's and its answer's.
    pub voucher_digest: B256,
    pub request_hash: B256,
    pub response_hash: B256,
    /// The answer, kept with the charge so that a payer it never reached
    /// can ask for it again.
    pub answer: Option<AnswerRecord>,
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

    fn admission(request_id: &str, holder: Address, cumulative: i64) -> VoucherAdmission {
        VoucherAdmission {
            request_id: request_id.to_owned(),
            holder,
            id: U256::from(7),
            cumulative,
            deadline: i64::MAX,
            signature: Bytes::from(vec![1; 65]),
            max_cost: 100,
            cap: 1_000_000,
            credit_limit: 1_000_000,
            settled: 0,
        }
    }

    fn receipt(holder: Address, units: i64) -> ReceiptRecord {
        ReceiptRecord {
            scheme: "aat-voucher".into(),
            payer: holder,
            id: U256::from(7),
            prompt_tokens: 1,
            completion_tokens: 1,
            units,
            signature: Bytes::new(),
            voucher_digest: B256::ZERO,
            request_hash: B256::ZERO,
            response_hash: B256::ZERO,
            answer: None,
        }
    }

    fn signs() -> SignReceipt {
        Box::new(|owed| Bytes::from(owed.to_be_bytes().to_vec()))
    }

    /// Charges that wait together are committed together; one that cannot
    /// be written (its receipt's request id is taken) fails alone and the
    /// others of its group are still charged.
    #[tokio::test]
    async fn a_bad_charge_fails_alone_in_its_group() {
        let dir = std::env::temp_dir().join(format!("aat-ledger-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}", dir.join("group.db").display());
        let ledger = Ledger::open(&url, "test", SqliteSync::Full).await.unwrap();
        let holder = Address::repeat_byte(0x11);
        assert!(ledger
            .admit_voucher(&admission("a", holder, 0))
            .await
            .unwrap()
            .is_ok());
        let (row, signature) = ledger
            .charge("a", &receipt(holder, 10), signs())
            .await
            .unwrap();
        assert_eq!(
            (row.owed, signature.to_vec()),
            (10, 10i64.to_be_bytes().to_vec())
        );

        // "a" again (its receipt exists) and "b", sent before the committer
        // runs (one thread): one group.
        assert!(ledger
            .admit_voucher(&admission("a", holder, 10))
            .await
            .unwrap()
            .is_ok());
        assert!(ledger
            .admit_voucher(&admission("b", holder, 10))
            .await
            .unwrap()
            .is_ok());
        let (five, twenty) = (receipt(holder, 5), receipt(holder, 20));
        let (again, other) = tokio::join!(
            ledger.charge("a", &five, signs()),
            ledger.charge("b", &twenty, signs()),
        );
        assert!(again.is_err(), "{again:?}");
        let (row, _) = other.unwrap();
        assert_eq!(row.owed, 30, "only b's charge is added");
        let account = ledger
            .account(holder, U256::from(7))
            .await
            .unwrap()
            .unwrap();
        assert_eq!((account.owed, account.voucher_amount), (30, 10));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// With SQLite a reservation lives in memory: one whose request never
    /// ended (its client went away, its handler dropped) is freed by the
    /// stale sweep, as PostgreSQL's reservation rows are, and the holder's
    /// credit is whole again.
    #[tokio::test]
    async fn a_request_that_never_ends_is_freed_as_stale() {
        let dir = std::env::temp_dir().join(format!("aat-ledger-stale-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}", dir.join("stale.db").display());
        let ledger = Ledger::open(&url, "test", SqliteSync::Full).await.unwrap();
        let holder = Address::repeat_byte(0x12);
        let one_request = |id: &str| VoucherAdmission {
            credit_limit: 100,
            ..admission(id, holder, 0)
        };
        assert!(ledger
            .admit_voucher(&one_request("gone"))
            .await
            .unwrap()
            .is_ok());
        assert_eq!(
            ledger
                .admit_voucher(&one_request("next"))
                .await
                .unwrap()
                .err(),
            Some(VoucherRefusal::Credit {
                limit: 100,
                exposure: 200
            }),
            "the first is still in flight"
        );
        assert_eq!(
            ledger.release_stale(3_600).await.unwrap(),
            0,
            "not stale yet"
        );
        assert_eq!(ledger.release_stale(0).await.unwrap(), 1);
        assert!(ledger
            .admit_voucher(&one_request("next"))
            .await
            .unwrap()
            .is_ok());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
