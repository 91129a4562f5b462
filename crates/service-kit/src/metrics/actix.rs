//! The request metrics of an actix-web service, by route *template*
//! (`/api/v1/auth/sessions/{id}`, never the id itself, so the number of series
//! stays bounded):
//!
//! - `http_requests_total{method,route,status}`
//! - `http_request_duration_seconds{method,route}`
//! - `http_requests_in_flight`
//!
//! Requests no route matched are counted under `route="unmatched"`.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

/// Counts the request as in flight for as long as it lives, even when the
/// client goes away and the request's future is dropped half-way.
struct InFlight;

impl InFlight {
    fn start() -> Self {
        metrics::gauge!("http_requests_in_flight").increment(1.0);
        Self
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        metrics::gauge!("http_requests_in_flight").decrement(1.0);
    }
}

/// Describes the request metrics (the `# HELP` lines of `/metrics`).
pub fn describe() {
    metrics::describe_counter!(
        "http_requests_total",
        "HTTP requests answered, by method, route template and status"
    );
    metrics::describe_histogram!(
        "http_request_duration_seconds",
        metrics::Unit::Seconds,
        "Time to answer an HTTP request, by method and route template"
    );
    metrics::describe_gauge!(
        "http_requests_in_flight",
        "HTTP requests being answered now"
    );
}

/// Middleware (`App::wrap(from_fn(record_request))`) counting and timing every request.
pub async fn record_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let method = req.method().to_string();
    let _in_flight = InFlight::start();
    let started = Instant::now();
    let result = next.call(req).await;
    let (route, status) = match &result {
        Ok(res) => (
            res.request().match_pattern(),
            res.status().as_u16().to_string(),
        ),
        // An error that escaped every handler becomes actix's own answer.
        Err(err) => (
            None,
            err.as_response_error().status_code().as_u16().to_string(),
        ),
    };
    let route = route.unwrap_or_else(|| "unmatched".to_owned());
    metrics::counter!("http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    result
}

#[cfg(test)]
mod tests {
    use actix_web::middleware::from_fn;
    use actix_web::{App, HttpResponse, test, web};

    use super::*;

    #[actix_web::test]
    async fn requests_are_counted_by_route_template_and_status() {
        let handle = crate::metrics::install();
        let app = test::init_service(
            App::new()
                .wrap(from_fn(record_request))
                .route(
                    "/kit-test/items/{id}",
                    web::get().to(|| async { HttpResponse::NoContent().finish() }),
                )
                .default_service(web::to(|| async { HttpResponse::NotFound().finish() })),
        )
        .await;
        for id in ["1", "2", "3"] {
            let req = test::TestRequest::get()
                .uri(&format!("/kit-test/items/{id}"))
                .to_request();
            assert_eq!(test::call_service(&app, req).await.status(), 204);
        }
        let req = test::TestRequest::get()
            .uri("/kit-test/nowhere")
            .to_request();
        assert_eq!(test::call_service(&app, req).await.status(), 404);

        let samples = test_support::prometheus::parse(&handle.render());
        let route = [("route", "/kit-test/items/{id}"), ("method", "GET")];
        assert_eq!(
            samples.value(
                "http_requests_total",
                &[route[0], route[1], ("status", "204")]
            ),
            3.0
        );
        assert_eq!(
            samples.value("http_request_duration_seconds_count", &route),
            3.0
        );
        assert_eq!(
            samples.value(
                "http_requests_total",
                &[("route", "unmatched"), ("status", "404")]
            ),
            1.0
        );
        assert!(
            !samples.all("http_requests_total").any(|s| s
                .labels
                .get("route")
                .is_some_and(|r| r.contains("/items/1"))),
            "raw paths never become labels"
        );
        assert_eq!(samples.value("http_requests_in_flight", &[]), 0.0);
    }
}
