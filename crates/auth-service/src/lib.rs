//! The Finance Bot authentication service: email/password accounts and
//! Telegram identities, JWT access and rotating refresh tokens with sessions in
//! Redis, on actix-web and diesel-async over PostgreSQL.
//!
//! `main.rs` only reads the settings and calls [`startup::Application`]; tests
//! build the same application on a free port.

pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod extract;
pub mod link_codes;
pub mod mail;
pub mod metrics;
pub mod nonces;
pub mod passwords;
pub mod rate_limit;
pub mod routes;
pub mod sessions;
pub mod startup;
pub mod state;
pub mod tokens;
pub mod user_cache;
