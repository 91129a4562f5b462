//! The bot's calculator for quick entries: `"3+4.5"`, `"12*3"`, `"(2+3)*2"`,
//! `"100/4"`, `"250"` — evaluated exactly, on fractions of `i128`s, never on
//! floats, and answered as the contract's decimal string for a currency.
//!
//! Grammar (ASCII white space is allowed between tokens, not inside numbers):
//!
//! ```text
//! expression := ["-"] term (("+" | "-") term)*
//! term       := factor (("*" | "/") factor)*
//! factor     := number | "(" expression ")"
//! number     := [0-9]+ ([.,] [0-9]+)?
//! ```
//!
//! So `*` and `/` bind tighter than `+` and `-`, operators of one level group
//! to the left, and a minus sign may open an expression (the whole input or a
//! parenthesis): `-5+10` and `2*(-3)` work, `2*-3` and `--5` do not. Numbers
//! are read like the contract's amounts, digits counted as written: `"1,000"`
//! is refused for EUR (three decimal digits), not read as a thousand.
//!
//! The exact result must be a whole number of the currency's minor units:
//! `100/3` or `1.25*1.25` for EUR is an error, never rounded. A result can be
//! zero, negative or above 10^15: whoever uses it as an amount parses it with
//! [`crate::parse_amount`] (whose syntax it always passes) or checks
//! [`evaluate_minor`]'s value.

use crate::currency::Currency;
use crate::error::{ExpressionProblem, MoneyError};
use crate::format::format_amount;

/// The longest input read, in bytes. It also bounds the nesting of parentheses.
pub const MAX_LEN: usize = 256;

/// Evaluates `input` exactly and writes the result with `currency`'s digits:
/// `evaluate("3+4,5", EUR)` is `"7.50"`, `evaluate("250", JPY)` is `"250"`.
///
/// # Errors
///
/// [`MoneyError::InvalidExpression`] for an empty, too long or malformed input, a
/// number with more decimal digits than the currency has, a division by zero, an
/// overflow, or a result that is not a whole number of minor units.
pub fn evaluate(input: &str, currency: Currency) -> Result<String, MoneyError> {
    evaluate_minor(input, currency).map(|minor| format_amount(minor, currency))
}

/// Evaluates `input` exactly into minor units of `currency`: `"3+4.5"` in EUR is `750`.
///
/// # Errors
///
/// As [`evaluate`].
pub fn evaluate_minor(input: &str, currency: Currency) -> Result<i128, MoneyError> {
    evaluate_in(input, currency).map_err(MoneyError::InvalidExpression)
}

type Problem = ExpressionProblem;

fn evaluate_in(input: &str, currency: Currency) -> Result<i128, Problem> {
    if input.len() > MAX_LEN {
        return Err(Problem::TooLong);
    }
    let tokens = tokenize(input, currency.exponent())?;
    if tokens.is_empty() {
        return Err(Problem::Empty);
    }
    let mut parser = Parser {
        tokens: &tokens,
        next: 0,
    };
    let value = parser.expression()?;
    if parser.next != tokens.len() {
        return Err(Problem::Syntax);
    }
    value.to_minor(currency.exponent())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Number(Ratio),
    Plus,
    Minus,
    Times,
    Divide,
    Open,
    Close,
}

fn tokenize(input: &str, exponent: u8) -> Result<Vec<Token>, Problem> {
    let bytes = input.as_bytes();
    let mut tokens = Vec::new();
    let mut at = 0;
    while let Some(&byte) = bytes.get(at) {
        let token = match byte {
            b' ' | b'\t' | b'\n' | b'\r' => {
                at += 1;
                continue;
            }
            b'+' => Token::Plus,
            b'-' => Token::Minus,
            b'*' => Token::Times,
            b'/' => Token::Divide,
            b'(' => Token::Open,
            b')' => Token::Close,
            b'0'..=b'9' => {
                let (number, len) = read_number(&bytes[at..], exponent)?;
                at += len;
                tokens.push(Token::Number(number));
                continue;
            }
            _ => return Err(Problem::Syntax),
        };
        tokens.push(token);
        at += 1;
    }
    Ok(tokens)
}

/// Reads `[0-9]+([.,][0-9]+)?` at the start of `text` (which starts with a digit):
/// its value and its length in bytes.
fn read_number(text: &[u8], exponent: u8) -> Result<(Ratio, usize), Problem> {
    let digits_in = |text: &[u8]| text.iter().take_while(|b| b.is_ascii_digit()).count();
    let integer_len = digits_in(text);
    let (integer, rest) = text.split_at(integer_len);
    let fraction = match rest {
        [b'.' | b',', after @ ..] => {
            let fraction_len = digits_in(after);
            if fraction_len == 0 {
                return Err(Problem::Syntax);
            }
            &after[..fraction_len]
        }
        _ => &[],
    };
    if fraction.len() > usize::from(exponent) {
        return Err(Problem::TooManyDecimals { allowed: exponent });
    }
    let mut numerator: i128 = 0;
    for &digit in integer.iter().chain(fraction) {
        numerator = numerator
            .checked_mul(10)
            .and_then(|n| n.checked_add(i128::from(digit - b'0')))
            .ok_or(Problem::Overflow)?;
    }
    // At most the exponent's digits (≤ 9), so the power cannot overflow.
    let denominator = 10_i128.pow(u32::try_from(fraction.len()).map_err(|_| Problem::Overflow)?);
    let len = integer.len()
        + if fraction.is_empty() {
            0
        } else {
            1 + fraction.len()
        };
    Ok((Ratio::new(numerator, denominator)?, len))
}

struct Parser<'a> {
    tokens: &'a [Token],
    next: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<Token> {
        self.tokens.get(self.next).copied()
    }

    fn eat(&mut self, token: Token) -> bool {
        let found = self.peek() == Some(token);
        if found {
            self.next += 1;
        }
        found
    }

    fn expression(&mut self) -> Result<Ratio, Problem> {
        let negative = self.eat(Token::Minus);
        let mut value = self.term()?;
        if negative {
            value = value.negate()?;
        }
        loop {
            if self.eat(Token::Plus) {
                value = value.add(self.term()?)?;
            } else if self.eat(Token::Minus) {
                value = value.add(self.term()?.negate()?)?;
            } else {
                return Ok(value);
            }
        }
    }

    fn term(&mut self) -> Result<Ratio, Problem> {
        let mut value = self.factor()?;
        loop {
            if self.eat(Token::Times) {
                value = value.multiply(self.factor()?)?;
            } else if self.eat(Token::Divide) {
                value = value.divide(self.factor()?)?;
            } else {
                return Ok(value);
            }
        }
    }

    fn factor(&mut self) -> Result<Ratio, Problem> {
        match self.peek() {
            Some(Token::Number(value)) => {
                self.next += 1;
                Ok(value)
            }
            Some(Token::Open) => {
                self.next += 1;
                let value = self.expression()?;
                if self.eat(Token::Close) {
                    Ok(value)
                } else {
                    Err(Problem::Syntax)
                }
            }
            _ => Err(Problem::Syntax),
        }
    }
}

/// An exact fraction in lowest terms, with a positive denominator. Every
/// operation is checked: an overflow is an error, never a wrong value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Ratio {
    numerator: i128,
    denominator: i128,
}

impl Ratio {
    fn new(numerator: i128, denominator: i128) -> Result<Self, Problem> {
        if denominator == 0 {
            return Err(Problem::DivisionByZero);
        }
        let divisor = gcd(numerator.unsigned_abs(), denominator.unsigned_abs());
        let negative = (numerator < 0) != (denominator < 0);
        let magnitude =
            i128::try_from(numerator.unsigned_abs() / divisor).map_err(|_| Problem::Overflow)?;
        let denominator =
            i128::try_from(denominator.unsigned_abs() / divisor).map_err(|_| Problem::Overflow)?;
        let numerator = if negative { -magnitude } else { magnitude };
        Ok(Self {
            numerator,
            denominator,
        })
    }

    fn negate(self) -> Result<Self, Problem> {
        let numerator = self.numerator.checked_neg().ok_or(Problem::Overflow)?;
        Ok(Self { numerator, ..self })
    }

    fn add(self, other: Self) -> Result<Self, Problem> {
        // Over the least common denominator, to keep the numbers small.
        let divisor = gcd_i128(self.denominator, other.denominator)?;
        let common = (self.denominator / divisor)
            .checked_mul(other.denominator)
            .ok_or(Problem::Overflow)?;
        let left = self
            .numerator
            .checked_mul(common / self.denominator)
            .ok_or(Problem::Overflow)?;
        let right = other
            .numerator
            .checked_mul(common / other.denominator)
            .ok_or(Problem::Overflow)?;
        Self::new(left.checked_add(right).ok_or(Problem::Overflow)?, common)
    }

    fn multiply(self, other: Self) -> Result<Self, Problem> {
        // Cancel across first, to keep the numbers small.
        let a = gcd_i128(self.numerator, other.denominator)?;
        let b = gcd_i128(other.numerator, self.denominator)?;
        let numerator = (self.numerator / a)
            .checked_mul(other.numerator / b)
            .ok_or(Problem::Overflow)?;
        let denominator = (self.denominator / b)
            .checked_mul(other.denominator / a)
            .ok_or(Problem::Overflow)?;
        Self::new(numerator, denominator)
    }

    fn divide(self, other: Self) -> Result<Self, Problem> {
        if other.numerator == 0 {
            return Err(Problem::DivisionByZero);
        }
        let (numerator, denominator) = if other.numerator < 0 {
            let numerator = other.numerator.checked_neg().ok_or(Problem::Overflow)?;
            (-other.denominator, numerator)
        } else {
            (other.denominator, other.numerator)
        };
        self.multiply(Self {
            numerator,
            denominator,
        })
    }

    /// The value in minor units of a currency with `exponent` digits, if whole.
    fn to_minor(self, exponent: u8) -> Result<i128, Problem> {
        let scaled = self
            .numerator
            .checked_mul(10_i128.pow(u32::from(exponent)))
            .ok_or(Problem::Overflow)?;
        if scaled % self.denominator == 0 {
            Ok(scaled / self.denominator)
        } else {
            Err(Problem::NotRepresentable { allowed: exponent })
        }
    }
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// The greatest common divisor of two numbers, one of them a non-zero denominator.
fn gcd_i128(a: i128, b: i128) -> Result<i128, Problem> {
    i128::try_from(gcd(a.unsigned_abs(), b.unsigned_abs())).map_err(|_| Problem::Overflow)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_signed_amount;

    fn currency(code: &str) -> Currency {
        Currency::parse(code).expect("a test currency")
    }

    fn eur(input: &str) -> Result<String, MoneyError> {
        evaluate(input, currency("EUR"))
    }

    fn problem(input: &str, code: &str) -> ExpressionProblem {
        match evaluate(input, currency(code)) {
            Err(MoneyError::InvalidExpression(problem)) => problem,
            other => panic!("{input:?} in {code} gave {other:?}, expected an error"),
        }
    }

    fn ok(s: &str) -> Result<String, MoneyError> {
        Ok(s.to_owned())
    }

    #[test]
    fn the_bots_examples_are_evaluated_exactly() {
        assert_eq!(eur("3+4.5"), ok("7.50"));
        assert_eq!(eur("12*3"), ok("36.00"));
        assert_eq!(eur("3+4,5"), ok("7.50"));
        assert_eq!(eur("10-2.5"), ok("7.50"));
        assert_eq!(eur("100/4"), ok("25.00"));
        assert_eq!(eur("(2+3)*2"), ok("10.00"));
        assert_eq!(eur("250"), ok("250.00"));
        assert_eq!(evaluate("250", currency("JPY")), ok("250"));
        assert_eq!(evaluate("1/8", currency("BHD")), ok("0.125"));
        assert_eq!(evaluate("1.2345*2", currency("CLF")), ok("2.4690"));
    }

    #[test]
    fn times_and_divide_bind_tighter_and_each_level_groups_left() {
        assert_eq!(eur("2+3*4"), ok("14.00"));
        assert_eq!(eur("2*3+4"), ok("10.00"));
        assert_eq!(eur("10-2-3"), ok("5.00"));
        assert_eq!(eur("100/10/2"), ok("5.00"));
        assert_eq!(eur("8-6/2"), ok("5.00"));
        assert_eq!(eur("2*(3+4)*(1+1)"), ok("28.00"));
    }

    #[test]
    fn fractions_stay_exact_along_the_way() {
        // 100/3 is not a whole number of cents, but 100/3*3 is.
        assert_eq!(eur("100/3*3"), ok("100.00"));
        assert_eq!(eur("1/3+1/3+1/3"), ok("1.00"));
        assert_eq!(eur("0.1+0.2"), ok("0.30"));
        assert_eq!(eur("1.25*1.2"), ok("1.50"));
        // Large but exact.
        assert_eq!(eur("10000000000000*1000000"), ok("10000000000000000000.00"));
    }

    #[test]
    fn a_minus_sign_may_open_an_expression() {
        assert_eq!(eur("-5+10"), ok("5.00"));
        assert_eq!(eur("-2*3"), ok("-6.00"));
        assert_eq!(eur("-(2+3)"), ok("-5.00"));
        assert_eq!(eur("2*(-3)"), ok("-6.00"));
        assert_eq!(eur("10-20"), ok("-10.00"));
        assert_eq!(eur("5-5"), ok("0.00"));
        for input in ["--5", "2*-3", "2--3", "-", "+5", "2+-3"] {
            assert_eq!(problem(input, "EUR"), Problem::Syntax, "{input}");
        }
    }

    #[test]
    fn white_space_between_tokens_is_fine_but_not_inside_numbers() {
        assert_eq!(eur(" 3 + 4.5 "), ok("7.50"));
        assert_eq!(eur("( 2 +3 ) *\t2"), ok("10.00"));
        assert_eq!(problem("1 000", "EUR"), Problem::Syntax);
        assert_eq!(problem("4. 5", "EUR"), Problem::Syntax);
    }

    #[test]
    fn results_that_need_more_digits_are_refused_not_rounded() {
        assert_eq!(
            problem("100/3", "EUR"),
            Problem::NotRepresentable { allowed: 2 }
        );
        assert_eq!(
            problem("1.25*1.25", "EUR"),
            Problem::NotRepresentable { allowed: 2 }
        );
        assert_eq!(
            problem("1/8", "EUR"),
            Problem::NotRepresentable { allowed: 2 }
        );
        assert_eq!(
            problem("5/2", "JPY"),
            Problem::NotRepresentable { allowed: 0 }
        );
        assert_eq!(
            problem("1/16", "BHD"),
            Problem::NotRepresentable { allowed: 3 }
        );
    }

    #[test]
    fn numbers_with_more_digits_than_the_currency_are_refused() {
        assert_eq!(
            problem("12.500", "EUR"),
            Problem::TooManyDecimals { allowed: 2 }
        );
        assert_eq!(
            problem("1,000", "EUR"),
            Problem::TooManyDecimals { allowed: 2 }
        );
        assert_eq!(
            problem("1250.0", "JPY"),
            Problem::TooManyDecimals { allowed: 0 }
        );
        assert_eq!(
            problem("3+0.001", "EUR"),
            Problem::TooManyDecimals { allowed: 2 }
        );
    }

    #[test]
    fn division_by_zero_is_refused() {
        assert_eq!(problem("5/0", "EUR"), Problem::DivisionByZero);
        assert_eq!(problem("5/(2-2)", "EUR"), Problem::DivisionByZero);
        assert_eq!(problem("0/0", "EUR"), Problem::DivisionByZero);
        assert_eq!(problem("5/0.00", "EUR"), Problem::DivisionByZero);
    }

    #[test]
    fn overflow_is_refused_not_wrapped() {
        let huge = "9".repeat(40);
        assert_eq!(problem(&huge, "EUR"), Problem::Overflow);
        assert_eq!(
            problem(
                "9999999999999999999*9999999999999999999*9999999999999999999",
                "EUR"
            ),
            Problem::Overflow
        );
        // Fits as a fraction, but not once scaled to minor units.
        assert_eq!(
            problem("99999999999999999999999999999999999999", "EUR"),
            Problem::Overflow
        );
        assert_eq!(
            problem("1/99999999999999999999*1/99999999999999999999", "EUR"),
            Problem::Overflow
        );
    }

    #[test]
    fn empty_and_malformed_inputs_are_refused() {
        assert_eq!(problem("", "EUR"), Problem::Empty);
        assert_eq!(problem("  \t", "EUR"), Problem::Empty);
        for input in [
            ".5", "12.", "12,", "3+", "*3", "(2+3", "2+3)", "()", "2(3)", "(2)(3)", "1e3", "NaN",
            "١٢", "１２", "3×4", "3÷4", "12.5.0", "1,5,5", "abc", "3 EUR", "€3", "2^3", "5%",
        ] {
            assert_eq!(problem(input, "EUR"), Problem::Syntax, "{input:?}");
        }
    }

    #[test]
    fn long_inputs_are_refused_and_deep_nesting_within_the_limit_works() {
        // 1+1+…+1 with 128 ones and one space: exactly MAX_LEN bytes, read.
        let longest = format!("1{} ", "+1".repeat(127));
        assert_eq!(longest.len(), MAX_LEN);
        assert_eq!(eur(&longest), ok("128.00"));
        assert_eq!(problem(&format!("{longest}1"), "EUR"), Problem::TooLong);
        let deep = format!("{}7{}", "(".repeat(100), ")".repeat(100));
        assert!(deep.len() <= MAX_LEN);
        assert_eq!(eur(&deep), ok("7.00"));
    }

    #[test]
    fn results_pass_the_amount_parser() {
        let eur = currency("EUR");
        for (input, minor) in [
            ("3+4,5", 750),
            ("10-20.5", -1050),
            ("0.1*3", 30),
            ("7", 700),
        ] {
            let text = evaluate(input, eur).expect("a result");
            assert_eq!(
                parse_signed_amount(&text, eur),
                Ok(minor),
                "{input} gave {text}"
            );
            assert_eq!(evaluate_minor(input, eur), Ok(i128::from(minor)));
        }
    }
}
