//! The one writer of the contract's problem+json answers (RFC 9457 with a
//! `code`), and the answers every HTTP service gives alike: 404 and 405 (also
//! as default services), 401 for a missing or bad bearer token, 422 with the
//! fields named, 429, 503 for a dependency that failed, and 500 for a bug.
//!
//! The 5xx writers log: a 503 as a warning (counted in
//! `dependency_unavailable_total`), a 500 as an error with the whole cause chain;
//! the answer itself never says more than its code.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, Route, web};
use auth_types::problem::{PROBLEM_CONTENT_TYPE, codes};
use auth_types::{FieldError, Problem};

use crate::dependency::Dependency;

/// Seconds a client is asked to wait (`Retry-After`) before repeating a
/// request refused with 503.
pub const RETRY_AFTER_SECS: u64 = 2;

/// A problem+json answer: `status`, its reason as the title, `code`, `detail`,
/// and for a 422 the failing fields. Add headers with
/// `response.headers_mut().insert(…)`.
pub fn problem_response(
    status: StatusCode,
    code: &str,
    detail: impl Into<String>,
    errors: Vec<FieldError>,
) -> HttpResponse {
    let mut problem = Problem::new(
        status.as_u16(),
        status.canonical_reason().unwrap_or("Error"),
        code,
        detail,
    );
    problem.errors = errors;
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, PROBLEM_CONTENT_TYPE))
        // Serialising a struct of strings cannot fail; fall back to an empty body anyway.
        .body(serde_json::to_vec(&problem).unwrap_or_default())
}

/// `err` and every cause under it, `: `-separated, for logs.
pub fn cause_chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        source = cause.source();
    }
    out
}

/// 404 `not_found`: unknown paths, and anything the caller may not know exists.
pub fn not_found() -> HttpResponse {
    problem_response(
        StatusCode::NOT_FOUND,
        codes::NOT_FOUND,
        "There is nothing here.",
        Vec::new(),
    )
}

/// 405 `method_not_allowed` with the `Allow` header naming the methods served.
pub fn method_not_allowed(allow: &'static str) -> HttpResponse {
    let mut response = problem_response(
        StatusCode::METHOD_NOT_ALLOWED,
        codes::METHOD_NOT_ALLOWED,
        format!("This resource only answers {allow}."),
        Vec::new(),
    );
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static(allow));
    response
}

/// [`not_found`] as a default service: `App::default_service(not_found_service())`.
pub fn not_found_service() -> Route {
    web::to(|| async { not_found() })
}

/// [`method_not_allowed`] as a resource's default service:
/// `web::resource(path).route(…).default_service(method_not_allowed_service("GET"))`.
pub fn method_not_allowed_service(allow: &'static str) -> Route {
    web::to(move || async move { method_not_allowed(allow) })
}

/// 401 `unauthorized` with `WWW-Authenticate: Bearer`: a bearer token is
/// missing, malformed, expired or revoked.
pub fn unauthorized() -> HttpResponse {
    let mut response = problem_response(
        StatusCode::UNAUTHORIZED,
        codes::UNAUTHORIZED,
        "A valid access token is required.",
        Vec::new(),
    );
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

/// 422 `validation_failed`, naming each failing field.
pub fn validation_failed(errors: Vec<FieldError>) -> HttpResponse {
    problem_response(
        StatusCode::UNPROCESSABLE_ENTITY,
        codes::VALIDATION_FAILED,
        "Some fields are missing or invalid.",
        errors,
    )
}

/// 429 `rate_limited` with `Retry-After`.
pub fn rate_limited(retry_after_secs: u64) -> HttpResponse {
    let mut response = problem_response(
        StatusCode::TOO_MANY_REQUESTS,
        codes::RATE_LIMITED,
        format!("Too many attempts; try again in {retry_after_secs} seconds."),
        Vec::new(),
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
    response
}

/// 503 `unavailable` with `Retry-After` ([`RETRY_AFTER_SECS`]), saying `detail`.
/// Logs nothing: see [`dependency_unavailable`].
pub fn unavailable(detail: &str) -> HttpResponse {
    let mut response = problem_response(
        StatusCode::SERVICE_UNAVAILABLE,
        codes::UNAVAILABLE,
        detail,
        Vec::new(),
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
    response
}

/// 503 `unavailable` because `dependency` failed or was too slow: `err` is
/// logged as a warning and counted in `dependency_unavailable_total`.
pub fn dependency_unavailable(dependency: Dependency, err: &dyn std::error::Error) -> HttpResponse {
    metrics::counter!("dependency_unavailable_total", "dependency" => dependency.to_string())
        .increment(1);
    tracing::warn!(error = %cause_chain(err), "dependency unavailable");
    unavailable("The service is temporarily unavailable; try again shortly.")
}

/// 500 `internal`: a bug. `err` is logged in full; the answer says nothing of it.
pub fn internal(err: &dyn std::error::Error) -> HttpResponse {
    tracing::error!(error = %cause_chain(err), "request failed");
    problem_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        codes::INTERNAL,
        "Something went wrong on our side.",
        Vec::new(),
    )
}

#[cfg(test)]
mod tests {
    use actix_web::body::MessageBody;

    use super::*;

    fn body(response: HttpResponse) -> serde_json::Value {
        let bytes = response
            .into_body()
            .try_into_bytes()
            .expect("a body in one piece");
        serde_json::from_slice(&bytes).expect("JSON")
    }

    #[test]
    fn a_problem_has_the_content_type_the_reason_and_the_fields() {
        let response = problem_response(
            StatusCode::UNPROCESSABLE_ENTITY,
            codes::VALIDATION_FAILED,
            "no",
            vec![FieldError::new("email", codes::INVALID_EMAIL, "bad")],
        );
        assert_eq!(
            response
                .headers()
                .get(header::CONTENT_TYPE)
                .expect("a content type"),
            "application/problem+json"
        );
        assert_eq!(
            body(response),
            serde_json::json!({
                "type": "about:blank", "title": "Unprocessable Entity", "status": 422,
                "detail": "no", "code": "validation_failed",
                "errors": [{"field": "email", "code": "invalid_email", "message": "bad"}],
            })
        );
        let plain = body(not_found());
        assert!(plain.get("errors").is_none(), "{plain}");
    }

    #[test]
    fn the_standard_answers_carry_their_headers() {
        let header = |response: &HttpResponse, name| {
            response
                .headers()
                .get(name)
                .map(|v| v.to_str().expect("text").to_owned())
        };
        let answer = method_not_allowed("GET, HEAD");
        assert_eq!(answer.status(), 405);
        assert_eq!(header(&answer, header::ALLOW).as_deref(), Some("GET, HEAD"));
        let answer = unauthorized();
        assert_eq!(
            header(&answer, header::WWW_AUTHENTICATE).as_deref(),
            Some("Bearer")
        );
        let answer = unavailable("later");
        assert_eq!(header(&answer, header::RETRY_AFTER).as_deref(), Some("2"));
        let answer = rate_limited(17);
        assert_eq!(header(&answer, header::RETRY_AFTER).as_deref(), Some("17"));
        assert_eq!(body(internal(&std::fmt::Error))["code"], "internal");
    }

    #[test]
    fn the_cause_chain_names_every_cause() {
        let wrapped = Wrapped(std::io::Error::other("refused"));
        assert_eq!(cause_chain(&wrapped), "wrapped: refused");
    }

    #[derive(Debug)]
    struct Wrapped(std::io::Error);

    impl std::fmt::Display for Wrapped {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("wrapped")
        }
    }

    impl std::error::Error for Wrapped {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }
}
