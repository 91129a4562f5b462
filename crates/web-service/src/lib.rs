//! Finance Bot's web pages: sign up, log in, confirm a Telegram link, verify an
//! email, reset a password, manage the account and its sessions.
//!
//! One origin for the browser: this service serves the pages and their assets
//! (embedded from `static/` at compile time) and proxies `/api/v1/auth/*` to the
//! auth service, keeping the refresh token in an HttpOnly cookie so page scripts
//! never see it. See docs/web.md.

pub mod assets;
pub mod config;
pub mod headers;
pub mod health;
pub mod metrics;
pub mod openapi;
pub mod page_config;
pub mod pages;
pub mod proxy;
pub mod startup;
