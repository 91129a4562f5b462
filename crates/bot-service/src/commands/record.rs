//! Recording an expense or an income: `/add`, `/income` and quick entries.
//!
//! The family is the person's first (the personal one); the account the only
//! active one, or the first of several, or — with none — a new "Cash" account
//! in the family's base currency. The write carries an `Idempotency-Key` made
//! of the chat, the message and its edit, so handling the update twice (a
//! restart, a retry) records it once.

use money::Currency;

use super::entry::{CategoryMatch, Entry, EntryProblem, Kind, match_category};
use super::{Origin, Reply};
use crate::api::finance::{Account, BudgetStatus, Family, NewAccount, NewTransaction};
use crate::context::{BotError, Context};
use crate::session::Signed;
use crate::{replies, session};

/// The name of the account the bot opens when a family has none.
pub const CASH: &str = "Cash";

/// The key of one write made for one message (and edit) of a chat.
pub fn idempotency_key(chat_id: i64, origin: &Origin, what: &str) -> String {
    format!(
        "tg-{chat_id}-{}-{}-{what}",
        origin.message_id, origin.edit_date
    )
}

/// The chat's family: the person's first (the personal one), for now.
pub async fn current_family(signed: &mut Signed<'_>) -> Result<Family, BotError> {
    crate::finance!(*signed, |api, token| api.families(token))?
        .into_iter()
        .next()
        .ok_or(BotError::NoFamily)
}

pub async fn run(
    ctx: &Context,
    chat_id: i64,
    origin: &Origin,
    entry: Result<Entry, EntryProblem>,
) -> Result<Reply, BotError> {
    let entry = match entry {
        Ok(entry) => entry,
        Err(problem) => return Ok(Reply::text(replies::entry_problem(&problem, None))),
    };
    let Some(mut signed) = session::signed_in(ctx, chat_id).await? else {
        return Ok(Reply::text(replies::NOT_SIGNED_IN));
    };
    let family = current_family(&mut signed).await?;
    let categories = crate::finance!(signed, |api, token| api.categories(token, family.id))?;
    let (category, note) = match match_category(&categories, entry.kind, &entry.rest) {
        CategoryMatch::One(category, note) => (category, note),
        CategoryMatch::None(choices) => {
            let names: Vec<&str> = choices.iter().map(|c| c.name.as_str()).collect();
            return Ok(Reply::text(replies::no_category(
                entry.kind,
                &entry.rest,
                &names,
            )));
        }
        CategoryMatch::Several(word, choices) => {
            let names: Vec<&str> = choices.iter().map(|c| c.name.as_str()).collect();
            return Ok(Reply::text(replies::several_categories(&word, &names)));
        }
    };
    let accounts = crate::finance!(signed, |api, token| api.accounts(token, family.id))?;
    let (account, opened) = match accounts.into_iter().find(|a| !a.archived) {
        Some(account) => (account, false),
        None => {
            let new = NewAccount {
                name: CASH,
                kind: "cash",
                currency: &family.base_currency,
            };
            let key = idempotency_key(chat_id, origin, "cash");
            let account: Account = crate::finance!(signed, |api, token| api
                .create_account(token, family.id, &new, &key))?;
            (account, true)
        }
    };
    let currency = Currency::parse(&account.currency)
        .map_err(|e| BotError::Unexpected(format!("account currency: {e}")))?;
    let amount = match money::expression::evaluate(&entry.amount, currency)
        .and_then(|amount| money::parse_amount(&amount, currency).map(|_| amount))
    {
        Ok(amount) => amount,
        Err(_) => {
            return Ok(Reply::text(replies::entry_problem(
                &EntryProblem::Unreadable(entry.amount.clone()),
                Some(currency),
            )));
        }
    };
    let new = NewTransaction {
        kind: entry.kind.wire(),
        account_id: account.id,
        amount: &amount,
        category_id: category.id,
        note: note.as_deref(),
    };
    let key = idempotency_key(chat_id, origin, "tx");
    let recorded = crate::finance!(signed, |api, token| api
        .create_transaction(token, family.id, &new, &key))?;
    ctx.store
        .push_recorded(chat_id, &format!("{}/{}", family.id, recorded.id))
        .await?;
    // The budget line is a courtesy: the transaction is recorded whether or not it comes.
    let budget = if entry.kind == Kind::Expense {
        match crate::finance!(signed, |api, token| api.budget_status(token, family.id)) {
            Ok(items) => items.into_iter().find(|b: &BudgetStatus| {
                b.category_id == category.id && b.currency == recorded.currency
            }),
            Err(err) => {
                tracing::warn!(error = %err, "could not read the budget status");
                None
            }
        }
    } else {
        None
    };
    Ok(Reply::text(replies::recorded(
        &recorded,
        &category.name,
        &account,
        opened,
        budget.as_ref(),
    )))
}
