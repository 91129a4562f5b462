//! Exact money for every Finance Bot service: the finance service, the bot and the
//! web service all read and write amounts through this crate, so they agree to the
//! last minor unit. It holds the rules of the finance contract's "Money" section:
//! [`Currency`] (an ISO 4217 code with a minor unit, parsed strictly), amount parsing
//! into integer minor units ([`parse_amount`], [`parse_signed_amount`],
//! [`parse_nonzero_amount`]), formatting back with exactly the currency's digits
//! ([`format_amount`], [`DecimalAmount`]), largest-remainder splits whose parts add
//! up to the whole ([`split_by_weights`], [`split_equally`]), and the small exact
//! calculator behind the bot's quick entries ([`expression::evaluate`]). No float is
//! used anywhere. The crate is light on purpose — serde and thiserror, no web
//! framework, database or runtime — so any crate may depend on it.

mod amount;
mod currency;
mod error;
pub mod expression;
mod format;
mod split;

pub use amount::{MAX_MINOR, parse_amount, parse_nonzero_amount, parse_signed_amount};
pub use currency::Currency;
pub use error::{AmountProblem, CurrencyProblem, ExpressionProblem, MoneyError, SplitProblem};
pub use format::{DecimalAmount, format_amount};
pub use split::{split_by_weights, split_equally};
