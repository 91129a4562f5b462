//! Password recovery and change.

use actix_web::{HttpResponse, web};
use auth_types::FieldError;
use auth_types::dto::{ChangePasswordRequest, ForgotPasswordRequest, ResetPasswordRequest};
use diesel_async::AsyncConnection;

use crate::db::account_tokens::{self, Purpose};
use crate::db::users::User;
use crate::domain::{Email, Password};
use crate::error::Error;
use service_kit::json::ApiJson;

use crate::extract::Authed;
use crate::mail::{Notice, token_hash};
use crate::rate_limit::Kind;
use crate::sessions::ClientInfo;
use crate::state::AppState;

fn new_password(raw: &str, field: &str) -> Result<Password, Error> {
    Password::parse(raw)
        .map_err(|e| Error::Validation(vec![FieldError::new(field, e.code, e.message)]))
}

/// `POST /api/v1/auth/password/forgot`: a reset email if the address has an
/// account. The answer is the same either way and takes the same time: the
/// look-up happens after it, in the mail worker.
pub async fn forgot(
    state: web::Data<AppState>,
    client: ClientInfo,
    ApiJson(body): ApiJson<ForgotPasswordRequest>,
) -> Result<HttpResponse, Error> {
    let email = Email::parse(&body.email)
        .map_err(|e| Error::Validation(vec![FieldError::new("email", e.code, e.message)]))?;
    state.mailer.ensure_enabled()?;
    state.limits.check(Kind::ForgotIp, &client.ip).await?;
    state
        .limits
        .check(Kind::ForgotEmail, email.as_str())
        .await?;
    state.mailer.send(Notice::ResetPassword { email })?;
    Ok(super::email::accepted())
}

/// `POST /api/v1/auth/password/reset`: a new password with a reset token. Every
/// session of the user ends at once (access tokens included), and the email
/// counts as verified, since the token came through it.
///
/// The token is checked before anything is hashed: a stranger's random tokens
/// cost one indexed read each, never a bcrypt (which logins need), and they
/// are limited per address besides.
pub async fn reset(
    state: web::Data<AppState>,
    client: ClientInfo,
    ApiJson(body): ApiJson<ResetPasswordRequest>,
) -> Result<HttpResponse, Error> {
    // Refused fields use up no token: check them first.
    let password = new_password(&body.password, "password")?;
    state.limits.check(Kind::ResetIp, &client.ip).await?;
    let hash = token_hash(body.token.trim());
    let now = time::OffsetDateTime::now_utc();
    let live = state
        .db
        .run(async |conn| account_tokens::is_live(conn, Purpose::ResetPassword, &hash, now).await)
        .await?;
    if !live {
        return Err(Error::InvalidCode);
    }
    let password_hash = state.passwords.hash(&password).await?;
    let user_id = state
        .db
        .run(async |conn| {
            conn.transaction::<_, Error, _>(async |conn| {
                let user = account_tokens::redeem(conn, Purpose::ResetPassword, &hash, now).await?;
                User::set_password(conn, &state.users, user.id(), &password_hash, true).await?;
                // Inside the transaction: if Redis fails, the password stays as it was.
                state.sessions.revoke_all(user.id()).await?;
                Ok(user.id())
            })
            .await
        })
        .await?;
    tracing::info!(user_id = %user_id, "password reset; all sessions ended");
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /api/v1/auth/password/change`: needs the current password; every other
/// session of the user ends, the calling one stays.
pub async fn change(
    state: web::Data<AppState>,
    Authed(auth, ApiJson(body)): Authed<ApiJson<ChangePasswordRequest>>,
) -> Result<HttpResponse, Error> {
    let password = new_password(&body.new_password, "new_password")?;
    let user_id = auth.user_id;
    let user = state
        .db
        .run(async |conn| User::find(conn, user_id).await)
        .await?
        .ok_or(Error::Unauthorized)?;
    // Wrong current passwords count against the email's login failures (a
    // stolen access token must not guess without limit), and while the email
    // is locked the change is refused as a login is.
    let limited = user.email.as_deref().and_then(|e| Email::parse(e).ok());
    let attempt = match &limited {
        Some(email) => Some(
            state
                .limits
                .attempt(Kind::LoginEmailFailures, email.as_str())
                .await?,
        ),
        None => None,
    };
    let matches = state
        .passwords
        .verify(&body.current_password, user.password_hash.as_deref())
        .await;
    match (matches, attempt) {
        (Ok(true), Some(attempt)) => attempt.succeeded(&state.limits).await?,
        (Ok(true), None) => {}
        (Ok(false), _) => return Err(Error::InvalidCredentials),
        (Err(err), attempt) => {
            if let Some(attempt) = attempt {
                attempt.undone(&state.limits).await;
            }
            return Err(err);
        }
    }
    let password_hash = state.passwords.hash(&password).await?;
    state
        .db
        .run(async |conn| {
            conn.transaction::<_, Error, _>(async |conn| {
                User::set_password(conn, &state.users, user_id, &password_hash, false).await?;
                state
                    .sessions
                    .revoke_all_but(user_id, Some(auth.session_id))
                    .await
            })
            .await
        })
        .await?;
    tracing::info!(user_id = %user_id, "password changed; other sessions ended");
    Ok(HttpResponse::NoContent().finish())
}
