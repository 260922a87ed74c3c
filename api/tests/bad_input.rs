//! Bad input gets a 4xx problem that names the field, and leaves the
//! database and the outbox as they were.

mod common;

use common::{Backend, TestApp, assert_problem, token_of};
use reqwest::Method;
use reqwest::header::{CONTENT_TYPE, ORIGIN};
use serde_json::{Value, json};

on_both_backends!(
    invalid_bodies_change_nothing,
    invalid_paths_and_queries_are_rejected,
    ambiguous_emails_are_rejected_before_sending,
    used_and_expired_links_are_refused,
    session_rules_are_enforced,
);

/// A snapshot of what bad input must not change.
async fn snapshot(app: &TestApp) -> (Vec<Value>, usize) {
    let rows: Vec<(i64, String, String, String)> =
        sqlx::query_as("SELECT id, name, email, status FROM users ORDER BY id")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    let users = rows
        .into_iter()
        .map(|(id, name, email, status)| json!([id, name, email, status]))
        .collect();
    (users, app.outbox_messages().len())
}

async fn invalid_bodies_change_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.sign_in("admin@example.com").await;
    let response = app
        .bearer(Method::POST, "/users", &token)
        .json(&json!({ "name": "Existing", "email": "existing@example.com" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let existing: Value = response.json().await.unwrap();
    let existing_path = format!("/users/{}", existing["id"]);

    let long_name = "x".repeat(256);
    let huge_name = "x".repeat(70 * 1024);
    let cases: Vec<(&str, Method, &str, String, u16, &str)> = vec![
        (
            "invalid email",
            Method::POST,
            "/users",
            json!({"name": "A", "email": "not-an-email"}).to_string(),
            400,
            "email",
        ),
        (
            "missing email",
            Method::POST,
            "/users",
            json!({"name": "A"}).to_string(),
            400,
            "email",
        ),
        (
            "missing name",
            Method::POST,
            "/users",
            json!({"email": "a@example.com"}).to_string(),
            400,
            "name",
        ),
        (
            "empty name",
            Method::POST,
            "/users",
            json!({"name": "  ", "email": "a@example.com"}).to_string(),
            400,
            "name",
        ),
        (
            "same email, other case",
            Method::POST,
            "/users",
            json!({"name": "B", "email": "EXISTING@example.COM"}).to_string(),
            409,
            "email",
        ),
        (
            "name over 255 characters",
            Method::POST,
            "/users",
            json!({"name": long_name, "email": "b@example.com"}).to_string(),
            400,
            "name",
        ),
        (
            "unknown field",
            Method::POST,
            "/users",
            json!({"name": "A", "email": "a@example.com", "role": "admin"}).to_string(),
            400,
            "role",
        ),
        (
            "type mismatch",
            Method::POST,
            "/users",
            json!({"name": 42, "email": "a@example.com"}).to_string(),
            400,
            "name",
        ),
        (
            "malformed JSON",
            Method::POST,
            "/users",
            "{\"name\": \"A\", ".to_owned(),
            400,
            "body",
        ),
        (
            "body over 64 KiB",
            Method::POST,
            "/users",
            json!({"name": huge_name, "email": "a@example.com"}).to_string(),
            413,
            "body",
        ),
        (
            "patch: email taken",
            Method::PATCH,
            "/users/1",
            json!({"email": "Existing@Example.com"}).to_string(),
            409,
            "email",
        ),
        (
            "patch: invalid name",
            Method::PATCH,
            &existing_path,
            json!({"name": ""}).to_string(),
            400,
            "name",
        ),
        (
            "patch: unknown field",
            Method::PATCH,
            &existing_path,
            json!({"status": "active"}).to_string(),
            400,
            "status",
        ),
        (
            "patch: number as name",
            Method::PATCH,
            &existing_path,
            json!({"name": 5}).to_string(),
            400,
            "name",
        ),
        (
            "invite: invalid email",
            Method::POST,
            "/invite",
            json!({"email": "x@"}).to_string(),
            400,
            "email",
        ),
        (
            "invite: name too long",
            Method::POST,
            "/invite",
            json!({"email": "new@example.com", "name": "y".repeat(300)}).to_string(),
            400,
            "name",
        ),
        (
            "login: missing email",
            Method::POST,
            "/login",
            json!({}).to_string(),
            400,
            "email",
        ),
    ];

    for (case, method, path, body, status, field) in cases {
        let before = snapshot(&app).await;

        let response = app
            .bearer(method, path, &token)
            .header(CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_problem(response, status, Some(field), case).await;

        assert_eq!(snapshot(&app).await, before, "{case}: nothing changed");
    }

    // A body that is not JSON at all.
    let response = app
        .bearer(Method::POST, "/users", &token)
        .header(CONTENT_TYPE, "text/plain")
        .body("name=A")
        .send()
        .await
        .unwrap();
    assert_problem(response, 415, Some("body"), "text/plain body").await;
}

async fn invalid_paths_and_queries_are_rejected(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.sign_in("admin@example.com").await;

    let page: Value = app
        .bearer(Method::GET, "/users?limit=1", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["users"].as_array().unwrap().len(), 1);
    let response = app
        .bearer(Method::POST, "/users", &token)
        .json(&json!({"name": "Second", "email": "second@example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let page: Value = app
        .bearer(Method::GET, "/users?limit=1", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let cursor = page["next_cursor"]
        .as_str()
        .expect("a next page")
        .to_owned();
    let mut tampered = cursor.clone().into_bytes();
    tampered[2] = if tampered[2] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();

    let cases = [
        ("non-numeric id", "/users/abc".to_owned(), "id"),
        ("id 0", "/users/0".to_owned(), "id"),
        ("id -1", "/users/-1".to_owned(), "id"),
        ("limit 0", "/users?limit=0".to_owned(), "limit"),
        ("limit 201", "/users?limit=201".to_owned(), "limit"),
        ("limit abc", "/users?limit=abc".to_owned(), "limit"),
        (
            "tampered cursor",
            format!("/users?cursor={tampered}"),
            "cursor",
        ),
        (
            "garbage cursor",
            "/users?cursor=%25%25".to_owned(),
            "cursor",
        ),
    ];
    for (case, path, field) in cases {
        let response = app.bearer(Method::GET, &path, &token).send().await.unwrap();
        assert_problem(response, 400, Some(field), case).await;
    }

    let before = snapshot(&app).await;
    for (case, method) in [
        ("patch id abc", Method::PATCH),
        ("delete id abc", Method::DELETE),
    ] {
        let response = app
            .bearer(method, "/users/abc", &token)
            .json(&json!({"name": "Changed"}))
            .send()
            .await
            .unwrap();
        assert_problem(response, 400, Some("id"), case).await;
    }
    let response = app
        .bearer(Method::DELETE, "/users/999999", &token)
        .send()
        .await
        .unwrap();
    assert_problem(response, 404, None, "delete unknown id").await;
    assert_eq!(snapshot(&app).await, before);

    let response = app.client.get(app.url("/logout")).send().await.unwrap();
    assert_problem(response, 405, None, "GET /logout").await;
    let response = app
        .client
        .get(app.url("/no/such/path"))
        .send()
        .await
        .unwrap();
    assert_problem(response, 404, None, "unknown path").await;
}

async fn ambiguous_emails_are_rejected_before_sending(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.sign_in("admin@example.com").await;

    let emails = [
        "admin@example.com,evil@example.com",
        "admin@example.com;evil@example.com",
        "admin@example.com\r\nBcc: evil@example.com",
        "\"admin@example.com\"@example.com",
        "admin\u{ff20}example.com",
    ];

    for email in emails {
        for (path, body) in [
            ("/login", json!({ "email": email })),
            ("/invite", json!({ "email": email, "name": "Evil" })),
            ("/users", json!({ "email": email, "name": "Evil" })),
        ] {
            let before = snapshot(&app).await;

            let response = app
                .bearer(Method::POST, path, &token)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_problem(response, 400, Some("email"), &format!("{path} {email:?}")).await;

            // Sign-in links are sent after the response, so wait for one to appear.
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            assert_eq!(
                snapshot(&app).await,
                before,
                "{path} {email:?}: nothing sent or stored"
            );
        }
    }
}

async fn used_and_expired_links_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;

    // A used link: rejected with 401 for programs, and for browsers with a
    // redirect to the sign-in page that names the reason.
    let response = app
        .post_json("/login", &json!({ "email": "admin@example.com" }))
        .await;
    assert_eq!(response.status(), 202);
    let token = token_of(&app.wait_for_link("admin@example.com", 0).await);
    let response = app
        .post_json("/authenticate", &json!({ "token": token }))
        .await;
    assert_eq!(response.status(), 200);

    let response = app
        .post_json("/authenticate", &json!({ "token": token }))
        .await;
    let problem = assert_problem(response, 401, Some("token"), "used link").await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("already been used")
    );

    let response = app
        .client
        .post(app.url("/authenticate"))
        .header(ORIGIN, &app.address)
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(
        response.headers()["location"],
        format!("{}/sign-in?error=used", app.web_url)
    );

    // An expired link.
    let response = app
        .post_json("/login", &json!({ "email": "admin@example.com" }))
        .await;
    assert_eq!(response.status(), 202);
    let token = token_of(&app.wait_for_link("admin@example.com", 1).await);
    sqlx::query("UPDATE magic_links SET expires_at = 0 WHERE used_at IS NULL")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let response = app
        .post_json("/authenticate", &json!({ "token": token }))
        .await;
    let problem = assert_problem(response, 401, Some("token"), "expired link").await;
    assert!(problem["detail"].as_str().unwrap().contains("expired"));

    // A made-up token.
    let response = app
        .post_json("/authenticate", &json!({ "token": "made-up" }))
        .await;
    assert_problem(response, 401, Some("token"), "unknown link").await;
    let response = app
        .post_json("/authenticate", &json!({ "token": "" }))
        .await;
    assert_problem(response, 400, Some("token"), "empty token").await;

    let sessions: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM sessions")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(sessions.0, 1, "only the first use created a session");
}

async fn session_rules_are_enforced(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.sign_in("admin@example.com").await;
    let before = snapshot(&app).await;

    // A session token in the query string is ignored.
    for path in [format!("/me?session={token}"), format!("/me?token={token}")] {
        let response = app.client.get(app.url(&path)).send().await.unwrap();
        assert_problem(response, 401, None, "token in query").await;
    }

    // Cookie-authenticated writes need an Origin of ours.
    let body = json!({"name": "Mallory", "email": "mallory@example.com"});
    let response = app
        .client
        .post(app.url("/users"))
        .header("cookie", format!("session={token}"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_problem(response, 403, None, "cookie POST without Origin").await;

    let response = app
        .client
        .post(app.url("/users"))
        .header("cookie", format!("session={token}"))
        .header(ORIGIN, "https://evil.example")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_problem(response, 403, None, "cookie POST from another origin").await;

    // The sign-in form from another site is refused too.
    let response = app
        .client
        .post(app.url("/authenticate"))
        .header(ORIGIN, "https://evil.example")
        .form(&[("token", "anything")])
        .send()
        .await
        .unwrap();
    assert_problem(
        response,
        403,
        None,
        "form POST /authenticate from another origin",
    )
    .await;
    assert_eq!(snapshot(&app).await, before);

    // The same request with our Origin, and with a bearer token, work.
    let response = app
        .client
        .post(app.url("/users"))
        .header("cookie", format!("session={token}"))
        .header(ORIGIN, &app.web_url)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);

    // An expired session is refused.
    sqlx::query("UPDATE sessions SET expires_at = 0")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let response = app.bearer(Method::GET, "/me", &token).send().await.unwrap();
    assert_problem(response, 401, None, "expired session").await;
}
