//! The relay's JSON: the client crate owns the format (makers and takers
//! read and write it there); the relay adds how a stored order is shown.

pub use aat_client::relay::{Book, HeldOrder, OrderJson, PostOrder, Quote, QuoteLeg, Uint};

use crate::store::StoredOrder;

impl From<&StoredOrder> for HeldOrder {
    fn from(stored: &StoredOrder) -> HeldOrder {
        HeldOrder {
            hash: stored.hash,
            order: OrderJson::from(&stored.order),
            signature: stored.signature.clone(),
            remaining: Uint(stored.remaining),
            fillable: Uint(stored.fillable),
        }
    }
}
