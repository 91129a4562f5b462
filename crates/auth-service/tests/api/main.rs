//! Integration tests: the real application against a real PostgreSQL and Redis,
//! each test with its own database and Redis key space.

mod account;
mod errors;
mod hardening;
mod health;
mod helpers;
mod hmac;
mod login;
mod logout;
mod logs;
mod metrics;
mod openapi;
mod outages;
mod rate_limits;
mod refresh;
mod register;
mod sessions;
mod telegram;
mod tokens;
mod user_cache;
