//! `/families/{fid}/members`: who is in a family, their roles, leaving.
//! A family always keeps an owner.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::Value;
use service_kit::json::JsonObject;

use super::{FamilyPath, ItemPath, Items, Reply, WriteRequest};
use crate::access::{self, Authed, Caller, Need};
use crate::body::{self, Fields};
use crate::db::members;
use crate::domain::Role;
use crate::error::Error;
use crate::state::AppState;

const LAST_OWNER: &str =
    "The family's last owner cannot step down or leave; make another member an owner first.";

/// `GET /families/{fid}/members`.
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<FamilyPath>,
) -> Result<HttpResponse, Error> {
    super::read(
        &state,
        &caller,
        &path.fid,
        Need::Reader,
        async |conn, scope| {
            Reply::ok(&Items {
                items: members::list(conn, scope.family.id).await?,
            })
        },
    )
    .await
}

/// `PATCH /families/{fid}/members/{uid}` (owners): `{role}`.
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
    let user = access::path_id(&path.id);
    super::write(
        &state,
        &caller,
        &path.fid,
        Need::Owner,
        request,
        async |conn, scope| {
            let user = user?;
            let mut fields = Fields::new(object);
            let role = fields.required("role", body::one_of(Role::NAMES));
            fields.finish()?;
            let role = role
                .and_then(Role::parse)
                .ok_or_else(|| Error::internal("checked role"))?;
            let family = scope.family.id;
            // The owners are locked first, so two owners demoting each other at
            // once cannot leave the family without one.
            let owners = members::lock_owners(conn, family).await?;
            let member = members::lock(conn, family, user)
                .await?
                .ok_or(Error::NotFound)?;
            if member.role == Role::Owner.as_str() && role != Role::Owner && owners <= 1 {
                return Err(Error::InUse(LAST_OWNER));
            }
            members::set_role(conn, family, user, role).await?;
            let member = members::lock(conn, family, user)
                .await?
                .ok_or(Error::NotFound)?;
            Reply::ok(&member)
        },
    )
    .await
}

/// `DELETE /families/{fid}/members/{uid}`: an owner removes anyone; a member
/// may leave themself.
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ItemPath>,
) -> Result<HttpResponse, Error> {
    let family = access::path_id(&path.fid)?;
    let me = caller.user_id;
    state
        .db
        .run(async |conn| {
            use diesel_async::AsyncConnection;
            conn.transaction::<_, Error, _>(async |conn| {
                let scope = access::check(conn, family, me, Need::Reader).await?;
                let user = path.id.parse::<uuid::Uuid>().ok();
                if user != Some(me.0) && scope.role != Role::Owner {
                    return Err(Error::Forbidden("Only an owner can remove another member."));
                }
                let user = user.ok_or(Error::NotFound)?;
                let owners = members::lock_owners(conn, family).await?;
                let member = members::lock(conn, family, user)
                    .await?
                    .ok_or(Error::NotFound)?;
                if member.role == Role::Owner.as_str() && owners <= 1 {
                    return Err(Error::InUse(LAST_OWNER));
                }
                members::remove(conn, family, user).await?;
                Ok(())
            })
            .await
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
