//! Parsed domain values: once a request field becomes one of these, it is valid.

mod display_name;
mod email;
pub mod password;
pub mod telegram;

pub use display_name::DisplayName;
pub use email::Email;
pub use password::Password;
pub use telegram::TelegramId;

/// Why a field was refused; `code` is the contract's field code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub code: &'static str,
    pub message: &'static str,
}

impl Invalid {
    pub const fn new(code: &'static str, message: &'static str) -> Self {
        Self { code, message }
    }
}
