//! Session JWTs: RS256 tokens whose claims mirror Stytch's.

use jsonwebtoken::{Algorithm, Header, Validation};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::config::Config;
use crate::errors::ApiError;
use crate::keys::{KeySet, SigningKey};
use crate::model::{Attributes, AuthenticationFactor, Session};

#[derive(Serialize)]
struct SessionClaims<'a> {
    sub: &'a str,
    aud: [&'a str; 1],
    iss: String,
    iat: i64,
    nbf: i64,
    exp: i64,
    #[serde(rename = "https://stytch.com/session")]
    session: SessionClaim<'a>,
}

#[derive(Serialize)]
struct SessionClaim<'a> {
    id: &'a str,
    #[serde(with = "time::serde::rfc3339")]
    started_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    last_accessed_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    expires_at: OffsetDateTime,
    attributes: &'a Attributes,
    authentication_factors: &'a [AuthenticationFactor],
    roles: &'a [String],
}

/// The only claims read back when a session JWT is presented.
#[derive(Deserialize)]
struct SessionReference {
    #[serde(rename = "https://stytch.com/session")]
    session: SessionId,
}

#[derive(Deserialize)]
struct SessionId {
    id: String,
}

/// Builds an RS256 header that names the signing key.
fn header(kid: &str) -> Header {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.to_owned());
    header
}

/// Signs a fresh session JWT, valid from `now` for the configured JWT lifetime.
///
/// The JWT never outlives its session: `exp` is capped at the session's `expires_at`.
pub fn issue_session_jwt(
    key: &SigningKey,
    config: &Config,
    session: &Session,
    now: OffsetDateTime,
) -> Result<String, ApiError> {
    let expires = (now + config.jwt_lifetime).min(session.expires_at);
    let claims = SessionClaims {
        sub: &session.user_id,
        aud: [&config.project_id],
        iss: config.issuer(),
        iat: now.unix_timestamp(),
        nbf: now.unix_timestamp(),
        exp: expires.unix_timestamp(),
        session: SessionClaim {
            id: &session.session_id,
            started_at: session.started_at,
            last_accessed_at: session.last_accessed_at,
            expires_at: session.expires_at,
            attributes: &session.attributes,
            authentication_factors: &session.authentication_factors,
            roles: &session.roles,
        },
    };

    jsonwebtoken::encode(&header(&key.kid), &claims, &key.encoding_key)
        .map_err(|error| ApiError::internal(format!("failed to sign the session JWT: {error}")))
}

/// Signs arbitrary claims with `key`, naming `kid` in the header (the key's
/// own id unless the caller overrides it to test unknown-kid handling).
pub fn sign_claims(
    key: &SigningKey,
    kid: Option<&str>,
    claims: &Map<String, Value>,
) -> Result<String, ApiError> {
    let kid = kid.unwrap_or(&key.kid);
    jsonwebtoken::encode(&header(kid), claims, &key.encoding_key)
        .map_err(|error| ApiError::internal(format!("failed to sign the JWT: {error}")))
}

/// Returns the session id of a session JWT that this project signed with a
/// published key, or the reason it was not accepted.
///
/// An expired JWT is accepted. Stytch's `sessions/authenticate` exists to
/// swap an expired JWT for a fresh one, so only the signature, audience and
/// issuer matter here, and the session's own expiry is checked by the caller.
pub fn session_id_from_jwt(keys: &KeySet, config: &Config, jwt: &str) -> Result<String, String> {
    let header =
        jsonwebtoken::decode_header(jwt).map_err(|error| format!("malformed JWT: {error}"))?;
    let kid = header.kid.ok_or("the JWT header has no kid")?;
    let key = keys
        .find(&kid)
        .ok_or_else(|| format!("no published key has kid {kid:?}"))?;

    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.set_audience(&[&config.project_id]);
    validation.set_issuer(&[config.issuer()]);
    validation.set_required_spec_claims(&["sub", "aud", "iss"]);

    let data = jsonwebtoken::decode::<SessionReference>(jwt, &key.decoding_key, &validation)
        .map_err(|error| format!("JWT rejected: {error}"))?;
    Ok(data.claims.session.id)
}
