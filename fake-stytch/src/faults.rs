//! Injected faults: latency and error statuses on `/v1` calls, so tests can
//! exercise the product's timeouts, retries and error handling.

use std::sync::Mutex;
use std::time::Duration;

use actix_web::http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::errors::{ApiError, default_error_type};
use crate::state::lock;

/// Upper bound of injected latency. Longer waits would outlast any sensible
/// client timeout and keep test servers busy for nothing.
pub const MAX_LATENCY_MS: u64 = 120_000;

/// The body of `POST /_fake/faults`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRequest {
    pub latency_ms: Option<u64>,
    pub status: Option<u16>,
    pub error_type: Option<String>,
    pub count: Option<u64>,
    pub path_prefix: Option<String>,
}

/// One active fault rule, as listed by `/_fake/faults`.
#[derive(Debug, Clone, Serialize)]
pub struct FaultRule {
    /// Only `/v1` calls whose path starts with this prefix match.
    pub path_prefix: String,
    pub latency_ms: Option<u64>,
    pub status: Option<u16>,
    pub error_type: Option<String>,
    /// Matching calls left before the rule is dropped; `None` lasts until cleared.
    pub remaining: Option<u64>,
}

/// Effect of a fault rule on one matched call.
#[derive(Debug)]
pub struct FaultEffect {
    pub latency: Option<Duration>,
    pub error: Option<ApiError>,
}

impl FaultRule {
    /// Validates a fault request.
    ///
    /// # Errors
    /// `bad_request` when the request sets neither latency nor status, or a
    /// field is out of range.
    pub fn from_request(request: FaultRequest) -> Result<Self, ApiError> {
        if request.latency_ms.is_none() && request.status.is_none() {
            return Err(ApiError::bad_request("Set latency_ms, status or both."));
        }
        if let Some(latency) = request.latency_ms
            && latency > MAX_LATENCY_MS
        {
            return Err(ApiError::bad_request(format!(
                "latency_ms is {latency}, but at most {MAX_LATENCY_MS} is allowed."
            )));
        }
        if let Some(status) = request.status
            && !(400..=599).contains(&status)
        {
            return Err(ApiError::bad_request(format!(
                "status is {status}, but an error status from 400 to 599 is expected."
            )));
        }
        if request.error_type.is_some() && request.status.is_none() {
            return Err(ApiError::bad_request("error_type needs a status."));
        }
        if request.count == Some(0) {
            return Err(ApiError::bad_request(
                "count must be at least 1; omit it to fault every call until cleared.",
            ));
        }

        let path_prefix = request.path_prefix.unwrap_or_else(|| "/v1".to_owned());
        if !path_prefix.starts_with("/v1") {
            return Err(ApiError::bad_request(format!(
                "path_prefix is {path_prefix:?}, but faults apply only to paths under /v1."
            )));
        }

        let error_type = request.status.map(|status| {
            request.error_type.clone().unwrap_or_else(|| {
                let status =
                    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                default_error_type(status).to_owned()
            })
        });

        Ok(Self {
            path_prefix,
            latency_ms: request.latency_ms,
            status: request.status,
            error_type,
            remaining: request.count,
        })
    }

    fn effect(&self, path: &str) -> FaultEffect {
        let error = self.status.map(|status| {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let error_type = self
                .error_type
                .clone()
                .unwrap_or_else(|| default_error_type(status).to_owned());
            ApiError::new(
                status,
                error_type,
                format!("Fault injected by fake-stytch on {path}."),
            )
        });

        FaultEffect {
            latency: self.latency_ms.map(Duration::from_millis),
            error,
        }
    }
}

/// Active fault rules, checked in the order they were added.
#[derive(Debug, Default)]
pub struct Faults {
    rules: Mutex<Vec<FaultRule>>,
}

impl Faults {
    pub fn add(&self, rule: FaultRule) -> Vec<FaultRule> {
        let mut rules = lock(&self.rules);
        rules.push(rule);
        rules.clone()
    }

    pub fn list(&self) -> Vec<FaultRule> {
        lock(&self.rules).clone()
    }

    pub fn clear(&self) {
        lock(&self.rules).clear();
    }

    /// Applies the first rule whose prefix matches `path`, counting one use of it.
    pub fn take(&self, path: &str) -> Option<FaultEffect> {
        let mut rules = lock(&self.rules);
        let index = rules
            .iter()
            .position(|rule| path.starts_with(&rule.path_prefix))?;

        let effect = rules[index].effect(path);
        if let Some(remaining) = rules[index].remaining.as_mut() {
            *remaining -= 1;
            if *remaining == 0 {
                rules.remove(index);
            }
        }
        Some(effect)
    }
}
