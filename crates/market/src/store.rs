//! The orders the relay holds and how far it has read the chain, in SQLite
//! (embedded, the default) or PostgreSQL (`postgres://`), through the same
//! SQL. An order is committed before `POST /orders` answers, and SQLite
//! runs with `synchronous = FULL`, so an order accepted survives a crash.
//!
//! 256-bit numbers are `TEXT` (0x hex, 64 digits, for ids, so that equal ids
//! are equal strings; decimal for amounts, never compared in SQL). `expiry`
//! is kept exactly as text; `expiry_key` is when the order stops being
//! fillable (its expiry or the expiration of the credits it trades, the
//! first; fixed, since a policy never changes), a `BIGINT` clamped to
//! 2^63-1 so that dead orders can be swept in SQL (2^63 seconds is never
//! reached).

use std::{
    str::FromStr,
    sync::{
        atomic::{AtomicU64, Ordering as AtomicOrdering},
        Arc,
    },
};

use aat_client::orders::Order;
use alloy::primitives::{Address, Bytes, B256, U256};
use sqlx::{
    any::{AnyConnectOptions, AnyPoolOptions, AnyRow},
    AnyPool, Executor, Row,
};

/// What the store can fail with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be reached, or refused a statement.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// A stored value does not parse as what its column holds (or a block
    /// number does not fit a `BIGINT`); carries the value.
    #[error("the database holds a value that does not parse: {0}")]
    Corrupt(String),
}

type Result<T> = std::result::Result<T, StoreError>;

const SCHEMA: [&str; 4] = [
    "CREATE TABLE IF NOT EXISTS orders (
        hash TEXT PRIMARY KEY,
        maker TEXT NOT NULL,
        taker TEXT NOT NULL,
        give_id TEXT NOT NULL,
        give_amount TEXT NOT NULL,
        want_id TEXT NOT NULL,
        want_amount TEXT NOT NULL,
        expiry TEXT NOT NULL,
        expiry_key BIGINT NOT NULL,
        nonce TEXT NOT NULL,
        signature TEXT NOT NULL,
        remaining TEXT NOT NULL,
        fillable TEXT NOT NULL,
        created_ms BIGINT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS orders_by_pair ON orders (give_id, want_id)",
    "CREATE INDEX IF NOT EXISTS orders_by_maker ON orders (maker)",
    "CREATE TABLE IF NOT EXISTS cursor (
        name TEXT PRIMARY KEY,
        block BIGINT NOT NULL)",
];

const COLUMNS: &str = "hash, maker, taker, give_id, give_amount, want_id, want_amount, \
     expiry, nonce, signature, remaining, fillable, created_ms, expiry_key";

/// The follower's cursor's name in the `cursor` table.
const FOLLOWED: &str = "followed";

/// An order held, with what the chain last said of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredOrder {
    /// The order's EIP-712 hash in the exchange's domain (its key).
    pub hash: B256,
    /// The order as its maker signed it.
    pub order: Order,
    /// The maker's signature over `hash`, as posted: passed on to
    /// `fillBatch` unchanged.
    pub signature: Bytes,
    /// The exchange's `remaining` for it when last read.
    pub remaining: U256,
    /// What can fill now: `remaining`, capped by what its maker holds of
    /// its `give` side and lets the exchange move; zero keeps it out of the
    /// book.
    pub fillable: U256,
    /// When it stops being fillable: its expiry, or the expiration of the
    /// AAT it gives or wants, whichever comes first (clamped to 2^63-1).
    pub void_at: u64,
    /// When it was accepted (ms since the epoch): equal prices fill in the
    /// order they came.
    pub created_ms: i64,
}

fn address_key(address: Address) -> String {
    format!("{address:#x}")
}

/// An id as stored: equal ids, equal strings.
fn id_key(id: U256) -> String {
    format!("{id:#066x}")
}

fn parse<T: FromStr>(text: &str) -> Result<T> {
    text.parse()
        .map_err(|_| StoreError::Corrupt(text.to_owned()))
}

fn text(row: &AnyRow, column: &str) -> Result<String> {
    Ok(row.try_get::<String, _>(column)?)
}

fn order_of(row: &AnyRow) -> Result<StoredOrder> {
    Ok(StoredOrder {
        hash: parse(&text(row, "hash")?)?,
        order: Order {
            maker: parse(&text(row, "maker")?)?,
            taker: parse(&text(row, "taker")?)?,
            giveId: parse(&text(row, "give_id")?)?,
            giveAmount: parse(&text(row, "give_amount")?)?,
            wantId: parse(&text(row, "want_id")?)?,
            wantAmount: parse(&text(row, "want_amount")?)?,
            expiry: parse(&text(row, "expiry")?)?,
            nonce: parse(&text(row, "nonce")?)?,
        },
        signature: parse(&text(row, "signature")?)?,
        remaining: parse(&text(row, "remaining")?)?,
        fillable: parse(&text(row, "fillable")?)?,
        void_at: {
            let key: i64 = row.try_get("expiry_key")?;
            u64::try_from(key).map_err(|_| StoreError::Corrupt(key.to_string()))?
        },
        created_ms: row.try_get("created_ms")?,
    })
}

/// The relay's database.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    /// Writes to the orders so far: under SQLite this process is the only
    /// writer, so a pair read at one count is current while it holds.
    writes: Arc<AtomicU64>,
    sqlite: bool,
}

impl Store {
    /// Opens (creating when missing) the database at `url` (`sqlite://PATH`
    /// or `postgres://...`) and its tables.
    ///
    /// # Errors
    ///
    /// The database cannot be opened or its tables created.
    pub async fn open(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let sqlite = url.starts_with("sqlite:");
        let url = if sqlite && !url.contains('?') {
            format!("{url}?mode=rwc")
        } else {
            url.to_owned()
        };
        let pool = AnyPoolOptions::new()
            .max_connections(if sqlite { 4 } else { 8 })
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if sqlite {
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA synchronous = FULL").await?;
                        conn.execute("PRAGMA busy_timeout = 10000").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(AnyConnectOptions::from_str(&url)?)
            .await?;
        for statement in SCHEMA {
            // Relays starting together on PostgreSQL may race to create a
            // table; the loser finds it created.
            if let Err(err) = pool.execute(statement).await {
                if pool.execute(statement).await.is_err() {
                    return Err(err.into());
                }
            }
        }
        Ok(Store {
            pool,
            writes: Arc::default(),
            sqlite,
        })
    }

    /// The count of writes to the orders, when this process is their only
    /// writer (SQLite): what was read at one count is current until it
    /// changes. `None` under PostgreSQL, where other relays write too.
    #[must_use]
    pub fn version(&self) -> Option<u64> {
        self.sqlite
            .then(|| self.writes.load(AtomicOrdering::Acquire))
    }

    fn wrote(&self) {
        self.writes.fetch_add(1, AtomicOrdering::AcqRel);
    }

    /// Keeps `stored`; `false` when an order with its hash is already held
    /// (nothing changes).
    ///
    /// # Errors
    ///
    /// The database fails.
    pub async fn insert(&self, stored: &StoredOrder) -> Result<bool> {
        let o = &stored.order;
        let expiry_key = i64::try_from(stored.void_at).unwrap_or(i64::MAX);
        let done = sqlx::query(&format!(
            "INSERT INTO orders ({COLUMNS})
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
             ON CONFLICT (hash) DO NOTHING"
        ))
        .bind(format!("{:#x}", stored.hash))
        .bind(address_key(o.maker))
        .bind(address_key(o.taker))
        .bind(id_key(o.giveId))
        .bind(o.giveAmount.to_string())
        .bind(id_key(o.wantId))
        .bind(o.wantAmount.to_string())
        .bind(o.expiry.to_string())
        .bind(o.nonce.to_string())
        .bind(stored.signature.to_string())
        .bind(stored.remaining.to_string())
        .bind(stored.fillable.to_string())
        .bind(stored.created_ms)
        .bind(expiry_key)
        .execute(&self.pool)
        .await?;
        self.wrote();
        Ok(done.rows_affected() == 1)
    }

    /// The order with this hash.
    ///
    /// # Errors
    ///
    /// The database fails or holds something that does not parse.
    pub async fn get(&self, hash: B256) -> Result<Option<StoredOrder>> {
        sqlx::query(&format!("SELECT {COLUMNS} FROM orders WHERE hash = $1"))
            .bind(format!("{hash:#x}"))
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(order_of)
            .transpose()
    }

    /// Every order giving `give` for `want`, in the order they came.
    ///
    /// # Errors
    ///
    /// The database fails or holds something that does not parse.
    pub async fn pair(&self, give: U256, want: U256) -> Result<Vec<StoredOrder>> {
        sqlx::query(&format!(
            "SELECT {COLUMNS} FROM orders WHERE give_id = $1 AND want_id = $2 ORDER BY created_ms, hash"
        ))
        .bind(id_key(give))
        .bind(id_key(want))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(order_of)
        .collect()
    }

    /// Every order of `maker`.
    ///
    /// # Errors
    ///
    /// The database fails or holds something that does not parse.
    pub async fn of_maker(&self, maker: Address) -> Result<Vec<StoredOrder>> {
        sqlx::query(&format!("SELECT {COLUMNS} FROM orders WHERE maker = $1"))
            .bind(address_key(maker))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(order_of)
            .collect()
    }

    /// How many orders of `maker` are held.
    ///
    /// # Errors
    ///
    /// The database fails.
    pub async fn count_of_maker(&self, maker: Address) -> Result<usize> {
        let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM orders WHERE maker = $1")
            .bind(address_key(maker))
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    /// Records what the chain now says of an order.
    ///
    /// # Errors
    ///
    /// The database fails.
    pub async fn update(&self, hash: B256, remaining: U256, fillable: U256) -> Result<()> {
        sqlx::query("UPDATE orders SET remaining = $1, fillable = $2 WHERE hash = $3")
            .bind(remaining.to_string())
            .bind(fillable.to_string())
            .bind(format!("{hash:#x}"))
            .execute(&self.pool)
            .await?;
        self.wrote();
        Ok(())
    }

    /// Forgets an order that can never be filled again (filled, cancelled,
    /// below its maker's nonce floor, expired).
    ///
    /// # Errors
    ///
    /// The database fails.
    pub async fn delete(&self, hash: B256) -> Result<()> {
        sqlx::query("DELETE FROM orders WHERE hash = $1")
            .bind(format!("{hash:#x}"))
            .execute(&self.pool)
            .await?;
        self.wrote();
        Ok(())
    }

    /// Forgets the orders void at `now` (fillable only while the block's
    /// timestamp is below their expiry and their credits' expiration); each
    /// one's hash and pair.
    ///
    /// # Errors
    ///
    /// The database fails or holds something that does not parse.
    pub async fn delete_expired(&self, now: u64) -> Result<Vec<(B256, U256, U256)>> {
        let rows = sqlx::query(
            "DELETE FROM orders WHERE expiry_key <= $1 RETURNING hash, give_id, want_id",
        )
        .bind(i64::try_from(now).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        if !rows.is_empty() {
            self.wrote();
        }
        rows.iter()
            .map(|row| {
                Ok((
                    parse(&text(row, "hash")?)?,
                    parse(&text(row, "give_id")?)?,
                    parse(&text(row, "want_id")?)?,
                ))
            })
            .collect()
    }

    /// How many orders are held.
    ///
    /// # Errors
    ///
    /// The database fails.
    pub async fn count(&self) -> Result<i64> {
        Ok(sqlx::query("SELECT COUNT(*) AS n FROM orders")
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?)
    }

    /// The last block whose logs were applied.
    ///
    /// # Errors
    ///
    /// The database fails.
    pub async fn followed(&self) -> Result<Option<u64>> {
        let row = sqlx::query("SELECT block FROM cursor WHERE name = $1")
            .bind(FOLLOWED)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| {
            let block: i64 = row.try_get("block")?;
            u64::try_from(block).map_err(|_| StoreError::Corrupt(block.to_string()))
        })
        .transpose()
    }

    /// Records that the logs up to `block` were applied.
    ///
    /// # Errors
    ///
    /// The database fails, or `block` exceeds 2^63-1.
    pub async fn set_followed(&self, block: u64) -> Result<()> {
        let block =
            i64::try_from(block).map_err(|_| StoreError::Corrupt(format!("block {block}")))?;
        sqlx::query(
            "INSERT INTO cursor (name, block) VALUES ($1, $2)
             ON CONFLICT (name) DO UPDATE SET block = excluded.block",
        )
        .bind(FOLLOWED)
        .bind(block)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
