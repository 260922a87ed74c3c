//! Checks of request fields, with Stytch's limits and error types.

use email_address::{EmailAddress, Options};
use time::Duration;
use url::Url;

use crate::errors::ApiError;

/// Default lifetime of login and signup magic links: one hour.
pub const LOGIN_LINK_DEFAULT_MINUTES: i64 = 60;

/// Default lifetime of invite magic links: seven days.
pub const INVITE_LINK_DEFAULT_MINUTES: i64 = 7 * 24 * 60;

/// Stytch accepts magic link lifetimes from 5 minutes to 7 days.
const LINK_MINUTES_RANGE: std::ops::RangeInclusive<i64> = 5..=7 * 24 * 60;

/// Stytch accepts session durations from 5 minutes to 366 days.
const SESSION_MINUTES_RANGE: std::ops::RangeInclusive<i64> = 5..=366 * 24 * 60;

/// Normalises an email to the trimmed, lower-case form used as the user key.
///
/// # Errors
/// `invalid_email` unless the address is a plain `local@domain.tld`
/// (no display name, no IP literal).
pub fn normalize_email(raw: &str) -> Result<String, ApiError> {
    let email = raw.trim().to_lowercase();
    let options = Options::default()
        .without_display_text()
        .without_domain_literal()
        .with_required_tld();

    match EmailAddress::parse_with_options(&email, options) {
        Ok(_) => Ok(email),
        Err(_) => Err(ApiError::invalid_email(raw)),
    }
}

/// Returns the given magic link URL, or the configured default when the
/// field is absent.
///
/// # Errors
/// `invalid_magic_link_url` when the URL is empty, relative, or not http or https.
pub fn magic_link_url(requested: Option<&str>, default: &Url) -> Result<Url, ApiError> {
    let Some(requested) = requested else {
        return Ok(default.clone());
    };

    match Url::parse(requested) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.has_host() => Ok(url),
        _ => Err(ApiError::invalid_magic_link_url(requested)),
    }
}

/// Returns a magic link lifetime from an optional `*_expiration_minutes` field.
///
/// # Errors
/// `bad_request` when the value is outside Stytch's 5 minutes to 7 days.
pub fn link_lifetime(
    minutes: Option<i64>,
    default_minutes: i64,
    field: &str,
) -> Result<Duration, ApiError> {
    let minutes = minutes.unwrap_or(default_minutes);
    if !LINK_MINUTES_RANGE.contains(&minutes) {
        return Err(ApiError::bad_request(format!(
            "{field} is {minutes}, but it must be from {} to {} minutes.",
            LINK_MINUTES_RANGE.start(),
            LINK_MINUTES_RANGE.end()
        )));
    }
    Ok(Duration::minutes(minutes))
}

/// Returns the session duration from an optional `session_duration_minutes` field.
///
/// # Errors
/// `bad_request` when the value is outside Stytch's 5 minutes to 366 days.
pub fn session_duration(minutes: Option<i64>) -> Result<Option<Duration>, ApiError> {
    let Some(minutes) = minutes else {
        return Ok(None);
    };
    if !SESSION_MINUTES_RANGE.contains(&minutes) {
        return Err(ApiError::bad_request(format!(
            "session_duration_minutes is {minutes}, but it must be from {} to {} minutes.",
            SESSION_MINUTES_RANGE.start(),
            SESSION_MINUTES_RANGE.end()
        )));
    }
    Ok(Some(Duration::minutes(minutes)))
}

/// Treats an empty string like an absent field, as clients often send `""`
/// for an unset optional token.
pub fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|value| !value.is_empty())
}
