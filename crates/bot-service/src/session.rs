//! A chat's sign-in: its token pair in Redis, kept fresh. The access token is
//! refreshed (rotated) when it is near expiry or refused; when the refresh
//! token is no longer good (the session was revoked, or the account merged
//! into another), the bot asks for a new session with `token/get`.

use auth_types::dto::TokenResponse;
use futures_util::future::BoxFuture;

use crate::api::FinanceClient;
use crate::context::{BotError, Context, unix_now};
use crate::store::ChatTokens;

/// Refresh this long before the access token expires.
const REFRESH_MARGIN_SECS: i64 = 60;

pub async fn save(
    ctx: &Context,
    chat_id: i64,
    telegram_id: i64,
    tokens: &TokenResponse,
) -> Result<ChatTokens, BotError> {
    let saved = ChatTokens::from_response(telegram_id, tokens, unix_now());
    ctx.store
        .save_tokens(chat_id, &saved, tokens.refresh_expires_in)
        .await?;
    // Where the family's alerts reach this person.
    ctx.store
        .set_user_chat(
            &tokens.user.id.to_string(),
            chat_id,
            tokens.refresh_expires_in,
        )
        .await?;
    Ok(saved)
}

/// The chat's tokens with a live-looking access token, or `None` when the chat
/// is not signed in (or its account is gone).
pub async fn current(ctx: &Context, chat_id: i64) -> Result<Option<ChatTokens>, BotError> {
    match ctx.store.tokens(chat_id).await? {
        Some(tokens) if tokens.access_expires_at - unix_now() <= REFRESH_MARGIN_SECS => {
            renew(ctx, chat_id, &tokens).await
        }
        other => Ok(other),
    }
}

/// Rotates the chat's tokens; falls back to a new session when the refresh token is refused.
pub async fn renew(
    ctx: &Context,
    chat_id: i64,
    tokens: &ChatTokens,
) -> Result<Option<ChatTokens>, BotError> {
    let fresh = match ctx
        .auth
        .refresh(tokens.telegram_id, &tokens.refresh_token)
        .await
    {
        Ok(fresh) => fresh,
        Err(err) if err.is_unauthorized() => match ctx.auth.token_get(tokens.telegram_id).await {
            Ok(fresh) => fresh,
            Err(err) if err.is_refused("not_registered") => {
                ctx.store.forget_tokens(chat_id).await?;
                return Ok(None);
            }
            Err(err) => return Err(err.into()),
        },
        Err(err) => return Err(err.into()),
    };
    Ok(Some(save(ctx, chat_id, tokens.telegram_id, &fresh).await?))
}

/// Runs `call` with the chat's access token, renewing it once if it is refused.
/// `None` when the chat is not signed in.
pub async fn with_access<T>(
    ctx: &Context,
    chat_id: i64,
    call: impl Fn(String) -> BoxFuture<'static, Result<T, crate::api::AuthError>>,
) -> Result<Option<(T, ChatTokens)>, BotError> {
    let Some(tokens) = current(ctx, chat_id).await? else {
        return Ok(None);
    };
    match call(tokens.access_token.clone()).await {
        Ok(value) => Ok(Some((value, tokens))),
        Err(err) if err.is_unauthorized() => {
            let Some(tokens) = renew(ctx, chat_id, &tokens).await? else {
                return Ok(None);
            };
            Ok(Some((call(tokens.access_token.clone()).await?, tokens)))
        }
        Err(err) => Err(err.into()),
    }
}

/// A chat's sign-in for a run of calls to the finance service.
pub struct Signed<'a> {
    ctx: &'a Context,
    chat_id: i64,
    tokens: ChatTokens,
}

/// The chat's sign-in, or `None` when it is not signed in.
pub async fn signed_in(ctx: &Context, chat_id: i64) -> Result<Option<Signed<'_>>, BotError> {
    Ok(current(ctx, chat_id).await?.map(|tokens| Signed {
        ctx,
        chat_id,
        tokens,
    }))
}

impl Signed<'_> {
    pub fn ctx(&self) -> &Context {
        self.ctx
    }

    pub fn chat_id(&self) -> i64 {
        self.chat_id
    }

    /// The finance service's client.
    pub fn api(&self) -> &FinanceClient {
        &self.ctx.finance
    }

    /// The chat's access token.
    pub fn token(&self) -> &str {
        &self.tokens.access_token
    }

    /// Renews the chat's tokens after the finance service refused the access
    /// token; [`BotError::SignedOut`] when the chat's account is gone.
    pub async fn renew(&mut self) -> Result<(), BotError> {
        match renew(self.ctx, self.chat_id, &self.tokens).await? {
            Some(tokens) => {
                self.tokens = tokens;
                Ok(())
            }
            None => Err(BotError::SignedOut),
        }
    }
}

/// `finance!(signed, |api, token| api.accounts(token, family))`: the call with
/// the chat's access token, made again once with a renewed token when the
/// finance service refuses it; a `Result<_, BotError>`.
#[macro_export]
macro_rules! finance {
    ($signed:expr, |$api:ident, $token:ident| $call:expr) => {{
        let signed: &mut $crate::session::Signed<'_> = &mut $signed;
        let first = {
            let $api = signed.api();
            let $token = signed.token();
            $call.await
        };
        match first {
            Err(err) if err.is_unauthorized() => match signed.renew().await {
                Ok(()) => {
                    let $api = signed.api();
                    let $token = signed.token();
                    $call.await.map_err($crate::context::BotError::from)
                }
                Err(err) => Err(err),
            },
            other => other.map_err($crate::context::BotError::from),
        }
    }};
}
