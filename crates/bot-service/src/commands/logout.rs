use super::Reply;
use crate::context::{BotError, Context};
use crate::{replies, session};

/// `/logout`: ends the chat's session on the auth service and forgets its tokens.
pub async fn run(ctx: &Context, chat_id: i64) -> Result<Reply, BotError> {
    if ctx.store.tokens(chat_id).await?.is_none() {
        return Ok(Reply::text(replies::NOT_SIGNED_IN));
    }
    // With an expired access token the session is renewed first, so that it is
    // really ended on the auth service, not just forgotten here.
    let call = |access: String| {
        let auth = ctx.auth.clone();
        Box::pin(async move { auth.logout(&access).await }) as _
    };
    session::with_access(ctx, chat_id, call).await?;
    ctx.store.forget_tokens(chat_id).await?;
    Ok(Reply::text(replies::SIGNED_OUT))
}
