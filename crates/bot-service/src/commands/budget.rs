//! `/budget`: this budget month's budgets; `/budget <category> <limit>` sets
//! (or changes) the monthly budget of an expense category, in the family's
//! base currency.

use money::Currency;

use super::entry::{CategoryMatch, Kind, match_category};
use super::record::{current_family, idempotency_key};
use super::{Origin, Reply};
use crate::context::{BotError, Context};
use crate::{replies, session};

/// `amount` (a calculation, `.` or `,`) as the contract's decimal string in
/// `currency`, when it is more than zero.
pub fn positive_amount(amount: &str, currency: Currency) -> Option<String> {
    let minor = money::expression::evaluate_minor(amount, currency).ok()?;
    if minor <= 0 {
        return None;
    }
    let written = money::expression::evaluate(amount, currency).ok()?;
    money::parse_amount(&written, currency).ok()?;
    Some(written)
}

pub fn currency(code: &str) -> Result<Currency, BotError> {
    Currency::parse(code).map_err(|e| BotError::Unexpected(format!("currency {code}: {e}")))
}

pub async fn run(
    ctx: &Context,
    chat_id: i64,
    origin: &Origin,
    argument: &str,
) -> Result<Reply, BotError> {
    let Some(mut signed) = session::signed_in(ctx, chat_id).await? else {
        return Ok(Reply::text(replies::NOT_SIGNED_IN));
    };
    let family = current_family(&mut signed).await?;
    let categories = crate::finance!(signed, |api, token| api.categories(token, family.id))?;
    let argument = argument.trim();
    if argument.is_empty() {
        let status = crate::finance!(signed, |api, token| api
            .month_status(token, family.id, None))?;
        return Ok(Reply::text(replies::budgets(&status, &categories)));
    }
    let Some((words, limit)) = argument.rsplit_once(char::is_whitespace) else {
        return Ok(Reply::text(replies::BUDGET_USAGE));
    };
    let category = match match_category(&categories, Kind::Expense, words) {
        CategoryMatch::One(category, None) => category,
        _ => {
            let names: Vec<&str> = categories
                .iter()
                .filter(|c| c.kind == "expense" && !c.archived)
                .map(|c| c.name.as_str())
                .collect();
            return Ok(Reply::text(replies::no_budget_category(
                words.trim(),
                &names,
            )));
        }
    };
    let base = currency(&family.base_currency)?;
    let Some(limit) = positive_amount(limit, base) else {
        return Ok(Reply::text(replies::limit_unreadable(limit, base)));
    };
    let budgets = crate::finance!(signed, |api, token| api.budgets(token, family.id))?;
    let key = idempotency_key(chat_id, origin, "budget");
    let existing = budgets
        .iter()
        .find(|b| b.category_id == category.id && b.currency == family.base_currency);
    let budget = match existing {
        Some(budget) => crate::finance!(signed, |api, token| api
            .update_budget(token, family.id, budget.id, &limit, &key))?,
        None => crate::finance!(signed, |api, token| api.create_budget(
            token,
            family.id,
            category.id,
            &limit,
            &key
        ))?,
    };
    let status = crate::finance!(signed, |api, token| api
        .month_status(token, family.id, None))?;
    let state = status
        .items
        .iter()
        .find(|s| s.category_id == category.id && s.currency == budget.currency);
    Ok(Reply::text(replies::budget_set(
        &category.name,
        &budget.limit,
        &budget.currency,
        state,
    )))
}
