//! The HTTP layer: one module per resource, and the routing table.

pub mod auth;
pub mod body;
pub mod health;
pub mod spa;
pub mod users;

use actix_web::middleware::from_fn;
use actix_web::{HttpResponse, Route, web};

use crate::auth::guard::require_session;
use crate::error::ApiError;

/// Registers every API route. Resources return `405` for an unsupported
/// method rather than falling through to the SPA.
pub fn routes(config: &mut web::ServiceConfig) {
    config
        .service(resource("/login").route(web::post().to(auth::login)))
        .service(
            resource("/authenticate")
                .route(web::get().to(auth::landing_page))
                .route(web::post().to(auth::authenticate)),
        )
        .service(resource("/logout").route(web::post().to(auth::logout)))
        .service(resource("/healthz").route(web::get().to(health::healthz)))
        .service(resource("/readyz").route(web::get().to(health::readyz)))
        .service(
            resource("/me")
                .wrap(from_fn(require_session))
                .route(web::get().to(auth::me)),
        )
        .service(
            resource("/users")
                .wrap(from_fn(require_session))
                .route(web::get().to(users::list_users))
                .route(web::post().to(users::create_user)),
        )
        .service(
            resource("/users/{id}")
                .wrap(from_fn(require_session))
                .route(web::get().to(users::get_user))
                .route(web::patch().to(users::update_user))
                .route(web::delete().to(users::delete_user)),
        )
        .service(
            resource("/invite")
                .wrap(from_fn(require_session))
                .route(web::post().to(users::invite_user)),
        );
}

fn resource(path: &str) -> actix_web::Resource {
    web::resource(path).default_service(method_not_allowed())
}

fn method_not_allowed() -> Route {
    web::to(|| async { Err::<HttpResponse, _>(ApiError::MethodNotAllowed) })
}
