use actix_web::{HttpResponse, web};
use auth_types::FieldError;
use auth_types::dto::RegisterRequest;
use diesel_async::AsyncConnection;

use crate::db::users::{NewUser, User};
use crate::domain::{DisplayName, Email, Invalid, Password};
use crate::error::Error;
use service_kit::json::ApiJson;

use crate::mail::Notice;
use crate::rate_limit::Kind;
use crate::sessions::{Channel, ClientInfo};
use crate::state::{AppState, unix_now};

/// A registration whose every field is valid.
pub struct NewAccount {
    pub email: Email,
    pub password: Password,
    pub display_name: Option<DisplayName>,
}

impl TryFrom<RegisterRequest> for NewAccount {
    type Error = Error;

    /// Checks every field and reports all invalid ones together.
    fn try_from(req: RegisterRequest) -> Result<Self, Error> {
        let mut errors = Vec::new();
        let mut field = |name: &str, e: Invalid| {
            errors.push(FieldError::new(name, e.code, e.message));
        };
        let email = Email::parse(&req.email).map_err(|e| field("email", e)).ok();
        let password = Password::parse(&req.password)
            .map_err(|e| field("password", e))
            .ok();
        let display_name = match req.display_name.as_deref() {
            None => Some(None),
            Some(raw) => DisplayName::parse(raw)
                .map(Some)
                .map_err(|e| field("display_name", e))
                .ok(),
        };
        match (email, password, display_name) {
            (Some(email), Some(password), Some(display_name)) => Ok(Self {
                email,
                password,
                display_name,
            }),
            _ => Err(Error::Validation(errors)),
        }
    }
}

/// `POST /api/v1/auth/register`: creates an email account and opens its first session.
///
/// The user row and the session are created together: the session is written
/// to Redis inside the database transaction, so a 503 from either leaves no user.
pub async fn register(
    state: web::Data<AppState>,
    client: ClientInfo,
    ApiJson(body): ApiJson<RegisterRequest>,
) -> Result<HttpResponse, Error> {
    let account = NewAccount::try_from(body)?;
    state.limits.check(Kind::RegisterIp, &client.ip).await?;
    let password_hash = state.passwords.hash(&account.password).await?;
    let now = unix_now();
    let user_id = auth_types::UserId::new();
    let session_id = auth_types::SessionId::new();
    let pair = state.tokens.issue_pair(user_id, session_id, now)?;

    let user = state
        .db
        .run(async |conn| {
            conn.transaction::<_, Error, _>(async |conn| {
                let user = User::insert(
                    conn,
                    NewUser {
                        id: user_id.0,
                        email: Some(account.email.as_str()),
                        password_hash: Some(&password_hash),
                        display_name: account.display_name.as_ref().map(DisplayName::as_str),
                        telegram_id: None,
                        telegram_username: None,
                    },
                )
                .await?;
                state
                    .sessions
                    .create(&pair.refresh, &client, Channel::Web, now)
                    .await?;
                Ok(user)
            })
            .await
        })
        .await?;

    tracing::info!(user_id = %user.id, "user registered");
    // The first verification email goes out by itself, when there is a mail server.
    if state.mailer.is_enabled()
        && let Err(err) = state.mailer.send(Notice::VerifyEmail { user: user.id() })
    {
        tracing::warn!(error = %err, "verification email not queued");
    }
    Ok(super::token_answer(
        HttpResponse::Created(),
        &state.tokens.response(pair, &user),
    ))
}
