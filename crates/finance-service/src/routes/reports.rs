//! `/families/{fid}/reports`: the period's summary (from the daily totals)
//! and the transactions as CSV, streamed page by page in constant memory.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use money::{Currency, DecimalAmount};
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

type IdMap<V> = HashMap<Uuid, V, rustc_hash::FxBuildHasher>;

/// What one download has learnt of the family's accounts, categories and
/// currencies: read once, not joined into every row.
#[derive(Default)]
struct Names {
    /// An account's name and currency.
    accounts: IdMap<(String, Currency)>,
    categories: IdMap<String>,
    /// The currencies of the rows (a download sees a handful).
    currencies: Vec<Currency>,
}

impl Names {
    /// The accounts and categories of `rows` not yet known.
    fn missing(&self, rows: &[transactions::ExportRow]) -> (Vec<Uuid>, Vec<Uuid>) {
        let mut accounts = Vec::new();
        let mut categories = Vec::new();
        for row in rows {
            for id in std::iter::once(row.account_id).chain(row.to_account_id) {
                if !self.accounts.contains_key(&id) && !accounts.contains(&id) {
                    accounts.push(id);
                }
            }
            if let Some(id) = row.category_id
                && !self.categories.contains_key(&id)
                && !categories.contains(&id)
            {
                categories.push(id);
            }
        }
        (accounts, categories)
    }

    fn learn(
        &mut self,
        accounts: Vec<transactions::AccountName>,
        categories: Vec<transactions::CategoryName>,
    ) -> Result<(), Error> {
        for a in accounts {
            let currency = Currency::parse(&a.currency).map_err(Error::internal)?;
            self.accounts.insert(a.id, (a.name, currency));
        }
        for c in categories {
            self.categories.insert(c.id, c.name);
        }
        Ok(())
    }

    /// The currency of `code`, parsed once per download.
    fn currency(&mut self, code: &str) -> Result<Currency, Error> {
        if let Some(known) = self.currencies.iter().find(|c| c.code() == code) {
            return Ok(*known);
        }
        let currency = Currency::parse(code).map_err(Error::internal)?;
        self.currencies.push(currency);
        Ok(currency)
    }
}

/// The CSV lines of `rows`. A row's account or category that `names` does
/// not know is left out, as the join it replaces did. Dates and amounts are
/// written into one reused buffer, not a `String` each.
fn csv_lines(rows: &[transactions::ExportRow], names: &mut Names) -> Result<Vec<u8>, Error> {
    use std::io::Write as _;
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::with_capacity(rows.len() * 128));
    let mut text = Vec::with_capacity(64);
    let mut id = Uuid::encode_buffer();
    for row in rows {
        let currency = names.currency(row.currency.as_str())?;
        let Some((account, _)) = names.accounts.get(&row.account_id) else {
            continue;
        };
        let to_account = row.to_account_id.and_then(|id| names.accounts.get(&id));
        let category = row.category_id.and_then(|id| names.categories.get(&id));
        let mut field = |write: &dyn Fn(&mut Vec<u8>) -> std::io::Result<()>| {
            text.clear();
            write(&mut text).map_err(Error::internal)?;
            writer.write_field(&text).map_err(Error::internal)
        };
        field(&|out| write!(out, "{}", dates::IsoDate(row.local_date)))?;
        field(&|out| out.write_all(row.kind.as_str().as_bytes()))?;
        field(&|out| out.write_all(account.as_bytes()))?;
        field(&|out| out.write_all(to_account.map_or("", |(name, _)| name).as_bytes()))?;
        field(&|out| out.write_all(category.map_or("", String::as_str).as_bytes()))?;
        field(&|out| write!(out, "{}", DecimalAmount::new(row.amount, currency)))?;
        field(&|out| out.write_all(row.currency.as_str().as_bytes()))?;
        field(&|out| match (row.to_amount, to_account) {
            (Some(minor), Some((_, code))) => write!(out, "{}", DecimalAmount::new(minor, *code)),
            _ => Ok(()),
        })?;
        field(&|out| out.write_all(row.note.as_deref().unwrap_or_default().as_bytes()))?;
        let created_by = row.created_by.hyphenated().encode_lower(&mut id);
        field(&|out| out.write_all(created_by.as_bytes()))?;
        writer
            .write_record(None::<&[u8]>)
            .map_err(Error::internal)?;
    }
    writer.into_inner().map_err(Error::internal)
}

/// One page of the CSV being read.
type PageRead = actix_web::rt::task::JoinHandle<Result<Vec<transactions::ExportRow>, Error>>;

/// The CSV's pages in order, each being read by a task of its own. Each page
/// is its own short query, so a download never holds a connection (or a
/// snapshot) for its whole length. The pages' ends are found first, from the
/// index alone, so the next pages are read while the service writes this
/// one: PostgreSQL works on up to three pages at once on as many connections
/// (fewer while other downloads hold `AppState::export_reads`), and a
/// download holds at most four. One that stops ends this; a page
/// already being read finishes and is dropped (cutting a query short would
/// cost its connection).
fn export_pages(state: Arc<AppState>, family: Uuid, period: (time::Date, time::Date)) -> Pages {
    let (sender, receiver) = tokio::sync::mpsc::channel(1);
    let reader = state.clone();
    actix_web::rt::spawn(async move {
        let mut after = None;
        loop {
            let until = state
                .db
                .run(async |conn| {
                    transactions::export_boundary(conn, family, period, after, CSV_PAGE)
                        .await
                        .map_err(Error::from)
                })
                .await;
            let (read, next): (PageRead, _) = match until {
                Err(err) => (actix_web::rt::spawn(async { Err(err) }), None),
                Ok(until) => {
                    let state = state.clone();
                    let read = actix_web::rt::spawn(async move {
                        // Never closed: the semaphore lives as long as the state.
                        let _permit = state
                            .export_reads
                            .acquire()
                            .await
                            .map_err(Error::internal)?;
                        state
                            .db
                            .run(async |conn| {
                                transactions::export_page(conn, family, period, after, until)
                                    .await
                                    .map_err(Error::from)
                            })
                            .await
                    });
                    (read, until)
                }
            };
            if sender.send(read).await.is_err() {
                break;
            }
            match next {
                Some(key) => after = Some(key),
                None => break,
            }
        }
    });
    Pages {
        state: reader,
        receiver,
    }
}

/// The pages of one download, and the state to read the names they need.
struct Pages {
    state: Arc<AppState>,
    receiver: tokio::sync::mpsc::Receiver<PageRead>,
}

impl Pages {
    async fn recv(&mut self) -> Option<PageRead> {
        self.receiver.recv().await
    }

    /// The names of `accounts` and `categories`.
    async fn names(
        &self,
        accounts: &[Uuid],
        categories: &[Uuid],
    ) -> Result<
        (
            Vec<transactions::AccountName>,
            Vec<transactions::CategoryName>,
        ),
        Error,
    > {
        self.state
            .db
            .run(async |conn| {
                transactions::export_names(conn, accounts, categories)
                    .await
                    .map_err(Error::from)
            })
            .await
    }
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
    let pages = export_pages(state.into_inner(), family_id, (from, to));
    let pages = futures_util::stream::unfold(Some((pages, Names::default())), |download| async {
        let (mut pages, mut names) = download?;
        loop {
            // `None`: every page was sent.
            let read = pages.recv().await?;
            let lines = async {
                let rows = read.await.map_err(Error::internal)??;
                // Only the first page (and one naming an account or category
                // made since) reads names.
                let (accounts, categories) = names.missing(&rows);
                if !accounts.is_empty() || !categories.is_empty() {
                    let (accounts, categories) = pages.names(&accounts, &categories).await?;
                    names.learn(accounts, categories)?;
                }
                // Writing 5,000 rows is CPU work: off the executor, which
                // meanwhile takes the next pages from PostgreSQL.
                let (lines, names) = actix_web::rt::task::spawn_blocking(move || {
                    let lines = csv_lines(&rows, &mut names);
                    (lines, names)
                })
                .await
                .map_err(Error::internal)?;
                Ok::<_, Error>((lines?, names))
            };
            match lines.await {
                Err(err) => {
                    tracing::warn!(error = %err, "CSV export cut short");
                    return Some((
                        Err(actix_web::error::ErrorServiceUnavailable(
                            "export interrupted",
                        )),
                        None,
                    ));
                }
                // An empty chunk would end the response: go on to the next page.
                Ok((lines, kept)) if lines.is_empty() => names = kept,
                Ok((lines, kept)) => return Some((Ok(Bytes::from(lines)), Some((pages, kept)))),
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
