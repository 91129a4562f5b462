//! `invites`: single-use codes that let a person join a family. Only the
//! code's SHA-256 is stored.

use auth_types::UserId;
use diesel::result::Error as DieselError;
use diesel::sql_types::{Bytea, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use time::OffsetDateTime;
use uuid::Uuid;

use diesel::QueryableByName;

use super::Optional;

#[derive(diesel::QueryableByName)]
pub struct Invite {
    #[diesel(sql_type = SqlUuid)]
    pub family_id: Uuid,
    #[diesel(sql_type = Text)]
    pub role: String,
    #[diesel(sql_type = Timestamptz)]
    pub expires_at: OffsetDateTime,
}

pub async fn create(
    conn: &mut AsyncPgConnection,
    code_hash: &[u8],
    family: Uuid,
    role: &str,
    created_by: UserId,
    expires_at: OffsetDateTime,
) -> Result<(), DieselError> {
    db_kit::sql(
        "INSERT INTO invites (code_hash, family_id, role, created_by, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind::<Bytea, _>(code_hash)
    .bind::<SqlUuid, _>(family)
    .bind::<Text, _>(role)
    .bind::<SqlUuid, _>(created_by.0)
    .bind::<Timestamptz, _>(expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(diesel::QueryableByName)]
struct LockedInvite {
    #[diesel(embed)]
    invite: Invite,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    used: bool,
}

/// The invite behind a code, whatever its state, locked for the transaction
/// (two people accepting one code: the second waits, then finds it used).
pub async fn lock(
    conn: &mut AsyncPgConnection,
    code_hash: &[u8],
) -> Result<Option<(Invite, bool)>, DieselError> {
    let row: Option<LockedInvite> = db_kit::sql(
        "SELECT family_id, role, expires_at, used_at IS NOT NULL AS used FROM invites WHERE code_hash = $1 FOR UPDATE",
    )
    .bind::<Bytea, _>(code_hash)
    .get_result(conn)
    .await
    .optional()?;
    Ok(row.map(|r| (r.invite, r.used)))
}

pub async fn mark_used(
    conn: &mut AsyncPgConnection,
    code_hash: &[u8],
    user: UserId,
) -> Result<(), DieselError> {
    db_kit::sql("UPDATE invites SET used_by = $2, used_at = now() WHERE code_hash = $1")
        .bind::<Bytea, _>(code_hash)
        .bind::<SqlUuid, _>(user.0)
        .execute(conn)
        .await?;
    Ok(())
}
