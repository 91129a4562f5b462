//! `/accounts` and `/categories` of the chat's family.

use super::Reply;
use super::record::current_family;
use crate::context::{BotError, Context};
use crate::{replies, session};

pub async fn accounts(ctx: &Context, chat_id: i64) -> Result<Reply, BotError> {
    let Some(mut signed) = session::signed_in(ctx, chat_id).await? else {
        return Ok(Reply::text(replies::NOT_SIGNED_IN));
    };
    let family = current_family(&mut signed).await?;
    let accounts = crate::finance!(signed, |api, token| api.accounts(token, family.id))?;
    Ok(Reply::text(replies::accounts(&accounts)))
}

pub async fn categories(ctx: &Context, chat_id: i64) -> Result<Reply, BotError> {
    let Some(mut signed) = session::signed_in(ctx, chat_id).await? else {
        return Ok(Reply::text(replies::NOT_SIGNED_IN));
    };
    let family = current_family(&mut signed).await?;
    let categories = crate::finance!(signed, |api, token| api.categories(token, family.id))?;
    Ok(Reply::text(replies::categories(&categories)))
}
