#![allow(clippy::unwrap_used)]

//! The finance service's HTTP API against a real PostgreSQL and Redis, with
//! the real auth service issuing the tokens (docs/finance-api.md).

mod accounts;
mod auth;
mod budgets;
mod families;
mod goals;
mod helpers;
mod idempotency;
mod merges;
mod money;
mod openapi;
mod outages;
mod reports;
mod transactions;
