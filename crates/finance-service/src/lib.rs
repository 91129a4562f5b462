//! The Finance Bot finance service: a family's money — families, members and
//! invites, accounts, categories, transactions, budgets, goals and reports —
//! in exact integer minor units, on actix-web and diesel-async over PostgreSQL.
//!
//! It trusts the auth service's access tokens (`session-guard`: the JWT and
//! the session in the auth service's Redis). `main.rs` only reads the settings
//! and calls [`startup::Application`]; tests build the same application on a
//! free port. The wire contract is docs/finance-api.md.

pub mod access;
pub mod body;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod idempotency;
pub mod merges;
pub mod profiles;
pub mod routes;
pub mod startup;
pub mod state;
