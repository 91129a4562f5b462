//! `categories`: how a family sorts its expenses and incomes, as a tree.

use diesel::result::Error as DieselError;
use diesel::sql_types::{Bool, Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::Optional;

#[derive(Debug, Clone, serde::Serialize, diesel::QueryableByName)]
pub struct Category {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub parent_id: Option<Uuid>,
    #[diesel(sql_type = Bool)]
    pub archived: bool,
}

const COLUMNS: &str = "id, name, kind, parent_id, archived";

pub async fn list(
    mut conn: &AsyncPgConnection,
    family: Uuid,
) -> Result<Vec<Category>, DieselError> {
    db_kit::sql(format!(
        "SELECT {COLUMNS} FROM categories WHERE family_id = $1 ORDER BY kind, lower(name), id"
    ))
    .bind::<SqlUuid, _>(family)
    .load(&mut conn)
    .await
}

pub async fn find(
    conn: &AsyncPgConnection,
    family: Uuid,
    id: Uuid,
) -> Result<Option<Category>, DieselError> {
    select_one(conn, family, id, "").await
}

/// [`find`], the row held (`FOR KEY SHARE`) until the transaction ends: it
/// cannot be deleted under a write that uses it, while other writers that
/// use it do not wait.
pub async fn find_in_use(
    conn: &AsyncPgConnection,
    family: Uuid,
    id: Uuid,
) -> Result<Option<Category>, DieselError> {
    select_one(conn, family, id, " FOR KEY SHARE").await
}

async fn select_one(
    mut conn: &AsyncPgConnection,
    family: Uuid,
    id: Uuid,
    lock: &str,
) -> Result<Option<Category>, DieselError> {
    db_kit::sql(format!(
        "SELECT {COLUMNS} FROM categories WHERE family_id = $1 AND id = $2{lock}"
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
    kind: &str,
    parent: Option<Uuid>,
) -> Result<Category, DieselError> {
    db_kit::sql(format!(
        "INSERT INTO categories (id, family_id, name, kind, parent_id) VALUES ($1, $2, $3, $4, $5) RETURNING {COLUMNS}"
    ))
    .bind::<SqlUuid, _>(Uuid::now_v7())
    .bind::<SqlUuid, _>(family)
    .bind::<Text, _>(name)
    .bind::<Text, _>(kind)
    .bind::<Nullable<SqlUuid>, _>(parent)
    .get_result(conn)
    .await
}

/// `parent`: `None` leaves it, `Some(None)` clears it.
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    name: Option<&str>,
    parent: Option<Option<Uuid>>,
    archived: Option<bool>,
) -> Result<Category, DieselError> {
    db_kit::sql(format!(
        "UPDATE categories SET name = coalesce($2, name),
             parent_id = CASE WHEN $3 THEN $4 ELSE parent_id END,
             archived = coalesce($5, archived)
         WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind::<SqlUuid, _>(id)
    .bind::<Nullable<Text>, _>(name)
    .bind::<Bool, _>(parent.is_some())
    .bind::<Nullable<SqlUuid>, _>(parent.flatten())
    .bind::<Nullable<Bool>, _>(archived)
    .execute(conn)
    .await
    .and(Ok(()))?;
    db_kit::sql(format!("SELECT {COLUMNS} FROM categories WHERE id = $1"))
        .bind::<SqlUuid, _>(id)
        .get_result(conn)
        .await
}

/// Takes the family's category tree for this transaction: two re-parentings
/// that would make a cycle together (A under B, B under A) run one after the
/// other, and the second's check (a statement after this one, so a snapshot
/// taken after the first committed) sees the first.
pub async fn lock_tree(conn: &mut AsyncPgConnection, family: Uuid) -> Result<(), DieselError> {
    db_kit::sql("SELECT pg_advisory_xact_lock(hashtextextended('category-tree:' || $1::text, 0))")
        .bind::<SqlUuid, _>(family)
        .execute(conn)
        .await?;
    Ok(())
}

/// Whether `ancestor` is `id` itself or above it in the tree (a new parent
/// that would make a cycle); run after [`lock_tree`].
pub async fn is_ancestor_or_self(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    ancestor: Uuid,
) -> Result<bool, DieselError> {
    #[derive(diesel::QueryableByName)]
    struct Found {
        #[diesel(sql_type = Bool)]
        found: bool,
    }
    let row: Found = db_kit::sql(
        "WITH RECURSIVE up(id, parent_id) AS (
             SELECT id, parent_id FROM categories WHERE id = $2
             UNION SELECT c.id, c.parent_id FROM categories c JOIN up ON c.id = up.parent_id)
         SELECT EXISTS (SELECT 1 FROM up WHERE id = $1) AS found",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<SqlUuid, _>(ancestor)
    .get_result(conn)
    .await?;
    Ok(row.found)
}

/// Deletes a category nothing uses; `Some(false)` when a transaction, a
/// budget or a subcategory does.
pub async fn delete_unused(
    conn: &mut AsyncPgConnection,
    family: Uuid,
    id: Uuid,
) -> Result<Option<bool>, DieselError> {
    #[derive(diesel::QueryableByName)]
    struct Used {
        #[diesel(sql_type = Bool)]
        used: bool,
    }
    // The row is locked first; the uses are read by a second statement, which
    // sees what a writer that held the row committed meanwhile.
    let locked =
        db_kit::sql("SELECT id FROM categories WHERE family_id = $1 AND id = $2 FOR UPDATE")
            .bind::<SqlUuid, _>(family)
            .bind::<SqlUuid, _>(id)
            .execute(conn)
            .await?;
    if locked == 0 {
        return Ok(None);
    }
    let found: Option<Used> = db_kit::sql(
        "SELECT (EXISTS (SELECT 1 FROM transactions WHERE category_id = $1)
              OR EXISTS (SELECT 1 FROM budgets WHERE category_id = $1)
              OR EXISTS (SELECT 1 FROM categories s WHERE s.parent_id = $1)) AS used",
    )
    .bind::<SqlUuid, _>(id)
    .get_result(conn)
    .await
    .optional()?;
    match found {
        None => Ok(None),
        Some(Used { used: true }) => Ok(Some(false)),
        Some(Used { used: false }) => {
            db_kit::sql("DELETE FROM categories WHERE id = $1")
                .bind::<SqlUuid, _>(id)
                .execute(conn)
                .await?;
            Ok(Some(true))
        }
    }
}
