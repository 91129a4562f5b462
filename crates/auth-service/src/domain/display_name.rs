use auth_types::problem::codes;

use super::Invalid;

const MAX_CHARS: usize = 100;

/// A person's name as shown to others: trimmed, 1 to 100 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.chars().count() > MAX_CHARS {
            return Err(Invalid::new(
                codes::INVALID_VALUE,
                "must be 1 to 100 characters",
            ));
        }
        if trimmed.chars().any(char::is_control) {
            return Err(Invalid::new(
                codes::INVALID_VALUE,
                "must not contain control characters",
            ));
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(DisplayName::parse("  Ann ").expect("valid").as_str(), "Ann");
        assert!(DisplayName::parse("   ").is_err());
        assert!(DisplayName::parse(&"a".repeat(100)).is_ok());
        assert!(DisplayName::parse(&"a".repeat(101)).is_err());
        assert!(DisplayName::parse("Ann\u{0}").is_err());
    }
}
