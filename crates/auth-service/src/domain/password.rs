use std::fmt;

use auth_types::problem::codes;

use super::Invalid;

/// bcrypt only reads the first 72 bytes; longer passwords are refused, never truncated.
pub const MAX_BYTES: usize = 72;
const MIN_CHARS: usize = 8;

/// A password that meets the rules for a new password. Never printed.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        if raw.len() > MAX_BYTES {
            return Err(Invalid::new(
                codes::PASSWORD_TOO_LONG,
                "must be at most 72 bytes of UTF-8",
            ));
        }
        if raw.chars().count() < MIN_CHARS {
            return Err(Invalid::new(
                codes::WEAK_PASSWORD,
                "must be at least 8 characters long",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_passwords_are_weak() {
        assert_eq!(
            Password::parse("1234567").err().map(|e| e.code),
            Some("weak_password")
        );
        assert!(Password::parse("12345678").is_ok());
    }

    #[test]
    fn length_counts_characters_but_the_limit_counts_bytes() {
        // 8 two-byte characters: 8 characters, 16 bytes — long enough.
        assert!(Password::parse("éééééééé").is_ok());
        assert!(Password::parse(&"a".repeat(72)).is_ok());
        assert_eq!(
            Password::parse(&"a".repeat(73)).err().map(|e| e.code),
            Some("password_too_long")
        );
        // 25 three-byte characters = 75 bytes: too long although only 25 characters.
        assert_eq!(
            Password::parse(&"€".repeat(25)).err().map(|e| e.code),
            Some("password_too_long")
        );
    }

    #[test]
    fn debug_output_hides_the_password() {
        let password = Password::parse("correct horse battery").expect("valid");
        assert!(!format!("{password:?}").contains("horse"));
    }
}
