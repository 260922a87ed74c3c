//! Queries on the users table.

use sqlx::{Any, Executor, FromRow};

use super::{User, UserStatus};
use crate::db::{Db, datetime_from_millis, now_millis};
use crate::domain::{EmailAddress, UserName};

/// The columns of every query that returns users, in [`UserRow`] order, as
/// a literal so that queries can be assembled with `concat!` at compile time.
#[macro_export]
macro_rules! user_columns {
    () => {
        "users.id, users.name, users.email, users.status, \
         users.created_at, users.updated_at, users.last_login_at"
    };
}

#[derive(Debug, FromRow)]
pub struct UserRow {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub status: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_login_at: Option<i64>,
}

impl From<UserRow> for User {
    fn from(row: UserRow) -> User {
        User {
            id: row.id,
            name: row.name,
            email: row.email,
            status: if row.status == "active" {
                UserStatus::Active
            } else {
                UserStatus::Invited
            },
            created_at: datetime_from_millis(row.created_at),
            updated_at: datetime_from_millis(row.updated_at),
            last_login_at: row.last_login_at.map(datetime_from_millis),
        }
    }
}

pub async fn find_by_id<'e>(
    executor: impl Executor<'e, Database = Any>,
    id: i64,
) -> Result<Option<User>, sqlx::Error> {
    let row: Option<UserRow> = sqlx::query_as(concat!(
        "SELECT ",
        user_columns!(),
        " FROM users WHERE id = ?"
    ))
    .bind(id)
    .fetch_optional(executor)
    .await?;
    Ok(row.map(User::from))
}

pub async fn find_by_email<'e>(
    executor: impl Executor<'e, Database = Any>,
    email: &EmailAddress,
) -> Result<Option<User>, sqlx::Error> {
    let row: Option<UserRow> = sqlx::query_as(concat!(
        "SELECT ",
        user_columns!(),
        " FROM users WHERE email_key = ?"
    ))
    .bind(email.key())
    .fetch_optional(executor)
    .await?;
    Ok(row.map(User::from))
}

/// Lists a page of users after `after_id` in id order, optionally filtered
/// by a literal substring of the name or email.
///
/// Keyset paging on the primary key costs the same on page 1000 as on
/// page 1, unlike OFFSET, which reads and discards every skipped row.
pub async fn list(
    db: &Db,
    after_id: i64,
    limit: u32,
    search: Option<&str>,
) -> Result<Vec<User>, sqlx::Error> {
    let rows: Vec<UserRow> = match search {
        None => {
            sqlx::query_as(concat!(
                "SELECT ",
                user_columns!(),
                " FROM users WHERE id > ? ORDER BY id LIMIT ?"
            ))
            .bind(after_id)
            .bind(i64::from(limit))
            .fetch_all(&db.pool)
            .await?
        }
        Some(search) => {
            // '!' is the escape character because a backslash means
            // different things in MySQL and SQLite string literals.
            let pattern = format!("%{}%", escape_like(search));
            sqlx::query_as(concat!(
                "SELECT ",
                user_columns!(),
                " FROM users \
                 WHERE id > ? AND (name LIKE ? ESCAPE '!' OR email_key LIKE ? ESCAPE '!') \
                 ORDER BY id LIMIT ?"
            ))
            .bind(after_id)
            .bind(&pattern)
            .bind(pattern.to_lowercase())
            .bind(i64::from(limit))
            .fetch_all(&db.pool)
            .await?
        }
    };

    Ok(rows.into_iter().map(User::from).collect())
}

/// Escapes the LIKE wildcards so that `%` and `_` match themselves.
fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        if matches!(character, '!' | '%' | '_') {
            escaped.push('!');
        }
        escaped.push(character);
    }
    escaped
}

/// Inserts a user; a duplicate email fails with a unique violation.
pub async fn insert<'e>(
    executor: impl Executor<'e, Database = Any>,
    name: &UserName,
    email: &EmailAddress,
    status: UserStatus,
) -> Result<i64, sqlx::Error> {
    let now = now_millis();

    let result = sqlx::query(
        "INSERT INTO users (name, email, email_key, status, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(name.as_str())
    .bind(email.as_str())
    .bind(email.key())
    .bind(status.as_str())
    .bind(now)
    .bind(now)
    .execute(executor)
    .await?;

    result
        .last_insert_id()
        .ok_or_else(|| sqlx::Error::Protocol("the database returned no id for the new user".into()))
}

/// Changes the given fields; returns whether the user exists.
pub async fn update(
    db: &Db,
    id: i64,
    name: Option<&UserName>,
    email: Option<&EmailAddress>,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE users SET name = COALESCE(?, name), email = COALESCE(?, email), \
         email_key = COALESCE(?, email_key), updated_at = ? WHERE id = ?",
    )
    .bind(name.map(UserName::as_str))
    .bind(email.map(EmailAddress::as_str))
    .bind(email.map(EmailAddress::key))
    .bind(now_millis())
    .bind(id)
    .execute(&db.pool)
    .await?;

    // MySQL counts changed rows, not matched ones, so a zero can also mean
    // "same values within the same millisecond": look before saying 404.
    if result.rows_affected() > 0 {
        return Ok(true);
    }
    Ok(find_by_id(&db.pool, id).await?.is_some())
}

/// Records a successful sign-in: the user becomes active.
pub async fn record_sign_in<'e>(
    executor: impl Executor<'e, Database = Any>,
    id: i64,
) -> Result<(), sqlx::Error> {
    let now = now_millis();
    sqlx::query(
        "UPDATE users SET status = 'active', last_login_at = ?, updated_at = ? WHERE id = ?",
    )
    .bind(now)
    .bind(now)
    .bind(id)
    .execute(executor)
    .await?;
    Ok(())
}

/// Deletes a user; returns whether it existed.
pub async fn delete<'e>(
    executor: impl Executor<'e, Database = Any>,
    id: i64,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query("DELETE FROM users WHERE id = ?")
        .bind(id)
        .execute(executor)
        .await?;
    Ok(result.rows_affected() > 0)
}

/// Creates the first user when the table is empty, so that a new
/// installation has a user who can sign in.
pub async fn ensure_admin(db: &Db, email: &EmailAddress) -> Result<Option<i64>, sqlx::Error> {
    let any_user: Option<(i64,)> = sqlx::query_as("SELECT id FROM users LIMIT 1")
        .fetch_optional(&db.pool)
        .await?;
    if any_user.is_some() {
        return Ok(None);
    }

    let name = UserName::parse(email.local_part()).map_err(|message| {
        sqlx::Error::Protocol(format!("ADMIN_EMAIL gives no usable name: {message}"))
    })?;

    match insert(&db.pool, &name, email, UserStatus::Invited).await {
        Ok(id) => Ok(Some(id)),
        // Another instance starting at the same moment created it first.
        Err(sqlx::Error::Database(error)) if error.is_unique_violation() => Ok(None),
        Err(error) => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_wildcards_match_themselves() {
        assert_eq!(escape_like("50%_off!"), "50!%!_off!!");
        assert_eq!(escape_like("plain"), "plain");
    }
}
