//! Errors this service answers itself, in the contract's problem+json shape.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use auth_types::Problem;
use auth_types::problem::PROBLEM_CONTENT_TYPE;

pub fn problem(status: StatusCode, code: &str, detail: &str) -> HttpResponse {
    let body = Problem::new(
        status.as_u16(),
        status.canonical_reason().unwrap_or("Error"),
        code,
        detail,
    );
    HttpResponse::build(status)
        .content_type(PROBLEM_CONTENT_TYPE)
        .json(body)
}

pub fn not_found() -> HttpResponse {
    problem(StatusCode::NOT_FOUND, "not_found", "There is nothing here.")
}

/// 405 for a method the resource does not serve, naming the ones it does.
pub fn method_not_allowed(allow: &'static str) -> HttpResponse {
    let mut res = problem(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        &format!("This resource only answers {allow}."),
    );
    res.headers_mut().insert(
        actix_web::http::header::ALLOW,
        actix_web::http::header::HeaderValue::from_static(allow),
    );
    res
}

/// The auth service cannot be reached or did not answer in time.
pub fn unavailable() -> HttpResponse {
    let mut res = problem(
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
        "The service is temporarily unavailable; try again in a moment.",
    );
    res.headers_mut().insert(
        actix_web::http::header::RETRY_AFTER,
        actix_web::http::header::HeaderValue::from_static("2"),
    );
    res
}
