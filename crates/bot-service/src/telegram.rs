//! The Telegram Bot API, through frankenstein, with its errors handled as
//! Telegram documents them: 429 waits `retry_after`, 5xx and network errors
//! back off, 409 means another poller or a webhook.

use std::time::Duration;

use frankenstein::AsyncTelegramApi;
use frankenstein::client_reqwest::Bot;
use frankenstein::methods::{
    AnswerCallbackQueryParams, EditMessageTextParams, GetUpdatesParams, SendMessageParams,
    SetMyCommandsParams,
};
use frankenstein::types::{AllowedUpdate, BotCommand, InlineKeyboardMarkup, ReplyMarkup};
use frankenstein::updates::Update;

/// Telegram's limit on a message, in UTF-16 code units.
pub const MAX_MESSAGE_UTF16: usize = 4096;
/// Attempts to deliver one message before giving up.
const SEND_ATTEMPTS: u32 = 5;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TelegramError {
    #[error("rate limited by Telegram; retry after {0:?}")]
    RetryAfter(Duration),
    #[error("conflict: another bot instance is polling, or a webhook is set")]
    Conflict,
    #[error("Telegram unavailable: {0}")]
    Transient(String),
    #[error("Telegram refused the request: {0}")]
    Refused(String),
}

impl From<frankenstein::Error> for TelegramError {
    fn from(err: frankenstein::Error) -> Self {
        match err {
            frankenstein::Error::Api(api) => match api.error_code {
                429 => Self::RetryAfter(Duration::from_secs(
                    api.parameters
                        .and_then(|p| p.retry_after)
                        .map_or(1, u64::from),
                )),
                409 => Self::Conflict,
                500..=599 => Self::Transient(api.description),
                _ => Self::Refused(format!("{} {}", api.error_code, api.description)),
            },
            // An answer we cannot read (a proxy's error page): the request may have
            // gone through, so it is not repeated; and its text (which may echo what
            // we sent) is not logged.
            frankenstein::Error::JsonDecode { .. } => {
                Self::Refused("unreadable answer from Telegram".into())
            }
            // Network errors and time-outs.
            other => Self::Transient(other.to_string()),
        }
    }
}

/// Counts a failed call of `method` (by Telegram's error code), then classifies it.
fn failed(method: &'static str, err: frankenstein::Error) -> TelegramError {
    let code = match &err {
        frankenstein::Error::Api(api) => api.error_code.to_string(),
        frankenstein::Error::JsonDecode { .. } => "unreadable".to_owned(),
        _ => "network".to_owned(),
    };
    crate::metrics::telegram_error(method, code);
    TelegramError::from(err)
}

#[derive(Clone)]
pub struct Telegram {
    bot: Bot,
    poll_timeout: Duration,
    /// For uploads from memory; the URL holds the token and is never logged.
    http: reqwest::Client,
    send_photo_url: String,
}

impl Telegram {
    pub fn new(api_url: &str, token: &str, poll_timeout: Duration) -> Result<Self, reqwest::Error> {
        // Longer than the long poll, so a poll is never cut short by the client.
        let client = reqwest::Client::builder()
            .timeout(poll_timeout + Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(5))
            .build()?;
        let bot = Bot::builder()
            .api_url(format!("{api_url}/bot{token}"))
            .client(client.clone())
            .build();
        Ok(Self {
            bot,
            poll_timeout,
            http: client,
            send_photo_url: format!("{api_url}/bot{token}/sendPhoto"),
        })
    }

    /// The bot's `@username`.
    pub async fn username(&self) -> Result<String, TelegramError> {
        let me = self
            .bot
            .get_me()
            .await
            .map_err(|e| failed("getMe", e))?
            .result;
        Ok(me.username.unwrap_or_default())
    }

    pub async fn set_commands(&self, commands: &[(&str, &str)]) -> Result<(), TelegramError> {
        let commands = commands
            .iter()
            .map(|(command, description)| {
                BotCommand::builder()
                    .command(*command)
                    .description(*description)
                    .build()
            })
            .collect();
        self.bot
            .set_my_commands(&SetMyCommandsParams::builder().commands(commands).build())
            .await
            .map_err(|e| failed("setMyCommands", e))?;
        Ok(())
    }

    /// Long-polls for updates from `offset` (confirming every older one).
    pub async fn updates(&self, offset: Option<i64>) -> Result<Vec<Update>, TelegramError> {
        self.updates_with_timeout(offset, self.poll_timeout).await
    }

    pub async fn updates_with_timeout(
        &self,
        offset: Option<i64>,
        timeout: Duration,
    ) -> Result<Vec<Update>, TelegramError> {
        let params = GetUpdatesParams::builder()
            .maybe_offset(offset)
            .timeout(u32::try_from(timeout.as_secs()).unwrap_or(30))
            .allowed_updates(vec![
                AllowedUpdate::Message,
                AllowedUpdate::EditedMessage,
                AllowedUpdate::CallbackQuery,
            ])
            .build();
        Ok(self
            .bot
            .get_updates(&params)
            .await
            .map_err(|e| failed("getUpdates", e))?
            .result)
    }

    /// Sends `text`, split into messages Telegram accepts, waiting out rate
    /// limits and backing off on server errors. `markup` goes with the last part,
    /// whose message id is returned.
    pub async fn send(
        &self,
        chat_id: i64,
        text: &str,
        markup: Option<ReplyMarkup>,
    ) -> Result<i64, TelegramError> {
        let parts = split_message(text, MAX_MESSAGE_UTF16);
        let last = parts.len().saturating_sub(1);
        let mut sent_id = 0;
        for (i, part) in parts.into_iter().enumerate() {
            let params = SendMessageParams::builder()
                .chat_id(chat_id)
                .text(part)
                .maybe_reply_markup(if i == last { markup.clone() } else { None })
                .build();
            let mut backoff = Duration::from_millis(500);
            let mut attempt = 1;
            loop {
                match self
                    .bot
                    .send_message(&params)
                    .await
                    .map_err(|e| failed("sendMessage", e))
                {
                    Ok(sent) => {
                        sent_id = i64::from(sent.result.message_id);
                        break;
                    }
                    Err(TelegramError::RetryAfter(wait)) if attempt < SEND_ATTEMPTS => {
                        tracing::warn!(
                            chat_id,
                            ?wait,
                            "Telegram rate limit; waiting before sending"
                        );
                        tokio::time::sleep(wait).await;
                    }
                    Err(TelegramError::Transient(why)) if attempt < SEND_ATTEMPTS => {
                        tracing::warn!(chat_id, %why, ?backoff, "sending failed; backing off");
                        tokio::time::sleep(backoff).await;
                        backoff = (backoff * 2).min(Duration::from_secs(8));
                    }
                    Err(err) => return Err(err),
                }
                attempt += 1;
            }
        }
        Ok(sent_id)
    }

    /// Replaces the text (and the buttons: none when `markup` is `None`) of
    /// the bot's message `message_id`. An edit that changes nothing is fine.
    pub async fn edit(
        &self,
        chat_id: i64,
        message_id: i64,
        text: &str,
        markup: Option<InlineKeyboardMarkup>,
    ) -> Result<(), TelegramError> {
        let text: String = text.chars().take(MAX_MESSAGE_UTF16 / 2).collect();
        let params = EditMessageTextParams::builder()
            .chat_id(chat_id)
            .message_id(i32::try_from(message_id).unwrap_or(i32::MAX))
            .text(text)
            .maybe_reply_markup(markup)
            .build();
        match self
            .bot
            .edit_message_text(&params)
            .await
            .map_err(|e| failed("editMessageText", e))
        {
            Ok(_) => Ok(()),
            Err(TelegramError::Refused(why)) if why.contains("message is not modified") => Ok(()),
            Err(err) => Err(err),
        }
    }

    /// Sends a PNG picture, uploaded from memory (frankenstein uploads files
    /// from a path, and the bot's container has no writable file system).
    pub async fn send_photo(&self, chat_id: i64, png: &[u8]) -> Result<(), TelegramError> {
        let part = reqwest::multipart::Part::bytes(png.to_vec())
            .file_name("report.png")
            .mime_str("image/png")
            .map_err(|e| TelegramError::Refused(e.without_url().to_string()))?;
        let form = reqwest::multipart::Form::new()
            .text("chat_id", chat_id.to_string())
            .part("photo", part);
        let response = self
            .http
            .post(&self.send_photo_url)
            .multipart(form)
            .send()
            .await
            .map_err(|e| {
                crate::metrics::telegram_error("sendPhoto", "network".to_owned());
                TelegramError::Transient(e.without_url().to_string())
            })?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        crate::metrics::telegram_error("sendPhoto", status.as_u16().to_string());
        let answer: serde_json::Value = response.json().await.unwrap_or_default();
        let description = answer["description"].as_str().unwrap_or_default();
        Err(match status.as_u16() {
            429 => TelegramError::RetryAfter(Duration::from_secs(
                answer["parameters"]["retry_after"].as_u64().unwrap_or(1),
            )),
            500..=599 => TelegramError::Transient(description.to_owned()),
            code => TelegramError::Refused(format!("{code} {description}")),
        })
    }

    pub async fn answer_callback(&self, id: &str) -> Result<(), TelegramError> {
        self.bot
            .answer_callback_query(
                &AnswerCallbackQueryParams::builder()
                    .callback_query_id(id)
                    .build(),
            )
            .await
            .map_err(|e| failed("answerCallbackQuery", e))?;
        Ok(())
    }
}

/// Splits `text` into parts of at most `limit` UTF-16 code units, breaking at a
/// line end (or else a space) when one is near, never inside a character.
pub fn split_message(text: &str, limit: usize) -> Vec<String> {
    let mut parts = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let mut units = 0;
        let mut end = rest.len();
        for (i, c) in rest.char_indices() {
            if units + c.len_utf16() > limit {
                end = i;
                break;
            }
            units += c.len_utf16();
        }
        if end < rest.len() {
            // Prefer a break in the last quarter of the part.
            let mut offset = end - end / 4;
            while !rest.is_char_boundary(offset) {
                offset -= 1;
            }
            let window = &rest[offset..end];
            if let Some(pos) = window.rfind('\n').or_else(|| window.rfind(' ')) {
                end = offset + pos + 1;
            }
        }
        parts.push(rest[..end].to_owned());
        rest = &rest[end..];
    }
    if parts.is_empty() {
        parts.push(String::new());
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(s: &str) -> usize {
        s.encode_utf16().count()
    }

    #[test]
    fn short_text_is_one_part() {
        assert_eq!(split_message("hello", 4096), vec!["hello".to_owned()]);
    }

    #[test]
    fn parts_fit_the_limit_in_utf16_units_and_lose_nothing() {
        // Emoji are two UTF-16 units each: 3000 of them are 6000 units.
        let text = "😀".repeat(3000);
        let parts = split_message(&text, 4096);
        assert!(parts.len() >= 2);
        assert!(parts.iter().all(|p| utf16(p) <= 4096));
        assert_eq!(parts.concat(), text);
    }

    #[test]
    fn mixed_width_text_splits_on_character_boundaries() {
        let text = format!("a{}", "界".repeat(5000));
        let parts = split_message(&text, 4096);
        assert!(parts.iter().all(|p| utf16(p) <= 4096));
        assert_eq!(parts.concat(), text);
    }

    #[test]
    fn parts_break_at_line_ends_when_they_can() {
        let line = format!("{}\n", "a".repeat(99));
        let text = line.repeat(100); // 10,000 units
        let parts = split_message(&text, 4096);
        assert!(parts.iter().all(|p| utf16(p) <= 4096));
        assert!(parts[..parts.len() - 1].iter().all(|p| p.ends_with('\n')));
        assert_eq!(parts.concat(), text);
    }
}
