//! Prometheus metrics (`GET /metrics`): requests, orders accepted and
//! refused (by reason), orders held, and how far the chain was followed.

use prometheus::{Encoder, IntCounter, IntCounterVec, IntGauge, Opts, Registry, TextEncoder};

/// The relay's metrics.
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    /// By route and status code.
    pub requests: IntCounterVec,
    /// Orders kept.
    pub accepted: IntCounter,
    /// Orders refused, by reason (`Refusal::label`).
    pub refused: IntCounterVec,
    /// Orders held (fillable now or not).
    pub held: IntGauge,
    /// The last block whose logs were applied.
    pub followed_block: IntGauge,
    /// Orders forgotten as never fillable again.
    pub dropped: IntCounter,
    /// Polls of the chain that failed (retried).
    pub follow_errors: IntCounter,
}

impl Metrics {
    /// # Panics
    ///
    /// Never: the names are fixed and distinct.
    #[must_use]
    pub fn new() -> Metrics {
        let registry =
            Registry::new_custom(Some("aat_market".into()), None).expect("a valid prefix");
        let register = |metric: Box<dyn prometheus::core::Collector>| {
            registry.register(metric).expect("a new metric");
        };
        let requests = IntCounterVec::new(
            Opts::new("requests_total", "Requests by route and status"),
            &["route", "status"],
        )
        .expect("a valid metric");
        let refused = IntCounterVec::new(
            Opts::new("orders_refused_total", "Orders refused by reason"),
            &["reason"],
        )
        .expect("a valid metric");
        let accepted =
            IntCounter::new("orders_accepted_total", "Orders kept").expect("a valid metric");
        let held = IntGauge::new("orders_held", "Orders held").expect("a valid metric");
        let followed_block =
            IntGauge::new("followed_block", "Last block applied").expect("a valid metric");
        let dropped = IntCounter::new("orders_dropped_total", "Orders never fillable again")
            .expect("a valid metric");
        let follow_errors = IntCounter::new("follow_errors_total", "Failed polls of the chain")
            .expect("a valid metric");
        register(Box::new(requests.clone()));
        register(Box::new(refused.clone()));
        register(Box::new(accepted.clone()));
        register(Box::new(held.clone()));
        register(Box::new(followed_block.clone()));
        register(Box::new(dropped.clone()));
        register(Box::new(follow_errors.clone()));
        Metrics {
            registry,
            requests,
            accepted,
            refused,
            held,
            followed_block,
            dropped,
            follow_errors,
        }
    }

    /// The Prometheus text exposition.
    #[must_use]
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        // Encoding into a Vec fails only on a broken metric family.
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut out);
        String::from_utf8(out).unwrap_or_default()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}
