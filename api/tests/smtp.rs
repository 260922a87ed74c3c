//! Delivery of the built-in provider's magic links by SMTP, to a minimal
//! SMTP server on loopback that records what it receives.

mod common;

use std::time::Duration;

use common::{Backend, TestApp, assert_problem};
use reqwest::Method;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// Accepts SMTP sessions and sends the DATA of each message to the channel.
async fn start_smtp_server() -> (u16, mpsc::UnboundedReceiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (sender, receiver) = mpsc::unbounded_channel();

    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let sender = sender.clone();
            tokio::spawn(async move {
                let (reader, mut writer) = stream.into_split();
                let mut lines = BufReader::new(reader).lines();
                writer.write_all(b"220 test-smtp ready\r\n").await?;

                while let Some(line) = lines.next_line().await? {
                    let command = line.to_ascii_uppercase();
                    if command.starts_with("DATA") {
                        writer.write_all(b"354 send the message\r\n").await?;
                        let mut message = String::new();
                        while let Some(line) = lines.next_line().await? {
                            if line == "." {
                                break;
                            }
                            message.push_str(&line);
                            message.push('\n');
                        }
                        let _ = sender.send(message);
                        writer.write_all(b"250 queued\r\n").await?;
                    } else if command.starts_with("QUIT") {
                        writer.write_all(b"221 bye\r\n").await?;
                        break;
                    } else {
                        writer.write_all(b"250 ok\r\n").await?;
                    }
                }
                Ok::<_, std::io::Error>(())
            });
        }
    });

    (port, receiver)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_link_arrives_by_smtp() {
    let (port, mut messages) = start_smtp_server().await;
    let smtp_url = format!("smtp://127.0.0.1:{port}");
    let app = TestApp::spawn_with(
        Backend::Sqlite,
        &[
            ("SMTP_URL", &smtp_url),
            ("MAIL_OUTBOX", ""),
            ("MAIL_FROM", "Dashboard <dashboard@example.com>"),
        ],
    )
    .await;

    let response = app
        .post_json("/login", &json!({ "email": "admin@example.com" }))
        .await;
    assert_eq!(response.status(), 202);

    let message = tokio::time::timeout(Duration::from_secs(10), messages.recv())
        .await
        .expect("a message within ten seconds")
        .expect("the SMTP server is running");
    assert!(message.contains("To: admin@example.com"), "{message}");
    assert!(
        message.contains("From: Dashboard <dashboard@example.com>"),
        "{message}"
    );
    assert!(message.contains("Subject: Your sign-in link"), "{message}");

    // The body is quoted-printable or plain; either way the link's token
    // can be read back and signs in.
    let unfolded = message.replace("=\n", "").replace("=3D", "=");
    let start = unfolded
        .find("/authenticate?token=")
        .expect("a link in the body")
        + "/authenticate?token=".len();
    let token: String = unfolded[start..]
        .chars()
        .take_while(|character| {
            character.is_ascii_alphanumeric() || *character == '-' || *character == '_'
        })
        .collect();
    let response = app
        .post_json("/authenticate", &json!({ "token": token }))
        .await;
    assert_eq!(response.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_smtp_server_leaves_no_invited_user() {
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let smtp_url = format!("smtp://127.0.0.1:{port}");
    let app = TestApp::spawn_with(
        Backend::Sqlite,
        &[("SMTP_URL", &smtp_url), ("MAIL_OUTBOX", "")],
    )
    .await;

    // No link can be delivered, so the admin's session is stored directly.
    let session = api::auth::token::generate();
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, 1, 0, ?)",
    )
    .bind(api::auth::token::hash(&session))
    .bind(i64::MAX)
    .execute(&app.db.pool)
    .await
    .unwrap();

    let response = app
        .bearer(Method::POST, "/invite", &session)
        .json(&json!({ "email": "new@example.com" }))
        .send()
        .await
        .unwrap();
    let problem: Value = assert_problem(response, 503, None, "SMTP down").await;
    assert!(
        problem["detail"].as_str().unwrap().contains("mail server"),
        "{problem}"
    );
    assert_eq!(
        app.user_count().await,
        1,
        "the invited user was removed again"
    );
}
