use actix_web::{HttpResponse, web};
use auth_types::TokenKind;
use auth_types::dto::RefreshRequest;

use crate::db::users::User;
use crate::error::Error;
use crate::extract::ApiJson;
use crate::sessions::Rotation;
use crate::state::{AppState, unix_now};

/// `POST /api/v1/auth/token/refresh`: trades a refresh token for a new pair.
///
/// Everything that can fail runs before the rotation, so a 503 leaves the
/// presented token valid; the rotation itself is one atomic Redis script.
pub async fn refresh(
    state: web::Data<AppState>,
    ApiJson(body): ApiJson<RefreshRequest>,
) -> Result<HttpResponse, Error> {
    let presented = state
        .tokens
        .keys
        .verify(&body.refresh_token, TokenKind::Refresh)
        .map_err(|_| Error::InvalidRefreshToken)?;
    let user_id = presented.sub;
    let user = state
        .db
        .run(async |conn| User::find(conn, user_id).await)
        .await?
        .ok_or(Error::InvalidRefreshToken)?;

    let now = unix_now();
    let pair = state.tokens.issue_pair(user.id(), presented.sid, now)?;
    match state
        .sessions
        .rotate(&presented, &pair.refresh, now)
        .await?
    {
        Rotation::Rotated => Ok(HttpResponse::Ok().json(state.tokens.response(pair, &user))),
        Rotation::NoSession => Err(Error::InvalidRefreshToken),
        Rotation::Reused => {
            tracing::warn!(user_id = %user.id, session_id = %presented.sid, "refresh token reused; session revoked");
            Err(Error::TokenReused)
        }
    }
}
