//! The session cookies: the session token under `COOKIE_NAME` and, with
//! Stytch, the session JWT under `COOKIE_NAME` + `_jwt`.

use actix_web::HttpRequest;
use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header;
use time::OffsetDateTime;

use super::SessionCredentials;

#[derive(Debug, Clone)]
pub struct CookieSettings {
    pub name: String,
    pub jwt_name: String,
    pub secure: bool,
}

impl CookieSettings {
    pub fn new(name: &str, secure: bool) -> CookieSettings {
        CookieSettings {
            name: name.to_owned(),
            jwt_name: format!("{name}_jwt"),
            secure,
        }
    }

    /// Builds a cookie that lives as long as the session. HttpOnly keeps it
    /// from scripts, and SameSite=Lax keeps it off other sites' subrequests.
    pub fn session_cookie(
        &self,
        name: &str,
        value: &str,
        expires_at: OffsetDateTime,
    ) -> Cookie<'static> {
        let max_age = (expires_at - OffsetDateTime::now_utc()).max(time::Duration::ZERO);

        Cookie::build(name.to_owned(), value.to_owned())
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(self.secure)
            .max_age(CookieDuration::seconds(max_age.whole_seconds()))
            .finish()
    }

    /// Builds an expired cookie that makes the browser forget `name`.
    pub fn removal_cookie(&self, name: &str) -> Cookie<'static> {
        let mut cookie = Cookie::build(name.to_owned(), "")
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(self.secure)
            .finish();
        cookie.make_removal();
        cookie
    }

    /// Reads the session credentials of a request. A bearer token wins
    /// over cookies; the query string is never read, because URLs end up
    /// in logs and Referer headers.
    pub fn credentials(&self, request: &HttpRequest) -> SessionCredentials {
        let bearer = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| {
                let (scheme, token) = value.split_once(' ')?;
                scheme
                    .eq_ignore_ascii_case("bearer")
                    .then(|| token.trim().to_owned())
            })
            .filter(|token| !token.is_empty());

        if let Some(bearer) = bearer {
            return if looks_like_jwt(&bearer) {
                SessionCredentials {
                    token: None,
                    jwt: Some(bearer),
                    from_cookie: false,
                }
            } else {
                SessionCredentials {
                    token: Some(bearer),
                    jwt: None,
                    from_cookie: false,
                }
            };
        }

        let read = |name: &str| {
            request
                .cookie(name)
                .map(|cookie| cookie.value().to_owned())
                .filter(|value| !value.is_empty())
        };
        let token = read(&self.name);
        let jwt = read(&self.jwt_name);
        let from_cookie = token.is_some() || jwt.is_some();

        SessionCredentials {
            token,
            jwt,
            from_cookie,
        }
    }
}

/// Tells a JWT (three base64url parts joined by dots) from an opaque
/// session token, which contains no dots.
fn looks_like_jwt(value: &str) -> bool {
    value.split('.').count() == 3
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn settings() -> CookieSettings {
        CookieSettings::new("session", false)
    }

    #[test]
    fn bearer_wins_over_cookie() {
        let request = TestRequest::default()
            .insert_header((header::AUTHORIZATION, "Bearer abc"))
            .cookie(Cookie::new("session", "from-cookie"))
            .to_http_request();

        let credentials = settings().credentials(&request);

        assert_eq!(credentials.token.as_deref(), Some("abc"));
        assert!(!credentials.from_cookie);
    }

    #[test]
    fn bearer_jwt_is_recognized() {
        let request = TestRequest::default()
            .insert_header((header::AUTHORIZATION, "bearer eyJ.eyJ.sig"))
            .to_http_request();

        let credentials = settings().credentials(&request);

        assert_eq!(credentials.jwt.as_deref(), Some("eyJ.eyJ.sig"));
        assert!(credentials.token.is_none());
    }

    #[test]
    fn cookies_are_marked() {
        let request = TestRequest::default()
            .cookie(Cookie::new("session", "t"))
            .cookie(Cookie::new("session_jwt", "a.b.c"))
            .to_http_request();

        let credentials = settings().credentials(&request);

        assert_eq!(credentials.token.as_deref(), Some("t"));
        assert_eq!(credentials.jwt.as_deref(), Some("a.b.c"));
        assert!(credentials.from_cookie);
    }

    #[test]
    fn query_string_is_ignored() {
        let request = TestRequest::with_uri("/me?session=abc&token=abc").to_http_request();
        assert!(settings().credentials(&request).is_empty());
    }

    #[test]
    fn session_cookie_attributes() {
        let expires_at = OffsetDateTime::now_utc() + time::Duration::hours(1);
        let cookie =
            CookieSettings::new("session", true).session_cookie("session", "v", expires_at);

        let text = cookie.to_string();
        assert!(text.contains("HttpOnly"), "{text}");
        assert!(text.contains("SameSite=Lax"), "{text}");
        assert!(text.contains("Path=/"), "{text}");
        assert!(text.contains("Secure"), "{text}");
        assert!(
            text.contains("Max-Age=3599") || text.contains("Max-Age=3600"),
            "{text}"
        );
    }
}
