//! `/families/{fid}/reports`: the period's summary (from the daily totals)
//! and the transactions as CSV, streamed page by page in constant memory.

use std::collections::{BTreeMap, HashMap};

use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use money::Currency;
use serde::Serialize;
use uuid::Uuid;

use super::query::Query;
use super::transactions::period_or_current_month;
use super::{FamilyPath, Reply};
use crate::access::{self, Caller, Need};
use crate::db::{self, budgets, categories, totals, transactions};
use crate::domain::dates;
use crate::error::Error;
use crate::state::AppState;

#[derive(Serialize)]
struct CategoryLine {
    category_id: Uuid,
    name: String,
    kind: String,
    total: String,
    budget_limit: Option<String>,
}

#[derive(Serialize)]
struct CurrencyLine {
    currency: String,
    income: String,
    expense: String,
    net: String,
    categories: Vec<CategoryLine>,
}

#[derive(Serialize)]
struct Summary {
    from: String,
    to: String,
    currencies: Vec<CurrencyLine>,
}

/// `GET /families/{fid}/reports/summary?from&to`.
pub async fn summary(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<FamilyPath>,
    req: HttpRequest,
) -> Result<HttpResponse, Error> {
    let mut query = Query::new(&req);
    let (from, to) = query.period();
    let checked = query.finish();
    super::read(
        &state,
        &caller,
        &path.fid,
        Need::Reader,
        async |conn, scope| {
            checked?;
            let (from, to) = period_or_current_month(scope, from, to)?;
            if from > to {
                return Err(Error::field(
                    "from",
                    auth_types::problem::codes::INVALID_VALUE,
                    "must not be after to",
                ));
            }
            let family = scope.family.id;
            let rows = totals::between(conn, family, &[], from, to).await?;
            let names: HashMap<Uuid, categories::Category> = categories::list(conn, family)
                .await?
                .into_iter()
                .map(|c| (c.id, c))
                .collect();
            let limits: HashMap<(Uuid, String), i64> = budgets::list(conn, family)
                .await?
                .into_iter()
                .map(|b| ((b.category_id, b.currency), b.amount))
                .collect();
            let mut by_currency: BTreeMap<String, (i128, i128, Vec<CategoryLine>)> =
                BTreeMap::new();
            for row in rows {
                let total = db::sum(&row.total)?;
                let Some(category) = names.get(&row.category_id) else {
                    continue;
                };
                if total == 0 {
                    continue;
                }
                let currency = Currency::parse(&row.currency).map_err(Error::internal)?;
                let entry = by_currency.entry(row.currency.clone()).or_default();
                if category.kind == "income" {
                    entry.0 += total;
                } else {
                    entry.1 += total;
                }
                entry.2.push(CategoryLine {
                    category_id: category.id,
                    name: category.name.clone(),
                    kind: category.kind.clone(),
                    total: money::format_amount(total, currency),
                    budget_limit: limits
                        .get(&(category.id, row.currency.clone()))
                        .map(|limit| money::format_amount(*limit, currency)),
                });
            }
            let currencies = by_currency
                .into_iter()
                .map(|(code, (income, expense, mut categories))| {
                    let currency = Currency::parse(&code).map_err(Error::internal)?;
                    categories.sort_by(|a, b| (&a.kind, &a.name).cmp(&(&b.kind, &b.name)));
                    Ok(CurrencyLine {
                        income: money::format_amount(income, currency),
                        expense: money::format_amount(expense, currency),
                        net: money::format_amount(income - expense, currency),
                        currency: code,
                        categories,
                    })
                })
                .collect::<Result<Vec<_>, Error>>()?;
            Reply::ok(&Summary {
                from: dates::format_date(from),
                to: dates::format_date(to),
                currencies,
            })
        },
    )
    .await
}

/// Rows read from the database at a time: the memory a download holds.
const CSV_PAGE: i32 = 5000;

const CSV_HEADER: [&str; 10] = [
    "date",
    "kind",
    "account",
    "to_account",
    "category",
    "amount",
    "currency",
    "to_amount",
    "note",
    "created_by",
];

fn csv_writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new())
}

fn csv_lines(rows: &[transactions::ExportRow]) -> Result<Vec<u8>, Error> {
    let mut writer = csv_writer();
    for row in rows {
        let currency = Currency::parse(&row.currency).map_err(Error::internal)?;
        let to_amount = match (row.to_amount, row.to_currency.as_deref()) {
            (Some(minor), Some(code)) => {
                money::format_amount(minor, Currency::parse(code).map_err(Error::internal)?)
            }
            _ => String::new(),
        };
        writer
            .write_record([
                dates::format_date(row.local_date).as_str(),
                &row.kind,
                &row.account,
                row.to_account.as_deref().unwrap_or_default(),
                row.category.as_deref().unwrap_or_default(),
                &money::format_amount(row.amount, currency),
                &row.currency,
                &to_amount,
                row.note.as_deref().unwrap_or_default(),
                &row.created_by.to_string(),
            ])
            .map_err(Error::internal)?;
    }
    writer.into_inner().map_err(Error::internal)
}

/// `GET /families/{fid}/reports/transactions.csv?from&to`: oldest first.
pub async fn csv(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<FamilyPath>,
    req: HttpRequest,
) -> Result<HttpResponse, Error> {
    let mut query = Query::new(&req);
    let (from, to) = query.period();
    let checked = query.finish();
    let family_id = access::path_id(&path.fid)?;
    let scope = state
        .db
        .run(async |conn| access::check(conn, family_id, caller.user_id, Need::Reader).await)
        .await?;
    checked?;
    let (from, to) = period_or_current_month(&scope, from, to)?;
    if from > to {
        return Err(Error::field(
            "from",
            auth_types::problem::codes::INVALID_VALUE,
            "must not be after to",
        ));
    }
    let mut header = csv_writer();
    header.write_record(CSV_HEADER).map_err(Error::internal)?;
    let header = Bytes::from(header.into_inner().map_err(Error::internal)?);
    let state = state.into_inner();
    // Each page is its own short query, so a download never holds a
    // connection (or a snapshot) for its whole length.
    let pages = futures_util::stream::unfold(Some(None), move |after| {
        let state = state.clone();
        async move {
            let after = after?;
            let page = state
                .db
                .run(async |conn| {
                    transactions::export_page(conn, family_id, from, to, after, CSV_PAGE)
                        .await
                        .map_err(Error::from)
                })
                .await;
            match page {
                Err(err) => {
                    tracing::warn!(error = %err, "CSV export cut short");
                    Some((
                        Err(actix_web::error::ErrorServiceUnavailable(
                            "export interrupted",
                        )),
                        None,
                    ))
                }
                Ok(rows) if rows.is_empty() => None,
                Ok(rows) => {
                    let next = (rows.len() == CSV_PAGE as usize)
                        .then(|| rows.last().map(|r| (r.local_date, r.occurred_at, r.id)));
                    match csv_lines(&rows) {
                        Ok(bytes) => Some((Ok(Bytes::from(bytes)), next)),
                        Err(err) => Some((
                            Err(actix_web::error::ErrorInternalServerError(err.to_string())),
                            None,
                        )),
                    }
                }
            }
        }
    });
    let body =
        futures_util::stream::once(async move { Ok::<_, actix_web::Error>(header) }).chain(pages);
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"transactions-{}-{}.csv\"",
                dates::format_date(from),
                dates::format_date(to)
            ),
        ))
        .streaming(body))
}

use futures_util::StreamExt as _;
