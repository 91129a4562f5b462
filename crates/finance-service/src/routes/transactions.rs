//! `/families/{fid}/transactions`: expenses, incomes and transfers.
//!
//! A write moves, in the same database transaction as the row itself, the
//! balances of the accounts it touches and the daily total of its category
//! (`db::accounts::apply`, `db::totals::add`): a balance, a budget and a
//! report read those, never a scan. Rows are locked in one order (accounts by
//! id, then totals by day and category) so concurrent writers never deadlock.

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, web};
use auth_types::problem::codes;
use base64::Engine;
use diesel_async::AsyncPgConnection;
use futures_util::future::join_all;
use money::Currency;
use serde::Serialize;
use serde_json::Value;
use service_kit::json::JsonObject;
use time::OffsetDateTime;
use uuid::Uuid;

use super::budgets::MonthStatus;
use super::categories::{category_field, checked_category};
use super::query::Query;
use super::{FamilyPath, ItemPath, Reply, Undo, WriteRequest};
use crate::access::{self, Authed, Caller, InFamily, Need};
use crate::body::{self, Fields, Patch};
use crate::db::accounts::{self, Account};
use crate::db::budgets::Budget;
use crate::db::families::Family;
use crate::db::transactions::{self, Filter, Transaction};
use crate::db::{self, categories, totals};
use crate::domain::TransactionKind;
use crate::domain::dates::{self, BudgetMonth};
use crate::error::Error;
use crate::state::AppState;

#[derive(Serialize)]
pub struct TransactionResponse {
    id: Uuid,
    kind: String,
    account_id: Uuid,
    to_account_id: Option<Uuid>,
    amount: String,
    currency: String,
    to_amount: Option<String>,
    category_id: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    occurred_at: OffsetDateTime,
    note: Option<String>,
    created_by: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    updated_at: OffsetDateTime,
}

fn currency(code: &str) -> Result<Currency, Error> {
    Currency::parse(code).map_err(Error::internal)
}

impl TransactionResponse {
    pub fn from_row(row: Transaction) -> Result<Self, Error> {
        let to_amount = match (row.to_amount, &row.to_currency) {
            (Some(minor), Some(code)) => Some(money::format_amount(minor, currency(code)?)),
            _ => None,
        };
        Ok(Self {
            id: row.id,
            amount: money::format_amount(row.amount, currency(&row.currency)?),
            kind: row.kind,
            account_id: row.account_id,
            to_account_id: row.to_account_id,
            currency: row.currency,
            to_amount,
            category_id: row.category_id,
            occurred_at: row.occurred_at,
            note: row.note,
            created_by: row.created_by,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// A budget that a new transaction carried past 80 or 100 percent.
#[derive(Serialize)]
struct BudgetAlert {
    budget_id: Uuid,
    category_id: Uuid,
    threshold: u8,
    spent: String,
    limit: String,
}

#[derive(Serialize)]
struct CreatedResponse {
    #[serde(flatten)]
    transaction: TransactionResponse,
    budget_alerts: Vec<BudgetAlert>,
}

#[derive(Serialize)]
struct Page {
    items: Vec<TransactionResponse>,
    next_cursor: Option<String>,
}

/// What a transaction does: the accounts' balance moves and what its
/// category's day (in the transaction's currency) moves by.
struct Effect {
    accounts: Vec<(Uuid, i128)>,
    total: Option<(Uuid, i128)>,
}

fn effect(row: &transactions::Fields) -> Effect {
    let amount = i128::from(row.amount);
    match row.kind {
        "transfer" => {
            let received = i128::from(row.to_amount.unwrap_or(row.amount));
            let mut accounts = vec![(row.account_id, -amount)];
            if let Some(to) = row.to_account_id {
                accounts.push((to, received));
            }
            Effect {
                accounts,
                total: None,
            }
        }
        kind => Effect {
            accounts: vec![(
                row.account_id,
                if kind == "income" { amount } else { -amount },
            )],
            total: row.category_id.map(|category| (category, amount)),
        },
    }
}

/// Undoes `old` and applies `new` (either may be absent), locking rows in
/// one order. The statements go out together, in that order (see `db::exec`).
async fn apply(
    conn: &AsyncPgConnection,
    family: Uuid,
    old: Option<&Transaction>,
    new: Option<&Transaction>,
) -> Result<(), Error> {
    let mut balances: BTreeMap<Uuid, (i128, i64)> = BTreeMap::new();
    let mut days: BTreeMap<(time::Date, Uuid, String), i128> = BTreeMap::new();
    for (row, sign) in [(old, -1i128), (new, 1)] {
        let Some(row) = row else { continue };
        let effect = effect(&row.fields());
        for (account, delta) in effect.accounts {
            let entry = balances.entry(account).or_default();
            entry.0 += sign * delta;
            entry.1 += sign as i64;
        }
        if let Some((category, amount)) = effect.total {
            *days
                .entry((row.local_date, category, row.currency.clone()))
                .or_default() += sign * amount;
        }
    }
    let deltas: Vec<totals::Delta> = days
        .iter()
        .filter(|(_, amount)| **amount != 0)
        .map(|((local_date, category, currency), amount)| totals::Delta {
            family,
            local_date: *local_date,
            category: *category,
            currency,
            amount: *amount,
        })
        .collect();
    let (moved, added) = futures_util::future::join(
        join_all(
            balances
                .into_iter()
                .filter(|(_, (delta, count))| *delta != 0 || *count != 0)
                .map(|(account, (delta, count))| accounts::apply(conn, account, delta, count)),
        ),
        join_all(deltas.iter().map(|delta| totals::add(conn, delta))),
    )
    .await;
    for result in moved.into_iter().chain(added) {
        result?;
    }
    Ok(())
}

/// The family's account named in `field`, among those `locked` (see
/// `accounts::lock`); a failure is recorded on it.
fn account_field(
    fields: &mut Fields,
    field: &str,
    id: Option<Uuid>,
    locked: &[Account],
    must_be_open: bool,
) -> Option<Account> {
    let id = id?;
    match locked.iter().find(|account| account.id == id) {
        None => {
            fields.fail(
                field,
                codes::INVALID_VALUE,
                "is not an account of this family",
            );
            None
        }
        Some(account) if must_be_open && account.archived => {
            fields.fail(
                field,
                codes::INVALID_VALUE,
                "is archived and takes no new transactions",
            );
            None
        }
        Some(account) => Some(account.clone()),
    }
}

fn amount_in(
    fields: &mut Fields,
    field: &str,
    text: Option<&str>,
    account: Option<&Account>,
) -> Option<i64> {
    let (text, account) = (text?, account?);
    let currency = Currency::parse(&account.currency).ok()?;
    match money::parse_amount(text, currency) {
        Ok(minor) => Some(minor),
        Err(err) => {
            fields.fail(field, codes::INVALID_AMOUNT, err.to_string());
            None
        }
    }
}

/// `POST /families/{fid}/transactions`.
pub async fn create(
    state: web::Data<AppState>,
    path: web::Path<FamilyPath>,
    req: HttpRequest,
    Authed(caller, JsonObject(object)): Authed<JsonObject>,
) -> Result<HttpResponse, Error> {
    let body = Value::Object(object.clone());
    let request = WriteRequest {
        http: &req,
        body: &body,
    };
    let user = caller.user_id;
    // Every refusal comes before the one statement that writes, whose rows
    // (the accounts, the category) are locked by then.
    super::write_undoing(
        &state,
        &caller,
        &path.fid,
        Need::Writer,
        request,
        Undo::NothingWritten,
        async |conn, scope| {
            let family = scope.family.id;
            let mut fields = Fields::new(object);
            let kind = fields
                .required("kind", body::one_of(TransactionKind::NAMES))
                .and_then(TransactionKind::parse);
            let account_id = fields.required("account_id", body::uuid);
            let amount_text = fields.required("amount", body::amount_text);
            let given_currency = fields.optional("currency", body::currency);
            let to_amount_text = fields.optional("to_amount", body::amount_text);
            let occurred_at = fields.optional("occurred_at", body::timestamp);
            let note = fields.optional("note", body::note);
            // The accounts are locked before they are checked (see `accounts::lock`).
            let to_peek = match kind {
                Some(TransactionKind::Transfer) => fields.optional("to_account_id", body::uuid),
                _ => None,
            };
            let touched: Vec<Uuid> = account_id.into_iter().chain(to_peek).collect();
            let category_peek = match kind {
                Some(TransactionKind::Transfer) | None => None,
                Some(_) => fields.peek("category_id", body::uuid),
            };
            // The accounts' lock and the category's read in one round trip.
            let (locked, found_category) = {
                let conn: &AsyncPgConnection = conn;
                futures_util::future::join(accounts::lock(conn, family, &touched), async {
                    match category_peek {
                        Some(id) => categories::find_in_use(conn, family, id).await,
                        None => Ok(None),
                    }
                })
                .await
            };
            let (locked, found_category) = (locked?, found_category?);
            let account = account_field(&mut fields, "account_id", account_id, &locked, true);
            let mut to_account = None;
            let mut category = None;
            match kind {
                Some(TransactionKind::Transfer) => {
                    let to_id = fields.required("to_account_id", body::uuid);
                    to_account = account_field(&mut fields, "to_account_id", to_id, &locked, true);
                    if to_id.is_some() && to_id == account_id {
                        fields.fail(
                            "to_account_id",
                            codes::INVALID_VALUE,
                            "must be another account than account_id",
                        );
                        to_account = None;
                    }
                    if !matches!(
                        fields.patch("category_id", |_| Ok(())),
                        Patch::Absent | Patch::Null
                    ) {
                        fields.fail(
                            "category_id",
                            codes::INVALID_VALUE,
                            "a transfer has no category",
                        );
                    }
                }
                Some(kind) => {
                    let wanted = kind.category_kind().map(|k| k.as_str());
                    if fields.required("category_id", body::uuid).is_some() {
                        category =
                            checked_category(&mut fields, "category_id", found_category, wanted);
                    }
                    for field in ["to_account_id", "to_amount"] {
                        if !matches!(fields.patch(field, |_| Ok(())), Patch::Absent | Patch::Null) {
                            fields.fail(field, codes::INVALID_VALUE, "only a transfer has one");
                        }
                    }
                }
                None => {}
            }
            if let (Some(given), Some(account)) = (given_currency, &account)
                && given.code() != account.currency
            {
                fields.fail(
                    "currency",
                    codes::CURRENCY_MISMATCH,
                    "differs from the account's currency",
                );
            }
            let amount = amount_in(
                &mut fields,
                "amount",
                amount_text.as_deref(),
                account.as_ref(),
            );
            let to_amount = transfer_amount(
                &mut fields,
                account.as_ref(),
                to_account.as_ref(),
                amount,
                to_amount_text.as_deref(),
            );
            fields.finish()?;
            let (Some(kind), Some(account), Some(amount)) = (kind, account, amount) else {
                return Err(Error::internal("checked fields missing"));
            };
            let written = transactions::Fields {
                kind: kind.as_str(),
                account_id: account.id,
                to_account_id: to_account.as_ref().map(|a| a.id),
                amount,
                currency: &account.currency,
                to_amount,
                category_id: category.as_ref().map(|c| c.id),
                occurred_at: occurred_at.unwrap_or_else(OffsetDateTime::now_utc),
                note: note.as_deref(),
            };
            // The row, the balances, the category's day and, for an expense,
            // the budget's lock and month: one statement.
            let effect = effect(&written);
            let balances: Vec<transactions::BalanceMove> = effect
                .accounts
                .iter()
                .map(|&(account, delta)| transactions::BalanceMove {
                    account,
                    delta,
                    count: 1,
                })
                .collect();
            let month = match (kind, category.is_some()) {
                (TransactionKind::Expense, true) => {
                    expected_month(&scope.family, written.occurred_at)
                }
                _ => None,
            };
            let recorded = transactions::record(
                conn,
                family,
                &scope.family.time_zone,
                &written,
                user.0,
                &balances,
                effect.total.map(|(_, amount)| amount),
                month.as_ref(),
            )
            .await?;
            let row = Transaction {
                id: recorded.id,
                kind: kind.as_str().to_owned(),
                account_id: account.id,
                to_account_id: written.to_account_id,
                amount,
                currency: account.currency.clone(),
                to_amount,
                to_currency: to_account.map(|a| a.currency),
                category_id: written.category_id,
                occurred_at: recorded.occurred_at,
                local_date: recorded.local_date,
                note: note.clone(),
                created_by: user.0,
                created_at: recorded.created_at,
                updated_at: recorded.created_at,
            };
            let budget_alerts = match (&month, recorded.month_read) {
                (Some(month), true) => match recorded_status(&row, &recorded, month)? {
                    Some((budget, status)) => alerts_of(&row, &budget, &status)?,
                    None => Vec::new(),
                },
                // An expense whose day PostgreSQL's time zone database put
                // outside the month this service expected: no budget was
                // read, so it is read on its own.
                (Some(_), false) => alerts(conn, scope, &row).await?,
                (None, _) => Vec::new(),
            };
            Reply::created(&CreatedResponse {
                transaction: TransactionResponse::from_row(row)?,
                budget_alerts,
            })
        },
    )
    .await
}

/// `to_amount` of a transfer: required between currencies, else equal to
/// `amount` when given and stored as `None`.
fn transfer_amount(
    fields: &mut Fields,
    account: Option<&Account>,
    to_account: Option<&Account>,
    amount: Option<i64>,
    text: Option<&str>,
) -> Option<i64> {
    let (account, to_account) = (account?, to_account?);
    if account.currency != to_account.currency {
        if text.is_none() {
            fields.fail(
                "to_amount",
                codes::INVALID_VALUE,
                "is required between accounts of different currencies",
            );
        }
        return amount_in(fields, "to_amount", text, Some(to_account));
    }
    let given = amount_in(fields, "to_amount", text, Some(to_account));
    if given.is_some() && amount.is_some() && given != amount {
        fields.fail(
            "to_amount",
            codes::INVALID_VALUE,
            "must equal amount between accounts of one currency",
        );
    }
    None
}

/// The budget month that a transaction at `at` is expected to fall in, by
/// this service's time zone database.
fn expected_month(family: &Family, at: OffsetDateTime) -> Option<BudgetMonth> {
    BudgetMonth::of(family.zone().date_of(at), family.start_day())
}

/// The budget and month status that `transactions::record` read for `row`.
fn recorded_status(
    row: &Transaction,
    recorded: &transactions::Recorded,
    month: &BudgetMonth,
) -> Result<Option<(Budget, MonthStatus)>, Error> {
    let (Some(id), Some(category_id), Some(amount), Some(rollover)) = (
        recorded.budget,
        row.category_id,
        recorded.budget_amount,
        recorded.budget_rollover,
    ) else {
        return Ok(None);
    };
    let budget = Budget {
        id,
        category_id,
        amount,
        currency: row.currency.clone(),
        rollover,
    };
    let spent = |sum: &Option<String>| db::sum(sum.as_deref().unwrap_or("0"));
    let status = super::budgets::status_of(
        &budget,
        spent(&recorded.month_spent)?,
        spent(&recorded.before_spent)?,
        month.from,
        month.to,
    );
    Ok(Some((budget, status)))
}

/// The budget alerts of a new expense whose budget month was not read with
/// it (see `transactions::record`): the budget locked and read on its own.
async fn alerts(
    conn: &AsyncPgConnection,
    scope: &InFamily,
    row: &Transaction,
) -> Result<Vec<BudgetAlert>, Error> {
    let Some(category) = row.category_id else {
        return Ok(Vec::new());
    };
    match super::budgets::locked_status(
        conn,
        category,
        &row.currency,
        row.local_date,
        scope.family.start_day(),
    )
    .await?
    {
        Some((budget, status)) => alerts_of(row, &budget, &status),
        None => Ok(Vec::new()),
    }
}

/// Each threshold (80, 100 percent of the month's limit with its carry) that
/// the expense `row` carried its budget's month across.
fn alerts_of(
    row: &Transaction,
    budget: &Budget,
    status: &MonthStatus,
) -> Result<Vec<BudgetAlert>, Error> {
    let spent_after = status.spent;
    let spent_before = spent_after - i128::from(row.amount);
    let limit = status.limit_with_carry();
    let code = currency(&row.currency)?;
    Ok([80u8, 100]
        .into_iter()
        .filter(|threshold| {
            let line = limit * i128::from(*threshold);
            spent_before * 100 < line && spent_after * 100 >= line
        })
        .map(|threshold| BudgetAlert {
            budget_id: budget.id,
            category_id: budget.category_id,
            threshold,
            spent: money::format_amount(spent_after, code),
            limit: money::format_amount(limit, code),
        })
        .collect())
}

/// `GET /families/{fid}/transactions/{id}`.
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ItemPath>,
) -> Result<HttpResponse, Error> {
    super::read_one(
        &state,
        &caller,
        &path,
        async |conn, family, id| transactions::find(conn, family, id, false).await,
        TransactionResponse::from_row,
    )
    .await
}

/// `PATCH /families/{fid}/transactions/{id}`: amount, accounts, to_amount,
/// category, note, occurred_at; never the kind.
pub async fn update(
    state: web::Data<AppState>,
    path: web::Path<ItemPath>,
    req: HttpRequest,
    Authed(caller, JsonObject(object)): Authed<JsonObject>,
) -> Result<HttpResponse, Error> {
    let body = Value::Object(object.clone());
    let request = WriteRequest {
        http: &req,
        body: &body,
    };
    let id = access::path_id(&path.id);
    super::write(
        &state,
        &caller,
        &path.fid,
        Need::Writer,
        request,
        async |conn, scope| {
            let family = scope.family.id;
            let old = transactions::find(conn, family, id?, true)
                .await?
                .ok_or(Error::NotFound)?;
            let kind =
                TransactionKind::parse(&old.kind).ok_or_else(|| Error::internal("stored kind"))?;
            let mut fields = Fields::new(object);
            if let Some(given) = fields.optional("kind", body::one_of(TransactionKind::NAMES))
                && given != old.kind
            {
                fields.fail(
                    "kind",
                    codes::INVALID_VALUE,
                    "a transaction's kind never changes",
                );
            }
            for field in ["kind", "account_id", "amount", "occurred_at"] {
                if let Patch::Null = fields.patch(field, |_| Ok(())) {
                    fields.fail(field, codes::INVALID_VALUE, "cannot be null");
                }
            }
            let account_id = fields.optional("account_id", body::uuid);
            let amount_text = fields.optional("amount", body::amount_text);
            let given_currency = fields.optional("currency", body::currency);
            let to_amount_text = fields.optional("to_amount", body::amount_text);
            let occurred_at = fields.optional("occurred_at", body::timestamp);
            let note = fields.patch("note", body::note);
            let to_peek = if kind == TransactionKind::Transfer {
                fields.optional("to_account_id", body::uuid)
            } else {
                None
            };
            let touched: Vec<Uuid> = [Some(old.account_id), old.to_account_id, account_id, to_peek]
                .into_iter()
                .flatten()
                .collect();
            let locked = accounts::lock(conn, family, &touched).await?;
            // An account the transaction already uses stays usable when archived.
            let account = match account_id {
                Some(id) if id != old.account_id => {
                    account_field(&mut fields, "account_id", Some(id), &locked, true)
                }
                _ => account_field(
                    &mut fields,
                    "account_id",
                    Some(old.account_id),
                    &locked,
                    false,
                ),
            };
            let mut to_account = None;
            let mut category_id = old.category_id;
            if kind == TransactionKind::Transfer {
                let to_id = match fields.patch("to_account_id", body::uuid) {
                    Patch::Value(id) => Some(id),
                    Patch::Null => {
                        fields.fail(
                            "to_account_id",
                            codes::INVALID_VALUE,
                            "a transfer needs one",
                        );
                        None
                    }
                    Patch::Absent => old.to_account_id,
                };
                to_account = match to_id {
                    Some(id) if Some(id) != old.to_account_id => {
                        account_field(&mut fields, "to_account_id", Some(id), &locked, true)
                    }
                    Some(id) => {
                        account_field(&mut fields, "to_account_id", Some(id), &locked, false)
                    }
                    None => None,
                };
                if to_account.is_some()
                    && to_account.as_ref().map(|a| a.id) == account.as_ref().map(|a| a.id)
                {
                    fields.fail(
                        "to_account_id",
                        codes::INVALID_VALUE,
                        "must be another account than account_id",
                    );
                    to_account = None;
                }
                if !matches!(
                    fields.patch("category_id", |_| Ok(())),
                    Patch::Absent | Patch::Null
                ) {
                    fields.fail(
                        "category_id",
                        codes::INVALID_VALUE,
                        "a transfer has no category",
                    );
                }
            } else {
                match fields.patch("category_id", body::uuid) {
                    Patch::Value(id) => {
                        let wanted = kind.category_kind().map(|k| k.as_str());
                        category_id = category_field(
                            conn,
                            &mut fields,
                            family,
                            "category_id",
                            Some(id),
                            wanted,
                        )
                        .await?
                        .map(|c| c.id);
                    }
                    Patch::Null => {
                        fields.fail("category_id", codes::INVALID_VALUE, "cannot be null")
                    }
                    Patch::Absent => {}
                }
                for field in ["to_account_id", "to_amount"] {
                    if !matches!(fields.patch(field, |_| Ok(())), Patch::Absent | Patch::Null) {
                        fields.fail(field, codes::INVALID_VALUE, "only a transfer has one");
                    }
                }
            }
            if let (Some(given), Some(account)) = (given_currency, &account)
                && given.code() != account.currency
            {
                fields.fail(
                    "currency",
                    codes::CURRENCY_MISMATCH,
                    "differs from the account's currency",
                );
            }
            let amount = match (&amount_text, &account) {
                (Some(text), _) => amount_in(&mut fields, "amount", Some(text), account.as_ref()),
                (None, Some(account)) if account.currency != old.currency => {
                    fields.fail(
                        "amount",
                        codes::INVALID_VALUE,
                        "is required when the account's currency changes",
                    );
                    None
                }
                (None, _) => Some(old.amount),
            };
            let to_amount = if kind == TransactionKind::Transfer {
                let text = to_amount_text.or_else(|| {
                    // Unchanged currencies keep the old target amount.
                    let same_pair = account.as_ref().map(|a| &a.currency) == Some(&old.currency)
                        && to_account.as_ref().map(|a| &a.currency) == old.to_currency.as_ref();
                    match (same_pair, old.to_amount, old.to_currency.as_deref()) {
                        (true, Some(minor), Some(code)) => Currency::parse(code)
                            .ok()
                            .map(|c| money::format_amount(minor, c)),
                        _ => None,
                    }
                });
                transfer_amount(
                    &mut fields,
                    account.as_ref(),
                    to_account.as_ref(),
                    amount,
                    text.as_deref(),
                )
            } else {
                None
            };
            fields.finish()?;
            let (Some(account), Some(amount)) = (account, amount) else {
                return Err(Error::internal("checked fields missing"));
            };
            let note = match note {
                Patch::Absent => old.note.clone(),
                Patch::Null => None,
                Patch::Value(note) => Some(note),
            };
            let written = transactions::Fields {
                kind: kind.as_str(),
                account_id: account.id,
                to_account_id: to_account.as_ref().map(|a| a.id),
                amount,
                currency: &account.currency,
                to_amount,
                category_id,
                occurred_at: occurred_at.unwrap_or(old.occurred_at),
                note: note.as_deref(),
            };
            let row = transactions::update(conn, old.id, &scope.family.time_zone, &written).await?;
            apply(conn, family, Some(&old), Some(&row)).await?;
            Reply::ok(&TransactionResponse::from_row(row)?)
        },
    )
    .await
}

/// `DELETE /families/{fid}/transactions/{id}`.
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ItemPath>,
) -> Result<HttpResponse, Error> {
    let id = access::path_id(&path.id);
    super::delete(&state, &caller, &path.fid, async |conn, scope| {
        let family = scope.family.id;
        let old = transactions::find(conn, family, id?, true)
            .await?
            .ok_or(Error::NotFound)?;
        transactions::delete(conn, old.id).await?;
        apply(conn, family, Some(&old), None).await
    })
    .await
}

/// A list cursor: where a page ended, as opaque text.
fn encode_cursor(row: &Transaction) -> String {
    let micros = row.occurred_at.unix_timestamp_nanos() / 1000;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{micros}:{}", row.id))
}

fn decode_cursor(text: &str) -> Option<(OffsetDateTime, Uuid)> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (micros, id) = text.split_once(':')?;
    let micros: i128 = micros.parse().ok()?;
    let at = OffsetDateTime::from_unix_timestamp_nanos(micros.checked_mul(1000)?).ok()?;
    Some((at, id.parse().ok()?))
}

/// `GET /families/{fid}/transactions?account_id&category_id&kind&from&to&limit&cursor`.
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<FamilyPath>,
    req: HttpRequest,
) -> Result<HttpResponse, Error> {
    let mut query = Query::new(&req);
    let account_id = query.uuid("account_id");
    let category_id = query.uuid("category_id");
    let kind = query.one_of("kind", TransactionKind::NAMES);
    let (from, to) = query.period();
    let limit = query.integer_in("limit", 1..=200).unwrap_or(50);
    let after = query.with("cursor", "is not a cursor of this list", decode_cursor);
    let checked = query.finish();
    let family = access::path_id(&path.fid)?;
    let reply = state
        .db
        .run(async |conn| {
            // The page's statement checks the membership itself (rows only for
            // a member), so only a refused query or an empty page asks it on
            // its own: a family the caller is not in is 404 before any 422.
            let not_found_unless_member = async |conn: &AsyncPgConnection| {
                access::check(conn, family, caller.user_id, Need::Reader)
                    .await
                    .map(drop)
            };
            if let Err(err) = checked {
                not_found_unless_member(conn).await?;
                return Err(err);
            }
            let filter = Filter {
                account_id,
                category_id,
                kind,
                from,
                to,
                after,
                // One more than asked tells whether another page follows.
                limit: limit + 1,
            };
            let mut rows = transactions::list(conn, family, caller.user_id, &filter).await?;
            if rows.is_empty() {
                not_found_unless_member(conn).await?;
            }
            let more = rows.len() as i64 > limit;
            rows.truncate(limit as usize);
            let next_cursor = if more {
                rows.last().map(encode_cursor)
            } else {
                None
            };
            let items = rows
                .into_iter()
                .map(TransactionResponse::from_row)
                .collect::<Result<Vec<_>, _>>()?;
            Reply::ok(&Page { items, next_cursor })
        })
        .await?;
    Ok(reply.into_response())
}

/// The period of `from`..`to`, each defaulting to the current budget month's edge.
pub fn period_or_current_month(
    scope: &InFamily,
    from: Option<time::Date>,
    to: Option<time::Date>,
) -> Result<(time::Date, time::Date), Error> {
    let (month_from, month_to) =
        dates::budget_month_of(scope.family.zone().today(), scope.family.start_day())
            .ok_or_else(|| Error::internal("budget month out of range"))?;
    Ok((from.unwrap_or(month_from), to.unwrap_or(month_to)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_and_garbage_does_not() {
        let at =
            OffsetDateTime::from_unix_timestamp_nanos(1_765_000_000_123_456_000).expect("time");
        let id = Uuid::now_v7();
        let text = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(format!("{}:{id}", at.unix_timestamp_nanos() / 1000));
        assert_eq!(decode_cursor(&text), Some((at, id)));
        for bad in ["", "!!", "bm9wZQ", "MTI6bm90LWEtdXVpZA"] {
            assert_eq!(decode_cursor(bad), None, "{bad}");
        }
    }
}
