//! `user_merges`: the outbox of merged accounts. A merge writes its row in its
//! own transaction; the finance service reads the table and moves the merged
//! user's memberships and records once (docs/architecture.md#linking-a-telegram-identity).

use auth_types::UserId;
use diesel::sql_types::Uuid as SqlUuid;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// Records that `from` was merged into `into`. Call in the merge's transaction.
pub async fn record(
    conn: &mut AsyncPgConnection,
    from: UserId,
    into: UserId,
) -> Result<(), diesel::result::Error> {
    diesel::sql_query("INSERT INTO user_merges (from_user, into_user) VALUES ($1, $2)")
        .bind::<SqlUuid, _>(from.0)
        .bind::<SqlUuid, _>(into.0)
        .execute(conn)
        .await?;
    Ok(())
}
