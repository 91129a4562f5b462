//! `GET /openapi.json`: what this service serves, generated from the same lists
//! that route it — its pages ([`assets::PAGES`]), its assets, its health, and
//! the part of the auth API it passes on to the browser ([`proxied`]), with
//! the refresh token moved into the HttpOnly cookie. The finance API, passed
//! on unchanged, is named in the description and documented by the finance
//! service's own document.

use std::sync::OnceLock;

use actix_web::HttpResponse;
use api_docs::{Access, Method, Operation, Route, Service};
use auth_types::dto::{HealthResponse, UserResponse};
use auth_types::problem::codes;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa::openapi::OpenApi;

use crate::assets;
use crate::health::WebReadiness;
use crate::page_config::PageConfig;
use crate::proxy::COOKIE_PATH;

const SERVICE: Service = Service {
    title: "Finance Bot web pages",
    version: env!("CARGO_PKG_VERSION"),
    description: "The account pages and the same-origin proxy of the auth API for them. \
        The proxy keeps the refresh token in the HttpOnly cookie fb_refresh (named \
        __Secure-fb_refresh when it is Secure, as everywhere but a plain-http local run): \
        token answers carry no refresh_token, refresh and logout read the cookie. The bot's \
        signed endpoints are not exposed. The finance API (/api/v1/families, \
        /api/v1/families/..., /api/v1/invites/...) is passed on unchanged, bearer token and \
        Idempotency-Key included: it is documented by the finance service's own \
        /openapi.json (docs/finance-api.md). See docs/web.md.",
    tags: &[
        ("pages", "The HTML pages and their assets"),
        ("health", "Liveness and readiness"),
        ("meta", "This document"),
        ("accounts", "Email accounts and their tokens (proxied)"),
        ("telegram", "Linking a Telegram chat (proxied)"),
        ("email", "Email verification (proxied)"),
        ("password", "Password recovery and change (proxied)"),
        ("sessions", "The caller's login sessions (proxied)"),
    ],
};

/// A token answer as the browser gets it: the refresh token is in the cookie.
#[derive(Serialize, ToSchema)]
pub struct BrowserTokenResponse {
    pub access_token: String,
    pub token_type: String,
    pub expires_in: u64,
    pub refresh_expires_in: u64,
    pub user: UserResponse,
}

/// The auth API's routes this service passes on: all but the bot's signed
/// ones and the auth service's own health and document.
pub fn proxied() -> impl Iterator<Item = Route> {
    api_docs::auth::routes().into_iter().filter(|route| {
        route.path.starts_with(COOKIE_PATH) && route.doc.access_kind() != Access::BotSignature
    })
}

/// The bot-only paths of the auth API, which the proxy refuses with 404.
pub fn bot_only_paths() -> &'static [&'static str] {
    static PATHS: OnceLock<Vec<&'static str>> = OnceLock::new();
    PATHS.get_or_init(|| {
        api_docs::auth::routes()
            .into_iter()
            .filter(|route| route.doc.access_kind() == Access::BotSignature)
            .map(|route| route.path)
            .collect()
    })
}

/// A proxied operation as the browser sees it.
fn through_proxy(route: Route) -> Route {
    let id = route.doc.operation_id().to_owned();
    let doc = match id.as_str() {
        "register" | "login" => route
            .doc
            .answers::<BrowserTokenResponse>(if id == "register" { 201 } else { 200 }, TOKENS),
        // The body is ignored: the refresh token is the cookie's.
        "refresh" => Operation::api("refresh", "accounts", "Rotate the cookie's refresh token")
            .access(Access::RefreshCookie)
            .answers::<BrowserTokenResponse>(200, "A new pair; the cookie holds the new one")
            .problem(401, &[codes::INVALID_REFRESH_TOKEN, codes::TOKEN_REUSED])
            .problem(413, &[codes::PAYLOAD_TOO_LARGE])
            .problem(429, &[codes::RATE_LIMITED]),
        // No body: the cookie's refresh token is revoked too, and the cookie deleted.
        "logout" => Operation::api("logout", "accounts", "End the calling session")
            .access(Access::Bearer)
            .answers_empty(204, "The session ends and the cookie is deleted"),
        _ => route.doc,
    };
    Route::new(route.method, route.path, doc)
}

const TOKENS: &str =
    "A new session: the access token and the user; the refresh token is set as the HttpOnly cookie";
const HTML: &[&str] = &["text/html"];
const STATIC: &[&str] = &["text/css", "text/javascript"];

/// Every route of the service, documented.
pub fn routes() -> Vec<Route> {
    let mut routes = vec![
        Route::get(
            "/health",
            Operation::new("health", "health", "The process is up")
                .answers::<HealthResponse>(200, "Up"),
        ),
        Route::get(
            "/health/ready",
            Operation::new("ready", "health", "The auth service is ready")
                .answers::<WebReadiness>(200, "Ready")
                .answers::<WebReadiness>(503, "The auth service is not ready"),
        ),
        Route::get("/openapi.json", api_docs::openapi_operation()),
        Route::get(
            "/config.json",
            Operation::new(
                "pageConfig",
                "pages",
                "The settings the pages' scripts read",
            )
            .answers::<PageConfig>(200, "The settings (Cache-Control: public, max-age=300)"),
        ),
    ];
    for method in [Method::Get, Method::Head] {
        routes.push(Route::new(
            method,
            "/static/{file}",
            Operation::new(
                format!("{}Asset", method.as_str().to_lowercase()),
                "pages",
                "A style sheet or script of the pages",
            )
            .path_param("file", "Its path under static/, e.g. js/api.js")
            .answers_text(200, STATIC, "The asset")
            .answers_text(404, HTML, "The \"not found\" page"),
        ));
    }
    for (path, _) in assets::PAGES {
        for method in [Method::Get, Method::Head] {
            routes.push(Route::new(
                method,
                path,
                Operation::new(page_id(path, method), "pages", "A page")
                    .answers_text(200, HTML, "The page"),
            ));
        }
    }
    routes.extend(proxied().map(through_proxy));
    routes
}

/// `get:/login` style ids: unique per page and method.
fn page_id(path: &str, method: Method) -> String {
    format!("{}:{path}", method.as_str().to_lowercase())
}

pub fn document() -> OpenApi {
    api_docs::document(&SERVICE, &routes())
}

pub async fn serve() -> HttpResponse {
    static JSON: OnceLock<Result<String, String>> = OnceLock::new();
    match JSON.get_or_init(|| document().to_json().map_err(|e| e.to_string())) {
        Ok(body) => HttpResponse::Ok()
            .content_type(api_docs::JSON)
            .body(body.as_str()),
        Err(err) => {
            tracing::error!(error = %err, "the OpenAPI document cannot be written");
            service_kit::problem::problem_response(
                actix_web::http::StatusCode::INTERNAL_SERVER_ERROR,
                codes::INTERNAL,
                "Internal error.",
                Vec::new(),
            )
        }
    }
}
