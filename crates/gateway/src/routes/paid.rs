//! A paid request's way in: the body read, bounded and priced before any
//! payment is looked at ([`price`]), the `PAYMENT-SIGNATURE` read (the
//! [`PaymentSignature`] extractor), the payment admitted, or refused with a 402
//! that offers the schemes ([`Terms::refuse`]), then the answer
//! ([`super::answer`]).

use std::{convert::Infallible, sync::Arc};

use aat_client::x402::{
    self, decode_header, encode_header, HeaderError, PaymentPayload, PaymentRequired, Resource,
    Scheme, PAYMENT_REQUIRED, PAYMENT_SIGNATURE,
};
use axum::{
    body::Bytes,
    extract::FromRequestParts,
    http::{header, request::Parts, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde_json::{json, Map, Value};

use super::{
    answer::{stream_response, whole_response},
    ApiError, Logged,
};
use crate::{
    ledger, limits,
    payment::{hash, Bound, Model, RefusalKind, Shown},
    replay::{self, Answer},
    App,
};

/// A completion request as it will be forwarded, and what it may cost.
struct Priced {
    model: Model,
    /// The body to forward (the upstream's model name, usage asked of a
    /// stream).
    request: Map<String, Value>,
    stream: bool,
    bound: Bound,
}

/// Reads `body` as a completion request for `route` and bounds its cost;
/// `model_name` is set as soon as it is known (for the log line).
///
/// # Errors
///
/// Not a JSON object, no or an unknown model, or what cannot be bounded
/// (`limits`): 400 or 404 with the reason.
fn price(
    app: &App,
    route: &str,
    body: &Bytes,
    model_name: &mut String,
) -> Result<Priced, ApiError> {
    let Ok(Value::Object(mut request)) = serde_json::from_slice::<Value>(body) else {
        return Err(ApiError::invalid("the body must be a JSON object"));
    };
    let name = request
        .get("model")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::invalid("'model' is required"))?;
    model_name.clear();
    model_name.push_str(name);
    let model = app.models.get(name).cloned().ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "model_not_found",
            format!("model '{name}' is not served here; GET /v1/models lists those that are"),
        )
    })?;
    let stream = request
        .get("stream")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    // What cannot be bounded is refused; the completion bound is asked
    // for (either name, both checked), else the model's most.
    let max_tokens = limits::check(route, &request)
        .and_then(|()| limits::max_tokens(&mut request, model.config.max_tokens))
        .map_err(|refused| ApiError::invalid(refused.to_string()))?;
    if stream {
        request.insert("stream_options".into(), json!({"include_usage": true}));
    }
    if let Some(upstream_name) = &model.config.upstream_model {
        request.insert("model".into(), upstream_name.clone().into());
    }
    let bound = model
        .bound(body.len(), max_tokens, stream)
        .map_err(|e| ApiError::invalid(e.to_string()))?;
    Ok(Priced {
        model,
        request,
        stream,
        bound,
    })
}

/// The extractor of a request's `PAYMENT-SIGNATURE`: none, the payment
/// (with the header as sent, which keys replays), or why it does not
/// decode. It never rejects: the handler answers each case in its own
/// terms (a 402 with offers on a paid route, a 400 on `/aat/vouchers`), and
/// only after what it checks first (a paid route prices its body first).
pub(super) struct PaymentSignature(pub Option<Result<(HeaderValue, PaymentPayload), HeaderError>>);

impl<S: Send + Sync> FromRequestParts<S> for PaymentSignature {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(PaymentSignature(parts.headers.get(PAYMENT_SIGNATURE).map(
            |header| {
                let text = header.to_str().map_err(|_| HeaderError::NotText)?;
                Ok((header.clone(), decode_header(text)?))
            },
        )))
    }
}

/// What a 402 offers for one request: the resource and the request's price.
struct Terms<'a> {
    resource: Resource,
    model: &'a Model,
    bound: &'a Bound,
}

impl Terms<'_> {
    /// A 402 offering the schemes, with what the refused payment may be
    /// shown of an account ([`Shown`]).
    async fn refuse(
        &self,
        app: &App,
        scheme: &str,
        kind: RefusalKind,
        reason: &str,
        shown: Shown,
    ) -> Response {
        app.metrics
            .payment_required
            .with_label_values(&[scheme, kind.as_str()])
            .inc();
        let required = PaymentRequired {
            x402_version: x402::X402_VERSION,
            error: reason.to_owned(),
            resource: self.resource.clone(),
            accepts: app.offers(self.model, self.bound, shown).await,
            // Why, as a label a client can map to its own words (the web
            // app does); `error` stays the sentence for people and logs.
            extensions: Some(json!({ "refusal": { "scheme": scheme, "kind": kind.as_str() } })),
        };
        let mut response = (StatusCode::PAYMENT_REQUIRED, Json(&required)).into_response();
        if let Ok(value) = HeaderValue::from_str(&encode_header(&required)) {
            response.headers_mut().insert(PAYMENT_REQUIRED, value);
        }
        response
    }
}

/// Serves a completion request on `route`, paid: priced, its payment
/// admitted (or a 402), then answered and charged.
pub(super) async fn serve_paid(
    app: &Arc<App>,
    route: &'static str,
    (headers, signature): (&HeaderMap, PaymentSignature),
    body: &Bytes,
    logged: &mut Logged,
) -> Response {
    let priced = match price(app, route, body, &mut logged.model) {
        Ok(priced) => priced,
        Err(err) => return err.into_response(),
    };
    let terms = Terms {
        resource: Resource {
            url: resource_url(app, headers, route),
            description: format!("{}: {}", logged.model, &route[4..]),
            mime_type: if priced.stream {
                "text/event-stream"
            } else {
                "application/json"
            }
            .into(),
        },
        model: &priced.model,
        bound: &priced.bound,
    };
    let (header, payment) = match signature.0 {
        Some(Ok(signed)) => signed,
        None => {
            let reason = "PAYMENT-SIGNATURE header is required";
            return terms
                .refuse(app, "none", RefusalKind::Missing, reason, Shown::Nothing)
                .await;
        }
        Some(Err(e)) => {
            let reason = format!("the PAYMENT-SIGNATURE header does not decode: {e}");
            return terms
                .refuse(app, "none", RefusalKind::Malformed, &reason, Shown::Nothing)
                .await;
        }
    };
    let request_hash = hash(body);
    let replay_key = replay::key(header.as_bytes(), request_hash);
    let request_id = ledger::request_id(replay_key);
    let ticket = match app
        .admit(&payment, &priced.model, &priced.bound, &request_id)
        .await
    {
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
            return terms
                .refuse(app, scheme, refusal.kind, &refusal.reason, refusal.shown)
                .await;
        }
    };
    logged.scheme = ticket.scheme().as_str();
    logged.payer = Some(ticket.payer());
    let Priced {
        model,
        request,
        stream,
        ..
    } = priced;
    let forwarded = Value::Object(request);
    let answer = Answer {
        request_hash,
        body: Bytes::new(),
        stream,
    };
    if stream {
        stream_response(app.clone(), route, forwarded, ticket, model, answer, logged).await
    } else {
        whole_response(app, route, &forwarded, &ticket, &model, answer, logged).await
    }
}

/// The absolute URL of `route`, as x402's reference servers send
/// `resource.url`: under `public_url`, else where the request's `Host`
/// says.
fn resource_url(app: &App, headers: &HeaderMap, route: &str) -> String {
    if let Some(base) = &app.config.public_url {
        format!("{}{route}", base.trim_end_matches('/'))
    } else {
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .filter(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_graphic()))
            .map_or_else(|| app.config.listen.to_string(), str::to_owned);
        format!("http://{host}{route}")
    }
}
