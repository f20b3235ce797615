//! Charges: a served request's units added to what its holder owes, its
//! reservation freed and its receipt kept, in one transaction committed
//! before the response is released. With SQLite the charges waiting are
//! committed together by one writer.

use alloy::primitives::{Address, Bytes, B256, U256};
use sqlx::{AnyPool, Row};

use super::{
    accounts::VoucherFields, id_key, key, unix_now, AccountRow, AnswerRecord, Ledger, LedgerError,
    Result,
};

/// Signs a usage receipt for what is owed after its charge.
pub type SignReceipt = Box<dyn Fn(i64) -> Bytes + Send + Sync>;

/// A charge waiting for the SQLite committer.
pub(super) struct ChargeJob {
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
pub(super) async fn commit_charges(
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

impl Ledger {
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
        if let (Some(charges), Some((_, _, voucher))) = (self.charges(), taken) {
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
    pub(super) async fn insert_receipt(
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
}

/// A receipt as the ledger keeps it.
#[derive(Clone, Debug)]
pub struct ReceiptRecord {
    /// The x402 scheme that paid: `aat-voucher` or `exact`.
    pub scheme: String,
    /// Who paid: the voucher's holder, or the authorization's `from`.
    pub payer: Address,
    /// The AAT id charged (zero for `exact`).
    pub id: U256,
    /// Prompt tokens, as the upstream reported them.
    pub prompt_tokens: i64,
    /// Completion tokens, as the upstream reported them.
    pub completion_tokens: i64,
    /// Units charged: the usage at the model's prices, capped at the
    /// request's maximum cost (zero for `exact`, paid by its fixed price).
    pub units: i64,
    /// The provider's EIP-712 signature of the usage receipt, made inside
    /// the charge once the amount owed after it is known (empty for
    /// `exact`, which gets no receipt).
    pub signature: Bytes,
    /// What the signed usage receipt covers (zero for `exact`); not
    /// stored: they are the request's, its payment's and its answer's.
    pub voucher_digest: B256,
    /// keccak256 of the request's body (not stored).
    pub request_hash: B256,
    /// keccak256 of the answer's body as it went out (not stored).
    pub response_hash: B256,
    /// The answer, kept with the charge so that a payer it never reached
    /// can ask for it again.
    pub answer: Option<AnswerRecord>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::{
        testing::{admission, receipt, signs},
        SqliteSync,
    };

    /// Charges that wait together are committed together; one that cannot
    /// be written (its receipt's request id is taken) fails alone and the
    /// others of its group are still charged.
    #[tokio::test]
    async fn a_bad_charge_fails_alone_in_its_group() {
        let (dir, url) = crate::ledger::testing::sqlite_ledger("group");
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
}
