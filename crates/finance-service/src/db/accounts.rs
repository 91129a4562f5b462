//! `accounts`: where money is kept. `balance` is kept with every write in the
//! same transaction (opening balance + the effect of every transaction), so a
//! balance is one row read; the row lock of `UPDATE … balance = balance + x`
//! keeps it exact under concurrent writers.

use auth_types::UserId;
use diesel::result::Error as DieselError;
use diesel::sql_types::{BigInt, Bool, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use time::OffsetDateTime;
use uuid::Uuid;

use super::Optional;

#[derive(Debug, Clone, diesel::QueryableByName)]
pub struct Account {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Text)]
    pub currency: String,
    #[diesel(sql_type = BigInt)]
    pub opening_balance: i64,
    /// NUMERIC as text: exact.
    #[diesel(sql_type = Text)]
    pub balance: String,
    #[diesel(sql_type = BigInt)]
    pub tx_count: i64,
    #[diesel(sql_type = Bool)]
    pub archived: bool,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: OffsetDateTime,
}

const COLUMNS: &str = "id, name, kind, currency, opening_balance, balance::text AS balance, tx_count, archived, created_at";

pub async fn list(mut conn: &AsyncPgConnection, family: Uuid) -> Result<Vec<Account>, DieselError> {
    db_kit::sql(format!(
        "SELECT {COLUMNS} FROM accounts WHERE family_id = $1 ORDER BY created_at, id"
    ))
    .bind::<SqlUuid, _>(family)
    .load(&mut conn)
    .await
}

/// The family's account `id`; `lock` holds its row for the transaction.
pub async fn find(
    mut conn: &AsyncPgConnection,
    family: Uuid,
    id: Uuid,
    lock: bool,
) -> Result<Option<Account>, DieselError> {
    let lock = if lock { " FOR UPDATE" } else { "" };
    db_kit::sql(format!(
        "SELECT {COLUMNS} FROM accounts WHERE family_id = $1 AND id = $2{lock}"
    ))
    .bind::<SqlUuid, _>(family)
    .bind::<SqlUuid, _>(id)
    .get_result(&mut conn)
    .await
    .optional()
}

/// The family's account `id`, if `reader` is a member of the family: the
/// membership and the row in one statement.
pub async fn find_for_reader(
    mut conn: &AsyncPgConnection,
    family: Uuid,
    id: Uuid,
    reader: UserId,
) -> Result<Option<Account>, DieselError> {
    db_kit::sql(format!(
        "SELECT {COLUMNS} FROM accounts WHERE family_id = $1 AND id = $2 AND {}",
        super::members::reader_of_family(3)
    ))
    .bind::<SqlUuid, _>(family)
    .bind::<SqlUuid, _>(id)
    .bind::<SqlUuid, _>(reader.0)
    .get_result(&mut conn)
    .await
    .optional()
}

pub struct NewAccount<'a> {
    pub name: &'a str,
    pub kind: &'a str,
    pub currency: &'a str,
    pub opening_balance: i64,
}

pub async fn create(
    conn: &mut AsyncPgConnection,
    family: Uuid,
    new: &NewAccount<'_>,
) -> Result<Account, DieselError> {
    db_kit::sql(format!(
        "INSERT INTO accounts (id, family_id, name, kind, currency, opening_balance, balance)
         VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING {COLUMNS}"
    ))
    .bind::<SqlUuid, _>(Uuid::now_v7())
    .bind::<SqlUuid, _>(family)
    .bind::<Text, _>(new.name)
    .bind::<Text, _>(new.kind)
    .bind::<Text, _>(new.currency)
    .bind::<BigInt, _>(new.opening_balance)
    .get_result(conn)
    .await
}

#[derive(Default)]
pub struct AccountUpdate<'a> {
    pub name: Option<&'a str>,
    pub kind: Option<&'a str>,
    pub currency: Option<&'a str>,
    pub opening_balance: Option<i64>,
    pub archived: Option<bool>,
}

/// Applies `update`; a new opening balance moves the balance by the difference.
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    update: &AccountUpdate<'_>,
) -> Result<Account, DieselError> {
    db_kit::sql(format!(
        "UPDATE accounts SET name = coalesce($2, name), kind = coalesce($3, kind),
             currency = coalesce($4, currency),
             balance = balance + (coalesce($5, opening_balance) - opening_balance),
             opening_balance = coalesce($5, opening_balance),
             archived = coalesce($6, archived)
         WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind::<SqlUuid, _>(id)
    .bind::<Nullable<Text>, _>(update.name)
    .bind::<Nullable<Text>, _>(update.kind)
    .bind::<Nullable<Text>, _>(update.currency)
    .bind::<Nullable<BigInt>, _>(update.opening_balance)
    .bind::<Nullable<Bool>, _>(update.archived)
    .get_result(conn)
    .await
}

/// Moves an account's balance by `delta` and its transaction count by `count`.
pub async fn apply(
    mut conn: &AsyncPgConnection,
    id: Uuid,
    delta: i128,
    count: i64,
) -> Result<(), DieselError> {
    db_kit::sql("UPDATE accounts SET balance = balance + $2::numeric, tx_count = tx_count + $3 WHERE id = $1")
        .bind::<SqlUuid, _>(id)
        .bind::<Text, _>(delta.to_string())
        .bind::<BigInt, _>(count)
        .execute(&mut conn)
        .await?;
    Ok(())
}

/// Deletes an account without transactions; `false` when it has some (the
/// count is read under the row lock).
pub async fn delete_unused(
    conn: &mut AsyncPgConnection,
    family: Uuid,
    id: Uuid,
) -> Result<Option<bool>, DieselError> {
    let Some(account) = find(conn, family, id, true).await? else {
        return Ok(None);
    };
    if account.tx_count > 0 {
        return Ok(Some(false));
    }
    db_kit::sql("DELETE FROM accounts WHERE id = $1")
        .bind::<SqlUuid, _>(id)
        .execute(conn)
        .await?;
    Ok(Some(true))
}

/// Locks the family's accounts among `ids` (in id order, so writers never
/// wait on each other in a circle) for the rest of the transaction, and
/// reads them: their currency and archived flag cannot change under a write
/// that uses them, nor can they be deleted. Ids of no account of the family
/// are passed over.
pub async fn lock(
    mut conn: &AsyncPgConnection,
    family: Uuid,
    ids: &[Uuid],
) -> Result<Vec<Account>, DieselError> {
    db_kit::sql(format!(
        "SELECT {COLUMNS} FROM accounts WHERE family_id = $1 AND id = ANY($2) ORDER BY id FOR NO KEY UPDATE"
    ))
    .bind::<SqlUuid, _>(family)
    .bind::<diesel::sql_types::Array<SqlUuid>, _>(ids)
    .load(&mut conn)
    .await
}
