//! `/_fake`: test-only controls. They need no credentials and are not part
//! of Stytch's API.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::errors::ApiError;
use crate::faults::{FaultRequest, FaultRule};
use crate::jwt::sign_claims;
use crate::keys::{Jwk, SigningKey};
use crate::state::{AppState, lock, read, write};

#[derive(Deserialize)]
pub struct OutboxQuery {
    email: Option<String>,
}

/// `GET /_fake/outbox[?email=…]`: sent emails in send order.
pub async fn outbox(state: web::Data<AppState>, query: web::Query<OutboxQuery>) -> HttpResponse {
    // Stored emails are lower case, so the filter is too.
    let email = query
        .into_inner()
        .email
        .map(|email| email.trim().to_lowercase());
    let messages = lock(&state.store).outbox(email.as_deref());
    HttpResponse::Ok().json(messages)
}

#[derive(Serialize)]
struct ClearedResponse {
    cleared: usize,
}

/// `DELETE /_fake/outbox`: clears the sent emails. Their links stay valid.
pub async fn clear_outbox(state: web::Data<AppState>) -> HttpResponse {
    let mut store = lock(&state.store);
    let cleared = store.outbox(None).len();
    store.clear_outbox();
    HttpResponse::Ok().json(ClearedResponse { cleared })
}

/// `GET /_fake/stats`: `/v1` request counts per route and their total.
pub async fn stats(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(state.stats.snapshot())
}

/// `POST /_fake/stats/reset`: zeroes the counts and returns the empty snapshot.
pub async fn reset_stats(state: web::Data<AppState>) -> HttpResponse {
    state.stats.reset();
    HttpResponse::Ok().json(state.stats.snapshot())
}

#[derive(Serialize)]
struct FaultsResponse {
    faults: Vec<FaultRule>,
}

/// `GET /_fake/faults`: the active fault rules.
pub async fn list_faults(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(FaultsResponse {
        faults: state.faults.list(),
    })
}

/// `POST /_fake/faults`: adds a fault rule and returns all active rules.
pub async fn add_fault(
    state: web::Data<AppState>,
    body: web::Json<FaultRequest>,
) -> Result<HttpResponse, ApiError> {
    let rule = FaultRule::from_request(body.into_inner())?;
    tracing::info!(?rule, "added a fault rule");

    let faults = state.faults.add(rule);
    Ok(HttpResponse::Ok().json(FaultsResponse { faults }))
}

/// `DELETE /_fake/faults`: removes every fault rule.
pub async fn clear_faults(state: web::Data<AppState>) -> HttpResponse {
    state.faults.clear();
    tracing::info!("cleared all fault rules");
    HttpResponse::Ok().json(FaultsResponse { faults: Vec::new() })
}

#[derive(Deserialize)]
pub struct RotateKeyQuery {
    #[serde(default)]
    retire_old: bool,
}

#[derive(Serialize)]
struct RotateKeyResponse {
    kid: String,
    keys: Vec<Jwk>,
}

/// `POST /_fake/rotate-key[?retire_old=true]`: generates a new signing key.
/// The JWKS keeps the old keys unless `retire_old` is set.
pub async fn rotate_key(
    state: web::Data<AppState>,
    query: web::Query<RotateKeyQuery>,
) -> Result<HttpResponse, ApiError> {
    let retire_old = query.into_inner().retire_old;

    // RSA key generation is CPU-bound, so it runs off the async worker.
    let key = web::block(SigningKey::generate)
        .await
        .map_err(|error| ApiError::internal(format!("key generation was cancelled: {error}")))?
        .map_err(|error| ApiError::internal(error.to_string()))?;
    let kid = key.kid.clone();

    let keys = {
        let mut keys = write(&state.keys);
        keys.rotate(key, retire_old);
        keys.jwks()
    };

    tracing::info!(%kid, retire_old, "rotated the signing key");
    Ok(HttpResponse::Ok().json(RotateKeyResponse { kid, keys }))
}

#[derive(Deserialize)]
pub struct SignJwtRequest {
    claims: Map<String, Value>,
    kid: Option<String>,
}

#[derive(Serialize)]
struct SignJwtResponse {
    jwt: String,
}

/// `POST /_fake/jwt`: signs arbitrary claims with the current key, so tests
/// can build expired, wrong-audience or unknown-kid tokens that still carry a
/// trusted signature. The header names `kid` if given, else the key's own id.
pub async fn sign_jwt(
    state: web::Data<AppState>,
    body: web::Json<SignJwtRequest>,
) -> Result<HttpResponse, ApiError> {
    let request = body.into_inner();
    let key = read(&state.keys).current();
    let jwt = sign_claims(&key, request.kid.as_deref(), &request.claims)?;
    Ok(HttpResponse::Ok().json(SignJwtResponse { jwt }))
}
