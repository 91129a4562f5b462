use uuid::Uuid;

use super::{Origin, Reply};
use crate::context::{BotError, Context};
use crate::{replies, session};

/// `/undo`: deletes the newest transaction recorded from this chat and says
/// what it removed. The same `/undo` handled twice removes one transaction.
pub async fn run(ctx: &Context, chat_id: i64, origin: &Origin) -> Result<Reply, BotError> {
    let Some(mut signed) = session::signed_in(ctx, chat_id).await? else {
        return Ok(Reply::text(replies::NOT_SIGNED_IN));
    };
    let Some(entry) = ctx.store.undo_target(chat_id, origin.message_id).await? else {
        return Ok(Reply::text(replies::NOTHING_TO_UNDO));
    };
    let Some((family, id)) = entry
        .split_once('/')
        .and_then(|(f, t)| Some((Uuid::parse_str(f).ok()?, Uuid::parse_str(t).ok()?)))
    else {
        ctx.store.forget_recorded(chat_id, &entry).await?;
        return Ok(Reply::text(replies::NOTHING_TO_UNDO));
    };
    let found = crate::finance!(signed, |api, token| api.transaction(token, family, id));
    let transaction = match found {
        Ok(transaction) => transaction,
        Err(BotError::Finance(err)) if err.is_not_found() => {
            ctx.store.forget_recorded(chat_id, &entry).await?;
            return Ok(Reply::text(replies::ALREADY_REMOVED));
        }
        Err(err) => return Err(err),
    };
    let deleted = crate::finance!(signed, |api, token| api
        .delete_transaction(token, family, id));
    match deleted {
        Ok(()) => {}
        Err(BotError::Finance(err)) if err.is_not_found() => {}
        Err(err) => return Err(err),
    }
    ctx.store.forget_recorded(chat_id, &entry).await?;
    let categories =
        crate::finance!(signed, |api, token| api.categories(token, family)).unwrap_or_default();
    let category = transaction
        .category_id
        .and_then(|id| categories.iter().find(|c| c.id == id))
        .map(|c| c.name.as_str());
    Ok(Reply::text(replies::removed(&transaction, category)))
}
