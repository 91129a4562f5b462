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
        self.date_of(time::OffsetDateTime::now_utc())
    }

    /// The date in this zone at the instant `at`.
    pub fn date_of(&self, at: time::OffsetDateTime) -> time::Date {
        let zone = tz::db().get(&self.0).unwrap_or(tz::TimeZone::UTC);
        let instant = jiff::Timestamp::new(at.unix_timestamp(), at.nanosecond() as i32)
            .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        let date = zone.to_datetime(instant).date();
        let month = time::Month::try_from(date.month() as u8).unwrap_or(time::Month::January);
        time::Date::from_calendar_date(i32::from(date.year()), month, date.day() as u8)
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

    #[test]
    fn an_instant_falls_on_the_zones_own_day() {
        use time::macros::{date, datetime};
        for (zone, at, day) in [
            (
                "UTC",
                datetime!(2026-12-31 23:30 UTC),
                date!(2026 - 12 - 31),
            ),
            (
                "Asia/Tokyo",
                datetime!(2026-12-31 23:30 UTC),
                date!(2027 - 01 - 01),
            ),
            (
                "America/Los_Angeles",
                datetime!(2027-01-01 07:59 UTC),
                date!(2026 - 12 - 31),
            ),
            // Half-hour offsets, and a day that summer time shortens.
            (
                "Asia/Kolkata",
                datetime!(2026-06-30 18:29 UTC),
                date!(2026 - 06 - 30),
            ),
            (
                "Asia/Kolkata",
                datetime!(2026-06-30 18:30 UTC),
                date!(2026 - 07 - 01),
            ),
            (
                "Europe/Berlin",
                datetime!(2026-03-28 23:00 UTC),
                date!(2026 - 03 - 29),
            ),
            // Before 1970 too.
            (
                "Europe/Berlin",
                datetime!(1969-12-31 23:30 UTC),
                date!(1970 - 01 - 01),
            ),
        ] {
            let zone_of = TimeZone::parse(zone).expect("a zone");
            assert_eq!(zone_of.date_of(at), day, "{zone} {at}");
        }
    }
}
