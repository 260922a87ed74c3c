//! The Stytch provider against the fake Stytch server, on SQLite and MySQL.

mod common;

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::fake_stytch::{FakeStytch, PROJECT_ID};
use common::{Backend, TestApp, assert_problem, cookie_value, token_of};
use reqwest::Method;
use reqwest::header::{LOCATION, ORIGIN};
use serde_json::{Value, json};

on_both_backends!(
    whole_flow_with_stytch,
    valid_jwt_needs_no_stytch_call,
    expired_jwt_is_renewed_with_the_session_token,
    rotated_key_is_fetched_once,
    forged_jwts_are_refused,
    stytch_failures_become_503,
    deleted_user_is_locked_out_with_a_live_jwt,
    opaque_bearer_token_is_checked_at_stytch,
);

/// Signs in through the fake's emailed link with the JSON flow and
/// returns `(session_token, session_jwt)`.
async fn sign_in(app: &TestApp, fake: &FakeStytch, email: &str) -> (String, String) {
    let seen = fake.links_to(email).await.len();
    let response = app.post_json("/login", &json!({ "email": email })).await;
    assert_eq!(response.status(), 202);

    let link = fake.wait_for_link(email, seen).await;
    let response = app
        .post_json("/authenticate", &json!({ "token": token_of(&link) }))
        .await;
    assert_eq!(response.status(), 200, "signing in {email}");

    let session: Value = response.json().await.unwrap();
    (
        session["session_token"].as_str().unwrap().to_owned(),
        session["session_jwt"]
            .as_str()
            .expect("Stytch returns a session JWT")
            .to_owned(),
    )
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Valid claims for `sub`, to be changed one at a time by the forgery tests.
fn claims(sub: &str) -> Value {
    let now = now();
    let expires_at = time::OffsetDateTime::now_utc() + Duration::from_secs(3600);
    json!({
        "sub": sub,
        "aud": [PROJECT_ID],
        "iss": format!("stytch.com/{PROJECT_ID}"),
        "iat": now,
        "nbf": now,
        "exp": now + 300,
        "https://stytch.com/session": {
            "id": "session-test-forged",
            "started_at": "2026-01-01T00:00:00Z",
            "last_accessed_at": "2026-01-01T00:00:00Z",
            "expires_at": expires_at.format(&time::format_description::well_known::Rfc3339).unwrap(),
            "attributes": {},
            "authentication_factors": [],
            "roles": [],
        },
    })
}

/// Reads the `sub` claim of a JWT.
fn subject(jwt: &str) -> String {
    let payload = jwt.split('.').nth(1).expect("a JWT payload");
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    claims["sub"].as_str().unwrap().to_owned()
}

async fn whole_flow_with_stytch(backend: Backend) {
    let fake = FakeStytch::start();
    let app = TestApp::spawn_stytch(backend, &fake, &[]).await;

    // Sign in through the browser path: the emailed link lands on our page,
    // whose form post sets both cookies and redirects to the SPA.
    let response = app
        .post_json("/login", &json!({ "email": "admin@example.com" }))
        .await;
    assert_eq!(response.status(), 202);
    let link = fake.wait_for_link("admin@example.com", 0).await;
    assert!(link.starts_with(&app.url("/authenticate?")), "{link}");

    let page = app.client.get(&link).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let response = app
        .client
        .post(app.url("/authenticate"))
        .header(ORIGIN, &app.address)
        .form(&[("token", token_of(&link))])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()[LOCATION], format!("{}/", app.web_url));
    let token = cookie_value(response.headers(), "session").expect("a session cookie");
    let jwt = cookie_value(response.headers(), "session_jwt").expect("a session JWT cookie");
    let cookies = format!("session={token}; session_jwt={jwt}");

    // The same link a second time lands on the sign-in page as "used".
    let response = app
        .client
        .post(app.url("/authenticate"))
        .header(ORIGIN, &app.address)
        .form(&[("token", token_of(&link))])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(
        response.headers()[LOCATION],
        format!("{}/sign-in?error=used", app.web_url)
    );

    let me: Value = app
        .with_cookies(Method::GET, "/me", &cookies)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["user"]["email"], "admin@example.com");
    assert_eq!(me["user"]["status"], "active");

    // Add, edit, list, search.
    let response = app
        .with_cookies(Method::POST, "/users", &cookies)
        .json(&json!({ "name": "Grace Hopper", "email": "grace@example.com" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let grace: Value = response.json().await.unwrap();
    let grace_path = format!("/users/{}", grace["id"]);
    let response = app
        .with_cookies(Method::PATCH, &grace_path, &cookies)
        .json(&json!({ "name": "Grace B. Hopper" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let page: Value = app
        .with_cookies(Method::GET, "/users?q=hopper", &cookies)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["users"][0]["name"], "Grace B. Hopper");

    // Invite: Stytch emails the link; the invitee signs in and is active.
    let response = app
        .with_cookies(Method::POST, "/invite", &cookies)
        .json(&json!({ "email": "ada@example.com", "name": "Ada" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let ada: Value = response.json().await.unwrap();
    let invite_link = fake.wait_for_link("ada@example.com", 0).await;
    let response = app
        .post_json("/authenticate", &json!({ "token": token_of(&invite_link) }))
        .await;
    assert_eq!(response.status(), 200);
    let ada_session: Value = response.json().await.unwrap();
    assert_eq!(ada_session["user"]["status"], "active");
    let ada_jwt = ada_session["session_jwt"].as_str().unwrap().to_owned();

    // Inviting an active user again sends a sign-in link instead.
    let response = app
        .with_cookies(Method::POST, "/invite", &cookies)
        .json(&json!({ "email": "ada@example.com" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    fake.wait_for_link("ada@example.com", 1).await;

    // Delete Ada: her sessions end at Stytch and here.
    let response = app
        .with_cookies(Method::DELETE, &format!("/users/{}", ada["id"]), &cookies)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let response = app
        .bearer(Method::GET, "/me", &ada_jwt)
        .send()
        .await
        .unwrap();
    assert_problem(response, 401, None, "deleted user").await;

    // Sign out: revoked at Stytch, so the session token is refused.
    let response = app
        .with_cookies(Method::POST, "/logout", &cookies)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    assert!(fake.calls_to("POST /v1/sessions/revoke").await >= 1);
    let response = app.bearer(Method::GET, "/me", &token).send().await.unwrap();
    assert_problem(response, 401, None, "after logout").await;
    let response = app
        .with_cookies(Method::POST, "/logout", &cookies)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204, "signing out twice");
}

async fn valid_jwt_needs_no_stytch_call(backend: Backend) {
    let fake = FakeStytch::start();
    let app = TestApp::spawn_stytch(backend, &fake, &[]).await;
    let (token, jwt) = sign_in(&app, &fake, "admin@example.com").await;
    let cookies = format!("session={token}; session_jwt={jwt}");

    fake.reset_stats().await;
    for path in ["/me", "/users", "/users?limit=1", "/me"] {
        let response = app
            .with_cookies(Method::GET, path, &cookies)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
    }
    let response = app.bearer(Method::GET, "/me", &jwt).send().await.unwrap();
    assert_eq!(response.status(), 200, "bearer JWT");

    assert_eq!(
        fake.total_calls().await,
        0,
        "calls: {:?}",
        fake.calls().await
    );
}

async fn expired_jwt_is_renewed_with_the_session_token(backend: Backend) {
    let fake = FakeStytch::start();
    let app = TestApp::spawn_stytch(backend, &fake, &[]).await;
    let (token, jwt) = sign_in(&app, &fake, "admin@example.com").await;

    // A JWT of the same user, signed by the trusted key, expired a minute ago.
    let mut expired_claims = claims(&subject(&jwt));
    expired_claims["exp"] = json!(now() - 60);
    expired_claims["nbf"] = json!(now() - 400);
    expired_claims["iat"] = json!(now() - 400);
    let expired = fake.sign_jwt(expired_claims, None).await;

    fake.reset_stats().await;
    let response = app
        .with_cookies(
            Method::GET,
            "/me",
            &format!("session={token}; session_jwt={expired}"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let fresh = cookie_value(response.headers(), "session_jwt").expect("a renewed JWT cookie");
    assert_ne!(fresh, expired);
    assert_eq!(fake.calls_to("POST /v1/sessions/authenticate").await, 1);

    // The renewed JWT is verified locally again.
    fake.reset_stats().await;
    let response = app
        .with_cookies(
            Method::GET,
            "/me",
            &format!("session={token}; session_jwt={fresh}"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(fake.total_calls().await, 0);

    // Without a session token an expired JWT is simply refused.
    let response = app
        .bearer(Method::GET, "/me", &expired)
        .send()
        .await
        .unwrap();
    assert_problem(response, 401, None, "expired bearer JWT").await;
}

async fn rotated_key_is_fetched_once(backend: Backend) {
    let fake = FakeStytch::start();
    let app = TestApp::spawn_stytch(backend, &fake, &[]).await;
    sign_in(&app, &fake, "admin@example.com").await;

    fake.rotate_key().await;
    let (_, jwt) = sign_in(&app, &fake, "admin@example.com").await;

    fake.reset_stats().await;
    for _ in 0..3 {
        let response = app.bearer(Method::GET, "/me", &jwt).send().await.unwrap();
        assert_eq!(response.status(), 200);
    }
    assert_eq!(
        fake.calls_to("GET /v1/sessions/jwks").await,
        1,
        "{:?}",
        fake.calls().await
    );
    assert_eq!(fake.total_calls().await, 1);
}

async fn forged_jwts_are_refused(backend: Backend) {
    let fake = FakeStytch::start();
    let app = TestApp::spawn_stytch(backend, &fake, &[]).await;
    let (_, jwt) = sign_in(&app, &fake, "admin@example.com").await;
    let sub = subject(&jwt);
    let kid = fake.key_ids().await.pop().expect("the fake serves a key");

    // Another fake has its own key: its signature under our key id is wrong.
    let stranger = FakeStytch::start();
    let wrong_key = stranger.sign_jwt(claims(&sub), Some(&kid)).await;

    let header = |alg: &str| {
        URL_SAFE_NO_PAD.encode(json!({ "alg": alg, "typ": "JWT", "kid": kid }).to_string())
    };
    let payload = URL_SAFE_NO_PAD.encode(claims(&sub).to_string());
    let alg_none = format!("{}.{payload}.", header("none"));

    // HS256 keyed with the public key, the classic algorithm confusion.
    let jwks: Value = fake
        .client
        .get(format!("{}/v1/sessions/jwks/{PROJECT_ID}", fake.url))
        .basic_auth(PROJECT_ID, Some(common::fake_stytch::SECRET))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let public_modulus = jwks["keys"][0]["n"].as_str().unwrap().to_owned();
    let mut hs256_header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    hs256_header.kid = Some(kid.clone());
    let hs256 = jsonwebtoken::encode(
        &hs256_header,
        &claims(&sub),
        &jsonwebtoken::EncodingKey::from_secret(public_modulus.as_bytes()).unwrap(),
    )
    .unwrap();

    let mut wrong_audience = claims(&sub);
    wrong_audience["aud"] = json!(["project-test-someone-else"]);
    let mut wrong_issuer = claims(&sub);
    wrong_issuer["iss"] = json!("stytch.com/project-test-someone-else");
    let mut expired = claims(&sub);
    expired["exp"] = json!(now() - 60);
    let mut not_yet_valid = claims(&sub);
    not_yet_valid["nbf"] = json!(now() + 600);

    let forgeries = [
        ("wrong key", wrong_key),
        ("alg none", alg_none),
        ("HS256 with the public key", hs256),
        ("wrong aud", fake.sign_jwt(wrong_audience, None).await),
        ("wrong iss", fake.sign_jwt(wrong_issuer, None).await),
        ("expired", fake.sign_jwt(expired, None).await),
        ("not yet valid", fake.sign_jwt(not_yet_valid, None).await),
        (
            "unknown kid",
            fake.sign_jwt(claims(&sub), Some("kid-that-does-not-exist"))
                .await,
        ),
    ];

    // The genuine article passes, so the refusals below are about the forgery.
    let response = app
        .bearer(Method::GET, "/me", &fake.sign_jwt(claims(&sub), None).await)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "a correctly signed JWT");

    for (case, forged) in forgeries {
        let response = app
            .bearer(Method::GET, "/me", &forged)
            .send()
            .await
            .unwrap();
        assert_problem(response, 401, None, case).await;

        let response = app
            .with_cookies(Method::GET, "/me", &format!("session_jwt={forged}"))
            .send()
            .await
            .unwrap();
        assert_problem(response, 401, None, &format!("{case} (cookie)")).await;
    }
}

async fn stytch_failures_become_503(backend: Backend) {
    let fake = FakeStytch::start();
    let app = TestApp::spawn_stytch(backend, &fake, &[]).await;
    let (token, _) = sign_in(&app, &fake, "admin@example.com").await;

    let faults = [
        ("slow", json!({ "latency_ms": 3000 })),
        (
            "500",
            json!({ "status": 500, "error_type": "internal_server_error" }),
        ),
        (
            "429",
            json!({ "status": 429, "error_type": "too_many_requests" }),
        ),
    ];
    for (case, fault) in faults {
        fake.inject_fault(fault).await;

        // A write (invite), a magic-link exchange, and a session check.
        let response = app
            .bearer(Method::POST, "/invite", &token)
            .json(&json!({ "email": format!("{case}@example.com") }))
            .send()
            .await
            .unwrap();
        let problem = assert_problem(response, 503, None, &format!("{case}: invite")).await;
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("identity provider"),
            "{problem}"
        );

        let response = app
            .post_json("/authenticate", &json!({ "token": "some-token" }))
            .await;
        assert_problem(response, 503, None, &format!("{case}: authenticate")).await;

        let response = app.bearer(Method::GET, "/me", &token).send().await.unwrap();
        assert_problem(
            response,
            503,
            None,
            &format!("{case}: opaque session token"),
        )
        .await;

        fake.clear_faults().await;

        // Nothing was half-written: the failed invite left no user behind.
        let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users WHERE email_key = ?")
            .bind(format!("{case}@example.com"))
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
        assert_eq!(count, 0, "{case}: no user left behind");
    }

    // Stytch gone altogether.
    drop(fake);
    let response = app
        .post_json("/authenticate", &json!({ "token": "some-token" }))
        .await;
    assert_problem(response, 503, None, "Stytch down").await;

    // The browser form lands on the sign-in page with a reason instead.
    let response = app
        .client
        .post(app.url("/authenticate"))
        .header(ORIGIN, &app.address)
        .form(&[("token", "some-token")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(
        response.headers()[LOCATION],
        format!("{}/sign-in?error=unavailable", app.web_url)
    );
}

async fn deleted_user_is_locked_out_with_a_live_jwt(backend: Backend) {
    let fake = FakeStytch::start();
    let app = TestApp::spawn_stytch(backend, &fake, &[]).await;
    let (admin_token, _) = sign_in(&app, &fake, "admin@example.com").await;

    let response = app
        .bearer(Method::POST, "/users", &admin_token)
        .json(&json!({ "name": "Bob", "email": "bob@example.com" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let bob: Value = response.json().await.unwrap();
    let (_, bob_jwt) = sign_in(&app, &fake, "bob@example.com").await;
    assert_eq!(
        app.bearer(Method::GET, "/me", &bob_jwt)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    let response = app
        .bearer(
            Method::DELETE,
            &format!("/users/{}", bob["id"]),
            &admin_token,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);

    // The JWT is still unexpired and correctly signed, and is refused.
    fake.reset_stats().await;
    let response = app
        .bearer(Method::GET, "/me", &bob_jwt)
        .send()
        .await
        .unwrap();
    assert_problem(response, 401, None, "deleted user's JWT").await;
    assert_eq!(fake.total_calls().await, 0);
}

async fn opaque_bearer_token_is_checked_at_stytch(backend: Backend) {
    let fake = FakeStytch::start();
    let app = TestApp::spawn_stytch(backend, &fake, &[]).await;
    let (token, _) = sign_in(&app, &fake, "admin@example.com").await;

    fake.reset_stats().await;
    let response = app.bearer(Method::GET, "/me", &token).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let response = app.bearer(Method::GET, "/me", &token).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        fake.calls_to("POST /v1/sessions/authenticate").await,
        2,
        "no cache by default"
    );

    // With the cache on, the later checks are served from the cache.
    let cached =
        TestApp::spawn_stytch(backend, &fake, &[("STYTCH_SESSION_CACHE_SECONDS", "30")]).await;
    let (token, _) = sign_in(&cached, &fake, "admin@example.com").await;
    fake.reset_stats().await;
    for _ in 0..3 {
        let response = cached
            .bearer(Method::GET, "/me", &token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    assert_eq!(fake.calls_to("POST /v1/sessions/authenticate").await, 1);
}
