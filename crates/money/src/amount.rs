//! Amounts in, as the contract reads them: a decimal string in major units
//! becomes an integer count of minor units, exactly or not at all.
//!
//! The accepted form is `-?[0-9]+([.,][0-9]+)?` in ASCII, with at most the
//! currency's exponent of decimal digits *as written* (`"12.500"` EUR is refused
//! although it equals 12.50). Nothing is ever rounded. Each refusal is
//! [`MoneyError::InvalidAmount`], whatever the [`AmountProblem`] it carries.

use crate::currency::Currency;
use crate::error::{AmountProblem, MoneyError};

/// The largest amount in minor units, 10^15 (itself accepted). Sums may exceed it.
pub const MAX_MINOR: i64 = 1_000_000_000_000_000;

/// Parses a transaction amount: more than zero and at most [`MAX_MINOR`] minor units
/// (the transaction's kind gives the sign, so `"-5"` is refused).
///
/// # Errors
///
/// [`MoneyError::InvalidAmount`] for anything else the contract refuses: bad syntax,
/// too many decimal digits, zero (`"0"`, `"-0"`), negative or too large.
pub fn parse_amount(input: &str, currency: Currency) -> Result<i64, MoneyError> {
    let (negative, magnitude) = parse_parts(input, currency)?;
    if magnitude == 0 {
        return Err(refuse(AmountProblem::Zero));
    }
    if negative {
        return Err(refuse(AmountProblem::Negative));
    }
    Ok(magnitude)
}

/// Parses an account's opening balance: zero and negative amounts are fine, the
/// absolute value is at most [`MAX_MINOR`]. `"-0"` is zero.
///
/// # Errors
///
/// [`MoneyError::InvalidAmount`] for bad syntax, too many decimal digits or too large.
pub fn parse_signed_amount(input: &str, currency: Currency) -> Result<i64, MoneyError> {
    let (negative, magnitude) = parse_parts(input, currency)?;
    Ok(if negative { -magnitude } else { magnitude })
}

/// Parses a goal contribution: negative (a withdrawal) is fine, zero is not, and the
/// absolute value is at most [`MAX_MINOR`].
///
/// # Errors
///
/// [`MoneyError::InvalidAmount`] for bad syntax, too many decimal digits, zero or
/// too large.
pub fn parse_nonzero_amount(input: &str, currency: Currency) -> Result<i64, MoneyError> {
    match parse_signed_amount(input, currency)? {
        0 => Err(refuse(AmountProblem::Zero)),
        minor => Ok(minor),
    }
}

fn refuse(problem: AmountProblem) -> MoneyError {
    MoneyError::InvalidAmount(problem)
}

/// The sign and the magnitude in minor units (at most [`MAX_MINOR`]).
fn parse_parts(input: &str, currency: Currency) -> Result<(bool, i64), MoneyError> {
    let (negative, digits) = match input.as_bytes() {
        [b'-', rest @ ..] => (true, rest),
        all => (false, all),
    };
    let (integer, fraction) = split_decimal(digits).ok_or(refuse(AmountProblem::Syntax))?;
    let magnitude = to_minor(integer, fraction, currency)?;
    Ok((negative, magnitude))
}

/// Splits `[0-9]+([.,][0-9]+)?` (ASCII) into its integer and fraction digits.
pub(crate) fn split_decimal(text: &[u8]) -> Option<(&[u8], &[u8])> {
    let integer_len = text.iter().take_while(|b| b.is_ascii_digit()).count();
    if integer_len == 0 {
        return None;
    }
    let (integer, rest) = text.split_at(integer_len);
    match rest {
        [] => Some((integer, &[])),
        [b'.' | b',', fraction @ ..]
            if !fraction.is_empty() && fraction.iter().all(u8::is_ascii_digit) =>
        {
            Some((integer, fraction))
        }
        _ => None,
    }
}

/// The value of `integer.fraction` in minor units, refusing more fraction digits
/// than the currency has and values above [`MAX_MINOR`].
fn to_minor(integer: &[u8], fraction: &[u8], currency: Currency) -> Result<i64, MoneyError> {
    let exponent = currency.exponent();
    if fraction.len() > usize::from(exponent) {
        return Err(refuse(AmountProblem::TooManyDecimals { allowed: exponent }));
    }
    let too_large = refuse(AmountProblem::TooLarge);
    // Digits are pushed one by one, so a long run of leading zeros costs nothing,
    // and the bound is checked at every step, long before i64 could overflow.
    let mut minor: i64 = 0;
    for &digit in integer.iter().chain(fraction) {
        minor = minor * 10 + i64::from(digit - b'0');
        if minor > MAX_MINOR {
            return Err(too_large);
        }
    }
    for _ in fraction.len()..usize::from(exponent) {
        minor *= 10;
        if minor > MAX_MINOR {
            return Err(too_large);
        }
    }
    Ok(minor)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn currency(code: &str) -> Currency {
        Currency::parse(code).expect("a test currency")
    }

    fn eur() -> Currency {
        currency("EUR")
    }

    fn problem(result: Result<i64, MoneyError>) -> AmountProblem {
        match result {
            Err(MoneyError::InvalidAmount(problem)) => problem,
            other => panic!("expected an invalid amount, got {other:?}"),
        }
    }

    #[test]
    fn decimal_strings_become_minor_units() {
        assert_eq!(parse_amount("12.50", eur()), Ok(1250));
        assert_eq!(parse_amount("12.5", eur()), Ok(1250));
        assert_eq!(parse_amount("12", eur()), Ok(1200));
        assert_eq!(parse_amount("0.01", eur()), Ok(1));
        assert_eq!(parse_amount("1250", currency("JPY")), Ok(1250));
        assert_eq!(parse_amount("1.250", currency("BHD")), Ok(1250));
        assert_eq!(parse_amount("1.2", currency("BHD")), Ok(1200));
        assert_eq!(parse_amount("0.0001", currency("CLF")), Ok(1));
    }

    #[test]
    fn a_comma_is_a_decimal_separator_too() {
        assert_eq!(parse_amount("12,50", eur()), Ok(1250));
        assert_eq!(parse_signed_amount("-0,05", eur()), Ok(-5));
    }

    #[test]
    fn leading_zeros_are_fine() {
        assert_eq!(parse_amount("007.10", eur()), Ok(710));
        assert_eq!(
            parse_amount("0000000000000000000000000000000000000001", eur()),
            Ok(100)
        );
        assert_eq!(parse_signed_amount("-00", eur()), Ok(0));
    }

    #[test]
    fn malformed_strings_are_refused() {
        let bad = [
            "",
            "-",
            ".5",
            ",5",
            "12.",
            "12,",
            "+5",
            " 5",
            "5 ",
            "1 000",
            "1,000.00",
            "1.000,00",
            "1_000",
            "1e3",
            "1E3",
            "0x10",
            "NaN",
            "nan",
            "inf",
            "Infinity",
            "--5",
            "-+5",
            "5-",
            "١٢",
            "１２",
            "12.٥",
            "12.5.0",
            "12..5",
            "€12",
            "12€",
            "12.50 EUR",
            "\u{2212}5",
            "5\n",
            "\t5",
            "12.-5",
        ];
        for input in bad {
            assert_eq!(
                problem(parse_amount(input, eur())),
                AmountProblem::Syntax,
                "{input:?}"
            );
            assert_eq!(
                problem(parse_signed_amount(input, eur())),
                AmountProblem::Syntax,
                "{input:?}"
            );
            assert_eq!(
                problem(parse_nonzero_amount(input, eur())),
                AmountProblem::Syntax,
                "{input:?}"
            );
        }
    }

    #[test]
    fn more_digits_than_the_exponent_are_refused_even_zeros() {
        let too_many = |input: &str, code: &str, allowed: u8| {
            assert_eq!(
                problem(parse_signed_amount(input, currency(code))),
                AmountProblem::TooManyDecimals { allowed },
                "{input} {code}"
            );
        };
        too_many("12.500", "EUR", 2);
        too_many("12.345", "EUR", 2);
        too_many("0.001", "EUR", 2);
        too_many("1250.0", "JPY", 0);
        too_many("1250,0", "JPY", 0);
        too_many("1.2500", "BHD", 3);
        too_many("1.00000", "CLF", 4);
        too_many("-12.500", "EUR", 2);
        // Exactly the exponent is fine.
        assert_eq!(parse_amount("1.2345", currency("CLF")), Ok(12_345));
        assert_eq!(parse_amount("1.234", currency("BHD")), Ok(1234));
    }

    #[test]
    fn transaction_amounts_must_be_positive() {
        assert_eq!(problem(parse_amount("0", eur())), AmountProblem::Zero);
        assert_eq!(problem(parse_amount("0.00", eur())), AmountProblem::Zero);
        assert_eq!(problem(parse_amount("-0", eur())), AmountProblem::Zero);
        assert_eq!(problem(parse_amount("-5", eur())), AmountProblem::Negative);
        assert_eq!(
            problem(parse_amount("-0.01", eur())),
            AmountProblem::Negative
        );
    }

    #[test]
    fn ten_to_the_fifteen_minor_units_is_the_bound_itself_accepted() {
        // 10^15 cents = 10^13 euros.
        assert_eq!(parse_amount("10000000000000", eur()), Ok(MAX_MINOR));
        assert_eq!(parse_amount("10000000000000.00", eur()), Ok(MAX_MINOR));
        assert_eq!(parse_amount("9999999999999.99", eur()), Ok(MAX_MINOR - 1));
        assert_eq!(
            parse_amount("1000000000000000", currency("JPY")),
            Ok(MAX_MINOR)
        );
        assert_eq!(
            problem(parse_amount("10000000000000.01", eur())),
            AmountProblem::TooLarge
        );
        assert_eq!(
            problem(parse_amount("10000000000001", eur())),
            AmountProblem::TooLarge
        );
        assert_eq!(
            problem(parse_amount("1000000000000001", currency("JPY"))),
            AmountProblem::TooLarge
        );
        assert_eq!(
            problem(parse_amount("100000000000.0001", currency("CLF"))),
            AmountProblem::TooLarge
        );
    }

    #[test]
    fn huge_numbers_are_too_large_not_an_overflow() {
        let huge = "9".repeat(400);
        assert_eq!(problem(parse_amount(&huge, eur())), AmountProblem::TooLarge);
        assert_eq!(
            problem(parse_signed_amount(&format!("-{huge}"), eur())),
            AmountProblem::TooLarge
        );
        assert_eq!(
            problem(parse_amount("9223372036854775808", currency("JPY"))),
            AmountProblem::TooLarge
        );
    }

    #[test]
    fn opening_balances_may_be_zero_or_negative_within_the_bound() {
        assert_eq!(parse_signed_amount("-120.00", eur()), Ok(-12_000));
        assert_eq!(parse_signed_amount("0", eur()), Ok(0));
        assert_eq!(parse_signed_amount("-0", eur()), Ok(0));
        assert_eq!(parse_signed_amount("120", eur()), Ok(12_000));
        assert_eq!(
            parse_signed_amount("-10000000000000", eur()),
            Ok(-MAX_MINOR)
        );
        assert_eq!(parse_signed_amount("10000000000000", eur()), Ok(MAX_MINOR));
        assert_eq!(
            problem(parse_signed_amount("-10000000000000.01", eur())),
            AmountProblem::TooLarge
        );
        assert_eq!(
            problem(parse_signed_amount("10000000000000.01", eur())),
            AmountProblem::TooLarge
        );
    }

    #[test]
    fn contributions_may_be_negative_never_zero() {
        assert_eq!(parse_nonzero_amount("-25.00", eur()), Ok(-2500));
        assert_eq!(parse_nonzero_amount("25", eur()), Ok(2500));
        assert_eq!(
            problem(parse_nonzero_amount("0", eur())),
            AmountProblem::Zero
        );
        assert_eq!(
            problem(parse_nonzero_amount("-0", eur())),
            AmountProblem::Zero
        );
        assert_eq!(
            problem(parse_nonzero_amount("0,00", eur())),
            AmountProblem::Zero
        );
        assert_eq!(
            parse_nonzero_amount("-10000000000000", eur()),
            Ok(-MAX_MINOR)
        );
        assert_eq!(
            problem(parse_nonzero_amount("-10000000000000.01", eur())),
            AmountProblem::TooLarge
        );
    }
}
