//! Telegram identities: the bot-only endpoints (HMAC-signed) and the bearer
//! `telegram/confirm` that binds a Telegram identity to the calling account.

use actix_web::{HttpResponse, web};
use auth_types::dto::{
    TelegramConfirmRequest, TelegramRefreshRequest, TelegramRegisterRequest, TelegramStartRequest,
    TelegramStartResponse, TokenGetRequest,
};
use auth_types::{FieldError, TokenKind, UserId};
use diesel_async::AsyncConnection;

use crate::db::users::{NewUser, User};
use crate::domain::TelegramId;
use crate::domain::telegram::{clean_username, display_name_from};
use crate::error::Error;
use service_kit::json::ApiJson;

use crate::extract::{Authed, Signed};
use crate::link_codes::{LINK_CODE_TTL_SECS, PendingLink};
use crate::rate_limit::Kind;
use crate::sessions::ClientInfo;
use crate::state::{AppState, unix_now};

fn telegram_id(raw: i64) -> Result<TelegramId, Error> {
    TelegramId::parse(raw)
        .map_err(|e| Error::Validation(vec![FieldError::new("telegram_id", e.code, e.message)]))
}

/// `POST /api/v1/auth/telegram/register`: one tap sign-up. Idempotent: 201 with
/// a new Telegram-only user, or 200 with the user who already has this identity;
/// either way a new session. Concurrent calls for one identity make one user.
pub async fn register(
    state: web::Data<AppState>,
    client: ClientInfo,
    Signed(body): Signed<TelegramRegisterRequest>,
) -> Result<HttpResponse, Error> {
    let telegram_id = telegram_id(body.telegram_id)?.get();
    state
        .limits
        .check(Kind::TelegramRegister, &telegram_id.to_string())
        .await?;
    let username = clean_username(body.username.as_deref());
    let display_name = display_name_from(body.first_name.as_deref(), body.last_name.as_deref());
    let now = unix_now();
    let new_id = UserId::new();

    // The user and the session are made in one transaction: a 503 leaves no user.
    let (user, created, tokens) = state
        .db
        .run(async |conn| {
            conn.transaction::<_, Error, _>(async |conn| {
                let (user, created) = match User::find_by_telegram_id(conn, telegram_id).await? {
                    Some(user) => (user, false),
                    None => {
                        let new = NewUser {
                            id: new_id.0,
                            email: None,
                            password_hash: None,
                            display_name: display_name.as_ref().map(|n| n.as_str()),
                            telegram_id: Some(telegram_id),
                            telegram_username: username.as_deref(),
                        };
                        match User::insert_if_telegram_absent(conn, new).await? {
                            Some(user) => (user, true),
                            // Another request inserted it meanwhile; it is committed now.
                            None => (
                                User::find_by_telegram_id(conn, telegram_id)
                                    .await?
                                    .ok_or_else(|| Error::internal("telegram user vanished"))?,
                                false,
                            ),
                        }
                    }
                };
                let pair = state
                    .tokens
                    .issue_pair(user.id(), auth_types::SessionId::new(), now)?;
                state.sessions.create(&pair.refresh, &client, now).await?;
                let tokens = state.tokens.response(pair, &user);
                Ok((user, created, tokens))
            })
            .await
        })
        .await?;

    if created {
        tracing::info!(user_id = %user.id, "telegram user registered");
        Ok(HttpResponse::Created().json(tokens))
    } else {
        Ok(HttpResponse::Ok().json(tokens))
    }
}

/// `POST /api/v1/auth/telegram/start`: a single-use code and the web page link
/// where a signed-in person confirms the binding.
pub async fn start(
    state: web::Data<AppState>,
    Signed(body): Signed<TelegramStartRequest>,
) -> Result<HttpResponse, Error> {
    let id = telegram_id(body.telegram_id)?.get();
    state
        .limits
        .check(Kind::TelegramStart, &id.to_string())
        .await?;
    let link = PendingLink {
        telegram_id: id,
        username: clean_username(body.username.as_deref()),
        first_name: body
            .first_name
            .map(|n| n.trim().chars().take(100).collect()),
    };
    let code = state.link_codes.issue(&link).await?;
    let link_url = format!("{}/link?code={code}", state.settings.public_web_url);
    Ok(HttpResponse::Created().json(TelegramStartResponse {
        code,
        link_url,
        expires_in: LINK_CODE_TTL_SECS,
    }))
}

/// `POST /api/v1/auth/token/get`: a new session for the user of a Telegram identity.
pub async fn token_get(
    state: web::Data<AppState>,
    client: ClientInfo,
    Signed(body): Signed<TokenGetRequest>,
) -> Result<HttpResponse, Error> {
    let telegram_id = telegram_id(body.telegram_id)?.get();
    let user = state
        .db
        .run(async |conn| User::find_by_telegram_id(conn, telegram_id).await)
        .await?
        .ok_or(Error::NotRegistered)?;
    Ok(HttpResponse::Ok().json(state.open_session(&user, &client).await?))
}

/// `POST /api/v1/auth/token/refresh-telegram`: rotation for the bot, which must
/// name the Telegram identity the session's user holds.
pub async fn refresh(
    state: web::Data<AppState>,
    Signed(body): Signed<TelegramRefreshRequest>,
) -> Result<HttpResponse, Error> {
    let telegram_id = telegram_id(body.telegram_id)?.get();
    let presented = state
        .tokens
        .keys
        .verify(&body.refresh_token, TokenKind::Refresh)
        .map_err(|_| Error::InvalidRefreshToken)?;
    state
        .limits
        .check(Kind::RefreshSession, &presented.sid.to_string())
        .await?;
    let user = state
        .db
        .run(async |conn| User::find_by_telegram_id(conn, telegram_id).await)
        .await?
        .filter(|user| user.id() == presented.sub)
        .ok_or(Error::InvalidRefreshToken)?;
    Ok(HttpResponse::Ok().json(state.rotate_session(&presented, &user).await?))
}

/// What `telegram/confirm` decided, inside its transaction.
enum Binding {
    Linked(User),
    Unchanged(User),
    Merged { user: User, removed: UserId },
    Conflict,
}

/// `POST /api/v1/auth/telegram/confirm`: binds the Telegram identity behind a
/// code to the caller, merging a Telegram-only account into the caller's.
///
/// The code is used up inside the transaction (a concurrent confirm of the same
/// code loses and changes nothing); a 503 changes nothing and keeps the code.
pub async fn confirm(
    state: web::Data<AppState>,
    Authed(auth, ApiJson(body)): Authed<ApiJson<TelegramConfirmRequest>>,
) -> Result<HttpResponse, Error> {
    let code = body.code.trim().to_owned();
    if code.is_empty() || code.len() > 128 {
        return Err(Error::InvalidCode);
    }
    let link = state
        .link_codes
        .peek(&code)
        .await?
        .ok_or(Error::InvalidCode)?;
    let caller_id = auth.user_id;

    let binding = state
        .db
        .run(async |conn| {
            conn.transaction::<_, Error, _>(async |conn| {
                let caller = User::find_for_update(conn, caller_id)
                    .await?
                    .ok_or(Error::Unauthorized)?;
                let holder = User::find_by_telegram_id_for_update(conn, link.telegram_id).await?;
                let binding = match holder {
                    Some(holder) if holder.id == caller.id => Binding::Unchanged(caller),
                    Some(holder) if holder.email.is_some() || caller.telegram_id.is_some() => {
                        Binding::Conflict
                    }
                    None if caller.telegram_id.is_some() => Binding::Conflict,
                    None => {
                        let display_name = caller.display_name.clone().or_else(|| {
                            display_name_from(link.first_name.as_deref(), None)
                                .map(|n| n.into_inner())
                        });
                        let user = User::link_telegram(
                            conn,
                            &state.users,
                            caller.id(),
                            link.telegram_id,
                            link.username.as_deref(),
                            display_name.as_deref(),
                        )
                        .await?;
                        Binding::Linked(user)
                    }
                    Some(holder) => {
                        // Merge: the Telegram-only account goes, its identity comes along.
                        User::delete(conn, &state.users, holder.id()).await?;
                        crate::db::user_merges::record(conn, holder.id(), caller.id()).await?;
                        let username = link.username.clone().or(holder.telegram_username.clone());
                        let display_name =
                            caller.display_name.clone().or(holder.display_name.clone());
                        let user = User::link_telegram(
                            conn,
                            &state.users,
                            caller.id(),
                            link.telegram_id,
                            username.as_deref(),
                            display_name.as_deref(),
                        )
                        .await?;
                        state.sessions.revoke_all(holder.id()).await?;
                        Binding::Merged {
                            user,
                            removed: holder.id(),
                        }
                    }
                };
                if !state.link_codes.consume(&code).await? {
                    return Err(Error::InvalidCode);
                }
                Ok(binding)
            })
            .await
        })
        .await?;

    match binding {
        Binding::Linked(user) | Binding::Unchanged(user) => {
            tracing::info!(user_id = %user.id, "telegram identity bound");
            Ok(HttpResponse::Ok().json(user.to_response()))
        }
        Binding::Merged { user, removed } => {
            tracing::info!(user_id = %user.id, removed_user_id = %removed, "telegram-only account merged");
            Ok(HttpResponse::Ok().json(user.to_response()))
        }
        Binding::Conflict => Err(Error::TelegramAlreadyLinked),
    }
}
