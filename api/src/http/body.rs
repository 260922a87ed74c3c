//! Request bodies: a size limit, the media type, and JSON errors that
//! name the offending field.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::web::{Bytes, BytesMut};
use actix_web::{FromRequest, HttpRequest};
use futures_util::StreamExt;
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, FieldError};

/// The largest request body accepted.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// A JSON request body deserialized into `T`.
///
/// Unlike `actix_web::web::Json`, a failure names the field (through
/// `serde_path_to_error`) and is a problem document like every other error.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<JsonBody<T>, ApiError>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = is_json(request);
        let body = read_body(request, payload.take());

        Box::pin(async move {
            if !is_json {
                return Err(ApiError::UnsupportedMediaType);
            }
            let bytes = body.await?;
            parse_json(&bytes).map(JsonBody)
        })
    }
}

/// Returns whether the request declares a JSON body (`application/json` or `+json`).
pub fn is_json(request: &HttpRequest) -> bool {
    media_type(request).is_some_and(|media| media == "application/json" || media.ends_with("+json"))
}

/// Returns the media type of the body, without parameters, in lower case.
pub fn media_type(request: &HttpRequest) -> Option<String> {
    let value = request.headers().get(header::CONTENT_TYPE)?.to_str().ok()?;
    let media = value.split(';').next()?.trim().to_ascii_lowercase();
    Some(media)
}

/// Reads the whole body, refusing more than [`MAX_BODY_BYTES`] before
/// buffering it.
pub fn read_body(
    request: &HttpRequest,
    mut payload: Payload,
) -> LocalBoxFuture<'static, Result<Bytes, ApiError>> {
    let declared_length = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok());

    Box::pin(async move {
        let too_large = ApiError::PayloadTooLarge {
            limit: MAX_BODY_BYTES,
        };
        if declared_length.is_some_and(|length| length > MAX_BODY_BYTES) {
            return Err(too_large);
        }

        let mut body = BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk
                .map_err(|error| ApiError::field("body", format!("could not be read: {error}")))?;
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(too_large);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body.freeze())
    })
}

/// Deserializes JSON, turning serde's errors into field errors.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let deserializer = &mut serde_json::Deserializer::from_slice(bytes);

    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();

        if inner.is_syntax() || inner.is_eof() {
            return ApiError::InvalidInput(vec![FieldError::new(
                "body",
                format!("is not valid JSON: {inner}"),
            )]);
        }

        ApiError::InvalidInput(vec![field_error(&path, &inner.to_string())])
    })
}

/// Names the field of a serde data error: the path where it happened, or
/// for "missing field" and "unknown field" the field the message quotes.
fn field_error(path: &str, message: &str) -> FieldError {
    // serde_json appends " at line L column C", which adds nothing for a field.
    let message = message.split(" at line ").next().unwrap_or(message);

    for (prefix, text) in [
        ("missing field `", "is required"),
        ("unknown field `", "is not a known field"),
    ] {
        if let Some(rest) = message.strip_prefix(prefix) {
            let name = rest.split('`').next().unwrap_or_default();
            // The path already ends with an unknown key, but stops at the
            // parent object of a missing one.
            let field = if path == "." || path.is_empty() {
                name.to_owned()
            } else if path == name || path.ends_with(&format!(".{name}")) {
                path.to_owned()
            } else {
                format!("{path}.{name}")
            };
            return FieldError::new(field, text);
        }
    }

    let field = if path == "." || path.is_empty() {
        "body"
    } else {
        path
    };
    FieldError::new(field, readable_type_error(message))
}

/// Rewrites serde's "invalid type: integer `42`, expected a string" as
/// "must be a string, not integer `42`"; other messages pass unchanged.
fn readable_type_error(message: &str) -> String {
    let rewritten = message
        .strip_prefix("invalid type: ")
        .and_then(|rest| rest.split_once(", expected "))
        .map(|(found, expected)| format!("must be {expected}, not {found}"));
    rewritten.unwrap_or_else(|| message.to_owned())
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Example {
        name: String,
        count: i64,
    }

    fn errors(json: &str) -> Vec<FieldError> {
        match parse_json::<Example>(json.as_bytes()) {
            Err(ApiError::InvalidInput(errors)) => errors,
            other => panic!("expected invalid input, got {other:?}"),
        }
    }

    #[test]
    fn names_the_missing_field() {
        assert_eq!(
            errors(r#"{"name":"a"}"#),
            vec![FieldError::new("count", "is required")]
        );
    }

    #[test]
    fn names_the_unknown_field() {
        let errors = errors(r#"{"name":"a","count":1,"admin":true}"#);
        assert_eq!(errors[0].field, "admin");
    }

    #[test]
    fn names_the_mistyped_field() {
        let errors = errors(r#"{"name":"a","count":"many"}"#);
        assert_eq!(errors[0].field, "count");
        assert_eq!(errors[0].message, "must be i64, not string \"many\"");
    }

    #[test]
    fn malformed_json_is_a_body_error() {
        let errors = errors(r#"{"name":"#);
        assert_eq!(errors[0].field, "body");
    }
}
