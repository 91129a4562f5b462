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

/// Appends `field` as the `csv` crate's writer (`QuoteStyle::Necessary`, CRLF
/// records) would: quoted, inner quotes doubled, only when it holds a comma,
/// a quote, CR or LF.
fn push_field(out: &mut Vec<u8>, field: &[u8]) {
    if field
        .iter()
        .any(|b| matches!(b, b',' | b'"' | b'\r' | b'\n'))
    {
        out.push(b'"');
        for part in field.split_inclusive(|b| *b == b'"') {
            out.extend_from_slice(part);
            if part.last() == Some(&b'"') {
                out.push(b'"');
            }
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(field);
    }
}

/// Appends `minor` units with `exponent` fraction digits, as
/// `money::format_amount` writes them, without a `String` per amount.
fn push_amount(out: &mut Vec<u8>, minor: i64, exponent: u8) {
    let exponent = usize::from(exponent);
    // 19 digits of an i64, or a currency's exponent (at most 9) and one more.
    let mut digits = [0u8; 24];
    let mut start = digits.len();
    let mut rest = minor.unsigned_abs();
    // At least one digit before the separator: 5 cents are "0.05".
    while (rest > 0 || digits.len() - start <= exponent) && start > 0 {
        start -= 1;
        digits[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    if minor < 0 {
        out.push(b'-');
    }
    let digits = &digits[start..];
    let (major, fraction) = digits.split_at(digits.len() - exponent);
    out.extend_from_slice(major);
    if exponent > 0 {
        out.push(b'.');
        out.extend_from_slice(fraction);
    }
}

/// Appends `date` as `dates::format_date` writes it.
fn push_date(out: &mut Vec<u8>, date: time::Date) {
    let year = date.year();
    if !(0..=9999).contains(&year) {
        out.extend_from_slice(dates::format_date(date).as_bytes());
        return;
    }
    let two = |n: u8| [b'0' + n / 10, b'0' + n % 10];
    let year = year as u16;
    out.extend_from_slice(&two((year / 100) as u8));
    out.extend_from_slice(&two((year % 100) as u8));
    out.push(b'-');
    out.extend_from_slice(&two(u8::from(date.month())));
    out.push(b'-');
    out.extend_from_slice(&two(date.day()));
}

/// Hashes a UUID by folding its bytes: ids are random enough, and SipHash
/// (the default) cost more than the rest of a row's lookups.
#[derive(Default)]
struct FoldHasher(u64);

impl std::hash::Hasher for FoldHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(29) ^ u64::from_le_bytes(word))
                .wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type IdMap<V> = HashMap<Uuid, V, std::hash::BuildHasherDefault<FoldHasher>>;

/// What one download has learnt of the family's accounts, categories and
/// currencies: names already written as CSV fields, read once, not per row.
#[derive(Default)]
struct Names {
    /// An account's name as a CSV field, and its currency's code.
    accounts: IdMap<(Vec<u8>, String)>,
    categories: IdMap<Vec<u8>>,
    /// Each currency's code and exponent (a download sees a handful).
    exponents: Vec<(String, u8)>,
}

impl Names {
    fn quoted(name: &str) -> Vec<u8> {
        let mut field = Vec::with_capacity(name.len());
        push_field(&mut field, name.as_bytes());
        field
    }

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
    ) {
        for a in accounts {
            self.accounts
                .insert(a.id, (Self::quoted(&a.name), a.currency));
        }
        for c in categories {
            self.categories.insert(c.id, Self::quoted(&c.name));
        }
    }
}

/// `code`'s exponent, parsed once per download.
fn exponent(known: &mut Vec<(String, u8)>, code: &str) -> Result<u8, Error> {
    if let Some((_, exponent)) = known.iter().find(|(c, _)| c == code) {
        return Ok(*exponent);
    }
    let exponent = Currency::parse(code).map_err(Error::internal)?.exponent();
    known.push((code.to_owned(), exponent));
    Ok(exponent)
}

/// The CSV lines of `rows`, byte for byte what the `csv` crate's writer made
/// of the same fields (see `push_field`). A row's account or category that
/// `names` does not know is left out, as the join it replaces did.
fn csv_lines(rows: &[transactions::ExportRow], names: &mut Names) -> Result<Vec<u8>, Error> {
    let Names {
        accounts,
        categories,
        exponents,
    } = names;
    let mut out = Vec::with_capacity(rows.len() * 128);
    for row in rows {
        let Some((account, _)) = accounts.get(&row.account_id) else {
            continue;
        };
        let to_account = row.to_account_id.and_then(|id| accounts.get(&id));
        push_date(&mut out, row.local_date);
        out.push(b',');
        push_field(&mut out, row.kind.as_str().as_bytes());
        out.push(b',');
        out.extend_from_slice(account);
        out.push(b',');
        if let Some((name, _)) = to_account {
            out.extend_from_slice(name);
        }
        out.push(b',');
        if let Some(name) = row.category_id.and_then(|id| categories.get(&id)) {
            out.extend_from_slice(name);
        }
        out.push(b',');
        push_amount(
            &mut out,
            row.amount,
            exponent(exponents, row.currency.as_str())?,
        );
        out.push(b',');
        push_field(&mut out, row.currency.as_str().as_bytes());
        out.push(b',');
        if let (Some(minor), Some((_, code))) = (row.to_amount, to_account) {
            push_amount(&mut out, minor, exponent(exponents, code)?);
        }
        out.push(b',');
        push_field(&mut out, row.note.as_deref().unwrap_or_default().as_bytes());
        out.push(b',');
        out.extend_from_slice(
            row.created_by
                .hyphenated()
                .encode_lower(&mut uuid::Uuid::encode_buffer())
                .as_bytes(),
        );
        out.extend_from_slice(b"\r\n");
    }
    Ok(out)
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
    let pages =
        futures_util::stream::unfold(Some((None, Names::default())), move |state_of_download| {
            let state = state.clone();
            async move {
                let (after, mut names) = state_of_download?;
                let page = state
                    .db
                    .run(async |conn| {
                        let rows =
                            transactions::export_page(conn, family_id, from, to, after, CSV_PAGE)
                                .await?;
                        // Only the first page (and one naming an account or
                        // category made since) reads names.
                        let (accounts, categories) = names.missing(&rows);
                        if !accounts.is_empty() || !categories.is_empty() {
                            let (accounts, categories) =
                                transactions::export_names(conn, &accounts, &categories).await?;
                            names.learn(accounts, categories);
                        }
                        Ok::<_, Error>(rows)
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
                        match csv_lines(&rows, &mut names) {
                            Ok(bytes) => Some((Ok(Bytes::from(bytes)), next.map(|n| (n, names)))),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_as_the_csv_crate_quotes_them() {
        let fields = [
            "",
            "plain",
            "with, comma",
            "say \"hi\"",
            "\"",
            "\"\"",
            "line\nbreak",
            "carriage\rreturn",
            "crlf\r\n",
            " spaced ",
            "#hash",
            "tab\there",
            "ünïcödé, ✓",
            "a,b\"c\nd\re",
        ];
        for field in fields {
            let mut writer = csv_writer();
            writer.write_record(["x", field, "y"]).expect("a record");
            let expected = writer.into_inner().expect("the bytes");
            let mut ours = b"x,".to_vec();
            push_field(&mut ours, field.as_bytes());
            ours.extend_from_slice(b",y\r\n");
            assert_eq!(
                String::from_utf8(ours).expect("UTF-8"),
                String::from_utf8(expected).expect("UTF-8"),
                "{field:?}"
            );
        }
    }

    #[test]
    fn amounts_and_dates_are_written_as_their_formatters_write_them() {
        for code in ["EUR", "JPY", "BHD", "CLF"] {
            let currency = Currency::parse(code).expect("a currency");
            for minor in [
                0,
                1,
                5,
                9,
                10,
                99,
                100,
                1250,
                12345,
                -1,
                -12_000,
                1_000_000_000_000_000,
                i64::MAX,
                i64::MIN,
            ] {
                let mut ours = Vec::new();
                push_amount(&mut ours, minor, currency.exponent());
                assert_eq!(
                    String::from_utf8(ours).expect("UTF-8"),
                    money::format_amount(minor, currency),
                    "{minor} {code}"
                );
            }
        }
        for date in [
            time::macros::date!(2026 - 01 - 09),
            time::macros::date!(2026 - 12 - 31),
            time::macros::date!(0001 - 01 - 01),
            time::macros::date!(9999 - 12 - 31),
            time::macros::date!(-0001 - 06 - 15),
        ] {
            let mut ours = Vec::new();
            push_date(&mut ours, date);
            assert_eq!(
                String::from_utf8(ours).expect("UTF-8"),
                dates::format_date(date)
            );
        }
    }
}
