//! The whole life of a session and of the users it administers, over HTTP
//! against the real server, on SQLite and on MySQL.

mod common;

use common::{Backend, TestApp, assert_problem, cookie_value, token_of};
use reqwest::Method;
use reqwest::header::{LOCATION, ORIGIN};
use serde_json::{Value, json};

on_both_backends!(
    whole_flow_through_the_browser_path,
    unknown_email_gets_the_same_answer,
    paging_visits_every_user_once,
    search_matches_wildcards_literally,
    invite_creates_then_resends,
);

async fn whole_flow_through_the_browser_path(backend: Backend) {
    let app = TestApp::spawn(backend).await;

    // POST /login returns at once; the link arrives in the outbox.
    let response = app
        .post_json("/login", &json!({ "email": "Admin@Example.com" }))
        .await;
    assert_eq!(response.status(), 202);
    let link = app.wait_for_link("admin@example.com", 0).await;
    assert!(link.starts_with(&app.url("/authenticate?token=")), "{link}");

    // The landing page does not use up the token.
    let page = app.client.get(&link).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["cache-control"], "no-store");
    // Only the origin in Referer; `no-referrer` would make browsers post
    // the form with `Origin: null`.
    assert_eq!(page.headers()["referrer-policy"], "strict-origin");
    let html = page.text().await.unwrap();
    let token = token_of(&link);
    assert!(
        html.contains(&format!("value=\"{token}\"")),
        "the page posts the token"
    );
    assert!(html.contains("method=\"post\""));

    // The form post signs in and redirects to the SPA.
    let response = app
        .client
        .post(app.url("/authenticate"))
        .header(ORIGIN, &app.address)
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()[LOCATION], format!("{}/", app.web_url));
    let set_cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
    assert!(set_cookie.contains("SameSite=Lax"), "{set_cookie}");
    assert!(set_cookie.contains("Path=/"), "{set_cookie}");
    assert!(!set_cookie.contains("Secure"), "plain http: {set_cookie}");
    let session = cookie_value(response.headers(), "session").expect("a session cookie");

    // GET /me returns the admin, now active.
    let me: Value = app
        .browser(Method::GET, "/me", &session)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["user"]["email"], "admin@example.com");
    assert_eq!(me["user"]["status"], "active");
    assert!(me["user"]["last_login_at"].is_string());
    assert!(me["expires_at"].is_string());

    // Add a user, then read it back through its Location.
    let response = app
        .browser(Method::POST, "/users", &session)
        .json(&json!({ "name": " Grace Hopper ", "email": "Grace@Example.com" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let location = response.headers()[LOCATION].to_str().unwrap().to_owned();
    let created: Value = response.json().await.unwrap();
    assert_eq!(created["name"], "Grace Hopper");
    assert_eq!(created["email"], "Grace@Example.com");
    assert_eq!(created["status"], "invited");
    assert_eq!(created["last_login_at"], Value::Null);
    assert_eq!(location, format!("/users/{}", created["id"]));
    assert_eq!(
        app.count_messages_to("grace@example.com"),
        0,
        "adding a user sends nothing"
    );

    let fetched: Value = app
        .browser(Method::GET, &location, &session)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(fetched, created);

    // Edit the name.
    let response = app
        .browser(Method::PATCH, &location, &session)
        .json(&json!({ "name": "Grace Brewster Hopper" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let edited: Value = response.json().await.unwrap();
    assert_eq!(edited["name"], "Grace Brewster Hopper");
    assert_eq!(edited["email"], "Grace@Example.com");

    // List and search.
    let page: Value = app
        .browser(Method::GET, "/users", &session)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["users"].as_array().unwrap().len(), 2);
    assert_eq!(page["next_cursor"], Value::Null);
    let found: Value = app
        .browser(Method::GET, "/users?q=brewster", &session)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(found["users"].as_array().unwrap().len(), 1);
    assert_eq!(found["users"][0]["id"], created["id"]);

    // Invite a new user, whose invite link signs them in.
    let response = app
        .browser(Method::POST, "/invite", &session)
        .json(&json!({ "email": "ada@example.com", "name": "Ada Lovelace" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let invited: Value = response.json().await.unwrap();
    assert_eq!(invited["status"], "invited");
    let invite_link = app.wait_for_link("ada@example.com", 0).await;
    let response = app
        .post_json("/authenticate", &json!({ "token": token_of(&invite_link) }))
        .await;
    assert_eq!(response.status(), 200);
    let ada: Value = response.json().await.unwrap();
    assert_eq!(ada["user"]["status"], "active");
    let ada_token = ada["session_token"].as_str().unwrap().to_owned();
    let response = app
        .bearer(Method::GET, "/me", &ada_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    // Delete Ada: her session is refused at once, and she is gone.
    let ada_path = format!("/users/{}", invited["id"]);
    let response = app
        .browser(Method::DELETE, &ada_path, &session)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let response = app
        .bearer(Method::GET, "/me", &ada_token)
        .send()
        .await
        .unwrap();
    assert_problem(response, 401, None, "deleted user's session").await;
    let response = app
        .browser(Method::GET, &ada_path, &session)
        .send()
        .await
        .unwrap();
    assert_problem(response, 404, None, "deleted user").await;

    // A user cannot delete their own account.
    let admin_path = format!("/users/{}", me["user"]["id"]);
    let response = app
        .browser(Method::DELETE, &admin_path, &session)
        .send()
        .await
        .unwrap();
    assert_problem(response, 409, Some("id"), "self-delete").await;

    // Sign out: the cookie is cleared and the session no longer works;
    // signing out again still succeeds.
    let response = app
        .browser(Method::POST, "/logout", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    assert_eq!(
        cookie_value(response.headers(), "session").as_deref(),
        Some("")
    );
    let response = app
        .browser(Method::GET, "/me", &session)
        .send()
        .await
        .unwrap();
    assert_problem(response, 401, None, "after logout").await;
    let response = app
        .browser(Method::POST, "/logout", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
}

async fn unknown_email_gets_the_same_answer(backend: Backend) {
    let app = TestApp::spawn(backend).await;

    let known = app
        .post_json("/login", &json!({ "email": "admin@example.com" }))
        .await;
    let unknown = app
        .post_json("/login", &json!({ "email": "nobody@example.com" }))
        .await;

    assert_eq!(known.status(), unknown.status());
    let names = |response: &reqwest::Response| {
        let mut names: Vec<String> = response
            .headers()
            .keys()
            .map(|name| name.as_str().to_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(names(&known), names(&unknown));
    assert_eq!(
        known.headers()["content-length"],
        unknown.headers()["content-length"]
    );
    assert_eq!(known.text().await.unwrap(), unknown.text().await.unwrap());

    // The known address gets its link; the unknown one gets nothing.
    app.wait_for_link("admin@example.com", 0).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(app.count_messages_to("nobody@example.com"), 0);
    assert_eq!(app.user_count().await, 1);
}

async fn paging_visits_every_user_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.sign_in("admin@example.com").await;

    for number in 0..11 {
        let response = app
            .bearer(Method::POST, "/users", &token)
            .json(&json!({ "name": format!("User {number}"), "email": format!("user{number}@example.com") }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
    }

    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(cursor) => format!("/users?limit=5&cursor={cursor}"),
            None => "/users?limit=5".to_owned(),
        };
        let page: Value = app
            .bearer(Method::GET, &path, &token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        pages += 1;

        let users = page["users"].as_array().unwrap();
        assert!(users.len() <= 5);
        ids.extend(users.iter().map(|user| user["id"].as_i64().unwrap()));

        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }

    assert_eq!(pages, 3);
    assert_eq!(ids.len(), 12);
    assert!(
        ids.windows(2).all(|pair| pair[0] < pair[1]),
        "ids ascend: {ids:?}"
    );
}

async fn search_matches_wildcards_literally(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.sign_in("admin@example.com").await;

    for (name, email) in [
        ("Percent 100% Sure", "percent@example.com"),
        ("Under_score", "under@example.com"),
        ("Plain Name", "plain_mail@example.com"),
        ("Nothing Special", "nothing@example.com"),
    ] {
        let response = app
            .bearer(Method::POST, "/users", &token)
            .json(&json!({ "name": name, "email": email }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
    }

    let search = |q: &'static str| {
        let app = &app;
        let token = &token;
        async move {
            let url = reqwest::Url::parse_with_params(&app.url("/users"), &[("q", q)]).unwrap();
            let page: Value = app
                .client
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let mut names: Vec<String> = page["users"]
                .as_array()
                .unwrap()
                .iter()
                .map(|user| user["name"].as_str().unwrap().to_owned())
                .collect();
            names.sort();
            names
        }
    };

    assert_eq!(search("%").await, vec!["Percent 100% Sure"]);
    assert_eq!(search("_").await, vec!["Plain Name", "Under_score"]);
    assert_eq!(search("PLAIN").await, vec!["Plain Name"]);
    assert_eq!(search("NOTHING@").await, vec!["Nothing Special"]);
    assert_eq!(search("!").await, Vec::<String>::new());
}

async fn invite_creates_then_resends(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.sign_in("admin@example.com").await;

    let invite = |email: &'static str| {
        app.bearer(Method::POST, "/invite", &token)
            .json(&json!({ "email": email }))
            .send()
    };

    let response = invite("turing@example.com").await.unwrap();
    assert_eq!(response.status(), 201);
    let user: Value = response.json().await.unwrap();
    assert_eq!(
        user["name"], "turing",
        "the name defaults to the local part"
    );
    app.wait_for_link("turing@example.com", 0).await;

    let response = invite("TURING@example.com").await.unwrap();
    assert_eq!(response.status(), 200);
    let again: Value = response.json().await.unwrap();
    assert_eq!(again["id"], user["id"]);
    app.wait_for_link("turing@example.com", 1).await;

    // Both links work: re-sending does not revoke the first one.
    assert_eq!(app.user_count().await, 2);
}
