//! What the ledger's unit tests share.

use alloy::primitives::{Address, Bytes, B256, U256};

use super::{ReceiptRecord, SignReceipt, VoucherAdmission};

pub(super) fn admission(request_id: &str, holder: Address, cumulative: i64) -> VoucherAdmission {
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

pub(super) fn receipt(holder: Address, units: i64) -> ReceiptRecord {
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

pub(super) fn signs() -> SignReceipt {
    Box::new(|owed| Bytes::from(owed.to_be_bytes().to_vec()))
}

/// A fresh directory for a test's SQLite ledger named `tag`, and the
/// ledger's URL in it.
pub(crate) fn sqlite_ledger(tag: &str) -> (std::path::PathBuf, String) {
    let dir = std::env::temp_dir().join(format!("aat-ledger-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join(format!("{tag}.db")).display());
    (dir, url)
}
