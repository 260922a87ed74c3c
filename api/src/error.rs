//! The API's one error type and its RFC 9457 problem-details form.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::LinkFailure;

/// An RFC 9457 problem details document (`application/problem+json`).
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI reference that identifies the kind of problem, such as
    /// `/problems/invalid-input` or `/problems/unauthorized`.
    #[serde(rename = "type")]
    pub problem_type: &'static str,
    /// A short summary of the kind of problem.
    pub title: &'static str,
    /// The HTTP status code.
    pub status: u16,
    /// The explanation of this occurrence of the problem.
    pub detail: String,
    /// The fields that failed validation, for invalid input.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// One invalid field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// The field's name: a body property, query parameter or path parameter.
    #[schema(example = "email")]
    pub field: String,
    /// The reason the value is invalid.
    #[schema(example = "must be an email address such as ada@example.com")]
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("invalid input: {0:?}")]
    InvalidInput(Vec<FieldError>),

    #[error("unsupported media type")]
    UnsupportedMediaType,

    #[error("request body too large")]
    PayloadTooLarge { limit: usize },

    #[error("unauthorized: {0}")]
    Unauthorized(String),

    #[error("magic link rejected: {0:?}")]
    MagicLink(LinkFailure),

    #[error("forbidden: {0}")]
    Forbidden(String),

    #[error("not found: {0}")]
    NotFound(String),

    #[error("method not allowed")]
    MethodNotAllowed,

    #[error("conflict on {field}: {detail}")]
    Conflict { field: &'static str, detail: String },

    /// The identity provider or mail server failed or timed out.
    #[error("upstream {service} unavailable: {reason}")]
    Unavailable {
        service: &'static str,
        reason: String,
    },

    #[error(transparent)]
    Database(#[from] sqlx::Error),

    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// Builds an invalid-input error on one field.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError::InvalidInput(vec![FieldError::new(field, message)])
    }

    pub fn problem(&self) -> Problem {
        let (problem_type, title, detail, errors) = match self {
            ApiError::InvalidInput(errors) => {
                let names: Vec<&str> = errors.iter().map(|error| error.field.as_str()).collect();
                let detail = match errors.as_slice() {
                    [error] => format!("{} {}.", error.field, error.message),
                    _ => format!("These fields are invalid: {}.", names.join(", ")),
                };
                (
                    "/problems/invalid-input",
                    "Invalid input",
                    detail,
                    errors.clone(),
                )
            }
            ApiError::UnsupportedMediaType => (
                "/problems/unsupported-media-type",
                "Unsupported media type",
                "Send the body as application/json.".to_owned(),
                vec![FieldError::new("body", "must be application/json")],
            ),
            ApiError::PayloadTooLarge { limit } => (
                "/problems/payload-too-large",
                "Payload too large",
                format!("The request body is larger than {limit} bytes."),
                vec![FieldError::new(
                    "body",
                    format!("must be at most {limit} bytes"),
                )],
            ),
            ApiError::Unauthorized(detail) => (
                "/problems/unauthorized",
                "Unauthorized",
                detail.clone(),
                vec![],
            ),
            ApiError::MagicLink(failure) => (
                "/problems/magic-link-rejected",
                "Unauthorized",
                failure.message().to_owned(),
                vec![FieldError::new("token", failure.code())],
            ),
            ApiError::Forbidden(detail) => {
                ("/problems/forbidden", "Forbidden", detail.clone(), vec![])
            }
            ApiError::NotFound(detail) => {
                ("/problems/not-found", "Not found", detail.clone(), vec![])
            }
            ApiError::MethodNotAllowed => (
                "/problems/method-not-allowed",
                "Method not allowed",
                "This path does not support the request method.".to_owned(),
                vec![],
            ),
            ApiError::Conflict { field, detail } => (
                "/problems/conflict",
                "Conflict",
                detail.clone(),
                vec![FieldError::new(*field, conflict_message(field))],
            ),
            ApiError::Unavailable { service, .. } => (
                "/problems/upstream-unavailable",
                "Service unavailable",
                format!("The {service} is unavailable. Try again in a minute."),
                vec![],
            ),
            // The cause stays in the log: it can name tables, hosts or values.
            ApiError::Database(_) | ApiError::Internal(_) => (
                "/problems/internal",
                "Internal server error",
                "The server failed to handle the request. It has been logged.".to_owned(),
                vec![],
            ),
        };

        Problem {
            problem_type,
            title,
            status: self.status_code().as_u16(),
            detail,
            errors,
        }
    }
}

/// Returns the field message of a conflict, a fragment like other field messages.
fn conflict_message(field: &str) -> &'static str {
    match field {
        "email" => "is already used by another user",
        "id" => "is your own account",
        _ => "conflicts with the current state",
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::InvalidInput(_) => StatusCode::BAD_REQUEST,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Unauthorized(_) | ApiError::MagicLink(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Database(_) | ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            ApiError::Database(error) => tracing::error!(%error, "database query failed"),
            ApiError::Internal(error) => tracing::error!(%error, "request failed"),
            ApiError::Unavailable { service, reason } => {
                tracing::warn!(service, %reason, "upstream service unavailable")
            }
            _ => {}
        }

        let mut response = HttpResponse::build(self.status_code());
        response.content_type("application/problem+json");
        match self {
            ApiError::Unauthorized(_) => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            ApiError::Unavailable { .. } => {
                response.insert_header((header::RETRY_AFTER, "30"));
            }
            _ => {}
        }
        response.json(self.problem())
    }
}

/// Maps unique-constraint violations to `409 Conflict` at the call site.
pub trait ResultExt<T> {
    fn on_unique_violation(self, field: &'static str, detail: &str) -> Result<T, ApiError>;
}

impl<T> ResultExt<T> for Result<T, sqlx::Error> {
    fn on_unique_violation(self, field: &'static str, detail: &str) -> Result<T, ApiError> {
        self.map_err(|error| match &error {
            sqlx::Error::Database(database_error) if database_error.is_unique_violation() => {
                ApiError::Conflict {
                    field,
                    detail: detail.to_owned(),
                }
            }
            _ => ApiError::Database(error),
        })
    }
}
