//! `fake-stytch`: serves the fake Stytch API on a loopback port.

use std::io::Write as _;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;

use clap::Parser;
use fake_stytch::config::{Config, DEFAULT_JWT_LIFETIME_SECONDS, DEFAULT_MAGIC_LINK_URL};
use fake_stytch::server;
use tracing_subscriber::EnvFilter;
use url::Url;

/// In-memory fake of the Stytch consumer API (email magic links, sessions,
/// session JWTs, JWKS) for local runs and tests. State lives in memory only
/// and is lost when the process stops.
#[derive(Parser)]
#[command(version)]
struct Cli {
    /// Loopback address to listen on: 127.0.0.1, ::1 or localhost.
    #[arg(long, default_value = "127.0.0.1", value_parser = parse_loopback)]
    host: IpAddr,

    /// TCP port to listen on; 0 picks a free port, printed on startup.
    #[arg(long, default_value_t = 0)]
    port: u16,

    /// Project id that clients send as the HTTP Basic user name.
    #[arg(long, value_parser = parse_non_empty)]
    project_id: String,

    /// Project secret that clients send as the HTTP Basic password.
    #[arg(long, value_parser = parse_non_empty)]
    secret: String,

    /// Lifetime of each session JWT, in seconds.
    #[arg(long, default_value_t = DEFAULT_JWT_LIFETIME_SECONDS, value_parser = clap::value_parser!(i64).range(1..))]
    jwt_lifetime_seconds: i64,

    /// Base URL of emailed magic links when a request names none.
    #[arg(long, default_value = DEFAULT_MAGIC_LINK_URL, value_parser = parse_http_url)]
    default_magic_link_url: Url,
}

/// Accepts only loopback addresses: the fake has no TLS and trusts anyone
/// who can reach it, so it must never be exposed beyond this machine.
fn parse_loopback(value: &str) -> Result<IpAddr, String> {
    let address = if value.eq_ignore_ascii_case("localhost") {
        IpAddr::V4(Ipv4Addr::LOCALHOST)
    } else {
        value
            .parse::<IpAddr>()
            .map_err(|error| format!("{value:?} is not an IP address: {error}"))?
    };

    if address.is_loopback() {
        Ok(address)
    } else {
        Err(format!(
            "{address} is not a loopback address; use 127.0.0.1, ::1 or localhost"
        ))
    }
}

fn parse_non_empty(value: &str) -> Result<String, String> {
    if value.is_empty() {
        Err("the value must not be empty".to_owned())
    } else {
        Ok(value.to_owned())
    }
}

fn parse_http_url(value: &str) -> Result<Url, String> {
    let url = Url::parse(value).map_err(|error| format!("{value:?} is not a URL: {error}"))?;
    if matches!(url.scheme(), "http" | "https") && url.has_host() {
        Ok(url)
    } else {
        Err(format!("{value:?} is not an absolute http or https URL"))
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    // Logs go to stderr: stdout carries only the "listening on" line that
    // test harnesses read to learn the port.
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();

    let cli = Cli::parse();
    let mut config = Config::new(cli.project_id, cli.secret);
    config.jwt_lifetime = time::Duration::seconds(cli.jwt_lifetime_seconds);
    config.default_magic_link_url = cli.default_magic_link_url;
    let project_id = config.project_id.clone();

    let server = match server::start(config, SocketAddr::new(cli.host, cli.port)) {
        Ok(server) => server,
        Err(error) => {
            tracing::error!(%error, "failed to start");
            return ExitCode::FAILURE;
        }
    };

    let base_url = server.base_url();
    tracing::info!(%base_url, %project_id, "started");
    println!("fake-stytch listening on {base_url}");
    if let Err(error) = std::io::stdout().flush() {
        tracing::warn!(%error, "failed to flush stdout");
    }

    let handle = server.handle();
    tokio::spawn(async move {
        wait_for_shutdown_signal().await;
        tracing::info!("shutdown signal received, stopping");
        handle.stop(true).await;
    });

    match server.wait().await {
        Ok(()) => {
            tracing::info!("stopped");
            ExitCode::SUCCESS
        }
        Err(error) => {
            tracing::error!(%error, "server failed");
            ExitCode::FAILURE
        }
    }
}

/// Waits for Ctrl-C, or on Unix also SIGTERM as sent by process supervisors.
async fn wait_for_shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::warn!(%error, "failed to listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };

    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut stream) => {
                stream.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "failed to listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();

    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
