//! `transactions`: each expense, income and transfer. Its effect on account
//! balances and daily totals is applied by `routes::transactions` in the same
//! database transaction.

use diesel::result::Error as DieselError;
use diesel::sql_types::{BigInt, Date, Integer, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use time::OffsetDateTime;
use uuid::Uuid;

use super::Optional;

#[derive(Debug, Clone, diesel::QueryableByName)]
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

/// Inserts a transaction; its local day is `occurred_at` in `time_zone`.
pub async fn insert(
    conn: &mut AsyncPgConnection,
    family: Uuid,
    time_zone: &str,
    fields: &Fields<'_>,
    created_by: Uuid,
) -> Result<Transaction, DieselError> {
    db_kit::sql(format!(
        "WITH t AS (INSERT INTO transactions (id, family_id, kind, account_id, to_account_id, amount, currency,
             to_amount, category_id, occurred_at, local_date, note, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, ($10 AT TIME ZONE $11)::date, $12, $13) RETURNING *)
         SELECT {COLUMNS} FROM t"
    ))
    .bind::<SqlUuid, _>(Uuid::now_v7())
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
    .get_result(conn)
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

/// One page, newest first (ties by id, descending): a keyset walk of an index,
/// so a page costs the same at any depth and a cursor survives inserts.
pub async fn list(
    conn: &mut AsyncPgConnection,
    family: Uuid,
    filter: &Filter,
) -> Result<Vec<Transaction>, DieselError> {
    // Every filter is bound; PostgreSQL plans this unnamed statement for the
    // values given, so an absent filter costs nothing. `account_id` matches
    // either side: two index walks merged.
    let conditions = "t.family_id = $1
        AND ($3::uuid IS NULL OR t.category_id = $3)
        AND ($4::text IS NULL OR t.kind = $4)
        AND ($5::date IS NULL OR t.local_date >= $5)
        AND ($6::date IS NULL OR t.local_date <= $6)
        AND ($7::timestamptz IS NULL OR (t.occurred_at, t.id) < ($7, $8::uuid))
        AND ($5::date IS NULL OR t.occurred_at >= $5::timestamp AT TIME ZONE 'UTC' - interval '1 day')
        AND ($6::date IS NULL OR t.occurred_at < $6::timestamp AT TIME ZONE 'UTC' + interval '2 days')";
    let order = "ORDER BY t.occurred_at DESC, t.id DESC LIMIT $9";
    let query = if filter.account_id.is_some() {
        format!(
            "SELECT * FROM (
                 (SELECT {COLUMNS} FROM transactions t WHERE t.account_id = $2 AND {conditions} {order})
                 UNION ALL
                 (SELECT {COLUMNS} FROM transactions t WHERE t.to_account_id = $2 AND {conditions} {order})
             ) t {}",
            "ORDER BY occurred_at DESC, id DESC LIMIT $9"
        )
    } else {
        format!(
            "SELECT {COLUMNS} FROM transactions t WHERE ($2::uuid IS NULL OR TRUE) AND {conditions} {order}"
        )
    };
    // Planned for the values given each time (an unnamed statement): which
    // filters are present decides the plan.
    diesel::sql_query(query)
        .bind::<SqlUuid, _>(family)
        .bind::<Nullable<SqlUuid>, _>(filter.account_id)
        .bind::<Nullable<SqlUuid>, _>(filter.category_id)
        .bind::<Nullable<Text>, _>(filter.kind)
        .bind::<Nullable<Date>, _>(filter.from)
        .bind::<Nullable<Date>, _>(filter.to)
        .bind::<Nullable<Timestamptz>, _>(filter.after.map(|(at, _)| at))
        .bind::<Nullable<SqlUuid>, _>(filter.after.map(|(_, id)| id))
        .bind::<BigInt, _>(filter.limit)
        .load(conn)
        .await
}

/// A row of the CSV export: names instead of ids.
#[derive(Debug, diesel::QueryableByName)]
pub struct ExportRow {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Timestamptz)]
    pub occurred_at: OffsetDateTime,
    #[diesel(sql_type = Date)]
    pub local_date: time::Date,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Text)]
    pub account: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub to_account: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub category: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub amount: i64,
    #[diesel(sql_type = Text)]
    pub currency: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub to_amount: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    pub to_currency: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub note: Option<String>,
    #[diesel(sql_type = SqlUuid)]
    pub created_by: Uuid,
}

/// The next `limit` rows of the export, oldest first, after `after`
/// (`(local_date, occurred_at, id)` of the last row sent).
pub async fn export_page(
    conn: &mut AsyncPgConnection,
    family: Uuid,
    from: time::Date,
    to: time::Date,
    after: Option<(time::Date, OffsetDateTime, Uuid)>,
    limit: i32,
) -> Result<Vec<ExportRow>, DieselError> {
    diesel::sql_query(
        "SELECT t.id, t.occurred_at, t.local_date, t.kind, a.name AS account, ta.name AS to_account,
                c.name AS category, t.amount, t.currency, t.to_amount, ta.currency AS to_currency,
                t.note, t.created_by
         FROM transactions t
         JOIN accounts a ON a.id = t.account_id
         LEFT JOIN accounts ta ON ta.id = t.to_account_id
         LEFT JOIN categories c ON c.id = t.category_id
         WHERE t.family_id = $1 AND t.local_date BETWEEN $2 AND $3
           AND ($4::date IS NULL OR (t.local_date, t.occurred_at, t.id) > ($4, $5::timestamptz, $6::uuid))
         ORDER BY t.local_date, t.occurred_at, t.id
         LIMIT $7",
    )
    .bind::<SqlUuid, _>(family)
    .bind::<Date, _>(from)
    .bind::<Date, _>(to)
    .bind::<Nullable<Date>, _>(after.map(|a| a.0))
    .bind::<Nullable<Timestamptz>, _>(after.map(|a| a.1))
    .bind::<Nullable<SqlUuid>, _>(after.map(|a| a.2))
    .bind::<Integer, _>(limit)
    .load(conn)
    .await
}
