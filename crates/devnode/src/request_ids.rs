//! JSON-RPC ids as the spec allows them: a string, an integer or null.
//! jsonrpsee answers a request whose id is anything else (an object, an
//! array, a boolean, a fraction) with a bare `null`, which no client can
//! match to its request; geth answers `-32600 invalid request` with a
//! null id. This HTTP layer does the same before jsonrpsee sees the
//! request: a single request with such an id, or a batch holding one, is
//! answered with that error (a batch: for each of its requests) and runs
//! nothing.

use std::{
    future::Future,
    pin::Pin,
    task::{Context, Poll},
};

use http_body_util::BodyExt;
use jsonrpsee::{
    core::BoxError,
    server::{HttpBody, HttpRequest, HttpResponse},
};
use serde_json::{json, Value};
use tower::{Layer, Service};

/// The layer ([`RequestIds`]).
#[derive(Clone, Copy, Debug, Default)]
pub struct RequestIdsLayer;

impl<S> Layer<S> for RequestIdsLayer {
    type Service = RequestIds<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RequestIds { inner }
    }
}

/// Answers requests with invalid ids itself; passes the rest on.
#[derive(Clone, Debug)]
pub struct RequestIds<S> {
    inner: S,
}

/// Whether `id` is one JSON-RPC 2.0 allows (absent: a notification).
fn valid_id(request: &Value) -> bool {
    match request.get("id") {
        None | Some(Value::Null | Value::String(_)) => true,
        Some(Value::Number(n)) => n.is_i64() || n.is_u64(),
        Some(_) => false,
    }
}

fn invalid_request() -> Value {
    json!({
        "jsonrpc": "2.0",
        "id": null,
        "error": {"code": -32600, "message": "invalid request: an id must be a string, an integer or null"},
    })
}

/// The answer to `body` when one of its ids is invalid.
fn refusal(body: &[u8]) -> Option<Value> {
    match serde_json::from_slice::<Value>(body).ok()? {
        Value::Array(batch) if batch.iter().any(|r| !valid_id(r)) => Some(Value::Array(
            batch.iter().map(|_| invalid_request()).collect(),
        )),
        single @ Value::Object(_) if !valid_id(&single) => Some(invalid_request()),
        _ => None,
    }
}

impl<S> Service<HttpRequest<HttpBody>> for RequestIds<S>
where
    S: Service<HttpRequest<HttpBody>, Response = HttpResponse> + Clone + Send + 'static,
    S::Error: Into<BoxError> + 'static,
    S::Future: Send + 'static,
{
    type Response = HttpResponse;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, BoxError>> + Send + 'static>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, request: HttpRequest<HttpBody>) -> Self::Future {
        // Take the service that was polled ready; leave a clone behind.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        Box::pin(async move {
            // WebSocket upgrades and other bodiless requests pass as they are.
            if request.method() != http::Method::POST {
                return inner.call(request).await.map_err(Into::into);
            }
            let (parts, body) = request.into_parts();
            let bytes = body.collect().await?.to_bytes();
            if let Some(answer) = refusal(&bytes) {
                return Ok(http::Response::builder()
                    .header(http::header::CONTENT_TYPE, "application/json")
                    .body(HttpBody::from(answer.to_string()))?);
            }
            let request = HttpRequest::from_parts(parts, HttpBody::from(bytes.to_vec()));
            inner.call(request).await.map_err(Into::into)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_strings_integers_and_null_are_ids() {
        for id in [
            json!(1),
            json!("x"),
            json!(null),
            json!(-7),
            json!(u64::MAX),
        ] {
            assert!(valid_id(&json!({"id": id})), "{id}");
        }
        assert!(
            valid_id(&json!({"method": "eth_chainId"})),
            "a notification"
        );
        for id in [json!({"a": 1}), json!([1]), json!(true), json!(1.5)] {
            assert!(!valid_id(&json!({"id": id})), "{id}");
        }
        assert_eq!(
            refusal(br#"[{"id":1},{"id":{}}]"#),
            Some(json!([invalid_request(), invalid_request()]))
        );
        assert_eq!(refusal(br#"[{"id":1},{"id":2}]"#), None);
        assert_eq!(refusal(b"not json"), None, "jsonrpsee's parse error");
    }
}
