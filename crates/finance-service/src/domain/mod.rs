//! Parsed domain values: what a request means once its text has been read.

pub mod dates;
pub mod kinds;
pub mod role;
pub mod time_zone;

pub use kinds::{AccountKind, CategoryKind, TransactionKind};
pub use role::Role;
pub use time_zone::TimeZone;
