//! `budgets`: a monthly limit for an expense category in one currency.

use diesel::result::Error as DieselError;
use diesel::sql_types::{BigInt, Bool, Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::Optional;

#[derive(Debug, Clone, diesel::QueryableByName)]
pub struct Budget {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub category_id: Uuid,
    #[diesel(sql_type = BigInt)]
    pub amount: i64,
    #[diesel(sql_type = Text)]
    pub currency: String,
    #[diesel(sql_type = Bool)]
    pub rollover: bool,
}

const COLUMNS: &str = "id, category_id, amount, currency, rollover";

pub async fn list(mut conn: &AsyncPgConnection, family: Uuid) -> Result<Vec<Budget>, DieselError> {
    db_kit::sql(format!(
        "SELECT {COLUMNS} FROM budgets WHERE family_id = $1 ORDER BY created_at, id"
    ))
    .bind::<SqlUuid, _>(family)
    .load(&mut conn)
    .await
}

pub async fn find(
    mut conn: &AsyncPgConnection,
    family: Uuid,
    id: Uuid,
) -> Result<Option<Budget>, DieselError> {
    db_kit::sql(format!(
        "SELECT {COLUMNS} FROM budgets WHERE family_id = $1 AND id = $2"
    ))
    .bind::<SqlUuid, _>(family)
    .bind::<SqlUuid, _>(id)
    .get_result(&mut conn)
    .await
    .optional()
}

/// The budget of a category in a currency, if it has one, locked for the
/// transaction: concurrent expenses of one budget read the month's spending
/// one after the other, so each threshold is crossed by exactly one of them.
pub async fn lock_for_category(
    mut conn: &AsyncPgConnection,
    category: Uuid,
    currency: &str,
) -> Result<Option<Budget>, DieselError> {
    db_kit::sql(format!(
        "SELECT {COLUMNS} FROM budgets WHERE category_id = $1 AND currency = $2 FOR UPDATE"
    ))
    .bind::<SqlUuid, _>(category)
    .bind::<Text, _>(currency)
    .get_result(&mut conn)
    .await
    .optional()
}

pub async fn create(
    conn: &mut AsyncPgConnection,
    family: Uuid,
    category: Uuid,
    amount: i64,
    currency: &str,
    rollover: bool,
) -> Result<Budget, DieselError> {
    db_kit::sql(format!(
        "INSERT INTO budgets (id, family_id, category_id, amount, currency, rollover)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING {COLUMNS}"
    ))
    .bind::<SqlUuid, _>(Uuid::now_v7())
    .bind::<SqlUuid, _>(family)
    .bind::<SqlUuid, _>(category)
    .bind::<BigInt, _>(amount)
    .bind::<Text, _>(currency)
    .bind::<Bool, _>(rollover)
    .get_result(conn)
    .await
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    category: Option<Uuid>,
    amount: Option<i64>,
    currency: Option<&str>,
    rollover: Option<bool>,
) -> Result<Budget, DieselError> {
    db_kit::sql(format!(
        "UPDATE budgets SET category_id = coalesce($2, category_id), amount = coalesce($3, amount),
             currency = coalesce($4, currency), rollover = coalesce($5, rollover)
         WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind::<SqlUuid, _>(id)
    .bind::<Nullable<SqlUuid>, _>(category)
    .bind::<Nullable<BigInt>, _>(amount)
    .bind::<Nullable<Text>, _>(currency)
    .bind::<Nullable<Bool>, _>(rollover)
    .get_result(conn)
    .await
}

pub async fn delete(
    conn: &mut AsyncPgConnection,
    family: Uuid,
    id: Uuid,
) -> Result<bool, DieselError> {
    let deleted = db_kit::sql("DELETE FROM budgets WHERE family_id = $1 AND id = $2")
        .bind::<SqlUuid, _>(family)
        .bind::<SqlUuid, _>(id)
        .execute(conn)
        .await?;
    Ok(deleted == 1)
}
