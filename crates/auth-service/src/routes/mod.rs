//! HTTP routes: one file per endpoint; the table of routes is here.
//!
//! The routes are those of the documented API ([`api_docs::auth::routes`]):
//! each operation is registered with its handler from there, and the same list
//! makes the OpenAPI document served at `/openapi.json`, so the two cannot
//! drift apart.

mod email;
mod health;
mod login;
mod logout;
mod me;
mod openapi;
mod password;
mod refresh;
mod register;
mod sessions;
mod telegram;

use actix_web::http::Method as HttpMethod;
use actix_web::{Route, web};
use api_docs::{Method, Operation};

pub use openapi::document;

/// One route of the service: where it is, its documentation, and what serves it.
pub struct Endpoint {
    pub method: Method,
    pub path: &'static str,
    pub doc: Operation,
    route: Route,
}

/// Every route of the service: each documented operation of
/// [`api_docs::auth::routes`] with its handler. An operation without a handler
/// here is not served (and the OpenAPI test fails).
pub fn endpoints() -> Vec<Endpoint> {
    api_docs::auth::routes()
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

fn route_for(method: Method) -> Route {
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
fn handler(operation_id: &str, route: Route) -> Option<Route> {
    Some(match operation_id {
        "health" => route.to(health::live),
        "ready" => route.to(health::ready),
        "openapi" => route.to(openapi::serve),
        "register" => route.to(register::register),
        "login" => route.to(login::login),
        "refresh" => route.to(refresh::refresh),
        "logout" => route.to(logout::logout),
        "me" => route.to(me::me),
        "telegramRegister" => route.to(telegram::register),
        "telegramStart" => route.to(telegram::start),
        "telegramConfirm" => route.to(telegram::confirm),
        "telegramInspect" => route.to(telegram::inspect),
        "telegramUnlink" => route.to(telegram::unlink),
        "tokenGet" => route.to(telegram::token_get),
        "telegramRefresh" => route.to(telegram::refresh),
        "sendVerification" => route.to(email::send),
        "verifyEmail" => route.to(email::verify),
        "forgotPassword" => route.to(password::forgot),
        "resetPassword" => route.to(password::reset),
        "changePassword" => route.to(password::change),
        "listSessions" => route.to(sessions::list),
        "deleteSession" => route.to(sessions::delete),
        "logoutAll" => route.to(sessions::logout_all),
        _ => return None,
    })
}

/// A token answer: `Cache-Control: no-store` (RFC 6749 §5.1), so no cache on
/// the way keeps the tokens.
pub(crate) fn token_answer(
    mut status: actix_web::HttpResponseBuilder,
    tokens: &auth_types::dto::TokenResponse,
) -> actix_web::HttpResponse {
    status
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .insert_header((actix_web::http::header::PRAGMA, "no-cache"))
        .json(tokens)
}

/// Registers every route of the table (one method per path).
pub fn configure(cfg: &mut web::ServiceConfig) {
    for endpoint in endpoints() {
        cfg.service(
            web::resource(endpoint.path)
                .route(endpoint.route)
                // Any other method: 405 with the `Allow` header.
                .default_service(service_kit::problem::method_not_allowed_service(
                    endpoint.method.as_str(),
                )),
        );
    }
}
