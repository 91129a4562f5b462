use frankenstein::types::{InlineKeyboardButton, InlineKeyboardMarkup, ReplyMarkup};

use super::{Reply, link, register};
use crate::api::auth::TelegramPerson;
use crate::context::{BotError, Context};
use crate::replies;

/// `callback_data` of the welcome buttons.
pub const BUTTON_REGISTER: &str = "register";
pub const BUTTON_LINK: &str = "link";

/// `/start`: the welcome with two buttons; `/start link` and `/start register`
/// (deep links) act as those commands.
pub async fn run(
    ctx: &Context,
    chat_id: i64,
    person: &TelegramPerson,
    payload: Option<&str>,
) -> Result<Reply, BotError> {
    match payload {
        Some("register") => register::run(ctx, chat_id, person).await,
        Some("link") => link::run(ctx, person).await,
        _ => {
            let button = |text: &str, data: &str| {
                InlineKeyboardButton::builder()
                    .text(text)
                    .callback_data(data)
                    .build()
            };
            let keyboard = InlineKeyboardMarkup::builder()
                .inline_keyboard(vec![vec![
                    button(replies::BUTTON_REGISTER, BUTTON_REGISTER),
                    button(replies::BUTTON_LINK, BUTTON_LINK),
                ]])
                .build();
            Ok(Reply::with_markup(
                replies::WELCOME,
                ReplyMarkup::InlineKeyboardMarkup(keyboard),
            ))
        }
    }
}
