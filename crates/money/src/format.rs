//! Amounts out: minor units written as the contract's decimal string, with
//! exactly the currency's digits (`"12.50"`, `"1250"` JPY, `"1.250"` BHD).

use std::fmt;

use serde::{Serialize, Serializer};

use crate::currency::Currency;

/// Writes `minor` units of `currency` as a decimal string in major units with
/// exactly the currency's exponent of digits and `.` as the separator:
/// `1250` EUR → `"12.50"`, `1250` JPY → `"1250"`, `-12000` EUR → `"-120.00"`.
///
/// It takes any integer up to `i128`, so sums of many amounts (balances,
/// reports) are written as exactly as single ones. The result is always accepted
/// by [`crate::parse_signed_amount`]'s syntax.
#[must_use]
pub fn format_amount(minor: impl Into<i128>, currency: Currency) -> String {
    DecimalAmount::new(minor, currency).to_string()
}

/// An amount with its currency that displays and serialises as the contract's
/// decimal string — the type for amounts in response bodies:
///
/// ```
/// # use money::{Currency, DecimalAmount};
/// let eur: Currency = "EUR".parse().unwrap();
/// let balance = DecimalAmount::new(-12_000_i64, eur);
/// assert_eq!(serde_json::to_string(&balance).unwrap(), r#""-120.00""#);
/// ```
///
/// It only writes: amounts coming in are parsed with the currency they belong to
/// ([`crate::parse_amount`] and its siblings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DecimalAmount {
    minor: i128,
    currency: Currency,
}

impl DecimalAmount {
    /// `minor` units of `currency`.
    #[must_use]
    pub fn new(minor: impl Into<i128>, currency: Currency) -> Self {
        Self {
            minor: minor.into(),
            currency,
        }
    }

    /// The amount in minor units.
    #[must_use]
    pub fn minor(self) -> i128 {
        self.minor
    }

    /// The amount's currency.
    #[must_use]
    pub fn currency(self) -> Currency {
        self.currency
    }
}

impl fmt::Display for DecimalAmount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let exponent = usize::from(self.currency.exponent());
        // At least one digit before the separator: 5 cents are "0.05".
        let digits = format!(
            "{:0>width$}",
            self.minor.unsigned_abs(),
            width = exponent + 1
        );
        let (major, fraction) = digits.split_at(digits.len() - exponent);
        if self.minor < 0 {
            f.write_str("-")?;
        }
        f.write_str(major)?;
        if exponent > 0 {
            write!(f, ".{fraction}")?;
        }
        Ok(())
    }
}

impl Serialize for DecimalAmount {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn currency(code: &str) -> Currency {
        Currency::parse(code).expect("a test currency")
    }

    #[test]
    fn writes_exactly_the_exponents_digits() {
        let eur = currency("EUR");
        assert_eq!(format_amount(1250_i64, eur), "12.50");
        assert_eq!(format_amount(1200_i64, eur), "12.00");
        assert_eq!(format_amount(5_i64, eur), "0.05");
        assert_eq!(format_amount(50_i64, eur), "0.50");
        assert_eq!(format_amount(0_i64, eur), "0.00");
        assert_eq!(format_amount(-12_000_i64, eur), "-120.00");
        assert_eq!(format_amount(-1_i64, eur), "-0.01");
        assert_eq!(format_amount(1250_i64, currency("JPY")), "1250");
        assert_eq!(format_amount(0_i64, currency("JPY")), "0");
        assert_eq!(format_amount(-7_i64, currency("JPY")), "-7");
        assert_eq!(format_amount(1250_i64, currency("BHD")), "1.250");
        assert_eq!(format_amount(1_i64, currency("CLF")), "0.0001");
    }

    #[test]
    fn sums_beyond_single_amounts_are_written_exactly() {
        let eur = currency("EUR");
        // A thousand maximal amounts: 10^18 cents.
        assert_eq!(
            format_amount(1_000_000_000_000_000_000_i128, eur),
            "10000000000000000.00"
        );
        assert_eq!(format_amount(i64::MAX, eur), "92233720368547758.07");
        assert_eq!(
            format_amount(i128::MAX, eur),
            "1701411834604692317316873037158841057.27"
        );
        assert_eq!(
            format_amount(i128::MIN, eur),
            "-1701411834604692317316873037158841057.28"
        );
    }

    #[test]
    fn decimal_amount_displays_and_serialises_as_the_string() {
        let bhd = currency("BHD");
        let amount = DecimalAmount::new(-1250_i64, bhd);
        assert_eq!(amount.to_string(), "-1.250");
        assert_eq!(amount.minor(), -1250);
        assert_eq!(amount.currency(), bhd);
        assert_eq!(
            serde_json::to_string(&amount).expect("serialises"),
            "\"-1.250\""
        );
    }
}
