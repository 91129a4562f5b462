//! A family's IANA time zone: its days, budget months and report periods.

use jiff::tz;

/// An IANA time zone name that the bundled time zone database knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeZone(String);

impl TimeZone {
    /// `None` for anything that is not an IANA zone name (`"Mars/Base"`,
    /// `"+03:00"`, POSIX rules, the empty string).
    pub fn parse(name: &str) -> Option<Self> {
        // POSIX strings and fixed offsets are no IANA names, even where a
        // database would make sense of them.
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "/_-+".contains(c))
        {
            return None;
        }
        tz::db()
            .get(name)
            .ok()
            .map(|zone| Self(zone.iana_name().unwrap_or(name).to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Today's date in this zone.
    pub fn today(&self) -> time::Date {
        let now = match tz::db().get(&self.0) {
            Ok(zone) => zone.to_datetime(jiff::Timestamp::now()).date(),
            Err(_) => tz::TimeZone::UTC.to_datetime(jiff::Timestamp::now()).date(),
        };
        let month = time::Month::try_from(now.month() as u8).unwrap_or(time::Month::January);
        time::Date::from_calendar_date(i32::from(now.year()), month, now.day() as u8)
            .unwrap_or(time::Date::MIN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iana_names_are_accepted_and_others_refused() {
        for good in [
            "UTC",
            "Europe/Berlin",
            "America/Argentina/Buenos_Aires",
            "Asia/Kolkata",
        ] {
            assert_eq!(
                TimeZone::parse(good).map(|z| z.0),
                Some(good.to_owned()),
                "{good}"
            );
        }
        for bad in [
            "",
            "Mars/Base",
            "Europe/berlin ",
            "+03:00",
            "EST5EDT,M3.2.0,M11.1.0",
            "../etc/passwd",
        ] {
            assert!(TimeZone::parse(bad).is_none(), "{bad}");
        }
    }
}
