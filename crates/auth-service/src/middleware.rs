//! Middleware that applies to every request: the request id and access log,
//! and the body size limit (checked before authentication, per the contract).

use std::time::Instant;

use actix_web::ResponseError;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use tracing::Instrument;

use crate::error::Error;
use crate::extract::MAX_BODY_BYTES;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// A caller's request id is kept when it is short and printable; otherwise a new one is made.
fn request_id(req: &ServiceRequest) -> String {
    req.headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|id| !id.is_empty() && id.len() <= 128 && id.bytes().all(|b| b.is_ascii_graphic()))
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned)
}

/// Gives every request an id (echoed in `X-Request-Id`) and logs one line when it ends:
/// method, path, status and latency — never headers or bodies, which may hold secrets.
pub async fn access_log(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = request_id(&req);
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

/// Refuses a body announced larger than the limit with 413 before anything else
/// looks at the request; bodies without a length are cut off while being read.
pub async fn body_limit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::EitherBody<impl MessageBody>>, actix_web::Error> {
    let too_large = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|len| len > MAX_BODY_BYTES as u64);
    if too_large {
        let res = Error::PayloadTooLarge.error_response();
        return Ok(req.into_response(res).map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
}
