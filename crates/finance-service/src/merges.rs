//! Merged Telegram accounts. When the auth service merges a Telegram-only user
//! into another user (`telegram/confirm`), it writes a row to its `user_merges`
//! outbox in the same database transaction as the merge. This service applies
//! each row once: in one transaction it records the row in `applied_merges`
//! (the primary key makes a second replica, or a second pass, a no-op) and
//! moves the merged user's memberships and records to the user it became.
//! Rows written while this service was down are applied when it is back.

use std::time::Duration;

use diesel::result::Error as DieselError;
use diesel::sql_types::{BigInt, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::error::Error;
use crate::state::AppState;

/// How often the outbox is read.
const POLL_EVERY: Duration = Duration::from_millis(500);

#[derive(Debug, diesel::QueryableByName)]
struct Merge {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = SqlUuid)]
    from_user: Uuid,
    #[diesel(sql_type = SqlUuid)]
    into_user: Uuid,
}

/// Applies the merges not applied yet; returns how many this call applied.
pub async fn apply_pending(state: &AppState) -> Result<usize, Error> {
    let pending: Vec<Merge> = state
        .db
        .run(async |conn| {
            Ok::<_, Error>(
                db_kit::sql(
                    "SELECT m.id, m.from_user, m.into_user FROM user_merges m
                     WHERE NOT EXISTS (SELECT 1 FROM applied_merges a WHERE a.merge_id = m.id)
                     ORDER BY m.id LIMIT 100",
                )
                .load(conn)
                .await?,
            )
        })
        .await?;
    let mut applied = 0;
    for merge in pending {
        let done = state
            .db
            .run(async |conn| {
                conn.transaction::<_, Error, _>(async |conn| Ok(apply(conn, &merge).await?))
                    .await
            })
            .await?;
        if done {
            applied += 1;
            state.forget(auth_types::UserId(merge.from_user));
            tracing::info!(merge_id = merge.id, from_user = %merge.from_user, into_user = %merge.into_user, "merged user's finances moved");
        }
    }
    Ok(applied)
}

/// One merge, in the caller's transaction; `false` when it was applied before.
async fn apply(conn: &mut AsyncPgConnection, merge: &Merge) -> Result<bool, DieselError> {
    let claimed =
        db_kit::sql("INSERT INTO applied_merges (merge_id) VALUES ($1) ON CONFLICT DO NOTHING")
            .bind::<BigInt, _>(merge.id)
            .execute(conn)
            .await?;
    if claimed == 0 {
        return Ok(false);
    }
    let statements = [
        // Where both were members, the higher role stays with the survivor.
        "UPDATE members i SET role = f.role FROM members f
         WHERE f.user_id = $1 AND i.user_id = $2 AND i.family_id = f.family_id
           AND array_position(ARRAY['viewer', 'member', 'owner'], f.role)
             > array_position(ARRAY['viewer', 'member', 'owner'], i.role)",
        "DELETE FROM members f USING members i
         WHERE f.user_id = $1 AND i.user_id = $2 AND i.family_id = f.family_id",
        "UPDATE members SET user_id = $2 WHERE user_id = $1",
        "UPDATE transactions SET created_by = $2 WHERE created_by = $1",
        "UPDATE goal_contributions SET created_by = $2 WHERE created_by = $1",
        "UPDATE invites SET created_by = $2 WHERE created_by = $1",
        "UPDATE invites SET used_by = $2 WHERE used_by = $1",
        "DELETE FROM idempotency_keys WHERE user_id = $1",
        // The survivor keeps their own personal family; the merged user's
        // stays as one more family of theirs.
        "DELETE FROM finance_users WHERE user_id = $1",
    ];
    for statement in statements {
        db_kit::sql(statement)
            .bind::<SqlUuid, _>(merge.from_user)
            .bind::<SqlUuid, _>(merge.into_user)
            .execute(conn)
            .await?;
    }
    Ok(true)
}

/// Reads the outbox every [`POLL_EVERY`] for as long as the returned task runs.
pub fn watch(state: actix_web::web::Data<AppState>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(err) = apply_pending(&state).await {
                tracing::warn!(error = %err, "merges not applied yet; retrying");
            }
            tokio::time::sleep(POLL_EVERY).await;
        }
    })
}
