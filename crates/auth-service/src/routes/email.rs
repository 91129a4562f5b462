//! Email verification.

use actix_web::{HttpResponse, web};
use auth_types::dto::{AcceptedResponse, VerifyEmailRequest};
use diesel_async::AsyncConnection;

use crate::db::account_tokens::{self, Purpose};
use crate::db::users::User;
use crate::error::Error;
use service_kit::json::ApiJson;

use crate::mail::{Notice, token_hash};
use crate::rate_limit::Kind;
use crate::state::AppState;
use session_guard::Authenticated;

/// The body of a 202.
pub fn accepted() -> HttpResponse {
    HttpResponse::Accepted().json(AcceptedResponse::new())
}

/// `POST /api/v1/auth/email/verify/send`: a new verification email for the caller.
pub async fn send(state: web::Data<AppState>, auth: Authenticated) -> Result<HttpResponse, Error> {
    let user_id = auth.user_id;
    let user = state
        .db
        .run(async |conn| User::find(conn, user_id).await)
        .await?
        .ok_or(Error::Unauthorized)?;
    if user.email.is_none() {
        return Err(Error::NoEmail);
    }
    state.mailer.ensure_enabled()?;
    state
        .limits
        .check(Kind::VerifySendUser, &user_id.to_string())
        .await?;
    if !user.email_verified {
        state.mailer.send(Notice::VerifyEmail { user: user_id })?;
    }
    Ok(accepted())
}

/// `POST /api/v1/auth/email/verify`: uses a verification token up and marks the
/// address it was sent to as verified.
pub async fn verify(
    state: web::Data<AppState>,
    ApiJson(body): ApiJson<VerifyEmailRequest>,
) -> Result<HttpResponse, Error> {
    let hash = token_hash(body.token.trim());
    let now = time::OffsetDateTime::now_utc();
    let user = state
        .db
        .run(async |conn| {
            conn.transaction::<_, Error, _>(async |conn| {
                let user = account_tokens::redeem(conn, Purpose::VerifyEmail, &hash, now).await?;
                User::mark_email_verified(conn, &state.users, user.id()).await
            })
            .await
        })
        .await?;
    tracing::info!(user_id = %user.id, "email verified");
    Ok(HttpResponse::Ok().json(user.to_response()))
}
