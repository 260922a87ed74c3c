//! Stytch's error object and the error types this fake returns.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::ids::new_request_id;

/// An API error, sent as Stytch's error body:
/// `{status_code, request_id, error_type, error_message, error_url}`.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{status} {error_type}: {message}")]
pub struct ApiError {
    status: StatusCode,
    error_type: String,
    message: String,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    status_code: u16,
    request_id: String,
    error_type: &'a str,
    error_message: &'a str,
    error_url: String,
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        error_type: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            status,
            error_type: error_type.into(),
            message: message.into(),
        }
    }

    pub fn error_type(&self) -> &str {
        &self.error_type
    }

    /// Creates a 400 `bad_request` for a malformed request or an out-of-range field.
    ///
    /// NOTE: real Stytch has narrower types for some of these cases; clients
    /// must tolerate error types they do not know.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn unauthorized_credentials() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized_credentials",
            "Unauthorized credentials: send HTTP Basic auth with the project id as user name and the secret as password.",
        )
    }

    pub fn invalid_email(email: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_email",
            format!("Email format is invalid: {email:?}."),
        )
    }

    pub fn invalid_magic_link_url(url: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_magic_link_url",
            format!(
                "Magic link URL is invalid: {url:?}. It must be an absolute http or https URL."
            ),
        )
    }

    pub fn duplicate_email(email: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "duplicate_email",
            format!("An active user with email {email:?} already exists, so it cannot be invited."),
        )
    }

    pub fn user_not_found(detail: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "user_not_found",
            format!("User could not be found: {detail}."),
        )
    }

    pub fn magic_link_not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "magic_link_not_found",
            "The magic link could not be found.",
        )
    }

    pub fn unable_to_auth_magic_link() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unable_to_auth_magic_link",
            "The magic link could not be authenticated because it was either already used, revoked or expired. Send the user a new link.",
        )
    }

    pub fn session_not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "session_not_found",
            "Session could not be found: it is unknown, expired or revoked.",
        )
    }

    pub fn route_not_found(method: &str, path: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "route_not_found",
            format!("No endpoint matches {method} {path}."),
        )
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_server_error",
            message,
        )
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let body = ErrorBody {
            status_code: self.status.as_u16(),
            request_id: new_request_id(),
            error_type: &self.error_type,
            error_message: &self.message,
            error_url: format!(
                "https://stytch.com/docs/api/errors/{}#{}",
                self.status.as_u16(),
                self.error_type
            ),
        };
        HttpResponse::build(self.status).json(body)
    }
}

/// Returns the error type Stytch uses for a bare status, for injected faults.
pub fn default_error_type(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "bad_request",
        401 => "unauthorized_credentials",
        404 => "not_found",
        429 => "too_many_requests",
        500 => "internal_server_error",
        502 => "bad_gateway",
        503 => "service_unavailable",
        504 => "gateway_timeout",
        _ => "fault_injected",
    }
}
