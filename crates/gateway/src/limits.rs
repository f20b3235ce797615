//! What a paid request may ask for, and what its answer may hold. The
//! gateway reserves a request's maximum cost before the upstream runs and
//! charges what the upstream reports, never more than was reserved; so it
//! forwards only requests whose cost that bound covers: one completion
//! (`n` and `best_of` 1), one text prompt, text content only (an image or
//! audio part costs tokens its bytes do not bound), and only parameters
//! known not to change what is generated beyond `max_tokens`. Anything
//! else is a 400 naming it, before payment. An answer that turns out to
//! hold more (a second completion, more pieces than `max_tokens`) is not
//! passed on.

use serde_json::{json, Map, Value};

/// Parameters of `/v1/chat/completions` that are forwarded.
const CHAT: &[&str] = &[
    "model",
    "messages",
    "max_tokens",
    "max_completion_tokens",
    "stream",
    "stream_options",
    "n",
    "temperature",
    "top_p",
    "top_k",
    "min_p",
    "repetition_penalty",
    "frequency_penalty",
    "presence_penalty",
    "logit_bias",
    "logprobs",
    "top_logprobs",
    "stop",
    "seed",
    "user",
    "tools",
    "tool_choice",
    "parallel_tool_calls",
    "functions",
    "function_call",
    "response_format",
    "reasoning_effort",
    "metadata",
];

/// Parameters of `/v1/completions` that are forwarded.
const COMPLETIONS: &[&str] = &[
    "model",
    "prompt",
    "suffix",
    "max_tokens",
    "stream",
    "stream_options",
    "n",
    "best_of",
    "echo",
    "temperature",
    "top_p",
    "top_k",
    "min_p",
    "repetition_penalty",
    "frequency_penalty",
    "presence_penalty",
    "logit_bias",
    "logprobs",
    "stop",
    "seed",
    "user",
];

/// Message content parts that are text, bounded by their bytes.
const TEXT_PARTS: &[&str] = &["text", "refusal"];

/// Why a request cannot be served for a bounded price (a 400).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Unbounded {
    /// A parameter (named) that is not among those the route forwards.
    #[error("'{0}' is not supported here: the gateway forwards only parameters whose cost it can bound before the upstream runs")]
    Parameter(String),
    /// `n` or `best_of` (named) is given and is not 1.
    #[error(
        "'{0}' must be 1: one completion per request is what the price is bounded and charged for"
    )]
    NotOne(&'static str),
    /// `/v1/completions`' `prompt` is not a string (an array, a token list).
    #[error("'prompt' must be one string: an array asks for a completion per element")]
    Prompts,
    /// A chat message has a content part that is not text (an image,
    /// audio, a file), named by its `type`.
    #[error(
        "content parts of type '{0}' are not supported: only text, whose tokens its bytes bound"
    )]
    Content(String),
    /// `max_tokens` or `max_completion_tokens` is not an integer from 1 to
    /// the model's limit.
    #[error("'{key}' must be an integer from 1 to {limit}")]
    MaxTokens {
        /// Which of the two is out of range.
        key: &'static str,
        /// The model's `max_tokens`.
        limit: u64,
    },
}

/// Refuses what the price of a request to `route` cannot bound.
///
/// # Errors
///
/// What it is.
pub fn check(route: &str, request: &Map<String, Value>) -> Result<(), Unbounded> {
    let allowed = if route.ends_with("/chat/completions") {
        CHAT
    } else {
        COMPLETIONS
    };
    if let Some(key) = request.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(Unbounded::Parameter(key.clone()));
    }
    for key in ["n", "best_of"] {
        match request.get(key) {
            None | Some(Value::Null) => {}
            Some(v) if v.as_u64() == Some(1) => {}
            Some(_) => return Err(Unbounded::NotOne(key)),
        }
    }
    if request.get("prompt").is_some_and(|p| !p.is_string()) {
        return Err(Unbounded::Prompts);
    }
    if let Some(messages) = request.get("messages").and_then(Value::as_array) {
        for part in messages
            .iter()
            .filter_map(|m| m.get("content").and_then(Value::as_array))
            .flatten()
        {
            let kind = part.get("type").and_then(Value::as_str).unwrap_or("");
            if !TEXT_PARTS.contains(&kind) {
                return Err(Unbounded::Content(kind.to_owned()));
            }
        }
    }
    Ok(())
}

/// The completion bound of `request`: each of `max_completion_tokens` and
/// `max_tokens` it gives must be from 1 to `limit`; the least is the bound
/// and is written to both (an upstream may read either); without either,
/// `limit`, written as `max_tokens`.
///
/// # Errors
///
/// A given one is not an integer in range.
pub fn max_tokens(request: &mut Map<String, Value>, limit: u64) -> Result<u64, Unbounded> {
    let keys = ["max_completion_tokens", "max_tokens"];
    let mut given = Vec::new();
    for key in keys {
        match request.get(key) {
            None | Some(Value::Null) => {}
            Some(v) => match v.as_u64() {
                Some(n) if (1..=limit).contains(&n) => given.push((key, n)),
                _ => return Err(Unbounded::MaxTokens { key, limit }),
            },
        }
    }
    let bound = given.iter().map(|(_, n)| *n).min().unwrap_or(limit);
    if given.is_empty() {
        request.insert("max_tokens".into(), json!(bound));
    }
    for (key, _) in given {
        request.insert(key.into(), json!(bound));
    }
    Ok(bound)
}

/// Watches a streamed answer for more than its bound: a second completion,
/// or more pieces of text than `max_tokens` (each piece is at least one
/// token).
#[derive(Debug)]
pub struct StreamGuard {
    max_tokens: u64,
    pieces: u64,
}

impl StreamGuard {
    /// A guard for a stream bounded to `max_tokens` completion tokens.
    #[must_use]
    pub fn new(max_tokens: u64) -> StreamGuard {
        StreamGuard {
            max_tokens,
            pieces: 0,
        }
    }

    /// Counts `chunk`; why the stream must be cut before it, if it must.
    pub fn exceeded(&mut self, chunk: &Value) -> Option<String> {
        let choices = chunk.get("choices").and_then(Value::as_array)?;
        for choice in choices {
            if choice.get("index").and_then(Value::as_u64).unwrap_or(0) > 0 {
                return Some("the upstream sent more than one completion".into());
            }
            let delta = choice.get("delta").unwrap_or(choice);
            let text = ["content", "text", "reasoning_content", "reasoning"]
                .iter()
                .filter_map(|k| delta.get(*k).and_then(Value::as_str))
                .any(|t| !t.is_empty());
            if text || delta.get("tool_calls").is_some() {
                self.pieces += 1;
            }
        }
        (self.pieces > self.max_tokens).then(|| {
            format!(
                "the upstream sent more than the {} tokens asked for",
                self.max_tokens
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(v: &Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn what_cannot_be_bounded_is_refused_by_name() {
        let chat = "/v1/chat/completions";
        let ok = json!({"model": "m", "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}], "n": 1});
        assert_eq!(check(chat, &object(&ok)), Ok(()));
        for (body, says) in [
            (json!({"model": "m", "n": 8}), "'n' must be 1"),
            (
                json!({"model": "m", "n_predict": 9999}),
                "'n_predict' is not supported",
            ),
            (
                json!({"model": "m", "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]}),
                "'image_url'",
            ),
        ] {
            assert!(
                check(chat, &object(&body))
                    .unwrap_err()
                    .to_string()
                    .contains(says),
                "{says}"
            );
        }
        let completions = "/v1/completions";
        assert_eq!(
            check(
                completions,
                &object(&json!({"model": "m", "prompt": "x", "best_of": 1}))
            ),
            Ok(())
        );
        for (body, says) in [
            (json!({"model": "m", "prompt": ["a", "b"]}), "one string"),
            (
                json!({"model": "m", "prompt": "x", "best_of": 3}),
                "'best_of' must be 1",
            ),
            (
                json!({"model": "m", "prompt": "x", "messages": []}),
                "'messages' is not supported",
            ),
        ] {
            assert!(
                check(completions, &object(&body))
                    .unwrap_err()
                    .to_string()
                    .contains(says),
                "{says}"
            );
        }
    }

    #[test]
    fn both_completion_limits_are_checked_and_bounded() {
        let mut both = object(&json!({"max_completion_tokens": 16, "max_tokens": 40}));
        assert_eq!(max_tokens(&mut both, 64), Ok(16));
        assert_eq!(
            (
                both["max_tokens"].as_u64(),
                both["max_completion_tokens"].as_u64()
            ),
            (Some(16), Some(16))
        );
        let mut hidden = object(&json!({"max_completion_tokens": 16, "max_tokens": 100_000}));
        assert_eq!(
            max_tokens(&mut hidden, 64).unwrap_err(),
            Unbounded::MaxTokens {
                key: "max_tokens",
                limit: 64
            }
        );
        let mut none = object(&json!({}));
        assert_eq!(max_tokens(&mut none, 64), Ok(64));
        assert_eq!(none["max_tokens"], 64);
    }

    #[test]
    fn a_stream_is_cut_at_a_second_completion_or_past_its_tokens() {
        let piece = |i: u64| json!({"choices": [{"index": i, "delta": {"content": "w"}}]});
        let mut guard = StreamGuard::new(2);
        assert_eq!(
            guard.exceeded(
                &json!({"choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]})
            ),
            None
        );
        assert_eq!(guard.exceeded(&piece(0)), None);
        assert_eq!(guard.exceeded(&piece(0)), None);
        assert!(guard.exceeded(&piece(0)).unwrap().contains("2 tokens"));
        assert!(StreamGuard::new(9)
            .exceeded(&piece(1))
            .unwrap()
            .contains("more than one completion"));
        assert_eq!(
            StreamGuard::new(0).exceeded(&json!({"choices": [], "usage": {}})),
            None
        );
    }
}
