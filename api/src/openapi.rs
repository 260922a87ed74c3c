//! The OpenAPI document, generated from the handlers and types.

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::error::{FieldError, Problem};
use crate::http::{auth, health, users};
use crate::users::{User, UserStatus};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "User dashboard API",
        description = "Administer the users of the dashboard. Sign in with an email magic link \
(`POST /login`, then the emailed link), then call the protected endpoints with the session cookie \
or with `Authorization: Bearer <session_token>`.\n\n\
Errors are RFC 9457 problem details (`application/problem+json`); invalid input lists each \
invalid field in `errors`. Cookie-authenticated POST, PATCH and DELETE requests must carry an \
`Origin` (or `Referer`) of the API or the web app, or they get `403`.",
    ),
    paths(
        auth::login,
        auth::landing_page,
        auth::authenticate,
        auth::logout,
        auth::me,
        users::list_users,
        users::create_user,
        users::get_user,
        users::update_user,
        users::delete_user,
        users::invite_user,
        health::healthz,
        health::readyz,
    ),
    components(schemas(
        User,
        UserStatus,
        Problem,
        FieldError,
        auth::LoginRequest,
        auth::LoginAccepted,
        auth::AuthenticateRequest,
        auth::AuthenticateForm,
        auth::SessionCreated,
        auth::Me,
        users::UserPage,
        users::NewUser,
        users::UserChanges,
        users::Invitation,
        health::Health,
    )),
    modifiers(&SecuritySchemes),
    tags(
        (name = "auth", description = "Magic-link sign-in and sessions"),
        (name = "users", description = "The users of the dashboard"),
        (name = "health", description = "Probes for load balancers and orchestrators"),
    )
)]
pub struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        // utoipa fills the license from Cargo.toml, where none is declared.
        openapi.info.license = None;

        let components = openapi.components.get_or_insert_with(Default::default);

        components.add_security_scheme(
            "session_cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "session",
                "The HttpOnly session cookie set by POST /authenticate (its name is COOKIE_NAME, `session` by default).",
            ))),
        );
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The session_token (or, with Stytch, the session_jwt) returned by POST /authenticate.",
                    ))
                    .build(),
            ),
        );
    }
}

/// Renders the document as YAML, the form committed as `openapi.yaml`.
pub fn yaml() -> String {
    ApiDoc::openapi()
        .to_yaml()
        .expect("the OpenAPI document serializes to YAML")
}
