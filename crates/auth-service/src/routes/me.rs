use actix_web::{HttpResponse, web};

use crate::db::users::User;
use crate::error::Error;
use crate::extract::Authenticated;
use crate::state::AppState;

/// `GET /api/v1/auth/me`: the caller's user object.
pub async fn me(state: web::Data<AppState>, auth: Authenticated) -> Result<HttpResponse, Error> {
    let user_id = auth.user_id;
    let user = state
        .db
        .run(async |conn| User::find(conn, user_id).await)
        .await?
        // The account was removed (merged) while the token was live.
        .ok_or(Error::Unauthorized)?;
    Ok(HttpResponse::Ok().json(user.to_response()))
}
