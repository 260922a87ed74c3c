//! `/v1/magic_links`: sending email magic links and authenticating their tokens.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::Duration;
use url::Url;

use super::sessions::{resolve_session, session_reference, sign_session};
use crate::errors::ApiError;
use crate::model::{Name, Session, User, UserStatus, now};
use crate::response::{Empty, ok};
use crate::state::{AppState, lock};
use crate::store::{MessageKind, NewUser, Store};
use crate::validation::{
    INVITE_LINK_DEFAULT_MINUTES, LOGIN_LINK_DEFAULT_MINUTES, link_lifetime, magic_link_url,
    normalize_email, session_duration,
};

/// A name in a request. Each part may be absent or null.
#[derive(Deserialize)]
pub struct NameRequest {
    first_name: Option<String>,
    middle_name: Option<String>,
    last_name: Option<String>,
}

impl From<NameRequest> for Name {
    fn from(name: NameRequest) -> Self {
        Self {
            first_name: name.first_name.unwrap_or_default(),
            middle_name: name.middle_name.unwrap_or_default(),
            last_name: name.last_name.unwrap_or_default(),
        }
    }
}

#[derive(Serialize)]
struct SentResponse {
    user_id: String,
    email_id: String,
}

/// Login and signup link settings shared by `login_or_create` and `send`.
struct LoginOrSignupLinks {
    login_url: Url,
    login_lifetime: Duration,
    signup_url: Url,
    signup_lifetime: Duration,
}

impl LoginOrSignupLinks {
    fn from_request(
        state: &AppState,
        login_url: Option<&str>,
        login_minutes: Option<i64>,
        signup_url: Option<&str>,
        signup_minutes: Option<i64>,
    ) -> Result<Self, ApiError> {
        let default_url = &state.config.default_magic_link_url;
        Ok(Self {
            login_url: magic_link_url(login_url, default_url)?,
            login_lifetime: link_lifetime(
                login_minutes,
                LOGIN_LINK_DEFAULT_MINUTES,
                "login_expiration_minutes",
            )?,
            signup_url: magic_link_url(signup_url, default_url)?,
            signup_lifetime: link_lifetime(
                signup_minutes,
                LOGIN_LINK_DEFAULT_MINUTES,
                "signup_expiration_minutes",
            )?,
        })
    }

    /// Sends a login link to a user with a verified email, else a signup
    /// link, as Stytch picks the template by whether the email is verified.
    fn send(&self, store: &mut Store, user_id: &str) -> Result<(), ApiError> {
        let verified = store
            .user(user_id)
            .is_some_and(|user| user.primary_email().verified);
        let (kind, url, lifetime) = if verified {
            (MessageKind::Login, &self.login_url, self.login_lifetime)
        } else {
            (MessageKind::Signup, &self.signup_url, self.signup_lifetime)
        };

        let message = store.send_magic_link(user_id, kind, url, lifetime, now())?;
        tracing::info!(%user_id, kind = ?message.kind, "sent a magic link");
        Ok(())
    }
}

fn email_id_of(store: &Store, user_id: &str) -> Result<String, ApiError> {
    store
        .user(user_id)
        .map(|user| user.primary_email().email_id.clone())
        .ok_or_else(|| ApiError::user_not_found(user_id))
}

#[derive(Deserialize)]
pub struct InviteRequest {
    email: String,
    invite_magic_link_url: Option<String>,
    invite_expiration_minutes: Option<i64>,
    name: Option<NameRequest>,
    trusted_metadata: Option<Map<String, Value>>,
    untrusted_metadata: Option<Map<String, Value>>,
}

/// `POST /v1/magic_links/email/invite`: creates a pending user for a new
/// email, or sends a pending user a fresh invite. Earlier invites stay valid
/// until they expire or are revoked.
pub async fn invite(
    state: web::Data<AppState>,
    body: web::Json<InviteRequest>,
) -> Result<HttpResponse, ApiError> {
    let request = body.into_inner();
    let email = normalize_email(&request.email)?;
    let url = magic_link_url(
        request.invite_magic_link_url.as_deref(),
        &state.config.default_magic_link_url,
    )?;
    let lifetime = link_lifetime(
        request.invite_expiration_minutes,
        INVITE_LINK_DEFAULT_MINUTES,
        "invite_expiration_minutes",
    )?;
    let fields = NewUser {
        status: Some(UserStatus::Pending),
        name: request.name.map(Name::from),
        trusted_metadata: request.trusted_metadata,
        untrusted_metadata: request.untrusted_metadata,
    };
    let now = now();

    let mut store = lock(&state.store);
    let existing = store
        .user_by_email(&email)
        .map(|user| (user.user_id.clone(), user.status));
    let user_id = match existing {
        Some((_, UserStatus::Active)) => return Err(ApiError::duplicate_email(&email)),
        Some((user_id, UserStatus::Pending)) => {
            store.update_user(&user_id, fields);
            user_id
        }
        None => store.create_user(&email, fields, now),
    };

    store.send_magic_link(&user_id, MessageKind::Invite, &url, lifetime, now)?;
    tracing::info!(%user_id, "sent an invite magic link");

    let email_id = email_id_of(&store, &user_id)?;
    Ok(ok(SentResponse { user_id, email_id }))
}

#[derive(Deserialize)]
pub struct LoginOrCreateRequest {
    email: String,
    login_magic_link_url: Option<String>,
    signup_magic_link_url: Option<String>,
    login_expiration_minutes: Option<i64>,
    signup_expiration_minutes: Option<i64>,
    #[serde(default)]
    create_user_as_pending: bool,
}

#[derive(Serialize)]
struct LoginOrCreateResponse {
    user_id: String,
    email_id: String,
    user_created: bool,
}

/// `POST /v1/magic_links/email/login_or_create`: creates the user if the
/// email is new, then sends a login or signup link.
pub async fn login_or_create(
    state: web::Data<AppState>,
    body: web::Json<LoginOrCreateRequest>,
) -> Result<HttpResponse, ApiError> {
    let request = body.into_inner();
    let email = normalize_email(&request.email)?;
    let links = LoginOrSignupLinks::from_request(
        &state,
        request.login_magic_link_url.as_deref(),
        request.login_expiration_minutes,
        request.signup_magic_link_url.as_deref(),
        request.signup_expiration_minutes,
    )?;

    let mut store = lock(&state.store);
    let existing = store.user_by_email(&email).map(|user| user.user_id.clone());
    let (user_id, user_created) = match existing {
        Some(user_id) => (user_id, false),
        None => {
            let status = if request.create_user_as_pending {
                UserStatus::Pending
            } else {
                UserStatus::Active
            };
            let fields = NewUser {
                status: Some(status),
                ..NewUser::default()
            };
            (store.create_user(&email, fields, now()), true)
        }
    };

    links.send(&mut store, &user_id)?;

    let email_id = email_id_of(&store, &user_id)?;
    Ok(ok(LoginOrCreateResponse {
        user_id,
        email_id,
        user_created,
    }))
}

#[derive(Deserialize)]
pub struct SendRequest {
    email: String,
    login_magic_link_url: Option<String>,
    login_expiration_minutes: Option<i64>,
    signup_magic_link_url: Option<String>,
    signup_expiration_minutes: Option<i64>,
}

/// `POST /v1/magic_links/email/send`: sends a login or signup link to an existing user.
pub async fn send(
    state: web::Data<AppState>,
    body: web::Json<SendRequest>,
) -> Result<HttpResponse, ApiError> {
    let request = body.into_inner();
    let email = normalize_email(&request.email)?;
    let links = LoginOrSignupLinks::from_request(
        &state,
        request.login_magic_link_url.as_deref(),
        request.login_expiration_minutes,
        request.signup_magic_link_url.as_deref(),
        request.signup_expiration_minutes,
    )?;

    let mut store = lock(&state.store);

    // NOTE: Stytch's error reference suggests it returns 404 email_not_found
    // here. This fake returns 404 user_not_found, the type the product handles.
    let user_id = store
        .user_by_email(&email)
        .map(|user| user.user_id.clone())
        .ok_or_else(|| ApiError::user_not_found(&format!("no user has email {email:?}")))?;

    links.send(&mut store, &user_id)?;

    let email_id = email_id_of(&store, &user_id)?;
    Ok(ok(SentResponse { user_id, email_id }))
}

#[derive(Deserialize)]
pub struct RevokeInviteRequest {
    email: String,
}

/// `POST /v1/magic_links/email/revoke_invite`: makes the unused invite links
/// of an email unusable. Login and signup links are left alone.
pub async fn revoke_invite(
    state: web::Data<AppState>,
    body: web::Json<RevokeInviteRequest>,
) -> Result<HttpResponse, ApiError> {
    let email = normalize_email(&body.email)?;

    let mut store = lock(&state.store);
    let user_id = store
        .user_by_email(&email)
        .map(|user| user.user_id.clone())
        .ok_or_else(|| ApiError::user_not_found(&format!("no user has email {email:?}")))?;
    let revoked = store.revoke_invites(&user_id);

    tracing::info!(%user_id, revoked, "revoked pending invites");
    Ok(ok(Empty {}))
}

#[derive(Deserialize)]
pub struct AuthenticateRequest {
    token: String,
    session_duration_minutes: Option<i64>,
    session_token: Option<String>,
    session_jwt: Option<String>,
}

#[derive(Serialize)]
struct AuthenticateResponse {
    user_id: String,
    method_id: String,
    session_token: String,
    session_jwt: String,
    session: Option<Session>,
    user: User,
    reset_sessions: bool,
}

/// `POST /v1/magic_links/authenticate`: redeems a magic link token.
///
/// The user becomes active and the email verified. A session is created only
/// when `session_duration_minutes` is given. When the request names an
/// existing session of the same user, that session gets the magic link
/// factor instead. Stytch documents that a session of another user is
/// ignored, and this fake ignores it too.
pub async fn authenticate(
    state: web::Data<AppState>,
    body: web::Json<AuthenticateRequest>,
) -> Result<HttpResponse, ApiError> {
    let request = body.into_inner();
    let duration = session_duration(request.session_duration_minutes)?;
    let reference = session_reference(&state, request.session_token, request.session_jwt)?;
    let now = now();

    let (user, issued) = {
        let mut store = lock(&state.store);

        // Resolve the named session before consuming the token, so that a
        // bad session argument leaves the magic link usable.
        let existing_session_id = match &reference {
            Some(reference) => Some(resolve_session(&mut store, reference, now)?),
            None => None,
        };

        let user = store.redeem_magic_link(&request.token, now)?;

        let own_session_id = existing_session_id.filter(|session_id| {
            store.session_user_id(session_id, now).as_deref() == Some(user.user_id.as_str())
        });
        let issued = match own_session_id {
            Some(session_id) => {
                store.record_magic_link_factor(&session_id, &user, now);
                Some(store.touch_session(&session_id, duration, now)?)
            }
            None => duration.map(|duration| store.create_session(&user, duration, now)),
        };
        (user, issued)
    };

    let method_id = user.primary_email().email_id.clone();
    tracing::info!(user_id = %user.user_id, session = issued.is_some(), "authenticated a magic link");

    let response = match issued {
        Some(issued) => AuthenticateResponse {
            user_id: user.user_id.clone(),
            method_id,
            session_jwt: sign_session(&state, &issued.session, now)?,
            session_token: issued.session_token,
            session: Some(issued.session),
            user,
            reset_sessions: false,
        },
        None => AuthenticateResponse {
            user_id: user.user_id.clone(),
            method_id,
            session_token: String::new(),
            session_jwt: String::new(),
            session: None,
            user,
            reset_sessions: false,
        },
    };
    Ok(ok(response))
}
