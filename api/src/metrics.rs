//! Prometheus metrics: requests, identity-provider calls and the database
//! pool, served as text on `METRICS_ADDR`, apart from the public API.

use std::time::Duration;

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
    TextEncoder,
};

use crate::db::Db;

/// Latency buckets in seconds, from a cached JWT check (well under a
/// millisecond) to a timed-out identity-provider call.
const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

pub struct Metrics {
    registry: Registry,
    http_requests: IntCounterVec,
    http_duration: HistogramVec,
    provider_calls: IntCounterVec,
    provider_duration: HistogramVec,
    pool_connections: IntGaugeVec,
    pool_max_connections: IntGauge,
}

impl Metrics {
    pub fn new() -> Metrics {
        let http_requests = IntCounterVec::new(
            Opts::new(
                "http_requests_total",
                "HTTP requests by method, route pattern and status",
            ),
            &["method", "route", "status"],
        )
        .expect("valid metric");
        let http_duration = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "Time to answer an HTTP request",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
            &["method", "route"],
        )
        .expect("valid metric");
        let provider_calls = IntCounterVec::new(
            Opts::new(
                "identity_provider_calls_total",
                "Calls to the identity provider by endpoint and outcome (ok, rejected, unavailable)",
            ),
            &["endpoint", "outcome"],
        )
        .expect("valid metric");
        let provider_duration = HistogramVec::new(
            HistogramOpts::new(
                "identity_provider_call_duration_seconds",
                "Time of one identity-provider call",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
            &["endpoint"],
        )
        .expect("valid metric");
        let pool_connections = IntGaugeVec::new(
            Opts::new(
                "db_pool_connections",
                "Open database connections by state; in_use at the maximum means requests wait for one",
            ),
            &["state"],
        )
        .expect("valid metric");
        let pool_max_connections = IntGauge::new(
            "db_pool_max_connections",
            "The connection pool's maximum size",
        )
        .expect("valid metric");

        let registry = Registry::new();
        for collector in [
            Box::new(http_requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(http_duration.clone()),
            Box::new(provider_calls.clone()),
            Box::new(provider_duration.clone()),
            Box::new(pool_connections.clone()),
            Box::new(pool_max_connections.clone()),
        ] {
            registry
                .register(collector)
                .expect("metric names are unique");
        }

        Metrics {
            registry,
            http_requests,
            http_duration,
            provider_calls,
            provider_duration,
            pool_connections,
            pool_max_connections,
        }
    }

    pub fn observe_request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        self.http_requests
            .with_label_values(&[method, route, &status.to_string()])
            .inc();
        self.http_duration
            .with_label_values(&[method, route])
            .observe(elapsed.as_secs_f64());
    }

    pub fn observe_provider_call(&self, endpoint: &str, outcome: &str, elapsed: Duration) {
        self.provider_calls
            .with_label_values(&[endpoint, outcome])
            .inc();
        self.provider_duration
            .with_label_values(&[endpoint])
            .observe(elapsed.as_secs_f64());
    }

    /// Renders every metric in the Prometheus text format, reading the
    /// pool's state at this moment.
    pub fn render(&self, db: &Db) -> String {
        let size = i64::from(db.pool.size());
        let idle = i64::try_from(db.pool.num_idle()).unwrap_or(i64::MAX);
        self.pool_connections.with_label_values(&["idle"]).set(idle);
        self.pool_connections
            .with_label_values(&["in_use"])
            .set((size - idle).max(0));
        self.pool_max_connections
            .set(i64::from(db.pool.options().get_max_connections()));

        let mut buffer = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut buffer)
            .expect("metrics encode as text");
        String::from_utf8(buffer).expect("the text format is UTF-8")
    }
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics::new()
    }
}
