use super::Reply;
use super::record::current_family;
use crate::context::{BotError, Context};
use crate::{replies, session};

/// `/balance`: each active account's balance, and the total per currency.
pub async fn run(ctx: &Context, chat_id: i64) -> Result<Reply, BotError> {
    let Some(mut signed) = session::signed_in(ctx, chat_id).await? else {
        return Ok(Reply::text(replies::NOT_SIGNED_IN));
    };
    let family = current_family(&mut signed).await?;
    let accounts = crate::finance!(signed, |api, token| api.accounts(token, family.id))?;
    let active: Vec<_> = accounts.into_iter().filter(|a| !a.archived).collect();
    Ok(Reply::text(replies::balance(&active)))
}
