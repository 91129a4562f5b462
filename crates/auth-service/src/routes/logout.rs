use actix_web::{HttpResponse, web};
use auth_types::TokenKind;
use auth_types::dto::LogoutRequest;

use crate::error::Error;
use service_kit::json::OptionalJson;

use crate::extract::Authed;
use crate::state::{AppState, unix_now};

/// `POST /api/v1/auth/logout`: ends the caller's session at once — its refresh
/// token and every access token of it stop working now, not at expiry.
///
/// A refresh token in the body, when it belongs to the caller, has its own
/// session ended too (a client holding tokens of two sessions can drop both).
pub async fn logout(
    state: web::Data<AppState>,
    Authed(auth, OptionalJson(body)): Authed<OptionalJson<LogoutRequest>>,
) -> Result<HttpResponse, Error> {
    let now = unix_now();
    let other = body
        .and_then(|b| b.refresh_token)
        .and_then(|t| state.tokens.keys.verify(&t, TokenKind::Refresh).ok())
        .filter(|c| c.sub == auth.user_id && c.sid != auth.session_id);
    // The other session first: if the second step fails, the caller's token
    // still works and the logout can simply be sent again.
    if let Some(claims) = other {
        state
            .sessions
            .revoke(claims.sub, claims.sid, None, now)
            .await?;
    }
    state
        .sessions
        .revoke(auth.user_id, auth.session_id, Some(&auth.claims), now)
        .await?;
    tracing::info!(user_id = %auth.user_id, session_id = %auth.session_id, "logged out");
    Ok(HttpResponse::NoContent().finish())
}
