//! `/families`: the families the caller belongs to, and their settings.

use actix_web::{HttpRequest, HttpResponse, web};
use diesel_async::AsyncConnection;
use serde_json::Value;
use service_kit::json::JsonObject;

use super::{FamilyPath, Items, Reply, WriteRequest};
use crate::access::{Authed, Caller, Need};
use crate::body::{self, Fields, Patch};
use crate::db::families::{self, FamilyUpdate, NewFamily};
use crate::domain::TimeZone;
use crate::error::Error;
use crate::state::AppState;

fn time_zone(value: &Value) -> Result<TimeZone, (&'static str, String)> {
    let name = body::string(value)?;
    TimeZone::parse(name).ok_or((
        auth_types::problem::codes::INVALID_VALUE,
        "must be an IANA time zone name, like Europe/Berlin".to_owned(),
    ))
}

/// A zone that PostgreSQL does not know (its database older than ours) is
/// refused like an unknown one.
async fn check_zone(conn: &mut diesel_async::AsyncPgConnection, zone: &str) -> Result<(), Error> {
    if families::zone_is_known(conn, zone).await? {
        Ok(())
    } else {
        Err(Error::field(
            "time_zone",
            auth_types::problem::codes::INVALID_VALUE,
            "is not a time zone this service knows",
        ))
    }
}

const MONTH_START_DAY: std::ops::RangeInclusive<i64> = 1..=28;

/// `GET /families`: the caller's families (the personal one exists by now).
pub async fn list(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, Error> {
    let items = state
        .db
        .run(async |conn| Ok::<_, Error>(families::list_for_user(conn, caller.user_id).await?))
        .await?;
    Ok(HttpResponse::Ok().json(Items { items }))
}

/// `POST /families`: a new family; the caller is its owner.
pub async fn create(
    state: web::Data<AppState>,
    Authed(caller, JsonObject(object)): Authed<JsonObject>,
) -> Result<HttpResponse, Error> {
    let mut fields = Fields::new(object);
    let name = fields.required("name", body::name);
    let currency = fields.required("base_currency", body::currency);
    let zone = fields.optional("time_zone", time_zone);
    let start_day = fields.optional("month_start_day", body::integer_in(MONTH_START_DAY));
    fields.finish()?;
    let (Some(name), Some(currency)) = (name, currency) else {
        return Err(Error::internal("checked fields missing"));
    };
    let zone = zone.unwrap_or_else(|| TimeZone::parse("UTC").unwrap_or_else(|| unreachable!()));
    let display_name = state.profiles.display_name(caller.access_token()).await;
    let new = NewFamily {
        name: &name,
        base_currency: currency,
        time_zone: zone.as_str(),
        month_start_day: start_day.unwrap_or(1) as i16,
    };
    let family = state
        .db
        .run(async |conn| {
            conn.transaction::<_, Error, _>(async |conn| {
                check_zone(conn, new.time_zone).await?;
                Ok(families::create(conn, &new, caller.user_id, display_name.as_deref()).await?)
            })
            .await
        })
        .await?;
    Ok(HttpResponse::Created().json(family))
}

/// `GET /families/{fid}`.
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<FamilyPath>,
) -> Result<HttpResponse, Error> {
    super::read(
        &state,
        &caller,
        &path.fid,
        Need::Reader,
        async |_, scope| Reply::ok(&scope.family),
    )
    .await
}

/// `PATCH /families/{fid}` (owners).
pub async fn update(
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
        Need::Owner,
        request,
        async |conn, scope| {
            let mut fields = Fields::new(object);
            let name = fields.optional("name", body::name);
            let currency = fields.optional("base_currency", body::currency);
            let zone = fields.optional("time_zone", time_zone);
            let start_day = fields.optional("month_start_day", body::integer_in(MONTH_START_DAY));
            for field in ["name", "base_currency", "time_zone", "month_start_day"] {
                if let Patch::Null = fields.patch(field, |_| Ok(())) {
                    fields.fail(
                        field,
                        auth_types::problem::codes::INVALID_VALUE,
                        "cannot be null",
                    );
                }
            }
            fields.finish()?;
            if let Some(zone) = &zone {
                check_zone(conn, zone.as_str()).await?;
            }
            let update = FamilyUpdate {
                name: name.as_deref(),
                base_currency: currency,
                time_zone: zone
                    .as_ref()
                    .map(TimeZone::as_str)
                    .filter(|z| *z != scope.family.time_zone),
                month_start_day: start_day.map(|d| d as i16),
            };
            families::update(conn, scope.family.id, &update).await?;
            let (family, _) = families::find_for_member(conn, scope.family.id, caller.user_id)
                .await?
                .ok_or(Error::NotFound)?;
            Reply::ok(&family)
        },
    )
    .await
}
