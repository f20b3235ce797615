//! A STUB of an OpenAI-compatible upstream AI API, for the tests, the demo
//! and the benches: it is what lies outside the product (a model), so it
//! is faked, and named so. It answers `/v1/chat/completions` (whole or
//! streamed, with usage when asked) and `/v1/completions` by echoing the
//! last message, and `/v1/models`. A message containing one of these
//! words makes it misbehave, so tests can reach every failure path:
//! `stub:fail` (500), `stub:hang` (never answers), `stub:slow` (answers
//! after `SLOW`), `stub:no-usage` (omits usage), `stub:break` (a stream that
//! stops mid-way), `stub:overrun` (ignores `max_tokens`, answering eight times
//! as many words, and reports them). Like `OpenAI`, it answers `n` completions
//! (generating `best_of` for `/v1/completions`, and as many per element of
//! an array `prompt`, each echoing them all) and its usage counts every
//! completion generated.

use std::{
    net::SocketAddr,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::Duration,
};

use axum::{
    body::Body,
    extract::State,
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use serde_json::{json, Value};

/// A running stub.
pub struct UpstreamStub {
    /// The local address it listens on (`127.0.0.1`, a free port).
    pub addr: SocketAddr,
    /// Requests it has received (so tests can see the upstream was never
    /// called).
    pub calls: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl UpstreamStub {
    /// Starts on a free local port.
    ///
    /// # Errors
    ///
    /// No port can be bound.
    pub async fn start() -> std::io::Result<UpstreamStub> {
        let calls = Arc::new(AtomicU64::new(0));
        let app = Router::new()
            .route("/v1/chat/completions", post(chat))
            .route("/v1/completions", post(completions))
            .route("/v1/models", get(models))
            .with_state(calls.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(UpstreamStub { addr, calls, task })
    }

    /// Its base URL.
    #[must_use]
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// How many requests it has received.
    #[must_use]
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::SeqCst)
    }
}

impl Drop for UpstreamStub {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Tokens as the stub counts them: words.
fn words(text: &str) -> u64 {
    text.split_whitespace().count() as u64
}

fn text_of(content: &Value) -> String {
    match content {
        Value::String(s) => s.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join(" "),
        _ => String::new(),
    }
}

/// How long a `stub:slow` request takes: time for a test to act on the
/// chain while the upstream answers.
pub const SLOW: Duration = Duration::from_millis(1500);

struct Reply {
    prompt_tokens: u64,
    words: Vec<String>,
    trigger: String,
}

fn reply(prompt: &str, all_prompt: &str, max_tokens: u64) -> Reply {
    let trigger = [
        "stub:fail",
        "stub:hang",
        "stub:slow",
        "stub:no-usage",
        "stub:break",
        "stub:overrun",
    ]
    .into_iter()
    .find(|t| prompt.contains(t))
    .unwrap_or_default()
    .to_owned();
    let limit = usize::try_from(max_tokens.max(1)).unwrap_or(usize::MAX);
    let echo: Vec<String> = std::iter::once("echo:".to_owned())
        .chain(prompt.split_whitespace().map(str::to_owned))
        .collect();
    let out: Vec<String> = if trigger == "stub:overrun" {
        echo.iter()
            .cycle()
            .take(limit.saturating_mul(8))
            .cloned()
            .collect()
    } else {
        echo.into_iter().take(limit).collect()
    };
    Reply {
        prompt_tokens: words(all_prompt),
        words: out,
        trigger,
    }
}

async fn chat(State(calls): State<Arc<AtomicU64>>, Json(body): Json<Value>) -> Response {
    calls.fetch_add(1, Ordering::SeqCst);
    let messages = body
        .get("messages")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let all: Vec<String> = messages.iter().map(|m| text_of(&m["content"])).collect();
    let last = all.last().cloned().unwrap_or_default();
    let reply = reply(&last, &all.join(" "), max_tokens(&body));
    respond(&body, reply, true).await
}

async fn completions(State(calls): State<Arc<AtomicU64>>, Json(body): Json<Value>) -> Response {
    calls.fetch_add(1, Ordering::SeqCst);
    let prompt = match &body["prompt"] {
        Value::Array(parts) => parts
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" "),
        other => other.as_str().unwrap_or_default().to_owned(),
    };
    let reply = reply(&prompt, &prompt, max_tokens(&body));
    respond(&body, reply, false).await
}

fn max_tokens(body: &Value) -> u64 {
    body.get("max_completion_tokens")
        .or_else(|| body.get("max_tokens"))
        .and_then(Value::as_u64)
        .unwrap_or(16)
}

/// How many completions are returned (`n` per prompt of an array
/// `prompt`) and generated (`best_of` per prompt, at least `n`).
fn completions_asked(body: &Value) -> (u64, u64) {
    let prompts = body
        .get("prompt")
        .and_then(Value::as_array)
        .map_or(1, |p| p.len().max(1) as u64);
    let n = body.get("n").and_then(Value::as_u64).unwrap_or(1).max(1);
    let best_of = body
        .get("best_of")
        .and_then(Value::as_u64)
        .unwrap_or(n)
        .max(n);
    (n * prompts, best_of * prompts)
}

async fn respond(body: &Value, reply: Reply, chat: bool) -> Response {
    let model = body["model"].as_str().unwrap_or("stub").to_owned();
    let (n, generated) = completions_asked(body);
    match reply.trigger.as_str() {
        "stub:fail" => return (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(
                json!({"error": {"message": "the stub was told to fail", "type": "server_error"}}),
            ),
        )
            .into_response(),
        "stub:hang" => {
            tokio::time::sleep(Duration::from_hours(1)).await;
        }
        "stub:slow" => tokio::time::sleep(SLOW).await,
        _ => {}
    }
    let completion_tokens = reply.words.len() as u64 * generated;
    let usage = json!({
        "prompt_tokens": reply.prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": reply.prompt_tokens + completion_tokens,
    });
    let text = reply.words.join(" ");
    let stream = body.get("stream").and_then(Value::as_bool).unwrap_or(false);
    if !stream {
        let choices: Vec<Value> = (0..n)
            .map(|i| {
                if chat {
                    json!({"index": i, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"})
                } else {
                    json!({"index": i, "text": text, "finish_reason": "stop"})
                }
            })
            .collect();
        let mut out = json!({
            "id": "stub-1", "object": if chat { "chat.completion" } else { "text_completion" },
            "created": 0, "model": model, "choices": choices,
        });
        if reply.trigger != "stub:no-usage" {
            out["usage"] = usage;
        }
        return Json(out).into_response();
    }
    let include_usage = body
        .pointer("/stream_options/include_usage")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let mut events = Vec::new();
    for (i, word) in reply.words.iter().enumerate() {
        let piece = if i == 0 {
            word.clone()
        } else {
            format!(" {word}")
        };
        for index in 0..n {
            let choice = if chat {
                json!({"index": index, "delta": {"content": piece}, "finish_reason": null})
            } else {
                json!({"index": index, "text": piece, "finish_reason": null})
            };
            events.push(format!(
                "data: {}\n\n",
                json!({"id": "stub-1", "object": "chat.completion.chunk", "created": 0, "model": model, "choices": [choice]})
            ));
        }
    }
    if reply.trigger == "stub:break" {
        // Half the events, then, after a pause (so that the headers and
        // those events are out), the connection drops without [DONE].
        events.truncate(events.len().div_ceil(2));
        let head = futures_util::stream::iter(events.into_iter().map(Ok::<_, std::io::Error>));
        let tail = futures_util::stream::once(async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            Err(std::io::Error::other("the stub broke the stream"))
        });
        return sse(Body::from_stream(futures_util::StreamExt::chain(
            head, tail,
        )));
    }
    if include_usage && reply.trigger != "stub:no-usage" {
        events.push(format!(
            "data: {}\n\n",
            json!({"id": "stub-1", "object": "chat.completion.chunk", "created": 0, "model": model, "choices": [], "usage": usage})
        ));
    }
    events.push("data: [DONE]\n\n".to_owned());
    let chunks = events.into_iter().map(Ok::<_, std::io::Error>);
    sse(Body::from_stream(futures_util::stream::iter(chunks)))
}

fn sse(body: Body) -> Response {
    Response::builder()
        .header(header::CONTENT_TYPE, "text/event-stream")
        .body(body)
        .unwrap_or_default()
}

async fn models() -> Json<Value> {
    Json(json!({"object": "list", "data": [{"id": "stub", "object": "model", "owned_by": "stub"}]}))
}
