use super::Reply;
use super::record::current_family;
use crate::context::{BotError, Context};
use crate::{replies, session};

/// How many transactions `/history` shows without a number, and at most.
pub const DEFAULT: u32 = 10;
pub const MAX: u32 = 50;

/// `/history [n]`: the family's last `n` transactions, newest first.
pub async fn run(ctx: &Context, chat_id: i64, argument: &str) -> Result<Reply, BotError> {
    let count = match argument.trim() {
        "" => DEFAULT,
        n => match n.parse::<u32>() {
            Ok(n) if (1..=MAX).contains(&n) => n,
            _ => return Ok(Reply::text(replies::history_count(MAX))),
        },
    };
    let Some(mut signed) = session::signed_in(ctx, chat_id).await? else {
        return Ok(Reply::text(replies::NOT_SIGNED_IN));
    };
    let family = current_family(&mut signed).await?;
    let transactions = crate::finance!(signed, |api, token| api
        .transactions(token, family.id, count))?;
    if transactions.is_empty() {
        return Ok(Reply::text(replies::NO_HISTORY));
    }
    let categories = crate::finance!(signed, |api, token| api.categories(token, family.id))?;
    let accounts = crate::finance!(signed, |api, token| api.accounts(token, family.id))?;
    Ok(Reply::text(replies::history(
        &transactions,
        &categories,
        &accounts,
    )))
}
