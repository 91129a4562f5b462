//! Commands: parsing, and one handler per command.

mod help;
mod link;
mod logout;
mod me;
pub mod parse;
mod register;
mod start;

use frankenstein::types::{MaybeInaccessibleMessage, ReplyMarkup};
use frankenstein::updates::{Update, UpdateContent};

use crate::api::auth::TelegramPerson;
use crate::context::{BotError, Context};
use crate::replies;
pub use parse::{Command, MENU};

/// What the bot answers.
pub struct Reply {
    pub text: String,
    pub markup: Option<ReplyMarkup>,
}

impl Reply {
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            markup: None,
        }
    }
}

fn person(user: &frankenstein::types::User) -> TelegramPerson {
    TelegramPerson {
        // Telegram user ids fit in 52 bits.
        id: i64::try_from(user.id).unwrap_or(i64::MAX),
        username: user.username.clone(),
        first_name: user.first_name.clone(),
        last_name: user.last_name.clone(),
    }
}

/// The chat a button was pressed in: that of the message carrying the button.
pub fn callback_chat(query: &frankenstein::types::CallbackQuery) -> i64 {
    match &query.message {
        Some(MaybeInaccessibleMessage::Message(message)) => message.chat.id,
        Some(MaybeInaccessibleMessage::InaccessibleMessage(message)) => message.chat.id,
        None => i64::try_from(query.from.id).unwrap_or(i64::MAX),
    }
}

/// Handles one update: a message or a press on one of our buttons.
pub async fn handle_update(ctx: &Context, update: &Update) {
    let (chat_id, person, command) = match &update.content {
        UpdateContent::Message(message) => {
            let Some(from) = message.from.as_deref() else {
                return;
            };
            // Tokens are kept per chat and codes are shown in it: only a private
            // chat is one person's.
            if message.chat.type_field != frankenstein::types::ChatType::Private {
                if message.text.as_deref().is_some_and(|t| t.starts_with('/')) {
                    reply(ctx, message.chat.id, Reply::text(replies::PRIVATE_ONLY)).await;
                }
                return;
            }
            let text = message.text.as_deref().unwrap_or_default();
            (
                message.chat.id,
                person(from),
                Command::parse(text, &ctx.username),
            )
        }
        UpdateContent::CallbackQuery(query) => {
            if let Err(err) = ctx.telegram.answer_callback(&query.id).await {
                tracing::warn!(error = %err, "could not answer a button press");
            }
            let chat_id = callback_chat(query);
            let command = match query.data.as_deref() {
                Some(start::BUTTON_REGISTER) => Command::Register,
                Some(start::BUTTON_LINK) => Command::Link,
                _ => Command::Help,
            };
            // A button in someone else's or a group's message is not this person's to press.
            if i64::try_from(query.from.id).ok() != Some(chat_id) {
                return;
            }
            (chat_id, person(&query.from), command)
        }
        _ => return,
    };
    let reply = run(ctx, chat_id, &person, command)
        .await
        .unwrap_or_else(|err| {
            tracing::warn!(error = %err, chat_id, "command failed");
            Reply::text(replies::UNAVAILABLE)
        });
    self::reply(ctx, chat_id, reply).await;
}

async fn reply(ctx: &Context, chat_id: i64, reply: Reply) {
    if let Err(err) = ctx.telegram.send(chat_id, &reply.text, reply.markup).await {
        tracing::error!(error = %err, chat_id, "could not deliver the reply");
    }
}

async fn run(
    ctx: &Context,
    chat_id: i64,
    person: &TelegramPerson,
    command: Command,
) -> Result<Reply, BotError> {
    tracing::info!(chat_id, ?command, "command");
    match command {
        Command::Start(payload) => start::run(ctx, chat_id, person, payload.as_deref()).await,
        Command::Register => register::run(ctx, chat_id, person).await,
        Command::Link => link::run(ctx, person).await,
        Command::Me => me::run(ctx, chat_id).await,
        Command::Logout => logout::run(ctx, chat_id).await,
        Command::Help => Ok(help::run()),
        Command::Unknown(name) => Ok(Reply::text(replies::unknown_command(&name))),
        Command::Text => Ok(Reply::text(replies::PLAIN_TEXT)),
    }
}
