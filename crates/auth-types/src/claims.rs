//! JWT claims and the one implementation of issuing and verifying tokens.
//!
//! Tokens are HS256 and the algorithm is pinned on verification: a token whose
//! header names `none` or any other algorithm is refused, as is one whose
//! `typ` claim is not the kind the caller expects (a refresh token is never an
//! access token).

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, errors::ErrorKind};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::ids::{SessionId, UserId};

/// `iss` of every token the auth service issues.
pub const ISSUER: &str = "finance-bot-auth";
/// `aud` of every token: the Finance Bot services.
pub const AUDIENCE: &str = "finance-bot";
/// Shortest `JWT_SECRET` accepted (HS256 needs at least 256 bits of key).
pub const MIN_SECRET_BYTES: usize = 32;
/// Clock skew tolerated between the issuing and the verifying service.
const LEEWAY_SECS: u64 = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenKind {
    Access,
    Refresh,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub sub: UserId,
    pub iat: i64,
    pub exp: i64,
    pub jti: Uuid,
    pub typ: TokenKind,
    pub sid: SessionId,
    pub iss: String,
    pub aud: String,
}

impl Claims {
    /// Seconds this token still has to live at `now` (0 when already expired).
    pub fn remaining_secs(&self, now: i64) -> u64 {
        u64::try_from(self.exp.saturating_sub(now)).unwrap_or(0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the token has expired")]
    Expired,
    #[error("the token is not of the expected kind")]
    WrongKind,
    #[error("the token is malformed or its signature is invalid")]
    Invalid,
    #[error("the token could not be signed")]
    Signing,
}

/// What verifies the tokens: the one place that holds the verification key
/// and the validation rules. Every service that accepts the auth service's
/// tokens verifies them with this, so moving to asymmetric keys (a public key
/// here, the private one in [`JwtKeys`] alone) changes this type only.
#[derive(Clone)]
pub struct TokenVerifier {
    decoding: DecodingKey,
    validation: Validation,
}

impl std::fmt::Debug for TokenVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenVerifier(<redacted>)")
    }
}

impl TokenVerifier {
    /// A verifier of tokens signed with the shared secret (`JWT_SECRET`); the
    /// caller has checked its length.
    pub fn new(secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        validation.leeway = LEEWAY_SECS;
        Self {
            decoding: DecodingKey::from_secret(secret),
            validation,
        }
    }

    /// Verifies signature, algorithm, issuer, audience, expiry and kind.
    pub fn verify(&self, token: &str, kind: TokenKind) -> Result<Claims, TokenError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| match e.kind() {
                ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid,
            })?;
        if data.claims.typ != kind {
            return Err(TokenError::WrongKind);
        }
        Ok(data.claims)
    }
}

/// The auth service's keys: the signing key, and the [`TokenVerifier`].
#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    verifier: TokenVerifier,
}

impl std::fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JwtKeys(<redacted>)")
    }
}

impl JwtKeys {
    /// Keys from the shared secret; the caller has checked its length.
    pub fn new(secret: &[u8]) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret),
            verifier: TokenVerifier::new(secret),
        }
    }

    /// The verifying half, for the guards of this and other services.
    pub fn verifier(&self) -> &TokenVerifier {
        &self.verifier
    }

    /// Signs a new token of `kind` for `user` in `session`, living `ttl_secs` from `now`.
    pub fn issue(
        &self,
        user: UserId,
        session: SessionId,
        kind: TokenKind,
        ttl_secs: u64,
        now: i64,
    ) -> Result<(String, Claims), TokenError> {
        let claims = Claims {
            sub: user,
            iat: now,
            exp: now.saturating_add(i64::try_from(ttl_secs).unwrap_or(i64::MAX)),
            jti: Uuid::new_v4(),
            typ: kind,
            sid: session,
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
        };
        Ok((self.sign(&claims)?, claims))
    }

    /// Signs `claims` as they are. HS256 is deterministic: the same claims give
    /// the same token, so a token can be given again from its stored claims.
    pub fn sign(&self, claims: &Claims) -> Result<String, TokenError> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .map_err(|_| TokenError::Signing)
    }

    /// Verifies signature, algorithm, issuer, audience, expiry and kind
    /// (with [`TokenVerifier::verify`]).
    pub fn verify(&self, token: &str, kind: TokenKind) -> Result<Claims, TokenError> {
        self.verifier.verify(token, kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::EncodingKey;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef-test";

    fn now() -> i64 {
        time::OffsetDateTime::now_utc().unix_timestamp()
    }

    fn keys() -> JwtKeys {
        JwtKeys::new(SECRET)
    }

    fn b64(data: &[u8]) -> String {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(data)
    }

    #[test]
    fn an_issued_access_token_verifies_with_its_claims() {
        let (user, sid) = (UserId::new(), SessionId::new());
        let (token, claims) = keys()
            .issue(user, sid, TokenKind::Access, 900, now())
            .expect("sign");
        let verified = keys().verify(&token, TokenKind::Access).expect("verify");
        assert_eq!(verified, claims);
        // The verifier alone, as the other services hold it, agrees.
        let verifier = TokenVerifier::new(SECRET);
        assert_eq!(verifier.verify(&token, TokenKind::Access), Ok(claims));
        assert_eq!(verified.sub, user);
        assert_eq!(verified.sid, sid);
        assert_eq!(verified.exp - verified.iat, 900);
        assert_eq!(verified.iss, ISSUER);
        assert_eq!(verified.aud, AUDIENCE);
    }

    #[test]
    fn signing_the_same_claims_again_gives_the_same_token() {
        let (token, claims) = keys()
            .issue(
                UserId::new(),
                SessionId::new(),
                TokenKind::Refresh,
                60,
                now(),
            )
            .expect("sign");
        assert_eq!(keys().sign(&claims).expect("sign"), token);
    }

    #[test]
    fn token_kinds_are_not_interchangeable() {
        let (refresh, _) = keys()
            .issue(
                UserId::new(),
                SessionId::new(),
                TokenKind::Refresh,
                60,
                now(),
            )
            .expect("sign");
        assert_eq!(
            keys().verify(&refresh, TokenKind::Access),
            Err(TokenError::WrongKind)
        );
        assert!(keys().verify(&refresh, TokenKind::Refresh).is_ok());
    }

    #[test]
    fn an_expired_token_is_refused() {
        let (token, _) = keys()
            .issue(
                UserId::new(),
                SessionId::new(),
                TokenKind::Access,
                60,
                now() - 3600,
            )
            .expect("sign");
        assert_eq!(
            keys().verify(&token, TokenKind::Access),
            Err(TokenError::Expired)
        );
    }

    #[test]
    fn a_token_signed_with_another_key_is_refused() {
        let other = JwtKeys::new(b"another-secret-that-is-long-enough-32");
        let (token, _) = other
            .issue(
                UserId::new(),
                SessionId::new(),
                TokenKind::Access,
                60,
                now(),
            )
            .expect("sign");
        assert_eq!(
            keys().verify(&token, TokenKind::Access),
            Err(TokenError::Invalid)
        );
    }

    #[test]
    fn another_algorithm_with_the_same_secret_is_refused() {
        let (_, claims) = keys()
            .issue(
                UserId::new(),
                SessionId::new(),
                TokenKind::Access,
                60,
                now(),
            )
            .expect("sign");
        let token = jsonwebtoken::encode(
            &Header::new(Algorithm::HS512),
            &claims,
            &EncodingKey::from_secret(SECRET),
        )
        .expect("sign");
        assert_eq!(
            keys().verify(&token, TokenKind::Access),
            Err(TokenError::Invalid)
        );
    }

    #[test]
    fn an_unsigned_alg_none_token_is_refused() {
        let (_, claims) = keys()
            .issue(
                UserId::new(),
                SessionId::new(),
                TokenKind::Access,
                60,
                now(),
            )
            .expect("sign");
        let header = b64(br#"{"alg":"none","typ":"JWT"}"#);
        let body = b64(&serde_json::to_vec(&claims).expect("json"));
        for token in [format!("{header}.{body}."), format!("{header}.{body}")] {
            assert_eq!(
                keys().verify(&token, TokenKind::Access),
                Err(TokenError::Invalid)
            );
        }
    }

    #[test]
    fn a_tampered_payload_is_refused() {
        let (token, claims) = keys()
            .issue(
                UserId::new(),
                SessionId::new(),
                TokenKind::Access,
                60,
                now(),
            )
            .expect("sign");
        let forged = Claims {
            sub: UserId::new(),
            ..claims
        };
        let parts: Vec<&str> = token.split('.').collect();
        let body = b64(&serde_json::to_vec(&forged).expect("json"));
        let token = format!("{}.{}.{}", parts[0], body, parts[2]);
        assert_eq!(
            keys().verify(&token, TokenKind::Access),
            Err(TokenError::Invalid)
        );
    }

    #[test]
    fn garbage_is_refused() {
        for token in ["", "abc", "a.b.c", "...."] {
            assert_eq!(
                keys().verify(token, TokenKind::Access),
                Err(TokenError::Invalid)
            );
        }
    }
}
