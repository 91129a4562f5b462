//! Wire types shared by every Finance Bot service: the request and response
//! bodies of the auth API, the problem+json error body, the user and session id
//! newtypes, and the one implementation of the JWT claims (issue and verify)
//! and of the HMAC request signing between the bot and the auth service.
//!
//! The crate is deliberately light (serde, uuid, time, jsonwebtoken): no web
//! framework, no database, no async runtime, so any service or script can
//! depend on it.

pub mod claims;
pub mod dto;
pub mod ids;
pub mod problem;
pub mod signing;

pub use claims::{Claims, JwtKeys, TokenError, TokenKind, TokenVerifier};
pub use ids::{SessionId, UserId};
pub use problem::{FieldError, Problem};
pub use signing::{HmacSigner, SignatureError};
