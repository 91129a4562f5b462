use super::Reply;
use crate::api::auth::TelegramPerson;
use crate::context::{BotError, Context};
use crate::{replies, session};

/// `/register`: one tap. Creates the Telegram account, or signs this chat in to
/// the account that already holds this Telegram identity.
pub async fn run(ctx: &Context, chat_id: i64, person: &TelegramPerson) -> Result<Reply, BotError> {
    // A session this chat already had is replaced; end it rather than leave it open.
    let previous = ctx.store.tokens(chat_id).await?;
    let (created, tokens) = ctx.auth.register(person).await?;
    session::save(ctx, chat_id, person.id, &tokens).await?;
    if let Some(previous) = previous
        && let Err(err) = ctx.auth.logout(&previous.access_token).await
    {
        tracing::debug!(error = %err, "previous session of the chat already ended");
    }
    let name = tokens
        .user
        .display_name
        .clone()
        .unwrap_or_else(|| person.first_name.clone());
    Ok(Reply::text(replies::registered(created, &name)))
}
