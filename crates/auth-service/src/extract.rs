//! Request extractors: JSON bodies with the contract's errors, the bearer-token
//! guard, and the client's address.
//!
//! Handlers list the bearer guard before the body, so authentication (401) is
//! checked before the content type (415), the JSON (400) and the fields (422).
//! Oversized bodies are refused by [`crate::middleware`] before either runs.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use auth_types::signing::{self, ReceivedHeaders};
use auth_types::{Claims, FieldError, SessionId, SignatureError, TokenKind, UserId};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use crate::error::Error;
use crate::sessions::ClientInfo;
use crate::state::{AppState, unix_now};

/// The largest request body accepted.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// A JSON object body deserialised into `T`.
pub struct ApiJson<T>(pub T);

/// Like [`ApiJson`], but an empty body is `None` (for optional bodies).
pub struct OptionalJson<T>(pub Option<T>);

async fn read_body(payload: &mut Payload) -> Result<web::BytesMut, Error> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| Error::MalformedRequest(format!("unreadable body: {e}")))?;
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(Error::PayloadTooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn is_json(req: &HttpRequest) -> bool {
    req.mime_type().ok().flatten().is_some_and(|mime| {
        mime.type_() == mime::APPLICATION
            && (mime.subtype() == mime::JSON || mime.suffix() == Some(mime::JSON))
    })
}

/// Turns a body into `T`: it must be a JSON object, then its fields must fit `T`.
pub fn parse_json_object<T: DeserializeOwned>(body: &[u8]) -> Result<T, Error> {
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
        Error::MalformedRequest(format!(
            "invalid JSON at line {}, column {}",
            e.line(),
            e.column()
        ))
    })?;
    if !value.is_object() {
        return Err(Error::MalformedRequest("the JSON is not an object".into()));
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
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
        Error::Validation(vec![FieldError::new(&field, "invalid_value", message)])
    })
}

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json = is_json(req);
        let mut payload = payload.take();
        Box::pin(async move {
            if !json {
                return Err(Error::UnsupportedMediaType);
            }
            let body = read_body(&mut payload).await?;
            parse_json_object(&body).map(ApiJson)
        })
    }
}

/// A bot-only request: its HMAC signature is checked on the raw body (401
/// `invalid_signature`, `stale_request`, `replayed_request`) before the body
/// is parsed as a JSON object into `T`.
pub struct Signed<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Signed<T> {
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            let state = req
                .app_data::<web::Data<AppState>>()
                .cloned()
                .ok_or_else(|| Error::internal("app state missing"))?;
            let body = read_body(&mut payload).await?;
            let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
            let received = ReceivedHeaders {
                timestamp: header(signing::HEADER_TIMESTAMP),
                nonce: header(signing::HEADER_NONCE),
                signature: header(signing::HEADER_SIGNATURE),
            };
            let path = req
                .uri()
                .path_and_query()
                .map_or(req.path(), |pq| pq.as_str());
            let nonce = state
                .bot_signer
                .verify(received, req.method().as_str(), path, &body, unix_now())
                .map_err(|e| match e {
                    SignatureError::Invalid => Error::InvalidSignature,
                    SignatureError::Stale => Error::StaleRequest,
                })?;
            if !state.nonces.first_use(nonce).await? {
                return Err(Error::ReplayedRequest);
            }
            if !is_json(&req) {
                return Err(Error::UnsupportedMediaType);
            }
            parse_json_object(&body).map(Signed)
        })
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for OptionalJson<T> {
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json = is_json(req);
        let mut payload = payload.take();
        Box::pin(async move {
            let body = read_body(&mut payload).await?;
            if body.iter().all(u8::is_ascii_whitespace) {
                return Ok(OptionalJson(None));
            }
            if !json {
                return Err(Error::UnsupportedMediaType);
            }
            parse_json_object(&body).map(|v| OptionalJson(Some(v)))
        })
    }
}

/// A caller holding a live access token. Ask for it in a handler to require one.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub user_id: UserId,
    pub session_id: SessionId,
    pub claims: Claims,
}

fn bearer_token(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// An access token whose signature, kind and expiry are good, but not yet
/// checked against its session. Only a handler that checks that itself takes
/// it (`/me`, in the same round trip as its cache read); every other handler
/// takes [`Authenticated`].
pub struct VerifiedAccess {
    pub claims: Claims,
    pub state: web::Data<AppState>,
}

impl VerifiedAccess {
    fn from_request(req: &HttpRequest) -> Result<Self, Error> {
        let token = bearer_token(req).ok_or(Error::Unauthorized)?;
        let state = req
            .app_data::<web::Data<AppState>>()
            .cloned()
            .ok_or_else(|| Error::internal("app state missing"))?;
        let claims = state
            .tokens
            .keys
            .verify(token, TokenKind::Access)
            .map_err(|_| Error::Unauthorized)?;
        Ok(Self { claims, state })
    }
}

impl FromRequest for VerifiedAccess {
    type Error = Error;
    type Future = std::future::Ready<Result<Self, Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(VerifiedAccess::from_request(req))
    }
}

impl FromRequest for Authenticated {
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let verified = VerifiedAccess::from_request(req);
        Box::pin(async move {
            let VerifiedAccess { claims, state } = verified?;
            if !state.sessions.access_is_live(&claims).await? {
                return Err(Error::Unauthorized);
            }
            Ok(Authenticated {
                user_id: claims.sub,
                session_id: claims.sid,
                claims,
            })
        })
    }
}

/// A bearer-authenticated request with a body: authentication is settled
/// before the body is even read, so a revoked token is a 401 whatever the
/// body (actix would otherwise poll both extractors together).
pub struct Authed<E>(pub Authenticated, pub E);

impl<E> FromRequest for Authed<E>
where
    E: FromRequest<Error = Error> + 'static,
    E::Future: 'static,
{
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let auth = Authenticated::from_request(req, &mut Payload::None);
        let body = E::from_request(req, payload);
        Box::pin(async move {
            let auth = auth.await?;
            let body = body.await?;
            Ok(Authed(auth, body))
        })
    }
}

impl FromRequest for ClientInfo {
    type Error = Error;
    type Future = std::future::Ready<Result<Self, Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let user_agent = req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(256).collect())
            .unwrap_or_default();
        let trusted = req
            .app_data::<web::Data<AppState>>()
            .map(|state| state.settings.trusted_proxies.as_slice())
            .unwrap_or_default();
        let forwarded_for = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok());
        let ip =
            crate::rate_limit::client_ip(req.peer_addr().map(|a| a.ip()), forwarded_for, trusted)
                .map(|ip| ip.to_string())
                .unwrap_or_default();
        std::future::ready(Ok(ClientInfo { user_agent, ip }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Body {
        email: String,
        count: Option<u32>,
    }

    fn field_error(body: &str) -> FieldError {
        match parse_json_object::<Body>(body.as_bytes()) {
            Err(Error::Validation(errors)) => errors[0].clone(),
            other => panic!("expected a validation error, got {:?}", other.err()),
        }
    }

    #[test]
    fn non_objects_and_broken_json_are_malformed() {
        for body in ["", "{", "[]", "\"x\"", "42", "null", "[\"a@b.co\"]"] {
            assert!(
                matches!(
                    parse_json_object::<Body>(body.as_bytes()),
                    Err(Error::MalformedRequest(_))
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
}
