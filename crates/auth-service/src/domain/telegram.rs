use auth_types::problem::codes;

use super::Invalid;

/// A Telegram user id (`message.from.id`): always positive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TelegramId(i64);

impl TelegramId {
    pub fn parse(raw: i64) -> Result<Self, Invalid> {
        if raw > 0 {
            Ok(Self(raw))
        } else {
            Err(Invalid::new(
                codes::INVALID_VALUE,
                "must be a positive Telegram user id",
            ))
        }
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

/// A Telegram username: without the `@`, 1 to 64 of `[A-Za-z0-9_]`. Telegram
/// sends what it has; anything else is dropped rather than refused, since the
/// username is only shown, never trusted.
pub fn clean_username(raw: Option<&str>) -> Option<String> {
    let name = raw?.trim().trim_start_matches('@');
    let ok = (1..=64).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    ok.then(|| name.to_owned())
}

/// A display name from Telegram's first and last names, cut to what a display
/// name may hold; `None` when there is nothing usable.
pub fn display_name_from(first: Option<&str>, last: Option<&str>) -> Option<super::DisplayName> {
    let full = [first, last]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let cut: String = full.chars().filter(|c| !c.is_control()).take(100).collect();
    super::DisplayName::parse(&cut).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn telegram_ids_are_positive() {
        assert_eq!(TelegramId::parse(42).map(TelegramId::get), Ok(42));
        assert!(TelegramId::parse(0).is_err());
        assert!(TelegramId::parse(-100).is_err());
    }

    #[test]
    fn usernames_lose_the_at_and_bad_ones_are_dropped() {
        assert_eq!(clean_username(Some("@ann_s")).as_deref(), Some("ann_s"));
        assert_eq!(clean_username(Some("bad name")), None);
        assert_eq!(clean_username(Some("")), None);
        assert_eq!(clean_username(None), None);
    }

    #[test]
    fn display_names_join_first_and_last() {
        let name = display_name_from(Some(" Ann "), Some("Smith")).map(|n| n.into_inner());
        assert_eq!(name.as_deref(), Some("Ann Smith"));
        assert_eq!(display_name_from(None, Some("")), None);
        let long = "a".repeat(300);
        assert_eq!(
            display_name_from(Some(&long), None).map(|n| n.as_str().len()),
            Some(100)
        );
    }
}
