//! The fake Stytch server, started as its own process on a free loopback
//! port, with helpers for its test-only `/_fake` endpoints.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

pub const PROJECT_ID: &str = "project-test-11111111-2222-3333-4444-555555555555";
pub const SECRET: &str = "secret-test-fake";

pub struct FakeStytch {
    pub url: String,
    pub client: reqwest::Client,
    process: Child,
}

impl Drop for FakeStytch {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// Locates the fake's binary: `FAKE_STYTCH_BIN`, or the workspace's debug build
/// (`cargo build --workspace --bins` makes it).
fn binary() -> PathBuf {
    if let Ok(path) = std::env::var("FAKE_STYTCH_BIN") {
        return PathBuf::from(path);
    }
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../target")));
    target.join("debug").join("fake-stytch")
}

impl FakeStytch {
    pub fn start() -> FakeStytch {
        Self::start_with(&[])
    }

    pub fn start_with(arguments: &[&str]) -> FakeStytch {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let binary = binary();
        let mut process = Command::new(&binary)
            .args([
                "--port",
                "0",
                "--project-id",
                PROJECT_ID,
                "--secret",
                SECRET,
            ])
            .args(arguments)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| {
                panic!(
                    "cannot start {} ({error}); build it with `cargo build --workspace --bins`",
                    binary.display()
                )
            });

        // The first line names the address it listens on; the rest is
        // drained so that the fake never blocks on a full pipe.
        let stdout = process.stdout.take().expect("the fake's stdout is piped");
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        reader
            .read_line(&mut line)
            .expect("the fake prints its address");
        std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
        let url = line
            .split_whitespace()
            .find(|word| word.starts_with("http://"))
            .unwrap_or_else(|| panic!("no address in the fake's first line: {line:?}"))
            .trim_end_matches('/')
            .to_owned();

        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .expect("an HTTP client");

        FakeStytch {
            url,
            client,
            process,
        }
    }

    async fn get(&self, path: &str) -> Value {
        self.client
            .get(format!("{}{path}", self.url))
            .send()
            .await
            .expect("the fake answers")
            .json()
            .await
            .expect("the fake answers JSON")
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        let response = self
            .client
            .post(format!("{}{path}", self.url))
            .json(&body)
            .send()
            .await
            .expect("the fake answers");
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.unwrap_or(Value::Null)
    }

    /// Lists the links the fake has emailed to `email`, oldest first.
    pub async fn links_to(&self, email: &str) -> Vec<String> {
        let outbox = self.get("/_fake/outbox").await;
        outbox
            .as_array()
            .or_else(|| outbox["messages"].as_array())
            .expect("the outbox is a list")
            .iter()
            .filter(|message| {
                message["email"]
                    .as_str()
                    .is_some_and(|to| to.eq_ignore_ascii_case(email))
            })
            .map(|message| message["link"].as_str().expect("a link").to_owned())
            .collect()
    }

    /// Waits until `email` has more than `seen` links, and returns the newest.
    pub async fn wait_for_link(&self, email: &str, seen: usize) -> String {
        for _ in 0..100 {
            let links = self.links_to(email).await;
            if links.len() > seen {
                return links[seen].clone();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the fake emailed no link #{seen} to {email}");
    }

    /// Calls to the `/v1` API since the last reset, by "METHOD /path".
    pub async fn calls(&self) -> std::collections::BTreeMap<String, u64> {
        let stats = self.get("/_fake/stats").await;
        let counts = stats.get("requests").unwrap_or(&stats);
        counts
            .as_object()
            .expect("the stats are an object")
            .iter()
            .filter(|(key, _)| key.contains(" /v1/"))
            .filter_map(|(key, count)| Some((key.clone(), count.as_u64()?)))
            .collect()
    }

    pub async fn total_calls(&self) -> u64 {
        self.calls().await.values().sum()
    }

    pub async fn calls_to(&self, method_and_path_prefix: &str) -> u64 {
        self.calls()
            .await
            .iter()
            .filter(|(key, _)| key.starts_with(method_and_path_prefix))
            .map(|(_, count)| count)
            .sum()
    }

    pub async fn reset_stats(&self) {
        self.post("/_fake/stats/reset", json!({})).await;
    }

    pub async fn inject_fault(&self, fault: Value) {
        self.post("/_fake/faults", fault).await;
    }

    pub async fn clear_faults(&self) {
        self.client
            .delete(format!("{}/_fake/faults", self.url))
            .send()
            .await
            .expect("the fake answers");
    }

    pub async fn rotate_key(&self) {
        self.post("/_fake/rotate-key", json!({})).await;
    }

    /// Signs a JWT over `claims` with the fake's current key. A `kid`
    /// overrides the key id in the header.
    pub async fn sign_jwt(&self, claims: Value, kid: Option<&str>) -> String {
        let mut body = json!({ "claims": claims });
        if let Some(kid) = kid {
            body["kid"] = json!(kid);
        }
        let answer = self.post("/_fake/jwt", body).await;
        answer["jwt"]
            .as_str()
            .or_else(|| answer["token"].as_str())
            .or_else(|| answer.as_str())
            .expect("the fake returns the signed JWT")
            .to_owned()
    }

    /// Lists the key ids the fake serves.
    pub async fn key_ids(&self) -> Vec<String> {
        let response = self
            .client
            .get(format!("{}/v1/sessions/jwks/{PROJECT_ID}", self.url))
            .basic_auth(PROJECT_ID, Some(SECRET))
            .send()
            .await
            .expect("the fake answers");
        let jwks: Value = response.json().await.expect("a JWKS");
        jwks["keys"]
            .as_array()
            .expect("a key list")
            .iter()
            .filter_map(|key| key["kid"].as_str().map(str::to_owned))
            .collect()
    }
}
