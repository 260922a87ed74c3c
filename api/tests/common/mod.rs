//! A real server on a free port over a real database, and readable
//! request helpers for the tests.

#![allow(dead_code)]

pub mod fake_stytch;

use std::collections::HashMap;
use std::net::TcpListener;
use std::path::PathBuf;
use std::time::Duration;

use api::db::Db;
use api::settings::Settings;
use api::startup::Application;
use reqwest::header::{HeaderMap, ORIGIN, SET_COOKIE};
use reqwest::{Method, Response};
use serde_json::{Value, json};
use sqlx::Executor;

/// The database engines every scenario runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    MySql,
}

/// Declares one test per backend for a scenario `async fn(Backend)`.
#[macro_export]
macro_rules! on_both_backends {
    ($($scenario:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    super::$scenario($crate::common::Backend::Sqlite).await;
                }
            )*
        }

        mod mysql {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    if !$crate::common::mysql_available().await {
                        return;
                    }
                    super::$scenario($crate::common::Backend::MySql).await;
                }
            )*
        }
    };
}

/// Returns the URL of the MySQL server the tests create their databases on.
pub fn mysql_server_url() -> String {
    std::env::var("TEST_MYSQL_URL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".to_owned())
}

/// Reports whether the MySQL tests can run. When `REQUIRE_MYSQL=1` (as in CI), an
/// unreachable server fails the test instead of skipping it.
pub async fn mysql_available() -> bool {
    sqlx::any::install_default_drivers();
    let reachable = <sqlx::AnyConnection as sqlx::Connection>::connect(&mysql_server_url()).await;

    match reachable {
        Ok(_) => true,
        Err(error) if std::env::var("REQUIRE_MYSQL").as_deref() == Ok("1") => {
            panic!(
                "REQUIRE_MYSQL=1 but MySQL at {} is unreachable: {error}",
                mysql_server_url()
            )
        }
        Err(error) => {
            eprintln!("skipping a MySQL test: {error} (set REQUIRE_MYSQL=1 to fail instead)");
            false
        }
    }
}

/// The database of one test: a temporary SQLite file, or a fresh MySQL
/// database that is dropped when the test ends.
pub struct TestDatabase {
    pub url: String,
    mysql_name: Option<String>,
    _folder: tempfile::TempDir,
}

impl TestDatabase {
    pub async fn create(backend: Backend) -> TestDatabase {
        let folder = tempfile::tempdir().expect("a temporary folder");

        match backend {
            Backend::Sqlite => TestDatabase {
                url: format!("sqlite://{}/dashboard.db", folder.path().display()),
                mysql_name: None,
                _folder: folder,
            },
            Backend::MySql => {
                let name = format!("dashboard_test_{}", random_suffix());
                let mut connection =
                    <sqlx::AnyConnection as sqlx::Connection>::connect(&mysql_server_url())
                        .await
                        .expect("MySQL is reachable");
                connection
                    .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .await
                    .expect("the test database is created");

                TestDatabase {
                    url: format!("{}/{name}", mysql_server_url().trim_end_matches('/')),
                    mysql_name: Some(name),
                    _folder: folder,
                }
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some(name) = self.mysql_name.take() else {
            return;
        };

        // Drop runs outside async code, so the cleanup gets its own runtime.
        let server = mysql_server_url();
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            if let Ok(runtime) = runtime {
                runtime.block_on(async {
                    if let Ok(mut connection) =
                        <sqlx::AnyConnection as sqlx::Connection>::connect(&server).await
                    {
                        let _ = connection
                            .execute(sqlx::AssertSqlSafe(format!(
                                "DROP DATABASE IF EXISTS {name}"
                            )))
                            .await;
                    }
                });
            }
        })
        .join();
    }
}

fn random_suffix() -> String {
    let mut bytes = [0u8; 6];
    rand::fill(&mut bytes);
    hex::encode(bytes)
}

pub struct TestApp {
    pub address: String,
    /// The metrics listener's address, when METRICS_ADDR was given.
    pub metrics_address: Option<String>,
    pub db: Db,
    pub outbox: PathBuf,
    pub client: reqwest::Client,
    pub web_url: String,
    _database: TestDatabase,
    _folder: tempfile::TempDir,
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, &[]).await
    }

    /// Starts the server with extra settings (environment-variable names).
    pub async fn spawn_with(backend: Backend, extra: &[(&str, &str)]) -> TestApp {
        let _ = rustls::crypto::ring::default_provider().install_default();
        api::telemetry::init(api::settings::LogFormat::Text);

        let database = TestDatabase::create(backend).await;
        let folder = tempfile::tempdir().expect("a temporary folder");
        let outbox = folder.path().join("outbox.jsonl");

        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
        let port = listener.local_addr().expect("a local address").port();
        let address = format!("http://127.0.0.1:{port}");
        let web_url = "http://web.localhost:5173".to_owned();

        let mut environment: HashMap<String, String> = [
            ("DATABASE_URL", database.url.clone()),
            ("BIND_ADDR", format!("127.0.0.1:{port}")),
            ("PUBLIC_URL", address.clone()),
            ("WEB_URL", web_url.clone()),
            ("WEB_DIR", String::new()),
            ("MAIL_OUTBOX", outbox.display().to_string()),
        ]
        .into_iter()
        .map(|(key, value)| (key.to_owned(), value))
        .collect();
        for (key, value) in extra {
            environment.insert((*key).to_owned(), (*value).to_owned());
        }

        let settings = Settings::from_map(environment).expect("test settings are valid");
        let db = Db::connect(&settings.database)
            .await
            .expect("the database connects");
        let application = Application::build_on(settings, listener)
            .await
            .expect("the application starts");
        let metrics_address = application
            .metrics_port()
            .map(|port| format!("http://127.0.0.1:{port}"));
        tokio::spawn(application.run_until_stopped());

        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("an HTTP client");

        TestApp {
            address,
            metrics_address,
            db,
            outbox,
            client,
            web_url,
            _database: database,
            _folder: folder,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Builds a request with a bearer session token, as a program sends it.
    pub fn bearer(&self, method: Method, path: &str, token: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, self.url(path))
            .bearer_auth(token)
    }

    /// Builds a request with the session cookie and an Origin of our own,
    /// as the browser sends it.
    pub fn browser(&self, method: Method, path: &str, cookie: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, self.url(path))
            .header("cookie", format!("session={cookie}"))
            .header(ORIGIN, &self.web_url)
    }

    /// Builds a request with the given Cookie header and an Origin of our own.
    pub fn with_cookies(
        &self,
        method: Method,
        path: &str,
        cookies: &str,
    ) -> reqwest::RequestBuilder {
        self.client
            .request(method, self.url(path))
            .header("cookie", cookies)
            .header(ORIGIN, &self.web_url)
    }

    /// Starts the server with the Stytch provider pointed at `fake`.
    pub async fn spawn_stytch(
        backend: Backend,
        fake: &fake_stytch::FakeStytch,
        extra: &[(&str, &str)],
    ) -> TestApp {
        let mut settings = vec![
            ("AUTH_PROVIDER", "stytch"),
            ("STYTCH_PROJECT_ID", fake_stytch::PROJECT_ID),
            ("STYTCH_SECRET", fake_stytch::SECRET),
            ("STYTCH_API_URL", fake.url.as_str()),
            ("STYTCH_TIMEOUT_MS", "1000"),
            ("ADMIN_EMAIL", "admin@example.com"),
        ];
        settings.extend_from_slice(extra);
        Self::spawn_with(backend, &settings).await
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        self.client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("the request is sent")
    }

    /// Reads the messages of the outbox so far.
    pub fn outbox_messages(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.outbox)
            .unwrap_or_default()
            .lines()
            .map(|line| serde_json::from_str(line).expect("each outbox line is JSON"))
            .collect()
    }

    /// Waits for the next message to `email` after `seen` earlier ones, and
    /// returns its link. Sign-in links are sent after the response.
    pub async fn wait_for_link(&self, email: &str, seen: usize) -> String {
        for _ in 0..100 {
            let links: Vec<String> = self
                .outbox_messages()
                .into_iter()
                .filter(|message| message["to"] == email)
                .map(|message| message["link"].as_str().unwrap_or_default().to_owned())
                .collect();
            if links.len() > seen {
                return links[seen].clone();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no message #{seen} to {email} in the outbox");
    }

    pub fn count_messages_to(&self, email: &str) -> usize {
        self.outbox_messages()
            .iter()
            .filter(|message| {
                message["to"]
                    .as_str()
                    .is_some_and(|to| to.eq_ignore_ascii_case(email))
            })
            .count()
    }

    /// Signs in through POST /login and the emailed link, as a program
    /// does, and returns the session token.
    pub async fn sign_in(&self, email: &str) -> String {
        let seen = self.count_messages_to(email);
        let response = self.post_json("/login", &json!({ "email": email })).await;
        assert_eq!(response.status(), 202);

        let link = self.wait_for_link(email, seen).await;
        let response = self
            .post_json("/authenticate", &json!({ "token": token_of(&link) }))
            .await;
        assert_eq!(response.status(), 200, "signing in {email}");

        let body: Value = response.json().await.expect("a JSON session");
        body["session_token"]
            .as_str()
            .expect("a session token")
            .to_owned()
    }

    pub async fn user_count(&self) -> i64 {
        let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users")
            .fetch_one(&self.db.pool)
            .await
            .expect("users can be counted");
        count
    }
}

/// Extracts the token query parameter of a magic link.
pub fn token_of(link: &str) -> String {
    let url = url::Url::parse(link).expect("the link is a URL");
    url.query_pairs()
        .find(|(key, _)| key == "token")
        .map(|(_, value)| value.into_owned())
        .expect("the link has a token")
}

/// Finds the value of cookie `name` among a response's Set-Cookie headers.
pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find_map(|value| {
            let (pair, _) = value.split_once(';').unwrap_or((value, ""));
            let (key, cookie) = pair.split_once('=')?;
            (key.trim() == name).then(|| cookie.to_owned())
        })
}

/// Asserts a problem+json response with `status` whose `errors` name `field`.
pub async fn assert_problem(
    response: Response,
    status: u16,
    field: Option<&str>,
    case: &str,
) -> Value {
    assert_eq!(response.status(), status, "{case}: status");
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(
        content_type, "application/problem+json",
        "{case}: content type"
    );

    let problem: Value = response.json().await.expect("a problem document");
    assert_eq!(problem["status"], status, "{case}: status in body");
    assert!(problem["title"].is_string(), "{case}: title");
    assert!(problem["detail"].is_string(), "{case}: detail");

    if let Some(field) = field {
        let fields: Vec<&str> = problem["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .filter_map(|error| error["field"].as_str())
                    .collect()
            })
            .unwrap_or_default();
        assert!(
            fields.contains(&field),
            "{case}: errors {fields:?} should name {field}"
        );
    }
    problem
}
