//! The same-origin proxy to the auth service (`/api/v1/auth/*`) and to the
//! finance service (`/api/v1/families…`, `/api/v1/invites/*`), and the refresh
//! cookie: the refresh token never reaches the page's JavaScript (docs/web.md#tokens).
//!
//! The page's calls are forwarded as they are (method, path and query, body, and the
//! headers the auth service reads), with `X-Forwarded-For` set to the browser's
//! address: the peer's, appended to the header a trusted proxy (`TRUSTED_PROXIES`)
//! sent, which is otherwise dropped. Only paths a page can call pass: letters,
//! digits, `-`, `_` and single slashes, so no spelling (dot segments, percent
//! escapes, doubled slashes) reaches a bot-only endpoint through the upstream's
//! normalisation. The token answers of login, register and refresh lose their
//! `refresh_token`, which becomes the HttpOnly cookie [`REFRESH_COOKIE`] (with the
//! `__Secure-` prefix whenever it is `Secure`); refresh and logout get it back
//! from that cookie.

use std::net::IpAddr;
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
/// The cookie's name when it is `Secure`: browsers then refuse it from plain HTTP.
/// (`__Host-` would need `Path=/`, sending the token with every page: docs/web.md.)
pub const SECURE_REFRESH_COOKIE: &str = "__Secure-fb_refresh";
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

/// Request headers passed on to the finance service: the auth service's, and
/// the key that makes a write safe to send again.
static FINANCE_REQUEST_HEADERS: [HeaderName; 5] = [
    header::CONTENT_TYPE,
    header::AUTHORIZATION,
    header::USER_AGENT,
    header::ACCEPT,
    HeaderName::from_static("idempotency-key"),
];

/// Response headers of the finance service passed back to the page: the auth
/// service's, whether a write was answered again, and the CSV's file name.
static FINANCE_RESPONSE_HEADERS: [HeaderName; 6] = [
    header::CONTENT_TYPE,
    header::RETRY_AFTER,
    header::WWW_AUTHENTICATE,
    header::ALLOW,
    HeaderName::from_static("idempotent-replayed"),
    header::CONTENT_DISPOSITION,
];

/// The finance API's two roots, as routed here.
pub const FAMILIES_PATH: &str = "/api/v1/families";
pub const INVITES_PATH: &str = "/api/v1/invites";

/// The finance service, as this service reaches it (the same client settings as
/// the auth service's, another base URL).
#[derive(Debug, Clone)]
pub struct Finance(pub Upstream);

/// The auth service, as this service reaches it.
#[derive(Debug, Clone)]
pub struct Upstream {
    pub client: reqwest::Client,
    /// Base URL, without a trailing slash.
    pub base_url: String,
    /// Whether the cookie carries `Secure`.
    pub secure_cookies: bool,
    /// Peers whose `X-Forwarded-For` is passed on.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The longest a request body may take to arrive.
    pub body_timeout: Duration,
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
            trusted_proxies: Vec::new(),
            body_timeout: Duration::from_secs(10),
        })
    }

    /// Passes on the `X-Forwarded-For` of these peers.
    pub fn trusting(mut self, proxies: Vec<ipnet::IpNet>) -> Self {
        self.trusted_proxies = proxies;
        self
    }

    pub fn with_body_timeout(mut self, timeout: Duration) -> Self {
        self.body_timeout = timeout;
        self
    }

    /// The refresh cookie's name.
    pub fn cookie_name(&self) -> &'static str {
        if self.secure_cookies {
            SECURE_REFRESH_COOKIE
        } else {
            REFRESH_COOKIE
        }
    }

    /// `Set-Cookie` value storing `token` for `max_age` seconds (0: delete it).
    pub fn cookie(&self, token: &str, max_age: u64) -> String {
        let secure = if self.secure_cookies { "; Secure" } else { "" };
        let name = self.cookie_name();
        format!(
            "{name}={token}; Max-Age={max_age}; Path={COOKIE_PATH}; HttpOnly{secure}; SameSite=Strict"
        )
    }

    /// The `X-Forwarded-For` to send: the chain a trusted peer reported, with the
    /// peer appended; from any other peer, the peer alone.
    fn forwarded_for(&self, peer: Option<IpAddr>, received: Option<&str>) -> Option<String> {
        let peer = peer?;
        let trusted = self.trusted_proxies.iter().any(|net| net.contains(&peer));
        Some(match received.map(str::trim).filter(|h| !h.is_empty()) {
            Some(chain) if trusted => format!("{chain}, {peer}"),
            _ => peer.to_string(),
        })
    }
}

/// Whether `path` is spelled as a page calls the API: segments of letters,
/// digits, `-` and `_` under [`COOKIE_PATH`], one slash apart. Anything else
/// (`.`, `..`, `%2e%2e`, `//`, a backslash, a trailing slash) could be
/// normalised by the upstream into another endpoint, so it is refused.
fn plain_path(path: &str) -> bool {
    let Some(rest) = path.strip_prefix(COOKIE_PATH) else {
        return false;
    };
    let Some(rest) = rest.strip_prefix('/') else {
        return false;
    };
    rest.split('/').all(|segment| {
        !segment.is_empty()
            && segment
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

/// Whether `path` is spelled as a page calls the finance API: `/api/v1/families`,
/// or plain segments (as [`plain_path`]) under it or under `/api/v1/invites/`;
/// the one file name, `transactions.csv` of the reports, may carry its dot.
fn plain_finance_path(path: &str) -> bool {
    if path == FAMILIES_PATH {
        return true;
    }
    let Some(rest) = path
        .strip_prefix(FAMILIES_PATH)
        .or_else(|| path.strip_prefix(INVITES_PATH))
        .and_then(|rest| rest.strip_prefix('/'))
    else {
        return false;
    };
    rest.split('/').all(|segment| {
        segment == "transactions.csv"
            || !segment.is_empty()
                && segment
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
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

/// The refresh token in the request's cookie `cookie_name`, if any.
fn refresh_cookie(headers: &HeaderMap, cookie_name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == cookie_name && !value.is_empty())
        .map(|(_, value)| value.trim_matches('"').to_owned())
}

/// The request body, within `timeout`: a client that trickles it is refused
/// with 408 rather than holding a worker.
async fn read_body_within(
    payload: web::Payload,
    timeout: Duration,
) -> Result<web::Bytes, HttpResponse> {
    match tokio::time::timeout(timeout, read_body(&mut payload.into_inner())).await {
        Ok(Ok(body)) => Ok(body.freeze()),
        Ok(Err(err @ BodyError::PayloadTooLarge)) => Err(err.error_response()),
        Ok(Err(_)) => Err(problem_response(
            StatusCode::BAD_REQUEST,
            codes::MALFORMED_REQUEST,
            "The request body could not be read.",
            Vec::new(),
        )),
        Err(_) => Err(problem_response(
            StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            "The request body took too long to arrive.",
            Vec::new(),
        )),
    }
}

/// Every `/api/v1/auth/*` request.
pub async fn forward(
    req: HttpRequest,
    payload: web::Payload,
    upstream: web::Data<Upstream>,
) -> HttpResponse {
    let path = req.path();
    // Only the plain spelling of a path passes, so the bot's endpoints (signed,
    // never called by a page) cannot be reached by any other.
    if !plain_path(path) || crate::openapi::bot_only_paths().contains(&path) {
        return problem::not_found();
    }
    let body = match read_body_within(payload, upstream.body_timeout).await {
        Ok(body) => body,
        Err(refused) => return refused,
    };

    let kind = endpoint(req.method(), path);
    let cookie = refresh_cookie(req.headers(), upstream.cookie_name());
    let mut body = body;
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

    let Passed {
        status,
        headers: passed,
        cache_control: answer_cache_control,
        body: bytes,
    } = match pass_on(
        &req,
        &upstream,
        Call {
            label: metrics::AUTH,
            request_headers: REQUEST_HEADERS,
            response_headers: RESPONSE_HEADERS,
            json_body,
        },
        body,
    )
    .await
    {
        Ok(passed) => passed,
        Err(refused) => return refused,
    };

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
    // The auth service's own policy (no-store on token answers) is kept; the
    // rest of the API is not stored either.
    let cache_control =
        answer_cache_control.unwrap_or_else(|| HeaderValue::from_static("no-store"));
    response.insert_header((header::CACHE_CONTROL, cache_control));
    response.body(body)
}

/// How one call is passed on.
struct Call {
    /// The upstream, as metrics and logs name it.
    label: &'static str,
    request_headers: &'static [HeaderName],
    response_headers: &'static [HeaderName],
    /// The body is JSON this service wrote: `Content-Type` is its own.
    json_body: bool,
}

/// The upstream's answer, read whole.
struct Passed {
    status: StatusCode,
    headers: Vec<(HeaderName, HeaderValue)>,
    cache_control: Option<HeaderValue>,
    body: web::Bytes,
}

/// Sends `req` (with `body`) to `upstream`: method, path and query, the
/// headers of `call`, `X-Forwarded-For` and the request id; 503 when it does
/// not answer.
async fn pass_on(
    req: &HttpRequest,
    upstream: &Upstream,
    call: Call,
    body: web::Bytes,
) -> Result<Passed, HttpResponse> {
    let path = req.path();
    let json_body = call.json_body;
    let url = match req.uri().query() {
        Some(query) => format!("{}{path}?{query}", upstream.base_url),
        None => format!("{}{path}", upstream.base_url),
    };
    let method = match reqwest::Method::from_bytes(req.method().as_str().as_bytes()) {
        Ok(method) => method,
        Err(_) => return Err(problem::not_found()),
    };
    let mut request = upstream.client.request(method, &url);
    for name in call.request_headers {
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
    let received = req
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok());
    if let Some(chain) = upstream.forwarded_for(req.peer_addr().map(|p| p.ip()), received) {
        request = request.header("x-forwarded-for", chain);
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
            metrics::upstream_call(call.label, metrics::failure(&err), started.elapsed());
            tracing::warn!(error = %err, path, upstream = call.label, "the upstream did not answer");
            return Err(unavailable());
        }
    };
    let status =
        StatusCode::from_u16(answer.status().as_u16()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut passed: Vec<(HeaderName, HeaderValue)> = Vec::new();
    for name in call
        .response_headers
        .iter()
        .chain([&HeaderName::from_static("x-request-id")])
    {
        for value in answer.headers().get_all(name.as_str()) {
            if let Ok(value) = HeaderValue::from_bytes(value.as_bytes()) {
                passed.push((name.clone(), value));
            }
        }
    }
    let answer_cache_control = answer
        .headers()
        .get("cache-control")
        .and_then(|v| HeaderValue::from_bytes(v.as_bytes()).ok());
    let bytes = match answer.bytes().await {
        Ok(bytes) => bytes,
        Err(err) => {
            metrics::upstream_call(call.label, metrics::failure(&err), started.elapsed());
            tracing::warn!(error = %err, path, upstream = call.label, "the upstream's answer broke off");
            return Err(unavailable());
        }
    };
    metrics::upstream_call(call.label, status_class(status.as_u16()), started.elapsed());

    Ok(Passed {
        status,
        headers: passed,
        cache_control: answer_cache_control,
        body: bytes,
    })
}

/// Every finance API request (`/api/v1/families…`, `/api/v1/invites/*`): passed
/// on as it is, bearer token included; nothing is rewritten.
pub async fn forward_finance(
    req: HttpRequest,
    payload: web::Payload,
    finance: web::Data<Finance>,
) -> HttpResponse {
    if !plain_finance_path(req.path()) {
        return problem::not_found();
    }
    let upstream = &finance.0;
    let body = match read_body_within(payload, upstream.body_timeout).await {
        Ok(body) => body,
        Err(refused) => return refused,
    };
    let call = Call {
        label: metrics::FINANCE,
        request_headers: &FINANCE_REQUEST_HEADERS,
        response_headers: &FINANCE_RESPONSE_HEADERS,
        json_body: false,
    };
    let passed = match pass_on(&req, upstream, call, body).await {
        Ok(passed) => passed,
        Err(refused) => return refused,
    };
    let mut response = HttpResponse::build(passed.status);
    for (name, value) in passed.headers {
        response.append_header((name, value));
    }
    let cache_control = passed
        .cache_control
        .unwrap_or_else(|| HeaderValue::from_static("no-store"));
    response.insert_header((header::CACHE_CONTROL, cache_control));
    response.body(passed.body)
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
        assert_eq!(
            refresh_cookie(&headers, REFRESH_COOKIE).as_deref(),
            Some("abc.def-ghi_j")
        );
        assert_eq!(refresh_cookie(&headers, SECURE_REFRESH_COOKIE), None);
        headers.insert(header::COOKIE, HeaderValue::from_static("fb_refresh="));
        assert_eq!(refresh_cookie(&headers, REFRESH_COOKIE), None);
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
            "__Secure-fb_refresh=t; Max-Age=5; Path=/api/v1/auth; HttpOnly; Secure; SameSite=Strict"
        );
        let local = Upstream::new("http://127.0.0.1:1", false).expect("client");
        assert_eq!(
            local.cookie("t", 5),
            "fb_refresh=t; Max-Age=5; Path=/api/v1/auth; HttpOnly; SameSite=Strict"
        );
    }

    #[test]
    fn only_plainly_spelled_paths_pass() {
        for good in [
            "/api/v1/auth/login",
            "/api/v1/auth/sessions/0193a4b2-7c1d-7e4f-9a2b-3c4d5e6f7a8b",
            "/api/v1/auth/email/verify/send",
            "/api/v1/auth/logout-all",
        ] {
            assert!(plain_path(good), "{good}");
        }
        for bad in [
            "/api/v1/auth",
            "/api/v1/auth/",
            "/api/v1/auth/login/",
            "/api/v1/auth//token/get",
            "/api/v1/auth/x/../token/get",
            "/api/v1/auth/./token/get",
            "/api/v1/auth/%2e%2e/auth/token/get",
            "/api/v1/auth/%74oken/get",
            "/api/v1/auth/token%2fget",
            "/api/v1/auth/token\\get",
            "/api/v1/authx/login",
        ] {
            assert!(!plain_path(bad), "{bad}");
        }
    }

    #[test]
    fn only_plainly_spelled_finance_paths_pass() {
        for good in [
            "/api/v1/families",
            "/api/v1/families/0193a4b2-7c1d-7e4f-9a2b-3c4d5e6f7a8b/transactions",
            "/api/v1/families/x/reports/transactions.csv",
            "/api/v1/families/x/budgets/status",
            "/api/v1/invites/q3Zr8mX0bN4vT1kY_7cW-2pL/accept",
        ] {
            assert!(plain_finance_path(good), "{good}");
        }
        for bad in [
            "/api/v1/families/",
            "/api/v1/familiesx",
            "/api/v1/families//x",
            "/api/v1/families/x/../y",
            "/api/v1/families/./x",
            "/api/v1/families/%2e%2e/auth",
            "/api/v1/families/x/reports/other.csv",
            "/api/v1/invites",
            "/api/v1/invites/",
            "/api/v1/invites/a\\b",
            "/api/v1/auth/login",
        ] {
            assert!(!plain_finance_path(bad), "{bad}");
        }
    }

    #[test]
    fn forwarded_for_is_appended_to_only_for_a_trusted_peer() {
        let ingress: IpAddr = "10.1.2.3".parse().expect("ip");
        let stranger: IpAddr = "203.0.113.9".parse().expect("ip");
        let upstream = Upstream::new("http://127.0.0.1:1", true)
            .expect("client")
            .trusting(vec!["10.0.0.0/8".parse().expect("cidr")]);
        assert_eq!(
            upstream.forwarded_for(Some(ingress), Some("198.51.100.7")),
            Some("198.51.100.7, 10.1.2.3".to_owned())
        );
        assert_eq!(
            upstream.forwarded_for(Some(ingress), None),
            Some("10.1.2.3".to_owned())
        );
        // A browser's own header is not believed.
        assert_eq!(
            upstream.forwarded_for(Some(stranger), Some("1.1.1.1")),
            Some("203.0.113.9".to_owned())
        );
    }
}
