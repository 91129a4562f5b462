//! Request ids and the access log of the HTTP services (actix-web).
//!
//! Every request gets an id: the caller's `X-Request-Id` when it is short and
//! printable, a new UUID otherwise. It is echoed in the answer, put on the
//! request's log span, and kept in the request's extensions as [`RequestId`]
//! so a service that calls another passes the same id on — one id follows a
//! request through every service's logs.

use std::time::Instant;

use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use tracing::Instrument;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The id of the request being answered (in the request's extensions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

/// The caller's id when it is usable, a new one otherwise.
fn request_id(req: &ServiceRequest) -> String {
    req.headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|id| !id.is_empty() && id.len() <= 128 && id.bytes().all(|b| b.is_ascii_graphic()))
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned)
}

/// Gives every request an id (echoed in `X-Request-Id`) and logs one line when it ends:
/// method, path (never the query: links carry tokens), status and latency — never
/// headers or bodies, which may hold secrets.
pub async fn access_log(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = request_id(&req);
    req.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        path = %req.path(),
    );
    let started = Instant::now();
    async move {
        let mut res = next.call(req).await?;
        let status = res.status().as_u16();
        let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
        if let Ok(value) = HeaderValue::from_str(&id) {
            res.headers_mut().insert(REQUEST_ID, value);
        }
        tracing::info!(status, latency_ms, "request finished");
        Ok(res)
    }
    .instrument(span)
    .await
}

#[cfg(test)]
mod tests {
    use actix_web::middleware::from_fn;
    use actix_web::{App, HttpRequest, HttpResponse, test, web};

    use super::*;

    async fn echo(req: HttpRequest) -> HttpResponse {
        let id = req.extensions().get::<RequestId>().map(|id| id.0.clone());
        HttpResponse::Ok().body(id.unwrap_or_default())
    }

    #[actix_web::test]
    async fn a_usable_id_is_kept_and_a_missing_or_odd_one_replaced() {
        let app = test::init_service(
            App::new()
                .wrap(from_fn(access_log))
                .route("/", web::get().to(echo)),
        )
        .await;
        let kept = test::TestRequest::get()
            .uri("/")
            .insert_header(("x-request-id", "tg-42"))
            .to_request();
        let res = test::call_service(&app, kept).await;
        assert_eq!(
            res.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok()),
            Some("tg-42")
        );
        assert_eq!(test::read_body(res).await, "tg-42");

        for odd in [None, Some("has space"), Some("")] {
            let mut req = test::TestRequest::get().uri("/");
            if let Some(odd) = odd {
                req = req.insert_header(("x-request-id", odd));
            }
            let res = test::call_service(&app, req.to_request()).await;
            let header = res
                .headers()
                .get(&REQUEST_ID)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            assert!(uuid::Uuid::parse_str(&header).is_ok(), "{odd:?} → {header}");
            assert_eq!(test::read_body(res).await, header.as_bytes());
        }
    }
}
