//! Local verification of Stytch session JWTs against the project's cached
//! JWKS, so that most requests need no call to Stytch.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde::Deserialize;
use time::OffsetDateTime;
use tokio::sync::{Mutex, RwLock};

use super::client::{StytchClient, StytchError};

/// The shortest time between two JWKS fetches caused by unknown key ids,
/// so that tokens with made-up `kid`s cannot make us hammer Stytch.
const REFETCH_INTERVAL: Duration = Duration::from_secs(30);
/// Clock difference tolerated on `exp` and `nbf`.
const LEEWAY_SECONDS: u64 = 5;

/// The reason a JWT was rejected.
#[derive(Debug, thiserror::Error)]
pub enum JwtError {
    /// Signed by a trusted key and otherwise valid, but past `exp`: the
    /// session may live on, so the session token can renew it.
    #[error("the session JWT has expired")]
    Expired,
    #[error("the session JWT is invalid: {0}")]
    Invalid(String),
    #[error(transparent)]
    Unavailable(#[from] StytchError),
}

/// The session a verified JWT describes.
#[derive(Debug, Clone)]
pub struct VerifiedSession {
    pub stytch_user_id: String,
    pub expires_at: OffsetDateTime,
}

#[derive(Debug, Deserialize)]
struct Claims {
    sub: String,
    #[serde(rename = "https://stytch.com/session")]
    session: Option<SessionClaim>,
}

#[derive(Debug, Deserialize)]
struct SessionClaim {
    #[serde(default, with = "time::serde::rfc3339::option")]
    expires_at: Option<OffsetDateTime>,
}

pub struct JwtVerifier {
    keys: RwLock<HashMap<String, DecodingKey>>,
    last_fetch: Mutex<Option<Instant>>,
    validation: Validation,
}

impl JwtVerifier {
    pub fn new(client: &StytchClient) -> JwtVerifier {
        // The algorithm is fixed: a token's own `alg` header is never
        // trusted to choose how it is checked.
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_audience(&[client.project_id()]);
        validation.set_issuer(&[
            format!("stytch.com/{}", client.project_id()),
            client.base_url().as_str().trim_end_matches('/').to_owned(),
        ]);
        validation.set_required_spec_claims(&["exp", "nbf", "aud", "iss", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECONDS;

        JwtVerifier {
            keys: RwLock::new(HashMap::new()),
            last_fetch: Mutex::new(None),
            validation,
        }
    }

    /// Returns whether the JWKS has been loaded at least once.
    pub async fn has_keys(&self) -> bool {
        !self.keys.read().await.is_empty()
    }

    /// Fetches the JWKS and replaces the cached keys.
    pub async fn refresh(&self, client: &StytchClient) -> Result<usize, StytchError> {
        let set = client.jwks().await?;

        let keys: HashMap<String, DecodingKey> = set
            .keys
            .iter()
            .filter(|key| key.kty == "RSA" && !key.kid.is_empty())
            .filter_map(|key| {
                let decoding_key = DecodingKey::from_rsa_components(&key.n, &key.e).ok()?;
                Some((key.kid.clone(), decoding_key))
            })
            .collect();

        let count = keys.len();
        *self.keys.write().await = keys;
        tracing::info!(keys = count, "loaded the Stytch JWKS");
        Ok(count)
    }

    pub async fn verify(
        &self,
        client: &StytchClient,
        token: &str,
    ) -> Result<VerifiedSession, JwtError> {
        let header = decode_header(token).map_err(|error| JwtError::Invalid(error.to_string()))?;
        if header.alg != Algorithm::RS256 {
            return Err(JwtError::Invalid(format!(
                "algorithm {:?} is not RS256",
                header.alg
            )));
        }
        let kid = header
            .kid
            .ok_or_else(|| JwtError::Invalid("the header names no key (kid)".to_owned()))?;

        // The read guard must be gone before a refetch takes the write lock.
        let cached = self.keys.read().await.get(&kid).cloned();
        let key = match cached {
            Some(key) => key,
            None => self.fetch_unknown_key(client, &kid).await?,
        };

        let data = decode::<Claims>(token, &key, &self.validation).map_err(|error| match error
            .kind()
        {
            jsonwebtoken::errors::ErrorKind::ExpiredSignature => JwtError::Expired,
            _ => JwtError::Invalid(error.to_string()),
        })?;

        let expires_at = data
            .claims
            .session
            .and_then(|session| session.expires_at)
            .ok_or_else(|| JwtError::Invalid("the session claim has no expires_at".to_owned()))?;

        Ok(VerifiedSession {
            stytch_user_id: data.claims.sub,
            expires_at,
        })
    }

    /// Refetches the JWKS for a key id that is not cached (Stytch rotated
    /// its keys). While keys are cached, this happens at most once per
    /// [`REFETCH_INTERVAL`]; with none cached, every such request fetches.
    async fn fetch_unknown_key(
        &self,
        client: &StytchClient,
        kid: &str,
    ) -> Result<DecodingKey, JwtError> {
        let mut last_fetch = self.last_fetch.lock().await;

        // Another request may have fetched while this one waited.
        let cached = self.keys.read().await.get(kid).cloned();
        if let Some(key) = cached {
            return Ok(key);
        }
        let recently = last_fetch.is_some_and(|at| at.elapsed() < REFETCH_INTERVAL);
        if recently && self.has_keys().await {
            return Err(JwtError::Invalid(format!("unknown key id {kid:?}")));
        }

        *last_fetch = Some(Instant::now());
        self.refresh(client).await?;

        self.keys
            .read()
            .await
            .get(kid)
            .cloned()
            .ok_or_else(|| JwtError::Invalid(format!("unknown key id {kid:?}")))
    }
}
