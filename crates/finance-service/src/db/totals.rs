//! `daily_totals`: incomes and expenses summed per family, local day,
//! category and currency, moved in the same transaction as every transaction
//! write. Budgets and reports read these (a month is at most 31 rows per
//! category), never the transactions themselves.

use diesel::result::Error as DieselError;
use diesel::sql_types::{Array, Date, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// One category's movement on one day.
pub struct Delta<'a> {
    pub family: Uuid,
    pub local_date: time::Date,
    pub category: Uuid,
    pub currency: &'a str,
    pub amount: i128,
}

/// Adds `delta.amount` (negative to take away) to its day's total.
pub async fn add(mut conn: &AsyncPgConnection, delta: &Delta<'_>) -> Result<(), DieselError> {
    db_kit::sql(
        "INSERT INTO daily_totals (family_id, local_date, category_id, currency, total)
         VALUES ($1, $2, $3, $4, $5::numeric)
         ON CONFLICT (family_id, local_date, category_id, currency)
         DO UPDATE SET total = daily_totals.total + EXCLUDED.total",
    )
    .bind::<SqlUuid, _>(delta.family)
    .bind::<Date, _>(delta.local_date)
    .bind::<SqlUuid, _>(delta.category)
    .bind::<Text, _>(delta.currency)
    .bind::<Text, _>(delta.amount.to_string())
    .execute(&mut conn)
    .await?;
    Ok(())
}

/// A category's total in one currency over a period.
#[derive(Debug, Clone, diesel::QueryableByName)]
pub struct CategoryTotal {
    #[diesel(sql_type = SqlUuid)]
    pub category_id: Uuid,
    #[diesel(sql_type = Text)]
    pub currency: String,
    #[diesel(sql_type = Text)]
    pub total: String,
}

/// The totals of `categories` (all of the family's when empty) from `from`
/// to `to` (local days, inclusive), per category and currency.
pub async fn between(
    mut conn: &AsyncPgConnection,
    family: Uuid,
    categories: &[Uuid],
    from: time::Date,
    to: time::Date,
) -> Result<Vec<CategoryTotal>, DieselError> {
    db_kit::sql(
        "SELECT category_id, currency, sum(total)::text AS total FROM daily_totals
         WHERE family_id = $1 AND local_date BETWEEN $2 AND $3
           AND (cardinality($4::uuid[]) = 0 OR category_id = ANY($4))
         GROUP BY category_id, currency",
    )
    .bind::<SqlUuid, _>(family)
    .bind::<Date, _>(from)
    .bind::<Date, _>(to)
    .bind::<Array<SqlUuid>, _>(categories)
    .load(&mut conn)
    .await
}

/// What one category spent in one currency in a month (`from`..`to`) and in
/// the month before it (`before_from` up to `from`): one walk of the
/// category's own index, however many categories the family has.
#[derive(Debug, Clone, diesel::QueryableByName)]
pub struct MonthAndBefore {
    #[diesel(sql_type = Text)]
    pub month: String,
    #[diesel(sql_type = Text)]
    pub before: String,
}

pub async fn month_and_before(
    mut conn: &AsyncPgConnection,
    category: Uuid,
    currency: &str,
    before_from: time::Date,
    from: time::Date,
    to: time::Date,
) -> Result<MonthAndBefore, DieselError> {
    db_kit::sql(
        "SELECT coalesce(sum(total) FILTER (WHERE local_date >= $4), 0)::text AS month,
                coalesce(sum(total) FILTER (WHERE local_date < $4), 0)::text AS before
         FROM daily_totals
         WHERE category_id = $1 AND currency = $2 AND local_date BETWEEN $3 AND $5",
    )
    .bind::<SqlUuid, _>(category)
    .bind::<Text, _>(currency)
    .bind::<Date, _>(before_from)
    .bind::<Date, _>(from)
    .bind::<Date, _>(to)
    .get_result(&mut conn)
    .await
}

/// After a family changes its time zone: every transaction's local day and
/// the daily totals, again in the new zone (one statement each).
pub async fn move_to_time_zone(
    conn: &mut AsyncPgConnection,
    family: Uuid,
    zone: &str,
) -> Result<(), DieselError> {
    db_kit::sql(
        "UPDATE transactions SET local_date = (occurred_at AT TIME ZONE $2)::date
         WHERE family_id = $1 AND local_date <> (occurred_at AT TIME ZONE $2)::date",
    )
    .bind::<SqlUuid, _>(family)
    .bind::<Text, _>(zone)
    .execute(conn)
    .await?;
    db_kit::sql("DELETE FROM daily_totals WHERE family_id = $1")
        .bind::<SqlUuid, _>(family)
        .execute(conn)
        .await?;
    db_kit::sql(
        "INSERT INTO daily_totals (family_id, local_date, category_id, currency, total)
         SELECT family_id, local_date, category_id, currency, sum(amount)
         FROM transactions WHERE family_id = $1 AND category_id IS NOT NULL
         GROUP BY family_id, local_date, category_id, currency",
    )
    .bind::<SqlUuid, _>(family)
    .execute(conn)
    .await?;
    Ok(())
}
