//! Issuing the access/refresh pair of a session.

use std::time::Duration;

use auth_types::dto::TokenResponse;
use auth_types::{Claims, JwtKeys, SessionId, TokenKind, UserId};
use uuid::Uuid;

use crate::db::users::User;
use crate::error::Error;

/// Signs the service's tokens with the configured lifetimes.
#[derive(Clone, Debug)]
pub struct TokenIssuer {
    pub keys: JwtKeys,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
}

/// A freshly signed pair, with the claims the session store needs.
pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
    pub refresh: Claims,
}

impl TokenIssuer {
    pub fn issue_pair(
        &self,
        user: UserId,
        session: SessionId,
        now: i64,
    ) -> Result<TokenPair, Error> {
        let sign = |kind, ttl: Duration| {
            self.keys
                .issue(user, session, kind, ttl.as_secs(), now)
                .map_err(Error::internal)
        };
        let (access_token, _) = sign(TokenKind::Access, self.access_ttl)?;
        let (refresh_token, refresh) = sign(TokenKind::Refresh, self.refresh_ttl)?;
        Ok(TokenPair {
            access_token,
            refresh_token,
            refresh,
        })
    }

    /// A new access token beside the session's current refresh token, signed
    /// again from its stored claims (the same token as issued): the answer to a
    /// retry within the reuse grace.
    pub fn current_pair(
        &self,
        user: UserId,
        session: SessionId,
        refresh: (Uuid, i64, i64),
        now: i64,
    ) -> Result<TokenPair, Error> {
        let (jti, iat, exp) = refresh;
        let refresh = Claims {
            sub: user,
            iat,
            exp,
            jti,
            typ: TokenKind::Refresh,
            sid: session,
            iss: auth_types::claims::ISSUER.to_owned(),
            aud: auth_types::claims::AUDIENCE.to_owned(),
        };
        let refresh_token = self.keys.sign(&refresh).map_err(Error::internal)?;
        let (access_token, _) = self
            .keys
            .issue(
                user,
                session,
                TokenKind::Access,
                self.access_ttl.as_secs(),
                now,
            )
            .map_err(Error::internal)?;
        Ok(TokenPair {
            access_token,
            refresh_token,
            refresh,
        })
    }

    pub fn response(&self, pair: TokenPair, user: &User) -> TokenResponse {
        TokenResponse {
            access_token: pair.access_token,
            refresh_token: pair.refresh_token,
            token_type: "Bearer".to_owned(),
            expires_in: self.access_ttl.as_secs(),
            refresh_expires_in: self.refresh_ttl.as_secs(),
            user: user.to_response(),
        }
    }
}
