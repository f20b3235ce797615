//! `--keep` serves the web app (`app/`, built to `app/dist`) beside the
//! chain: its files, and `config.json`, the file `--write-env` writes
//! without the dev keys (the app asks a wallet to sign; it never reads a
//! key). Any static host serves the app the same way, with its own config.

use std::{net::SocketAddr, path::Path};

use axum::{routing::get, Json, Router};
use tokio::{net::TcpListener, task::JoinHandle};
use tower_http::services::{ServeDir, ServeFile};

/// The app being served, until the demo stops.
pub struct WebApp {
    pub addr: SocketAddr,
    server: JoinHandle<()>,
}

impl WebApp {
    /// Serves `dist` (a Vite build) on `port` (a free one when it is
    /// taken), answering `/config.json` with `config`. `None` when `dist`
    /// holds no build.
    ///
    /// # Errors
    ///
    /// No port can be bound.
    pub async fn serve(
        dist: &Path,
        port: u16,
        config: serde_json::Value,
    ) -> std::io::Result<Option<WebApp>> {
        let index = dist.join("index.html");
        if !index.is_file() {
            return Ok(None);
        }
        let router = Router::new()
            .route("/config.json", get(move || async move { Json(config) }))
            // Paths the app routes itself fall back to its page.
            .fallback_service(ServeDir::new(dist).fallback(ServeFile::new(index)));
        let listener = match TcpListener::bind(("127.0.0.1", port)).await {
            Ok(listener) => listener,
            Err(_) if port != 0 => TcpListener::bind(("127.0.0.1", 0)).await?,
            Err(e) => return Err(e),
        };
        let addr = listener.local_addr()?;
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Ok(Some(WebApp { addr, server }))
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for WebApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// What the app is given: the `--write-env` file without its keys.
pub fn public_config(env: &serde_json::Value) -> serde_json::Value {
    let mut config = env.clone();
    if let Some(object) = config.as_object_mut() {
        object.remove("holderKey");
        object.remove("freeKey");
        if let Some(accounts) = object.get_mut("accounts").and_then(|a| a.as_array_mut()) {
            for account in accounts {
                if let Some(account) = account.as_object_mut() {
                    account.remove("key");
                }
            }
        }
    }
    config
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_served_config_has_no_keys() {
        let env = serde_json::json!({
            "rpcUrl": "http://127.0.0.1:8547",
            "holderKey": "0x01",
            "freeKey": "0x02",
            "accounts": [{"name": "Ada", "address": "0xa", "key": "0x03"}],
        });
        let served = public_config(&env);
        assert_eq!(
            served,
            serde_json::json!({
                "rpcUrl": "http://127.0.0.1:8547",
                "accounts": [{"name": "Ada", "address": "0xa"}],
            })
        );
    }
}
