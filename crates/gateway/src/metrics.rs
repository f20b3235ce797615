//! Prometheus metrics (`GET /metrics`): requests, 402s and their reasons,
//! units charged, value pending settlement, settlement results and the
//! upstream's latency.

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry,
    TextEncoder,
};

/// The gateway's metrics.
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    /// By route and status code.
    pub requests: IntCounterVec,
    /// By scheme ("none" without payment) and reason.
    pub payment_required: IntCounterVec,
    /// AAT units charged, by model.
    pub units_charged: IntCounterVec,
    /// Requests paid with `exact`.
    pub exact_paid: IntCounter,
    /// Units owed and not settled yet, across holders.
    pub pending_units: IntGauge,
    /// `exact` payments served and not settled yet.
    pub pending_exact: IntGauge,
    /// Vouchers and authorizations, by kind and result (settled, rejected,
    /// failed: the transaction itself failed and will be retried).
    pub settlements: IntCounterVec,
    /// Gas used by settlement transactions.
    pub settlement_gas: IntCounter,
    /// Seconds to the upstream's answer (the whole answer, or a stream's
    /// headers), by route.
    pub upstream_latency: HistogramVec,
    /// Requests being served.
    pub in_flight: IntGauge,
}

impl Metrics {
    /// # Panics
    ///
    /// Never: the names are fixed and distinct.
    #[must_use]
    pub fn new() -> Metrics {
        let registry =
            Registry::new_custom(Some("aat_gateway".into()), None).expect("a valid prefix");
        let counter_vec = |name: &str, help: &str, labels: &[&str]| {
            let c = IntCounterVec::new(Opts::new(name, help), labels).expect("a valid metric");
            registry
                .register(Box::new(c.clone()))
                .expect("a new metric");
            c
        };
        let gauge = |name: &str, help: &str| {
            let g = IntGauge::new(name, help).expect("a valid metric");
            registry
                .register(Box::new(g.clone()))
                .expect("a new metric");
            g
        };
        let counter = |name: &str, help: &str| {
            let c = IntCounter::new(name, help).expect("a valid metric");
            registry
                .register(Box::new(c.clone()))
                .expect("a new metric");
            c
        };
        let upstream_latency = HistogramVec::new(
            HistogramOpts::new(
                "upstream_latency_seconds",
                "Seconds to the upstream's answer",
            )
            .buckets(vec![
                0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 30.0, 120.0,
            ]),
            &["route"],
        )
        .expect("a valid metric");
        registry
            .register(Box::new(upstream_latency.clone()))
            .expect("a new metric");
        Metrics {
            requests: counter_vec(
                "requests_total",
                "Requests by route and status",
                &["route", "status"],
            ),
            payment_required: counter_vec(
                "payment_required_total",
                "402 answers by scheme and reason",
                &["scheme", "reason"],
            ),
            units_charged: counter_vec("units_charged_total", "AAT units charged", &["model"]),
            exact_paid: counter("exact_paid_total", "Requests paid with exact"),
            pending_units: gauge("pending_units", "Units owed and not settled"),
            pending_exact: gauge("pending_exact", "exact payments not settled"),
            settlements: counter_vec(
                "settlements_total",
                "Settlement results by kind and result",
                &["kind", "result"],
            ),
            settlement_gas: counter("settlement_gas_total", "Gas used by settlements"),
            upstream_latency,
            in_flight: gauge("in_flight", "Requests being served"),
            registry,
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
