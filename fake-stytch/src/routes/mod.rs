//! HTTP routes: the faked Stytch `/v1` API and the test-only `/_fake` controls.

mod fake;
mod magic_links;
mod sessions;
mod users;

use actix_web::middleware::from_fn;
use actix_web::{HttpRequest, ResponseError as _, web};

use crate::errors::ApiError;
use crate::middleware::stytch_api;

/// Registers every route and makes extractor failures return Stytch's error
/// body instead of actix's plain-text one.
pub fn configure(config: &mut web::ServiceConfig) {
    // Stytch's clients always send JSON, but curl users often forget the
    // content type, so any body is parsed as JSON.
    let json = web::JsonConfig::default()
        .content_type_required(false)
        .error_handler(|error, _| {
            ApiError::bad_request(format!("Invalid JSON body: {error}.")).into()
        });
    let query = web::QueryConfig::default().error_handler(|error, _| {
        ApiError::bad_request(format!("Invalid query string: {error}.")).into()
    });
    let path = web::PathConfig::default()
        .error_handler(|error, _| ApiError::bad_request(format!("Invalid path: {error}.")).into());

    config
        .app_data(json)
        .app_data(query)
        .app_data(path)
        .service(
            web::scope("/v1")
                .wrap(from_fn(stytch_api))
                .route(
                    "/magic_links/email/invite",
                    web::post().to(magic_links::invite),
                )
                .route(
                    "/magic_links/email/login_or_create",
                    web::post().to(magic_links::login_or_create),
                )
                .route("/magic_links/email/send", web::post().to(magic_links::send))
                .route(
                    "/magic_links/email/revoke_invite",
                    web::post().to(magic_links::revoke_invite),
                )
                .route(
                    "/magic_links/authenticate",
                    web::post().to(magic_links::authenticate),
                )
                .route(
                    "/sessions/authenticate",
                    web::post().to(sessions::authenticate),
                )
                .route("/sessions/revoke", web::post().to(sessions::revoke))
                .route("/sessions", web::get().to(sessions::list))
                .route("/sessions/jwks/{project_id}", web::get().to(sessions::jwks))
                .route("/users/{user_id}", web::delete().to(users::delete))
                .default_service(web::to(not_found)),
        )
        .service(
            web::scope("/_fake")
                .route("/outbox", web::get().to(fake::outbox))
                .route("/outbox", web::delete().to(fake::clear_outbox))
                .route("/stats", web::get().to(fake::stats))
                .route("/stats/reset", web::post().to(fake::reset_stats))
                .route("/faults", web::get().to(fake::list_faults))
                .route("/faults", web::post().to(fake::add_fault))
                .route("/faults", web::delete().to(fake::clear_faults))
                .route("/rotate-key", web::post().to(fake::rotate_key))
                .route("/jwt", web::post().to(fake::sign_jwt))
                .default_service(web::to(not_found)),
        );
}

/// Returns a JSON 404 for any request that matches no route.
pub async fn not_found(request: HttpRequest) -> actix_web::HttpResponse {
    ApiError::route_not_found(request.method().as_str(), request.path()).error_response()
}
