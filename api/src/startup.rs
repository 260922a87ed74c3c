//! Builds the whole application from one [`Settings`] value.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

use actix_cors::Cors;
use actix_web::dev::Server;
use actix_web::http::header;
use actix_web::middleware::{DefaultHeaders, from_fn};
use actix_web::{App, HttpServer, web};
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::IdentityProvider;
use crate::auth::builtin::BuiltinProvider;
use crate::auth::cookies::CookieSettings;
use crate::auth::origin::AllowedOrigins;
use crate::auth::stytch::StytchProvider;
use crate::db::{ConnectError, Db};
use crate::error::ApiError;
use crate::http;
use crate::mail::{MailError, Mailer};
use crate::metrics::Metrics;
use crate::openapi::ApiDoc;
use crate::settings::{AuthProvider, Settings};
use crate::telemetry;
use crate::users::store;

/// The state shared by every handler.
pub struct AppState {
    pub db: Db,
    pub settings: Arc<Settings>,
    pub provider: Arc<dyn IdentityProvider>,
    pub cookies: CookieSettings,
    pub origins: AllowedOrigins,
    pub metrics: Arc<Metrics>,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Database(#[from] ConnectError),
    #[error("cannot create the administrator from ADMIN_EMAIL: {0}")]
    Admin(sqlx::Error),
    #[error(transparent)]
    Mail(#[from] MailError),
    #[error("cannot listen on {address}: {source}")]
    Bind {
        address: String,
        source: std::io::Error,
    },
    #[error("cannot create the HTTP client for Stytch: {0}")]
    HttpClient(reqwest::Error),
}

pub struct Application {
    port: u16,
    metrics_port: Option<u16>,
    server: Server,
    metrics_server: Option<Server>,
    db: Db,
}

impl Application {
    /// Binds `BIND_ADDR` and builds the application on it.
    pub async fn build(settings: Settings) -> Result<Application, StartError> {
        let listener =
            TcpListener::bind(settings.bind_addr).map_err(|source| StartError::Bind {
                address: settings.bind_addr.to_string(),
                source,
            })?;
        Self::build_on(settings, listener).await
    }

    /// Connects to the database, applies migrations when configured,
    /// creates the first user when needed, and serves on `listener`. Tests
    /// bind port 0 first, so that PUBLIC_URL can name the port.
    pub async fn build_on(
        settings: Settings,
        listener: TcpListener,
    ) -> Result<Application, StartError> {
        let db = Db::connect(&settings.database).await?;
        if settings.migrate_on_start {
            db.migrate().await?;
        }

        if let Some(email) = &settings.admin_email
            && let Some(id) = store::ensure_admin(&db, email)
                .await
                .map_err(StartError::Admin)?
        {
            tracing::info!(user_id = id, email = %email, "created the first user from ADMIN_EMAIL");
        }

        let metrics = Arc::new(Metrics::new());
        let provider = build_provider(&settings, &db, &metrics).await?;

        let (metrics_server, metrics_port) = match settings.metrics_addr {
            Some(address) => {
                let (server, port) = serve_metrics(address, Arc::clone(&metrics), db.clone())?;
                (Some(server), Some(port))
            }
            None => (None, None),
        };

        let port = listener
            .local_addr()
            .map(|address| address.port())
            .unwrap_or_default();

        let state = web::Data::new(AppState {
            cookies: CookieSettings::new(&settings.cookie_name, settings.secure_cookies()),
            origins: AllowedOrigins::new(&[&settings.public_url, &settings.web_url]),
            db: db.clone(),
            provider,
            metrics,
            settings: Arc::new(settings),
        });

        let server = serve(listener, state).map_err(|source| StartError::Bind {
            address: format!("port {port}"),
            source,
        })?;

        Ok(Application {
            port,
            metrics_port,
            server,
            metrics_server,
            db,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Returns a handle that stops the server; `stop(true)` lets in-flight
    /// requests finish within SHUTDOWN_TIMEOUT_SECONDS.
    pub fn server_handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Returns the port of the metrics listener, when `METRICS_ADDR` is set.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics_port
    }

    /// Serves until stopped through [`Application::server_handle`], then
    /// stops the metrics listener and closes the database pool.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let metrics_handle = self.metrics_server.as_ref().map(Server::handle);
        if let Some(metrics_server) = self.metrics_server {
            tokio::spawn(metrics_server);
        }

        let result = self.server.await;

        if let Some(handle) = metrics_handle {
            handle.stop(true).await;
        }
        self.db.pool.close().await;
        tracing::info!("stopped");
        result
    }
}

async fn build_provider(
    settings: &Settings,
    db: &Db,
    metrics: &Arc<Metrics>,
) -> Result<Arc<dyn IdentityProvider>, StartError> {
    match settings.auth_provider {
        AuthProvider::Builtin => {
            let mailer = Mailer::new(&settings.mail)?;
            let provider = Arc::new(BuiltinProvider::new(
                db.clone(),
                mailer,
                settings.public_url.clone(),
                settings.session_duration,
                Arc::clone(metrics),
            ));
            spawn_cleanup(Arc::clone(&provider));
            Ok(provider)
        }
        AuthProvider::Stytch => {
            let stytch = settings
                .stytch
                .as_ref()
                .expect("settings parsing requires Stytch settings for the Stytch provider");
            let provider = StytchProvider::new(settings, stytch, db.clone(), Arc::clone(metrics))
                .map_err(StartError::HttpClient)?;
            provider.load_keys().await;
            Ok(Arc::new(provider))
        }
    }
}

/// Deletes expired magic links and sessions every hour, so that the
/// tables do not grow without bound.
fn spawn_cleanup(provider: Arc<BuiltinProvider>) {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(Duration::from_secs(60 * 60));
        loop {
            interval.tick().await;
            match provider.delete_expired().await {
                Ok(0) => {}
                Ok(count) => tracing::info!(count, "deleted expired magic links and sessions"),
                Err(error) => {
                    tracing::warn!(%error, "cannot delete expired magic links and sessions")
                }
            }
        }
    });
}

fn serve(listener: TcpListener, state: web::Data<AppState>) -> std::io::Result<Server> {
    let openapi = ApiDoc::openapi();
    let shutdown_timeout = state.settings.shutdown_timeout.as_secs();

    let server = HttpServer::new(move || {
        let settings = &state.settings;

        let cors = Cors::default()
            .allowed_origin(&settings.web_url.origin().ascii_serialization())
            .allowed_methods(["GET", "POST", "PATCH", "DELETE"])
            .allowed_headers([header::CONTENT_TYPE, header::AUTHORIZATION, header::ACCEPT])
            .allowed_header(telemetry::REQUEST_ID.clone())
            .expose_headers([header::LOCATION])
            .expose_headers([telemetry::REQUEST_ID.clone()])
            .supports_credentials()
            .max_age(3600);

        let security_headers = DefaultHeaders::new()
            .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .add((header::REFERRER_POLICY, "strict-origin-when-cross-origin"));

        let mut app = App::new()
            .app_data(state.clone())
            .app_data(web::QueryConfig::default().error_handler(|error, _| {
                ApiError::field("query", format!("is invalid: {error}")).into()
            }))
            .wrap(security_headers)
            .wrap(cors)
            .wrap(from_fn(telemetry::log_requests))
            .configure(http::routes)
            .service(SwaggerUi::new("/swagger-ui/{_:.*}").url("/openapi.json", openapi.clone()))
            .route(
                "/swagger-ui",
                web::get().to(|| async {
                    actix_web::HttpResponse::MovedPermanently()
                        .insert_header((header::LOCATION, "/swagger-ui/"))
                        .finish()
                }),
            );

        match settings.web_dir.as_deref().filter(|dir| dir.is_dir()) {
            Some(dir) => app = app.service(http::spa::service(dir)),
            None => app = app.default_service(web::to(http::spa::not_found)),
        }
        app
    })
    .shutdown_timeout(shutdown_timeout)
    // actix stops at once on SIGINT; `main` handles both signals instead, so
    // that Ctrl-C drains in-flight requests like SIGTERM does.
    .disable_signals()
    .listen(listener)?
    .run();

    Ok(server)
}

/// Serves `GET /metrics` on its own address, so that it can stay off the
/// public network: nothing but the metrics is reachable there.
fn serve_metrics(
    address: SocketAddr,
    metrics: Arc<Metrics>,
    db: Db,
) -> Result<(Server, u16), StartError> {
    let bind_error = |source| StartError::Bind {
        address: address.to_string(),
        source,
    };
    let listener = TcpListener::bind(address).map_err(bind_error)?;
    let port = listener.local_addr().map_err(bind_error)?.port();

    let server = HttpServer::new(move || {
        let metrics = Arc::clone(&metrics);
        let db = db.clone();
        App::new().route(
            "/metrics",
            web::get().to(move || {
                let body = metrics.render(&db);
                async move {
                    actix_web::HttpResponse::Ok()
                        .content_type("text/plain; version=0.0.4; charset=utf-8")
                        .body(body)
                }
            }),
        )
    })
    .workers(1)
    .disable_signals()
    .listen(listener)
    .map_err(bind_error)?
    .run();

    tracing::info!(%address, "serving metrics at /metrics");
    Ok((server, port))
}
