//! The HTTP interface: the OpenAI-compatible routes, paid per request over
//! x402 v2 (`PAYMENT-REQUIRED` on a 402, `PAYMENT-SIGNATURE` from the
//! client, `PAYMENT-RESPONSE` on the answer, or a final SSE event for a
//! stream), `POST /aat/vouchers` to hand in a voucher without a request,
//! and the operations routes `/healthz` and `/metrics`. Every refusal is
//! an OpenAI-style error body with a reason.

use std::{sync::Arc, time::Instant};

use aat_client::x402::{
    self, decode_header, encode_header, HeaderError, PaymentPayload, PaymentRequired, Resource,
    Scheme, SettlementResponse, PAYMENT_REQUIRED, PAYMENT_RESPONSE, PAYMENT_RESPONSE_EVENT,
    PAYMENT_SIGNATURE,
};
use alloy::primitives::Address;
use axum::{
    body::{Body, Bytes},
    extract::State,
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use futures_util::StreamExt;
use serde_json::{json, Value};

use crate::{
    ledger,
    limits::{self, StreamGuard},
    payment::{hash, Bound, Model, RefusalKind, Shown, Ticket},
    replay::{self, Answer},
    upstream::{event_data, EventSplitter, UpstreamError, Usage},
    App,
};

/// The largest request body accepted.
const MAX_BODY: usize = 4 * 1024 * 1024;

pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/v1/chat/completions", post(chat_completions))
        .route("/v1/completions", post(completions))
        .route("/v1/models", get(models))
        .route("/aat/vouchers", post(vouchers))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
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

/// An OpenAI-style error.
fn error(status: StatusCode, kind: &str, message: &str) -> Response {
    (
        status,
        Json(json!({"error": {"message": message, "type": kind, "code": status.as_u16()}})),
    )
        .into_response()
}

async fn chat_completions(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    serve(app, "/v1/chat/completions", headers, body).await
}

async fn completions(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> Response {
    serve(app, "/v1/completions", headers, body).await
}

/// What the request log line says.
struct Line {
    route: &'static str,
    started: Instant,
    model: String,
    scheme: &'static str,
    payer: Option<Address>,
    units: String,
    upstream_ms: Option<u128>,
}

impl Line {
    fn log(&self, app: &App, status: StatusCode) {
        app.metrics
            .requests
            .with_label_values(&[self.route, status.as_str()])
            .inc();
        tracing::info!(
            target: "aat_gateway::request",
            route = self.route,
            status = status.as_u16(),
            model = %self.model,
            scheme = self.scheme,
            payer = ?self.payer,
            units = %self.units,
            upstream_ms = ?self.upstream_ms,
            total_us = self.started.elapsed().as_micros(),
            "request"
        );
    }
}

async fn serve(app: Arc<App>, route: &'static str, headers: HeaderMap, body: Bytes) -> Response {
    let mut line = Line {
        route,
        started: Instant::now(),
        model: String::new(),
        scheme: "none",
        payer: None,
        units: String::new(),
        upstream_ms: None,
    };
    app.metrics.in_flight.inc();
    let response = serve_paid(&app, route, &headers, &body, &mut line).await;
    app.metrics.in_flight.dec();
    line.log(&app, response.status());
    response
}

async fn serve_paid(
    app: &Arc<App>,
    route: &'static str,
    headers: &HeaderMap,
    body: &Bytes,
    line: &mut Line,
) -> Response {
    let Ok(Value::Object(mut request)) = serde_json::from_slice::<Value>(body) else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            "the body must be a JSON object",
        );
    };
    let Some(name) = request
        .get("model")
        .and_then(Value::as_str)
        .map(str::to_owned)
    else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            "'model' is required",
        );
    };
    line.model.clone_from(&name);
    let Some(model) = app.models.get(&name).cloned() else {
        return error(
            StatusCode::NOT_FOUND,
            "model_not_found",
            &format!("model '{name}' is not served here; GET /v1/models lists those that are"),
        );
    };
    let stream = request
        .get("stream")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    // What cannot be bounded is refused; the completion bound is asked
    // for (either name, both checked), else the model's most.
    let max_tokens = match limits::check(route, &request)
        .and_then(|()| limits::max_tokens(&mut request, model.config.max_tokens))
    {
        Ok(n) => n,
        Err(refused) => {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_request_error",
                &refused.to_string(),
            )
        }
    };
    if stream {
        request.insert("stream_options".into(), json!({"include_usage": true}));
    }
    if let Some(upstream_name) = &model.config.upstream_model {
        request.insert("model".into(), upstream_name.clone().into());
    }
    let bound = match model.bound(body.len(), max_tokens, stream) {
        Ok(bound) => bound,
        Err(reason) => {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_request_error",
                &reason.to_string(),
            )
        }
    };
    let resource = Resource {
        url: resource_url(app, headers, route),
        description: format!("{name}: {}", &route[4..]),
        mime_type: if stream {
            "text/event-stream"
        } else {
            "application/json"
        }
        .into(),
    };
    let Some(header) = headers.get(PAYMENT_SIGNATURE) else {
        return payment_required(
            app,
            "none",
            RefusalKind::Missing,
            "PAYMENT-SIGNATURE header is required",
            resource,
            &model,
            &bound,
            Shown::Nothing,
        )
        .await;
    };
    let payment: PaymentPayload = match header
        .to_str()
        .map_err(|_| HeaderError::NotText)
        .and_then(decode_header)
    {
        Ok(p) => p,
        Err(e) => {
            let reason = format!("the PAYMENT-SIGNATURE header does not decode: {e}");
            return payment_required(
                app,
                "none",
                RefusalKind::Malformed,
                &reason,
                resource,
                &model,
                &bound,
                Shown::Nothing,
            )
            .await;
        }
    };
    let request_hash = hash(body);
    let replay_key = replay::key(header.as_bytes(), request_hash);
    let request_id = ledger::request_id(replay_key);
    let ticket = match app.admit(&payment, &model, &bound, request_id).await {
        Ok(ticket) => ticket,
        Err(refusal) => {
            // The same request with the same payment, already served: its
            // answer again (a payer whose answer was lost asks again).
            if let Some(replayed) = app.replay(replay_key, &payment, request_hash).await {
                return replayed;
            }
            let scheme =
                Scheme::from_wire(&payment.accepted.scheme).map_or("unknown", Scheme::as_str);
            // Only a holder whose own signature the payment carried is
            // told what it owes.
            return payment_required(
                app,
                scheme,
                refusal.kind,
                &refusal.reason,
                resource,
                &model,
                &bound,
                refusal.shown,
            )
            .await;
        }
    };
    line.scheme = ticket.scheme().as_str();
    line.payer = Some(ticket.payer());
    let forwarded = Value::Object(request);
    let answer = Answer {
        request_hash,
        body: Bytes::new(),
        stream,
    };
    if stream {
        stream_response(app.clone(), route, forwarded, ticket, model, answer, line).await
    } else {
        whole_response(app, route, &forwarded, &ticket, &model, answer, line).await
    }
}

/// The absolute URL of `route`, as x402's reference servers send
/// `resource.url`: under `public_url`, else where the request's `Host`
/// says.
fn resource_url(app: &App, headers: &HeaderMap, route: &str) -> String {
    match &app.config.public_url {
        Some(base) => format!("{}{route}", base.trim_end_matches('/')),
        None => {
            let host = headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .filter(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_graphic()))
                .map_or_else(|| app.config.listen.to_string(), str::to_owned);
            format!("http://{host}{route}")
        }
    }
}

fn upstream_failure(err: &UpstreamError) -> Response {
    match err {
        UpstreamError::Status(status, body) => {
            // The upstream's own error, passed on (uncharged).
            let status = StatusCode::from_u16(status.as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
            Response::builder()
                .status(status)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.clone()))
                .unwrap_or_default()
        }
        UpstreamError::Timeout => error(
            StatusCode::GATEWAY_TIMEOUT,
            "upstream_timeout",
            &format!("{err}; nothing was charged"),
        ),
        other => error(
            StatusCode::BAD_GATEWAY,
            "upstream_error",
            &format!("{other}; nothing was charged"),
        ),
    }
}

async fn whole_response(
    app: &Arc<App>,
    route: &'static str,
    forwarded: &Value,
    ticket: &Ticket,
    model: &Model,
    answer: Answer,
    line: &mut Line,
) -> Response {
    let started = Instant::now();
    let result = app.upstream.complete(route, forwarded).await;
    app.metrics
        .upstream_latency
        .with_label_values(&[route])
        .observe(started.elapsed().as_secs_f64());
    line.upstream_ms = Some(started.elapsed().as_millis());
    let (bytes, usage) = match result {
        Ok(ok) => ok,
        Err(err) => {
            app.release(ticket).await;
            return upstream_failure(&err);
        }
    };
    if let Some(bound) = ticket.bound().filter(|b| model.beyond(usage, b)) {
        // More than was reserved: never charged less than reported, so
        // not passed on.
        app.release(ticket).await;
        return error(
            StatusCode::BAD_GATEWAY,
            "upstream_overrun",
            &format!(
                "the upstream reported {} units of usage, beyond this request's bound of {}; the answer is withheld and nothing was charged",
                model.reported_cost(usage),
                bound.max_cost
            ),
        );
    }
    let answer = Answer {
        body: bytes.clone(),
        ..answer
    };
    let settlement = match app.charge(ticket, model, usage, answer).await {
        Ok(s) => s,
        Err(err) => {
            app.release(ticket).await;
            tracing::error!(%err, "cannot record a charge");
            return error(
                StatusCode::SERVICE_UNAVAILABLE,
                "ledger_error",
                "the charge could not be recorded; nothing was charged",
            );
        }
    };
    line.units = settlement.amount.clone().unwrap_or_default();
    let mut response = if settlement.accepted() {
        Response::builder()
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(bytes))
            .unwrap_or_default()
    } else {
        // An `exact` payment settled before the response no longer settles
        // (`exact.settle_before_response`): the answer is withheld.
        app.withhold(ticket).await;
        error(
            StatusCode::PAYMENT_REQUIRED,
            "payment_failed",
            &format!(
                "the payment did not settle ({}); the response is withheld",
                settlement.error_reason.as_deref().unwrap_or("refused")
            ),
        )
    };
    if let Ok(value) = HeaderValue::from_str(&encode_header(&settlement)) {
        response.headers_mut().insert(PAYMENT_RESPONSE, value);
    }
    response
}

/// Streams the upstream's events through as they come, holding back its
/// `[DONE]`: when the stream ends the usage it reported is charged, then
/// the settlement goes out as the `x402-payment-response` event, then
/// `[DONE]`. The stream is read to its end even if the client leaves, so
/// that what the upstream produced is charged; a stream that breaks, or
/// ends without usage, is not charged.
async fn stream_response(
    app: Arc<App>,
    route: &'static str,
    forwarded: Value,
    ticket: Ticket,
    model: Model,
    answer: Answer,
    line: &mut Line,
) -> Response {
    let started = Instant::now();
    let upstream = match app.upstream.stream(route, &forwarded).await {
        Ok(response) => response,
        Err(err) => {
            app.release(&ticket).await;
            return upstream_failure(&err);
        }
    };
    app.metrics
        .upstream_latency
        .with_label_values(&[route])
        .observe(started.elapsed().as_secs_f64());
    line.upstream_ms = Some(started.elapsed().as_millis());
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(64);
    tokio::spawn(async move {
        let mut splitter = EventSplitter::default();
        let mut usage: Option<Usage> = None;
        // What went out, kept with the charge (its hash is the receipt's).
        let mut sent = Vec::new();
        let mut broken = false;
        let mut cut: Option<String> = None;
        let mut guard = StreamGuard::new(ticket.bound().map_or(u64::MAX, |b| b.max_tokens));
        let mut chunks = upstream.bytes_stream();
        'read: while let Some(chunk) = chunks.next().await {
            let Ok(chunk) = chunk else {
                broken = true;
                break;
            };
            for event in splitter.feed(&chunk) {
                let data = event_data(&event);
                if data.as_deref() == Some("[DONE]") {
                    continue;
                }
                let parsed = data.and_then(|d| serde_json::from_str::<Value>(&d).ok());
                if let Some(found) = parsed.as_ref().and_then(Usage::of) {
                    usage = Some(found);
                }
                // More than the bound is not passed on.
                cut = parsed.as_ref().and_then(|v| guard.exceeded(v));
                if cut.is_some() {
                    break 'read;
                }
                sent.extend_from_slice(&event);
                // A client that left is not a reason to stop: keep reading.
                let _ = tx.send(Ok(Bytes::from(event))).await;
            }
        }
        let settlement = match usage {
            _ if cut.is_some() => Err(format!(
                "{}; the stream was cut and nothing was charged",
                cut.unwrap_or_default()
            )),
            Some(usage) if !broken => {
                if let Some(bound) = ticket.bound().filter(|b| model.beyond(usage, b)) {
                    // Sent before its usage came: charged all it reserved.
                    tracing::warn!(
                        reported = %model.reported_cost(usage),
                        bound = bound.max_cost,
                        "a stream's usage is beyond its bound; charged the bound"
                    );
                }
                let answer = Answer {
                    body: Bytes::from(sent),
                    ..answer
                };
                app.charge(&ticket, &model, usage, answer)
                    .await
                    .map_err(|e| e.to_string())
            }
            Some(_) => Err("the upstream's stream broke; nothing was charged".to_owned()),
            None if broken => Err("the upstream's stream broke; nothing was charged".to_owned()),
            None => Err("the upstream reported no usage; nothing was charged".to_owned()),
        };
        let event = match settlement {
            Ok(settlement) => {
                app.metrics
                    .requests
                    .with_label_values(&[route, "stream-charged"])
                    .inc();
                format!(
                    "event: {PAYMENT_RESPONSE_EVENT}\ndata: {}\n\n",
                    serde_json::to_string(&settlement).unwrap_or_default()
                )
            }
            Err(reason) => {
                app.release(&ticket).await;
                app.metrics
                    .requests
                    .with_label_values(&[route, "stream-uncharged"])
                    .inc();
                let failed = SettlementResponse {
                    success: false,
                    error_reason: Some(reason),
                    payer: Some(ticket.payer().to_string()),
                    transaction: String::new(),
                    network: app.network.clone(),
                    amount: Some("0".into()),
                    extensions: None,
                };
                format!(
                    "event: {PAYMENT_RESPONSE_EVENT}\ndata: {}\n\n",
                    serde_json::to_string(&failed).unwrap_or_default()
                )
            }
        };
        let _ = tx.send(Ok(Bytes::from(event))).await;
        let _ = tx.send(Ok(Bytes::from_static(b"data: [DONE]\n\n"))).await;
    });
    let body = Body::from_stream(tokio_stream_of(rx));
    Response::builder()
        .header(header::CONTENT_TYPE, "text/event-stream")
        .header(header::CACHE_CONTROL, "no-cache")
        .body(body)
        .unwrap_or_default()
}

/// A receiver as a stream (what `Body::from_stream` takes).
fn tokio_stream_of(
    mut rx: tokio::sync::mpsc::Receiver<Result<Bytes, std::io::Error>>,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> {
    futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

/// A 402 offering the schemes, with what the refused payment may be shown
/// of an account ([`Shown`]).
#[allow(clippy::too_many_arguments)]
async fn payment_required(
    app: &Arc<App>,
    scheme: &str,
    kind: RefusalKind,
    reason: &str,
    resource: Resource,
    model: &Model,
    bound: &Bound,
    shown: Shown,
) -> Response {
    app.metrics
        .payment_required
        .with_label_values(&[scheme, kind.as_str()])
        .inc();
    let required = PaymentRequired {
        x402_version: x402::X402_VERSION,
        error: reason.to_owned(),
        resource,
        accepts: app.offers(model, bound, shown).await,
        // Why, as a label a client can map to its own words (the web app
        // does); `error` stays the sentence for people and logs.
        extensions: Some(json!({ "refusal": { "scheme": scheme, "kind": kind.as_str() } })),
    };
    let mut response = (StatusCode::PAYMENT_REQUIRED, Json(&required)).into_response();
    if let Ok(value) = HeaderValue::from_str(&encode_header(&required)) {
        response.headers_mut().insert(PAYMENT_REQUIRED, value);
    }
    response
}

async fn vouchers(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    let payment: Result<PaymentPayload, String> = headers
        .get(PAYMENT_SIGNATURE)
        .ok_or_else(|| "PAYMENT-SIGNATURE header is required".to_owned())
        .and_then(|h| h.to_str().map_err(|_| HeaderError::NotText.to_string()))
        .and_then(|h| decode_header(h).map_err(|e| e.to_string()));
    let response = match payment {
        Err(reason) => error(StatusCode::BAD_REQUEST, "invalid_request_error", &reason),
        Ok(payment) => match app.record_voucher(&payment).await {
            Ok(account) => (StatusCode::OK, Json(json!({ "account": account }))).into_response(),
            Err(refusal) => error(
                StatusCode::UNPROCESSABLE_ENTITY,
                refusal.kind.as_str(),
                &refusal.reason,
            ),
        },
    };
    app.metrics
        .requests
        .with_label_values(&["/aat/vouchers", response.status().as_str()])
        .inc();
    response
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
