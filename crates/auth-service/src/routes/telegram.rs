//! Telegram identities: the bot-only endpoints (HMAC-signed) and the bearer
//! `telegram/confirm` that binds a Telegram identity to the calling account.

use actix_web::{HttpResponse, web};
use auth_types::dto::{
    TelegramConfirmRequest, TelegramInspectRequest, TelegramInspectResponse,
    TelegramRefreshRequest, TelegramRegisterRequest, TelegramStartRequest, TelegramStartResponse,
    TokenGetRequest,
};
use auth_types::{FieldError, TokenKind, UserId};
use diesel_async::AsyncConnection;

use crate::db::users::{NewUser, User};
use crate::domain::TelegramId;
use crate::domain::telegram::{clean_username, display_name_from};
use crate::error::Error;
use service_kit::json::ApiJson;
use session_guard::Authenticated;

use crate::extract::{Authed, Signed};
use crate::link_codes::{LINK_CODE_TTL_SECS, PendingLink};
use crate::mail::Notice;
use crate::rate_limit::Kind;
use crate::sessions::{Channel, ClientInfo};
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
                state
                    .sessions
                    .create(&pair.refresh, &client, Channel::Bot, now)
                    .await?;
                let tokens = state.tokens.response(pair, &user);
                Ok((user, created, tokens))
            })
            .await
        })
        .await?;

    if created {
        tracing::info!(user_id = %user.id, "telegram user registered");
        Ok(super::token_answer(HttpResponse::Created(), &tokens))
    } else {
        Ok(super::token_answer(HttpResponse::Ok(), &tokens))
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
    let tokens = state.open_session(&user, &client, Channel::Bot).await?;
    Ok(super::token_answer(HttpResponse::Ok(), &tokens))
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
    let tokens = state
        .rotate_session(&presented, &user, Channel::Bot)
        .await?;
    Ok(super::token_answer(HttpResponse::Ok(), &tokens))
}

/// What `telegram/confirm` decided, inside its transaction.
enum Binding {
    Linked(User),
    Unchanged(User),
    Merged { user: User, removed: UserId },
    Conflict,
}

/// A code as sent: trimmed; anything empty or too long is no code at all.
fn code_of(raw: &str) -> Result<String, Error> {
    let code = raw.trim();
    if code.is_empty() || code.len() > 128 {
        return Err(Error::InvalidCode);
    }
    Ok(code.to_owned())
}

/// `POST /api/v1/auth/telegram/inspect`: which Telegram identity a live code
/// would link, so the page can show it before the person confirms. The code
/// stays as it is.
pub async fn inspect(
    state: web::Data<AppState>,
    Authed(_, ApiJson(body)): Authed<ApiJson<TelegramInspectRequest>>,
) -> Result<HttpResponse, Error> {
    let code = code_of(&body.code)?;
    let link = state
        .link_codes
        .peek(&code)
        .await?
        .ok_or(Error::InvalidCode)?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(TelegramInspectResponse {
            telegram_id: link.telegram_id,
            username: link.username,
            first_name: link.first_name,
        }))
}

/// `DELETE /api/v1/auth/telegram`: unbinds the caller's Telegram identity and
/// ends every session opened or refreshed through the bot, at once. A user
/// without an email keeps it: Telegram is their only way in.
pub async fn unlink(
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<HttpResponse, Error> {
    let user_id = auth.user_id;
    let unlinked = state
        .db
        .run(async |conn| {
            conn.transaction::<_, Error, _>(async |conn| {
                let user = User::find_for_update(conn, user_id)
                    .await?
                    .ok_or(Error::Unauthorized)?;
                if user.email.is_none() {
                    return Err(Error::TelegramOnly);
                }
                let Some(telegram_id) = user.telegram_id else {
                    return Ok(None);
                };
                User::unlink_telegram(conn, &state.users, user_id).await?;
                // Inside the transaction: if Redis fails, the link stays as it was.
                state.sessions.revoke_bot_sessions(user_id).await?;
                Ok(Some(telegram_id))
            })
            .await
        })
        .await?;
    if unlinked.is_some() {
        tracing::info!(user_id = %user_id, "telegram identity unlinked; bot sessions ended");
    }
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /api/v1/auth/telegram/confirm`: binds the Telegram identity behind a
/// code to the caller, merging a Telegram-only account into the caller's.
///
/// The code is checked and used up first, atomically: of two requests racing
/// one code, the loser gets 404 `invalid_code` whatever else holds. A 503
/// afterwards changes nothing and puts the code back.
pub async fn confirm(
    state: web::Data<AppState>,
    Authed(auth, ApiJson(body)): Authed<ApiJson<TelegramConfirmRequest>>,
) -> Result<HttpResponse, Error> {
    let code = code_of(&body.code)?;
    let taken = state
        .link_codes
        .take(&code)
        .await?
        .ok_or(Error::InvalidCode)?;
    match bind(&state, auth.user_id, &taken.link).await {
        Ok(answer) => Ok(answer),
        Err(err @ (Error::TelegramAlreadyLinked | Error::Unauthorized)) => Err(err),
        Err(err) => {
            state.link_codes.restore(&code, &taken).await;
            Err(err)
        }
    }
}

/// Binds `link`'s identity to the caller (the code is used up already).
async fn bind(
    state: &AppState,
    caller_id: UserId,
    link: &PendingLink,
) -> Result<HttpResponse, Error> {
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
                Ok(binding)
            })
            .await
        })
        .await?;

    let user = match binding {
        Binding::Unchanged(user) => return Ok(HttpResponse::Ok().json(user.to_response())),
        Binding::Linked(user) => {
            tracing::info!(user_id = %user.id, "telegram identity bound");
            user
        }
        Binding::Merged { user, removed } => {
            tracing::info!(user_id = %user.id, removed_user_id = %removed, "telegram-only account merged");
            user
        }
        Binding::Conflict => return Err(Error::TelegramAlreadyLinked),
    };
    tell_about_link(state, &user, link);
    Ok(HttpResponse::Ok().json(user.to_response()))
}

/// Emails the account that a Telegram identity was linked to it, with the way
/// to undo it (when there is an address and a mail server).
fn tell_about_link(state: &AppState, user: &User, link: &PendingLink) {
    if user.email.is_none() || !state.mailer.is_enabled() {
        return;
    }
    let telegram = match (&link.username, &link.first_name) {
        (Some(username), Some(name)) => format!("{name} (@{username})"),
        (Some(username), None) => format!("@{username}"),
        (None, Some(name)) => format!("{name} (Telegram user {})", link.telegram_id),
        (None, None) => format!("Telegram user {}", link.telegram_id),
    };
    let notice = Notice::TelegramLinked {
        user: user.id(),
        telegram,
    };
    if let Err(err) = state.mailer.send(notice) {
        tracing::warn!(error = %err, "link notice not queued");
    }
}
