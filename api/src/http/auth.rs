//! Sign-in and sign-out: `/login`, `/authenticate`, `/logout` and `/me`.

use std::sync::LazyLock;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

use super::body::{is_json, media_type, parse_json, read_body};
use crate::auth::guard::SignedIn;
use crate::auth::{LinkFailure, NewSession};
use crate::domain::EmailAddress;
use crate::error::{ApiError, Problem};
use crate::startup::AppState;
use crate::users::{User, store};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[schema(example = "admin@example.com")]
    pub email: String,
}

/// The response to `POST /login`, the same whether or not the email
/// belongs to a user.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoginAccepted {
    #[schema(example = "If this email belongs to a user, a sign-in link is on its way.")]
    pub message: &'static str,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthenticateRequest {
    /// The `token` query parameter of the magic link.
    pub token: String,
}

/// The form the magic-link landing page posts.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AuthenticateForm {
    pub token: String,
}

/// A new session, for programs that signed in with `POST /authenticate`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SessionCreated {
    /// Send as `Authorization: Bearer <session_token>`.
    pub session_token: String,
    /// A short-lived session JWT (Stytch only); also accepted as a bearer token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_jwt: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    pub user: User,
}

/// The signed-in user and the end of the session.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Me {
    pub user: User,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct LandingQuery {
    /// The magic-link token.
    pub token: Option<String>,
}

/// Sends a sign-in magic link.
///
/// The response is `202` whether or not the email belongs to a user, and
/// the lookup and delivery happen after the response, so neither the body
/// nor the timing reveals which emails exist.
#[utoipa::path(
    post,
    path = "/login",
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 202, description = "A sign-in link is sent if the email belongs to a user", body = LoginAccepted),
        (status = 400, description = "Invalid email or body", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body over 64 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn login(
    state: web::Data<AppState>,
    body: super::body::JsonBody<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let email =
        EmailAddress::parse(&body.0.email).map_err(|message| ApiError::field("email", message))?;

    // NOTE: sign-in emails are not rate limited here; Stytch limits its
    // own sends, and with the built-in provider a proxy in front should.
    actix_web::rt::spawn(async move {
        if let Err(error) = send_login_link(&state, &email).await {
            tracing::error!(%error, "cannot send a sign-in link");
        }
    });

    Ok(HttpResponse::Accepted().json(LoginAccepted {
        message: "If this email belongs to a user, a sign-in link is on its way.",
    }))
}

async fn send_login_link(state: &AppState, email: &EmailAddress) -> Result<(), ApiError> {
    match store::find_by_email(&state.db.pool, email).await? {
        Some(user) => state.provider.send_login_link(&user).await,
        None => {
            tracing::info!("sign-in link requested for an email that belongs to no user");
            Ok(())
        }
    }
}

/// The magic-link landing page.
///
/// It only shows a page that posts the token back: mail scanners fetch
/// links before people open them, so a GET must not use up the link.
#[utoipa::path(
    get,
    path = "/authenticate",
    tag = "auth",
    params(LandingQuery),
    responses(
        (status = 200, description = "An HTML page that posts the token to `POST /authenticate`, at once with JavaScript or by a button without", content_type = "text/html", body = String),
    )
)]
pub async fn landing_page(
    state: web::Data<AppState>,
    query: web::Query<LandingQuery>,
) -> HttpResponse {
    let action = format!(
        "{}/authenticate",
        state.settings.public_url.as_str().trim_end_matches('/')
    );
    let token = query.token.as_deref().unwrap_or_default();

    let body = if token.is_empty() {
        LANDING_MISSING_TOKEN.to_owned()
    } else {
        LANDING_TEMPLATE
            .replace("{action}", &escape_html(&action))
            .replace("{token}", &escape_html(token))
            .replace("{script}", LANDING_SCRIPT)
    };

    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        // The URL carries the token: keep it out of caches, and let Referer
        // headers carry only the origin. `no-referrer` would also make
        // browsers send `Origin: null` with the form post, which the Origin
        // check rejects.
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::REFERRER_POLICY, "strict-origin"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            landing_policy(&state.settings.web_url),
        ))
        .body(body)
}

const LANDING_SCRIPT: &str = "document.getElementById('continue').submit();";

static LANDING_SCRIPT_HASH: LazyLock<String> =
    LazyLock::new(|| STANDARD.encode(Sha256::digest(LANDING_SCRIPT.as_bytes())));

/// Allows the page's one inline script by its hash and nothing else from
/// anywhere. The form may go to this origin and to the SPA's, because
/// browsers apply `form-action` to the redirect that follows the post.
fn landing_policy(web_url: &url::Url) -> String {
    format!(
        "default-src 'none'; script-src 'sha256-{}'; style-src 'unsafe-inline'; form-action 'self' {}; frame-ancestors 'none'",
        LANDING_SCRIPT_HASH.as_str(),
        web_url.origin().ascii_serialization()
    )
}

const LANDING_TEMPLATE: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Signing in…</title>
<style>
body { font-family: system-ui, sans-serif; display: grid; place-items: center; min-height: 90vh; margin: 0; color: #1f2937; }
main { text-align: center; padding: 1rem; }
button { font: inherit; padding: 0.6rem 1.4rem; border-radius: 6px; border: 0; background: #2563eb; color: white; cursor: pointer; }
</style>
</head>
<body>
<main>
<h1>Signing you in…</h1>
<form id="continue" method="post" action="{action}">
<input type="hidden" name="token" value="{token}">
<p>If nothing happens, press the button.</p>
<button type="submit">Continue</button>
</form>
</main>
<script>{script}</script>
</body>
</html>
"#;

const LANDING_MISSING_TOKEN: &str = r#"<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Sign-in link incomplete</title></head>
<body style="font-family: system-ui, sans-serif; text-align: center; margin-top: 20vh">
<h1>This sign-in link is incomplete</h1>
<p>Copy the whole link from the email, or ask for a new one.</p>
</body>
</html>
"#;

fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            _ => escaped.push(character),
        }
    }
    escaped
}

/// Exchanges a magic-link token for a session.
///
/// A form post (from the landing page) sets the session cookie and
/// redirects to the SPA with `303`. When the link is used, expired or
/// invalid, it redirects to the SPA's `/sign-in?error=used|expired|invalid`
/// instead (or `unavailable` when the identity provider is down). A JSON request
/// gets the session in the body and the cookie, or `401`.
#[utoipa::path(
    post,
    path = "/authenticate",
    tag = "auth",
    request_body(
        content(
            (AuthenticateRequest = "application/json"),
            (AuthenticateForm = "application/x-www-form-urlencoded"),
        )
    ),
    responses(
        (status = 200, description = "JSON request: the new session; the session cookie is set", body = SessionCreated),
        (status = 303, description = "Form request: redirect to WEB_URL (signed in) or to WEB_URL/sign-in?error=… (link rejected)"),
        (status = 400, description = "Missing or invalid token field", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "JSON request: the link is used, expired or invalid", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Form request from another origin", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body over 64 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Neither JSON nor a form", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The identity provider is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn authenticate(
    state: web::Data<AppState>,
    request: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let is_form = media_type(&request).as_deref() == Some("application/x-www-form-urlencoded");
    if !is_form && !is_json(&request) {
        return Err(ApiError::UnsupportedMediaType);
    }

    // A form post sets a cookie in whichever browser sends it, so only our
    // own pages may send it. Otherwise another site could sign a visitor
    // into the attacker's account.
    if is_form {
        state.origins.check(&request)?;
    }

    let bytes = read_body(&request, payload.into_inner()).await?;

    if is_form {
        let token = url::form_urlencoded::parse(&bytes)
            .find(|(key, _)| key == "token")
            .map(|(_, value)| value.into_owned())
            .unwrap_or_default();
        return Ok(authenticate_form(&state, &token).await);
    }

    let body: AuthenticateRequest = parse_json(&bytes)?;
    if body.token.trim().is_empty() {
        return Err(ApiError::field("token", "must not be empty"));
    }

    let session = state
        .provider
        .authenticate_magic_link(body.token.trim())
        .await?;
    let mut response = HttpResponse::Ok();
    set_session_cookies(&state, &mut response, &session);
    Ok(response.json(SessionCreated {
        session_token: session.session_token,
        session_jwt: session.session_jwt,
        expires_at: session.expires_at,
        user: session.user,
    }))
}

async fn authenticate_form(state: &AppState, token: &str) -> HttpResponse {
    let web_url = state
        .settings
        .web_url
        .as_str()
        .trim_end_matches('/')
        .to_owned();

    let failure = match state.provider.authenticate_magic_link(token.trim()).await {
        Ok(session) => {
            let mut response = HttpResponse::SeeOther();
            response.insert_header((header::LOCATION, format!("{web_url}/")));
            set_session_cookies(state, &mut response, &session);
            return response.finish();
        }
        Err(ApiError::MagicLink(failure)) => failure.code(),
        Err(ApiError::Unavailable { service, reason }) => {
            tracing::warn!(service, %reason, "sign-in failed: upstream unavailable");
            "unavailable"
        }
        Err(error) => {
            tracing::error!(%error, "sign-in failed");
            LinkFailure::Invalid.code()
        }
    };

    redirect(&format!("{web_url}/sign-in?error={failure}"))
}

fn redirect(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

fn set_session_cookies(
    state: &AppState,
    response: &mut actix_web::HttpResponseBuilder,
    session: &NewSession,
) {
    let cookies = &state.cookies;
    response.cookie(cookies.session_cookie(
        &cookies.name,
        &session.session_token,
        session.expires_at,
    ));
    match &session.session_jwt {
        Some(jwt) => {
            response.cookie(cookies.session_cookie(&cookies.jwt_name, jwt, session.expires_at))
        }
        None => response.cookie(cookies.removal_cookie(&cookies.jwt_name)),
    };
    response.insert_header((header::CACHE_CONTROL, "no-store"));
}

/// Ends the session and clears the session cookies; safe to call twice.
#[utoipa::path(
    post,
    path = "/logout",
    tag = "auth",
    responses(
        (status = 204, description = "Signed out; the session cookies are cleared"),
        (status = 403, description = "Cookie-authenticated request from another origin", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The identity provider is unavailable", body = Problem, content_type = "application/problem+json"),
    ),
    security((), ("session_cookie" = []), ("bearer" = []))
)]
pub async fn logout(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let credentials = state.cookies.credentials(&request);
    if credentials.from_cookie {
        state.origins.check(&request)?;
    }

    if !credentials.is_empty() {
        state.provider.revoke_session(&credentials).await?;
    }

    Ok(HttpResponse::NoContent()
        .cookie(state.cookies.removal_cookie(&state.cookies.name))
        .cookie(state.cookies.removal_cookie(&state.cookies.jwt_name))
        .finish())
}

/// The signed-in user and when the session ends.
#[utoipa::path(
    get,
    path = "/me",
    tag = "auth",
    responses(
        (status = 200, body = Me),
        (status = 401, description = "No valid session", body = Problem, content_type = "application/problem+json"),
    ),
    security(("session_cookie" = []), ("bearer" = []))
)]
pub async fn me(signed_in: SignedIn) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(Me {
            user: signed_in.user,
            expires_at: signed_in.session_expires_at,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escaping_covers_attribute_breakouts() {
        assert_eq!(
            escape_html(r#""><script>alert('x')</script>&"#),
            "&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;"
        );
    }
}
