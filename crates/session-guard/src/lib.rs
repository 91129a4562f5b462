//! The access-token guard every Finance Bot service puts in front of its
//! endpoints, and the Redis client it checks sessions with.
//!
//! A request is let through when its `Authorization: Bearer` token is an
//! access token of the auth service (signature, algorithm, `iss`, `aud`, `exp`
//! and `typ = access`, checked by [`auth_types::TokenVerifier`]) and, in one
//! pipelined Redis round trip, its session still exists and belongs to the
//! token's `sub`, and its `jti` is not revoked ([`keys`]). So a token stops
//! working the moment its session ends, not when it expires.
//!
//! In an actix service: put a `web::Data<AccessGuard>` in the app data and take
//! [`Authenticated`] as a handler argument. Failures are [`GuardError`]s,
//! answered as the contract says (401 with `WWW-Authenticate: Bearer`, 503 with
//! `Retry-After`); a service's own error type converts from it.

pub mod keys;
pub mod redis;

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, web};
use auth_types::{Claims, SessionId, TokenKind, TokenVerifier, UserId};
use service_kit::dependency::{BoxError, Dependency};
use service_kit::problem;

pub use crate::redis::{Connection, Redis};

/// Why a request was not let through.
#[derive(Debug, thiserror::Error)]
pub enum GuardError {
    /// 401 `unauthorized`.
    #[error("missing, invalid, expired or revoked bearer token")]
    Unauthorized,
    /// 503 `unavailable`: Redis failed or was too slow.
    #[error("{0} is unavailable")]
    Unavailable(Dependency, #[source] Option<BoxError>),
    /// 500 `internal`: a bug (an unreadable Redis reply, the guard missing).
    #[error("internal error: {0}")]
    Internal(#[source] BoxError),
}

service_kit::impl_dependency_error!(GuardError);

impl From<::redis::RedisError> for GuardError {
    fn from(err: ::redis::RedisError) -> Self {
        // A reply we cannot read is our bug; everything else (I/O, refused,
        // busy, loading) is Redis being unavailable.
        if err.kind() == ::redis::ErrorKind::UnexpectedReturnType {
            Self::Internal(err.into())
        } else {
            Self::Unavailable(Dependency::Redis, Some(err.into()))
        }
    }
}

impl ResponseError for GuardError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Unavailable(..) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Unauthorized => problem::unauthorized(),
            Self::Unavailable(dependency, _) => problem::dependency_unavailable(*dependency, self),
            Self::Internal(_) => problem::internal(self),
        }
    }
}

/// The token of an `Authorization` header value `Bearer <token>` (the scheme
/// in any case), if it is one.
pub fn bearer_token(authorization: &str) -> Option<&str> {
    let (scheme, token) = authorization.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// The request's `Authorization` header value, if it is text.
pub fn authorization(req: &HttpRequest) -> Option<&str> {
    req.headers().get(header::AUTHORIZATION)?.to_str().ok()
}

/// Verifies access tokens and checks their sessions in the auth service's Redis.
#[derive(Clone, Debug)]
pub struct AccessGuard {
    /// Verifies the token's signature and claims.
    pub verifier: TokenVerifier,
    /// The auth service's Redis, with its key prefix.
    pub redis: Redis,
}

impl AccessGuard {
    /// `redis` must reach the auth service's Redis, with its key prefix.
    pub fn new(verifier: TokenVerifier, redis: Redis) -> Self {
        Self { verifier, redis }
    }

    pub fn redis(&self) -> &Redis {
        &self.redis
    }

    /// The claims of a good access token (signature, claims and kind), its
    /// session not checked yet; anything else is [`GuardError::Unauthorized`].
    pub fn verify(&self, token: &str) -> Result<Claims, GuardError> {
        self.verifier
            .verify(token, TokenKind::Access)
            .map_err(|_| GuardError::Unauthorized)
    }

    /// [`verify`](Self::verify) of the bearer token in an `Authorization` value.
    pub fn verify_bearer(&self, authorization: Option<&str>) -> Result<Claims, GuardError> {
        let token = authorization
            .and_then(bearer_token)
            .ok_or(GuardError::Unauthorized)?;
        self.verify(token)
    }

    /// Adds the session checks of `claims` to `pipe`: two replies, the owner of
    /// the session (`HGET session:{sid} user_id`, `Option<String>`) and whether
    /// the token is revoked (`EXISTS revoked:{jti}`, `bool`). Read them with
    /// [`AccessGuard::is_live`]. For a handler that has more to ask of Redis in
    /// the same round trip; the others use [`check`](Self::check).
    pub fn queue_access_checks(&self, pipe: &mut ::redis::Pipeline, claims: &Claims) {
        pipe.hget(
            keys::session(&self.redis, claims.sid),
            keys::SESSION_USER_ID,
        )
        .exists(keys::revoked(&self.redis, claims.jti));
    }

    /// Whether the replies of [`queue_access_checks`](Self::queue_access_checks)
    /// let `claims` through: the session exists, its owner is `sub`, and the
    /// token is not revoked.
    pub fn is_live(claims: &Claims, session_owner: Option<&str>, revoked: bool) -> bool {
        let owner = session_owner.and_then(|owner| owner.parse::<UserId>().ok());
        owner == Some(claims.sub) && !revoked
    }

    /// Checks the session of verified `claims`: one pipelined round trip.
    pub async fn check(&self, claims: &Claims) -> Result<(), GuardError> {
        let (owner, revoked): (Option<String>, bool) = self
            .redis
            .run(async |conn| {
                let mut pipe = ::redis::pipe();
                self.queue_access_checks(&mut pipe, claims);
                Ok::<_, GuardError>(pipe.query_async(conn).await?)
            })
            .await?;
        if Self::is_live(claims, owner.as_deref(), revoked) {
            Ok(())
        } else {
            Err(GuardError::Unauthorized)
        }
    }

    /// The caller behind an `Authorization` value: the token verified, then its
    /// session checked.
    pub async fn authenticate(
        &self,
        authorization: Option<&str>,
    ) -> Result<Authenticated, GuardError> {
        let claims = self.verify_bearer(authorization)?;
        self.check(&claims).await?;
        Ok(Authenticated::from(claims))
    }
}

/// A caller holding a live access token. Take it as a handler argument to
/// require one; the app data must hold a `web::Data<AccessGuard>`.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub user_id: UserId,
    pub session_id: SessionId,
    pub claims: Claims,
}

impl From<Claims> for Authenticated {
    fn from(claims: Claims) -> Self {
        Self {
            user_id: claims.sub,
            session_id: claims.sid,
            claims,
        }
    }
}

impl FromRequest for Authenticated {
    type Error = GuardError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, GuardError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // The token is verified before anything is awaited.
        let verified = match req.app_data::<web::Data<AccessGuard>>() {
            Some(guard) => guard
                .verify_bearer(authorization(req))
                .map(|claims| (guard.clone(), claims)),
            None => Err(GuardError::Internal("the access guard is missing".into())),
        };
        Box::pin(async move {
            let (guard, claims) = verified?;
            guard.check(&claims).await?;
            Ok(Authenticated::from(claims))
        })
    }
}

#[cfg(test)]
mod tests {
    use service_kit::dependency::DependencyError;

    use super::*;

    #[test]
    fn bearer_tokens_are_found_in_any_case_of_the_scheme() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer  abc "), Some("abc"));
        assert_eq!(bearer_token("BEARER abc"), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer "), None);
        assert_eq!(bearer_token("Bearer"), None);
    }

    #[test]
    fn a_token_is_live_only_while_its_own_session_exists_unrevoked() {
        let keys = auth_types::JwtKeys::new(b"0123456789abcdef0123456789abcdef-test");
        let (_, claims) = keys
            .issue(UserId::new(), SessionId::new(), TokenKind::Access, 60, 0)
            .expect("sign");
        let owner = claims.sub.to_string();
        assert!(AccessGuard::is_live(&claims, Some(&owner), false));
        assert!(!AccessGuard::is_live(&claims, Some(&owner), true));
        assert!(!AccessGuard::is_live(&claims, None, false));
        let other = UserId::new().to_string();
        assert!(!AccessGuard::is_live(&claims, Some(&other), false));
        assert!(!AccessGuard::is_live(&claims, Some("not an id"), false));
    }

    #[test]
    fn guard_errors_answer_as_the_contract_says() {
        // The headers are service_kit::problem's (tested there).
        for (error, status) in [
            (GuardError::Unauthorized, 401),
            (GuardError::Unavailable(Dependency::Redis, None), 503),
            (GuardError::Internal("bug".into()), 500),
        ] {
            assert_eq!(error.error_response().status(), status);
        }
        let unreadable =
            ::redis::RedisError::from((::redis::ErrorKind::UnexpectedReturnType, "unreadable"));
        assert!(GuardError::from(unreadable).is_internal());
        let io = ::redis::RedisError::from(std::io::Error::other("refused"));
        assert_eq!(
            GuardError::from(io).unavailable_dependency(),
            Some(Dependency::Redis)
        );
    }
}
