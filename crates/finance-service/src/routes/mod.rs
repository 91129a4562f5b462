//! The HTTP API (docs/finance-api.md): one module per resource, and the two
//! ways a request runs in a family — [`read`] and [`write`].
//!
//! Order of checks (the contract's): 413 (middleware) → 401 (the [`Caller`]
//! extractor) → 415 and 400 (the `JsonObject` body) → 404 and 403 (the
//! membership, in the request's transaction) → the idempotency key → 422 (the
//! fields, parsed in the handler's work).

pub mod accounts;
pub mod budgets;
pub mod categories;
pub mod families;
pub mod goals;
pub mod health;
pub mod invites;
pub mod members;
pub mod query;
pub mod reports;
pub mod transactions;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use diesel_async::AsyncPgConnection;
use serde::Serialize;
use serde_json::Value;

use crate::access::{self, Caller, InFamily, Need};
use crate::db;
use crate::error::Error;
use crate::idempotency::{self, Fingerprint, Key, Stored};
use crate::state::AppState;

/// A success answer: its status and JSON body.
pub struct Reply {
    pub status: StatusCode,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn ok(body: &impl Serialize) -> Result<Self, Error> {
        Self::with(StatusCode::OK, body)
    }

    pub fn created(body: &impl Serialize) -> Result<Self, Error> {
        Self::with(StatusCode::CREATED, body)
    }

    pub fn with(status: StatusCode, body: &impl Serialize) -> Result<Self, Error> {
        Ok(Self {
            status,
            body: serde_json::to_vec(body).map_err(Error::internal)?,
        })
    }

    pub fn no_content() -> Self {
        Self {
            status: StatusCode::NO_CONTENT,
            body: Vec::new(),
        }
    }

    fn into_response(self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        if self.status == StatusCode::NO_CONTENT {
            return response.finish();
        }
        response
            .insert_header((header::CONTENT_TYPE, "application/json"))
            .body(self.body)
    }
}

/// `{"items": [...]}`.
#[derive(Serialize)]
pub struct Items<T> {
    pub items: Vec<T>,
}

/// Runs a read in family `family_id` for a caller with at least `need`.
pub async fn read<F>(
    state: &AppState,
    caller: &Caller,
    family_id: &str,
    need: Need,
    work: F,
) -> Result<HttpResponse, Error>
where
    F: AsyncFnOnce(&mut AsyncPgConnection, &InFamily) -> Result<Reply, Error>,
{
    let family_id = access::path_id(family_id)?;
    let reply = state
        .db
        .run(async |conn| {
            let scope = access::check(conn, family_id, caller.user_id, need).await?;
            work(conn, &scope).await
        })
        .await?;
    Ok(reply.into_response())
}

/// Runs a DELETE (writers) in family `family_id` in one database transaction; 204.
pub async fn delete<F>(
    state: &AppState,
    caller: &Caller,
    family_id: &str,
    work: F,
) -> Result<HttpResponse, Error>
where
    F: AsyncFnOnce(&mut AsyncPgConnection, &InFamily) -> Result<(), Error>,
{
    let family_id = access::path_id(family_id)?;
    state
        .db
        .run(async |conn| {
            db::atomically(conn, async |conn| {
                let scope = access::check(conn, family_id, caller.user_id, Need::Writer).await?;
                work(conn, &scope).await
            })
            .await
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A write's request as the idempotency key sees it.
pub struct WriteRequest<'a> {
    pub http: &'a HttpRequest,
    /// The body as sent (`{}` when there was none).
    pub body: &'a Value,
}

/// Runs a write in family `family_id` in one database transaction: the
/// membership and role check, the idempotency key, then `work` (in a
/// savepoint, so a refusal leaves nothing of it behind while the key keeps
/// the refusal).
pub async fn write<F>(
    state: &AppState,
    caller: &Caller,
    family_id: &str,
    need: Need,
    request: WriteRequest<'_>,
    work: F,
) -> Result<HttpResponse, Error>
where
    F: AsyncFnOnce(&mut AsyncPgConnection, &InFamily) -> Result<Reply, Error>,
{
    let family_id = access::path_id(family_id)?;
    let user = caller.user_id;
    // Read before the database work: a malformed key is a 422, but only after
    // the membership and role checks (the contract's order).
    let key = Key::from_request(request.http);
    let fingerprint = Fingerprint::new(request.http, request.body);
    let outcome = state
        .db
        .run(async |conn| {
            db::atomically(conn, async |conn| {
                let scope = access::check(conn, family_id, user, need).await?;
                let Some(key) = key? else {
                    return Ok(Outcome::Fresh(work(conn, &scope).await?));
                };
                if let Some(stored) =
                    idempotency::begin(conn, user, family_id, &key, &fingerprint).await?
                {
                    return Ok(Outcome::Replayed(stored));
                }
                let result = db::in_savepoint(conn, async |conn| work(conn, &scope).await).await;
                match result {
                    Ok(reply) => {
                        let stored = Stored {
                            status: reply.status,
                            body: reply.body,
                        };
                        idempotency::store(conn, user, family_id, &key, &fingerprint, &stored)
                            .await?;
                        Ok(Outcome::Fresh(Reply {
                            status: stored.status,
                            body: stored.body,
                        }))
                    }
                    Err(err) if err.is_client_error() => {
                        let stored = Stored {
                            status: err.parts().0,
                            body: serde_json::to_vec(&err.problem()).map_err(Error::internal)?,
                        };
                        idempotency::store(conn, user, family_id, &key, &fingerprint, &stored)
                            .await?;
                        Ok(Outcome::Refused(err))
                    }
                    Err(err) => Err(err),
                }
            })
            .await
        })
        .await?;
    match outcome {
        Outcome::Fresh(reply) => Ok(reply.into_response()),
        Outcome::Refused(err) => Err(err),
        Outcome::Replayed(stored) => Ok(replay(stored)),
    }
}

enum Outcome {
    Fresh(Reply),
    Refused(Error),
    Replayed(Stored),
}

fn replay(stored: Stored) -> HttpResponse {
    let content_type = if stored.status.is_success() {
        "application/json"
    } else {
        auth_types::problem::PROBLEM_CONTENT_TYPE
    };
    let mut response = HttpResponse::build(stored.status);
    response.insert_header(("Idempotent-Replayed", HeaderValue::from_static("true")));
    if stored.status == StatusCode::NO_CONTENT {
        return response.finish();
    }
    response
        .insert_header((header::CONTENT_TYPE, content_type))
        .body(stored.body)
}

/// `{fid}` of `/families/{fid}/…`.
#[derive(serde::Deserialize)]
pub struct FamilyPath {
    pub fid: String,
}

/// `{fid}` and `{id}` of `/families/{fid}/{resource}/{id}`.
#[derive(serde::Deserialize)]
pub struct ItemPath {
    pub fid: String,
    pub id: String,
}

/// Every route: path, then each method with its handler.
pub fn configure(cfg: &mut web::ServiceConfig) {
    use web::{delete, get, patch, post};
    let resources: Vec<(&str, &'static str, Vec<actix_web::Route>)> = vec![
        ("/health", "GET", vec![get().to(health::live)]),
        ("/health/ready", "GET", vec![get().to(health::ready)]),
        (
            "/api/v1/families",
            "GET, POST",
            vec![get().to(families::list), post().to(families::create)],
        ),
        (
            "/api/v1/families/{fid}",
            "GET, PATCH",
            vec![get().to(families::get), patch().to(families::update)],
        ),
        (
            "/api/v1/families/{fid}/members",
            "GET",
            vec![get().to(members::list)],
        ),
        (
            "/api/v1/families/{fid}/members/{id}",
            "PATCH, DELETE",
            vec![patch().to(members::update), delete().to(members::remove)],
        ),
        (
            "/api/v1/families/{fid}/invites",
            "POST",
            vec![post().to(invites::create)],
        ),
        (
            "/api/v1/invites/{code}/accept",
            "POST",
            vec![post().to(invites::accept)],
        ),
        (
            "/api/v1/families/{fid}/accounts",
            "GET, POST",
            vec![get().to(accounts::list), post().to(accounts::create)],
        ),
        (
            "/api/v1/families/{fid}/accounts/{id}",
            "GET, PATCH, DELETE",
            vec![
                get().to(accounts::get),
                patch().to(accounts::update),
                delete().to(accounts::remove),
            ],
        ),
        (
            "/api/v1/families/{fid}/categories",
            "GET, POST",
            vec![get().to(categories::list), post().to(categories::create)],
        ),
        (
            "/api/v1/families/{fid}/categories/{id}",
            "GET, PATCH, DELETE",
            vec![
                get().to(categories::get),
                patch().to(categories::update),
                delete().to(categories::remove),
            ],
        ),
        (
            "/api/v1/families/{fid}/transactions",
            "GET, POST",
            vec![
                get().to(transactions::list),
                post().to(transactions::create),
            ],
        ),
        (
            "/api/v1/families/{fid}/transactions/{id}",
            "GET, PATCH, DELETE",
            vec![
                get().to(transactions::get),
                patch().to(transactions::update),
                delete().to(transactions::remove),
            ],
        ),
        (
            "/api/v1/families/{fid}/budgets",
            "GET, POST",
            vec![get().to(budgets::list), post().to(budgets::create)],
        ),
        (
            "/api/v1/families/{fid}/budgets/status",
            "GET",
            vec![get().to(budgets::status)],
        ),
        (
            "/api/v1/families/{fid}/budgets/{id}",
            "GET, PATCH, DELETE",
            vec![
                get().to(budgets::get),
                patch().to(budgets::update),
                delete().to(budgets::remove),
            ],
        ),
        (
            "/api/v1/families/{fid}/goals",
            "GET, POST",
            vec![get().to(goals::list), post().to(goals::create)],
        ),
        (
            "/api/v1/families/{fid}/goals/{id}",
            "GET, PATCH, DELETE",
            vec![
                get().to(goals::get),
                patch().to(goals::update),
                delete().to(goals::remove),
            ],
        ),
        (
            "/api/v1/families/{fid}/goals/{id}/contributions",
            "POST",
            vec![post().to(goals::contribute)],
        ),
        (
            "/api/v1/families/{fid}/reports/summary",
            "GET",
            vec![get().to(reports::summary)],
        ),
        (
            "/api/v1/families/{fid}/reports/transactions.csv",
            "GET",
            vec![get().to(reports::csv)],
        ),
    ];
    for (path, allow, routes) in resources {
        let mut resource = web::resource(path);
        for route in routes {
            resource = resource.route(route);
        }
        cfg.service(resource.default_service(web::to(move || async move {
            Err::<HttpResponse, Error>(Error::MethodNotAllowed { allow })
        })));
    }
}

/// Unknown paths: 404 `not_found` as problem+json.
pub async fn not_found() -> Result<HttpResponse, Error> {
    Err(Error::NotFound)
}
