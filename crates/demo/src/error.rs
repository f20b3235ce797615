//! What can stop the story: a step whose transaction or read failed, a
//! service that did not start, a missing artifact, too few dev accounts.
//! An expectation that is not met does not stop it: it is counted
//! ([`crate::story::Story::expect`]) and the demo exits non-zero.

use std::path::PathBuf;

use aat_client::ClientError;

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// A step's transaction, signature or read failed.
    #[error("{step}: {source}")]
    Step {
        step: String,
        #[source]
        source: ClientError,
    },
    /// A built contract is missing.
    #[error("{}: {source}; run scripts/build", path.display())]
    Artifact {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A service the story runs (the devnode, a gateway, the relay, the
    /// upstream stub) did not start, or the node refused a dev control.
    #[error("{service}: {reason}")]
    Service {
        service: &'static str,
        reason: String,
    },
    /// The node has fewer dev accounts than the story has parties.
    #[error("the story needs {needed} dev accounts; the node has {have}")]
    Accounts { needed: usize, have: usize },
    /// A file the demo writes (`--write-env`, its data directory).
    #[error("{}: {source}", path.display())]
    File {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Names the step a client call belongs to: `call.await.step("...")?`.
pub trait Step<T> {
    /// # Errors
    ///
    /// The call failed: [`DemoError::Step`] naming `step`.
    fn step(self, step: impl Into<String>) -> Result<T, DemoError>;
}

impl<T> Step<T> for Result<T, ClientError> {
    fn step(self, step: impl Into<String>) -> Result<T, DemoError> {
        self.map_err(|source| DemoError::Step {
            step: step.into(),
            source,
        })
    }
}

/// A service's failure (the devnode's, the gateway's, the relay's), its
/// error kept as the words it displays.
pub fn service<E: std::fmt::Display>(service: &'static str) -> impl FnOnce(E) -> DemoError {
    move |reason| DemoError::Service {
        service,
        reason: reason.to_string(),
    }
}
