//! The upstream: any OpenAI-compatible server. Requests are forwarded as
//! they came, with `max_tokens` bounded and, for streams, usage asked for
//! (`stream_options.include_usage`), since the gateway charges what the
//! upstream reports it used.

use std::time::Duration;

use bytes::Bytes;
use serde_json::Value;

/// Tokens the upstream reports a request used.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// `usage.prompt_tokens`: tokens of the prompt.
    pub prompt_tokens: u64,
    /// `usage.completion_tokens`: tokens generated (0 when the upstream
    /// leaves it out).
    pub completion_tokens: u64,
}

impl Usage {
    /// `usage` of a response or of a stream's last chunk.
    #[must_use]
    pub fn of(body: &Value) -> Option<Usage> {
        let usage = body.get("usage")?;
        Some(Usage {
            prompt_tokens: usage.get("prompt_tokens")?.as_u64()?,
            completion_tokens: usage
                .get("completion_tokens")
                .and_then(Value::as_u64)
                .unwrap_or(0),
        })
    }
}

/// Why an upstream call failed (none of these is charged).
#[derive(Debug, thiserror::Error)]
pub enum UpstreamError {
    /// The call took longer than `upstream_timeout_secs` (answered 504).
    #[error("the upstream did not answer in time")]
    Timeout,
    /// The connection or the transfer failed: reqwest's error, in words.
    #[error("the upstream cannot be reached: {0}")]
    Unreachable(String),
    /// The upstream answered a non-success status, with this body: passed
    /// on to the client as it is.
    #[error("the upstream answered {0}")]
    Status(reqwest::StatusCode, Bytes),
    /// A whole answer is not JSON: the parser's error.
    #[error("the upstream's answer is not an OpenAI response: {0}")]
    Malformed(String),
    /// A whole answer has no `usage.prompt_tokens`, so its cost is unknown.
    #[error("the upstream reported no usage, so the request cannot be charged")]
    NoUsage,
}

/// A configured upstream.
#[derive(Clone, Debug)]
pub struct Upstream {
    http: reqwest::Client,
    base: String,
    key: Option<String>,
}

impl Upstream {
    /// # Errors
    ///
    /// The HTTP client cannot be built.
    pub fn new(
        base: &str,
        key: Option<String>,
        timeout: Duration,
    ) -> Result<Upstream, reqwest::Error> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(Duration::from_secs(10))
            .pool_max_idle_per_host(256)
            .build()?;
        Ok(Upstream {
            http,
            base: base.trim_end_matches('/').to_owned(),
            key: key.filter(|k| !k.is_empty()),
        })
    }

    async fn post(&self, path: &str, body: &Value) -> Result<reqwest::Response, UpstreamError> {
        let mut request = self.http.post(format!("{}{path}", self.base)).json(body);
        if let Some(key) = &self.key {
            request = request.bearer_auth(key);
        }
        let response = request.send().await.map_err(|e| {
            if e.is_timeout() {
                UpstreamError::Timeout
            } else {
                UpstreamError::Unreachable(e.to_string())
            }
        })?;
        if !response.status().is_success() {
            let status = response.status();
            let body = response.bytes().await.unwrap_or_default();
            return Err(UpstreamError::Status(status, body));
        }
        Ok(response)
    }

    /// A whole (non-streamed) completion and its usage.
    ///
    /// # Errors
    ///
    /// See [`UpstreamError`].
    pub async fn complete(
        &self,
        path: &str,
        body: &Value,
    ) -> Result<(Bytes, Usage), UpstreamError> {
        let response = self.post(path, body).await?;
        let bytes = response.bytes().await.map_err(|e| {
            if e.is_timeout() {
                UpstreamError::Timeout
            } else {
                UpstreamError::Unreachable(e.to_string())
            }
        })?;
        let json: Value =
            serde_json::from_slice(&bytes).map_err(|e| UpstreamError::Malformed(e.to_string()))?;
        let usage = Usage::of(&json).ok_or(UpstreamError::NoUsage)?;
        Ok((bytes, usage))
    }

    /// A streamed completion, its status checked; the events are read by
    /// the caller.
    ///
    /// # Errors
    ///
    /// See [`UpstreamError`].
    pub async fn stream(
        &self,
        path: &str,
        body: &Value,
    ) -> Result<reqwest::Response, UpstreamError> {
        self.post(path, body).await
    }

    /// `GET {base}/v1/models`, for the health check.
    pub async fn reachable(&self) -> bool {
        let mut request = self.http.get(format!("{}/v1/models", self.base));
        if let Some(key) = &self.key {
            request = request.bearer_auth(key);
        }
        request.send().await.is_ok_and(|r| r.status().is_success())
    }
}

/// Splits a server-sent event stream into whole events as bytes arrive.
#[derive(Debug, Default)]
pub struct EventSplitter {
    buffer: Vec<u8>,
}

impl EventSplitter {
    /// Adds `chunk`; returns the events it completed (each with its
    /// terminating blank line).
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<Vec<u8>> {
        self.buffer.extend_from_slice(chunk);
        let mut events = Vec::new();
        while let Some(end) = find_blank_line(&self.buffer) {
            events.push(self.buffer.drain(..end).collect());
        }
        events
    }

    /// What is left when the stream ends (an event without its blank line).
    pub fn rest(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.buffer)
    }
}

/// The end of the first event: just past its "\n\n" or "\r\n\r\n".
fn find_blank_line(buffer: &[u8]) -> Option<usize> {
    let lf = buffer.windows(2).position(|w| w == b"\n\n").map(|i| i + 2);
    let crlf = buffer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| i + 4);
    match (lf, crlf) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The `data` of an event, joined over its lines.
#[must_use]
pub fn event_data(event: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(event).ok()?;
    let data: Vec<&str> = text
        .lines()
        .filter_map(|line| line.strip_prefix("data:"))
        .map(|d| d.strip_prefix(' ').unwrap_or(d))
        .collect();
    (!data.is_empty()).then(|| data.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_split_wherever_the_chunks_break() {
        let stream = b"data: {\"a\":1}\n\ndata: {\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":5}}\r\n\r\ndata: [DONE]\n\n";
        for cut in 1..stream.len() {
            let mut splitter = EventSplitter::default();
            let mut events = splitter.feed(&stream[..cut]);
            events.extend(splitter.feed(&stream[cut..]));
            assert_eq!(events.len(), 3, "cut at {cut}");
            assert!(splitter.rest().is_empty());
            assert_eq!(event_data(&events[2]).as_deref(), Some("[DONE]"));
            let usage: Value = serde_json::from_str(&event_data(&events[1]).unwrap()).unwrap();
            assert_eq!(
                Usage::of(&usage),
                Some(Usage {
                    prompt_tokens: 3,
                    completion_tokens: 5
                })
            );
        }
        assert_eq!(Usage::of(&serde_json::json!({"usage": null})), None);
    }
}
