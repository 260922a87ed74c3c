//! Successful responses: the body plus `request_id` and `status_code`.

use actix_web::HttpResponse;
use serde::Serialize;

use crate::ids::new_request_id;

#[derive(Serialize)]
struct Envelope<T> {
    request_id: String,
    status_code: u16,
    #[serde(flatten)]
    body: T,
}

/// Body of calls that return nothing besides `request_id` and `status_code`.
#[derive(Serialize)]
pub struct Empty {}

/// Builds a 200 response with `body`'s fields next to `request_id` and `status_code`.
pub fn ok<T: Serialize>(body: T) -> HttpResponse {
    HttpResponse::Ok().json(Envelope {
        request_id: new_request_id(),
        status_code: 200,
        body,
    })
}
