//! The HTTP interface. Handlers return `Result<_, ApiError>`; every error
//! answers JSON `{"error": <label>, "message": <what to do>}` with its
//! status; the request's log line and its count are middleware.

use std::{collections::HashSet, sync::Arc, time::Instant};

use aat_client::{orders::Order, ClientError};
use alloy::primitives::{Address, B256, U256};
use axum::{
    extract::{rejection::JsonRejection, MatchedPath, Path, Query, Request, State},
    http::StatusCode,
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::get,
    Json, Router,
};
use serde::Deserialize;
use serde_json::json;

use crate::{
    book::{self, QuoteError},
    chain::{CheckError, Refusal},
    events::BookEvent,
    follow,
    store::{StoreError, StoredOrder},
    wire::{Book, HeldOrder, OrderJson, PostOrder, Quote, QuoteLeg, Uint},
    App,
};

/// What a request can fail with, and its answer.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request does not parse.
    #[error("{0}")]
    BadRequest(String),
    /// A posted order that would not fill: nothing was kept.
    #[error("{0}")]
    Refused(Refusal),
    /// No order with this hash is held (404).
    #[error("no order {0} is held")]
    NotFound(B256),
    /// A quote while a fill would revert: the book stands, nothing fills.
    #[error("{0} is paused: no order fills until its owner unpauses it")]
    Paused(&'static str),
    /// A quote for nothing (400) or for more than the book supplies (422).
    #[error("{0}")]
    Quote(#[from] QuoteError),
    /// The node could not be read (502).
    #[error("the chain could not be read: {0}")]
    Chain(#[from] ClientError),
    /// The database failed (500).
    #[error("{0}")]
    Store(#[from] StoreError),
}

impl From<CheckError> for ApiError {
    fn from(err: CheckError) -> Self {
        match err {
            CheckError::Refused(refusal) => ApiError::Refused(refusal),
            CheckError::Chain(err) => ApiError::Chain(err),
        }
    }
}

impl From<follow::FollowError> for ApiError {
    fn from(err: follow::FollowError) -> Self {
        match err {
            follow::FollowError::Chain(err) => ApiError::Chain(err),
            follow::FollowError::Store(err) => ApiError::Store(err),
        }
    }
}

impl ApiError {
    fn status_and_label(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            ApiError::Refused(refusal) => (StatusCode::UNPROCESSABLE_ENTITY, refusal.label()),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::Paused(_) => (StatusCode::SERVICE_UNAVAILABLE, "paused"),
            ApiError::Quote(QuoteError::ZeroAmount) => (StatusCode::BAD_REQUEST, "zero_amount"),
            ApiError::Quote(QuoteError::Insufficient { .. }) => {
                (StatusCode::UNPROCESSABLE_ENTITY, "insufficient_liquidity")
            }
            ApiError::Chain(_) => (StatusCode::BAD_GATEWAY, "chain_unavailable"),
            ApiError::Store(_) => (StatusCode::INTERNAL_SERVER_ERROR, "database"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, label) = self.status_and_label();
        if status.is_server_error() {
            tracing::warn!(error = %self, "request failed");
        }
        (
            status,
            Json(json!({ "error": label, "message": self.to_string() })),
        )
            .into_response()
    }
}

type ApiResult<T> = Result<T, ApiError>;

/// The router over `app`.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/orders", get(book_of).post(post_order))
        .route("/orders/stream", get(stream))
        .route("/orders/{hash}", get(order_by_hash))
        .route("/quote", get(quote))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .layer(middleware::from_fn_with_state(app.clone(), log_line))
        // The book is public and an order carries its own signature: any
        // page may read and post (no cookies, nothing ambient to abuse).
        .layer(tower_http::cors::CorsLayer::permissive())
        .with_state(app)
}

/// One log line and one count per request.
async fn log_line(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(request).await;
    let status = response.status();
    app.metrics
        .requests
        .with_label_values(&[route.as_str(), status.as_str()])
        .inc();
    tracing::info!(
        target: "aat_market::request",
        %method,
        route,
        status = status.as_u16(),
        total_us = started.elapsed().as_micros(),
        "request"
    );
    response
}

fn held(stored: &StoredOrder) -> HeldOrder {
    HeldOrder::from(stored)
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// `POST /orders`: checked against the chain, then kept (201), or refused
/// (422, nothing kept). An order already held answers 200 as held.
async fn post_order(
    State(app): State<Arc<App>>,
    body: Result<Json<PostOrder>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<HeldOrder>)> {
    let Json(posted) = body.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let order = Order::from(&posted.order);
    let followed_before = app.store.followed().await?;
    let check = match too_many_orders(&app, &order).await? {
        Some(refusal) => Err(CheckError::Refused(refusal)),
        None => app.chain.check(&order, &posted.signature).await,
    };
    if let Err(CheckError::Refused(refusal)) = &check {
        app.metrics
            .refused
            .with_label_values(&[refusal.label()])
            .inc();
    }
    let (hash, fillable, void_at) = check?;
    let stored = StoredOrder {
        hash,
        order,
        signature: posted.signature,
        remaining: fillable.remaining,
        fillable: fillable.now,
        void_at,
        created_ms: now_ms(),
    };
    let _book = app.book.lock().await;
    // Counted again where no other post can slip in between.
    if let Some(refusal) = too_many_orders(&app, &stored.order).await? {
        app.metrics
            .refused
            .with_label_values(&[refusal.label()])
            .inc();
        return Err(ApiError::Refused(refusal));
    }
    if !app.store.insert(&stored).await? {
        let kept = app.store.get(hash).await?.ok_or(ApiError::NotFound(hash))?;
        return Ok((StatusCode::OK, Json(held(&kept))));
    }
    // Logs applied while it was checked were applied before it was held:
    // it is read again so that none of them is missed.
    if app.store.followed().await? != followed_before && follow::refresh(&app, &stored).await? {
        app.metrics.refused.with_label_values(&["voided"]).inc();
        return Err(ApiError::Refused(Refusal::Voided));
    }
    app.metrics.accepted.inc();
    app.metrics.held.set(app.store.count().await?);
    let kept = app.store.get(hash).await?.ok_or(ApiError::NotFound(hash))?;
    app.events.publish(BookEvent::held(&kept, true));
    Ok((StatusCode::CREATED, Json(held(&kept))))
}

/// [`Refusal::TooManyOrders`] when `order` is new and its maker already
/// has as many orders held as one maker may (an order already held is
/// answered as held, whatever the count).
async fn too_many_orders(app: &App, order: &Order) -> ApiResult<Option<Refusal>> {
    let limit = app.max_orders_per_maker;
    if app.store.count_of_maker(order.maker).await? < limit
        || app
            .store
            .get(order.hash(&app.chain.domain))
            .await?
            .is_some()
    {
        return Ok(None);
    }
    Ok(Some(Refusal::TooManyOrders {
        maker: order.maker,
        limit,
    }))
}

async fn order_by_hash(
    State(app): State<Arc<App>>,
    Path(hash): Path<String>,
) -> ApiResult<Json<HeldOrder>> {
    let hash: B256 = hash
        .parse()
        .map_err(|_| ApiError::BadRequest(format!("{hash:?} is not a 32-byte 0x hex hash")))?;
    let stored = app.store.get(hash).await?.ok_or(ApiError::NotFound(hash))?;
    Ok(Json(held(&stored)))
}

/// A pair as a query names it.
#[derive(Deserialize)]
struct PairQuery {
    give: Option<String>,
    want: Option<String>,
    amount: Option<String>,
    taker: Option<String>,
    limit: Option<usize>,
}

/// How many orders `GET /orders` answers unless asked for fewer, and the
/// most it answers.
const BOOK_LIMIT: usize = 100;
const MAX_BOOK_LIMIT: usize = 1_000;

/// A pair's ids, the amount (for a quote) and the taker, parsed.
struct Pair {
    give: U256,
    want: U256,
    amount: Option<U256>,
    taker: Address,
    /// The most orders a book answers.
    limit: usize,
}

fn parse_pair(
    query: Result<Query<PairQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Pair> {
    let Query(q) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let number = |name: &str, value: Option<String>| -> ApiResult<Option<U256>> {
        value
            .map(|v| {
                v.parse::<Uint>()
                    .map(|u| u.0)
                    .map_err(|e| ApiError::BadRequest(format!("{name}: {e}")))
            })
            .transpose()
    };
    let required = |name: &str, value: Option<U256>| {
        value.ok_or_else(|| {
            ApiError::BadRequest(format!(
                "{name} is required: an id, decimal or 0x hex (0 is TokenAI)"
            ))
        })
    };
    let taker = q
        .taker
        .map(|t| {
            t.parse::<Address>()
                .map_err(|_| ApiError::BadRequest(format!("taker: {t:?} is not an address")))
        })
        .transpose()?
        .unwrap_or(Address::ZERO);
    let limit = q.limit.unwrap_or(BOOK_LIMIT);
    if !(1..=MAX_BOOK_LIMIT).contains(&limit) {
        return Err(ApiError::BadRequest(format!(
            "limit: {limit} is not between 1 and {MAX_BOOK_LIMIT}"
        )));
    }
    Ok(Pair {
        give: required("give", number("give", q.give)?)?,
        want: required("want", number("want", q.want)?)?,
        amount: number("amount", q.amount)?,
        taker,
        limit,
    })
}

/// A pair's open orders, best price first for the taker.
async fn open_book(app: &App, pair: &Pair) -> ApiResult<Vec<StoredOrder>> {
    let sorted = app.sorted_pair(pair.give, pair.want).await?;
    Ok(book::open_sorted(&sorted, app.clock(), pair.taker))
}

/// `GET /orders?give=&want=[&taker=][&limit=]`: the best `limit` (100
/// unless asked) of the pair's open orders, and how many are open.
async fn book_of(
    State(app): State<Arc<App>>,
    query: Result<Query<PairQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Book>> {
    let pair = parse_pair(query)?;
    let open = open_book(&app, &pair).await?;
    Ok(Json(Book {
        give_id: Uint(pair.give),
        want_id: Uint(pair.want),
        open: open.len(),
        orders: open.iter().take(pair.limit).map(held).collect(),
    }))
}

/// `GET /orders/stream?give=&want=[&taker=]`: the pair's changes as
/// server-sent events ([`crate::events`]).
async fn stream(
    State(app): State<Arc<App>>,
    query: Result<Query<PairQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Response> {
    let pair = parse_pair(query)?;
    Ok(app
        .events
        .stream(pair.give, pair.want, pair.taker)
        .into_response())
}

/// `GET /quote?give=&want=&amount=[&taker=]`: the legs that buy `amount`
/// of `give`, ready for `fillBatch`, and the total `want` paid.
async fn quote(
    State(app): State<Arc<App>>,
    query: Result<Query<PairQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Quote>> {
    let pair = parse_pair(query)?;
    let amount = pair.amount.ok_or_else(|| {
        ApiError::BadRequest("amount is required: how much of `give` to buy".into())
    })?;
    if let Some(contract) = app.chain.paused().await? {
        return Err(ApiError::Paused(contract));
    }
    let legs = signed_quote(&app, &open_book(&app, &pair).await?, &pair, amount).await?;
    let want_total = legs
        .iter()
        .fold(U256::ZERO, |sum, leg| sum.saturating_add(leg.want_paid));
    Ok(Json(Quote {
        give_id: Uint(pair.give),
        want_id: Uint(pair.want),
        give_total: Uint(amount),
        want_total: Uint(want_total),
        legs: legs
            .into_iter()
            .map(|leg| QuoteLeg {
                hash: leg.order.hash,
                order: OrderJson::from(&leg.order.order),
                signature: leg.order.signature,
                give_fill: Uint(leg.give_fill),
                want_paid: Uint(leg.want_paid),
            })
            .collect(),
    }))
}

/// The legs that buy `amount` from `book` and can all fill together, each
/// still signed: a wallet maker is asked again before its order is quoted
/// (its answer can change with no log to follow), all of a quote's new
/// legs at once; an order whose wallet says no is forgotten, one the node
/// cannot vouch for now is left out of this quote only, and the quote is
/// made again from the same book until every leg is vouched for.
async fn signed_quote(
    app: &App,
    book: &[StoredOrder],
    pair: &Pair,
    amount: U256,
) -> ApiResult<Vec<book::Leg>> {
    let mut funds = book::MakerFunds::new();
    let mut vouched = HashSet::<B256>::new();
    let mut left_out = HashSet::<B256>::new();
    loop {
        let open: Vec<StoredOrder> = book
            .iter()
            .filter(|o| !left_out.contains(&o.hash))
            .cloned()
            .collect();
        let legs = fundable_quote(app, &open, pair, amount, &mut funds).await?;
        let unasked: Vec<&StoredOrder> = legs
            .iter()
            .map(|leg| &leg.order)
            .filter(|o| !vouched.contains(&o.hash))
            .collect();
        if unasked.is_empty() {
            return Ok(legs);
        }
        let answers = futures_util::future::join_all(
            unasked
                .iter()
                .map(|o| app.chain.still_signed(&o.order, o.hash, &o.signature)),
        )
        .await;
        for (stored, answer) in unasked.into_iter().zip(answers) {
            match answer {
                Some(true) => {
                    vouched.insert(stored.hash);
                }
                Some(false) => {
                    left_out.insert(stored.hash);
                    forget_unsigned(app, stored).await?;
                }
                None => {
                    left_out.insert(stored.hash);
                }
            }
        }
    }
}

/// The legs that buy `amount` from `book` and can all fill together: a
/// maker with more than one leg has its funds read (once, into `funds`), so
/// that its orders are not counted on for more than it holds (each is
/// fillable alone, but they draw on one balance), and the quote is made
/// again until every such maker's funds are known.
async fn fundable_quote(
    app: &App,
    book: &[StoredOrder],
    pair: &Pair,
    amount: U256,
    funds: &mut book::MakerFunds,
) -> ApiResult<Vec<book::Leg>> {
    loop {
        let legs = book::quote(book, amount, funds)?;
        let unknown: Vec<Address> = book::shared_makers(&legs)
            .into_iter()
            .filter(|maker| !funds.contains_key(maker))
            .collect();
        if unknown.is_empty() {
            return Ok(legs);
        }
        let read = futures_util::future::try_join_all(
            unknown
                .iter()
                .map(|maker| app.chain.spendable(*maker, pair.give)),
        )
        .await?;
        funds.extend(unknown.into_iter().zip(read));
    }
}

/// Forgets an order its wallet maker no longer signs (unless the follower
/// already has).
async fn forget_unsigned(app: &App, stored: &StoredOrder) -> ApiResult<()> {
    let _book = app.book.lock().await;
    if app.store.get(stored.hash).await?.is_none() {
        return Ok(());
    }
    follow::forget(app, stored).await?;
    app.metrics.dropped.inc();
    app.metrics.held.set(app.store.count().await?);
    tracing::info!(hash = %stored.hash, maker = %stored.order.maker, "a wallet no longer signs its order: forgotten");
    Ok(())
}

/// `GET /healthz`: the database answers; how far the chain is followed.
async fn healthz(State(app): State<Arc<App>>) -> ApiResult<Json<serde_json::Value>> {
    let held = app.store.count().await?;
    Ok(Json(json!({
        "ok": true,
        "exchange": app.chain.exchange.address,
        "followedBlock": app.store.followed().await?,
        "held": held,
    })))
}

async fn metrics(State(app): State<Arc<App>>) -> String {
    app.metrics.render()
}
