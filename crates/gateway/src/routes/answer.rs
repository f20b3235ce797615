//! A paid request's answer: the upstream's whole response charged before it
//! is released ([`whole_response`]), or its stream passed through as it
//! comes and charged when it ends ([`stream_response`]); an upstream
//! failure releases what was reserved and charges nothing.

use std::{sync::Arc, time::Instant};

use aat_client::x402::{
    encode_header, SettlementResponse, PAYMENT_RESPONSE, PAYMENT_RESPONSE_EVENT,
};
use axum::{
    body::{Body, Bytes},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use futures_util::StreamExt;
use serde_json::Value;

use super::{ApiError, Logged};
use crate::{
    limits::StreamGuard,
    payment::{Model, Ticket},
    replay::Answer,
    upstream::{event_data, EventSplitter, UpstreamError, Usage},
    App,
};

/// The answer to a request the upstream failed: its own error passed on,
/// or a timeout or gateway error; nothing was charged.
pub(super) fn upstream_failure(err: &UpstreamError) -> Response {
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
        UpstreamError::Timeout => ApiError::new(
            StatusCode::GATEWAY_TIMEOUT,
            "upstream_timeout",
            format!("{err}; nothing was charged"),
        )
        .into_response(),
        other => ApiError::new(
            StatusCode::BAD_GATEWAY,
            "upstream_error",
            format!("{other}; nothing was charged"),
        )
        .into_response(),
    }
}

pub(super) async fn whole_response(
    app: &Arc<App>,
    route: &'static str,
    forwarded: &Value,
    ticket: &Ticket,
    model: &Model,
    answer: Answer,
    logged: &mut Logged,
) -> Response {
    let started = Instant::now();
    let result = app.upstream.complete(route, forwarded).await;
    app.metrics
        .upstream_latency
        .with_label_values(&[route])
        .observe(started.elapsed().as_secs_f64());
    logged.upstream_ms = Some(started.elapsed().as_millis());
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
        return ApiError::new(
            StatusCode::BAD_GATEWAY,
            "upstream_overrun",
            format!(
                "the upstream reported {} units of usage, beyond this request's bound of {}; the answer is withheld and nothing was charged",
                model.reported_cost(usage),
                bound.max_cost
            ),
        )
        .into_response();
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
            return ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "ledger_error",
                "the charge could not be recorded; nothing was charged",
            )
            .into_response();
        }
    };
    logged.units = settlement.amount.clone().unwrap_or_default();
    let mut response = if settlement.is_pending() && app.settles_exact_first() {
        // Settled first, and not settled yet (the chain could not be
        // asked): the answer waits, kept, for the payment to settle.
        ApiError::new(
            StatusCode::PAYMENT_REQUIRED,
            "payment_pending",
            "the payment could not be settled before the answer, as this gateway settles exact payments; it stays queued: send the same request with the same PAYMENT-SIGNATURE again to receive the answer once it has settled",
        )
        .into_response()
    } else if settlement.accepted() {
        Response::builder()
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(bytes))
            .unwrap_or_default()
    } else {
        // An `exact` payment settled before the response no longer settles
        // (`exact.settle_before_response`): the answer is withheld.
        app.withhold(ticket).await;
        ApiError::new(
            StatusCode::PAYMENT_REQUIRED,
            "payment_failed",
            format!(
                "the payment did not settle ({}); the response is withheld",
                settlement.error_reason.as_deref().unwrap_or("refused")
            ),
        )
        .into_response()
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
pub(super) async fn stream_response(
    app: Arc<App>,
    route: &'static str,
    forwarded: Value,
    ticket: Ticket,
    model: Model,
    answer: Answer,
    logged: &mut Logged,
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
    logged.upstream_ms = Some(started.elapsed().as_millis());
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(64);
    tokio::spawn(async move {
        let relayed = relay_events(upstream, &ticket, &tx).await;
        let event = settlement_event(&app, route, &ticket, &model, answer, relayed).await;
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

/// What a stream passed through.
struct Relayed {
    /// The last usage the upstream reported.
    usage: Option<Usage>,
    /// What went out, kept with the charge (its hash is the receipt's).
    sent: Vec<u8>,
    /// The upstream's stream broke.
    broken: bool,
    /// Why it was cut: more than the bound.
    cut: Option<String>,
}

/// Passes the upstream's events to `tx` as they come, but its `[DONE]` and
/// anything beyond the ticket's bound, reading to the end even when the
/// client has left (what the upstream produced is charged).
async fn relay_events(
    upstream: reqwest::Response,
    ticket: &Ticket,
    tx: &tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>,
) -> Relayed {
    let mut relayed = Relayed {
        usage: None,
        sent: Vec::new(),
        broken: false,
        cut: None,
    };
    let mut splitter = EventSplitter::default();
    let mut guard = StreamGuard::new(ticket.bound().map_or(u64::MAX, |b| b.max_tokens));
    let mut chunks = upstream.bytes_stream();
    while let Some(chunk) = chunks.next().await {
        let Ok(chunk) = chunk else {
            relayed.broken = true;
            break;
        };
        for event in splitter.feed(&chunk) {
            let data = event_data(&event);
            if data.as_deref() == Some("[DONE]") {
                continue;
            }
            let parsed = data.and_then(|d| serde_json::from_str::<Value>(&d).ok());
            if let Some(found) = parsed.as_ref().and_then(Usage::of) {
                relayed.usage = Some(found);
            }
            // More than the bound is not passed on.
            relayed.cut = parsed.as_ref().and_then(|v| guard.exceeded(v));
            if relayed.cut.is_some() {
                return relayed;
            }
            relayed.sent.extend_from_slice(&event);
            // A client that left is not a reason to stop: keep reading.
            let _ = tx.send(Ok(Bytes::from(event))).await;
        }
    }
    relayed
}

/// Charges what a stream `relayed` (nothing when it was cut, broke or
/// reported no usage, and then its reservation is released) and the
/// settlement event that says so.
async fn settlement_event(
    app: &App,
    route: &'static str,
    ticket: &Ticket,
    model: &Model,
    answer: Answer,
    relayed: Relayed,
) -> String {
    let settlement = match relayed.usage {
        _ if relayed.cut.is_some() => Err(format!(
            "{}; the stream was cut and nothing was charged",
            relayed.cut.unwrap_or_default()
        )),
        Some(usage) if !relayed.broken => {
            if let Some(bound) = ticket.bound().filter(|b| model.beyond(usage, b)) {
                // Sent before its usage came: charged all it reserved.
                tracing::warn!(
                    reported = %model.reported_cost(usage),
                    bound = bound.max_cost,
                    "a stream's usage is beyond its bound; charged the bound"
                );
            }
            let answer = Answer {
                body: Bytes::from(relayed.sent),
                ..answer
            };
            app.charge(ticket, model, usage, answer)
                .await
                .map_err(|e| e.to_string())
        }
        Some(_) => Err("the upstream's stream broke; nothing was charged".to_owned()),
        None if relayed.broken => {
            Err("the upstream's stream broke; nothing was charged".to_owned())
        }
        None => Err("the upstream reported no usage; nothing was charged".to_owned()),
    };
    let settlement = match settlement {
        Ok(settlement) => {
            app.metrics
                .requests
                .with_label_values(&[route, "stream-charged"])
                .inc();
            settlement
        }
        Err(reason) => {
            app.release(ticket).await;
            app.metrics
                .requests
                .with_label_values(&[route, "stream-uncharged"])
                .inc();
            SettlementResponse {
                success: false,
                error_reason: Some(reason),
                payer: Some(ticket.payer().to_string()),
                transaction: String::new(),
                network: app.network.clone(),
                amount: Some("0".into()),
                extensions: None,
            }
        }
    };
    format!(
        "event: {PAYMENT_RESPONSE_EVENT}\ndata: {}\n\n",
        serde_json::to_string(&settlement).unwrap_or_default()
    )
}

/// A receiver as a stream (what `Body::from_stream` takes).
fn tokio_stream_of(
    mut rx: tokio::sync::mpsc::Receiver<Result<Bytes, std::io::Error>>,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> {
    futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))
}
