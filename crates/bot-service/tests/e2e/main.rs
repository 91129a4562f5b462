//! End to end: real PostgreSQL and Redis, the real auth service, the bot, and
//! a fake Telegram Bot API server standing in for Telegram.

mod buttons;
mod commands;
mod family;
mod helpers;
mod linking;
mod money;
mod plans;
mod resilience;
mod store;
mod story;
