//! The same-origin proxy to the auth service (`/api/v1/auth/*`), and the refresh
//! cookie: the refresh token never reaches the page's JavaScript (docs/web.md#tokens).
//!
//! The page's calls are forwarded as they are (method, path and query, body, and the
//! headers the auth service reads), with `X-Forwarded-For` set to the browser's
//! address. The token answers of login, register and refresh lose their
//! `refresh_token`, which becomes the HttpOnly cookie [`REFRESH_COOKIE`]; refresh and
//! logout get it back from that cookie.

use std::time::{Duration, Instant};

use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpMessage, HttpRequest, HttpResponse, ResponseError, web};
use serde_json::Value;
use service_kit::metrics::status_class;
use service_kit::request_id::{REQUEST_ID, RequestId};

use auth_types::problem::codes;
use service_kit::json::{BodyError, read_body};
use service_kit::problem::{self, problem_response};

use crate::metrics;

/// Name of the cookie holding the refresh token.
pub const REFRESH_COOKIE: &str = auth_types::dto::REFRESH_COOKIE;
/// The path the cookie is sent to: the auth API only, never the pages.
pub const COOKIE_PATH: &str = "/api/v1/auth";
/// How long one call to the auth service may take.
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(15);

/// Request headers passed on to the auth service.
const REQUEST_HEADERS: &[HeaderName] = &[
    header::CONTENT_TYPE,
    header::AUTHORIZATION,
    header::USER_AGENT,
    header::ACCEPT,
];

/// Response headers passed back to the page.
const RESPONSE_HEADERS: &[HeaderName] = &[
    header::CONTENT_TYPE,
    header::RETRY_AFTER,
    header::WWW_AUTHENTICATE,
    header::ALLOW,
];

/// The auth service, as this service reaches it.
#[derive(Debug, Clone)]
pub struct Upstream {
    pub client: reqwest::Client,
    /// Base URL, without a trailing slash.
    pub base_url: String,
    /// Whether the cookie carries `Secure`.
    pub secure_cookies: bool,
}

impl Upstream {
    pub fn new(base_url: &str, secure_cookies: bool) -> Result<Self, reqwest::Error> {
        Ok(Self {
            client: reqwest::Client::builder()
                .timeout(UPSTREAM_TIMEOUT)
                .connect_timeout(Duration::from_secs(2))
                .redirect(reqwest::redirect::Policy::none())
                .build()?,
            base_url: base_url.to_owned(),
            secure_cookies,
        })
    }

    /// `Set-Cookie` value storing `token` for `max_age` seconds (0: delete it).
    pub fn cookie(&self, token: &str, max_age: u64) -> String {
        let secure = if self.secure_cookies { "; Secure" } else { "" };
        format!(
            "{REFRESH_COOKIE}={token}; Max-Age={max_age}; Path={COOKIE_PATH}; HttpOnly{secure}; SameSite=Strict"
        )
    }
}

/// What the proxy does besides forwarding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    /// login, register: the answer's refresh token becomes the cookie.
    OpensSession,
    /// token/refresh: the cookie is the request; the answer's token the new cookie.
    Refresh,
    /// logout: the cookie's token goes in the body; the cookie is deleted.
    Logout,
    /// logout-all: the cookie is deleted.
    LogoutAll,
    Other,
}

fn endpoint(method: &Method, path: &str) -> Endpoint {
    if method != Method::POST {
        return Endpoint::Other;
    }
    match path.strip_prefix(COOKIE_PATH) {
        Some("/login" | "/register") => Endpoint::OpensSession,
        Some("/token/refresh") => Endpoint::Refresh,
        Some("/logout") => Endpoint::Logout,
        Some("/logout-all") => Endpoint::LogoutAll,
        _ => Endpoint::Other,
    }
}

/// The refresh token in the request's cookies, if any.
fn refresh_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == REFRESH_COOKIE && !value.is_empty())
        .map(|(_, value)| value.trim_matches('"').to_owned())
}

/// Every `/api/v1/auth/*` request.
pub async fn forward(
    req: HttpRequest,
    payload: web::Payload,
    upstream: web::Data<Upstream>,
) -> HttpResponse {
    let path = req.path();
    // The bot's endpoints are HMAC-signed and never called by a page: not exposed here.
    if crate::openapi::bot_only_paths().contains(&path) {
        return problem::not_found();
    }
    // The auth service refuses larger bodies anyway (413); this is its limit.
    let body = match read_body(&mut payload.into_inner()).await {
        Ok(body) => body,
        Err(err @ BodyError::PayloadTooLarge) => return err.error_response(),
        Err(_) => {
            return problem_response(
                StatusCode::BAD_REQUEST,
                codes::MALFORMED_REQUEST,
                "The request body could not be read.",
                Vec::new(),
            );
        }
    };

    let kind = endpoint(req.method(), path);
    let cookie = refresh_cookie(req.headers());
    let mut body = body.freeze();
    let mut json_body = false;
    match kind {
        Endpoint::Refresh => {
            // The page sends `{}`: the token is the cookie's, never the page's.
            let Some(token) = &cookie else {
                return problem_response(
                    StatusCode::UNAUTHORIZED,
                    codes::INVALID_REFRESH_TOKEN,
                    "You are not signed in.",
                    Vec::new(),
                );
            };
            body = serde_json::json!({ "refresh_token": token })
                .to_string()
                .into();
            json_body = true;
        }
        Endpoint::Logout => {
            // The page's body is never passed on: the refresh token is the cookie's.
            body = match &cookie {
                Some(token) => serde_json::json!({ "refresh_token": token })
                    .to_string()
                    .into(),
                None => web::Bytes::new(),
            };
            json_body = cookie.is_some();
        }
        _ => {}
    }

    let url = match req.uri().query() {
        Some(query) => format!("{}{path}?{query}", upstream.base_url),
        None => format!("{}{path}", upstream.base_url),
    };
    let method = match reqwest::Method::from_bytes(req.method().as_str().as_bytes()) {
        Ok(method) => method,
        Err(_) => return problem::not_found(),
    };
    let mut request = upstream.client.request(method, &url);
    for name in REQUEST_HEADERS {
        if json_body && name == header::CONTENT_TYPE {
            continue;
        }
        if let Some(value) = req.headers().get(name) {
            request = request.header(name.as_str(), value.as_bytes());
        }
    }
    if json_body {
        request = request.header("content-type", "application/json");
    }
    if let Some(peer) = req.peer_addr() {
        request = request.header("x-forwarded-for", peer.ip().to_string());
    }
    // The id this request is logged under here, so both services log it alike.
    if let Some(id) = req.extensions().get::<RequestId>() {
        request = request.header(REQUEST_ID.as_str(), id.0.as_str());
    }
    if !body.is_empty() {
        request = request.body(body);
    }

    let started = Instant::now();
    let answer = match request.send().await {
        Ok(answer) => answer,
        Err(err) => {
            metrics::upstream_call(metrics::AUTH, metrics::failure(&err), started.elapsed());
            tracing::warn!(error = %err, path, "the auth service did not answer");
            return unavailable();
        }
    };
    let status =
        StatusCode::from_u16(answer.status().as_u16()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut passed: Vec<(HeaderName, HeaderValue)> = Vec::new();
    for name in RESPONSE_HEADERS
        .iter()
        .chain([&HeaderName::from_static("x-request-id")])
    {
        for value in answer.headers().get_all(name.as_str()) {
            if let Ok(value) = HeaderValue::from_bytes(value.as_bytes()) {
                passed.push((name.clone(), value));
            }
        }
    }
    let bytes = match answer.bytes().await {
        Ok(bytes) => bytes,
        Err(err) => {
            metrics::upstream_call(metrics::AUTH, metrics::failure(&err), started.elapsed());
            tracing::warn!(error = %err, path, "the auth service's answer broke off");
            return unavailable();
        }
    };
    metrics::upstream_call(
        metrics::AUTH,
        status_class(status.as_u16()),
        started.elapsed(),
    );

    let mut response = HttpResponse::build(status);
    for (name, value) in passed {
        response.append_header((name, value));
    }
    let mut body = bytes.to_vec();
    match kind {
        Endpoint::OpensSession | Endpoint::Refresh if status.is_success() => {
            let Some((page_body, token, max_age)) = take_refresh_token(&bytes) else {
                tracing::error!(path, "a token answer without a refresh token");
                return problem_response(
                    StatusCode::BAD_GATEWAY,
                    codes::INTERNAL,
                    "Something went wrong on our side.",
                    Vec::new(),
                );
            };
            body = page_body;
            response.append_header((header::SET_COOKIE, upstream.cookie(&token, max_age)));
        }
        Endpoint::Refresh if status == StatusCode::UNAUTHORIZED => {
            // The cookie's session is over (expired, logged out, reused): forget it.
            response.append_header((header::SET_COOKIE, upstream.cookie("", 0)));
        }
        Endpoint::Logout | Endpoint::LogoutAll if !status.is_server_error() => {
            response.append_header((header::SET_COOKIE, upstream.cookie("", 0)));
        }
        _ => {}
    }
    response.insert_header((header::CACHE_CONTROL, "no-store"));
    response.body(body)
}

/// 503: the auth service cannot be reached or did not answer in time.
fn unavailable() -> HttpResponse {
    problem::unavailable("The service is temporarily unavailable; try again in a moment.")
}

/// The token answer without its `refresh_token`, the token, and its lifetime.
fn take_refresh_token(bytes: &[u8]) -> Option<(Vec<u8>, String, u64)> {
    let mut value: Value = serde_json::from_slice(bytes).ok()?;
    let object = value.as_object_mut()?;
    let token = match object.remove("refresh_token")? {
        Value::String(token) => token,
        _ => return None,
    };
    let max_age = object.get("refresh_expires_in")?.as_u64()?;
    Some((serde_json::to_vec(&value).ok()?, token, max_age))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_refresh_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; fb_refresh=abc.def-ghi_j; b=2"),
        );
        assert_eq!(refresh_cookie(&headers).as_deref(), Some("abc.def-ghi_j"));
        headers.insert(header::COOKIE, HeaderValue::from_static("fb_refresh="));
        assert_eq!(refresh_cookie(&headers), None);
    }

    #[test]
    fn token_answers_lose_their_refresh_token() {
        let body =
            br#"{"access_token":"a","refresh_token":"r","expires_in":900,"refresh_expires_in":60}"#;
        let (page, token, max_age) = take_refresh_token(body).expect("a token answer");
        assert_eq!(token, "r");
        assert_eq!(max_age, 60);
        let page: Value = serde_json::from_slice(&page).expect("json");
        assert!(page.get("refresh_token").is_none());
        assert_eq!(page["access_token"], "a");
    }

    #[test]
    fn cookies_are_http_only_strict_and_scoped_to_the_auth_api() {
        let upstream = Upstream::new("http://127.0.0.1:1", true).expect("client");
        assert_eq!(
            upstream.cookie("t", 5),
            "fb_refresh=t; Max-Age=5; Path=/api/v1/auth; HttpOnly; Secure; SameSite=Strict"
        );
    }
}
