//! The Origin check that protects cookie-authenticated writes and the
//! sign-in form from cross-site requests.

use actix_web::HttpRequest;
use actix_web::http::header;
use url::Url;

use crate::error::ApiError;

/// The origins allowed to send cookie-authenticated writes: the API's own
/// and the SPA's.
#[derive(Debug, Clone)]
pub struct AllowedOrigins(Vec<String>);

impl AllowedOrigins {
    pub fn new(urls: &[&Url]) -> AllowedOrigins {
        let mut origins: Vec<String> = urls
            .iter()
            .map(|url| url.origin().ascii_serialization())
            .collect();
        origins.dedup();
        AllowedOrigins(origins)
    }

    /// Accepts the request when its `Origin` header, or failing that the
    /// origin of its `Referer`, is one of the allowed origins.
    ///
    /// Browsers send `Origin` on every cross-site POST, so a request that
    /// has neither header did not come from a page of ours.
    pub fn check(&self, request: &HttpRequest) -> Result<(), ApiError> {
        let headers = request.headers();

        let origin = match headers.get(header::ORIGIN) {
            Some(origin) => origin.to_str().ok().map(str::to_owned),
            None => headers
                .get(header::REFERER)
                .and_then(|referer| referer.to_str().ok())
                .and_then(|referer| Url::parse(referer).ok())
                .map(|referer| referer.origin().ascii_serialization()),
        };

        match origin {
            Some(origin) if self.0.contains(&origin) => Ok(()),
            Some(_) => Err(ApiError::Forbidden(
                "The request came from another site (Origin header not allowed).".to_owned(),
            )),
            None => Err(ApiError::Forbidden(
                "A request authenticated by cookie must carry an Origin or Referer header."
                    .to_owned(),
            )),
        }
    }

    pub fn as_slice(&self) -> &[String] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn allowed() -> AllowedOrigins {
        let api = Url::parse("http://localhost:8080").unwrap();
        let web = Url::parse("https://app.example.com").unwrap();
        AllowedOrigins::new(&[&api, &web])
    }

    #[test]
    fn accepts_own_origins() {
        for origin in ["http://localhost:8080", "https://app.example.com"] {
            let request = TestRequest::default()
                .insert_header((header::ORIGIN, origin))
                .to_http_request();
            assert!(allowed().check(&request).is_ok(), "{origin}");
        }
    }

    #[test]
    fn falls_back_to_referer() {
        let request = TestRequest::default()
            .insert_header((header::REFERER, "https://app.example.com/users?q=x"))
            .to_http_request();
        assert!(allowed().check(&request).is_ok());
    }

    #[test]
    fn rejects_other_and_missing_origins() {
        for origin in ["https://evil.example", "null", "http://localhost:8081"] {
            let request = TestRequest::default()
                .insert_header((header::ORIGIN, origin))
                .to_http_request();
            assert!(allowed().check(&request).is_err(), "{origin}");
        }
        assert!(
            allowed()
                .check(&TestRequest::default().to_http_request())
                .is_err()
        );
    }
}
