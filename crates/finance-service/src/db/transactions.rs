//! `transactions`: each expense, income and transfer. Its effect on account
//! balances and daily totals is applied by `routes::transactions` in the same
//! database transaction.

use auth_types::UserId;
use diesel::result::Error as DieselError;
use diesel::sql_types::{Array, BigInt, Bool, Date, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use time::OffsetDateTime;
use uuid::Uuid;

use super::Optional;
use crate::domain::dates::BudgetMonth;

/// Read by name by [`find`], [`insert`] and [`update`]; by position (the
/// fields in the order of `COLUMNS`) by [`list`], which reads 50 at a time.
#[derive(Debug, Clone, diesel::QueryableByName, diesel::Queryable)]
pub struct Transaction {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = SqlUuid)]
    pub account_id: Uuid,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub to_account_id: Option<Uuid>,
    #[diesel(sql_type = BigInt)]
    pub amount: i64,
    #[diesel(sql_type = Text)]
    pub currency: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub to_amount: Option<i64>,
    /// The target account's currency, for a transfer.
    #[diesel(sql_type = Nullable<Text>)]
    pub to_currency: Option<String>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub category_id: Option<Uuid>,
    #[diesel(sql_type = Timestamptz)]
    pub occurred_at: OffsetDateTime,
    #[diesel(sql_type = Date)]
    pub local_date: time::Date,
    #[diesel(sql_type = Nullable<Text>)]
    pub note: Option<String>,
    #[diesel(sql_type = SqlUuid)]
    pub created_by: Uuid,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: OffsetDateTime,
    #[diesel(sql_type = Timestamptz)]
    pub updated_at: OffsetDateTime,
}

/// [`Transaction`]'s columns in the order of `COLUMNS` and `LIST_COLUMNS`.
type TransactionTypes = (
    SqlUuid,
    Text,
    SqlUuid,
    Nullable<SqlUuid>,
    BigInt,
    Text,
    Nullable<BigInt>,
    Nullable<Text>,
    Nullable<SqlUuid>,
    Timestamptz,
    Date,
    Nullable<Text>,
    SqlUuid,
    Timestamptz,
    Timestamptz,
);

const COLUMNS: &str = "t.id, t.kind, t.account_id, t.to_account_id, t.amount, t.currency, t.to_amount, \
     (SELECT currency FROM accounts WHERE id = t.to_account_id) AS to_currency, t.category_id, \
     t.occurred_at, t.local_date, t.note, t.created_by, t.created_at, t.updated_at";

/// The family's transaction `id`, its row locked when `lock`.
pub async fn find(
    mut conn: &AsyncPgConnection,
    family: Uuid,
    id: Uuid,
    lock: bool,
) -> Result<Option<Transaction>, DieselError> {
    let lock = if lock { " FOR UPDATE" } else { "" };
    db_kit::sql(format!(
        "SELECT {COLUMNS} FROM transactions t WHERE t.family_id = $1 AND t.id = $2{lock}"
    ))
    .bind::<SqlUuid, _>(family)
    .bind::<SqlUuid, _>(id)
    .get_result(&mut conn)
    .await
    .optional()
}

/// A transaction's fields as written (insert or whole update).
pub struct Fields<'a> {
    pub kind: &'a str,
    pub account_id: Uuid,
    pub to_account_id: Option<Uuid>,
    pub amount: i64,
    pub currency: &'a str,
    pub to_amount: Option<i64>,
    pub category_id: Option<Uuid>,
    pub occurred_at: OffsetDateTime,
    pub note: Option<&'a str>,
}

impl Transaction {
    /// The row's fields, as the write that made it gave them.
    pub fn fields(&self) -> Fields<'_> {
        Fields {
            kind: &self.kind,
            account_id: self.account_id,
            to_account_id: self.to_account_id,
            amount: self.amount,
            currency: &self.currency,
            to_amount: self.to_amount,
            category_id: self.category_id,
            occurred_at: self.occurred_at,
            note: self.note.as_deref(),
        }
    }
}

/// An account's balance and transaction count moved by a write.
pub struct BalanceMove {
    pub account: Uuid,
    pub delta: i128,
    pub count: i64,
}

/// What [`record`] wrote and read.
#[derive(Debug, diesel::QueryableByName)]
pub struct Recorded {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Timestamptz)]
    pub occurred_at: OffsetDateTime,
    /// `occurred_at`'s day in the family's time zone.
    #[diesel(sql_type = Date)]
    pub local_date: time::Date,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: OffsetDateTime,
    /// Whether the day fell in the budget month asked for, whose budget
    /// (if the category has one) is then locked and read below.
    #[diesel(sql_type = Bool)]
    pub month_read: bool,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub budget: Option<Uuid>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub budget_amount: Option<i64>,
    #[diesel(sql_type = Nullable<Bool>)]
    pub budget_rollover: Option<bool>,
    /// NUMERIC sums as text: what the month and the month before it spent.
    #[diesel(sql_type = Nullable<Text>)]
    pub month_spent: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub before_spent: Option<String>,
}

/// Inserts a transaction (its local day is `occurred_at` in `time_zone`),
/// moves the balances and its category's day by what the caller worked out,
/// and, given a budget month, locks the category's budget and reads what that
/// month spent: one statement (the `record_transaction` function), the
/// accounts already locked (`accounts::lock`).
#[allow(clippy::too_many_arguments)]
pub async fn record(
    mut conn: &AsyncPgConnection,
    family: Uuid,
    time_zone: &str,
    fields: &Fields<'_>,
    created_by: Uuid,
    balances: &[BalanceMove],
    total: Option<i128>,
    month: Option<&BudgetMonth>,
) -> Result<Recorded, DieselError> {
    let id = Uuid::now_v7();
    let accounts: Vec<Uuid> = balances.iter().map(|m| m.account).collect();
    let deltas: Vec<String> = balances.iter().map(|m| m.delta.to_string()).collect();
    let counts: Vec<i64> = balances.iter().map(|m| m.count).collect();
    db_kit::sql(
        "SELECT $1::uuid AS id, $10::timestamptz AS occurred_at, r.recorded_on AS local_date,
                r.recorded_at AS created_at, r.month_read, r.budget, r.budget_amount,
                r.budget_rollover, r.month_spent, r.before_spent
         FROM record_transaction($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13,
             $14, $15::numeric[], $16, $17::numeric, $18, $19, $20) r",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<SqlUuid, _>(family)
    .bind::<Text, _>(fields.kind)
    .bind::<SqlUuid, _>(fields.account_id)
    .bind::<Nullable<SqlUuid>, _>(fields.to_account_id)
    .bind::<BigInt, _>(fields.amount)
    .bind::<Text, _>(fields.currency)
    .bind::<Nullable<BigInt>, _>(fields.to_amount)
    .bind::<Nullable<SqlUuid>, _>(fields.category_id)
    .bind::<Timestamptz, _>(fields.occurred_at)
    .bind::<Text, _>(time_zone)
    .bind::<Nullable<Text>, _>(fields.note)
    .bind::<SqlUuid, _>(created_by)
    .bind::<Array<SqlUuid>, _>(accounts)
    .bind::<Array<Text>, _>(deltas)
    .bind::<Array<BigInt>, _>(counts)
    .bind::<Nullable<Text>, _>(total.map(|t| t.to_string()))
    .bind::<Nullable<Date>, _>(month.map(|m| m.from))
    .bind::<Nullable<Date>, _>(month.map(|m| m.to))
    .bind::<Nullable<Date>, _>(month.map(|m| m.before_from))
    .get_result(&mut conn)
    .await
}

/// Rewrites a transaction's fields (all of them, as merged by the caller).
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    time_zone: &str,
    fields: &Fields<'_>,
) -> Result<Transaction, DieselError> {
    db_kit::sql(format!(
        "WITH t AS (UPDATE transactions SET account_id = $2, to_account_id = $3, amount = $4, currency = $5,
             to_amount = $6, category_id = $7, occurred_at = $8, local_date = ($8 AT TIME ZONE $9)::date,
             note = $10, updated_at = now()
         WHERE id = $1 RETURNING *)
         SELECT {COLUMNS} FROM t"
    ))
    .bind::<SqlUuid, _>(id)
    .bind::<SqlUuid, _>(fields.account_id)
    .bind::<Nullable<SqlUuid>, _>(fields.to_account_id)
    .bind::<BigInt, _>(fields.amount)
    .bind::<Text, _>(fields.currency)
    .bind::<Nullable<BigInt>, _>(fields.to_amount)
    .bind::<Nullable<SqlUuid>, _>(fields.category_id)
    .bind::<Timestamptz, _>(fields.occurred_at)
    .bind::<Text, _>(time_zone)
    .bind::<Nullable<Text>, _>(fields.note)
    .get_result(conn)
    .await
}

pub async fn delete(conn: &mut AsyncPgConnection, id: Uuid) -> Result<(), DieselError> {
    db_kit::sql("DELETE FROM transactions WHERE id = $1")
        .bind::<SqlUuid, _>(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The list's filters and page, all already parsed.
#[derive(Debug, Default)]
pub struct Filter {
    pub account_id: Option<Uuid>,
    pub category_id: Option<Uuid>,
    pub kind: Option<&'static str>,
    pub from: Option<time::Date>,
    pub to: Option<time::Date>,
    /// Where the previous page ended: its last `(occurred_at, id)`.
    pub after: Option<(OffsetDateTime, Uuid)>,
    pub limit: i64,
}

/// The list's columns: `to_currency` is looked up only for a transfer (the
/// only rows with a `to_account_id`), not by a subquery run on every row.
const LIST_COLUMNS: &str = "t.id, t.kind, t.account_id, t.to_account_id, t.amount, t.currency, t.to_amount, \
     CASE WHEN t.to_account_id IS NULL THEN NULL \
          ELSE (SELECT currency FROM accounts WHERE id = t.to_account_id) END AS to_currency, \
     t.category_id, t.occurred_at, t.local_date, t.note, t.created_by, t.created_at, t.updated_at";

/// The text of [`list`]'s statement for the filters present in `filter`: only
/// those are in it, each with the next `$n` in the order [`list`] binds them
/// (`$1` the family, `$2` the reader, then account, category, kind, from, to,
/// the cursor's two halves, and the limit last): at most 2^6 texts.
fn list_sql(filter: &Filter) -> String {
    use std::fmt::Write as _;
    // Filters are numbered after the family and the reader.
    let mut n = 2;
    let mut next = || {
        n += 1;
        n
    };
    let account = filter.account_id.map(|_| next());
    let mut conditions = format!(
        "t.family_id = $1 AND {}",
        super::members::reader_of_family(2)
    );
    if filter.category_id.is_some() {
        let _ = write!(conditions, " AND t.category_id = ${}", next());
    }
    if filter.kind.is_some() {
        let _ = write!(conditions, " AND t.kind = ${}", next());
    }
    // The local-day bounds, and the same bounds widened by a day either side
    // on `occurred_at` (no time zone is further than that from UTC), so the
    // walk of the time-ordered index stops near the period's edge.
    if filter.from.is_some() {
        let p = next();
        let _ = write!(
            conditions,
            " AND t.local_date >= ${p} \
              AND t.occurred_at >= ${p}::timestamp AT TIME ZONE 'UTC' - interval '1 day'"
        );
    }
    if filter.to.is_some() {
        let p = next();
        let _ = write!(
            conditions,
            " AND t.local_date <= ${p} \
              AND t.occurred_at < ${p}::timestamp AT TIME ZONE 'UTC' + interval '2 days'"
        );
    }
    if filter.after.is_some() {
        let (at, id) = (next(), next());
        let _ = write!(conditions, " AND (t.occurred_at, t.id) < (${at}, ${id})");
    }
    let limit = next();
    let order = format!("ORDER BY t.occurred_at DESC, t.id DESC LIMIT ${limit}");
    match account {
        // Either side of a transfer: two index walks merged.
        Some(a) => format!(
            "SELECT * FROM (
                 (SELECT {LIST_COLUMNS} FROM transactions t WHERE t.account_id = ${a} AND {conditions} {order})
                 UNION ALL
                 (SELECT {LIST_COLUMNS} FROM transactions t WHERE t.to_account_id = ${a} AND {conditions} {order})
             ) t ORDER BY occurred_at DESC, id DESC LIMIT ${limit}"
        ),
        None => format!("SELECT {LIST_COLUMNS} FROM transactions t WHERE {conditions} {order}"),
    }
}

/// One page, newest first (ties by id, descending): a keyset walk of an index,
/// so a page costs the same at any depth and a cursor survives inserts. The
/// statement checks that `reader` is a member of the family: for anyone else
/// it finds nothing, so a page with rows needs no other check.
pub async fn list(
    mut conn: &AsyncPgConnection,
    family: Uuid,
    reader: UserId,
    filter: &Filter,
) -> Result<Vec<Transaction>, DieselError> {
    let text = list_sql(filter);
    // Without an account or a category the only fitting plan walks
    // `transactions_family_order` whatever the values, so the statement is
    // kept prepared and planned once per connection. With either, the best
    // plan depends on how many rows that account or category has (its own
    // index, or the family's), and a generic plan made from average
    // estimates sorts hundreds of thousands of rows for a large one: those
    // are planned for the values at each use (an unnamed statement).
    let query = if filter.account_id.is_none() && filter.category_id.is_none() {
        db_kit::sql(text)
    } else {
        db_kit::sql_once(text)
    };
    Positional::<_, TransactionTypes>::new(bind_list(query, family, reader, filter))
        .load(&mut conn)
        .await
}

/// Binds in the order [`list_sql`] numbers them, only the filters present.
fn bind_list(
    query: db_kit::Prepared<'static>,
    family: Uuid,
    reader: UserId,
    filter: &Filter,
) -> db_kit::Prepared<'static> {
    let mut query = query
        .bind::<SqlUuid, _>(family)
        .bind::<SqlUuid, _>(reader.0);
    if let Some(account) = filter.account_id {
        query = query.bind::<SqlUuid, _>(account);
    }
    if let Some(category) = filter.category_id {
        query = query.bind::<SqlUuid, _>(category);
    }
    if let Some(kind) = filter.kind {
        query = query.bind::<Text, _>(kind);
    }
    if let Some(from) = filter.from {
        query = query.bind::<Date, _>(from);
    }
    if let Some(to) = filter.to {
        query = query.bind::<Date, _>(to);
    }
    if let Some((at, id)) = filter.after {
        query = query.bind::<Timestamptz, _>(at).bind::<SqlUuid, _>(id);
    }
    query.bind::<BigInt, _>(filter.limit)
}

/// A row of the CSV export. Names are the caller's to resolve, once per
/// download ([`export_names`]), not joined into every row. Read by position
/// (the fields in the order of the statement's select list), not by name.
#[derive(Debug, diesel::Queryable)]
pub struct ExportRow {
    pub id: Uuid,
    pub occurred_at: OffsetDateTime,
    pub local_date: time::Date,
    pub kind: ShortText,
    pub account_id: Uuid,
    pub to_account_id: Option<Uuid>,
    pub category_id: Option<Uuid>,
    pub amount: i64,
    pub currency: ShortText,
    pub to_amount: Option<i64>,
    pub note: Option<String>,
    pub created_by: Uuid,
}

type ExportTypes = (
    SqlUuid,
    Timestamptz,
    Date,
    Text,
    SqlUuid,
    Nullable<SqlUuid>,
    Nullable<SqlUuid>,
    BigInt,
    Text,
    Nullable<BigInt>,
    Nullable<Text>,
    SqlUuid,
);

/// A short text column (a kind, a currency code) read without an allocation
/// of its own: a million rows are two million fewer `String`s.
#[derive(Clone, Copy, diesel::deserialize::FromSqlRow)]
pub struct ShortText {
    bytes: [u8; 15],
    len: u8,
}

impl ShortText {
    pub fn as_str(&self) -> &str {
        // Checked UTF-8 when read, and cut only there.
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or_default()
    }
}

impl std::fmt::Debug for ShortText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.as_str().fmt(f)
    }
}

impl diesel::deserialize::FromSql<Text, diesel::pg::Pg> for ShortText {
    fn from_sql(value: diesel::pg::PgValue<'_>) -> diesel::deserialize::Result<Self> {
        let text = std::str::from_utf8(value.as_bytes())?;
        let mut bytes = [0u8; 15];
        bytes
            .get_mut(..text.len())
            .ok_or("a longer text than a ShortText holds")?
            .copy_from_slice(text.as_bytes());
        Ok(Self {
            bytes,
            len: text.len() as u8,
        })
    }
}

/// A raw SQL statement (`db_kit::sql`, or `sql_query` boxed) whose rows are
/// read by position as `ST`: `sql_query` alone reads each column by looking
/// its name up among the row's.
struct Positional<Q, ST>(Q, std::marker::PhantomData<ST>);

impl<Q, ST> Positional<Q, ST> {
    fn new(query: Q) -> Self {
        Self(query, std::marker::PhantomData)
    }
}

impl<Q, ST> diesel::query_builder::Query for Positional<Q, ST>
where
    ST: diesel::sql_types::SqlType,
{
    type SqlType = ST;
}

impl<Q, ST> diesel::query_builder::QueryId for Positional<Q, ST> {
    type QueryId = ();
    // No static id: a prepared one is cached by its text, as `db_kit::sql` is.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q, ST> diesel::query_builder::QueryFragment<diesel::pg::Pg> for Positional<Q, ST>
where
    Q: diesel::query_builder::QueryFragment<diesel::pg::Pg>,
{
    fn walk_ast<'b>(
        &'b self,
        pass: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>,
    ) -> diesel::QueryResult<()> {
        self.0.walk_ast(pass)
    }

    fn is_safe_to_cache_prepared(&self, backend: &diesel::pg::Pg) -> diesel::QueryResult<bool> {
        self.0.is_safe_to_cache_prepared(backend)
    }
}

/// A row's place in the export's order: `(local_date, occurred_at, id)`.
pub type ExportKey = (time::Date, OffsetDateTime, Uuid);

/// The export's statement over the family's period, rows after `after` (if
/// given) and up to `until` (if given), each bound as the next `$n` after
/// the family and the period's two days; with `skip`, only the row after
/// skipping that many.
fn export_query(
    select: &str,
    skip: Option<i64>,
    family: Uuid,
    (from, to): (time::Date, time::Date),
    after: Option<ExportKey>,
    until: Option<ExportKey>,
) -> db_kit::Prepared<'static> {
    let mut text = format!(
        "SELECT {select} FROM transactions t WHERE t.family_id = $1 AND t.local_date BETWEEN $2 AND $3"
    );
    let mut n = 3;
    for (key, op) in [(after, ">"), (until, "<=")] {
        if key.is_some() {
            text.push_str(&format!(
                " AND (t.local_date, t.occurred_at, t.id) {op} (${}, ${}, ${})",
                n + 1,
                n + 2,
                n + 3
            ));
            n += 3;
        }
    }
    text.push_str(" ORDER BY t.local_date, t.occurred_at, t.id");
    if skip.is_some() {
        text.push_str(&format!(" OFFSET ${} LIMIT 1", n + 1));
    }
    // Each text is one walk of `transactions_family_local_date` in its order,
    // whatever the values: kept prepared.
    let mut query = db_kit::sql(text)
        .bind::<SqlUuid, _>(family)
        .bind::<Date, _>(from)
        .bind::<Date, _>(to);
    for (date, at, id) in [after, until].into_iter().flatten() {
        query = query
            .bind::<Date, _>(date)
            .bind::<Timestamptz, _>(at)
            .bind::<SqlUuid, _>(id);
    }
    match skip {
        Some(skip) => query.bind::<BigInt, _>(skip),
        None => query,
    }
}

/// The key of the `n`th row (from 1) of the export after `after`, or `None`
/// when fewer remain: where a page of `n` rows ends. It reads only the
/// index, so the pages after it can be read while this one is.
pub async fn export_boundary(
    conn: &mut AsyncPgConnection,
    family: Uuid,
    period: (time::Date, time::Date),
    after: Option<ExportKey>,
    n: i32,
) -> Result<Option<ExportKey>, DieselError> {
    let query = export_query(
        "t.local_date, t.occurred_at, t.id",
        Some(i64::from(n.max(1) - 1)),
        family,
        period,
        after,
        None,
    );
    Positional::<_, (Date, Timestamptz, SqlUuid)>::new(query)
        .load::<ExportKey>(conn)
        .await
        .map(|keys| keys.into_iter().next())
}

/// The export's rows after `after` up to and including `until` (the whole
/// period's rest when `None`), oldest first.
pub async fn export_page(
    conn: &mut AsyncPgConnection,
    family: Uuid,
    period: (time::Date, time::Date),
    after: Option<ExportKey>,
    until: Option<ExportKey>,
) -> Result<Vec<ExportRow>, DieselError> {
    let query = export_query(
        "t.id, t.occurred_at, t.local_date, t.kind, t.account_id, t.to_account_id, \
         t.category_id, t.amount, t.currency, t.to_amount, t.note, t.created_by",
        None,
        family,
        period,
        after,
        until,
    );
    Positional::<_, ExportTypes>::new(query).load(conn).await
}

#[derive(Debug, diesel::QueryableByName)]
pub struct AccountName {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Text)]
    pub currency: String,
}

#[derive(Debug, diesel::QueryableByName)]
pub struct CategoryName {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub name: String,
}

/// The names (and an account's currency) of the accounts and categories
/// `accounts` and `categories`, for the export: read once per download.
pub async fn export_names(
    conn: &mut AsyncPgConnection,
    accounts: &[Uuid],
    categories: &[Uuid],
) -> Result<(Vec<AccountName>, Vec<CategoryName>), DieselError> {
    let accounts = if accounts.is_empty() {
        Vec::new()
    } else {
        db_kit::sql("SELECT id, name, currency FROM accounts WHERE id = ANY($1)")
            .bind::<diesel::sql_types::Array<SqlUuid>, _>(accounts)
            .load(conn)
            .await?
    };
    let categories = if categories.is_empty() {
        Vec::new()
    } else {
        db_kit::sql("SELECT id, name FROM categories WHERE id = ANY($1)")
            .bind::<diesel::sql_types::Array<SqlUuid>, _>(categories)
            .load(conn)
            .await?
    };
    Ok((accounts, categories))
}
