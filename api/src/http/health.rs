//! Liveness and readiness probes.

use std::time::Duration;

use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::startup::AppState;

/// How long the readiness probe waits for the database.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`, or `unavailable` when a check failed.
    #[schema(example = "ok")]
    pub status: &'static str,
    /// Each check by name, `ok` or what failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = json!({"database": "ok", "identity_provider": "ok"}))]
    pub checks: Option<std::collections::BTreeMap<&'static str, String>>,
}

/// Liveness: the process is up and serving.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, body = Health)))]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok",
        checks: None,
    })
}

/// Readiness: the database responds within two seconds and the identity
/// provider is ready.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "health",
    responses(
        (status = 200, body = Health),
        (status = 503, description = "A dependency is not ready", body = Health),
    )
)]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let database = match tokio::time::timeout(READY_TIMEOUT, state.db.ping()).await {
        Ok(Ok(())) => "ok".to_owned(),
        Ok(Err(error)) => {
            tracing::warn!(%error, "readiness: database query failed");
            "query failed".to_owned()
        }
        Err(_) => "timed out".to_owned(),
    };
    let provider = match state.provider.check_ready().await {
        Ok(()) => "ok".to_owned(),
        Err(reason) => reason,
    };

    let ready = database == "ok" && provider == "ok";
    let checks = [("database", database), ("identity_provider", provider)]
        .into_iter()
        .collect();
    let body = Health {
        status: if ready { "ok" } else { "unavailable" },
        checks: Some(checks),
    };

    if ready {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}
