//! Settings from environment variables, checked at start.
//!
//! Every problem becomes a [`ConfigError`] naming its variable, which `main`
//! prints as one line before exiting — never a panic.

use std::fmt;
use std::str::FromStr;

/// A value that must never be printed: `Debug` shows `<redacted>`.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{var}: {reason}")]
pub struct ConfigError {
    pub var: &'static str,
    pub reason: String,
}

impl ConfigError {
    pub fn new(var: &'static str, reason: impl Into<String>) -> Self {
        Self {
            var,
            reason: reason.into(),
        }
    }
}

/// How log lines are written: readable text for development, JSON for production.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// Reads variables through a lookup: the process environment, or a map in tests.
pub struct Env<F> {
    lookup: F,
}

impl Env<fn(&str) -> Option<String>> {
    pub fn process() -> Self {
        Self {
            lookup: |name| std::env::var(name).ok(),
        }
    }
}

impl<F: Fn(&str) -> Option<String>> Env<F> {
    pub fn new(lookup: F) -> Self {
        Self { lookup }
    }

    /// The value, unless unset or blank.
    pub fn get(&self, var: &str) -> Option<String> {
        (self.lookup)(var).filter(|v| !v.trim().is_empty())
    }

    pub fn required(&self, var: &'static str) -> Result<String, ConfigError> {
        self.get(var)
            .ok_or_else(|| ConfigError::new(var, "is not set"))
    }

    /// Parses the value, or gives `default` when unset; `what` describes a valid value.
    pub fn parse_or<T: FromStr>(
        &self,
        var: &'static str,
        default: T,
        what: &str,
    ) -> Result<T, ConfigError> {
        match self.get(var) {
            None => Ok(default),
            Some(v) => v
                .trim()
                .parse()
                .map_err(|_| ConfigError::new(var, format!("must be {what}, got {v:?}"))),
        }
    }

    /// Like [`Self::parse_or`], within `range`.
    pub fn number_in<T>(
        &self,
        var: &'static str,
        default: T,
        range: std::ops::RangeInclusive<T>,
    ) -> Result<T, ConfigError>
    where
        T: FromStr + PartialOrd + fmt::Display + Copy,
    {
        let what = format!("a number from {} to {}", range.start(), range.end());
        let value = self.parse_or(var, default, &what)?;
        if range.contains(&value) {
            Ok(value)
        } else {
            Err(ConfigError::new(
                var,
                format!("must be {what}, got {value}"),
            ))
        }
    }

    /// A required secret of at least `min_bytes`.
    pub fn secret(&self, var: &'static str, min_bytes: usize) -> Result<Secret, ConfigError> {
        let value = self.required(var)?;
        if value.len() < min_bytes {
            return Err(ConfigError::new(
                var,
                format!("must be at least {min_bytes} bytes (got {})", value.len()),
            ));
        }
        Ok(Secret::new(value))
    }

    /// A URL with one of `schemes` (e.g. `["http", "https"]`), without a trailing slash;
    /// `default` when unset, required when there is no default.
    pub fn url(
        &self,
        var: &'static str,
        schemes: &[&str],
        default: Option<&str>,
    ) -> Result<String, ConfigError> {
        let value = match (self.get(var), default) {
            (Some(value), _) => value,
            (None, Some(default)) => default.to_owned(),
            (None, None) => return Err(ConfigError::new(var, "is not set")),
        };
        let value = value.trim().trim_end_matches('/').to_owned();
        let scheme_ok = value
            .split_once("://")
            .is_some_and(|(scheme, rest)| schemes.contains(&scheme) && !rest.is_empty());
        if scheme_ok {
            Ok(value)
        } else {
            let schemes: Vec<String> = schemes.iter().map(|s| format!("{s}://")).collect();
            Err(ConfigError::new(
                var,
                format!("must be a {} URL", schemes.join(" or ")),
            ))
        }
    }

    /// `LOG_FORMAT`: `text` (default) or `json`.
    pub fn log_format(&self) -> Result<LogFormat, ConfigError> {
        match self.get("LOG_FORMAT").as_deref().map(str::trim) {
            None | Some("text") => Ok(LogFormat::Text),
            Some("json") => Ok(LogFormat::Json),
            Some(other) => Err(ConfigError::new(
                "LOG_FORMAT",
                format!("must be text or json, got {other:?}"),
            )),
        }
    }
}

/// A lookup over fixed pairs, for tests: `Env::new(pairs(&[("A", "1")]))`.
pub fn pairs(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let map: std::collections::HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name| map.get(name).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_values_count_as_unset() {
        let env = Env::new(pairs(&[("A", "  ")]));
        assert_eq!(env.get("A"), None);
        assert_eq!(
            env.required("A").expect_err("unset").to_string(),
            "A: is not set"
        );
    }

    #[test]
    fn numbers_are_parsed_and_bounded() {
        let env = Env::new(pairs(&[("N", "7"), ("BAD", "x"), ("BIG", "99")]));
        assert_eq!(env.parse_or("N", 1u32, "a number"), Ok(7));
        assert_eq!(env.parse_or("UNSET", 1u32, "a number"), Ok(1));
        assert_eq!(
            env.parse_or("BAD", 1u32, "a number")
                .expect_err("bad")
                .to_string(),
            "BAD: must be a number, got \"x\""
        );
        assert_eq!(
            env.number_in("BIG", 1u32, 1..=50).expect_err("big").var,
            "BIG"
        );
    }

    #[test]
    fn secrets_have_a_minimum_length_and_never_print() {
        let env = Env::new(pairs(&[
            ("S", "0123456789abcdef0123456789abcdef"),
            ("WEAK", "short"),
        ]));
        let secret = env.secret("S", 32).expect("long enough");
        assert_eq!(format!("{secret:?}"), "<redacted>");
        assert!(
            env.secret("WEAK", 32)
                .expect_err("weak")
                .to_string()
                .starts_with("WEAK: must be at least 32 bytes")
        );
    }

    #[test]
    fn urls_need_a_listed_scheme_and_lose_trailing_slashes() {
        let env = Env::new(pairs(&[("U", "http://x:1/"), ("F", "ftp://x")]));
        assert_eq!(
            env.url("U", &["http", "https"], None),
            Ok("http://x:1".to_owned())
        );
        assert_eq!(
            env.url("D", &["https"], Some("https://d")),
            Ok("https://d".to_owned())
        );
        assert_eq!(
            env.url("F", &["http"], None).expect_err("ftp").reason,
            "must be a http:// URL"
        );
        assert_eq!(
            env.url("MISSING", &["http"], None)
                .expect_err("unset")
                .reason,
            "is not set"
        );
    }

    #[test]
    fn log_format_is_text_or_json() {
        assert_eq!(Env::new(pairs(&[])).log_format(), Ok(LogFormat::Text));
        assert_eq!(
            Env::new(pairs(&[("LOG_FORMAT", "json")])).log_format(),
            Ok(LogFormat::Json)
        );
        assert!(
            Env::new(pairs(&[("LOG_FORMAT", "xml")]))
                .log_format()
                .is_err()
        );
    }
}
