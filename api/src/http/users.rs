//! The users resource: list, add, get, edit, delete and invite.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::body::JsonBody;
use crate::auth::guard::SignedIn;
use crate::domain::{EmailAddress, UserName};
use crate::error::{ApiError, FieldError, Problem, ResultExt};
use crate::startup::AppState;
use crate::users::{User, UserStatus, cursor, store};

const DEFAULT_LIMIT: u32 = 50;
const MAX_LIMIT: u32 = 200;
const MAX_SEARCH_CHARACTERS: usize = 254;
const DUPLICATE_EMAIL: &str = "A user with this email already exists.";

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Page size, 1 to 200.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200, default = 50)]
    pub limit: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Keeps users whose name or email contains this text (letter case
    /// ignored; `%` and `_` match themselves).
    pub q: Option<String>,
}

/// A page of users in id order.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UserPage {
    pub users: Vec<User>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    #[schema(example = "Grace Hopper", min_length = 1, max_length = 255)]
    pub name: String,
    #[schema(example = "grace@example.com", max_length = 254)]
    pub email: String,
}

/// The fields to change; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserChanges {
    #[schema(example = "Grace Brewster Hopper", min_length = 1, max_length = 255)]
    pub name: Option<String>,
    #[schema(example = "grace.hopper@example.com", max_length = 254)]
    pub email: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Invitation {
    #[schema(example = "grace@example.com", max_length = 254)]
    pub email: String,
    /// The new user's name; the part of the email before the @ when absent.
    #[schema(example = "Grace Hopper", min_length = 1, max_length = 255)]
    pub name: Option<String>,
}

/// Lists users, a page at a time.
#[utoipa::path(
    get,
    path = "/users",
    tag = "users",
    params(ListQuery),
    responses(
        (status = 200, body = UserPage),
        (status = 400, description = "Invalid limit, cursor or q", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid session", body = Problem, content_type = "application/problem+json"),
    ),
    security(("session_cookie" = []), ("bearer" = []))
)]
pub async fn list_users(
    state: web::Data<AppState>,
    _signed_in: SignedIn,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let (limit, after_id, search) = parse_list_query(&query)?;

    // One row more than requested shows whether another page follows.
    let mut users = store::list(&state.db, after_id, limit + 1, search.as_deref()).await?;
    let next_cursor = if users.len() > limit as usize {
        users.truncate(limit as usize);
        users.last().map(|user| cursor::encode(user.id))
    } else {
        None
    };

    Ok(HttpResponse::Ok().json(UserPage { users, next_cursor }))
}

fn parse_list_query(query: &ListQuery) -> Result<(u32, i64, Option<String>), ApiError> {
    let mut errors = Vec::new();

    let limit = match query.limit.as_deref().map(str::trim) {
        None | Some("") => DEFAULT_LIMIT,
        Some(text) => match text.parse::<u32>() {
            Ok(limit) if (1..=MAX_LIMIT).contains(&limit) => limit,
            _ => {
                errors.push(FieldError::new(
                    "limit",
                    "must be a whole number from 1 to 200",
                ));
                DEFAULT_LIMIT
            }
        },
    };

    let after_id = match query.cursor.as_deref().filter(|cursor| !cursor.is_empty()) {
        None => 0,
        Some(text) => cursor::decode(text).unwrap_or_else(|| {
            errors.push(FieldError::new(
                "cursor",
                "is not a cursor from this API; pass next_cursor unchanged",
            ));
            0
        }),
    };

    let search = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    if search.is_some_and(|q| q.chars().count() > MAX_SEARCH_CHARACTERS) {
        errors.push(FieldError::new("q", "must be at most 254 characters"));
    }

    if !errors.is_empty() {
        return Err(ApiError::InvalidInput(errors));
    }
    Ok((limit, after_id, search.map(str::to_owned)))
}

/// Adds a user without emailing them; the user is `invited` until their
/// first sign-in.
#[utoipa::path(
    post,
    path = "/users",
    tag = "users",
    request_body = NewUser,
    responses(
        (status = 201, description = "Created; `Location` names the new user", body = User,
            headers(("Location" = String, description = "/users/{id}"))),
        (status = 400, description = "Invalid name, email or body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid session", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Cookie-authenticated request from another origin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The email belongs to another user", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body over 64 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
    ),
    security(("session_cookie" = []), ("bearer" = []))
)]
pub async fn create_user(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    body: JsonBody<NewUser>,
) -> Result<HttpResponse, ApiError> {
    let (name, email) = collect_errors(
        UserName::parse(&body.0.name).map_err(|message| FieldError::new("name", message)),
        EmailAddress::parse(&body.0.email).map_err(|message| FieldError::new("email", message)),
    )?;

    let id = store::insert(&state.db.pool, &name, &email, UserStatus::Invited)
        .await
        .on_unique_violation("email", DUPLICATE_EMAIL)?;
    let user = load(&state, id).await?;

    tracing::info!(user_id = id, by = signed_in.user.id, "user added");
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/users/{id}")))
        .json(user))
}

/// One user.
#[utoipa::path(
    get,
    path = "/users/{id}",
    tag = "users",
    params(("id" = i64, Path, minimum = 1, description = "The user's id")),
    responses(
        (status = 200, body = User),
        (status = 400, description = "The id is not a positive whole number", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid session", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
    ),
    security(("session_cookie" = []), ("bearer" = []))
)]
pub async fn get_user(
    state: web::Data<AppState>,
    _signed_in: SignedIn,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    let user = load(&state, id).await?;
    Ok(HttpResponse::Ok().json(user))
}

/// Changes a user's name or email.
#[utoipa::path(
    patch,
    path = "/users/{id}",
    tag = "users",
    params(("id" = i64, Path, minimum = 1, description = "The user's id")),
    request_body = UserChanges,
    responses(
        (status = 200, description = "The changed user", body = User),
        (status = 400, description = "Invalid id, name, email or body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid session", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Cookie-authenticated request from another origin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The email belongs to another user", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body over 64 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
    ),
    security(("session_cookie" = []), ("bearer" = []))
)]
pub async fn update_user(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    id: web::Path<String>,
    body: JsonBody<UserChanges>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id_field(&id);
    let name = body.0.name.as_deref().map(UserName::parse).transpose();
    let email = body.0.email.as_deref().map(EmailAddress::parse).transpose();

    let (Ok(id), Ok(name), Ok(email)) = (&id, &name, &email) else {
        let errors = [
            id.err(),
            name.err().map(|message| FieldError::new("name", message)),
            email.err().map(|message| FieldError::new("email", message)),
        ];
        return Err(ApiError::InvalidInput(
            errors.into_iter().flatten().collect(),
        ));
    };
    let id = *id;

    // NOTE: with Stytch the address at Stytch stays the old one; sign-in
    // looks users up by our email and links them by Stytch user id.
    let found = store::update(&state.db, id, name.as_ref(), email.as_ref())
        .await
        .on_unique_violation("email", DUPLICATE_EMAIL)?;
    if !found {
        return Err(not_found(id));
    }

    tracing::info!(user_id = id, by = signed_in.user.id, "user changed");
    let user = load(&state, id).await?;
    Ok(HttpResponse::Ok().json(user))
}

/// Deletes a user and ends all of that user's sessions at once.
#[utoipa::path(
    delete,
    path = "/users/{id}",
    tag = "users",
    params(("id" = i64, Path, minimum = 1, description = "The user's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "The id is not a positive whole number", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid session", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Cookie-authenticated request from another origin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The signed-in user tried to delete themselves", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The identity provider is unavailable; nothing was deleted", body = Problem, content_type = "application/problem+json"),
    ),
    security(("session_cookie" = []), ("bearer" = []))
)]
pub async fn delete_user(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;

    // Deleting oneself would lock the only administrator out of a new
    // installation, so another user has to do it.
    if id == signed_in.user.id {
        return Err(ApiError::Conflict {
            field: "id",
            detail: "You cannot delete your own account.".to_owned(),
        });
    }

    let user = load(&state, id).await?;
    state.provider.end_user_sessions(&user).await?;
    if !store::delete(&state.db.pool, id).await? {
        return Err(not_found(id));
    }

    tracing::info!(user_id = id, by = signed_in.user.id, "user deleted");
    Ok(HttpResponse::NoContent().finish())
}

/// Invites a user by email: creates the user when missing (status
/// `invited`) and emails a magic link. An existing user gets the invite
/// again, or a sign-in link when already active.
#[utoipa::path(
    post,
    path = "/invite",
    tag = "users",
    request_body = Invitation,
    responses(
        (status = 201, description = "New user invited; `Location` names the user", body = User,
            headers(("Location" = String, description = "/users/{id}"))),
        (status = 200, description = "Existing user; the link was sent again", body = User),
        (status = 400, description = "Invalid email, name or body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid session", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Cookie-authenticated request from another origin", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body over 64 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The email could not be sent; no user was created", body = Problem, content_type = "application/problem+json"),
    ),
    security(("session_cookie" = []), ("bearer" = []))
)]
pub async fn invite_user(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    body: JsonBody<Invitation>,
) -> Result<HttpResponse, ApiError> {
    let name = body
        .0
        .name
        .as_deref()
        .map(|name| UserName::parse(name).map_err(|message| FieldError::new("name", message)))
        .transpose();
    let email =
        EmailAddress::parse(&body.0.email).map_err(|message| FieldError::new("email", message));
    let (name, email) = collect_errors(name, email)?;

    if let Some(user) = store::find_by_email(&state.db.pool, &email).await? {
        match user.status {
            UserStatus::Invited => state.provider.send_invite(&user).await?,
            UserStatus::Active => state.provider.send_login_link(&user).await?,
        }
        tracing::info!(
            user_id = user.id,
            by = signed_in.user.id,
            "invite sent again"
        );
        return Ok(HttpResponse::Ok().json(user));
    }

    let name = match name {
        Some(name) => name,
        None => UserName::parse(email.local_part())
            .map_err(|message| ApiError::field("name", message))?,
    };
    let id = store::insert(&state.db.pool, &name, &email, UserStatus::Invited)
        .await
        .on_unique_violation("email", DUPLICATE_EMAIL)?;
    let user = load(&state, id).await?;

    // A user whose invite could not be sent is removed again, so that the
    // request leaves nothing behind and can simply be retried.
    if let Err(error) = state.provider.send_invite(&user).await {
        let _ = state.provider.end_user_sessions(&user).await;
        store::delete(&state.db.pool, id).await?;
        return Err(error);
    }

    tracing::info!(user_id = id, by = signed_in.user.id, "user invited");
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/users/{id}")))
        .json(user))
}

/// Parses a path id: a whole number from 1.
fn parse_id(text: &str) -> Result<i64, ApiError> {
    parse_id_field(text).map_err(|error| ApiError::InvalidInput(vec![error]))
}

fn parse_id_field(text: &str) -> Result<i64, FieldError> {
    match text.parse::<i64>() {
        Ok(id) if id >= 1 => Ok(id),
        _ => Err(FieldError::new("id", "must be a whole number from 1")),
    }
}

/// Combines two parse results, reporting every invalid field at once.
fn collect_errors<A, B>(
    first: Result<A, FieldError>,
    second: Result<B, FieldError>,
) -> Result<(A, B), ApiError> {
    match (first, second) {
        (Ok(first), Ok(second)) => Ok((first, second)),
        (first, second) => Err(ApiError::InvalidInput(
            [first.err(), second.err()].into_iter().flatten().collect(),
        )),
    }
}

async fn load(state: &AppState, id: i64) -> Result<User, ApiError> {
    store::find_by_id(&state.db.pool, id)
        .await?
        .ok_or_else(|| not_found(id))
}

fn not_found(id: i64) -> ApiError {
    ApiError::NotFound(format!("There is no user with id {id}."))
}
