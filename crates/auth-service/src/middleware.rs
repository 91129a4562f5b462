//! Middleware that applies to every request: the body size limit (checked
//! before authentication, per the contract). The request id and access log are
//! service-kit's, shared with the web service.

use actix_web::ResponseError;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;

use crate::error::Error;
use crate::extract::MAX_BODY_BYTES;

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
