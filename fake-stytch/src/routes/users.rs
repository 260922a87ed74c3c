//! `/v1/users`: deleting a user.

use actix_web::{HttpResponse, web};
use serde::Serialize;

use crate::errors::ApiError;
use crate::response::ok;
use crate::state::{AppState, lock};

#[derive(Serialize)]
struct DeleteUserResponse {
    user_id: String,
}

/// `DELETE /v1/users/{user_id}`: removes the user with its sessions and magic links.
pub async fn delete(
    state: web::Data<AppState>,
    user_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let user_id = user_id.into_inner();
    lock(&state.store).delete_user(&user_id)?;

    tracing::info!(%user_id, "deleted a user");
    Ok(ok(DeleteUserResponse { user_id }))
}
