use actix_web::{HttpResponse, web};
use auth_types::FieldError;
use auth_types::dto::LoginRequest;

use crate::db::users::User;
use crate::domain::Email;
use crate::error::Error;
use service_kit::json::ApiJson;

use crate::rate_limit::Kind;
use crate::sessions::{Channel, ClientInfo};
use crate::state::AppState;

/// `POST /api/v1/auth/login`: email and password for a new session.
///
/// An unknown email and a wrong password get the same answer after the same
/// work (one bcrypt verification), so the answer reveals no account.
pub async fn login(
    state: web::Data<AppState>,
    client: ClientInfo,
    ApiJson(body): ApiJson<LoginRequest>,
) -> Result<HttpResponse, Error> {
    let email = Email::parse(&body.email)
        .map_err(|e| Error::Validation(vec![FieldError::new("email", e.code, e.message)]))?;
    state.limits.check(Kind::LoginIp, &client.ip).await?;
    // Every attempt holds a place in the email's failure window until it proves
    // right, so even the right password waits once the window is full, and
    // parallel guesses cannot overtake the count.
    let attempt = state
        .limits
        .attempt(Kind::LoginEmailFailures, email.as_str())
        .await?;
    let checked = async {
        let user = state
            .db
            .run(async |conn| User::find_by_email(conn, email.as_str()).await)
            .await?;
        let hash = user.as_ref().and_then(|u| u.password_hash.as_deref());
        let matches = state.passwords.verify(&body.password, hash).await?;
        Ok::<_, Error>(user.filter(|_| matches))
    }
    .await;
    let user = match checked {
        Ok(Some(user)) => user,
        Ok(None) => return Err(Error::InvalidCredentials),
        // A 503 is no failed attempt: the password was never checked. Its place
        // goes back, or an outage would lock the real user out.
        Err(err @ Error::Unavailable(..)) => {
            attempt.undone(&state.limits).await;
            return Err(err);
        }
        Err(err) => return Err(err),
    };

    attempt.succeeded(&state.limits).await?;
    let tokens = state.open_session(&user, &client, Channel::Web).await?;
    tracing::info!(user_id = %user.id, "user logged in");
    Ok(super::token_answer(HttpResponse::Ok(), &tokens))
}
