//! Request bodies field by field: a JSON object is read into typed values, and
//! every failing field is named in one 422 (an empty body on a create names
//! each required field at once).

use auth_types::FieldError;
use auth_types::problem::codes;
use money::Currency;
use serde_json::{Map, Value};

use crate::error::Error;

/// A JSON object body and the field errors found in it so far.
pub struct Fields {
    object: Map<String, Value>,
    errors: Vec<FieldError>,
}

/// A field of a PATCH: absent (leave as is), `null` (clear), or a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Patch<T> {
    Absent,
    Null,
    Value(T),
}

impl<T> Patch<T> {
    pub fn value(self) -> Option<T> {
        match self {
            Self::Value(v) => Some(v),
            _ => None,
        }
    }
}

impl Fields {
    pub fn new(object: Map<String, Value>) -> Self {
        Self {
            object,
            errors: Vec::new(),
        }
    }

    /// Records a failing field.
    pub fn fail(&mut self, field: &str, code: &str, message: impl Into<String>) {
        if !self.errors.iter().any(|e| e.field == field) {
            self.errors
                .push(FieldError::new(field, code, message.into()));
        }
    }

    pub fn has_error(&self, field: &str) -> bool {
        self.errors.iter().any(|e| e.field == field)
    }

    /// The 422 naming every failing field, if any failed.
    pub fn finish(self) -> Result<(), Error> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(Error::Validation(self.errors))
        }
    }

    fn raw(&self, field: &str) -> Option<&Value> {
        self.object.get(field)
    }

    pub fn is_present(&self, field: &str) -> bool {
        self.raw(field).is_some()
    }

    /// Reads a field with `parse` without recording anything: for a lookup
    /// made before the field's turn to be checked comes.
    pub fn peek<T>(
        &self,
        field: &str,
        parse: impl FnOnce(&Value) -> Result<T, (&'static str, String)>,
    ) -> Option<T> {
        self.raw(field).and_then(|value| parse(value).ok())
    }

    /// Reads a field with `parse`, recording its failure; `None` when absent or failing.
    pub fn optional<T>(
        &mut self,
        field: &str,
        parse: impl FnOnce(&Value) -> Result<T, (&'static str, String)>,
    ) -> Option<T> {
        match self.patch(field, parse) {
            Patch::Value(v) => Some(v),
            Patch::Null | Patch::Absent => None,
        }
    }

    /// Like [`Fields::optional`], but an absent or `null` field fails as required.
    pub fn required<T>(
        &mut self,
        field: &str,
        parse: impl FnOnce(&Value) -> Result<T, (&'static str, String)>,
    ) -> Option<T> {
        match self.patch(field, parse) {
            Patch::Value(v) => Some(v),
            Patch::Null | Patch::Absent => {
                if !self.has_error(field) {
                    self.fail(field, codes::INVALID_VALUE, "is required");
                }
                None
            }
        }
    }

    /// Absent, `null`, or a parsed value (a failure is recorded and reads as absent).
    pub fn patch<T>(
        &mut self,
        field: &str,
        parse: impl FnOnce(&Value) -> Result<T, (&'static str, String)>,
    ) -> Patch<T> {
        match self.raw(field) {
            None => Patch::Absent,
            Some(Value::Null) => Patch::Null,
            Some(value) => match parse(value) {
                Ok(v) => Patch::Value(v),
                Err((code, message)) => {
                    self.fail(field, code, message);
                    Patch::Absent
                }
            },
        }
    }
}

type Parsed<T> = Result<T, (&'static str, String)>;

fn invalid(message: impl Into<String>) -> (&'static str, String) {
    (codes::INVALID_VALUE, message.into())
}

/// A string field. PostgreSQL's text cannot hold a NUL character, so one is
/// refused here (a 422), not found out by the database (a 500).
pub fn string(value: &Value) -> Parsed<&str> {
    let text = value.as_str().ok_or_else(|| invalid("must be a string"))?;
    if text.contains('\0') {
        return Err(invalid("must not contain a NUL character"));
    }
    Ok(text)
}

/// A name: trimmed, 1 to 100 characters.
pub fn name(value: &Value) -> Parsed<String> {
    let name = string(value)?.trim();
    let length = name.chars().count();
    if length == 0 || length > 100 {
        return Err(invalid("must be 1 to 100 characters"));
    }
    Ok(name.to_owned())
}

/// A note: at most 1,000 characters, newlines allowed.
pub fn note(value: &Value) -> Parsed<String> {
    let note = string(value)?;
    if note.chars().count() > 1000 {
        return Err(invalid("must be at most 1,000 characters"));
    }
    Ok(note.to_owned())
}

pub fn boolean(value: &Value) -> Parsed<bool> {
    value
        .as_bool()
        .ok_or_else(|| invalid("must be true or false"))
}

pub fn uuid(value: &Value) -> Parsed<uuid::Uuid> {
    string(value)?
        .parse()
        .map_err(|_| invalid("must be the id of one of the family's records"))
}

/// One of `choices`, exactly.
pub fn one_of(choices: &'static [&'static str]) -> impl Fn(&Value) -> Parsed<&'static str> {
    move |value| {
        let text = string(value)?;
        choices
            .iter()
            .find(|choice| **choice == text)
            .copied()
            .ok_or_else(|| invalid(format!("must be one of {}", choices.join(", "))))
    }
}

pub fn currency(value: &Value) -> Parsed<Currency> {
    let text = value.as_str().ok_or_else(|| {
        (
            codes::INVALID_CURRENCY,
            "must be a string like \"EUR\"".to_owned(),
        )
    })?;
    text.parse::<Currency>().map_err(|_| {
        (
            codes::INVALID_CURRENCY,
            "must be an ISO 4217 code with a minor unit, in upper case".to_owned(),
        )
    })
}

/// The decimal text of an amount: a JSON string, never a number.
pub fn amount_text(value: &Value) -> Parsed<String> {
    value.as_str().map(str::to_owned).ok_or_else(|| {
        (
            codes::INVALID_AMOUNT,
            "must be a string with a decimal number, like \"12.50\"".to_owned(),
        )
    })
}

/// An amount check against a currency, as a field error.
pub fn amount_error(err: money::MoneyError) -> (&'static str, String) {
    (codes::INVALID_AMOUNT, err.to_string())
}

/// An RFC 3339 time with an offset.
pub fn timestamp(value: &Value) -> Parsed<time::OffsetDateTime> {
    let text = string(value)?;
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map_err(|_| invalid("must be an RFC 3339 time with an offset"))
}

/// A `YYYY-MM-DD` date.
pub fn date(value: &Value) -> Parsed<time::Date> {
    crate::domain::dates::parse_date(string(value)?)
        .ok_or_else(|| invalid("must be a date YYYY-MM-DD"))
}

/// An integer in `range`.
pub fn integer_in(range: std::ops::RangeInclusive<i64>) -> impl Fn(&Value) -> Parsed<i64> {
    move |value| {
        value.as_i64().filter(|n| range.contains(n)).ok_or_else(|| {
            invalid(format!(
                "must be an integer from {} to {}",
                range.start(),
                range.end()
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_with_a_nul_character_is_refused_as_a_field_error() {
        for value in ["\0", "Food\0", "a\0b"] {
            assert_eq!(
                name(&json!(value)).map_err(|e| e.0),
                Err(codes::INVALID_VALUE)
            );
            assert_eq!(
                note(&json!(value)).map_err(|e| e.0),
                Err(codes::INVALID_VALUE)
            );
        }
        assert_eq!(name(&json!(" Food ")), Ok("Food".to_owned()));
        assert_eq!(note(&json!("line\nline")), Ok("line\nline".to_owned()));
    }
}
