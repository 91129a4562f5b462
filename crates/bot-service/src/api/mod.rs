//! Clients of our own services.

pub mod auth;

pub use auth::{AuthClient, AuthError};
