//! The single-page app, served from `WEB_DIR` at `/` when the folder exists.

use std::path::Path;

use actix_files::{Files, NamedFile};
use actix_web::dev::{ServiceRequest, ServiceResponse, fn_service};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, ResponseError};

use crate::error::ApiError;

/// Serves the files of `dir`; any other GET that accepts HTML gets
/// `index.html`, so that the SPA's own routes (such as `/sign-in`) load
/// the app. Other requests get a `404` problem.
pub fn service(dir: &Path) -> Files {
    let index = dir.join("index.html");

    Files::new("/", dir)
        .index_file("index.html")
        .use_etag(true)
        .default_handler(fn_service(move |request: ServiceRequest| {
            let index = index.clone();
            async move {
                let (request, _) = request.into_parts();
                let response = index_or_not_found(&request, &index).await;
                Ok(ServiceResponse::new(request, response))
            }
        }))
}

async fn index_or_not_found(request: &HttpRequest, index: &Path) -> HttpResponse {
    let wants_html = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));

    if request.method() == actix_web::http::Method::GET && wants_html {
        // Opening a file is blocking I/O: keep it off the async workers.
        let index = index.to_path_buf();
        if let Ok(Ok(file)) = actix_web::web::block(move || NamedFile::open(index)).await {
            return file.into_response(request);
        }
    }
    not_found_response()
}

/// Returns the `404` problem for paths that are neither API routes nor SPA files.
pub async fn not_found() -> HttpResponse {
    not_found_response()
}

fn not_found_response() -> HttpResponse {
    ApiError::NotFound("There is nothing at this path.".to_owned()).error_response()
}
