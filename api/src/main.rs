use std::path::PathBuf;
use std::process::ExitCode;

use api::db::Db;
use api::settings::Settings;
use api::startup::Application;
use api::{openapi, telemetry};
use clap::{Parser, Subcommand};

/// The user dashboard's API server.
///
/// Configuration comes from environment variables (and a .env file), for
/// example DATABASE_URL, BIND_ADDR, PUBLIC_URL, WEB_URL and AUTH_PROVIDER;
/// the README lists them all.
#[derive(Parser)]
#[command(version)]
struct Cli {
    /// A TOML, YAML or JSON file with settings, read before the environment.
    #[arg(
        long,
        env = "CONFIG_FILE",
        default_value = "dashboard.toml",
        global = true
    )]
    config: PathBuf,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the OpenAPI document as YAML (the source of openapi.yaml).
    Openapi,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();

    // TLS (MySQL, SMTP, Stytch) goes through rustls with the ring backend.
    let _ = rustls::crypto::ring::default_provider().install_default();

    if let Some(Command::Openapi) = cli.command {
        print!("{}", openapi::yaml());
        return ExitCode::SUCCESS;
    }

    let settings = match Settings::load(Some(&cli.config)) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("error: invalid configuration: {error}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(settings.log_format);

    let result = match cli.command {
        Some(Command::Migrate) => migrate(settings).await,
        _ => serve(settings).await,
    };

    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error}");
            ExitCode::FAILURE
        }
    }
}

async fn migrate(settings: Settings) -> Result<(), Box<dyn std::error::Error>> {
    let db = Db::connect(&settings.database).await?;
    db.migrate().await?;
    tracing::info!("migrations applied");
    Ok(())
}

async fn serve(settings: Settings) -> Result<(), Box<dyn std::error::Error>> {
    let address = settings.bind_addr;
    let public_url = settings.public_url.clone();

    let application = Application::build(settings).await?;
    tracing::info!(%address, %public_url, "listening");

    let server = application.server_handle();
    tokio::spawn(async move {
        let signal = shutdown_signal().await;
        tracing::info!(
            signal,
            "stopping: no new connections, in-flight requests may finish"
        );
        server.stop(true).await;
    });

    application.run_until_stopped().await?;
    Ok(())
}

/// Waits for SIGTERM (orchestrators) or SIGINT (Ctrl-C) and names it.
async fn shutdown_signal() -> &'static str {
    let mut terminate =
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(stream) => stream,
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM; only Ctrl-C stops the server");
                let _ = tokio::signal::ctrl_c().await;
                return "SIGINT";
            }
        };

    tokio::select! {
        _ = terminate.recv() => "SIGTERM",
        _ = tokio::signal::ctrl_c() => "SIGINT",
    }
}
