use super::Reply;
use crate::context::{BotError, Context};
use crate::{replies, session};

/// `/me`: the account this chat is signed in to. Opens no session.
pub async fn run(ctx: &Context, chat_id: i64) -> Result<Reply, BotError> {
    let call = |access: String| {
        let auth = ctx.auth.clone();
        Box::pin(async move { auth.me(&access).await }) as _
    };
    match session::with_access(ctx, chat_id, call).await? {
        Some((user, _)) => Ok(Reply::text(replies::me(&user))),
        None => Ok(Reply::text(replies::NOT_SIGNED_IN)),
    }
}
