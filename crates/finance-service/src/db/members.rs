//! `members`: who is in a family, and with which role.

use auth_types::UserId;
use diesel::result::Error as DieselError;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

use super::Optional;
use crate::domain::Role;

#[derive(Debug, Clone, Serialize, diesel::QueryableByName)]
pub struct Member {
    #[diesel(sql_type = SqlUuid)]
    pub user_id: Uuid,
    #[diesel(sql_type = Nullable<Text>)]
    pub display_name: Option<String>,
    #[diesel(sql_type = Text)]
    pub role: String,
    #[diesel(sql_type = Timestamptz)]
    #[serde(with = "time::serde::rfc3339")]
    pub joined_at: OffsetDateTime,
}

/// The condition that the user bound as `$user_param` is a member of family
/// `$1` (any role), for a read that checks the membership in its own
/// statement: it finds nothing for anyone else.
pub fn reader_of_family(user_param: usize) -> String {
    format!("EXISTS (SELECT 1 FROM members m WHERE m.family_id = $1 AND m.user_id = ${user_param})")
}

/// Adds a member; a member already there keeps their role.
pub async fn add(
    conn: &mut AsyncPgConnection,
    family: Uuid,
    user: UserId,
    role: Role,
    display_name: Option<&str>,
) -> Result<bool, DieselError> {
    let added = db_kit::sql(
        "INSERT INTO members (family_id, user_id, role, display_name) VALUES ($1, $2, $3, $4)
         ON CONFLICT (family_id, user_id) DO NOTHING",
    )
    .bind::<SqlUuid, _>(family)
    .bind::<SqlUuid, _>(user.0)
    .bind::<Text, _>(role.as_str())
    .bind::<Nullable<Text>, _>(display_name)
    .execute(conn)
    .await?;
    Ok(added == 1)
}

pub async fn list(conn: &mut AsyncPgConnection, family: Uuid) -> Result<Vec<Member>, DieselError> {
    db_kit::sql(
        "SELECT user_id, display_name, role, joined_at FROM members WHERE family_id = $1 ORDER BY joined_at, user_id",
    )
    .bind::<SqlUuid, _>(family)
    .load(conn)
    .await
}

/// The member, with their row locked for the rest of the transaction.
pub async fn lock(
    conn: &mut AsyncPgConnection,
    family: Uuid,
    user: Uuid,
) -> Result<Option<Member>, DieselError> {
    db_kit::sql(
        "SELECT user_id, display_name, role, joined_at FROM members WHERE family_id = $1 AND user_id = $2 FOR UPDATE",
    )
    .bind::<SqlUuid, _>(family)
    .bind::<SqlUuid, _>(user)
    .get_result(conn)
    .await
    .optional()
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

/// How many owners the family has, with their rows locked: two owners
/// stepping down at once cannot both pass the "another owner remains" check.
pub async fn lock_owners(conn: &mut AsyncPgConnection, family: Uuid) -> Result<i64, DieselError> {
    let rows: Vec<Count> = db_kit::sql(
        "SELECT 1::bigint AS count FROM members WHERE family_id = $1 AND role = 'owner' FOR UPDATE",
    )
    .bind::<SqlUuid, _>(family)
    .load(conn)
    .await?;
    Ok(rows.iter().map(|c| c.count).sum())
}

pub async fn set_role(
    conn: &mut AsyncPgConnection,
    family: Uuid,
    user: Uuid,
    role: Role,
) -> Result<(), DieselError> {
    db_kit::sql("UPDATE members SET role = $3 WHERE family_id = $1 AND user_id = $2")
        .bind::<SqlUuid, _>(family)
        .bind::<SqlUuid, _>(user)
        .bind::<Text, _>(role.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn remove(
    conn: &mut AsyncPgConnection,
    family: Uuid,
    user: Uuid,
) -> Result<(), DieselError> {
    db_kit::sql("DELETE FROM members WHERE family_id = $1 AND user_id = $2")
        .bind::<SqlUuid, _>(family)
        .bind::<SqlUuid, _>(user)
        .execute(conn)
        .await?;
    Ok(())
}
