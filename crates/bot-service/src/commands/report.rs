//! `/report [YYYY-MM]`: a budget month's incomes and expenses by category,
//! against the budgets (the month runs from the family's payday, in its time
//! zone, as the finance service counts it).

use money::Currency;

use super::Reply;
use super::record::current_family;
use crate::api::finance::SummaryCurrency;
use crate::chart::Bar;
use crate::context::{BotError, Context};
use crate::{replies, session};

/// Whether `month` is `YYYY-MM` with a month from 01 to 12.
pub fn is_month(month: &str) -> bool {
    let bytes = month.as_bytes();
    bytes.len() == 7
        && bytes[4] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || b.is_ascii_digit())
        && matches!(month[5..].parse::<u8>(), Ok(1..=12))
}

pub async fn run(ctx: &Context, chat_id: i64, argument: &str) -> Result<Reply, BotError> {
    let month = match argument.trim() {
        "" => None,
        month if is_month(month) => Some(month),
        _ => return Ok(Reply::text(replies::REPORT_USAGE)),
    };
    let Some(mut signed) = session::signed_in(ctx, chat_id).await? else {
        return Ok(Reply::text(replies::NOT_SIGNED_IN));
    };
    let family = current_family(&mut signed).await?;
    let status = crate::finance!(signed, |api, token| api
        .month_status(token, family.id, month))?;
    let (from, to) = (status.period.from.clone(), status.period.to.clone());
    let summary = crate::finance!(signed, |api, token| api
        .summary(token, family.id, &from, &to))?;
    let photo = summary
        .currencies
        .iter()
        .find(|c| c.currency == family.base_currency)
        .or_else(|| summary.currencies.first())
        .and_then(|line| {
            let title = replies::chart_title(&family.name, &summary.from, &summary.to);
            match crate::chart::render(&title, &line.currency, &bars(line)) {
                Ok(png) => Some(png),
                Err(err) => {
                    tracing::warn!(error = %err, "could not draw the report chart");
                    None
                }
            }
        });
    Ok(Reply {
        photo,
        ..Reply::text(replies::report(&family.name, &summary))
    })
}

/// The chart's rows: the expense categories of one currency.
fn bars(line: &SummaryCurrency) -> Vec<Bar> {
    let Ok(currency) = Currency::parse(&line.currency) else {
        return Vec::new();
    };
    let minor = |amount: &str| money::expression::evaluate_minor(amount, currency).unwrap_or(0);
    line.categories
        .iter()
        .filter(|c| c.kind == "expense")
        .map(|c| Bar {
            name: c.name.clone(),
            spent: c.total.clone(),
            spent_minor: minor(&c.total),
            limit: c.budget_limit.as_ref().map(|l| (l.clone(), minor(l))),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_year_dash_month() {
        assert!(is_month("2026-12"));
        assert!(is_month("2026-01"));
        for bad in [
            "2026-13",
            "2026-00",
            "2026-1",
            "26-12",
            "2026/12",
            "２０２６-12",
            "",
        ] {
            assert!(!is_month(bad), "{bad}");
        }
    }
}
