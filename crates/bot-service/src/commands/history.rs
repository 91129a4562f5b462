use frankenstein::types::{InlineKeyboardButton, InlineKeyboardMarkup, ReplyMarkup};
use uuid::Uuid;

use super::Reply;
use super::record::current_family;
use crate::context::{BotError, Context};
use crate::{replies, session};

/// How many transactions `/history` shows without a number, and at most.
pub const DEFAULT: u32 = 10;
pub const MAX: u32 = 50;
/// Delete buttons in a row.
const PER_ROW: usize = 5;

/// `callback_data` of the delete button of a transaction: `d:{id}`.
pub fn delete_data(id: Uuid) -> String {
    format!("d:{id}")
}

pub fn parse_delete(data: &str) -> Option<Uuid> {
    Uuid::parse_str(data.strip_prefix("d:")?).ok()
}

/// `/history [n]`: the family's last `n` transactions, newest first, numbered,
/// with a delete button per number.
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
    let buttons: Vec<InlineKeyboardButton> = transactions
        .iter()
        .enumerate()
        .map(|(i, t)| {
            InlineKeyboardButton::builder()
                .text(replies::button_delete(i + 1))
                .callback_data(delete_data(t.id))
                .build()
        })
        .collect();
    let keyboard = InlineKeyboardMarkup::builder()
        .inline_keyboard(buttons.chunks(PER_ROW).map(<[_]>::to_vec).collect())
        .build();
    Ok(Reply::with_markup(
        replies::history(&transactions, &categories, &accounts, &family.time_zone),
        ReplyMarkup::InlineKeyboardMarkup(keyboard),
    ))
}

/// A delete button under `/history`: removes that transaction of the chat's
/// family and says what it removed.
pub async fn delete(ctx: &Context, chat_id: i64, id: Uuid) -> Result<Reply, BotError> {
    let Some(mut signed) = session::signed_in(ctx, chat_id).await? else {
        return Ok(Reply::text(replies::NOT_SIGNED_IN));
    };
    let family = current_family(&mut signed).await?;
    let transaction =
        match crate::finance!(signed, |api, token| api.transaction(token, family.id, id)) {
            Ok(transaction) => transaction,
            Err(BotError::Finance(err)) if err.is_not_found() => {
                return Ok(Reply::text(replies::ALREADY_REMOVED));
            }
            Err(err) => return Err(err),
        };
    match crate::finance!(signed, |api, token| api
        .delete_transaction(token, family.id, id))
    {
        Ok(()) => {}
        Err(BotError::Finance(err)) if err.is_not_found() => {}
        Err(err) => return Err(err),
    }
    ctx.store
        .forget_recorded(chat_id, &format!("{}/{id}", family.id))
        .await?;
    let categories =
        crate::finance!(signed, |api, token| api.categories(token, family.id)).unwrap_or_default();
    let category = transaction
        .category_id
        .and_then(|id| categories.iter().find(|c| c.id == id))
        .map(|c| c.name.as_str());
    Ok(Reply::text(replies::removed(&transaction, category)))
}
