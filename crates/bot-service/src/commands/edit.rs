//! An edited message (Telegram's `edited_message`): when the message recorded
//! a transaction, the edit changes that transaction — amount, category, note —
//! and the bot's confirmation is edited to match. It never records a new one.
//! The `PATCH` carries a key made of the message and this edit, so the same
//! edit handled twice changes the transaction once. An entry still waiting
//! for a button is read again from the edited text.

use money::Currency;
use uuid::Uuid;

use super::entry::{self, CategoryMatch, EntryProblem, Kind, match_category};
use super::record::{self, budget_of, idempotency_key};
use super::{Command, Origin, Reply};
use crate::api::finance::TransactionChange;
use crate::context::{BotError, Context};
use crate::{replies, session};

/// `{family}/{transaction}/{confirmation}` as the store keeps it.
fn read_recorded(value: &str) -> Option<(Uuid, Uuid, i64)> {
    let mut parts = value.split('/');
    let family = Uuid::parse_str(parts.next()?).ok()?;
    let transaction = Uuid::parse_str(parts.next()?).ok()?;
    let confirmation = parts.next()?.parse().ok()?;
    Some((family, transaction, confirmation))
}

pub async fn run(
    ctx: &Context,
    chat_id: i64,
    origin: &Origin,
    text: &str,
) -> Result<Reply, BotError> {
    let entry = match Command::parse(text, &ctx.username) {
        Command::Add(argument) => entry::command(Kind::Expense, &argument),
        Command::Income(argument) => entry::command(Kind::Income, &argument),
        Command::Quick(text) => entry::quick(&text),
        // An edit of anything but an entry changes nothing.
        _ => return Ok(Reply::none()),
    };
    let Some(recorded) = ctx.store.message(chat_id, origin.message_id).await? else {
        // An entry still waiting for a button is read again as edited (its
        // buttons then complete the new text); it was never recorded.
        let waiting = ctx
            .store
            .pending(chat_id, origin.message_id)
            .await?
            .and_then(|s| serde_json::from_str::<record::Pending>(&s).ok());
        if waiting.is_some_and(|p| !p.recorded) {
            return record::run(ctx, chat_id, origin, entry).await;
        }
        return Ok(Reply::text(replies::EDIT_NOT_RECORDED));
    };
    let Some((family, id, confirmation)) = read_recorded(&recorded) else {
        return Ok(Reply::text(replies::EDIT_NOT_RECORDED));
    };
    let entry = match entry {
        Ok(entry) => entry,
        Err(problem) => return Ok(Reply::text(replies::entry_problem(&problem, None))),
    };
    let Some(mut signed) = session::signed_in(ctx, chat_id).await? else {
        return Ok(Reply::text(replies::NOT_SIGNED_IN));
    };
    let transaction = match crate::finance!(signed, |api, token| api.transaction(token, family, id))
    {
        Ok(transaction) => transaction,
        Err(BotError::Finance(err)) if err.is_not_found() => {
            return Ok(Reply::text(replies::ALREADY_REMOVED));
        }
        Err(err) => return Err(err),
    };
    if transaction.kind != entry.kind.wire() {
        return Ok(Reply::text(replies::EDIT_KIND));
    }
    let categories = crate::finance!(signed, |api, token| api.categories(token, family))?;
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
    let currency = Currency::parse(&transaction.currency)
        .map_err(|e| BotError::Unexpected(format!("transaction currency: {e}")))?;
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
    let change = TransactionChange {
        amount: &amount,
        category_id: category.id,
        note: note.as_deref(),
    };
    let key = idempotency_key(chat_id, origin, "edit");
    let changed = crate::finance!(signed, |api, token| api
        .update_transaction(token, family, id, &change, &key))?;
    let accounts = crate::finance!(signed, |api, token| api.accounts(token, family))?;
    let Some(account) = accounts.into_iter().find(|a| a.id == changed.account_id) else {
        return Err(BotError::Unexpected(
            "the transaction's account is gone".into(),
        ));
    };
    let budget = if entry.kind == Kind::Expense {
        budget_of(&mut signed, family, category.id, &changed.currency).await
    } else {
        None
    };
    Ok(Reply {
        edit: Some(confirmation),
        ..Reply::text(replies::recorded(
            &changed,
            &category.name,
            &account,
            false,
            budget.as_ref(),
        ))
    })
}
