//! Commands: parsing, and one handler per command.

mod balance;
mod budget;
mod edit;
pub mod entry;
mod family;
mod goal;
mod help;
mod history;
mod link;
mod lists;
mod logout;
mod me;
mod notify;
pub mod parse;
pub mod record;
mod register;
mod report;
mod settings;
mod start;
mod undo;

use std::time::Instant;

use frankenstein::types::{MaybeInaccessibleMessage, ReplyMarkup};
use frankenstein::updates::{Update, UpdateContent};

use crate::api::FinanceError;
use crate::api::auth::TelegramPerson;
use crate::context::{BotError, Context};
use crate::metrics::Outcome;
use crate::replies;
use crate::telegram::TelegramError;
pub use parse::{Command, MENU};

/// The message an update came with: its id and its edit (0 before any),
/// from which every write's `Idempotency-Key` is made.
#[derive(Debug, Clone, Copy, Default)]
pub struct Origin {
    pub message_id: i64,
    pub edit_date: u64,
}

/// A transaction a message recorded.
#[derive(Debug, Clone, Copy)]
pub struct Recorded {
    /// The person's message.
    pub message_id: i64,
    pub family_id: uuid::Uuid,
    pub transaction_id: uuid::Uuid,
}

/// What the bot answers.
pub struct Reply {
    /// Nothing is sent when empty.
    pub text: String,
    pub markup: Option<ReplyMarkup>,
    /// The bot message to replace (the one whose button was pressed, or a
    /// confirmation) instead of sending a new one.
    pub edit: Option<i64>,
    /// The transaction this answer confirms: remembered with the answer's
    /// message id, so an edit of the person's message changes that transaction.
    pub recorded: Option<Recorded>,
    /// A picture (PNG) sent before the text.
    pub photo: Option<Vec<u8>>,
}

impl Reply {
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            markup: None,
            edit: None,
            recorded: None,
            photo: None,
        }
    }

    pub fn with_markup(text: impl Into<String>, markup: ReplyMarkup) -> Self {
        Self {
            markup: Some(markup),
            ..Self::text(text)
        }
    }

    /// No answer at all.
    pub fn none() -> Self {
        Self::text("")
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
    let started = Instant::now();
    let (command, outcome) = answer_update(ctx, update).await;
    crate::metrics::update_handled(command, outcome, started.elapsed());
}

/// Which command the update asked for (`none`: not a message or button of a
/// private chat) and how answering it ended.
async fn answer_update(ctx: &Context, update: &Update) -> (&'static str, Outcome) {
    let (chat_id, person, command, origin) = match &update.content {
        UpdateContent::Message(message) | UpdateContent::EditedMessage(message) => {
            let edited = matches!(update.content, UpdateContent::EditedMessage(_));
            let Some(from) = message.from.as_deref() else {
                return ("none", Outcome::Ignored);
            };
            // Tokens are kept per chat and codes are shown in it: only a private
            // chat is one person's.
            if message.chat.type_field != frankenstein::types::ChatType::Private {
                if !edited && message.text.as_deref().is_some_and(|t| t.starts_with('/')) {
                    let delivered =
                        reply(ctx, message.chat.id, Reply::text(replies::PRIVATE_ONLY)).await;
                    return ("none", delivered_or(delivered, Outcome::Ignored));
                }
                return ("none", Outcome::Ignored);
            }
            let text = message.text.as_deref().unwrap_or_default();
            let command = if edited {
                Command::Edited(text.to_owned())
            } else {
                Command::parse(text, &ctx.username)
            };
            (
                message.chat.id,
                person(from),
                command,
                Origin {
                    message_id: i64::from(message.message_id),
                    edit_date: message.edit_date.unwrap_or(0),
                },
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
                Some(data) => {
                    if let Some((message_id, choice)) = record::parse_choice(data) {
                        Command::Choose(message_id, choice)
                    } else if let Some(id) = history::parse_delete(data) {
                        Command::Delete(id)
                    } else if let Some(id) = family::parse_switch(data) {
                        Command::SwitchFamily(id)
                    } else if let Some((what, on)) = settings::parse_toggle(data) {
                        Command::Toggle(what, on)
                    } else if data == family::INVITE_DATA {
                        Command::Invite(query.id.clone())
                    } else {
                        Command::Help
                    }
                }
                None => Command::Help,
            };
            // A button in someone else's or a group's message is not this person's to press.
            if i64::try_from(query.from.id).ok() != Some(chat_id) {
                return (command.label(), Outcome::Ignored);
            }
            let origin = match &query.message {
                Some(MaybeInaccessibleMessage::Message(message)) => Origin {
                    message_id: i64::from(message.message_id),
                    edit_date: message.edit_date.unwrap_or(0),
                },
                _ => Origin::default(),
            };
            (chat_id, person(&query.from), command, origin)
        }
        _ => return ("none", Outcome::Ignored),
    };
    let label = command.label();
    let (answer, outcome) = match run(ctx, chat_id, &person, &origin, command).await {
        Ok(answer) => (answer, Outcome::Answered),
        Err(err) => {
            tracing::warn!(error = %err, chat_id, "command failed");
            (Reply::text(failure_reply(&err)), Outcome::Failed)
        }
    };
    let delivered = reply(ctx, chat_id, answer).await;
    (label, delivered_or(delivered, outcome))
}

/// What the person is told when a command could not be carried out.
fn failure_reply(err: &BotError) -> &'static str {
    match err {
        BotError::Finance(FinanceError::Unavailable(_)) => replies::FINANCE_UNAVAILABLE,
        BotError::Finance(err) if err.is_refused("forbidden") => replies::VIEWER,
        BotError::SignedOut => replies::NOT_SIGNED_IN,
        BotError::NoFamily => replies::NO_FAMILY,
        _ => replies::UNAVAILABLE,
    }
}

/// `outcome`, unless the answer never reached Telegram.
fn delivered_or(delivered: bool, outcome: Outcome) -> Outcome {
    if delivered {
        outcome
    } else {
        Outcome::Undelivered
    }
}

/// Sends the answer (or edits the message it replaces); false when Telegram
/// would not take it.
async fn reply(ctx: &Context, chat_id: i64, reply: Reply) -> bool {
    if reply.text.is_empty() {
        return true;
    }
    // The picture is a courtesy: the text says it all in any case.
    if let Some(png) = &reply.photo
        && let Err(err) = ctx.telegram.send_photo(chat_id, png).await
    {
        tracing::warn!(error = %err, chat_id, "could not send a picture");
    }
    let delivered = match reply.edit {
        Some(message_id) => {
            let markup = match &reply.markup {
                Some(ReplyMarkup::InlineKeyboardMarkup(markup)) => Some(markup.clone()),
                _ => None,
            };
            match ctx
                .telegram
                .edit(chat_id, message_id, &reply.text, markup)
                .await
            {
                Ok(()) => Ok(message_id),
                // A message Telegram no longer lets us edit (deleted, too old):
                // the answer comes as a new message instead.
                Err(TelegramError::Refused(why)) => {
                    tracing::warn!(chat_id, %why, "could not edit a message; sending the answer anew");
                    ctx.telegram.send(chat_id, &reply.text, reply.markup).await
                }
                Err(err) => Err(err),
            }
        }
        None => ctx.telegram.send(chat_id, &reply.text, reply.markup).await,
    };
    match delivered {
        Ok(confirmation) => {
            if let Some(recorded) = reply.recorded {
                let value = format!(
                    "{}/{}/{confirmation}",
                    recorded.family_id, recorded.transaction_id
                );
                if let Err(err) = ctx
                    .store
                    .save_message(chat_id, recorded.message_id, &value)
                    .await
                {
                    tracing::warn!(error = %err, chat_id, "could not remember a recorded message");
                }
            }
            true
        }
        Err(err) => {
            tracing::error!(error = %err, chat_id, "could not deliver the reply");
            false
        }
    }
}

async fn run(
    ctx: &Context,
    chat_id: i64,
    person: &TelegramPerson,
    origin: &Origin,
    command: Command,
) -> Result<Reply, BotError> {
    tracing::info!(chat_id, ?command, "command");
    match command {
        Command::Start(Some(payload)) if payload.starts_with("join_") => {
            family::join(ctx, chat_id, person, &payload["join_".len()..]).await
        }
        Command::Start(payload) => start::run(ctx, chat_id, person, payload.as_deref()).await,
        Command::Family => family::run(ctx, chat_id, None).await,
        Command::Budget(argument) => budget::run(ctx, chat_id, origin, &argument).await,
        Command::Goal(argument) => goal::run(ctx, chat_id, origin, &argument).await,
        Command::Report(argument) => report::run(ctx, chat_id, &argument).await,
        Command::Accounts => lists::accounts(ctx, chat_id).await,
        Command::Categories => lists::categories(ctx, chat_id).await,
        Command::Settings(argument) => settings::run(ctx, chat_id, origin, &argument).await,
        Command::Toggle(what, on) => {
            settings::toggle(ctx, chat_id, origin.message_id, what, on).await
        }
        Command::Join(code) if code.trim().is_empty() => Ok(Reply::text(replies::JOIN_USAGE)),
        Command::Join(code) => family::join(ctx, chat_id, person, &code).await,
        Command::SwitchFamily(id) => family::switch(ctx, chat_id, origin.message_id, id).await,
        Command::Invite(press) => family::invite(ctx, chat_id, &press).await,
        Command::Register => register::run(ctx, chat_id, person).await,
        Command::Link => link::run(ctx, person).await,
        Command::Me => me::run(ctx, chat_id).await,
        Command::Logout => logout::run(ctx, chat_id).await,
        Command::Help => Ok(help::run()),
        Command::Add(argument) => {
            let entry = entry::command(entry::Kind::Expense, &argument);
            record::run(ctx, chat_id, origin, entry).await
        }
        Command::Income(argument) => {
            let entry = entry::command(entry::Kind::Income, &argument);
            record::run(ctx, chat_id, origin, entry).await
        }
        Command::Quick(text) => record::run(ctx, chat_id, origin, entry::quick(&text)).await,
        Command::Undo => undo::run(ctx, chat_id, origin).await,
        Command::Balance => balance::run(ctx, chat_id).await,
        Command::History(argument) => history::run(ctx, chat_id, &argument).await,
        Command::Choose(message_id, choice) => {
            record::choose(ctx, chat_id, origin.message_id, message_id, choice).await
        }
        Command::Delete(id) => history::delete(ctx, chat_id, id).await,
        Command::Edited(text) => edit::run(ctx, chat_id, origin, &text).await,
        Command::Unknown(name) => Ok(Reply::text(replies::unknown_command(&name))),
        Command::Text => Ok(Reply::text(replies::PLAIN_TEXT)),
    }
}
