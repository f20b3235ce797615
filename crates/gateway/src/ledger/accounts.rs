//! Accounts: per holder and id, what is owed, the latest voucher kept,
//! what is reserved by requests in flight, and what the chain settled or
//! refused; read by admission and the settlement worker, written by
//! charges.

use alloy::primitives::{Address, Bytes, U256};
use sqlx::{any::AnyRow, Row};

use super::{id_key, key, parse, reservations::lock_in_flight, Ledger, Result};

/// One holder's account for one id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccountRow {
    /// The holder whose vouchers pay for the id.
    pub holder: Address,
    /// The AAT id (token type) the account is in.
    pub id: U256,
    /// Units the holder owes in total, settled ones included: raised by
    /// each charge, and to the chain's settled amount when that is more.
    /// Never negative.
    pub owed: i64,
    /// Units reserved by the holder's requests in flight (their maximum
    /// costs), freed as each is charged or released. With `SQLite` the
    /// figure lives in memory (the column stays 0) and
    /// [`Ledger::account`] fills it in from there.
    pub reserved: i64,
    /// The latest voucher's `cumulativeAmount`, in units (0: none kept yet).
    pub voucher_amount: i64,
    /// The latest voucher's `deadline`, a chain timestamp in seconds.
    pub voucher_deadline: i64,
    /// The latest voucher's signature; `None` until one is kept (admission
    /// or [`Ledger::set_settled`] can create the row first).
    pub voucher_signature: Option<Bytes>,
    /// When a voucher for `voucher_amount` was first kept, Unix seconds by
    /// the gateway's clock: what `settlement.max_age_secs` is counted from.
    pub voucher_at: i64,
    /// Units the chain has settled of the holder's vouchers to this
    /// provider, cumulative, as last read (never lowered).
    pub settled: i64,
    /// The `voucher_amount` of a voucher settlement set aside (AAT rejected
    /// it, or a batch failed with it alone); 0: none. It is not tried
    /// again until a voucher for another amount is kept.
    pub rejected_amount: i64,
    /// Why it was set aside: the contract's reason, or the batch's failure.
    pub rejected_reason: Option<String>,
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

/// A voucher's fields as an account keeps them.
#[derive(Clone, Debug, Default)]
pub(super) struct VoucherFields {
    pub(super) amount: i64,
    pub(super) deadline: i64,
    pub(super) signature: Option<Bytes>,
    pub(super) at: i64,
}

impl VoucherFields {
    pub(super) fn of(row: &AccountRow) -> VoucherFields {
        VoucherFields {
            amount: row.voucher_amount,
            deadline: row.voucher_deadline,
            signature: row.voucher_signature.clone(),
            at: row.voucher_at,
        }
    }
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

const ACCOUNT_COLUMNS: &str =
    "holder, token_id, owed, reserved, voucher_amount, voucher_deadline, \
     voucher_signature, voucher_at, settled, rejected_amount, rejected_reason";

impl Ledger {
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
        if let (Some(in_flight), Some(account)) = (self.in_flight(), account.as_mut()) {
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

    /// Writes `owed` more and `voucher` for an account, in `tx`.
    pub(super) async fn apply(
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
}
