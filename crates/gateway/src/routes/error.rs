//! The gateway's error answers, OpenAI-style: `{"error": {"message", "type",
//! "code"}}` with the status.

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use serde_json::json;

/// An error answer: its status, its `type` (a label clients switch on) and
/// its message (for people).
#[derive(Debug)]
pub struct ApiError {
    /// The HTTP status, also the body's `code`.
    pub status: StatusCode,
    /// The body's `type`, e.g. `invalid_request_error`, `upstream_timeout`.
    pub kind: &'static str,
    /// The body's `message`: what went wrong, for people.
    pub message: String,
}

impl ApiError {
    /// An error answered with `status`, typed `kind`, saying `message`.
    pub fn new(status: StatusCode, kind: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            kind,
            message: message.into(),
        }
    }

    /// A request that cannot be served as sent (400,
    /// `invalid_request_error`).
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request_error", message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({"error": {
            "message": self.message,
            "type": self.kind,
            "code": self.status.as_u16(),
        }});
        (self.status, Json(body)).into_response()
    }
}
