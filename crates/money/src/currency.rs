//! [`Currency`]: an ISO 4217 alphabetic code that has a minor unit.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{CurrencyProblem, MoneyError};

/// A currency amounts can be kept in: an ISO 4217 alphabetic code with a minor
/// unit. Codes and exponents come from the `iso_currency` crate's table, so
/// `CLF` has 4 digits, `BHD` 3, `EUR` 2 and `JPY` 0.
///
/// Parsing is strict: exactly three ASCII upper-case letters (`"eur"` is refused,
/// not normalised), a code ISO 4217 knows, and one with a minor unit (`XAU`,
/// `XDR`, `XTS`, `XXX`, … are refused). Serde writes and reads the code as a
/// string, reading through the same parser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency {
    iso: iso_currency::Currency,
    exponent: u8,
}

/// The largest exponent accepted; ISO 4217's largest is 4. It keeps
/// `10^exponent` and its products far inside the integer types used here.
const MAX_EXPONENT: u8 = 9;

impl Currency {
    /// Parses an ISO 4217 alphabetic code, strictly (see the type's docs).
    ///
    /// # Errors
    ///
    /// [`MoneyError::InvalidCurrency`] when `code` is not three ASCII upper-case
    /// letters, not an ISO 4217 code, or a code without a minor unit.
    pub fn parse(code: &str) -> Result<Self, MoneyError> {
        let refuse = |problem| MoneyError::InvalidCurrency(problem);
        if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(refuse(CurrencyProblem::Syntax));
        }
        let iso =
            iso_currency::Currency::from_code(code).ok_or(refuse(CurrencyProblem::Unknown))?;
        let exponent = iso
            .exponent()
            .and_then(|e| u8::try_from(e).ok())
            .filter(|e| *e <= MAX_EXPONENT)
            .ok_or(refuse(CurrencyProblem::NoMinorUnit))?;
        Ok(Self { iso, exponent })
    }

    /// The alphabetic code, e.g. `"EUR"`.
    #[must_use]
    pub fn code(self) -> &'static str {
        self.iso.code()
    }

    /// The number of decimal digits of the minor unit (ISO 4217 exponent):
    /// 2 for EUR, 0 for JPY, 3 for BHD, 4 for CLF.
    #[must_use]
    pub fn exponent(self) -> u8 {
        self.exponent
    }

    /// Minor units per major unit: `10^exponent` (100 for EUR, 1 for JPY).
    #[must_use]
    pub fn minor_per_major(self) -> i64 {
        10_i64.pow(u32::from(self.exponent))
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Currency {
    type Err = MoneyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<&str> for Currency {
    type Error = MoneyError;

    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Self::parse(s)
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CodeVisitor;

        impl Visitor<'_> for CodeVisitor {
            type Value = Currency;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an ISO 4217 currency code such as \"EUR\"")
            }

            fn visit_str<E: de::Error>(self, code: &str) -> Result<Currency, E> {
                Currency::parse(code).map_err(E::custom)
            }
        }

        deserializer.deserialize_str(CodeVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(code: &str) -> CurrencyProblem {
        match Currency::parse(code) {
            Err(MoneyError::InvalidCurrency(problem)) => problem,
            other => panic!("{code:?} gave {other:?}, expected an invalid currency"),
        }
    }

    #[test]
    fn exponents_come_from_iso_4217() {
        for (code, exponent) in [
            ("EUR", 2),
            ("USD", 2),
            ("JPY", 0),
            ("BHD", 3),
            ("KWD", 3),
            ("CLF", 4),
        ] {
            let currency = Currency::parse(code).expect("a currency with a minor unit");
            assert_eq!(currency.code(), code);
            assert_eq!(currency.exponent(), exponent, "{code}");
        }
    }

    #[test]
    fn minor_per_major_is_ten_to_the_exponent() {
        let per = |code: &str| Currency::parse(code).map(Currency::minor_per_major);
        assert_eq!(per("EUR"), Ok(100));
        assert_eq!(per("JPY"), Ok(1));
        assert_eq!(per("BHD"), Ok(1000));
        assert_eq!(per("CLF"), Ok(10_000));
    }

    #[test]
    fn lower_and_mixed_case_are_refused_not_normalised() {
        assert_eq!(problem("eur"), CurrencyProblem::Syntax);
        assert_eq!(problem("Eur"), CurrencyProblem::Syntax);
        assert_eq!(problem("EUr"), CurrencyProblem::Syntax);
    }

    #[test]
    fn anything_but_three_ascii_capitals_is_refused() {
        for code in [
            "",
            "EU",
            "EURO",
            " EUR",
            "EUR ",
            "E1R",
            "ЕUR",
            "ＥＵＲ",
            "E-R",
        ] {
            assert_eq!(problem(code), CurrencyProblem::Syntax, "{code:?}");
        }
    }

    #[test]
    fn unknown_codes_are_refused() {
        for code in ["ABC", "AAA", "ZZZ", "EUX"] {
            assert_eq!(problem(code), CurrencyProblem::Unknown, "{code}");
        }
    }

    #[test]
    fn codes_without_a_minor_unit_are_refused() {
        for code in [
            "XAU", "XAG", "XPT", "XPD", "XDR", "XTS", "XXX", "XSU", "XUA", "XBA",
        ] {
            assert_eq!(problem(code), CurrencyProblem::NoMinorUnit, "{code}");
        }
    }

    #[test]
    fn from_str_and_display_round_trip() {
        let currency: Currency = "BHD".parse().expect("BHD");
        assert_eq!(currency.to_string(), "BHD");
        assert_eq!(Currency::try_from("JPY").map(Currency::exponent), Ok(0));
        assert!("XAU".parse::<Currency>().is_err());
    }

    #[test]
    fn serde_uses_the_code_and_the_strict_parser() {
        let eur: Currency = serde_json::from_str("\"EUR\"").expect("EUR");
        assert_eq!(eur.exponent(), 2);
        assert_eq!(serde_json::to_string(&eur).expect("serialises"), "\"EUR\"");
        // An escaped string is not borrowed: it must still be read.
        let escaped: Currency = serde_json::from_str("\"\\u0045UR\"").expect("escaped EUR");
        assert_eq!(escaped, eur);
        for refused in ["\"eur\"", "\"XAU\"", "\"ABC\"", "978", "null", "[\"EUR\"]"] {
            assert!(
                serde_json::from_str::<Currency>(refused).is_err(),
                "{refused}"
            );
        }
    }
}
