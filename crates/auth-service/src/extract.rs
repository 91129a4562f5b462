//! Request extractors of the auth service: the bot's signed bodies, a bearer
//! token verified but not yet checked (`/me`), a bearer-authenticated body, and
//! the client's address. JSON bodies are `service_kit::json`'s, the
//! bearer-token guard (`Authenticated`) is `session_guard`'s.
//!
//! Handlers list the bearer guard before the body, so authentication (401) is
//! checked before the content type (415), the JSON (400) and the fields (422).
//! Oversized bodies are refused by `service_kit::json::body_limit` before either runs.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use auth_types::signing::{self, ReceivedHeaders};
use auth_types::{Claims, SignatureError};
use serde::de::DeserializeOwned;
use service_kit::json::{BodyError, is_json, parse_json_object, read_body};
use session_guard::Authenticated;

use crate::error::Error;
use crate::sessions::ClientInfo;
use crate::state::{AppState, unix_now};

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
                return Err(BodyError::UnsupportedMediaType.into());
            }
            Ok(Signed(parse_json_object(&body)?))
        })
    }
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
        let state = req
            .app_data::<web::Data<AppState>>()
            .cloned()
            .ok_or_else(|| Error::internal("app state missing"))?;
        let claims = state
            .guard
            .verify_bearer(session_guard::authorization(req))?;
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

/// A bearer-authenticated request with a body: authentication is settled
/// before the body is even read, so a revoked token is a 401 whatever the
/// body (actix would otherwise poll both extractors together).
pub struct Authed<E>(pub Authenticated, pub E);

impl<E> FromRequest for Authed<E>
where
    E: FromRequest + 'static,
    E::Error: Into<Error>,
    E::Future: 'static,
{
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let auth = Authenticated::from_request(req, &mut Payload::None);
        let body = E::from_request(req, payload);
        Box::pin(async move {
            let auth = auth.await?;
            let body = body.await.map_err(Into::into)?;
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
