//! Recording an expense or an income: `/add`, `/income` and quick entries.
//!
//! The family is the person's first (the personal one). The category is the
//! one the words name; when they name none or several, buttons ask (and offer
//! to create it). The account is the only active one; with several, buttons
//! ask; with none, the bot opens a "Cash" account in the family's base
//! currency. An entry waiting for a button is kept in Redis under its message.
//! Every write carries an `Idempotency-Key` made of the chat, the message and
//! its edit — also when a button completes the entry later — so handling the
//! update twice (a restart, a retry) records it once.

use frankenstein::types::{InlineKeyboardButton, InlineKeyboardMarkup, ReplyMarkup};
use money::Currency;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::entry::{CategoryMatch, Entry, EntryProblem, Kind, match_category, note_after};
use super::{Origin, Recorded, Reply};
use crate::api::finance::{
    Account, BudgetStatus, Category, Family, NewAccount, NewCategory, NewTransaction,
};
use crate::context::{BotError, Context};
use crate::session::Signed;
use crate::{replies, session};

/// The name of the account the bot opens when a family has none.
pub const CASH: &str = "Cash";
/// Category buttons offered at most (Telegram allows 100 buttons).
const MAX_CHOICES: usize = 48;

/// The key of one write made for one message (and edit) of a chat.
pub fn idempotency_key(chat_id: i64, origin: &Origin, what: &str) -> String {
    format!(
        "tg-{chat_id}-{}-{}-{what}",
        origin.message_id, origin.edit_date
    )
}

/// The chat's family: the one chosen with `/family` (or joined last), else
/// the person's first (the personal one).
pub async fn current_family(signed: &mut Signed<'_>) -> Result<Family, BotError> {
    let families = crate::finance!(*signed, |api, token| api.families(token))?;
    let chosen = signed.ctx().store.family(signed.chat_id()).await?;
    let at = chosen
        .and_then(|id| families.iter().position(|f| f.id.to_string() == id))
        .unwrap_or(0);
    families.into_iter().nth(at).ok_or(BotError::NoFamily)
}

/// An entry on its way to being recorded, kept in Redis while a button is awaited.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pending {
    pub kind: Kind,
    /// The amount as written (a calculation), evaluated in the account's currency.
    pub amount: String,
    pub family_id: Uuid,
    /// The person's message and its edit: the idempotency keys come from them.
    pub message_id: i64,
    pub edit_date: u64,
    pub category: Option<(Uuid, String)>,
    pub account_id: Option<Uuid>,
    /// The note once a listed category is chosen.
    pub note: Option<String>,
    /// The name a new category would get, and the note then.
    pub new_name: Option<String>,
    pub new_note: Option<String>,
    /// Recorded already (by a button): a press seen again shows the same
    /// confirmation, by the same idempotent write, and changes nothing.
    #[serde(default)]
    pub recorded: bool,
}

impl Pending {
    fn origin(&self) -> Origin {
        Origin {
            message_id: self.message_id,
            edit_date: self.edit_date,
        }
    }
}

/// What a button of an entry chose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    Category(Uuid),
    NewCategory,
    Account(Uuid),
}

/// `callback_data` of the entry buttons: `c:{message}:{category}`,
/// `n:{message}`, `a:{message}:{account}` (at most 49 bytes; Telegram allows 64).
pub fn choice_data(message_id: i64, choice: &Choice) -> String {
    match choice {
        Choice::Category(id) => format!("c:{message_id}:{id}"),
        Choice::NewCategory => format!("n:{message_id}"),
        Choice::Account(id) => format!("a:{message_id}:{id}"),
    }
}

/// Reads the `callback_data` of an entry button: the message and the choice.
pub fn parse_choice(data: &str) -> Option<(i64, Choice)> {
    let mut parts = data.splitn(3, ':');
    let tag = parts.next()?;
    let message_id = parts.next()?.parse().ok()?;
    let id = parts.next().map(Uuid::parse_str);
    let choice = match (tag, id) {
        ("c", Some(Ok(id))) => Choice::Category(id),
        ("n", None) => Choice::NewCategory,
        ("a", Some(Ok(id))) => Choice::Account(id),
        _ => return None,
    };
    Some((message_id, choice))
}

/// `Coffee` from `coffee`: new categories read like the default ones.
fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
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
    let mut pending = Pending {
        kind: entry.kind,
        amount: entry.amount.clone(),
        family_id: family.id,
        message_id: origin.message_id,
        edit_date: origin.edit_date,
        category: None,
        account_id: None,
        note: None,
        new_name: None,
        new_note: None,
        recorded: false,
    };
    let first_word = entry.rest.split_whitespace().next().map(str::to_owned);
    let (question, choices) = match match_category(&categories, entry.kind, &entry.rest) {
        CategoryMatch::One(category, note) => {
            pending.category = Some((category.id, category.name.clone()));
            pending.note = note;
            return proceed(ctx, &mut signed, chat_id, &family, pending, None).await;
        }
        CategoryMatch::None(choices) => {
            // The words name no category: they stay as the note of a listed one.
            pending.note = note_after(&entry.rest, 0);
            (
                replies::choose_category(entry.kind, first_word.as_deref()),
                choices,
            )
        }
        CategoryMatch::Several(word, choices) => {
            pending.note = note_after(&entry.rest, 1);
            (replies::choose_among(&word), choices)
        }
    };
    pending.new_name = first_word.as_deref().map(capitalised);
    pending.new_note = note_after(&entry.rest, 1);
    ask_category(ctx, chat_id, &pending, &question, &choices, None).await
}

fn keyboard(rows: Vec<Vec<InlineKeyboardButton>>) -> ReplyMarkup {
    ReplyMarkup::InlineKeyboardMarkup(
        InlineKeyboardMarkup::builder()
            .inline_keyboard(rows)
            .build(),
    )
}

fn button(text: &str, data: String) -> InlineKeyboardButton {
    InlineKeyboardButton::builder()
        .text(text)
        .callback_data(data)
        .build()
}

async fn ask_category(
    ctx: &Context,
    chat_id: i64,
    pending: &Pending,
    question: &str,
    choices: &[&Category],
    edit: Option<i64>,
) -> Result<Reply, BotError> {
    let mut buttons: Vec<InlineKeyboardButton> = choices
        .iter()
        .take(MAX_CHOICES)
        .map(|c| {
            button(
                &c.name,
                choice_data(pending.message_id, &Choice::Category(c.id)),
            )
        })
        .collect();
    if let Some(name) = &pending.new_name {
        buttons.push(button(
            &replies::button_new_category(name),
            choice_data(pending.message_id, &Choice::NewCategory),
        ));
    }
    let rows = buttons.chunks(2).map(<[_]>::to_vec).collect();
    save_pending(ctx, chat_id, pending).await?;
    Ok(Reply {
        edit,
        ..Reply::with_markup(question, keyboard(rows))
    })
}

async fn save_pending(ctx: &Context, chat_id: i64, pending: &Pending) -> Result<(), BotError> {
    let json = serde_json::to_string(pending)
        .map_err(|e| BotError::Unexpected(format!("pending entry: {e}")))?;
    ctx.store
        .save_pending(chat_id, pending.message_id, &json)
        .await?;
    Ok(())
}

/// A button of an entry was pressed under the bot message `button_message`.
pub async fn choose(
    ctx: &Context,
    chat_id: i64,
    button_message: i64,
    message_id: i64,
    choice: Choice,
) -> Result<Reply, BotError> {
    let edit = |text: &str| Reply {
        edit: Some(button_message),
        ..Reply::text(text)
    };
    let Some(mut signed) = session::signed_in(ctx, chat_id).await? else {
        return Ok(Reply::text(replies::NOT_SIGNED_IN));
    };
    let stored = ctx.store.pending(chat_id, message_id).await?;
    let Some(mut pending) = stored.and_then(|s| serde_json::from_str::<Pending>(&s).ok()) else {
        return Ok(edit(replies::CHOICE_EXPIRED));
    };
    let families = crate::finance!(signed, |api, token| api.families(token))?;
    let Some(family) = families.into_iter().find(|f| f.id == pending.family_id) else {
        ctx.store.forget_pending(chat_id, message_id).await?;
        return Ok(edit(replies::CHOICE_EXPIRED));
    };
    if pending.recorded {
        // A second tap: the confirmation stands. A press handled again after a
        // restart (the confirmation maybe never sent): the same write replays.
        if ctx.store.message(chat_id, message_id).await?.is_some() {
            return Ok(Reply::none());
        }
        return proceed(
            ctx,
            &mut signed,
            chat_id,
            &family,
            pending,
            Some(button_message),
        )
        .await;
    }
    match choice {
        Choice::Category(id) => {
            let categories =
                crate::finance!(signed, |api, token| api.categories(token, family.id))?;
            let Some(category) = categories
                .iter()
                .find(|c| c.id == id && c.kind == pending.kind.wire() && !c.archived)
            else {
                return Ok(edit(replies::CHOICE_EXPIRED));
            };
            pending.category = Some((category.id, category.name.clone()));
        }
        Choice::NewCategory => {
            let Some(name) = pending.new_name.clone() else {
                return Ok(edit(replies::CHOICE_EXPIRED));
            };
            let category = create_category(&mut signed, chat_id, &family, &pending, &name).await?;
            pending.category = Some((category.id, category.name));
            pending.note = pending.new_note.take();
        }
        Choice::Account(id) => pending.account_id = Some(id),
    }
    proceed(
        ctx,
        &mut signed,
        chat_id,
        &family,
        pending,
        Some(button_message),
    )
    .await
}

/// Creates the category `name` of the entry's kind; the one of that name when
/// it exists already (made meanwhile, on the web or by another member).
async fn create_category(
    signed: &mut Signed<'_>,
    chat_id: i64,
    family: &Family,
    pending: &Pending,
    name: &str,
) -> Result<Category, BotError> {
    let new = NewCategory {
        name,
        kind: pending.kind.wire(),
    };
    let key = idempotency_key(chat_id, &pending.origin(), "category");
    match crate::finance!(*signed, |api, token| api
        .create_category(token, family.id, &new, &key))
    {
        Ok(category) => Ok(category),
        Err(BotError::Finance(err)) if err.is_refused("name_taken") => {
            let categories =
                crate::finance!(*signed, |api, token| api.categories(token, family.id))?;
            categories
                .into_iter()
                .find(|c| c.kind == pending.kind.wire() && c.name.eq_ignore_ascii_case(name))
                .ok_or_else(|| BotError::Unexpected("a taken category name not found".into()))
        }
        Err(err) => Err(err),
    }
}

/// The chat's default account in `family`, when it is among `active`.
async fn default_account(
    ctx: &Context,
    chat_id: i64,
    family: &Family,
    active: &[Account],
) -> Result<Option<Account>, BotError> {
    let id = ctx
        .store
        .default_account(chat_id, &family.id.to_string())
        .await?;
    Ok(id.and_then(|id| active.iter().find(|a| a.id.to_string() == id).cloned()))
}

/// Records the entry once its category is known: chooses the account (or
/// asks), then writes. `edit`: the bot message whose button completed it.
async fn proceed(
    ctx: &Context,
    signed: &mut Signed<'_>,
    chat_id: i64,
    family: &Family,
    mut pending: Pending,
    edit: Option<i64>,
) -> Result<Reply, BotError> {
    let Some((category_id, category_name)) = pending.category.clone() else {
        return Err(BotError::Unexpected("an entry without a category".into()));
    };
    let accounts = crate::finance!(*signed, |api, token| api.accounts(token, family.id))?;
    let active: Vec<Account> = accounts.into_iter().filter(|a| !a.archived).collect();
    let mut chosen = pending
        .account_id
        .and_then(|id| active.iter().find(|a| a.id == id).cloned());
    if chosen.is_none() && active.len() > 1 {
        chosen = default_account(ctx, chat_id, family, &active).await?;
    }
    let (account, opened) = match (chosen, active.as_slice()) {
        (Some(account), _) => (account, false),
        (None, [only]) => (only.clone(), false),
        (None, []) => {
            let new = NewAccount {
                name: CASH,
                kind: "cash",
                currency: &family.base_currency,
            };
            let key = idempotency_key(chat_id, &pending.origin(), "cash");
            let account: Account = crate::finance!(*signed, |api, token| api
                .create_account(token, family.id, &new, &key))?;
            (account, true)
        }
        (None, several) => {
            let buttons: Vec<InlineKeyboardButton> = several
                .iter()
                .take(MAX_CHOICES)
                .map(|a| {
                    button(
                        &format!("{} ({})", a.name, a.currency),
                        choice_data(pending.message_id, &Choice::Account(a.id)),
                    )
                })
                .collect();
            let rows = buttons.chunks(2).map(<[_]>::to_vec).collect();
            save_pending(ctx, chat_id, &pending).await?;
            return Ok(Reply {
                edit,
                ..Reply::with_markup(replies::CHOOSE_ACCOUNT, keyboard(rows))
            });
        }
    };
    let currency = Currency::parse(&account.currency)
        .map_err(|e| BotError::Unexpected(format!("account currency: {e}")))?;
    let amount = match money::expression::evaluate(&pending.amount, currency)
        .and_then(|amount| money::parse_amount(&amount, currency).map(|_| amount))
    {
        Ok(amount) => amount,
        Err(_) => {
            ctx.store
                .forget_pending(chat_id, pending.message_id)
                .await?;
            return Ok(Reply {
                edit,
                ..Reply::text(replies::entry_problem(
                    &EntryProblem::Unreadable(pending.amount.clone()),
                    Some(currency),
                ))
            });
        }
    };
    let new = NewTransaction {
        kind: pending.kind.wire(),
        account_id: account.id,
        amount: &amount,
        category_id,
        note: pending.note.as_deref(),
    };
    let key = idempotency_key(chat_id, &pending.origin(), "tx");
    let recorded = crate::finance!(*signed, |api, token| api
        .create_transaction(token, family.id, &new, &key))?;
    ctx.store
        .push_recorded(chat_id, &format!("{}/{}", family.id, recorded.id))
        .await?;
    if edit.is_some() {
        pending.account_id = Some(account.id);
        pending.recorded = true;
        save_pending(ctx, chat_id, &pending).await?;
    } else {
        ctx.store
            .forget_pending(chat_id, pending.message_id)
            .await?;
    }
    super::notify::tell_family(ctx, signed, family, &recorded, &category_name).await;
    let budget = if pending.kind == Kind::Expense {
        budget_of(signed, family.id, category_id, &recorded.currency).await
    } else {
        None
    };
    Ok(Reply {
        edit,
        recorded: Some(Recorded {
            message_id: pending.message_id,
            family_id: family.id,
            transaction_id: recorded.id,
        }),
        ..Reply::text(replies::recorded(
            &recorded,
            &category_name,
            &account,
            opened,
            budget.as_ref(),
        ))
    })
}

/// The budget of `category` in `currency` this month, if it has one. A
/// courtesy: the transaction is recorded whether or not it comes.
pub async fn budget_of(
    signed: &mut Signed<'_>,
    family: Uuid,
    category: Uuid,
    currency: &str,
) -> Option<BudgetStatus> {
    match crate::finance!(*signed, |api, token| api.budget_status(token, family)) {
        Ok(items) => items
            .into_iter()
            .find(|b| b.category_id == category && b.currency == currency),
        Err(err) => {
            tracing::warn!(error = %err, "could not read the budget status");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn button_data_fits_telegram_and_reads_back() {
        let id = Uuid::new_v4();
        for choice in [
            Choice::Category(id),
            Choice::NewCategory,
            Choice::Account(id),
        ] {
            let data = choice_data(2_147_483_647, &choice);
            assert!(data.len() <= 64, "{data}");
            assert_eq!(parse_choice(&data), Some((2_147_483_647, choice)));
        }
        for bad in ["", "c:1", "c:x:y", "n:1:extra", "z:1", "a:1:not-a-uuid"] {
            assert_eq!(parse_choice(bad), None, "{bad}");
        }
        assert_eq!(capitalised("coffee"), "Coffee");
        assert_eq!(capitalised("éclair"), "Éclair");
    }
}
