//! The HTTP interface: the OpenAI-compatible routes, paid per request over
//! x402 v2 (`PAYMENT-REQUIRED` on a 402, `PAYMENT-SIGNATURE` from the
//! client, `PAYMENT-RESPONSE` on the answer, or a final SSE event for a
//! stream), `POST /aat/vouchers` to hand in a voucher without a request,
//! and the operations routes `/healthz` and `/metrics`. Every refusal is
//! an OpenAI-style error body with a reason ([`ApiError`]). A paid request
//! goes through `paid` and `answer`; every request's count and log line
//! are middleware (`log_line`), from what its handler noted (`Logged`).

mod answer;
mod error;
mod paid;

use std::{sync::Arc, time::Instant};

use aat_client::x402;
use alloy::primitives::Address;
use axum::{
    body::Bytes,
    extract::{MatchedPath, Request, State},
    http::{header, HeaderMap, StatusCode},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use serde_json::{json, Value};

pub use error::ApiError;

use crate::{chain::ChainView, App};
use paid::PaymentSignature;

/// The largest request body accepted.
const MAX_BODY: usize = 4 * 1024 * 1024;

/// The gateway's HTTP routes (the OpenAI-compatible `/v1/...`,
/// `POST /aat/vouchers`, `/healthz`, `/metrics`), with the per-request log
/// line, the body limit and CORS for browser clients.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/v1/chat/completions", post(chat_completions))
        .route("/v1/completions", post(completions))
        .route("/v1/models", get(models))
        .route("/aat/vouchers", post(vouchers))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .layer(middleware::from_fn_with_state(app.clone(), log_line))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .layer(cors())
        .with_state(app)
}

/// Browser clients (the web app, x402's fetch in a page) call from any
/// origin: a request is paid by the signature it carries, not by cookies,
/// so nothing ambient is at stake. They must be able to send the payment
/// header (any header: the payment is the signature) and read the 402's
/// offers and the settlement.
fn cors() -> tower_http::cors::CorsLayer {
    use axum::http::{HeaderName, Method};
    tower_http::cors::CorsLayer::new()
        .allow_origin(tower_http::cors::Any)
        .allow_methods([Method::GET, Method::POST])
        // Any request header: @x402/fetch 2.27 sends one of its own
        // (`Access-Control-Expose-Headers`) on the paid retry.
        .allow_headers(tower_http::cors::Any)
        .expose_headers([
            HeaderName::from_static(x402::PAYMENT_REQUIRED),
            HeaderName::from_static(x402::PAYMENT_RESPONSE),
        ])
}

/// What a request's log line says beyond its route, status and time: set
/// by a paid request's handler on its response, read by [`log_line`].
#[derive(Clone, Debug)]
pub(crate) struct Logged {
    model: String,
    scheme: &'static str,
    payer: Option<Address>,
    units: String,
    upstream_ms: Option<u128>,
}

impl Default for Logged {
    fn default() -> Self {
        Logged {
            model: String::new(),
            scheme: "none",
            payer: None,
            units: String::new(),
            upstream_ms: None,
        }
    }
}

/// Counts every request by route and status, keeps the in-flight gauge,
/// and writes its log line.
async fn log_line(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    app.metrics.in_flight.inc();
    let response = next.run(request).await;
    app.metrics.in_flight.dec();
    let status = response.status();
    app.metrics
        .requests
        .with_label_values(&[route.as_str(), status.as_str()])
        .inc();
    let logged = response
        .extensions()
        .get::<Logged>()
        .cloned()
        .unwrap_or_default();
    tracing::info!(
        target: "aat_gateway::request",
        route,
        status = status.as_u16(),
        model = %logged.model,
        scheme = logged.scheme,
        payer = ?logged.payer,
        units = %logged.units,
        upstream_ms = ?logged.upstream_ms,
        total_us = started.elapsed().as_micros(),
        "request"
    );
    response
}

async fn chat_completions(
    State(app): State<Arc<App>>,
    signature: PaymentSignature,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    serve(&app, "/v1/chat/completions", (&headers, signature), &body).await
}

async fn completions(
    State(app): State<Arc<App>>,
    signature: PaymentSignature,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    serve(&app, "/v1/completions", (&headers, signature), &body).await
}

/// A paid route's answer, with what its log line says.
async fn serve(
    app: &Arc<App>,
    route: &'static str,
    request: (&HeaderMap, PaymentSignature),
    body: &Bytes,
) -> Response {
    let mut logged = Logged::default();
    let mut response = paid::serve_paid(app, route, request, body, &mut logged).await;
    response.extensions_mut().insert(logged);
    response
}

/// `POST /aat/vouchers`: a voucher handed in without a request, kept when
/// it covers what is owed.
async fn vouchers(State(app): State<Arc<App>>, signature: PaymentSignature) -> Response {
    let payment = match signature.0 {
        Some(Ok((_, payment))) => payment,
        None => return ApiError::invalid("PAYMENT-SIGNATURE header is required").into_response(),
        Some(Err(e)) => return ApiError::invalid(e.to_string()).into_response(),
    };
    match app.record_voucher(&payment).await {
        Ok(account) => (StatusCode::OK, Json(json!({ "account": account }))).into_response(),
        Err(refusal) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            refusal.kind.as_str(),
            refusal.reason,
        )
        .into_response(),
    }
}

async fn models(State(app): State<Arc<App>>) -> Json<Value> {
    let data: Vec<Value> = app
        .models
        .values()
        .map(|m| {
            json!({
                "id": m.name, "object": "model", "owned_by": "aat-gateway",
                "aat": {
                    "model": m.config.aat_model,
                    "pricePerPromptToken": m.config.prompt_price,
                    "pricePerCompletionToken": m.config.completion_price,
                    "maxTokens": m.config.max_tokens,
                }
            })
        })
        .collect();
    Json(json!({"object": "list", "data": data}))
}

async fn healthz(State(app): State<Arc<App>>) -> Response {
    let database = app.ledger.ping().await.is_ok();
    let status = if database {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(json!({
            "status": if database { "ok" } else { "degraded" },
            "database": database,
            "chainHead": app.chain.head(),
            "chainTime": app.chain.now(),
            "provider": app.chain.provider,
            "aat": app.chain.rails.aat,
        })),
    )
        .into_response()
}

async fn metrics(State(app): State<Arc<App>>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        app.metrics.render(),
    )
        .into_response()
}
