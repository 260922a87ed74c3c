//! What an operator relies on: probes, metrics, request ids, TLS to
//! MySQL, and a graceful stop on SIGTERM.

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use common::fake_stytch::{FakeStytch, PROJECT_ID, SECRET};
use common::{Backend, TestApp, token_of};
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probes_report_status() {
    let app = TestApp::spawn(Backend::Sqlite).await;

    let response = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");

    let response = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["checks"]["database"], "ok");
    assert_eq!(body["checks"]["identity_provider"], "ok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_fails_without_stytch_keys() {
    let fake = FakeStytch::start();
    let url = fake.url.clone();
    drop(fake);

    let app = TestApp::spawn_with(
        Backend::Sqlite,
        &[
            ("AUTH_PROVIDER", "stytch"),
            ("STYTCH_PROJECT_ID", PROJECT_ID),
            ("STYTCH_SECRET", SECRET),
            ("STYTCH_API_URL", &url),
            ("STYTCH_TIMEOUT_MS", "500"),
        ],
    )
    .await;

    let response = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(response.status(), 503);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "unavailable");
    assert_eq!(body["checks"]["database"], "ok");
    assert!(
        body["checks"]["identity_provider"]
            .as_str()
            .unwrap()
            .contains("JWKS"),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_requests_and_pool() {
    let app = TestApp::spawn_with(Backend::Sqlite, &[("METRICS_ADDR", "127.0.0.1:0")]).await;
    let metrics_address = app.metrics_address.clone().expect("a metrics listener");

    for _ in 0..3 {
        app.client.get(app.url("/healthz")).send().await.unwrap();
    }
    app.client.get(app.url("/me")).send().await.unwrap();
    let token = app.sign_in("admin@example.com").await;
    app.bearer(Method::GET, "/users/5", &token)
        .send()
        .await
        .unwrap();

    let response = app
        .client
        .get(format!("{metrics_address}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();

    for expected in [
        r#"http_requests_total{method="GET",route="/healthz",status="200"} 3"#,
        r#"http_requests_total{method="GET",route="/me",status="401"} 1"#,
        r#"http_requests_total{method="GET",route="/users/{id}",status="404"} 1"#,
        r#"http_request_duration_seconds_bucket{method="GET",route="/healthz",le="+Inf"} 3"#,
        r#"identity_provider_calls_total{endpoint="send_email",outcome="ok"} 1"#,
        "db_pool_max_connections 10",
        r#"db_pool_connections{state="idle"}"#,
    ] {
        assert!(text.contains(expected), "missing {expected} in:\n{text}");
    }

    // The public listener does not serve the metrics.
    let response = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_ids_are_kept_or_made() {
    let app = TestApp::spawn(Backend::Sqlite).await;

    let response = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "load-balancer-123")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "load-balancer-123");

    for malformed in ["has spaces", "<script>", &"x".repeat(65)] {
        let response = app
            .client
            .get(app.url("/healthz"))
            .header("x-request-id", malformed)
            .send()
            .await
            .unwrap();
        let id = response.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_owned();
        assert_ne!(id, malformed);
        assert_eq!(id.len(), 24, "a generated id replaces {malformed:?}");
    }
}

/// Connects to a MariaDB server that speaks TLS with a certificate from a
/// CA made by `scripts/mariadb-tls`, verifying the host name as
/// PlanetScale URLs ask (`ssl-mode=VERIFY_IDENTITY`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_over_verified_tls() {
    let Ok(server) = std::env::var("TEST_MYSQL_TLS_URL") else {
        assert!(
            std::env::var("REQUIRE_MYSQL_TLS").as_deref() != Ok("1"),
            "REQUIRE_MYSQL_TLS=1 but TEST_MYSQL_TLS_URL is not set"
        );
        eprintln!("skipping the TLS test: set TEST_MYSQL_TLS_URL (scripts/mariadb-tls prints one)");
        return;
    };
    let _ = rustls::crypto::ring::default_provider().install_default();
    sqlx::any::install_default_drivers();

    let (base, query) = server
        .split_once("/?")
        .expect("a URL like mysql://host:port/?ssl-mode=…");
    let name = format!("dashboard_tls_{}", std::process::id());

    let mut admin = <sqlx::AnyConnection as sqlx::Connection>::connect(&server)
        .await
        .expect("TLS connection");
    sqlx::Executor::execute(
        &mut admin,
        sqlx::AssertSqlSafe(format!("CREATE DATABASE IF NOT EXISTS {name}")),
    )
    .await
    .unwrap();

    let settings = api::settings::Settings::from_map(
        [("DATABASE_URL".to_owned(), format!("{base}/{name}?{query}"))].into(),
    )
    .unwrap();
    let db = api::db::Db::connect(&settings.database)
        .await
        .expect("the pool connects over TLS");
    db.migrate().await.expect("migrations run over TLS");

    let (_, cipher): (String, String) = sqlx::query_as("SHOW SESSION STATUS LIKE 'Ssl_cipher'")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert!(!cipher.is_empty(), "the connection is encrypted");
    db.pool.close().await;

    // Without our CA the same server is refused: the certificate is checked.
    let without_ca = format!("{base}/{name}?ssl-mode=VERIFY_IDENTITY");
    let settings =
        api::settings::Settings::from_map([("DATABASE_URL".to_owned(), without_ca)].into())
            .unwrap();
    assert!(api::db::Db::connect(&settings.database).await.is_err());

    sqlx::Executor::execute(
        &mut admin,
        sqlx::AssertSqlSafe(format!("DROP DATABASE {name}")),
    )
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_accepted_requests_finish() {
    stop_during_a_burst("-TERM").await;
}

/// Ctrl-C in a terminal sends SIGINT, which must drain requests the same way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_lets_accepted_requests_finish() {
    stop_during_a_burst("-INT").await;
}

/// Sends `signal` during a burst: requests already accepted finish with
/// complete responses, then the process exits 0.
async fn stop_during_a_burst(signal: &str) {
    let fake = FakeStytch::start();
    let folder = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let address = format!("http://127.0.0.1:{port}");

    let mut server = Command::new(env!("CARGO_BIN_EXE_api"))
        .arg("serve")
        .env_clear()
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/dashboard.db", folder.path().display()),
        )
        .env("BIND_ADDR", format!("127.0.0.1:{port}"))
        .env("PUBLIC_URL", &address)
        .env("WEB_DIR", "")
        .env("AUTH_PROVIDER", "stytch")
        .env("STYTCH_PROJECT_ID", PROJECT_ID)
        .env("STYTCH_SECRET", SECRET)
        .env("STYTCH_API_URL", &fake.url)
        .env("ADMIN_EMAIL", "admin@example.com")
        .env("SHUTDOWN_TIMEOUT_SECONDS", "20")
        .current_dir(folder.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the api binary starts");

    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let mut ready = false;
    for _ in 0..100 {
        if client
            .get(format!("{address}/healthz"))
            .send()
            .await
            .is_ok()
        {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ready, "the server answers /healthz");

    // Sign in, then make every Stytch call take a second, so that the
    // invites below are in flight when the signal arrives.
    let response = client
        .post(format!("{address}/login"))
        .json(&json!({ "email": "admin@example.com" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    let link = fake.wait_for_link("admin@example.com", 0).await;
    let session: Value = client
        .post(format!("{address}/authenticate"))
        .json(&json!({ "token": token_of(&link) }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let jwt = session["session_jwt"].as_str().unwrap().to_owned();
    fake.inject_fault(json!({ "latency_ms": 1000 })).await;

    let invites: Vec<_> = (0..20)
        .map(|number| {
            let request = client
                .post(format!("{address}/invite"))
                .bearer_auth(&jwt)
                .json(&json!({ "email": format!("burst{number}@example.com") }));
            tokio::spawn(async move {
                let response = request.send().await?;
                let status = response.status();
                let body: Value = response.json().await?;
                Ok::<_, reqwest::Error>((status, body))
            })
        })
        .collect();

    tokio::time::sleep(Duration::from_millis(300)).await;
    let killed = Command::new("kill")
        .args([signal, &server.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());

    for (number, invite) in invites.into_iter().enumerate() {
        let (status, body) = invite
            .await
            .unwrap()
            .unwrap_or_else(|error| panic!("invite {number} got no complete response: {error}"));
        assert_eq!(status, 201, "invite {number}: {body}");
        assert_eq!(body["email"], format!("burst{number}@example.com"));
    }

    // New connections are refused once the server has stopped listening.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        client
            .get(format!("{address}/healthz"))
            .send()
            .await
            .is_err()
    );

    let status = tokio::task::spawn_blocking(move || server.wait())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status.code(), Some(0), "the server exits 0");
}
