//! The `account_tokens` table: one-time tokens sent by email, stored as SHA-256.

use auth_types::UserId;
use diesel::prelude::*;
use diesel::upsert::excluded;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use time::OffsetDateTime;

use super::schema::account_tokens;
use crate::error::Error;

/// What a token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    VerifyEmail,
    ResetPassword,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::VerifyEmail => "verify_email",
            Self::ResetPassword => "reset_password",
        }
    }
}

/// A token that was live and is now used up.
#[derive(Debug, Clone, Queryable)]
pub struct UsedToken {
    pub user_id: uuid::Uuid,
    pub email: String,
    pub expires_at: OffsetDateTime,
}

/// Stores the hash of a new token for `user`, replacing any older one of the same purpose.
pub async fn replace(
    conn: &mut AsyncPgConnection,
    user: UserId,
    purpose: Purpose,
    token_hash: &[u8],
    email: &str,
    expires_at: OffsetDateTime,
) -> Result<(), Error> {
    diesel::insert_into(account_tokens::table)
        .values((
            account_tokens::token_hash.eq(token_hash),
            account_tokens::user_id.eq(user.0),
            account_tokens::purpose.eq(purpose.as_str()),
            account_tokens::email.eq(email),
            account_tokens::expires_at.eq(expires_at),
        ))
        .on_conflict((account_tokens::user_id, account_tokens::purpose))
        .do_update()
        .set((
            account_tokens::token_hash.eq(excluded(account_tokens::token_hash)),
            account_tokens::email.eq(excluded(account_tokens::email)),
            account_tokens::expires_at.eq(excluded(account_tokens::expires_at)),
            account_tokens::created_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Whether a live token of `purpose` has this hash (a read: nothing is used up).
pub async fn is_live(
    conn: &mut AsyncPgConnection,
    purpose: Purpose,
    token_hash: &[u8],
    now: OffsetDateTime,
) -> Result<bool, Error> {
    Ok(diesel::select(diesel::dsl::exists(
        account_tokens::table
            .filter(account_tokens::token_hash.eq(token_hash))
            .filter(account_tokens::purpose.eq(purpose.as_str()))
            .filter(account_tokens::expires_at.gt(now)),
    ))
    .get_result(conn)
    .await?)
}

/// Uses up the token with this hash: it is deleted whatever happens next, and
/// returned only when it was for `purpose` and has not expired.
pub async fn consume(
    conn: &mut AsyncPgConnection,
    purpose: Purpose,
    token_hash: &[u8],
    now: OffsetDateTime,
) -> Result<Option<UsedToken>, Error> {
    let used: Option<UsedToken> = diesel::delete(
        account_tokens::table
            .filter(account_tokens::token_hash.eq(token_hash))
            .filter(account_tokens::purpose.eq(purpose.as_str())),
    )
    .returning((
        account_tokens::user_id,
        account_tokens::email,
        account_tokens::expires_at,
    ))
    .get_result(conn)
    .await
    .optional()?;
    Ok(used.filter(|t| t.expires_at > now))
}

/// Uses up a token of `purpose` and returns its user, locked for the rest of
/// the transaction; `InvalidCode` unless the token was live and its user still
/// has the address it was sent to (it proves that address, not one set since).
pub async fn redeem(
    conn: &mut AsyncPgConnection,
    purpose: Purpose,
    token_hash: &[u8],
    now: OffsetDateTime,
) -> Result<crate::db::users::User, Error> {
    let used = consume(conn, purpose, token_hash, now)
        .await?
        .ok_or(Error::InvalidCode)?;
    let user = crate::db::users::User::find_for_update(conn, used.user_id.into())
        .await?
        .ok_or(Error::InvalidCode)?;
    if user.email.as_deref() != Some(used.email.as_str()) {
        return Err(Error::InvalidCode);
    }
    Ok(user)
}
