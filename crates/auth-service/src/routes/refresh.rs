use actix_web::{HttpResponse, web};
use auth_types::TokenKind;
use auth_types::dto::RefreshRequest;

use crate::db::users::User;
use crate::error::Error;
use service_kit::json::ApiJson;

use crate::rate_limit::Kind;
use crate::sessions::Channel;
use crate::state::AppState;

/// `POST /api/v1/auth/token/refresh`: trades a refresh token for a new pair;
/// presenting an already-rotated token revokes the whole session.
pub async fn refresh(
    state: web::Data<AppState>,
    ApiJson(body): ApiJson<RefreshRequest>,
) -> Result<HttpResponse, Error> {
    let presented = state
        .tokens
        .keys
        .verify(&body.refresh_token, TokenKind::Refresh)
        .map_err(|_| Error::InvalidRefreshToken)?;
    state
        .limits
        .check(Kind::RefreshSession, &presented.sid.to_string())
        .await?;
    let user_id = presented.sub;
    let user = state
        .db
        .run(async |conn| User::find(conn, user_id).await)
        .await?
        .ok_or(Error::InvalidRefreshToken)?;
    let tokens = state
        .rotate_session(&presented, &user, Channel::Web)
        .await?;
    Ok(super::token_answer(HttpResponse::Ok(), &tokens))
}
