//! The database: one connection pool and one set of queries for SQLite and
//! MySQL, through sqlx's `Any` driver.
//!
//! Queries use only syntax both engines share: `?` placeholders, no
//! `RETURNING`, timestamps as BIGINT Unix milliseconds.

use std::path::Path;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use secrecy::ExposeSecret;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor};
use time::OffsetDateTime;

use crate::settings::{DatabaseKind, DatabaseSettings};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/sqlite");
static MYSQL_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/mysql");

#[derive(Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub kind: DatabaseKind,
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("cannot create the folder {folder} for the SQLite database: {source}")]
    Folder {
        folder: String,
        source: std::io::Error,
    },
    #[error("cannot connect to the database: {0}")]
    Connect(#[source] sqlx::Error),
    #[error("cannot apply migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl Db {
    /// Opens a pool; an SQLite file and its folder are created when missing.
    pub async fn connect(settings: &DatabaseSettings) -> Result<Db, ConnectError> {
        sqlx::any::install_default_drivers();

        let mut url = settings.url.expose_secret().to_owned();
        if settings.kind == DatabaseKind::Sqlite {
            url = prepare_sqlite_url(&url)?;
        }

        let options = AnyConnectOptions::from_str(&url).map_err(ConnectError::Connect)?;
        let kind = settings.kind;

        let pool = AnyPoolOptions::new()
            .max_connections(settings.max_connections)
            .acquire_timeout(Duration::from_secs(5))
            // Serverless MySQL such as PlanetScale closes idle connections
            // after some minutes; recycling before that avoids a failed
            // first query on a dead connection.
            .idle_timeout(Duration::from_secs(60))
            .max_lifetime(Duration::from_secs(30 * 60))
            .after_connect(move |connection, _| {
                Box::pin(async move {
                    if kind == DatabaseKind::Sqlite {
                        // WAL lets readers work while a writer commits, and
                        // the busy timeout makes writers queue instead of
                        // failing with SQLITE_BUSY.
                        connection
                            .execute(
                                "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;",
                            )
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(ConnectError::Connect)?;

        Ok(Db { pool, kind })
    }

    /// Applies the pending migrations of this engine.
    pub async fn migrate(&self) -> Result<(), ConnectError> {
        let migrator = match self.kind {
            DatabaseKind::Sqlite => &SQLITE_MIGRATIONS,
            DatabaseKind::MySql => &MYSQL_MIGRATIONS,
        };
        migrator.run(&self.pool).await?;
        Ok(())
    }

    /// Checks that the database responds to a trivial query.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}

/// Creates the folder of an SQLite file and sets `mode=rwc`, so that sqlx
/// creates the file.
fn prepare_sqlite_url(url: &str) -> Result<String, ConnectError> {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));

    let in_memory = path.is_empty() || path == ":memory:" || query.contains("mode=memory");
    if !in_memory
        && let Some(folder) = Path::new(path)
            .parent()
            .filter(|folder| !folder.as_os_str().is_empty())
    {
        std::fs::create_dir_all(folder).map_err(|source| ConnectError::Folder {
            folder: folder.display().to_string(),
            source,
        })?;
    }

    if query.contains("mode=") {
        Ok(url.to_owned())
    } else if query.is_empty() {
        Ok(format!("{url}?mode=rwc"))
    } else {
        Ok(format!("{url}&mode=rwc"))
    }
}

/// Returns the current time as Unix milliseconds, the unit of every timestamp column.
pub fn now_millis() -> i64 {
    let elapsed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
}

/// Converts a timestamp column back to a date and time.
pub fn datetime_from_millis(millis: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Converts a duration to milliseconds for adding to a timestamp.
pub fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_url_gets_create_mode() {
        let folder = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/nested/app.db", folder.path().display());

        let prepared = prepare_sqlite_url(&url).unwrap();

        assert_eq!(prepared, format!("{url}?mode=rwc"));
        assert!(folder.path().join("nested").is_dir());
    }

    #[test]
    fn sqlite_url_keeps_explicit_mode() {
        assert_eq!(
            prepare_sqlite_url("sqlite::memory:?mode=memory").unwrap(),
            "sqlite::memory:?mode=memory"
        );
    }
}
