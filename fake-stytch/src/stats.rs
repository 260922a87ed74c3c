//! Counts of `/v1` requests per route, for tests that assert call patterns
//! (retries, caching of the JWKS).

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde::Serialize;

use crate::state::lock;

/// Request counts keyed by `"METHOD /route/pattern"`, e.g.
/// `"GET /v1/sessions/jwks/{project_id}"`.
#[derive(Debug, Default)]
pub struct Stats {
    counts: Mutex<BTreeMap<String, u64>>,
}

/// The body of `GET /_fake/stats`.
#[derive(Debug, Serialize)]
pub struct StatsSnapshot {
    pub requests: BTreeMap<String, u64>,
    pub total: u64,
}

impl Stats {
    pub fn record(&self, route: &str) {
        *lock(&self.counts).entry(route.to_owned()).or_default() += 1;
    }

    pub fn snapshot(&self) -> StatsSnapshot {
        let requests = lock(&self.counts).clone();
        let total = requests.values().sum();
        StatsSnapshot { requests, total }
    }

    pub fn reset(&self) {
        lock(&self.counts).clear();
    }
}
