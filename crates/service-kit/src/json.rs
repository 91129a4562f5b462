//! JSON request bodies with the contract's answers: 413 for a body over
//! [`MAX_BODY_BYTES`], 415 for one sent without a JSON content type, 400 for
//! one that is not a JSON object, 422 for fields that do not fit.
//!
//! [`body_limit`] refuses a body announced larger than the limit before
//! anything else looks at the request (413 comes before 401); the extractors
//! cut off a body without a length while reading it. A handler that needs the
//! caller lists the guard before the body, so 401 comes before 415, 400 and 422.

use std::future::Future;
use std::pin::Pin;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, ResponseError, web};
use auth_types::FieldError;
use auth_types::problem::codes;
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::problem;

/// The largest request body accepted.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Why a request body was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    /// 400 `malformed_request`: unreadable, not JSON, or JSON but not an object.
    #[error("the request body is not a JSON object: {0}")]
    Malformed(String),
    /// 422 `validation_failed`: the object's fields do not fit.
    #[error("request fields are invalid")]
    Validation(Vec<FieldError>),
    /// 415 `unsupported_media_type`: sent without a JSON content type.
    #[error("the request body is not JSON")]
    UnsupportedMediaType,
    /// 413 `payload_too_large`: over [`MAX_BODY_BYTES`].
    #[error("the request body is larger than the limit")]
    PayloadTooLarge,
}

impl ResponseError for BodyError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Malformed(_) => StatusCode::BAD_REQUEST,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        match self {
            Self::Malformed(why) => problem::problem_response(
                status,
                codes::MALFORMED_REQUEST,
                format!("The request body must be a JSON object ({why})."),
                Vec::new(),
            ),
            Self::Validation(errors) => problem::validation_failed(errors.clone()),
            Self::UnsupportedMediaType => problem::problem_response(
                status,
                codes::UNSUPPORTED_MEDIA_TYPE,
                "Send the body as JSON with Content-Type: application/json.",
                Vec::new(),
            ),
            Self::PayloadTooLarge => problem::problem_response(
                status,
                codes::PAYLOAD_TOO_LARGE,
                "The request body is larger than 64 KiB.",
                Vec::new(),
            ),
        }
    }
}

/// Refuses a body announced (`Content-Length`) larger than [`MAX_BODY_BYTES`]
/// with 413 before anything else looks at the request:
/// `App::new().wrap(actix_web::middleware::from_fn(body_limit))`.
pub async fn body_limit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let too_large = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|len| len > MAX_BODY_BYTES as u64);
    if too_large {
        let res = BodyError::PayloadTooLarge.error_response();
        return Ok(req.into_response(res).map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
}

/// Reads the whole body, refusing more than [`MAX_BODY_BYTES`].
pub async fn read_body(payload: &mut Payload) -> Result<web::BytesMut, BodyError> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| BodyError::Malformed(format!("unreadable body: {e}")))?;
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(BodyError::PayloadTooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Whether the request says its body is JSON (`application/json`, or
/// `application/…+json`).
pub fn is_json(req: &HttpRequest) -> bool {
    req.mime_type().ok().flatten().is_some_and(|mime| {
        mime.type_() == mime::APPLICATION
            && (mime.subtype() == mime::JSON || mime.suffix() == Some(mime::JSON))
    })
}

/// The body as a JSON object, or 400.
fn object(body: &[u8]) -> Result<Map<String, Value>, BodyError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        BodyError::Malformed(format!(
            "invalid JSON at line {}, column {}",
            e.line(),
            e.column()
        ))
    })?;
    match value {
        Value::Object(object) => Ok(object),
        _ => Err(BodyError::Malformed("the JSON is not an object".into())),
    }
}

/// `object`'s fields as a `T`, or 422 naming the first field that does not fit.
pub fn fields<T: DeserializeOwned>(object: Map<String, Value>) -> Result<T, BodyError> {
    serde_path_to_error::deserialize(Value::Object(object)).map_err(|e| {
        let field = e.path().to_string();
        let inner = e.into_inner().to_string();
        // serde names a missing field only in its message: "missing field `email`".
        let (field, message) = match inner.strip_prefix("missing field `") {
            Some(rest) => (
                rest.trim_end_matches('`').to_owned(),
                "is required".to_owned(),
            ),
            None => (field, inner),
        };
        let field = if field == "." { String::new() } else { field };
        BodyError::Validation(vec![FieldError::new(&field, codes::INVALID_VALUE, message)])
    })
}

/// Turns a body into `T`: it must be a JSON object (400), then its fields must fit `T` (422).
pub fn parse_json_object<T: DeserializeOwned>(body: &[u8]) -> Result<T, BodyError> {
    fields(object(body)?)
}

type BodyFuture<T, E> = Pin<Box<dyn Future<Output = Result<T, E>>>>;

/// A JSON object body deserialised into `T` (415, 413, 400, then 422).
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = BodyError;
    type Future = BodyFuture<Self, BodyError>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let object = JsonObject::from_request(req, payload);
        Box::pin(async move { object.await?.fields().map(ApiJson) })
    }
}

/// Like [`ApiJson`], but an empty body (or only white space), whatever its
/// content type, is `None`: for optional bodies.
pub struct OptionalJson<T>(pub Option<T>);

impl<T: DeserializeOwned + 'static> FromRequest for OptionalJson<T> {
    type Error = BodyError;
    type Future = BodyFuture<Self, BodyError>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let object = read_object(req, payload, true);
        Box::pin(async move {
            match object.await? {
                Some(object) => fields(object).map(|v| OptionalJson(Some(v))),
                None => Ok(OptionalJson(None)),
            }
        })
    }
}

/// The body as a JSON object: 415 unless the content type is JSON (checked
/// before the body is read, unless the body is `optional`), 413, then 400.
/// `None`: an `optional` body that was empty or only white space.
fn read_object(
    req: &HttpRequest,
    payload: &mut Payload,
    optional: bool,
) -> impl Future<Output = Result<Option<Map<String, Value>>, BodyError>> + 'static {
    let json = is_json(req);
    let mut payload = payload.take();
    async move {
        if !json && !optional {
            return Err(BodyError::UnsupportedMediaType);
        }
        let body = read_body(&mut payload).await?;
        if optional && body.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        if !json {
            return Err(BodyError::UnsupportedMediaType);
        }
        object(&body).map(Some)
    }
}

/// A JSON object body, its fields not read yet (415, 413, 400 only): for a
/// handler that has checks to make between the 400 and the 422. Read the
/// fields with [`JsonObject::fields`].
#[derive(Debug, Clone, PartialEq)]
pub struct JsonObject(pub Map<String, Value>);

impl JsonObject {
    /// The fields as a `T`, or 422 naming the first that does not fit.
    pub fn fields<T: DeserializeOwned>(self) -> Result<T, BodyError> {
        fields(self.0)
    }
}

impl FromRequest for JsonObject {
    type Error = BodyError;
    type Future = BodyFuture<Self, BodyError>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let object = read_object(req, payload, false);
        Box::pin(async move { Ok(JsonObject(object.await?.unwrap_or_default())) })
    }
}

#[cfg(test)]
mod tests {
    use actix_web::test::{self, TestRequest};
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Body {
        email: String,
        count: Option<u32>,
    }

    fn field_error(body: &str) -> FieldError {
        match parse_json_object::<Body>(body.as_bytes()) {
            Err(BodyError::Validation(errors)) => errors[0].clone(),
            other => panic!("expected a validation error, got {:?}", other.err()),
        }
    }

    #[test]
    fn non_objects_and_broken_json_are_malformed() {
        for body in ["", "{", "[]", "\"x\"", "42", "null", "[\"a@b.co\"]"] {
            assert!(
                matches!(
                    parse_json_object::<Body>(body.as_bytes()),
                    Err(BodyError::Malformed(_))
                ),
                "{body:?}"
            );
        }
    }

    #[test]
    fn missing_and_mistyped_fields_are_named() {
        let missing = field_error("{}");
        assert_eq!(
            (missing.field.as_str(), missing.code.as_str()),
            ("email", "invalid_value")
        );
        assert_eq!(missing.message, "is required");
        let mistyped = field_error(r#"{"email": 5}"#);
        assert_eq!(mistyped.field, "email");
        let nested = field_error(r#"{"email": "a", "count": -1}"#);
        assert_eq!(nested.field, "count");
    }

    #[test]
    fn unknown_fields_are_ignored() {
        let body: Body = parse_json_object(br#"{"email": "a", "extra": [1, 2]}"#).expect("valid");
        assert_eq!(body.email, "a");
    }

    #[test]
    fn body_errors_answer_their_status_and_code() {
        for (error, status, code) in [
            (BodyError::Malformed("x".into()), 400, "malformed_request"),
            (BodyError::Validation(vec![]), 422, "validation_failed"),
            (
                BodyError::UnsupportedMediaType,
                415,
                "unsupported_media_type",
            ),
            (BodyError::PayloadTooLarge, 413, "payload_too_large"),
        ] {
            let response = error.error_response();
            assert_eq!(response.status().as_u16(), status);
            let bytes = response.into_body().try_into_bytes().expect("one piece");
            let problem: auth_types::Problem = serde_json::from_slice(&bytes).expect("JSON");
            assert_eq!(problem.code, code);
        }
    }

    async fn json_object(req: TestRequest) -> Result<JsonObject, BodyError> {
        let (req, mut payload) = req.to_http_parts();
        JsonObject::from_request(&req, &mut payload).await
    }

    #[actix_web::test]
    async fn a_json_object_is_checked_for_type_size_and_shape_only() {
        let json = || TestRequest::post().insert_header(("content-type", "application/json"));
        let object = json_object(json().set_payload(r#"{"amount": 5}"#)).await;
        assert_eq!(object.expect("an object").0["amount"], 5);
        let wrong_type = json_object(TestRequest::post().set_payload("{}")).await;
        assert_eq!(wrong_type, Err(BodyError::UnsupportedMediaType));
        let array = json_object(json().set_payload("[]")).await;
        assert!(matches!(array, Err(BodyError::Malformed(_))));
        let large = json_object(json().set_payload(vec![b' '; MAX_BODY_BYTES + 1])).await;
        assert_eq!(large, Err(BodyError::PayloadTooLarge));
        let fields = JsonObject(Map::new()).fields::<Body>();
        assert!(matches!(fields, Err(BodyError::Validation(_))));
    }

    #[actix_web::test]
    async fn an_announced_oversized_body_is_refused_before_the_handler() {
        let app = test::init_service(
            actix_web::App::new()
                .wrap(actix_web::middleware::from_fn(body_limit))
                .route("/", web::post().to(HttpResponse::NoContent)),
        )
        .await;
        let big = TestRequest::post()
            .uri("/")
            .insert_header((header::CONTENT_LENGTH, (MAX_BODY_BYTES + 1).to_string()))
            .to_request();
        assert_eq!(test::call_service(&app, big).await.status(), 413);
        let small = TestRequest::post().uri("/").set_payload("{}").to_request();
        assert_eq!(test::call_service(&app, small).await.status(), 204);
    }
}
