//! The `users` table.

use auth_types::UserId;
use auth_types::dto::UserResponse;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use time::OffsetDateTime;
use uuid::Uuid;

use super::schema::users;
use crate::error::Error;
use crate::user_cache::UserCache;

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Nullable<diesel::sql_types::Text>) -> diesel::sql_types::Nullable<diesel::sql_types::Text>);

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub struct User {
    pub id: Uuid,
    pub email: Option<String>,
    pub password_hash: Option<String>,
    pub email_verified: bool,
    pub telegram_id: Option<i64>,
    pub telegram_username: Option<String>,
    pub display_name: Option<String>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub id: Uuid,
    pub email: Option<&'a str>,
    pub password_hash: Option<&'a str>,
    pub display_name: Option<&'a str>,
    pub telegram_id: Option<i64>,
    pub telegram_username: Option<&'a str>,
}

impl User {
    pub fn id(&self) -> UserId {
        UserId(self.id)
    }

    pub fn to_response(&self) -> UserResponse {
        UserResponse {
            id: self.id(),
            email: self.email.clone(),
            email_verified: self.email_verified,
            telegram_id: self.telegram_id,
            telegram_username: self.telegram_username.clone(),
            display_name: self.display_name.clone(),
            created_at: self.created_at,
        }
    }

    /// Inserts a user; a taken email comes back as `Error::EmailTaken` (unique index).
    pub async fn insert(conn: &mut AsyncPgConnection, new: NewUser<'_>) -> Result<User, Error> {
        Ok(diesel::insert_into(users::table)
            .values(new)
            .returning(User::as_returning())
            .get_result(conn)
            .await?)
    }

    pub async fn find(conn: &mut AsyncPgConnection, id: UserId) -> Result<Option<User>, Error> {
        Ok(users::table
            .find(id.0)
            .select(User::as_select())
            .first(conn)
            .await
            .optional()?)
    }

    /// Looks up by an already normalised (lower-case) email, through the unique index.
    pub async fn find_by_email(
        conn: &mut AsyncPgConnection,
        email: &str,
    ) -> Result<Option<User>, Error> {
        Ok(users::table
            .filter(lower(users::email).eq(email))
            .select(User::as_select())
            .first(conn)
            .await
            .optional()?)
    }

    pub async fn find_by_telegram_id(
        conn: &mut AsyncPgConnection,
        telegram_id: i64,
    ) -> Result<Option<User>, Error> {
        Ok(users::table
            .filter(users::telegram_id.eq(telegram_id))
            .select(User::as_select())
            .first(conn)
            .await
            .optional()?)
    }

    /// Reads the row, waiting for a transaction that holds it locked to end
    /// (the cache fill relies on this: see [`crate::user_cache`]).
    pub async fn find_for_share(
        conn: &mut AsyncPgConnection,
        id: UserId,
    ) -> Result<Option<User>, Error> {
        Ok(users::table
            .find(id.0)
            .select(User::as_select())
            .for_share()
            .first(conn)
            .await
            .optional()?)
    }

    /// Locks the row for the rest of the transaction.
    pub async fn find_for_update(
        conn: &mut AsyncPgConnection,
        id: UserId,
    ) -> Result<Option<User>, Error> {
        Ok(users::table
            .find(id.0)
            .select(User::as_select())
            .for_update()
            .first(conn)
            .await
            .optional()?)
    }

    /// Locks the row holding `telegram_id`, if any.
    pub async fn find_by_telegram_id_for_update(
        conn: &mut AsyncPgConnection,
        telegram_id: i64,
    ) -> Result<Option<User>, Error> {
        Ok(users::table
            .filter(users::telegram_id.eq(telegram_id))
            .select(User::as_select())
            .for_update()
            .first(conn)
            .await
            .optional()?)
    }

    /// Inserts a Telegram-only user unless the identity already has one
    /// (`None` then: a concurrent request won the race).
    pub async fn insert_if_telegram_absent(
        conn: &mut AsyncPgConnection,
        new: NewUser<'_>,
    ) -> Result<Option<User>, Error> {
        Ok(diesel::insert_into(users::table)
            .values(new)
            .on_conflict(users::telegram_id)
            .do_nothing()
            .returning(User::as_returning())
            .get_result(conn)
            .await
            .optional()?)
    }

    /// Binds a Telegram identity to this user (the caller holds its row locked).
    ///
    /// This and the other writes below take the cache, which they invalidate
    /// after the change: call them inside a transaction, so that a failure
    /// of either rolls both back.
    pub async fn link_telegram(
        conn: &mut AsyncPgConnection,
        cache: &UserCache,
        id: UserId,
        telegram_id: i64,
        telegram_username: Option<&str>,
        display_name: Option<&str>,
    ) -> Result<User, Error> {
        let user = diesel::update(users::table.find(id.0))
            .set((
                users::telegram_id.eq(telegram_id),
                users::telegram_username.eq(telegram_username),
                users::display_name.eq(display_name),
            ))
            .returning(User::as_returning())
            .get_result(conn)
            .await?;
        cache.invalidate(id).await?;
        Ok(user)
    }

    /// Unbinds the user's Telegram identity (the caller holds its row locked).
    pub async fn unlink_telegram(
        conn: &mut AsyncPgConnection,
        cache: &UserCache,
        id: UserId,
    ) -> Result<(), Error> {
        diesel::update(users::table.find(id.0))
            .set((
                users::telegram_id.eq(None::<i64>),
                users::telegram_username.eq(None::<String>),
            ))
            .execute(conn)
            .await?;
        cache.invalidate(id).await
    }

    pub async fn delete(
        conn: &mut AsyncPgConnection,
        cache: &UserCache,
        id: UserId,
    ) -> Result<(), Error> {
        diesel::delete(users::table.find(id.0))
            .execute(conn)
            .await?;
        cache.invalidate(id).await
    }

    pub async fn mark_email_verified(
        conn: &mut AsyncPgConnection,
        cache: &UserCache,
        id: UserId,
    ) -> Result<User, Error> {
        let user = diesel::update(users::table.find(id.0))
            .set(users::email_verified.eq(true))
            .returning(User::as_returning())
            .get_result(conn)
            .await?;
        cache.invalidate(id).await?;
        Ok(user)
    }

    /// Sets a new password hash; a reset also proves the address, so it can mark it verified.
    pub async fn set_password(
        conn: &mut AsyncPgConnection,
        cache: &UserCache,
        id: UserId,
        password_hash: &str,
        verify_email: bool,
    ) -> Result<(), Error> {
        let target = users::table.find(id.0);
        if verify_email {
            diesel::update(target)
                .set((
                    users::password_hash.eq(password_hash),
                    users::email_verified.eq(true),
                ))
                .execute(conn)
                .await?;
        } else {
            diesel::update(target)
                .set(users::password_hash.eq(password_hash))
                .execute(conn)
                .await?;
        }
        cache.invalidate(id).await
    }
}
