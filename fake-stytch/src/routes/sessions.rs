//! `/v1/sessions`: authenticating, revoking and listing sessions, and the JWKS.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::errors::ApiError;
use crate::jwt;
use crate::keys::Jwk;
use crate::model::{Session, User, now};
use crate::response::{Empty, ok};
use crate::state::{AppState, lock, read};
use crate::store::{IssuedSession, Store};
use crate::validation::{non_empty, session_duration};

/// Reference to an existing session in a request.
pub(super) enum SessionReference {
    Token(String),
    /// A session id, given directly or read from a verified session JWT.
    Id(String),
}

/// Reads the optional `session_token` / `session_jwt` pair of a request.
///
/// # Errors
/// `bad_request` when both are given, and `session_not_found` when the JWT
/// is not one this project signed with a published key.
pub(super) fn session_reference(
    state: &AppState,
    session_token: Option<String>,
    session_jwt: Option<String>,
) -> Result<Option<SessionReference>, ApiError> {
    match (non_empty(session_token), non_empty(session_jwt)) {
        (Some(_), Some(_)) => Err(ApiError::bad_request(
            "Pass either session_token or session_jwt, not both.",
        )),
        (Some(token), None) => Ok(Some(SessionReference::Token(token))),
        (None, Some(session_jwt)) => {
            session_id_from_jwt(state, &session_jwt).map(|id| Some(SessionReference::Id(id)))
        }
        (None, None) => Ok(None),
    }
}

fn session_id_from_jwt(state: &AppState, session_jwt: &str) -> Result<String, ApiError> {
    let keys = read(&state.keys);
    jwt::session_id_from_jwt(&keys, &state.config, session_jwt).map_err(|reason| {
        tracing::info!(%reason, "rejected a session JWT");
        ApiError::session_not_found()
    })
}

/// Returns the id of the live session that `reference` names.
///
/// # Errors
/// `session_not_found` when it is unknown, revoked or expired.
pub(super) fn resolve_session(
    store: &mut Store,
    reference: &SessionReference,
    now: OffsetDateTime,
) -> Result<String, ApiError> {
    let session_id = match reference {
        SessionReference::Token(token) => store.session_id_by_token(token, now),
        SessionReference::Id(id) => store.session_user_id(id, now).map(|_| id.clone()),
    };
    session_id.ok_or_else(ApiError::session_not_found)
}

/// Signs a fresh JWT for the session with the current key.
pub(super) fn sign_session(
    state: &AppState,
    session: &Session,
    now: OffsetDateTime,
) -> Result<String, ApiError> {
    let key = read(&state.keys).current();
    jwt::issue_session_jwt(&key, &state.config, session, now)
}

#[derive(Deserialize)]
pub struct AuthenticateRequest {
    session_token: Option<String>,
    session_jwt: Option<String>,
    session_duration_minutes: Option<i64>,
}

#[derive(Serialize)]
struct AuthenticateResponse {
    session: Session,
    session_token: String,
    session_jwt: String,
    user: User,
}

/// `POST /v1/sessions/authenticate`: validates a session by token or JWT,
/// marks it accessed, optionally extends it, and returns a fresh JWT.
pub async fn authenticate(
    state: web::Data<AppState>,
    body: web::Json<AuthenticateRequest>,
) -> Result<HttpResponse, ApiError> {
    let request = body.into_inner();
    let duration = session_duration(request.session_duration_minutes)?;
    let reference = session_reference(&state, request.session_token, request.session_jwt)?
        .ok_or_else(|| ApiError::bad_request("Pass session_token or session_jwt."))?;
    let now = now();

    let (issued, user) = {
        let mut store = lock(&state.store);
        let session_id = resolve_session(&mut store, &reference, now)?;
        let issued: IssuedSession = store.touch_session(&session_id, duration, now)?;
        let user = store
            .user(&issued.session.user_id)
            .cloned()
            .ok_or_else(ApiError::session_not_found)?;
        (issued, user)
    };

    let session_jwt = sign_session(&state, &issued.session, now)?;
    Ok(ok(AuthenticateResponse {
        session: issued.session,
        session_token: issued.session_token,
        session_jwt,
        user,
    }))
}

#[derive(Deserialize)]
pub struct RevokeRequest {
    session_id: Option<String>,
    session_token: Option<String>,
    session_jwt: Option<String>,
}

/// `POST /v1/sessions/revoke`: ends the session named by exactly one of
/// `session_id`, `session_token` or `session_jwt`.
pub async fn revoke(
    state: web::Data<AppState>,
    body: web::Json<RevokeRequest>,
) -> Result<HttpResponse, ApiError> {
    let request = body.into_inner();
    let session_id = non_empty(request.session_id);
    let session_token = non_empty(request.session_token);
    let session_jwt = non_empty(request.session_jwt);

    let present = [
        session_id.is_some(),
        session_token.is_some(),
        session_jwt.is_some(),
    ];
    if present.iter().filter(|is_present| **is_present).count() != 1 {
        return Err(ApiError::bad_request(
            "Pass exactly one of session_id, session_token or session_jwt.",
        ));
    }

    let reference = match session_id {
        Some(id) => SessionReference::Id(id),
        None => session_reference(&state, session_token, session_jwt)?.ok_or_else(|| {
            ApiError::bad_request("Pass session_id, session_token or session_jwt.")
        })?,
    };
    let now = now();

    let session_id = {
        let mut store = lock(&state.store);
        let session_id = resolve_session(&mut store, &reference, now)?;
        store.revoke_session(&session_id, now)?;
        session_id
    };

    tracing::info!(%session_id, "revoked a session");
    Ok(ok(Empty {}))
}

#[derive(Deserialize)]
pub struct ListQuery {
    user_id: Option<String>,
}

#[derive(Serialize)]
struct ListResponse {
    sessions: Vec<Session>,
}

/// `GET /v1/sessions?user_id=…`: lists the user's live sessions.
pub async fn list(
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let user_id = non_empty(query.into_inner().user_id)
        .ok_or_else(|| ApiError::bad_request("The user_id query parameter is required."))?;

    let mut store = lock(&state.store);
    if store.user(&user_id).is_none() {
        return Err(ApiError::user_not_found(&user_id));
    }
    let sessions = store.sessions_of(&user_id, now());
    Ok(ok(ListResponse { sessions }))
}

#[derive(Serialize)]
struct JwksResponse {
    keys: Vec<Jwk>,
}

/// `GET /v1/sessions/jwks/{project_id}`: the public keys that verify session JWTs.
pub async fn jwks(
    state: web::Data<AppState>,
    project_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let project_id = project_id.into_inner();

    // NOTE: the error that Stytch returns for another project's id is not
    // documented, so this fake returns 404 project_not_found.
    if project_id != state.config.project_id {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "project_not_found",
            format!(
                "Project {project_id:?} could not be found; use the project id of the credentials."
            ),
        ));
    }

    let keys = read(&state.keys).jwks();
    Ok(ok(JwksResponse { keys }))
}
