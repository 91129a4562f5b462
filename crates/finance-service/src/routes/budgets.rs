//! `/families/{fid}/budgets`: monthly limits of expense categories, and the
//! month's status. A budget month runs from the family's payday
//! (`month_start_day`) in its time zone; spending is read from the daily
//! totals, so a status costs the same whatever the number of transactions.

use actix_web::{HttpRequest, HttpResponse, web};
use auth_types::problem::codes;
use diesel_async::AsyncPgConnection;
use money::Currency;
use serde::Serialize;
use serde_json::Value;
use service_kit::json::JsonObject;
use uuid::Uuid;

use super::accounts::amount_field;
use super::categories::category_field;
use super::query::Query;
use super::{FamilyPath, ItemPath, Reply, WriteRequest};
use crate::access::{self, Authed, Caller, Need};
use crate::body::{self, Fields, Patch};
use crate::db::{self, budgets, totals};
use crate::domain::dates::{self, BudgetMonth};
use crate::error::Error;
use crate::state::AppState;

#[derive(Serialize)]
struct BudgetResponse {
    id: Uuid,
    category_id: Uuid,
    limit: String,
    currency: String,
    rollover: bool,
}

fn currency(code: &str) -> Result<Currency, Error> {
    Currency::parse(code).map_err(Error::internal)
}

impl BudgetResponse {
    fn from_row(row: budgets::Budget) -> Result<Self, Error> {
        Ok(Self {
            limit: money::format_amount(row.amount, currency(&row.currency)?),
            id: row.id,
            category_id: row.category_id,
            currency: row.currency,
            rollover: row.rollover,
        })
    }
}

/// A budget's month: its own limit, the carry from last month, the spending.
pub struct MonthStatus {
    pub from: time::Date,
    pub to: time::Date,
    pub limit: i128,
    pub carried_over: i128,
    pub spent: i128,
}

impl MonthStatus {
    pub fn limit_with_carry(&self) -> i128 {
        self.limit + self.carried_over
    }
}

fn spent_of(rows: &[totals::CategoryTotal], category: Uuid, code: &str) -> Result<i128, Error> {
    rows.iter()
        .filter(|r| r.category_id == category && r.currency == code)
        .map(|r| db::sum(&r.total).map_err(Error::from))
        .sum()
}

/// The budget of `category` in `currency`, locked for the transaction (see
/// `budgets::lock_for_category`), and its status in the budget month that
/// `day` falls in. The lock and the read of the daily totals go out
/// together; PostgreSQL runs the read after the lock is taken, so
/// concurrent expenses of one budget read the month one after the other.
pub async fn locked_status(
    conn: &AsyncPgConnection,
    category: Uuid,
    currency: &str,
    day: time::Date,
    start_day: u8,
) -> Result<Option<(budgets::Budget, MonthStatus)>, Error> {
    let BudgetMonth {
        before_from,
        from,
        to,
    } = BudgetMonth::of(day, start_day).ok_or_else(|| Error::internal("month out of range"))?;
    let (budget, spent) = futures_util::future::join(
        budgets::lock_for_category(conn, category, currency),
        totals::month_and_before(conn, category, currency, before_from, from, to),
    )
    .await;
    let Some(budget) = budget? else {
        return Ok(None);
    };
    let spent = spent?;
    let status = status_of(
        &budget,
        db::sum(&spent.month)?,
        db::sum(&spent.before)?,
        from,
        to,
    );
    Ok(Some((budget, status)))
}

/// The status of each budget in the month `from`..`to`: two reads of the
/// daily totals (this month and, for rollovers, the one before).
async fn statuses(
    conn: &mut AsyncPgConnection,
    family: Uuid,
    budgets: &[budgets::Budget],
    from: time::Date,
    to: time::Date,
    start_day: u8,
) -> Result<Vec<MonthStatus>, Error> {
    let categories: Vec<Uuid> = budgets.iter().map(|b| b.category_id).collect();
    if categories.is_empty() {
        return Ok(Vec::new());
    }
    let now = totals::between(conn, family, &categories, from, to).await?;
    let rolling: Vec<Uuid> = budgets
        .iter()
        .filter(|b| b.rollover)
        .map(|b| b.category_id)
        .collect();
    let before = if rolling.is_empty() {
        Vec::new()
    } else {
        let (prev_from, prev_to) = dates::previous_budget_month(from, start_day)
            .ok_or_else(|| Error::internal("month out of range"))?;
        totals::between(conn, family, &rolling, prev_from, prev_to).await?
    };
    budgets
        .iter()
        .map(|budget| {
            Ok(status_of(
                budget,
                spent_of(&now, budget.category_id, &budget.currency)?,
                spent_of(&before, budget.category_id, &budget.currency)?,
                from,
                to,
            ))
        })
        .collect()
}

/// A budget's status in the month `from`..`to` from what its category spent
/// in the month and in the month before (which counts for a rollover).
pub(super) fn status_of(
    budget: &budgets::Budget,
    spent: i128,
    spent_before: i128,
    from: time::Date,
    to: time::Date,
) -> MonthStatus {
    let limit = i128::from(budget.amount);
    let carried_over = if budget.rollover {
        (limit - spent_before).max(0)
    } else {
        0
    };
    MonthStatus {
        from,
        to,
        limit,
        carried_over,
        spent,
    }
}

/// `GET /families/{fid}/budgets`.
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<FamilyPath>,
) -> Result<HttpResponse, Error> {
    super::read_list(
        &state,
        &caller,
        &path.fid,
        async |conn, family| budgets::list(conn, family).await,
        BudgetResponse::from_row,
    )
    .await
}

/// `GET /families/{fid}/budgets/{id}`.
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ItemPath>,
) -> Result<HttpResponse, Error> {
    super::read_one(
        &state,
        &caller,
        &path,
        async |conn, family, id| budgets::find(conn, family, id).await,
        BudgetResponse::from_row,
    )
    .await
}

/// `POST /families/{fid}/budgets`: `{category_id, limit, currency?, rollover?}`.
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
    super::write(
        &state,
        &caller,
        &path.fid,
        Need::Writer,
        request,
        async |conn, scope| {
            let family = scope.family.id;
            let mut fields = Fields::new(object);
            let category_id = fields.required("category_id", body::uuid);
            let category = category_field(
                conn,
                &mut fields,
                family,
                "category_id",
                category_id,
                Some("expense"),
            )
            .await?;
            let limit_text = fields.required("limit", body::amount_text);
            let currency = if fields.is_present("currency") {
                fields.required("currency", body::currency)
            } else {
                Some(scope.family.currency()?)
            };
            let rollover = fields.optional("rollover", body::boolean).unwrap_or(false);
            let limit = amount_field(
                &mut fields,
                "limit",
                limit_text,
                currency,
                money::parse_amount,
            );
            fields.finish()?;
            let (Some(category), Some(limit), Some(currency)) = (category, limit, currency) else {
                return Err(Error::internal("checked fields missing"));
            };
            let row = budgets::create(conn, family, category.id, limit, currency.code(), rollover)
                .await?;
            Reply::created(&BudgetResponse::from_row(row)?)
        },
    )
    .await
}

/// `PATCH /families/{fid}/budgets/{id}`: category, limit, currency, rollover.
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
            let budget = budgets::find(conn, family, id?)
                .await?
                .ok_or(Error::NotFound)?;
            let mut fields = Fields::new(object);
            for field in ["category_id", "limit", "currency", "rollover"] {
                if let Patch::Null = fields.patch(field, |_| Ok(())) {
                    fields.fail(field, codes::INVALID_VALUE, "cannot be null");
                }
            }
            let category_id = fields.optional("category_id", body::uuid);
            let category = category_field(
                conn,
                &mut fields,
                family,
                "category_id",
                category_id,
                Some("expense"),
            )
            .await?;
            let currency = fields.optional("currency", body::currency);
            let rollover = fields.optional("rollover", body::boolean);
            let limit_text = fields.optional("limit", body::amount_text);
            let in_currency = currency.or_else(|| Currency::parse(&budget.currency).ok());
            let limit = amount_field(
                &mut fields,
                "limit",
                limit_text,
                in_currency,
                money::parse_amount,
            );
            if currency.is_some_and(|c| c.code() != budget.currency) && !fields.is_present("limit")
            {
                fields.fail(
                    "limit",
                    codes::INVALID_VALUE,
                    "is required when the currency changes",
                );
            }
            fields.finish()?;
            let row = budgets::update(
                conn,
                budget.id,
                category.map(|c| c.id),
                limit,
                currency.map(Currency::code),
                rollover,
            )
            .await?;
            Reply::ok(&BudgetResponse::from_row(row)?)
        },
    )
    .await
}

/// `DELETE /families/{fid}/budgets/{id}`.
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ItemPath>,
) -> Result<HttpResponse, Error> {
    let id = access::path_id(&path.id);
    super::delete(&state, &caller, &path.fid, async |conn, scope| {
        if budgets::delete(conn, scope.family.id, id?).await? {
            Ok(())
        } else {
            Err(Error::NotFound)
        }
    })
    .await
}

#[derive(Serialize)]
struct Period {
    from: String,
    to: String,
}

#[derive(Serialize)]
struct StatusItem {
    budget_id: Uuid,
    category_id: Uuid,
    currency: String,
    limit: String,
    carried_over: String,
    spent: String,
    remaining: String,
    percent: i128,
}

#[derive(Serialize)]
struct StatusResponse {
    period: Period,
    items: Vec<StatusItem>,
}

/// `GET /families/{fid}/budgets/status?month=YYYY-MM`.
pub async fn status(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<FamilyPath>,
    req: HttpRequest,
) -> Result<HttpResponse, Error> {
    let mut query = Query::new(&req);
    let month = query.month("month");
    let checked = query.finish();
    super::read(
        &state,
        &caller,
        &path.fid,
        Need::Reader,
        async |conn, scope| {
            checked?;
            let start_day = scope.family.start_day();
            let (from, to) = match month {
                Some((year, month)) => dates::budget_month(year, month, start_day),
                None => dates::budget_month_of(scope.family.zone().today(), start_day),
            }
            .ok_or_else(|| Error::field("month", codes::INVALID_VALUE, "is out of range"))?;
            let budgets = budgets::list(conn, scope.family.id).await?;
            let statuses = statuses(conn, scope.family.id, &budgets, from, to, start_day).await?;
            let items = budgets
                .into_iter()
                .zip(statuses)
                .map(|(budget, status)| {
                    let code = currency(&budget.currency)?;
                    let with_carry = status.limit_with_carry();
                    Ok(StatusItem {
                        budget_id: budget.id,
                        category_id: budget.category_id,
                        limit: money::format_amount(status.limit, code),
                        carried_over: money::format_amount(status.carried_over, code),
                        spent: money::format_amount(status.spent, code),
                        remaining: money::format_amount(with_carry - status.spent, code),
                        percent: (status.spent * 100).div_euclid(with_carry.max(1)),
                        currency: budget.currency,
                    })
                })
                .collect::<Result<Vec<_>, Error>>()?;
            Reply::ok(&StatusResponse {
                period: Period {
                    from: dates::format_date(from),
                    to: dates::format_date(to),
                },
                items,
            })
        },
    )
    .await
}
