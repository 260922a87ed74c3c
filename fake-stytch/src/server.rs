//! Starting and stopping the HTTP server, for the binary and for tests.

use std::io;
use std::net::{SocketAddr, TcpListener};

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpServer, web};
use tokio::task::JoinHandle;

use crate::config::Config;
use crate::keys::{KeyError, KeySet, SigningKey};
use crate::routes;
use crate::state::AppState;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Key(#[from] KeyError),

    #[error("failed to listen on {address}: {source}")]
    Bind {
        address: SocketAddr,
        source: io::Error,
    },
}

/// A fake Stytch server running on the current Tokio runtime.
pub struct RunningServer {
    local_addr: SocketAddr,
    handle: ServerHandle,
    task: JoinHandle<io::Result<()>>,
}

impl RunningServer {
    /// Returns the bound address; with port 0 this is where the free port shows.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Returns the base URL to give a Stytch client, e.g. `http://127.0.0.1:41234`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.local_addr)
    }

    /// Returns a handle that can stop the server from elsewhere.
    pub fn handle(&self) -> ServerHandle {
        self.handle.clone()
    }

    /// Stops accepting connections, lets in-flight requests finish, and waits.
    pub async fn stop(self) -> io::Result<()> {
        self.handle.stop(true).await;
        self.wait().await
    }

    /// Waits until the server stops.
    pub async fn wait(self) -> io::Result<()> {
        self.task.await.map_err(io::Error::other)?
    }
}

/// Generates the first signing key, binds `address` and starts serving.
///
/// Must be called inside a Tokio runtime. The server installs no signal
/// handlers, so a test process can run many; the binary handles Ctrl-C itself.
pub fn start(config: Config, address: SocketAddr) -> Result<RunningServer, StartError> {
    let keys = KeySet::new(SigningKey::generate()?);
    let state = web::Data::new(AppState::new(config, keys));

    let bind_error = |source| StartError::Bind { address, source };
    let listener = TcpListener::bind(address).map_err(bind_error)?;
    let local_addr = listener.local_addr().map_err(bind_error)?;

    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .configure(routes::configure)
            .default_service(web::to(routes::not_found))
    })
    .disable_signals()
    .listen(listener)
    .map_err(bind_error)?
    .run();

    let handle = server.handle();
    let task = tokio::spawn(server);
    Ok(RunningServer {
        local_addr,
        handle,
        task,
    })
}
