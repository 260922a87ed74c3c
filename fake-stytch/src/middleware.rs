//! The layer in front of every `/v1` call: request counting, injected
//! faults, HTTP Basic authentication and request logging.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, FromRequest as _, ResponseError, web};
use actix_web_httpauth::extractors::basic::BasicAuth;

use crate::errors::ApiError;
use crate::state::AppState;

/// Counts the call, applies a matching fault, then checks the project
/// credentials before the handler runs.
///
/// Faults come before authentication because a real outage or rate limit
/// fails calls whatever their credentials are. Every call is counted, including
/// faulted and rejected ones, so tests can count a client's retries.
pub async fn stytch_api(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let Some(state) = request.app_data::<web::Data<AppState>>().cloned() else {
        let error = ApiError::internal("the fake's state is not registered with the app");
        return Ok(request.error_response(error));
    };

    let method = request.method().to_string();
    let path = request.path().to_owned();
    let pattern = request.match_pattern().unwrap_or_else(|| path.clone());
    state.stats.record(&format!("{method} {pattern}"));

    if let Some(fault) = state.faults.take(&path) {
        if let Some(latency) = fault.latency {
            tokio::time::sleep(latency).await;
        }
        if let Some(error) = fault.error {
            tracing::info!(%method, %path, status = error.status_code().as_u16(), "returned an injected fault");
            return Ok(request.into_response(error.error_response()));
        }
    }

    if let Err(error) = authenticate(&request, &state).await {
        tracing::info!(%method, %path, "rejected a call with missing or wrong project credentials");
        return Ok(request.into_response(error.error_response()));
    }

    let response = next.call(request).await?;
    tracing::info!(%method, %path, status = response.status().as_u16(), "handled an API call");
    Ok(response.map_into_boxed_body())
}

/// Checks HTTP Basic credentials: user name = project id, password = secret.
async fn authenticate(request: &ServiceRequest, state: &AppState) -> Result<(), ApiError> {
    let credentials = BasicAuth::extract(request.request())
        .await
        .map_err(|_| ApiError::unauthorized_credentials())?;

    let project_matches = credentials.user_id() == state.config.project_id;
    let secret_matches = credentials.password() == Some(state.config.secret.as_str());
    if project_matches && secret_matches {
        Ok(())
    } else {
        Err(ApiError::unauthorized_credentials())
    }
}
