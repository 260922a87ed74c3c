//! The session guard: middleware over the protected routes, and the
//! extractor through which handlers receive the signed-in user.

use std::future::{Ready, ready};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use time::OffsetDateTime;

use super::{Session, SessionCredentials};
use crate::error::ApiError;
use crate::startup::AppState;
use crate::users::User;

/// The signed-in user of a request that passed the guard.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user: User,
    pub session_expires_at: OffsetDateTime,
    pub credentials: SessionCredentials,
}

/// Rejects a request without a valid session of an existing user, and a
/// cookie-authenticated write from another origin. Other requests reach the
/// handler with the session as [`SignedIn`].
pub async fn require_session<B: MessageBody>(
    request: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    let Some(state) = request.app_data::<web::Data<AppState>>().cloned() else {
        let error = ApiError::Internal("application state is missing".to_owned());
        return Ok(request.error_response(error).map_into_right_body());
    };

    let (session, credentials) = match authenticate(&state, &request).await {
        Ok(authenticated) => authenticated,
        // Turned into a response here rather than returned as an error, so
        // that outer middleware (the request log) gets an ordinary response.
        Err(error) => return Ok(request.error_response(error).map_into_right_body()),
    };
    let refreshed_jwt = session.refreshed_jwt.clone();
    let renew_cookie = credentials.from_cookie;

    request.extensions_mut().insert(SignedIn {
        user: session.user,
        session_expires_at: session.expires_at,
        credentials,
    });

    let mut response = next.call(request).await?.map_into_left_body();

    if let (Some(jwt), true) = (refreshed_jwt, renew_cookie) {
        let cookie =
            state
                .cookies
                .session_cookie(&state.cookies.jwt_name, &jwt, session.expires_at);
        response.response_mut().add_cookie(&cookie)?;
    }
    Ok(response)
}

async fn authenticate(
    state: &AppState,
    request: &ServiceRequest,
) -> Result<(Session, SessionCredentials), ApiError> {
    let credentials = state.cookies.credentials(request.request());
    if credentials.is_empty() {
        return Err(ApiError::Unauthorized(
            "Sign in first: this request has no session.".to_owned(),
        ));
    }

    // Cookies ride along on cross-site requests; bearer tokens do not.
    if credentials.from_cookie && !request.method().is_safe() {
        state.origins.check(request.request())?;
    }

    let session = state.provider.authenticate_session(&credentials).await?;
    Ok((session, credentials))
}

impl FromRequest for SignedIn {
    type Error = ApiError;
    type Future = Ready<Result<SignedIn, ApiError>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        // Only reachable without the guard by a routing mistake; refusing
        // keeps such a mistake from exposing a route.
        let signed_in = request.extensions().get::<SignedIn>().cloned();
        ready(signed_in.ok_or_else(|| {
            ApiError::Unauthorized("Sign in first: this request has no session.".to_owned())
        }))
    }
}
