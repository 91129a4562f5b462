//! The HTTP API (docs/finance-api.md): one module per resource, and the two
//! ways a request runs in a family — [`read`] and [`write`].
//!
//! The routes are those of the documented API ([`api_docs::finance::routes`]):
//! each operation is registered with its handler from there ([`endpoints`]),
//! and the same list makes the OpenAPI document served at `/openapi.json`, so
//! the two cannot drift apart.
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
pub mod openapi;
pub mod query;
pub mod reports;
pub mod transactions;

use std::collections::HashMap;
use std::sync::OnceLock;

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method as HttpMethod, StatusCode};
use actix_web::{HttpRequest, HttpResponse, web};
use api_docs::{Method, Operation};
use diesel::result::Error as DieselError;
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

/// `GET` of a family's collection: every row `load` finds, each answered as
/// `answer` makes it, as `{"items": [...]}`.
pub async fn read_list<R, T>(
    state: &AppState,
    caller: &Caller,
    family_id: &str,
    load: impl AsyncFnOnce(&AsyncPgConnection, uuid::Uuid) -> Result<Vec<R>, DieselError>,
    answer: impl Fn(R) -> Result<T, Error>,
) -> Result<HttpResponse, Error>
where
    T: Serialize,
{
    read_beside(state, caller, family_id, async |conn, family| {
        let items = load(conn, family)
            .await?
            .into_iter()
            .map(answer)
            .collect::<Result<Vec<_>, _>>()?;
        Reply::ok(&Items { items })
    })
    .await
}

/// A read that needs only the family's id, sent beside the membership check:
/// both statements go out in one write and come back in one round trip (see
/// `db::exec`). Whatever `work` found is dropped unless the caller may read
/// the family, and the check's refusal comes before any error of `work`.
pub async fn read_beside<F>(
    state: &AppState,
    caller: &Caller,
    family_id: &str,
    work: F,
) -> Result<HttpResponse, Error>
where
    F: AsyncFnOnce(&AsyncPgConnection, uuid::Uuid) -> Result<Reply, Error>,
{
    let family_id = access::path_id(family_id)?;
    let reply = state
        .db
        .run(async |conn| {
            let conn: &AsyncPgConnection = conn;
            let (scope, reply) = futures_util::future::join(
                access::check(conn, family_id, caller.user_id, Need::Reader),
                work(conn, family_id),
            )
            .await;
            scope?;
            reply
        })
        .await?;
    Ok(reply.into_response())
}

/// `GET` of one row of a family by the path's id (one that is not a UUID, or
/// not the family's, is 404 like one that does not exist), answered as
/// `answer` makes it.
pub async fn read_one<R, T>(
    state: &AppState,
    caller: &Caller,
    path: &ItemPath,
    find: impl AsyncFnOnce(&AsyncPgConnection, uuid::Uuid, uuid::Uuid) -> Result<Option<R>, DieselError>,
    answer: impl FnOnce(R) -> Result<T, Error>,
) -> Result<HttpResponse, Error>
where
    T: Serialize,
{
    let id = access::path_id(&path.id);
    read_beside(state, caller, &path.fid, async |conn, family| {
        let row = find(conn, family, id?).await?.ok_or(Error::NotFound)?;
        Reply::ok(&answer(row)?)
    })
    .await
}

/// [`read_one`] in one statement: `find` is given the reader and checks the
/// membership in the statement that reads the row (see
/// `members::reader_of_family`). A family the caller is not in answers 404
/// like a row that is not there, as in [`read_one`], whose membership check
/// is a statement of its own.
pub async fn read_one_checked<R, T>(
    state: &AppState,
    caller: &Caller,
    path: &ItemPath,
    find: impl AsyncFnOnce(
        &AsyncPgConnection,
        uuid::Uuid,
        uuid::Uuid,
        auth_types::UserId,
    ) -> Result<Option<R>, DieselError>,
    answer: impl FnOnce(R) -> Result<T, Error>,
) -> Result<HttpResponse, Error>
where
    T: Serialize,
{
    let (family, id) = (access::path_id(&path.fid)?, access::path_id(&path.id)?);
    let row = state
        .db
        .run(async |conn| {
            find(conn, family, id, caller.user_id)
                .await
                .map_err(Error::from)
        })
        .await?
        .ok_or(Error::NotFound)?;
    Ok(Reply::ok(&answer(row)?)?.into_response())
}

/// Runs a DELETE (writers) in family `family_id` in one database transaction,
/// its membership check sent with the `BEGIN`; 204.
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
            db::atomically(
                conn,
                async |conn| access::check(conn, family_id, caller.user_id, Need::Writer).await,
                async |conn, scope| work(conn, &scope).await,
            )
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

/// How a write under an Idempotency-Key leaves nothing of its work behind
/// when the work refuses (a 4xx, which the key keeps).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Undo {
    /// The work runs in a savepoint, rolled back on a refusal.
    Savepoint,
    /// The work refuses only before it writes, and writes in one statement
    /// whose rows it has locked first (so that statement refuses nothing of
    /// its own): nothing to undo, and two statements fewer.
    NothingWritten,
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
    write_undoing(
        state,
        caller,
        family_id,
        need,
        request,
        Undo::Savepoint,
        work,
    )
    .await
}

/// [`write`], its refusals undone as `undo` says.
pub async fn write_undoing<F>(
    state: &AppState,
    caller: &Caller,
    family_id: &str,
    need: Need,
    request: WriteRequest<'_>,
    undo: Undo,
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
            // One round trip opens the transaction, checks the membership, takes
            // the key and opens the savepoint (see `db::exec`); each answer is
            // then read in the contract's order.
            let savepoint = matches!(key, Ok(Some(_))) && undo == Undo::Savepoint;
            let (began, scope, stored, saved) = {
                let conn: &AsyncPgConnection = conn;
                let lookup = async {
                    match &key {
                        Ok(Some(key)) => {
                            idempotency::begin(conn, user, family_id, key, &fingerprint).await
                        }
                        _ => Ok(None),
                    }
                };
                let savepoint = async {
                    if savepoint {
                        db::exec(conn, "SAVEPOINT work").await
                    } else {
                        Ok(())
                    }
                };
                futures_util::future::join4(
                    db::exec(conn, "BEGIN"),
                    access::check(conn, family_id, user, need),
                    lookup,
                    savepoint,
                )
                .await
            };
            began?;
            let done = match (scope, key) {
                (Err(err), _) | (Ok(_), Err(err)) => Err(err),
                (Ok(scope), Ok(None)) => work(conn, &scope).await.map(Done::Unkeyed),
                (Ok(scope), Ok(Some(key))) => match (stored, saved) {
                    (Err(err), _) => Err(err),
                    (Ok(Some(stored)), _) => Ok(Done::Replayed(stored)),
                    (Ok(None), Err(err)) => Err(err.into()),
                    (Ok(None), Ok(())) => Ok(Done::Keyed(key, work(conn, &scope).await)),
                },
            };
            finish(conn, done, user, family_id, &fingerprint, undo).await
        })
        .await?;
    match outcome {
        Outcome::Fresh(reply) => Ok(reply.into_response()),
        Outcome::Refused(err) => Err(err),
        Outcome::Replayed(stored) => Ok(replay(stored)),
    }
}

/// Where a write's transaction stands when its work is done.
enum Done {
    /// Ran without a key.
    Unkeyed(Reply),
    /// The key's answer from before.
    Replayed(Stored),
    /// Ran, in the savepoint, under a key that had no answer yet.
    Keyed(Key, Result<Reply, Error>),
}

/// Ends a write's transaction: a keyed answer (a success, or a refusal, whose
/// work the savepoint undoes) is recorded with the key and committed in one
/// round trip; anything else that failed is rolled back.
async fn finish(
    conn: &AsyncPgConnection,
    done: Result<Done, Error>,
    user: auth_types::UserId,
    family_id: uuid::Uuid,
    fingerprint: &Fingerprint,
    undo: Undo,
) -> Result<Outcome, Error> {
    let (keep, key, result) = match done {
        Ok(Done::Unkeyed(reply)) => {
            db::exec(conn, "COMMIT").await?;
            return Ok(Outcome::Fresh(reply));
        }
        Ok(Done::Replayed(stored)) => {
            db::exec(conn, "ROLLBACK").await?;
            return Ok(Outcome::Replayed(stored));
        }
        Ok(Done::Keyed(key, Ok(reply))) => ("RELEASE SAVEPOINT work", key, Ok(reply)),
        Ok(Done::Keyed(key, Err(err))) if err.is_client_error() => {
            ("ROLLBACK TO SAVEPOINT work", key, Err(err))
        }
        Ok(Done::Keyed(_, Err(err))) | Err(err) => {
            // A failed rollback fails the request as the database's error, so
            // the connection is closed rather than returned in a transaction.
            db::exec(conn, "ROLLBACK").await?;
            return Err(err);
        }
    };
    let (stored, refused) = match result {
        Ok(reply) => (
            Stored {
                status: reply.status,
                body: reply.body,
            },
            None,
        ),
        Err(err) => (
            Stored {
                status: err.parts().0,
                body: serde_json::to_vec(&err.problem()).map_err(Error::internal)?,
            },
            Some(err),
        ),
    };
    let keep = (undo == Undo::Savepoint).then_some(keep);
    // A COMMIT after a failed statement rolls back; the failure is the answer.
    let (kept, recorded, committed) = futures_util::future::join3(
        async {
            match keep {
                Some(keep) => db::exec(conn, keep).await,
                None => Ok(()),
            }
        },
        idempotency::store(conn, user, family_id, &key, fingerprint, &stored),
        db::exec(conn, "COMMIT"),
    )
    .await;
    kept?;
    if keep.is_none()
        && recorded.is_err()
        && let Some(err) = refused
    {
        // Without a savepoint, a refusal that the database raised leaves the
        // transaction failed, and the COMMIT rolled it back: the refusal is
        // the answer, not kept (nothing was written, and a retry runs again).
        committed?;
        return Ok(Outcome::Refused(err));
    }
    recorded?;
    committed?;
    Ok(match refused {
        None => Outcome::Fresh(Reply {
            status: stored.status,
            body: stored.body,
        }),
        Some(err) => Outcome::Refused(err),
    })
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

/// One route of the service: where it is, its documentation, and what serves it.
pub struct Endpoint {
    pub method: Method,
    pub path: &'static str,
    pub doc: Operation,
    route: actix_web::Route,
}

/// Every route of the service: each documented operation of
/// [`api_docs::finance::routes`] with its handler. An operation without a
/// handler here is not served (and the OpenAPI test fails).
pub fn endpoints() -> Vec<Endpoint> {
    api_docs::finance::routes()
        .into_iter()
        .filter_map(|documented| {
            let route = handler(documented.doc.operation_id(), route_for(documented.method))?;
            Some(Endpoint {
                method: documented.method,
                path: documented.path,
                doc: documented.doc,
                route,
            })
        })
        .collect()
}

fn route_for(method: Method) -> actix_web::Route {
    web::method(match method {
        Method::Get => HttpMethod::GET,
        Method::Post => HttpMethod::POST,
        Method::Put => HttpMethod::PUT,
        Method::Patch => HttpMethod::PATCH,
        Method::Delete => HttpMethod::DELETE,
        Method::Head => HttpMethod::HEAD,
    })
}

/// The handler of each operation, by operation id.
fn handler(operation_id: &str, route: actix_web::Route) -> Option<actix_web::Route> {
    Some(match operation_id {
        "health" => route.to(health::live),
        "ready" => route.to(health::ready),
        "openapi" => route.to(openapi::serve),
        "listFamilies" => route.to(families::list),
        "createFamily" => route.to(families::create),
        "getFamily" => route.to(families::get),
        "updateFamily" => route.to(families::update),
        "listMembers" => route.to(members::list),
        "updateMember" => route.to(members::update),
        "removeMember" => route.to(members::remove),
        "createInvite" => route.to(invites::create),
        "acceptInvite" => route.to(invites::accept),
        "listAccounts" => route.to(accounts::list),
        "createAccount" => route.to(accounts::create),
        "getAccount" => route.to(accounts::get),
        "updateAccount" => route.to(accounts::update),
        "deleteAccount" => route.to(accounts::remove),
        "listCategories" => route.to(categories::list),
        "createCategory" => route.to(categories::create),
        "getCategory" => route.to(categories::get),
        "updateCategory" => route.to(categories::update),
        "deleteCategory" => route.to(categories::remove),
        "listTransactions" => route.to(transactions::list),
        "createTransaction" => route.to(transactions::create),
        "getTransaction" => route.to(transactions::get),
        "updateTransaction" => route.to(transactions::update),
        "deleteTransaction" => route.to(transactions::remove),
        "listBudgets" => route.to(budgets::list),
        "createBudget" => route.to(budgets::create),
        "budgetStatus" => route.to(budgets::status),
        "getBudget" => route.to(budgets::get),
        "updateBudget" => route.to(budgets::update),
        "deleteBudget" => route.to(budgets::remove),
        "listGoals" => route.to(goals::list),
        "createGoal" => route.to(goals::create),
        "getGoal" => route.to(goals::get),
        "updateGoal" => route.to(goals::update),
        "deleteGoal" => route.to(goals::remove),
        "contributeToGoal" => route.to(goals::contribute),
        "reportSummary" => route.to(reports::summary),
        "exportTransactions" => route.to(reports::csv),
        _ => return None,
    })
}

/// The `Allow` header of each served path: its methods in the list's order
/// (`GET, POST`). Made once, so the 405 answers can borrow it for good.
fn allow(path: &str) -> &'static str {
    static ALLOW: OnceLock<HashMap<&'static str, String>> = OnceLock::new();
    let allow = ALLOW.get_or_init(|| {
        let mut allow: HashMap<&'static str, String> = HashMap::new();
        for endpoint in endpoints() {
            let methods = allow.entry(endpoint.path).or_default();
            if !methods.is_empty() {
                methods.push_str(", ");
            }
            methods.push_str(endpoint.method.as_str());
        }
        allow
    });
    allow.get(path).map_or("", String::as_str)
}

/// The prefix of every path inside one family: its routes are registered in
/// one scope under it, so a request is matched against this prefix once and
/// then only against the family's paths. actix-web tries a service's patterns
/// one after another, each dynamic one a regex: without the scope, a balance
/// (`…/accounts/{id}`) was tried against six patterns before its own.
const FAMILY_SCOPE: &str = "/api/v1/families/{fid}";

/// Registers every route of the list: one resource per path, with each of
/// its methods, in the list's order (so `budgets/status` is matched before
/// `budgets/{id}`); any other method on the path is 405 with `Allow`. The
/// paths inside one family go in one scope ([`FAMILY_SCOPE`]); an unknown path
/// there is the app's 404, as anywhere else.
pub fn configure(cfg: &mut web::ServiceConfig) {
    let mut resources: Vec<(&'static str, Vec<actix_web::Route>)> = Vec::new();
    for endpoint in endpoints() {
        match resources
            .iter_mut()
            .find(|(path, _)| *path == endpoint.path)
        {
            Some((_, routes)) => routes.push(endpoint.route),
            None => resources.push((endpoint.path, vec![endpoint.route])),
        }
    }
    let mut family = web::scope(FAMILY_SCOPE);
    for (path, routes) in resources {
        let allow = allow(path);
        let (in_family, pattern) = match path.strip_prefix(FAMILY_SCOPE) {
            Some(rest) => (true, rest),
            None => (false, path),
        };
        let mut resource = web::resource(pattern);
        for route in routes {
            resource = resource.route(route);
        }
        let resource = resource.default_service(web::to(move || async move {
            Err::<HttpResponse, Error>(Error::MethodNotAllowed { allow })
        }));
        if in_family {
            family = family.service(resource);
        } else {
            cfg.service(resource);
        }
    }
    cfg.service(family);
}

/// Unknown paths: 404 `not_found` as problem+json.
pub async fn not_found() -> Result<HttpResponse, Error> {
    Err(Error::NotFound)
}
