//! Logging: tracing to standard output, as text or JSON, and one line per
//! request.

use std::io::IsTerminal;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};
use tracing::Instrument;
use tracing_subscriber::EnvFilter;

use crate::auth::guard::SignedIn;
use crate::settings::LogFormat;
use crate::startup::AppState;

/// Installs the global subscriber; `RUST_LOG` overrides the default level.
pub fn init(format: LogFormat) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    // Colours only on a terminal, so that a log file can be searched as text.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(std::io::stdout().is_terminal());

    // A second call (tests start many servers in one process) keeps the first.
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}

pub static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Tags each request with an id (an incoming `X-Request-Id` of up to 64
/// safe characters is kept) and logs one line when it completes.
///
/// The line has the route pattern, never the raw path or query, so that a
/// token in a URL cannot reach the log.
pub async fn log_requests(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();

    let request_id = request
        .headers()
        .get(&REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .filter(|value| is_well_formed(value))
        .map(str::to_owned)
        .unwrap_or_else(new_request_id);

    let method = request.method().to_string();
    let span = tracing::info_span!("request", request_id = %request_id);

    let mut response = match next.call(request).instrument(span.clone()).await {
        Ok(response) => response,
        Err(error) => {
            // Inner services turn errors into responses, so this is a fault
            // that actix converts into a response after this middleware.
            span.in_scope(|| tracing::error!(method, %error, "request failed"));
            return Err(error);
        }
    };
    // Rounded to a tenth of a millisecond, as a number in JSON logs.
    let latency_ms = (started.elapsed().as_secs_f64() * 10_000.0).round() / 10.0;

    // The web app's files are served under the empty pattern of `/`.
    let route = match response.request().match_pattern() {
        Some(pattern) if pattern.is_empty() => "static".to_owned(),
        Some(pattern) => pattern,
        None => "unmatched".to_owned(),
    };
    let status = response.status().as_u16();
    let user_id = response
        .request()
        .extensions()
        .get::<SignedIn>()
        .map(|signed_in| signed_in.user.id);

    if let Some(state) = response.request().app_data::<web::Data<AppState>>() {
        state
            .metrics
            .observe_request(&method, &route, status, started.elapsed());
    }

    span.in_scope(|| {
        tracing::info!(method, route, status, latency_ms, user_id, "request");
    });

    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID.clone(), value);
    }
    Ok(response)
}

fn is_well_formed(value: &str) -> bool {
    (1..=64).contains(&value.len())
        && value
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.'))
}

fn new_request_id() -> String {
    let mut bytes = [0u8; 12];
    rand::fill(&mut bytes);
    hex::encode(bytes)
}
