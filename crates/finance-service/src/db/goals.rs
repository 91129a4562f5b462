//! `goals` and `goal_contributions`: money set aside toward a target. A
//! contribution earmarks money; it moves no account balance.

use auth_types::UserId;
use diesel::result::Error as DieselError;
use diesel::sql_types::{BigInt, Bool, Date, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use time::OffsetDateTime;
use uuid::Uuid;

use super::Optional;

#[derive(Debug, Clone, diesel::QueryableByName)]
pub struct Goal {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = BigInt)]
    pub target: i64,
    #[diesel(sql_type = Text)]
    pub currency: String,
    #[diesel(sql_type = Nullable<Date>)]
    pub deadline: Option<time::Date>,
    #[diesel(sql_type = Text)]
    pub saved: String,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: OffsetDateTime,
}

const COLUMNS: &str = "id, name, target, currency, deadline, saved::text AS saved, created_at";

pub async fn list(mut conn: &AsyncPgConnection, family: Uuid) -> Result<Vec<Goal>, DieselError> {
    db_kit::sql(format!(
        "SELECT {COLUMNS} FROM goals WHERE family_id = $1 ORDER BY created_at, id"
    ))
    .bind::<SqlUuid, _>(family)
    .load(&mut conn)
    .await
}

pub async fn find(
    mut conn: &AsyncPgConnection,
    family: Uuid,
    id: Uuid,
    lock: bool,
) -> Result<Option<Goal>, DieselError> {
    let lock = if lock { " FOR UPDATE" } else { "" };
    db_kit::sql(format!(
        "SELECT {COLUMNS} FROM goals WHERE family_id = $1 AND id = $2{lock}"
    ))
    .bind::<SqlUuid, _>(family)
    .bind::<SqlUuid, _>(id)
    .get_result(&mut conn)
    .await
    .optional()
}

pub async fn create(
    conn: &mut AsyncPgConnection,
    family: Uuid,
    name: &str,
    target: i64,
    currency: &str,
    deadline: Option<time::Date>,
) -> Result<Goal, DieselError> {
    db_kit::sql(format!(
        "INSERT INTO goals (id, family_id, name, target, currency, deadline)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING {COLUMNS}"
    ))
    .bind::<SqlUuid, _>(Uuid::now_v7())
    .bind::<SqlUuid, _>(family)
    .bind::<Text, _>(name)
    .bind::<BigInt, _>(target)
    .bind::<Text, _>(currency)
    .bind::<Nullable<Date>, _>(deadline)
    .get_result(conn)
    .await
}

/// `deadline`: `None` leaves it, `Some(None)` clears it.
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    name: Option<&str>,
    target: Option<i64>,
    deadline: Option<Option<time::Date>>,
) -> Result<Goal, DieselError> {
    db_kit::sql(format!(
        "UPDATE goals SET name = coalesce($2, name), target = coalesce($3, target),
             deadline = CASE WHEN $4 THEN $5 ELSE deadline END
         WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind::<SqlUuid, _>(id)
    .bind::<Nullable<Text>, _>(name)
    .bind::<Nullable<BigInt>, _>(target)
    .bind::<Bool, _>(deadline.is_some())
    .bind::<Nullable<Date>, _>(deadline.flatten())
    .get_result(conn)
    .await
}

pub async fn delete(
    conn: &mut AsyncPgConnection,
    family: Uuid,
    id: Uuid,
) -> Result<bool, DieselError> {
    let deleted = db_kit::sql("DELETE FROM goals WHERE family_id = $1 AND id = $2")
        .bind::<SqlUuid, _>(family)
        .bind::<SqlUuid, _>(id)
        .execute(conn)
        .await?;
    Ok(deleted == 1)
}

#[derive(Debug, Clone, diesel::QueryableByName)]
pub struct Contribution {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = BigInt)]
    pub amount: i64,
    #[diesel(sql_type = Nullable<Text>)]
    pub note: Option<String>,
    #[diesel(sql_type = SqlUuid)]
    pub created_by: Uuid,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: OffsetDateTime,
}

/// Records a contribution and moves `saved`; `None` when it would take
/// `saved` below zero (the goal's row is locked by the caller's `find`).
pub async fn contribute(
    conn: &mut AsyncPgConnection,
    goal: Uuid,
    amount: i64,
    note: Option<&str>,
    by: UserId,
) -> Result<Option<Contribution>, DieselError> {
    let moved =
        db_kit::sql("UPDATE goals SET saved = saved + $2 WHERE id = $1 AND saved + $2 >= 0")
            .bind::<SqlUuid, _>(goal)
            .bind::<BigInt, _>(amount)
            .execute(conn)
            .await?;
    if moved == 0 {
        return Ok(None);
    }
    db_kit::sql(
        "INSERT INTO goal_contributions (id, goal_id, amount, note, created_by) VALUES ($1, $2, $3, $4, $5)
         RETURNING id, amount, note, created_by, created_at",
    )
    .bind::<SqlUuid, _>(Uuid::now_v7())
    .bind::<SqlUuid, _>(goal)
    .bind::<BigInt, _>(amount)
    .bind::<Nullable<Text>, _>(note)
    .bind::<SqlUuid, _>(by.0)
    .get_result(conn)
    .await
    .map(Some)
}
