//! `families` and `finance_users`: a family, the caller's role in it, and the
//! personal family every user gets on their first request.

use auth_types::UserId;
use diesel::result::Error as DieselError;
use diesel::sql_types::{Nullable, SmallInt, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use money::Currency;
use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

use super::Optional;
use crate::domain::{CategoryKind, Role};

/// A family as one of its members sees it (`role` is theirs).
#[derive(Debug, Clone, Serialize, diesel::QueryableByName)]
pub struct Family {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Text)]
    pub base_currency: String,
    #[diesel(sql_type = Text)]
    pub time_zone: String,
    #[diesel(sql_type = SmallInt)]
    pub month_start_day: i16,
    #[diesel(sql_type = Text)]
    pub role: String,
    #[diesel(sql_type = Timestamptz)]
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl Family {
    pub fn currency(&self) -> Result<Currency, DieselError> {
        self.base_currency
            .parse()
            .map_err(|e: money::MoneyError| DieselError::DeserializationError(Box::new(e)))
    }

    pub fn start_day(&self) -> u8 {
        u8::try_from(self.month_start_day).unwrap_or(1)
    }

    pub fn zone(&self) -> crate::domain::TimeZone {
        crate::domain::TimeZone::parse(&self.time_zone)
            .or_else(|| crate::domain::TimeZone::parse("UTC"))
            .unwrap_or_else(|| unreachable!("UTC is a time zone"))
    }
}

const SELECT: &str = "SELECT f.id, f.name, f.base_currency, f.time_zone, f.month_start_day, \
     m.role, f.created_at FROM families f JOIN members m ON m.family_id = f.id";

/// How a request holds the family row for the rest of its transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hold {
    /// Reads: no lock.
    Nothing,
    /// Writes of money: the family's settings (its time zone) cannot change
    /// under them; writes do not block each other.
    Share,
    /// Changes of the family itself: alone.
    Exclusive,
}

/// The family and the member's role in it; `None` when not a member.
pub async fn find_for_member(
    conn: &mut AsyncPgConnection,
    family: Uuid,
    user: UserId,
) -> Result<Option<(Family, Role)>, DieselError> {
    find_holding(conn, family, user, Hold::Nothing).await
}

/// [`find_for_member`], holding the family row as `hold` says.
pub async fn find_holding(
    mut conn: &AsyncPgConnection,
    family: Uuid,
    user: UserId,
    hold: Hold,
) -> Result<Option<(Family, Role)>, DieselError> {
    let lock = match hold {
        Hold::Nothing => "",
        Hold::Share => " FOR SHARE OF f",
        Hold::Exclusive => " FOR UPDATE OF f",
    };
    let family: Option<Family> =
        db_kit::sql(format!("{SELECT} WHERE f.id = $1 AND m.user_id = $2{lock}"))
            .bind::<SqlUuid, _>(family)
            .bind::<SqlUuid, _>(user.0)
            .get_result(&mut conn)
            .await
            .optional()?;
    Ok(family.and_then(|f| Role::parse(&f.role).map(|role| (f, role))))
}

/// Every family of the user, oldest first.
pub async fn list_for_user(
    conn: &mut AsyncPgConnection,
    user: UserId,
) -> Result<Vec<Family>, DieselError> {
    db_kit::sql(format!(
        "{SELECT} WHERE m.user_id = $1 ORDER BY f.created_at, f.id"
    ))
    .bind::<SqlUuid, _>(user.0)
    .load(conn)
    .await
}

#[derive(diesel::QueryableByName)]
struct Exists {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    exists: bool,
}

/// Whether the user's personal family was made already.
pub async fn user_is_known(
    conn: &mut AsyncPgConnection,
    user: UserId,
) -> Result<bool, DieselError> {
    let row: Exists =
        db_kit::sql("SELECT EXISTS (SELECT 1 FROM finance_users WHERE user_id = $1) AS exists")
            .bind::<SqlUuid, _>(user.0)
            .get_result(conn)
            .await?;
    Ok(row.exists)
}

/// A family to create.
pub struct NewFamily<'a> {
    pub name: &'a str,
    pub base_currency: Currency,
    pub time_zone: &'a str,
    pub month_start_day: i16,
}

/// Creates a family owned by `owner`, with the default categories. Call in a transaction.
pub async fn create(
    conn: &mut AsyncPgConnection,
    new: &NewFamily<'_>,
    owner: UserId,
    owner_name: Option<&str>,
) -> Result<Family, DieselError> {
    let id = Uuid::now_v7();
    db_kit::sql(
        "INSERT INTO families (id, name, base_currency, time_zone, month_start_day) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<Text, _>(new.name)
    .bind::<Text, _>(new.base_currency.code())
    .bind::<Text, _>(new.time_zone)
    .bind::<SmallInt, _>(new.month_start_day)
    .execute(conn)
    .await?;
    super::members::add(conn, id, owner, Role::Owner, owner_name).await?;
    add_default_categories(conn, id).await?;
    find_for_member(conn, id, owner)
        .await?
        .map(|(family, _)| family)
        .ok_or(DieselError::NotFound)
}

/// The categories a new family starts with.
const DEFAULT_CATEGORIES: &[(CategoryKind, &str)] = &[
    (CategoryKind::Expense, "Groceries"),
    (CategoryKind::Expense, "Eating out"),
    (CategoryKind::Expense, "Housing"),
    (CategoryKind::Expense, "Utilities"),
    (CategoryKind::Expense, "Transport"),
    (CategoryKind::Expense, "Health"),
    (CategoryKind::Expense, "Clothing"),
    (CategoryKind::Expense, "Entertainment"),
    (CategoryKind::Expense, "Education"),
    (CategoryKind::Expense, "Gifts"),
    (CategoryKind::Expense, "Other"),
    (CategoryKind::Income, "Salary"),
    (CategoryKind::Income, "Gifts"),
    (CategoryKind::Income, "Interest"),
    (CategoryKind::Income, "Other"),
];

async fn add_default_categories(
    conn: &mut AsyncPgConnection,
    family: Uuid,
) -> Result<(), DieselError> {
    let ids: Vec<Uuid> = DEFAULT_CATEGORIES.iter().map(|_| Uuid::now_v7()).collect();
    let kinds: Vec<&str> = DEFAULT_CATEGORIES.iter().map(|(k, _)| k.as_str()).collect();
    let names: Vec<&str> = DEFAULT_CATEGORIES.iter().map(|(_, n)| *n).collect();
    db_kit::sql(
        "INSERT INTO categories (id, family_id, kind, name)
         SELECT id, $1, kind, name FROM unnest($2::uuid[], $3::text[], $4::text[]) AS t(id, kind, name)",
    )
    .bind::<SqlUuid, _>(family)
    .bind::<diesel::sql_types::Array<SqlUuid>, _>(ids)
    .bind::<diesel::sql_types::Array<Text>, _>(kinds)
    .bind::<diesel::sql_types::Array<Text>, _>(names)
    .execute(conn)
    .await?;
    Ok(())
}

/// Creates the user's personal family unless they have one. Concurrent first
/// requests wait on the `finance_users` row of the first: one family, once.
pub async fn create_personal(
    conn: &mut AsyncPgConnection,
    user: UserId,
    currency: Currency,
    display_name: Option<&str>,
) -> Result<(), DieselError> {
    conn.transaction::<_, DieselError, _>(async |conn| {
        let family_id = Uuid::now_v7();
        let inserted = db_kit::sql(
            "INSERT INTO finance_users (user_id, personal_family_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind::<SqlUuid, _>(user.0)
        .bind::<SqlUuid, _>(family_id)
        .execute(conn)
        .await?;
        if inserted == 0 {
            return Ok(());
        }
        db_kit::sql(
            "INSERT INTO families (id, name, base_currency, time_zone) VALUES ($1, 'Personal', $2, 'UTC')",
        )
        .bind::<SqlUuid, _>(family_id)
        .bind::<Text, _>(currency.code())
        .execute(conn)
        .await?;
        super::members::add(conn, family_id, user, Role::Owner, display_name).await?;
        add_default_categories(conn, family_id).await
    })
    .await
}

/// Changes to a family; `None` leaves a field as it is.
#[derive(Default)]
pub struct FamilyUpdate<'a> {
    pub name: Option<&'a str>,
    pub base_currency: Option<Currency>,
    pub time_zone: Option<&'a str>,
    pub month_start_day: Option<i16>,
}

/// Applies `update`; a new time zone moves every transaction's local day (and
/// the daily totals) to the new zone. Call in a transaction.
pub async fn update(
    conn: &mut AsyncPgConnection,
    family: Uuid,
    update: &FamilyUpdate<'_>,
) -> Result<(), DieselError> {
    db_kit::sql(
        "UPDATE families SET name = coalesce($2, name), base_currency = coalesce($3, base_currency),
             time_zone = coalesce($4, time_zone), month_start_day = coalesce($5, month_start_day)
         WHERE id = $1",
    )
    .bind::<SqlUuid, _>(family)
    .bind::<Nullable<Text>, _>(update.name)
    .bind::<Nullable<Text>, _>(update.base_currency.map(|c| c.code()))
    .bind::<Nullable<Text>, _>(update.time_zone)
    .bind::<Nullable<SmallInt>, _>(update.month_start_day)
    .execute(conn)
    .await?;
    if let Some(zone) = update.time_zone {
        super::totals::move_to_time_zone(conn, family, zone).await?;
    }
    Ok(())
}

/// Whether PostgreSQL knows the time zone `name` too: local days are computed
/// there (`AT TIME ZONE`), so a zone must be known to both
/// (`time_zone_is_known` tries it on the one zone).
pub async fn zone_is_known(conn: &mut AsyncPgConnection, name: &str) -> Result<bool, DieselError> {
    let row: Exists = db_kit::sql("SELECT time_zone_is_known($1) AS exists")
        .bind::<Text, _>(name)
        .get_result(conn)
        .await?;
    Ok(row.exists)
}
