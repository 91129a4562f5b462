//! `/families/{fid}/goals`: saving toward a target, with contributions
//! (negative ones are withdrawals) that earmark money without moving it.

use actix_web::{HttpRequest, HttpResponse, web};
use auth_types::problem::codes;
use money::Currency;
use serde::Serialize;
use serde_json::Value;
use service_kit::json::JsonObject;
use time::OffsetDateTime;
use uuid::Uuid;

use super::accounts::amount_field;
use super::{FamilyPath, ItemPath, Reply, WriteRequest};
use crate::access::{self, Authed, Caller, Need};
use crate::body::{self, Fields, Patch};
use crate::db::{self, goals};
use crate::domain::dates;
use crate::error::Error;
use crate::state::AppState;

#[derive(Serialize)]
struct GoalResponse {
    id: Uuid,
    name: String,
    target: String,
    currency: String,
    deadline: Option<String>,
    saved: String,
    progress_percent: i128,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
}

impl GoalResponse {
    fn from_row(row: goals::Goal) -> Result<Self, Error> {
        let currency = Currency::parse(&row.currency).map_err(Error::internal)?;
        let saved = db::sum(&row.saved)?;
        Ok(Self {
            id: row.id,
            target: money::format_amount(row.target, currency),
            saved: money::format_amount(saved, currency),
            progress_percent: (saved * 100).div_euclid(i128::from(row.target.max(1))),
            deadline: row.deadline.map(dates::format_date),
            name: row.name,
            currency: row.currency,
            created_at: row.created_at,
        })
    }
}

#[derive(Serialize)]
struct ContributionResponse {
    id: Uuid,
    amount: String,
    note: Option<String>,
    created_by: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
}

/// `GET /families/{fid}/goals`.
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<FamilyPath>,
) -> Result<HttpResponse, Error> {
    super::read_list(
        &state,
        &caller,
        &path.fid,
        async |conn, family| goals::list(conn, family).await,
        GoalResponse::from_row,
    )
    .await
}

/// `GET /families/{fid}/goals/{id}`.
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ItemPath>,
) -> Result<HttpResponse, Error> {
    super::read_one(
        &state,
        &caller,
        &path,
        async |conn, family, id| goals::find(conn, family, id, false).await,
        GoalResponse::from_row,
    )
    .await
}

/// `POST /families/{fid}/goals`: `{name, target, currency?, deadline?}`.
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
            let target_text = fields.required("target", body::amount_text);
            let currency = if fields.is_present("currency") {
                fields.required("currency", body::currency)
            } else {
                Some(scope.family.currency()?)
            };
            let deadline = fields.optional("deadline", body::date);
            let target = amount_field(
                &mut fields,
                "target",
                target_text,
                currency,
                money::parse_amount,
            );
            fields.finish()?;
            let (Some(name), Some(target), Some(currency)) = (name, target, currency) else {
                return Err(Error::internal("checked fields missing"));
            };
            let row = goals::create(
                conn,
                scope.family.id,
                &name,
                target,
                currency.code(),
                deadline,
            )
            .await?;
            Reply::created(&GoalResponse::from_row(row)?)
        },
    )
    .await
}

/// `PATCH /families/{fid}/goals/{id}`: name, target, deadline (`null` clears
/// it); the currency never changes.
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
            let goal = goals::find(conn, scope.family.id, id?, true)
                .await?
                .ok_or(Error::NotFound)?;
            let mut fields = Fields::new(object);
            for field in ["name", "target", "currency"] {
                if let Patch::Null = fields.patch(field, |_| Ok(())) {
                    fields.fail(field, codes::INVALID_VALUE, "cannot be null");
                }
            }
            let name = fields.optional("name", body::name);
            if let Some(currency) = fields.optional("currency", body::currency)
                && currency.code() != goal.currency
            {
                fields.fail(
                    "currency",
                    codes::INVALID_VALUE,
                    "a goal's currency never changes",
                );
            }
            let target_text = fields.optional("target", body::amount_text);
            let target = amount_field(
                &mut fields,
                "target",
                target_text,
                Currency::parse(&goal.currency).ok(),
                money::parse_amount,
            );
            let deadline = match fields.patch("deadline", body::date) {
                Patch::Absent => None,
                Patch::Null => Some(None),
                Patch::Value(date) => Some(Some(date)),
            };
            fields.finish()?;
            let row = goals::update(conn, goal.id, name.as_deref(), target, deadline).await?;
            Reply::ok(&GoalResponse::from_row(row)?)
        },
    )
    .await
}

/// `DELETE /families/{fid}/goals/{id}`.
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ItemPath>,
) -> Result<HttpResponse, Error> {
    let id = access::path_id(&path.id);
    super::delete(&state, &caller, &path.fid, async |conn, scope| {
        if goals::delete(conn, scope.family.id, id?).await? {
            Ok(())
        } else {
            Err(Error::NotFound)
        }
    })
    .await
}

/// `POST /families/{fid}/goals/{id}/contributions`: `{amount, note?}`.
pub async fn contribute(
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
    let user = caller.user_id;
    super::write(
        &state,
        &caller,
        &path.fid,
        Need::Writer,
        request,
        async |conn, scope| {
            let goal = goals::find(conn, scope.family.id, id?, true)
                .await?
                .ok_or(Error::NotFound)?;
            let currency = Currency::parse(&goal.currency).map_err(Error::internal)?;
            let mut fields = Fields::new(object);
            let amount_text = fields.required("amount", body::amount_text);
            let note = fields.optional("note", body::note);
            let amount = amount_field(
                &mut fields,
                "amount",
                amount_text,
                Some(currency),
                money::parse_nonzero_amount,
            );
            fields.finish()?;
            let amount = amount.ok_or_else(|| Error::internal("checked fields missing"))?;
            let Some(row) = goals::contribute(conn, goal.id, amount, note.as_deref(), user).await?
            else {
                return Err(Error::field(
                    "amount",
                    codes::INVALID_VALUE,
                    "would take the goal's savings below zero",
                ));
            };
            Reply::created(&ContributionResponse {
                id: row.id,
                amount: money::format_amount(row.amount, currency),
                note: row.note,
                created_by: row.created_by,
                created_at: row.created_at,
            })
        },
    )
    .await
}
