//! Admission: a voucher-paid request is admitted when its voucher covers
//! what is owed and its maximum cost fits the budget, and that cost is
//! reserved until the request is charged or released. With PostgreSQL a
//! reservation is a row; with SQLite (one instance) it lives in memory and
//! admission writes nothing.

use alloy::primitives::{Address, Bytes, U256};
use sqlx::Row;

use super::{
    accounts::{AccountRow, VoucherFields},
    id_key, key, unix_now, Ledger, LedgerError, Result,
};

/// What a voucher-paid request asks of the ledger.
#[derive(Clone, Debug)]
pub struct VoucherAdmission {
    /// The request's id ([`super::request_id`]), which keys its
    /// reservation until it is charged or released; empty for a voucher
    /// sent without a request.
    pub request_id: String,
    /// The voucher's holder.
    pub holder: Address,
    /// The AAT id the voucher pays in.
    pub id: U256,
    /// The voucher's `cumulativeAmount`: the total, in units, the holder
    /// says it owes.
    pub cumulative: i64,
    /// The voucher's `deadline`, a chain timestamp in seconds.
    pub deadline: i64,
    /// The voucher's signature, kept with it when it is the latest.
    pub signature: Bytes,
    /// The request's maximum cost: reserved until it is charged.
    pub max_cost: i64,
    /// The most the holder may owe in total: settled on-chain plus what its
    /// channel (or balance) still covers.
    pub cap: i64,
    /// The most units the holder may owe beyond this voucher, counting
    /// requests in flight and this one (`voucher.credit_limit`, clamped to
    /// this request's maximum cost).
    pub credit_limit: i64,
    /// What the chain has settled of the account: the least the holder
    /// owes, whatever the ledger counted ([`Ledger::set_settled`]).
    pub settled: i64,
}

/// Why a voucher was not admitted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VoucherRefusal {
    /// A later voucher is already held.
    Stale {
        /// The held voucher's `cumulativeAmount`, in units.
        held: i64,
    },
    /// This voucher was already counted and the holder owes more now.
    Replayed {
        /// Units the holder owes now.
        owed: i64,
    },
    /// The voucher does not cover what is owed.
    UnderCovering {
        /// Units the holder owes, which a voucher must be for.
        owed: i64,
    },
    /// The channel (or balance) does not cover what is owed, reserved and
    /// this request's maximum cost.
    Budget {
        /// The most the holder may owe in total, in units.
        cap: i64,
        /// What admitting the request could bring it to: owed, plus
        /// reserved, plus this request's maximum cost.
        needed: i64,
    },
    /// The holder would owe more than the credit limit beyond its voucher.
    Credit {
        /// The credit limit, in units.
        limit: i64,
        /// Units that would be owed beyond the voucher, this request's
        /// maximum cost included.
        exposure: i64,
    },
    /// The voucher is for more than is owed. The gateway only ever settles
    /// what it charged, and keeps the latest voucher only: one for more than
    /// the charges reach would never settle, nor let an earlier one be.
    Excessive {
        /// Units owed: the most, and the only amount, a voucher may be for.
        most: i64,
    },
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

/// Accounts with requests in flight, and the requests (SQLite only).
#[derive(Debug, Default)]
pub(super) struct InFlight {
    /// Each account as last written, with the latest voucher accepted
    /// applied, and `reserved` what its requests in flight reserved.
    pub(super) accounts: std::collections::HashMap<(Address, U256), AccountRow>,
    /// Each request's account and reservation, and when it was made.
    pub(super) requests:
        std::collections::HashMap<String, ((Address, U256), i64, std::time::Instant)>,
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

pub(super) fn lock_in_flight(
    f: &std::sync::Mutex<InFlight>,
) -> std::sync::MutexGuard<'_, InFlight> {
    f.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Ledger {
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
        if let Some(in_flight) = self.in_flight() {
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

    /// Takes a request out of memory: its account's key, its reservation
    /// (still counted until [`Ledger::done`]), and the account's latest
    /// voucher.
    pub(super) fn take_in_flight(
        &self,
        request_id: &str,
    ) -> Option<((Address, U256), i64, VoucherFields)> {
        let mut f = lock_in_flight(self.in_flight()?);
        let (k, amount, _) = f.requests.remove(request_id)?;
        let voucher = VoucherFields::of(f.accounts.get(&k)?);
        Some((k, amount, voucher))
    }

    /// Ends a request in memory: frees its reservation and, in the same
    /// step, counts what was written (so that no admission in between sees
    /// the reservation gone and the charge not yet there).
    pub(super) fn done(&self, k: (Address, U256), reserved: i64, written: Option<&AccountRow>) {
        if let Some(in_flight) = self.in_flight() {
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
        if let Some(in_flight) = self.in_flight() {
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
        if admitted.is_ok() && self.in_flight().is_some() {
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::{testing::admission, SqliteSync};

    /// With SQLite a reservation lives in memory: one whose request never
    /// ended (its client went away, its handler dropped) is freed by the
    /// stale sweep, as PostgreSQL's reservation rows are, and the holder's
    /// credit is whole again.
    #[tokio::test]
    async fn a_request_that_never_ends_is_freed_as_stale() {
        let (dir, url) = crate::ledger::testing::sqlite_ledger("stale");
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
