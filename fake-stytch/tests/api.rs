//! Drives an in-process fake Stytch server over HTTP, as the product would.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use fake_stytch::config::Config;
use fake_stytch::server::{self, RunningServer};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use reqwest::StatusCode;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

const PROJECT_ID: &str = "project-test-7d3c2a10-5b8e-4f61-9c0d-2e4f6a8b0c1d";
const SECRET: &str = "secret-test-k3y";
const APP_URL: &str = "https://app.example.test/authenticate";

/// A running fake plus a client that knows its address and credentials.
struct Fake {
    server: RunningServer,
    client: reqwest::Client,
}

impl Fake {
    async fn start() -> Self {
        Self::start_with(Config::new(PROJECT_ID, SECRET)).await
    }

    async fn start_with(config: Config) -> Self {
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
        let server = server::start(config, address).expect("fake server starts");

        // In a workspace build reqwest's features are unified with the api
        // crate's, which leaves the TLS crypto provider to the application.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("HTTP client builds");
        Self { server, client }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.base_url())
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let response = request.send().await.expect("request reaches the fake");
        let status = response.status();
        let body = response
            .json::<Value>()
            .await
            .expect("response body is JSON");
        (status, body)
    }

    /// Sends an authenticated `/v1` POST.
    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let request = self
            .client
            .post(self.url(path))
            .basic_auth(PROJECT_ID, Some(SECRET))
            .json(&body);
        self.send(request).await
    }

    /// Sends an authenticated `/v1` GET.
    async fn get(&self, path: &str) -> (StatusCode, Value) {
        let request = self
            .client
            .get(self.url(path))
            .basic_auth(PROJECT_ID, Some(SECRET));
        self.send(request).await
    }

    /// Sends a `/_fake` control request, which needs no credentials.
    async fn control(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self.client.request(method, self.url(path));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let (status, body) = self.send(request).await;
        assert_eq!(status, StatusCode::OK, "control call {path} failed: {body}");
        body
    }

    async fn outbox(&self, email: &str) -> Vec<Value> {
        let body = self
            .control(
                reqwest::Method::GET,
                &format!("/_fake/outbox?email={email}"),
                None,
            )
            .await;
        body.as_array().expect("outbox is a JSON array").clone()
    }

    async fn last_token(&self, email: &str) -> String {
        let messages = self.outbox(email).await;
        let last = messages.last().expect("an email was sent");
        last["token"]
            .as_str()
            .expect("token is a string")
            .to_owned()
    }

    async fn jwks(&self) -> Vec<Value> {
        let (status, body) = self.get(&format!("/v1/sessions/jwks/{PROJECT_ID}")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["keys"].as_array().expect("keys is an array").clone()
    }

    /// Invites `email` and redeems the invite with a one-day session.
    async fn signed_in(&self, email: &str) -> Value {
        let (status, body) = self
            .post("/v1/magic_links/email/invite", json!({ "email": email }))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");

        let token = self.last_token(email).await;
        let (status, body) = self
            .post(
                "/v1/magic_links/authenticate",
                json!({ "token": token, "session_duration_minutes": 1440 }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }
}

/// Asserts that `body` is a Stytch error object with this status and type.
fn assert_error(status: StatusCode, body: &Value, expected_status: u16, expected_type: &str) {
    assert_eq!(
        status.as_u16(),
        expected_status,
        "unexpected status; body: {body}"
    );
    assert_eq!(
        body["status_code"], expected_status,
        "status_code in body: {body}"
    );
    assert_eq!(
        body["error_type"], expected_type,
        "error_type in body: {body}"
    );
    assert!(
        body["request_id"].as_str().is_some_and(|id| !id.is_empty()),
        "request_id: {body}"
    );
    assert!(
        body["error_message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "error_message: {body}"
    );
    assert!(
        body["error_url"]
            .as_str()
            .is_some_and(|url| url.starts_with("https://")),
        "error_url: {body}"
    );
}

fn timestamp(value: &Value) -> OffsetDateTime {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("timestamp is a string: {value}"));
    OffsetDateTime::parse(text, &Rfc3339)
        .unwrap_or_else(|error| panic!("{text} is not RFC 3339: {error}"))
}

/// Verifies a JWT against the fake's JWKS, as a client library would, and
/// returns its claims.
fn verify_jwt(jwt: &str, jwks: &[Value]) -> Value {
    let header = jsonwebtoken::decode_header(jwt).expect("JWT header decodes");
    assert_eq!(header.alg, Algorithm::RS256);

    let kid = header.kid.expect("JWT header names a kid");
    let jwk = jwks
        .iter()
        .find(|key| key["kid"] == kid.as_str())
        .unwrap_or_else(|| panic!("JWKS has no key {kid}"));
    let key = DecodingKey::from_rsa_components(
        jwk["n"].as_str().expect("n is a string"),
        jwk["e"].as_str().expect("e is a string"),
    )
    .expect("JWK n and e decode");

    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[PROJECT_ID]);
    validation.set_issuer(&[format!("stytch.com/{PROJECT_ID}")]);
    jsonwebtoken::decode::<Value>(jwt, &key, &validation)
        .expect("JWT verifies against the JWKS")
        .claims
}

#[tokio::test]
async fn credentials_missing_or_wrong_are_rejected() {
    let fake = Fake::start().await;
    let path = format!("/v1/sessions/jwks/{PROJECT_ID}");

    let missing = fake.client.get(fake.url(&path));
    let (status, body) = fake.send(missing).await;
    assert_error(status, &body, 401, "unauthorized_credentials");

    let wrong_secret = fake
        .client
        .get(fake.url(&path))
        .basic_auth(PROJECT_ID, Some("wrong"));
    let (status, body) = fake.send(wrong_secret).await;
    assert_error(status, &body, 401, "unauthorized_credentials");

    let wrong_project = fake
        .client
        .get(fake.url(&path))
        .basic_auth("project-test-other", Some(SECRET));
    let (status, body) = fake.send(wrong_project).await;
    assert_error(status, &body, 401, "unauthorized_credentials");

    let no_password = fake
        .client
        .get(fake.url(&path))
        .basic_auth(PROJECT_ID, None::<&str>);
    let (status, body) = fake.send(no_password).await;
    assert_error(status, &body, 401, "unauthorized_credentials");

    let (status, body) = fake.get(&path).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status_code"], 200);
    assert!(
        body["request_id"]
            .as_str()
            .is_some_and(|id| id.starts_with("request-id-test-"))
    );
}

#[tokio::test]
async fn invite_authenticate_jwt_revoke_flow() {
    let fake = Fake::start().await;

    // Invite: a new email becomes a pending user and an invite email is sent.
    let (status, invite) = fake
        .post(
            "/v1/magic_links/email/invite",
            json!({
                "email": "Grace@Example.com",
                "invite_magic_link_url": APP_URL,
                "name": { "first_name": "Grace", "last_name": "Hopper" },
            }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{invite}");
    let user_id = invite["user_id"].as_str().expect("user_id").to_owned();
    assert!(user_id.starts_with("user-test-"), "{user_id}");
    assert!(
        invite["email_id"]
            .as_str()
            .is_some_and(|id| id.starts_with("email-test-"))
    );

    let messages = fake.outbox("grace@example.com").await;
    assert_eq!(messages.len(), 1);
    let message = &messages[0];
    assert_eq!(message["kind"], "invite");
    assert_eq!(message["email"], "grace@example.com");
    let token = message["token"].as_str().expect("token").to_owned();
    assert_eq!(
        message["link"],
        format!("{APP_URL}?stytch_token_type=magic_links&token={token}")
    );

    // Authenticate with a session duration: the user becomes active and a session starts.
    let (status, auth) = fake
        .post(
            "/v1/magic_links/authenticate",
            json!({ "token": token, "session_duration_minutes": 10080 }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{auth}");
    assert_eq!(auth["user_id"], user_id.as_str());
    assert_eq!(auth["method_id"], invite["email_id"]);
    assert_eq!(auth["reset_sessions"], false);
    assert_eq!(auth["user"]["status"], "active");
    assert_eq!(auth["user"]["emails"][0]["verified"], true);
    assert_eq!(auth["user"]["name"]["first_name"], "Grace");

    let session = &auth["session"];
    let session_id = session["session_id"]
        .as_str()
        .expect("session_id")
        .to_owned();
    assert!(session_id.starts_with("session-test-"), "{session_id}");
    assert_eq!(session["user_id"], user_id.as_str());
    let started_at = timestamp(&session["started_at"]);
    let expires_at = timestamp(&session["expires_at"]);
    assert_eq!(expires_at - started_at, time::Duration::minutes(10080));

    let factor = &session["authentication_factors"][0];
    assert_eq!(factor["type"], "magic_link");
    assert_eq!(factor["delivery_method"], "email");
    assert_eq!(factor["email_factor"]["email_address"], "grace@example.com");
    assert_eq!(factor["email_factor"]["email_id"], invite["email_id"]);

    let session_token = auth["session_token"]
        .as_str()
        .expect("session_token")
        .to_owned();
    assert!(
        session_token.len() >= 40,
        "session token looks too short: {session_token}"
    );

    // The JWT verifies against the JWKS and carries Stytch's claims.
    let jwks = fake.jwks().await;
    assert_eq!(jwks.len(), 1);
    let jwk = &jwks[0];
    assert_eq!(jwk["kty"], "RSA");
    assert_eq!(jwk["alg"], "RS256");
    assert_eq!(jwk["use"], "sig");
    assert_eq!(jwk["key_ops"], json!(["verify"]));
    assert_eq!(jwk["x5c"], json!([]));
    assert_eq!(jwk["x5tS256"], "");

    let claims = verify_jwt(auth["session_jwt"].as_str().expect("session_jwt"), &jwks);
    assert_eq!(claims["sub"], user_id.as_str());
    assert_eq!(claims["aud"], json!([PROJECT_ID]));
    assert_eq!(claims["iss"], format!("stytch.com/{PROJECT_ID}"));
    let issued_at = claims["iat"].as_i64().expect("iat");
    assert_eq!(claims["nbf"].as_i64(), Some(issued_at));
    assert_eq!(
        claims["exp"].as_i64(),
        Some(issued_at + 300),
        "JWT lifetime is five minutes"
    );

    let session_claim = &claims["https://stytch.com/session"];
    assert_eq!(session_claim["id"], session_id.as_str());
    assert_eq!(session_claim["started_at"], session["started_at"]);
    assert_eq!(
        session_claim["last_accessed_at"],
        session["last_accessed_at"]
    );
    assert_eq!(session_claim["expires_at"], session["expires_at"]);
    assert_eq!(
        session_claim["attributes"],
        json!({ "ip_address": "", "user_agent": "" })
    );
    assert_eq!(
        session_claim["authentication_factors"],
        session["authentication_factors"]
    );
    assert_eq!(session_claim["roles"], json!([]));

    // sessions/authenticate with the opaque token returns the session and a fresh JWT.
    let (status, checked) = fake
        .post(
            "/v1/sessions/authenticate",
            json!({ "session_token": session_token }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{checked}");
    assert_eq!(checked["session"]["session_id"], session_id.as_str());
    assert_eq!(checked["session_token"], session_token.as_str());
    assert_eq!(checked["user"]["user_id"], user_id.as_str());
    let fresh_claims = verify_jwt(checked["session_jwt"].as_str().expect("session_jwt"), &jwks);
    assert_eq!(
        fresh_claims["https://stytch.com/session"]["id"],
        session_id.as_str()
    );

    // The session is listed for its user.
    let (status, listed) = fake.get(&format!("/v1/sessions?user_id={user_id}")).await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    assert_eq!(listed["sessions"].as_array().map(Vec::len), Some(1));
    assert_eq!(listed["sessions"][0]["session_id"], session_id.as_str());

    // Revoke, after which the token no longer authenticates.
    let (status, revoked) = fake
        .post(
            "/v1/sessions/revoke",
            json!({ "session_token": session_token }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{revoked}");
    assert_eq!(revoked["status_code"], 200);

    let (status, body) = fake
        .post(
            "/v1/sessions/authenticate",
            json!({ "session_token": session_token }),
        )
        .await;
    assert_error(status, &body, 404, "session_not_found");

    let (status, body) = fake
        .post(
            "/v1/sessions/authenticate",
            json!({ "session_jwt": auth["session_jwt"] }),
        )
        .await;
    assert_error(status, &body, 404, "session_not_found");

    let (status, body) = fake
        .post("/v1/sessions/revoke", json!({ "session_id": session_id }))
        .await;
    assert_error(status, &body, 404, "session_not_found");

    let (status, listed) = fake.get(&format!("/v1/sessions?user_id={user_id}")).await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    assert_eq!(listed["sessions"], json!([]));
}

#[tokio::test]
async fn magic_link_used_or_unknown_is_rejected() {
    let fake = Fake::start().await;
    fake.post(
        "/v1/magic_links/email/invite",
        json!({ "email": "lin@example.com" }),
    )
    .await;
    let token = fake.last_token("lin@example.com").await;

    let (status, body) = fake
        .post("/v1/magic_links/authenticate", json!({ "token": token }))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let (status, body) = fake
        .post("/v1/magic_links/authenticate", json!({ "token": token }))
        .await;
    assert_error(status, &body, 401, "unable_to_auth_magic_link");

    let (status, body) = fake
        .post(
            "/v1/magic_links/authenticate",
            json!({ "token": "never-issued" }),
        )
        .await;
    assert_error(status, &body, 404, "magic_link_not_found");
}

#[tokio::test]
async fn authenticate_without_duration_has_no_session() {
    let fake = Fake::start().await;
    fake.post(
        "/v1/magic_links/email/invite",
        json!({ "email": "noor@example.com" }),
    )
    .await;
    let token = fake.last_token("noor@example.com").await;

    let (status, body) = fake
        .post("/v1/magic_links/authenticate", json!({ "token": token }))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["session_token"], "");
    assert_eq!(body["session_jwt"], "");
    assert_eq!(body["session"], Value::Null);
    assert_eq!(body["user"]["status"], "active");

    let user_id = body["user_id"].as_str().expect("user_id");
    let (status, listed) = fake.get(&format!("/v1/sessions?user_id={user_id}")).await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    assert_eq!(listed["sessions"], json!([]));
}

#[tokio::test]
async fn faults_inject_errors_then_recover() {
    let fake = Fake::start().await;
    let path = format!("/v1/sessions/jwks/{PROJECT_ID}");

    let rules = fake
        .control(
            reqwest::Method::POST,
            "/_fake/faults",
            Some(json!({ "status": 500, "count": 2 })),
        )
        .await;
    assert_eq!(rules["faults"][0]["error_type"], "internal_server_error");
    assert_eq!(rules["faults"][0]["remaining"], 2);

    for _ in 0..2 {
        let (status, body) = fake.get(&path).await;
        assert_error(status, &body, 500, "internal_server_error");
    }
    let (status, body) = fake.get(&path).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the fault should be used up: {body}"
    );

    let rules = fake
        .control(reqwest::Method::GET, "/_fake/faults", None)
        .await;
    assert_eq!(rules["faults"], json!([]));

    // A rule without count lasts until cleared, and only hits its prefix.
    fake.control(
        reqwest::Method::POST,
        "/_fake/faults",
        Some(json!({ "status": 429, "path_prefix": "/v1/magic_links" })),
    )
    .await;
    for _ in 0..3 {
        let (status, body) = fake
            .post(
                "/v1/magic_links/email/invite",
                json!({ "email": "rate@example.com" }),
            )
            .await;
        assert_error(status, &body, 429, "too_many_requests");
    }
    let (status, body) = fake.get(&path).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "other paths are not faulted: {body}"
    );

    fake.control(reqwest::Method::DELETE, "/_fake/faults", None)
        .await;
    let (status, body) = fake
        .post(
            "/v1/magic_links/email/invite",
            json!({ "email": "rate@example.com" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "faults are cleared: {body}");

    // Faulted calls are counted like any other.
    let stats = fake
        .control(reqwest::Method::GET, "/_fake/stats", None)
        .await;
    assert_eq!(stats["requests"]["GET /v1/sessions/jwks/{project_id}"], 4);
    assert_eq!(stats["requests"]["POST /v1/magic_links/email/invite"], 4);
    assert_eq!(stats["total"], 8);
}

#[tokio::test]
async fn fault_with_custom_type_and_latency() {
    let fake = Fake::start().await;
    let path = format!("/v1/sessions/jwks/{PROJECT_ID}");

    fake.control(
        reqwest::Method::POST,
        "/_fake/faults",
        Some(json!({ "status": 503, "error_type": "maintenance", "latency_ms": 300, "count": 1 })),
    )
    .await;

    let started = Instant::now();
    let (status, body) = fake.get(&path).await;
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "latency was {:?}",
        started.elapsed()
    );
    assert_error(status, &body, 503, "maintenance");

    let (status, body) = fake.get(&path).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn fault_requests_are_validated() {
    let fake = Fake::start().await;
    let cases = [
        json!({}),
        json!({ "status": 200 }),
        json!({ "status": 500, "count": 0 }),
        json!({ "error_type": "x" }),
        json!({ "status": 500, "path_prefix": "/_fake" }),
        json!({ "latency_ms": 10_000_000 }),
    ];

    for case in cases {
        let request = fake.client.post(fake.url("/_fake/faults")).json(&case);
        let (status, body) = fake.send(request).await;
        assert_error(status, &body, 400, "bad_request");
    }
}

#[tokio::test]
async fn rotate_key_serves_two_keys() {
    let fake = Fake::start().await;
    let before = fake.signed_in("kay@example.com").await;
    let old_jwt = before["session_jwt"]
        .as_str()
        .expect("session_jwt")
        .to_owned();
    let old_kid = fake.jwks().await[0]["kid"]
        .as_str()
        .expect("kid")
        .to_owned();

    let rotated = fake
        .control(reqwest::Method::POST, "/_fake/rotate-key", None)
        .await;
    let new_kid = rotated["kid"].as_str().expect("kid").to_owned();
    assert_ne!(new_kid, old_kid);

    let jwks = fake.jwks().await;
    let kids: Vec<&str> = jwks.iter().filter_map(|key| key["kid"].as_str()).collect();
    assert_eq!(kids, [new_kid.as_str(), old_kid.as_str()]);

    // New JWTs use the new key; the old JWT still verifies and still authenticates.
    let (status, checked) = fake
        .post(
            "/v1/sessions/authenticate",
            json!({ "session_jwt": old_jwt }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{checked}");
    let fresh_jwt = checked["session_jwt"].as_str().expect("session_jwt");
    let fresh_header = jsonwebtoken::decode_header(fresh_jwt).expect("header");
    assert_eq!(fresh_header.kid.as_deref(), Some(new_kid.as_str()));
    verify_jwt(fresh_jwt, &jwks);
    verify_jwt(&old_jwt, &jwks);

    // Retiring drops the old key, so JWTs it signed are no longer accepted.
    let retired = fake
        .control(
            reqwest::Method::POST,
            "/_fake/rotate-key?retire_old=true",
            None,
        )
        .await;
    assert_eq!(retired["keys"].as_array().map(Vec::len), Some(1));
    assert_eq!(fake.jwks().await.len(), 1);

    let (status, body) = fake
        .post(
            "/v1/sessions/authenticate",
            json!({ "session_jwt": old_jwt }),
        )
        .await;
    assert_error(status, &body, 404, "session_not_found");
}

#[tokio::test]
async fn expired_jwt_still_authenticates_session() {
    let fake = Fake::start().await;
    let auth = fake.signed_in("eve@example.com").await;
    let session_id = auth["session"]["session_id"].as_str().expect("session_id");
    let user_id = auth["user_id"].as_str().expect("user_id");

    let now = OffsetDateTime::now_utc().unix_timestamp();
    let expired_claims = expired_claims_for(user_id, session_id, now);
    let signed = fake
        .control(
            reqwest::Method::POST,
            "/_fake/jwt",
            Some(json!({ "claims": expired_claims })),
        )
        .await;
    let expired_jwt = signed["jwt"].as_str().expect("jwt");

    // A client library would reject it locally ...
    let jwks = fake.jwks().await;
    let header = jsonwebtoken::decode_header(expired_jwt).expect("header");
    let key = jwks
        .iter()
        .find(|key| key["kid"].as_str() == header.kid.as_deref())
        .expect("JWT names the current key");
    let decoding_key = DecodingKey::from_rsa_components(
        key["n"].as_str().expect("n"),
        key["e"].as_str().expect("e"),
    )
    .expect("decoding key");
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[PROJECT_ID]);
    let local = jsonwebtoken::decode::<Value>(expired_jwt, &decoding_key, &validation);
    assert!(
        local.is_err(),
        "an expired JWT must fail local verification"
    );

    // ... and then ask sessions/authenticate, which swaps it for a fresh one.
    let (status, checked) = fake
        .post(
            "/v1/sessions/authenticate",
            json!({ "session_jwt": expired_jwt }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{checked}");
    assert_eq!(checked["session"]["session_id"], session_id);
    verify_jwt(checked["session_jwt"].as_str().expect("session_jwt"), &jwks);

    // A JWT for another project is not accepted, even with a trusted signature.
    let mut foreign_claims = expired_claims_for(user_id, session_id, now);
    foreign_claims["aud"] = json!(["project-test-someone-else"]);
    let signed = fake
        .control(
            reqwest::Method::POST,
            "/_fake/jwt",
            Some(json!({ "claims": foreign_claims })),
        )
        .await;
    let (status, body) = fake
        .post(
            "/v1/sessions/authenticate",
            json!({ "session_jwt": signed["jwt"] }),
        )
        .await;
    assert_error(status, &body, 404, "session_not_found");

    // The kid override lets tests build tokens that name an unknown key.
    let signed = fake
        .control(
            reqwest::Method::POST,
            "/_fake/jwt",
            Some(json!({ "claims": expired_claims_for(user_id, session_id, now), "kid": "jwk-test-unknown" })),
        )
        .await;
    let header = jsonwebtoken::decode_header(signed["jwt"].as_str().expect("jwt")).expect("header");
    assert_eq!(header.kid.as_deref(), Some("jwk-test-unknown"));
    let (status, body) = fake
        .post(
            "/v1/sessions/authenticate",
            json!({ "session_jwt": signed["jwt"] }),
        )
        .await;
    assert_error(status, &body, 404, "session_not_found");
}

fn expired_claims_for(user_id: &str, session_id: &str, now: i64) -> Value {
    json!({
        "sub": user_id,
        "aud": [PROJECT_ID],
        "iss": format!("stytch.com/{PROJECT_ID}"),
        "iat": now - 3600,
        "nbf": now - 3600,
        "exp": now - 3000,
        "https://stytch.com/session": { "id": session_id },
    })
}

#[tokio::test]
async fn session_duration_extends_session() {
    let fake = Fake::start().await;
    let auth = fake.signed_in("ext@example.com").await;
    let token = auth["session_token"].as_str().expect("session_token");
    let first_expiry = timestamp(&auth["session"]["expires_at"]);

    let (status, extended) = fake
        .post(
            "/v1/sessions/authenticate",
            json!({ "session_token": token, "session_duration_minutes": 2880 }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{extended}");
    let accessed = timestamp(&extended["session"]["last_accessed_at"]);
    let new_expiry = timestamp(&extended["session"]["expires_at"]);
    assert_eq!(new_expiry - accessed, time::Duration::minutes(2880));
    assert!(new_expiry > first_expiry);

    let (status, body) = fake
        .post(
            "/v1/sessions/authenticate",
            json!({ "session_token": token, "session_duration_minutes": 1 }),
        )
        .await;
    assert_error(status, &body, 400, "bad_request");
}

#[tokio::test]
async fn magic_link_joins_named_session() {
    let fake = Fake::start().await;
    let auth = fake.signed_in("join@example.com").await;
    let session_token = auth["session_token"].as_str().expect("session_token");
    let session_id = auth["session"]["session_id"].as_str().expect("session_id");

    fake.post(
        "/v1/magic_links/email/send",
        json!({ "email": "join@example.com" }),
    )
    .await;
    let token = fake.last_token("join@example.com").await;
    let (status, body) = fake
        .post(
            "/v1/magic_links/authenticate",
            json!({ "token": token, "session_token": session_token }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["session"]["session_id"], session_id);
    assert_eq!(body["session_token"], session_token);
    assert_eq!(
        body["session"]["authentication_factors"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );

    // A bad session argument fails the call but leaves the link usable.
    fake.post(
        "/v1/magic_links/email/send",
        json!({ "email": "join@example.com" }),
    )
    .await;
    let token = fake.last_token("join@example.com").await;
    let (status, body) = fake
        .post(
            "/v1/magic_links/authenticate",
            json!({ "token": token, "session_token": "not-a-session" }),
        )
        .await;
    assert_error(status, &body, 404, "session_not_found");
    let (status, body) = fake
        .post("/v1/magic_links/authenticate", json!({ "token": token }))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn invite_of_active_user_is_duplicate() {
    let fake = Fake::start().await;
    fake.signed_in("dup@example.com").await;

    let (status, body) = fake
        .post(
            "/v1/magic_links/email/invite",
            json!({ "email": "DUP@example.com" }),
        )
        .await;
    assert_error(status, &body, 400, "duplicate_email");
}

#[tokio::test]
async fn pending_user_reinvite_and_revoke() {
    let fake = Fake::start().await;
    let (status, first) = fake
        .post(
            "/v1/magic_links/email/invite",
            json!({ "email": "pat@example.com" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let (status, second) = fake
        .post(
            "/v1/magic_links/email/invite",
            json!({ "email": "pat@example.com" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{second}");
    assert_eq!(
        first["user_id"], second["user_id"],
        "a pending user is invited again, not duplicated"
    );

    let messages = fake.outbox("pat@example.com").await;
    assert_eq!(messages.len(), 2);
    assert_ne!(messages[0]["token"], messages[1]["token"]);

    let (status, body) = fake
        .post(
            "/v1/magic_links/email/revoke_invite",
            json!({ "email": "pat@example.com" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    for message in &messages {
        let (status, body) = fake
            .post(
                "/v1/magic_links/authenticate",
                json!({ "token": message["token"] }),
            )
            .await;
        assert_error(status, &body, 401, "unable_to_auth_magic_link");
    }

    let (status, body) = fake
        .post(
            "/v1/magic_links/email/revoke_invite",
            json!({ "email": "nobody@example.com" }),
        )
        .await;
    assert_error(status, &body, 404, "user_not_found");
}

#[tokio::test]
async fn invalid_email_and_url_are_rejected() {
    let fake = Fake::start().await;

    for email in [
        "",
        "not-an-email",
        "a@b",
        "Ada <ada@example.com>",
        "ada@[127.0.0.1]",
    ] {
        for path in [
            "/v1/magic_links/email/invite",
            "/v1/magic_links/email/login_or_create",
            "/v1/magic_links/email/send",
        ] {
            let (status, body) = fake.post(path, json!({ "email": email })).await;
            assert_error(status, &body, 400, "invalid_email");
        }
    }

    for url in [
        "",
        "ftp://example.com/auth",
        "/relative",
        "javascript:alert(1)",
    ] {
        let (status, body) = fake
            .post(
                "/v1/magic_links/email/invite",
                json!({ "email": "url@example.com", "invite_magic_link_url": url }),
            )
            .await;
        assert_error(status, &body, 400, "invalid_magic_link_url");

        let (status, body) = fake
            .post(
                "/v1/magic_links/email/login_or_create",
                json!({ "email": "url@example.com", "signup_magic_link_url": url }),
            )
            .await;
        assert_error(status, &body, 400, "invalid_magic_link_url");
    }

    let (status, body) = fake
        .post(
            "/v1/magic_links/email/invite",
            json!({ "email": "url@example.com", "invite_expiration_minutes": 1 }),
        )
        .await;
    assert_error(status, &body, 400, "bad_request");
    assert!(
        fake.outbox("url@example.com").await.is_empty(),
        "no email is sent for a rejected call"
    );
}

#[tokio::test]
async fn link_with_query_gets_ampersand() {
    let fake = Fake::start().await;
    fake.post(
        "/v1/magic_links/email/invite",
        json!({ "email": "q@example.com", "invite_magic_link_url": "https://app.example.test/cb?next=%2Fhome" }),
    )
    .await;

    let message = &fake.outbox("q@example.com").await[0];
    let token = message["token"].as_str().expect("token");
    assert_eq!(
        message["link"],
        format!(
            "https://app.example.test/cb?next=%2Fhome&stytch_token_type=magic_links&token={token}"
        )
    );
}

#[tokio::test]
async fn link_expirations_follow_requests() {
    let fake = Fake::start().await;
    let lifetime =
        |message: &Value| timestamp(&message["expires_at"]) - timestamp(&message["sent_at"]);

    fake.post(
        "/v1/magic_links/email/invite",
        json!({ "email": "t1@example.com" }),
    )
    .await;
    fake.post(
        "/v1/magic_links/email/invite",
        json!({ "email": "t2@example.com", "invite_expiration_minutes": 30 }),
    )
    .await;
    fake.post(
        "/v1/magic_links/email/login_or_create",
        json!({ "email": "t3@example.com" }),
    )
    .await;
    fake.post(
        "/v1/magic_links/email/login_or_create",
        json!({ "email": "t4@example.com", "signup_expiration_minutes": 15 }),
    )
    .await;

    assert_eq!(
        lifetime(&fake.outbox("t1@example.com").await[0]),
        time::Duration::days(7)
    );
    assert_eq!(
        lifetime(&fake.outbox("t2@example.com").await[0]),
        time::Duration::minutes(30)
    );
    assert_eq!(
        lifetime(&fake.outbox("t3@example.com").await[0]),
        time::Duration::minutes(60)
    );
    assert_eq!(
        lifetime(&fake.outbox("t4@example.com").await[0]),
        time::Duration::minutes(15)
    );
}

#[tokio::test]
async fn login_or_create_signup_then_login() {
    let fake = Fake::start().await;

    let (status, created) = fake
        .post(
            "/v1/magic_links/email/login_or_create",
            json!({
                "email": "new@example.com",
                "login_magic_link_url": "https://app.example.test/login",
                "signup_magic_link_url": "https://app.example.test/signup",
            }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    assert_eq!(created["user_created"], true);
    let message = &fake.outbox("new@example.com").await[0];
    assert_eq!(message["kind"], "signup");
    assert!(
        message["link"]
            .as_str()
            .is_some_and(|link| link.starts_with("https://app.example.test/signup?"))
    );

    let token = message["token"].as_str().expect("token");
    let (status, body) = fake
        .post("/v1/magic_links/authenticate", json!({ "token": token }))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let (status, again) = fake
        .post(
            "/v1/magic_links/email/login_or_create",
            json!({
                "email": "new@example.com",
                "login_magic_link_url": "https://app.example.test/login",
                "signup_magic_link_url": "https://app.example.test/signup",
            }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["user_created"], false);
    assert_eq!(again["user_id"], created["user_id"]);
    let messages = fake.outbox("new@example.com").await;
    assert_eq!(messages[1]["kind"], "login");
    assert!(
        messages[1]["link"]
            .as_str()
            .is_some_and(|link| link.starts_with("https://app.example.test/login?"))
    );
}

#[tokio::test]
async fn login_or_create_can_create_pending() {
    let fake = Fake::start().await;
    let (status, created) = fake
        .post(
            "/v1/magic_links/email/login_or_create",
            json!({ "email": "later@example.com", "create_user_as_pending": true }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{created}");

    // A pending user can still be invited, which an active one cannot.
    let (status, invited) = fake
        .post(
            "/v1/magic_links/email/invite",
            json!({ "email": "later@example.com" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{invited}");
    assert_eq!(invited["user_id"], created["user_id"]);
}

#[tokio::test]
async fn send_requires_existing_user() {
    let fake = Fake::start().await;
    let (status, body) = fake
        .post(
            "/v1/magic_links/email/send",
            json!({ "email": "ghost@example.com" }),
        )
        .await;
    assert_error(status, &body, 404, "user_not_found");
    assert!(fake.outbox("ghost@example.com").await.is_empty());

    fake.signed_in("real@example.com").await;
    let (status, body) = fake
        .post(
            "/v1/magic_links/email/send",
            json!({ "email": "real@example.com" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let messages = fake.outbox("real@example.com").await;
    assert_eq!(
        messages.last().map(|message| message["kind"].clone()),
        Some(json!("login"))
    );
}

#[tokio::test]
async fn delete_user_removes_sessions() {
    let fake = Fake::start().await;
    let auth = fake.signed_in("gone@example.com").await;
    let user_id = auth["user_id"].as_str().expect("user_id");

    let request = fake
        .client
        .delete(fake.url(&format!("/v1/users/{user_id}")))
        .basic_auth(PROJECT_ID, Some(SECRET));
    let (status, body) = fake.send(request).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user_id"], user_id);

    let (status, body) = fake
        .post(
            "/v1/sessions/authenticate",
            json!({ "session_token": auth["session_token"] }),
        )
        .await;
    assert_error(status, &body, 404, "session_not_found");

    let (status, body) = fake.get(&format!("/v1/sessions?user_id={user_id}")).await;
    assert_error(status, &body, 404, "user_not_found");

    let request = fake
        .client
        .delete(fake.url(&format!("/v1/users/{user_id}")))
        .basic_auth(PROJECT_ID, Some(SECRET));
    let (status, body) = fake.send(request).await;
    assert_error(status, &body, 404, "user_not_found");

    // The email address is free again.
    let (status, body) = fake
        .post(
            "/v1/magic_links/email/invite",
            json!({ "email": "gone@example.com" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_ne!(body["user_id"], user_id);
}

#[tokio::test]
async fn session_arguments_are_validated() {
    let fake = Fake::start().await;

    let (status, body) = fake.post("/v1/sessions/authenticate", json!({})).await;
    assert_error(status, &body, 400, "bad_request");

    let (status, body) = fake
        .post(
            "/v1/sessions/authenticate",
            json!({ "session_token": "a", "session_jwt": "b" }),
        )
        .await;
    assert_error(status, &body, 400, "bad_request");

    let (status, body) = fake.post("/v1/sessions/revoke", json!({})).await;
    assert_error(status, &body, 400, "bad_request");

    let (status, body) = fake.get("/v1/sessions").await;
    assert_error(status, &body, 400, "bad_request");

    let (status, body) = fake.get("/v1/sessions?user_id=user-test-unknown").await;
    assert_error(status, &body, 404, "user_not_found");

    let (status, body) = fake.get("/v1/sessions/jwks/project-test-other").await;
    assert_error(status, &body, 404, "project_not_found");

    let request = fake
        .client
        .post(fake.url("/v1/sessions/authenticate"))
        .basic_auth(PROJECT_ID, Some(SECRET))
        .body("{not json");
    let (status, body) = fake.send(request).await;
    assert_error(status, &body, 400, "bad_request");
}

#[tokio::test]
async fn unknown_routes_answer_json_404() {
    let fake = Fake::start().await;

    let (status, body) = fake.get("/v1/does/not/exist").await;
    assert_error(status, &body, 404, "route_not_found");

    let (status, body) = fake.get("/v1/magic_links/authenticate").await;
    assert_error(status, &body, 404, "route_not_found");

    let (status, body) = fake.send(fake.client.get(fake.url("/elsewhere"))).await;
    assert_error(status, &body, 404, "route_not_found");
}

#[tokio::test]
async fn stats_count_routes_and_reset() {
    let fake = Fake::start().await;
    let auth = fake.signed_in("count@example.com").await;
    for _ in 0..3 {
        fake.post(
            "/v1/sessions/authenticate",
            json!({ "session_token": auth["session_token"] }),
        )
        .await;
    }
    let user_id = auth["user_id"].as_str().expect("user_id");
    fake.get(&format!("/v1/sessions?user_id={user_id}")).await;

    let stats = fake
        .control(reqwest::Method::GET, "/_fake/stats", None)
        .await;
    assert_eq!(stats["requests"]["POST /v1/sessions/authenticate"], 3);
    assert_eq!(stats["requests"]["POST /v1/magic_links/email/invite"], 1);
    assert_eq!(stats["requests"]["POST /v1/magic_links/authenticate"], 1);
    assert_eq!(stats["requests"]["GET /v1/sessions"], 1);
    assert_eq!(stats["total"], 6, "control calls are not counted: {stats}");

    let reset = fake
        .control(reqwest::Method::POST, "/_fake/stats/reset", None)
        .await;
    assert_eq!(reset, json!({ "requests": {}, "total": 0 }));
}

#[tokio::test]
async fn outbox_keeps_send_order_and_filters() {
    let fake = Fake::start().await;
    for email in ["one@example.com", "two@example.com", "one@example.com"] {
        fake.post("/v1/magic_links/email/invite", json!({ "email": email }))
            .await;
    }

    let all = fake
        .control(reqwest::Method::GET, "/_fake/outbox", None)
        .await;
    let emails: Vec<&str> = all
        .as_array()
        .expect("outbox is an array")
        .iter()
        .filter_map(|message| message["email"].as_str())
        .collect();
    assert_eq!(
        emails,
        ["one@example.com", "two@example.com", "one@example.com"]
    );
    assert_eq!(fake.outbox("ONE@example.com").await.len(), 2);

    let cleared = fake
        .control(reqwest::Method::DELETE, "/_fake/outbox", None)
        .await;
    assert_eq!(cleared["cleared"], 3);
    assert_eq!(
        fake.control(reqwest::Method::GET, "/_fake/outbox", None)
            .await,
        json!([])
    );
}

#[tokio::test]
async fn short_jwt_lifetime_is_configurable() {
    let mut config = Config::new(PROJECT_ID, SECRET);
    config.jwt_lifetime = time::Duration::seconds(30);
    let fake = Fake::start_with(config).await;

    let auth = fake.signed_in("short@example.com").await;
    let claims = verify_jwt(
        auth["session_jwt"].as_str().expect("session_jwt"),
        &fake.jwks().await,
    );
    let lifetime = claims["exp"].as_i64().expect("exp") - claims["iat"].as_i64().expect("iat");
    assert_eq!(lifetime, 30);

    fake.server.stop().await.expect("server stops cleanly");
}
