//! The book's changes as server-sent events (`GET /orders/stream?give=&want=`):
//! `added` when an order is kept, `updated` when the chain changes what it
//! can fill, `removed` when it can never fill again. A subscriber too slow
//! to keep up gets `lagged` (some changes were lost: read the book again)
//! and the stream goes on.

use std::{convert::Infallible, sync::Arc};

use alloy::primitives::{Address, B256, U256};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream};
use serde::Serialize;
use tokio::sync::broadcast::{self, error::RecvError};

use crate::{
    store::StoredOrder,
    wire::{HeldOrder, Uint},
};

/// How many changes a subscriber may fall behind before it is told it
/// lagged.
pub const BACKLOG: usize = 1_024;

/// An order that can never fill again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Removed {
    /// `hash`: the order's EIP-712 hash, as `GET /orders/{hash}` names it.
    pub hash: B256,
    /// `giveId`: the id it gave (0: `TokenAI`).
    pub give_id: Uint,
    /// `wantId`: the id it wanted (0: `TokenAI`).
    pub want_id: Uint,
}

/// One change of the book.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BookEvent {
    /// An order was kept (`added`), as held.
    Added(HeldOrder),
    /// The chain changed what a held order can fill (`updated`), as held now.
    Updated(HeldOrder),
    /// An order was forgotten (`removed`): it can never fill again.
    Removed(Removed),
}

impl BookEvent {
    /// An order kept or re-read, as held now.
    #[must_use]
    pub fn held(stored: &StoredOrder, added: bool) -> BookEvent {
        let held = HeldOrder::from(stored);
        if added {
            BookEvent::Added(held)
        } else {
            BookEvent::Updated(held)
        }
    }

    /// An order forgotten.
    #[must_use]
    pub fn removed(hash: B256, give_id: U256, want_id: U256) -> BookEvent {
        BookEvent::Removed(Removed {
            hash,
            give_id: Uint(give_id),
            want_id: Uint(want_id),
        })
    }

    fn pair(&self) -> (U256, U256) {
        match self {
            BookEvent::Added(h) | BookEvent::Updated(h) => (h.order.give_id.0, h.order.want_id.0),
            BookEvent::Removed(r) => (r.give_id.0, r.want_id.0),
        }
    }

    /// Whether it concerns `taker` (an order naming another taker does not).
    fn open_to(&self, taker: Address) -> bool {
        match self {
            BookEvent::Added(h) | BookEvent::Updated(h) => {
                h.order.taker.is_zero() || h.order.taker == taker
            }
            BookEvent::Removed(_) => true,
        }
    }

    fn to_sse(&self) -> Event {
        let (name, data) = match self {
            BookEvent::Added(h) => ("added", serde_json::to_string(h)),
            BookEvent::Updated(h) => ("updated", serde_json::to_string(h)),
            BookEvent::Removed(r) => ("removed", serde_json::to_string(r)),
        };
        // These types serialize to JSON infallibly (strings and numbers).
        Event::default().event(name).data(data.unwrap_or_default())
    }
}

/// Where the book's changes are published.
#[derive(Clone, Debug)]
pub struct Events {
    sender: broadcast::Sender<Arc<BookEvent>>,
}

impl Default for Events {
    fn default() -> Self {
        Events {
            sender: broadcast::channel(BACKLOG).0,
        }
    }
}

impl Events {
    /// Publishes `event` to the subscribers there are (none is fine).
    pub fn publish(&self, event: BookEvent) {
        let _ = self.sender.send(Arc::new(event));
    }

    /// The changes of the pair `give`/`want` that concern `taker`, as an
    /// SSE response kept alive by comments.
    pub fn stream(
        &self,
        give: U256,
        want: U256,
        taker: Address,
    ) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
        let receiver = self.sender.subscribe();
        let events = stream::unfold(receiver, move |mut receiver| async move {
            loop {
                match receiver.recv().await {
                    Ok(event) if event.pair() == (give, want) && event.open_to(taker) => {
                        return Some((Ok(event.to_sse()), receiver));
                    }
                    Ok(_) => {}
                    Err(RecvError::Lagged(missed)) => {
                        let lagged = Event::default()
                            .event("lagged")
                            .data(format!("{{\"missed\":{missed}}}"));
                        return Some((Ok(lagged), receiver));
                    }
                    Err(RecvError::Closed) => return None,
                }
            }
        });
        Sse::new(events).keep_alive(KeepAlive::default())
    }
}
