//! Clients of our own services.

pub mod auth;
pub mod finance;

pub use auth::{AuthClient, AuthError};
pub use finance::{FinanceClient, FinanceError};
