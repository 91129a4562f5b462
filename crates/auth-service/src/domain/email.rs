use std::fmt;

use auth_types::problem::codes;

use super::Invalid;

/// An email address: trimmed, lower-cased (emails compare case-insensitively) and
/// syntactically valid.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

/// The longest address SMTP can carry (RFC 5321 path limit).
const MAX_LEN: usize = 254;

impl Email {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        const INVALID: Invalid = Invalid::new(codes::INVALID_EMAIL, "is not a valid email address");
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.len() > MAX_LEN {
            return Err(INVALID);
        }
        let lower = trimmed.to_lowercase();
        // `email_address` follows RFC 5322; we also insist on a dotted domain so
        // that typos like `ann@example` are caught at sign-up.
        let valid = email_address::EmailAddress::parse_with_options(
            &lower,
            email_address::Options::default()
                .without_display_text()
                .without_domain_literal(),
        )
        .is_ok();
        let dotted = lower
            .rsplit_once('@')
            .is_some_and(|(_, domain)| domain.contains('.') && !domain.ends_with('.'));
        if valid && dotted {
            Ok(Self(lower))
        } else {
            Err(INVALID)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Email {
    // Emails are personal data: keep them out of debug logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Email(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_lower_cased() {
        let email = Email::parse("  Ann.Smith@Example.COM \n").expect("valid");
        assert_eq!(email.as_str(), "ann.smith@example.com");
    }

    #[test]
    fn malformed_emails_are_refused() {
        for raw in [
            "",
            "   ",
            "ann",
            "ann@",
            "@example.com",
            "ann@example",
            "ann example@x.com",
            "Ann <ann@example.com>",
            "ann@@example.com",
        ] {
            let err = Email::parse(raw).expect_err(raw);
            assert_eq!(err.code, "invalid_email", "{raw:?}");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(Email::parse(&long).is_err());
    }

    #[test]
    fn debug_output_hides_the_address() {
        let email = Email::parse("ann@example.com").expect("valid");
        assert!(!format!("{email:?}").contains("ann"));
    }
}
