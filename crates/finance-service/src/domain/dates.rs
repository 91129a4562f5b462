//! Calendar dates: the `YYYY-MM-DD` and `YYYY-MM` of the API, and budget
//! months that start on the family's payday (`month_start_day`).

use time::{Date, Month};

/// A strict `YYYY-MM-DD` that exists (`2026-02-30` does not).
pub fn parse_date(text: &str) -> Option<Date> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let year: i32 = digits(&text[0..4])?;
    let month: u8 = digits(&text[5..7])?;
    let day: u8 = digits(&text[8..10])?;
    Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()
}

/// A strict `YYYY-MM`: the year and month.
pub fn parse_month(text: &str) -> Option<(i32, Month)> {
    let bytes = text.as_bytes();
    if bytes.len() != 7 || bytes[4] != b'-' {
        return None;
    }
    let year: i32 = digits(&text[0..4])?;
    let month: u8 = digits(&text[5..7])?;
    Some((year, Month::try_from(month).ok()?))
}

fn digits<T: std::str::FromStr>(text: &str) -> Option<T> {
    text.bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| text.parse().ok())
        .flatten()
}

pub fn format_date(date: Date) -> String {
    IsoDate(date).to_string()
}

/// A date as the API writes it, `YYYY-MM-DD`, for `write!` into a buffer.
pub struct IsoDate(pub Date);

impl std::fmt::Display for IsoDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}",
            self.0.year(),
            u8::from(self.0.month()),
            self.0.day()
        )
    }
}

/// The budget month named `year`-`month`: from its `start_day` to the day
/// before the next month's `start_day`, both inclusive.
pub fn budget_month(year: i32, month: Month, start_day: u8) -> Option<(Date, Date)> {
    let from = Date::from_calendar_date(year, month, start_day).ok()?;
    let (next_year, next_month) = if month == Month::December {
        (year.checked_add(1)?, Month::January)
    } else {
        (year, month.next())
    };
    let next = Date::from_calendar_date(next_year, next_month, start_day).ok()?;
    Some((from, next.previous_day()?))
}

/// The budget month that `day` falls in.
pub fn budget_month_of(day: Date, start_day: u8) -> Option<(Date, Date)> {
    if day.day() >= start_day {
        budget_month(day.year(), day.month(), start_day)
    } else {
        let (year, month) = if day.month() == Month::January {
            (day.year().checked_sub(1)?, Month::December)
        } else {
            (day.year(), day.month().previous())
        };
        budget_month(year, month, start_day)
    }
}

/// The budget month before the one starting on `from`.
pub fn previous_budget_month(from: Date, start_day: u8) -> Option<(Date, Date)> {
    budget_month_of(from.previous_day()?, start_day)
}

/// The budget month a day falls in (its first and last day), and the first
/// day of the month before it, which a rollover carries from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BudgetMonth {
    pub before_from: Date,
    pub from: Date,
    pub to: Date,
}

impl BudgetMonth {
    /// The budget month `day` falls in; `None` at the ends of the calendar.
    pub fn of(day: Date, start_day: u8) -> Option<Self> {
        let (from, to) = budget_month_of(day, start_day)?;
        let (before_from, _) = previous_budget_month(from, start_day)?;
        Some(Self {
            before_from,
            from,
            to,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn dates_must_exist_and_be_strict() {
        assert_eq!(parse_date("2026-02-28"), Some(date!(2026 - 02 - 28)));
        assert_eq!(parse_date("2024-02-29"), Some(date!(2024 - 02 - 29)));
        for bad in [
            "2026-02-29",
            "2026-13-01",
            "2026-1-01",
            "26-01-01",
            "2026-01-01T00",
            "2026/01/01",
            "+026-01-01",
            "",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
        assert_eq!(parse_month("2026-12"), Some((2026, Month::December)));
        for bad in ["2026-13", "2026-1", "2026-00", "202612"] {
            assert_eq!(parse_month(bad), None, "{bad}");
        }
    }

    #[test]
    fn budget_months_run_from_payday_to_the_day_before_the_next() {
        assert_eq!(
            budget_month(2026, Month::January, 1),
            Some((date!(2026 - 01 - 01), date!(2026 - 01 - 31)))
        );
        assert_eq!(
            budget_month(2026, Month::December, 25),
            Some((date!(2026 - 12 - 25), date!(2027 - 01 - 24)))
        );
        assert_eq!(
            budget_month_of(date!(2026 - 03 - 10), 25),
            Some((date!(2026 - 02 - 25), date!(2026 - 03 - 24)))
        );
        assert_eq!(
            budget_month_of(date!(2026 - 01 - 03), 15),
            Some((date!(2025 - 12 - 15), date!(2026 - 01 - 14)))
        );
        assert_eq!(
            previous_budget_month(date!(2026 - 03 - 01), 1),
            Some((date!(2026 - 02 - 01), date!(2026 - 02 - 28)))
        );
    }

    #[test]
    fn a_days_budget_month_carries_from_the_month_before_it() {
        // A payday-25 family on 10 January: December's month, and
        // November's before it, across the turn of the year.
        assert_eq!(
            BudgetMonth::of(date!(2026 - 01 - 10), 25),
            Some(BudgetMonth {
                before_from: date!(2025 - 11 - 25),
                from: date!(2025 - 12 - 25),
                to: date!(2026 - 01 - 24),
            })
        );
        assert_eq!(
            BudgetMonth::of(date!(2026 - 03 - 01), 1),
            Some(BudgetMonth {
                before_from: date!(2026 - 02 - 01),
                from: date!(2026 - 03 - 01),
                to: date!(2026 - 03 - 31),
            })
        );
        assert_eq!(BudgetMonth::of(Date::MIN, 1), None);
    }
}
