//! The crate's one error type. Each variant is one contract field code (see
//! [`MoneyError::code`]); the problem it carries only says why, for messages and
//! logs — callers decide on the variant alone.

use std::fmt;

/// Everything this crate refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MoneyError {
    /// Not an ISO 4217 code with a minor unit: the contract's `invalid_currency`.
    #[error("invalid currency: {0}")]
    InvalidCurrency(CurrencyProblem),
    /// Not an amount the contract accepts: the contract's `invalid_amount`.
    #[error("invalid amount: {0}")]
    InvalidAmount(AmountProblem),
    /// A split that cannot be made (no parts, or only zero weights).
    #[error("cannot split: {0}")]
    InvalidSplit(SplitProblem),
    /// A calculator entry that does not give an amount of the currency.
    #[error("cannot calculate: {0}")]
    InvalidExpression(ExpressionProblem),
}

impl MoneyError {
    /// The contract's field code for this error, for `errors[]` of a 422
    /// `validation_failed`. A calculator entry stands for an amount, so its
    /// errors are `invalid_amount` too; a bad split is `invalid_value`.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidCurrency(_) => "invalid_currency",
            Self::InvalidAmount(_) | Self::InvalidExpression(_) => "invalid_amount",
            Self::InvalidSplit(_) => "invalid_value",
        }
    }
}

/// Why a currency code was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CurrencyProblem {
    /// Not exactly three ASCII upper-case letters (lower case included).
    Syntax,
    /// Three letters, but no ISO 4217 code.
    Unknown,
    /// An ISO 4217 code without a minor unit (XAU, XDR, XXX, …).
    NoMinorUnit,
}

impl fmt::Display for CurrencyProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Syntax => "not three upper-case letters",
            Self::Unknown => "not an ISO 4217 code",
            Self::NoMinorUnit => "an ISO 4217 code without a minor unit",
        })
    }
}

/// Why an amount was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AmountProblem {
    /// Not of the form `-?[0-9]+([.,][0-9]+)?` in ASCII.
    Syntax,
    /// More decimal digits written than the currency's exponent allows.
    TooManyDecimals {
        /// The currency's exponent.
        allowed: u8,
    },
    /// Zero where the amount must not be zero.
    Zero,
    /// Negative where the amount must be positive.
    Negative,
    /// More than 10^15 minor units (in absolute value).
    TooLarge,
}

impl fmt::Display for AmountProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Syntax => f.write_str("not a decimal number like 12.50"),
            Self::TooManyDecimals { allowed: 0 } => {
                f.write_str("this currency has no decimal digits")
            }
            Self::TooManyDecimals { allowed } => {
                write!(f, "at most {allowed} decimal digits for this currency")
            }
            Self::Zero => f.write_str("must not be zero"),
            Self::Negative => f.write_str("must be positive"),
            Self::TooLarge => f.write_str("larger than 10^15 minor units"),
        }
    }
}

/// Why a split could not be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SplitProblem {
    /// No parts were asked for.
    NoParts,
    /// Every weight is zero, so no part can take the amount.
    AllWeightsZero,
}

impl fmt::Display for SplitProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NoParts => "no parts",
            Self::AllWeightsZero => "all weights are zero",
        })
    }
}

/// Why a calculator entry gave no amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExpressionProblem {
    /// Nothing but white space.
    Empty,
    /// Longer than [`crate::expression::MAX_LEN`] bytes.
    TooLong,
    /// Not a calculation: an unknown character, a missing number or parenthesis.
    Syntax,
    /// A number written with more decimal digits than the currency has.
    TooManyDecimals {
        /// The currency's exponent.
        allowed: u8,
    },
    /// A division by zero.
    DivisionByZero,
    /// A number or an intermediate result too large to compute exactly.
    Overflow,
    /// The exact result needs more decimal digits than the currency has (`100/3`).
    NotRepresentable {
        /// The currency's exponent.
        allowed: u8,
    },
}

impl fmt::Display for ExpressionProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("empty"),
            Self::TooLong => f.write_str("too long"),
            Self::Syntax => f.write_str("not a calculation like 3+4.50"),
            Self::TooManyDecimals { allowed } => {
                write!(f, "a number has more than {allowed} decimal digits")
            }
            Self::DivisionByZero => f.write_str("division by zero"),
            Self::Overflow => f.write_str("numbers too large"),
            Self::NotRepresentable { allowed } => {
                write!(f, "the result has more than {allowed} decimal digits")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_error_maps_to_its_contract_field_code() {
        assert_eq!(
            MoneyError::InvalidCurrency(CurrencyProblem::Unknown).code(),
            "invalid_currency"
        );
        assert_eq!(
            MoneyError::InvalidAmount(AmountProblem::Zero).code(),
            "invalid_amount"
        );
        assert_eq!(
            MoneyError::InvalidExpression(ExpressionProblem::DivisionByZero).code(),
            "invalid_amount"
        );
        assert_eq!(
            MoneyError::InvalidSplit(SplitProblem::NoParts).code(),
            "invalid_value"
        );
    }

    #[test]
    fn messages_say_why() {
        assert_eq!(
            MoneyError::InvalidAmount(AmountProblem::TooManyDecimals { allowed: 2 }).to_string(),
            "invalid amount: at most 2 decimal digits for this currency"
        );
        assert_eq!(
            MoneyError::InvalidAmount(AmountProblem::TooManyDecimals { allowed: 0 }).to_string(),
            "invalid amount: this currency has no decimal digits"
        );
        assert_eq!(
            MoneyError::InvalidCurrency(CurrencyProblem::NoMinorUnit).to_string(),
            "invalid currency: an ISO 4217 code without a minor unit"
        );
    }
}
