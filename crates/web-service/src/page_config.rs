//! `GET /config.json`: the settings the pages' scripts need to know, as JSON
//! (the pages are embedded at build time and carry no inline script, so they
//! ask for them). Cached briefly: they change only when the service restarts.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::config::WebSettings;

/// How long a browser may keep the answer.
pub const CACHE_CONTROL: &str = "public, max-age=300";

/// `GET /config.json`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PageConfig {
    /// The bot's Telegram username, without `@` (`TELEGRAM_BOT_USERNAME`): an
    /// invite's deep link is `https://t.me/{telegram_bot_username}?start={start_payload}`.
    /// `null` when not set: the pages show the `/start …` message to send the bot.
    pub telegram_bot_username: Option<String>,
}

impl PageConfig {
    pub fn new(settings: &WebSettings) -> Self {
        Self {
            telegram_bot_username: settings.telegram_bot_username.clone(),
        }
    }
}

pub async fn serve(config: web::Data<PageConfig>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, CACHE_CONTROL))
        .json(config.get_ref())
}
