//! Query parameters, read strictly: one that cannot be read is a 422 naming
//! it, never clamped or ignored.

use actix_web::HttpRequest;
use auth_types::FieldError;
use auth_types::problem::codes;

use crate::domain::dates;
use crate::error::Error;

pub struct Query {
    pairs: Vec<(String, String)>,
    errors: Vec<FieldError>,
}

impl Query {
    pub fn new(req: &HttpRequest) -> Self {
        let mut errors = Vec::new();
        let pairs = serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string())
            .unwrap_or_else(|_| {
                errors.push(FieldError::new(
                    "",
                    codes::INVALID_VALUE,
                    "the query string cannot be read".to_owned(),
                ));
                Vec::new()
            });
        Self { pairs, errors }
    }

    fn fail(&mut self, name: &str, message: &str) {
        self.errors.push(FieldError::new(
            name,
            codes::INVALID_VALUE,
            message.to_owned(),
        ));
    }

    /// The parameter's value; given twice, the last one.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    fn parsed<T>(
        &mut self,
        name: &str,
        message: &str,
        parse: impl FnOnce(&str) -> Option<T>,
    ) -> Option<T> {
        let text = self.text(name)?.to_owned();
        let value = parse(&text);
        if value.is_none() {
            self.fail(name, message);
        }
        value
    }

    pub fn date(&mut self, name: &str) -> Option<time::Date> {
        self.parsed(name, "must be a date YYYY-MM-DD", dates::parse_date)
    }

    pub fn month(&mut self, name: &str) -> Option<(i32, time::Month)> {
        self.parsed(name, "must be a month YYYY-MM", dates::parse_month)
    }

    pub fn uuid(&mut self, name: &str) -> Option<uuid::Uuid> {
        self.parsed(name, "must be an id", |t| t.parse().ok())
    }

    pub fn one_of(&mut self, name: &str, choices: &'static [&'static str]) -> Option<&'static str> {
        self.parsed(name, "is not one of the allowed values", |t| {
            choices.iter().find(|c| **c == t).copied()
        })
    }

    pub fn integer_in(&mut self, name: &str, range: std::ops::RangeInclusive<i64>) -> Option<i64> {
        let message = format!(
            "must be an integer from {} to {}",
            range.start(),
            range.end()
        );
        self.parsed(name, &message, |t| {
            t.bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| t.parse::<i64>().ok())
                .flatten()
                .filter(|n| range.contains(n))
        })
    }

    /// A value read by `parse`, 422 when it cannot be.
    pub fn with<T>(
        &mut self,
        name: &str,
        message: &str,
        parse: impl FnOnce(&str) -> Option<T>,
    ) -> Option<T> {
        self.parsed(name, message, parse)
    }

    /// `from` and `to`, `from` not after `to`.
    pub fn period(&mut self) -> (Option<time::Date>, Option<time::Date>) {
        let (from, to) = (self.date("from"), self.date("to"));
        if let (Some(from), Some(to)) = (from, to)
            && from > to
        {
            self.fail("from", "must not be after to");
        }
        (from, to)
    }

    pub fn finish(self) -> Result<(), Error> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(Error::Validation(self.errors))
        }
    }
}
