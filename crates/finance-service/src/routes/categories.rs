//! `/families/{fid}/categories`: how the family sorts expenses and incomes,
//! as a tree whose branches share one kind.

use actix_web::{HttpRequest, HttpResponse, web};
use auth_types::problem::codes;
use diesel_async::AsyncPgConnection;
use serde_json::Value;
use service_kit::json::JsonObject;

use super::{FamilyPath, ItemPath, Reply, WriteRequest};
use crate::access::{self, Authed, Caller, Need};
use crate::body::{self, Fields, Patch};
use crate::db::categories::{self, Category};
use crate::domain::CategoryKind;
use crate::error::Error;
use crate::state::AppState;

/// `GET /families/{fid}/categories`.
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<FamilyPath>,
) -> Result<HttpResponse, Error> {
    super::read_list(
        &state,
        &caller,
        &path.fid,
        async |conn, family| categories::list(conn, family).await,
        Ok,
    )
    .await
}

/// `GET /families/{fid}/categories/{id}`.
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ItemPath>,
) -> Result<HttpResponse, Error> {
    super::read_one(
        &state,
        &caller,
        &path,
        async |conn, family, id| categories::find(conn, family, id).await,
        Ok,
    )
    .await
}

/// A family's category named in a body's `field`, of `kind` when given; a
/// failure is recorded on the field (another family's id reads as unknown).
pub async fn category_field(
    conn: &mut AsyncPgConnection,
    fields: &mut Fields,
    family: uuid::Uuid,
    field: &str,
    id: Option<uuid::Uuid>,
    kind: Option<&str>,
) -> Result<Option<Category>, Error> {
    let Some(id) = id else { return Ok(None) };
    let found = categories::find(conn, family, id).await?;
    Ok(checked_category(fields, field, found, kind))
}

/// The category found for a body's `field` (see [`category_field`]), when
/// it is of `kind`; a failure is recorded on the field.
pub fn checked_category(
    fields: &mut Fields,
    field: &str,
    found: Option<Category>,
    kind: Option<&str>,
) -> Option<Category> {
    match found {
        None => {
            fields.fail(
                field,
                codes::INVALID_VALUE,
                "is not a category of this family",
            );
            None
        }
        Some(category) if kind.is_some_and(|k| k != category.kind) => {
            fields.fail(
                field,
                codes::INVALID_VALUE,
                format!("must be a category of kind {}", kind.unwrap_or_default()),
            );
            None
        }
        Some(category) => Some(category),
    }
}

/// `POST /families/{fid}/categories`: `{name, kind, parent_id?}`.
pub async fn create(
    state: web::Data<AppState>,
    path: web::Path<FamilyPath>,
    req: HttpRequest,
    Authed(caller, JsonObject(object)): Authed<JsonObject>,
) -> Result<HttpResponse, Error> {
    let body = Value::Object(object.clone());
    let request = WriteRequest {
        http: &req,
        body: &body,
    };
    super::write(
        &state,
        &caller,
        &path.fid,
        Need::Writer,
        request,
        async |conn, scope| {
            let mut fields = Fields::new(object);
            let name = fields.required("name", body::name);
            let kind = fields.required("kind", body::one_of(CategoryKind::NAMES));
            let parent_id = fields.optional("parent_id", body::uuid);
            let parent = category_field(
                conn,
                &mut fields,
                scope.family.id,
                "parent_id",
                parent_id,
                kind,
            )
            .await?;
            fields.finish()?;
            let (Some(name), Some(kind)) = (name, kind) else {
                return Err(Error::internal("checked fields missing"));
            };
            let category =
                categories::create(conn, scope.family.id, &name, kind, parent.map(|p| p.id))
                    .await?;
            Reply::created(&category)
        },
    )
    .await
}

/// `PATCH /families/{fid}/categories/{id}`: name, parent, archived; the kind never changes.
pub async fn update(
    state: web::Data<AppState>,
    path: web::Path<ItemPath>,
    req: HttpRequest,
    Authed(caller, JsonObject(object)): Authed<JsonObject>,
) -> Result<HttpResponse, Error> {
    let body = Value::Object(object.clone());
    let request = WriteRequest {
        http: &req,
        body: &body,
    };
    let id = access::path_id(&path.id);
    super::write(
        &state,
        &caller,
        &path.fid,
        Need::Writer,
        request,
        async |conn, scope| {
            let family = scope.family.id;
            let category = categories::find(conn, family, id?)
                .await?
                .ok_or(Error::NotFound)?;
            let mut fields = Fields::new(object);
            let name = fields.optional("name", body::name);
            let archived = fields.optional("archived", body::boolean);
            let kind = fields.optional("kind", body::one_of(CategoryKind::NAMES));
            if kind.is_some_and(|k| k != category.kind) {
                fields.fail(
                    "kind",
                    codes::INVALID_VALUE,
                    "a category's kind never changes",
                );
            }
            for field in ["name", "archived", "kind"] {
                if let Patch::Null = fields.patch(field, |_| Ok(())) {
                    fields.fail(field, codes::INVALID_VALUE, "cannot be null");
                }
            }
            let parent = match fields.patch("parent_id", body::uuid) {
                Patch::Absent => None,
                Patch::Null => Some(None),
                Patch::Value(parent_id) => {
                    let parent = category_field(
                        conn,
                        &mut fields,
                        family,
                        "parent_id",
                        Some(parent_id),
                        Some(&category.kind),
                    )
                    .await?;
                    if parent.is_some() {
                        categories::lock_tree(conn, family).await?;
                    }
                    if parent.is_some()
                        && categories::is_ancestor_or_self(conn, category.id, parent_id).await?
                    {
                        fields.fail(
                            "parent_id",
                            codes::INVALID_VALUE,
                            "cannot be the category itself or one below it",
                        );
                    }
                    Some(parent.map(|p| p.id))
                }
            };
            fields.finish()?;
            let category =
                categories::update(conn, category.id, name.as_deref(), parent, archived).await?;
            Reply::ok(&category)
        },
    )
    .await
}

/// `DELETE /families/{fid}/categories/{id}`: only one nothing uses.
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ItemPath>,
) -> Result<HttpResponse, Error> {
    let id = access::path_id(&path.id);
    super::delete(
        &state,
        &caller,
        &path.fid,
        async |conn, scope| match categories::delete_unused(conn, scope.family.id, id?).await? {
            None => Err(Error::NotFound),
            Some(false) => Err(Error::InUse(
                "A transaction, a budget or a subcategory uses this category; archive it instead.",
            )),
            Some(true) => Ok(()),
        },
    )
    .await
}
