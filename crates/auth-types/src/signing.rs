//! HMAC-SHA256 signing of bot → auth-service requests (the contract's "v1" scheme).
//!
//! The string to sign is six lines joined by `\n`: `v1`, the Unix timestamp,
//! the nonce, the upper-case method, the path with its query exactly as sent,
//! and the lowercase hex SHA-256 of the raw body. The signature header is
//! `v1=` + lowercase hex HMAC-SHA256(secret, string to sign).
//!
//! This is the one implementation: the bot signs with [`HmacSigner::sign`], the
//! auth service checks with [`HmacSigner::verify`] and then remembers the
//! nonce (at least [`NONCE_TTL_SECS`]) to refuse replays.

use std::fmt;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

pub const HEADER_TIMESTAMP: &str = "x-bot-timestamp";
pub const HEADER_NONCE: &str = "x-bot-nonce";
pub const HEADER_SIGNATURE: &str = "x-bot-signature";
/// A request whose timestamp is further than this from the verifier's clock is stale.
pub const MAX_SKEW_SECS: i64 = 300;
/// How long a verifier must remember a nonce: the skew window on both sides
/// (a request stamped [`MAX_SKEW_SECS`] ahead is good for twice that long after
/// it is first seen), and a minute more, so a replay at the window's very edge
/// still finds its nonce however the store rounds its expiry.
pub const NONCE_TTL_SECS: u64 = 2 * MAX_SKEW_SECS.unsigned_abs() + 60;
/// Shortest `BOT_HMAC_SECRET` accepted.
pub const MIN_SECRET_BYTES: usize = 32;

const VERSION: &str = "v1";
const SIGNATURE_PREFIX: &str = "v1=";

/// The three headers of a signed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureHeaders {
    pub timestamp: String,
    pub nonce: String,
    pub signature: String,
}

impl SignatureHeaders {
    /// `(name, value)` pairs, ready to add to a request.
    pub fn pairs(&self) -> [(&'static str, &str); 3] {
        [
            (HEADER_TIMESTAMP, &self.timestamp),
            (HEADER_NONCE, &self.nonce),
            (HEADER_SIGNATURE, &self.signature),
        ]
    }
}

/// The headers as received; any may be missing.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReceivedHeaders<'a> {
    pub timestamp: Option<&'a str>,
    pub nonce: Option<&'a str>,
    pub signature: Option<&'a str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// A header is missing or malformed, or the signature does not match.
    #[error("missing, malformed or wrong request signature")]
    Invalid,
    /// The timestamp is outside the allowed window.
    #[error("the request timestamp is too far from the server's clock")]
    Stale,
}

/// Builds the contract's string to sign.
pub fn string_to_sign(
    timestamp: &str,
    nonce: &str,
    method: &str,
    path_and_query: &str,
    body: &[u8],
) -> String {
    let body_hash = hex::encode(Sha256::digest(body));
    let method = method.to_ascii_uppercase();
    [
        VERSION,
        timestamp,
        nonce,
        method.as_str(),
        path_and_query,
        body_hash.as_str(),
    ]
    .join("\n")
}

/// Whether `nonce` is 16 to 64 characters of `[A-Za-z0-9_-]`.
pub fn is_valid_nonce(nonce: &str) -> bool {
    (16..=64).contains(&nonce.len())
        && nonce
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Signs and verifies requests with the shared secret.
#[derive(Clone)]
pub struct HmacSigner {
    secret: Vec<u8>,
}

impl fmt::Debug for HmacSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HmacSigner(<redacted>)")
    }
}

impl HmacSigner {
    pub fn new(secret: &[u8]) -> Self {
        Self {
            secret: secret.to_vec(),
        }
    }

    fn mac(&self, message: &str) -> Hmac<Sha256> {
        // HMAC takes keys of any length, so this cannot fail.
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.secret).unwrap_or_else(|_| unreachable!());
        mac.update(message.as_bytes());
        mac
    }

    /// Signs a request with an explicit timestamp and nonce (the caller makes the nonce fresh).
    pub fn sign_with(
        &self,
        method: &str,
        path_and_query: &str,
        body: &[u8],
        timestamp: i64,
        nonce: &str,
    ) -> SignatureHeaders {
        let timestamp = timestamp.to_string();
        let mac = self.mac(&string_to_sign(
            &timestamp,
            nonce,
            method,
            path_and_query,
            body,
        ));
        SignatureHeaders {
            timestamp,
            nonce: nonce.to_owned(),
            signature: format!(
                "{SIGNATURE_PREFIX}{}",
                hex::encode(mac.finalize().into_bytes())
            ),
        }
    }

    /// Signs a request now, with a fresh random nonce (32 hex characters, 122 random bits).
    pub fn sign(&self, method: &str, path_and_query: &str, body: &[u8]) -> SignatureHeaders {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let nonce = uuid::Uuid::new_v4().simple().to_string();
        self.sign_with(method, path_and_query, body, now, &nonce)
    }

    /// Checks the headers against the request as received, at time `now`.
    /// On success returns the nonce, which the caller must check for replay.
    pub fn verify<'a>(
        &self,
        headers: ReceivedHeaders<'a>,
        method: &str,
        path_and_query: &str,
        body: &[u8],
        now: i64,
    ) -> Result<&'a str, SignatureError> {
        let (Some(timestamp), Some(nonce), Some(signature)) =
            (headers.timestamp, headers.nonce, headers.signature)
        else {
            return Err(SignatureError::Invalid);
        };
        let plain_decimal = !timestamp.is_empty()
            && timestamp.len() <= 19
            && timestamp.bytes().all(|b| b.is_ascii_digit());
        let timestamp_value: i64 = match timestamp.parse() {
            Ok(value) if plain_decimal => value,
            _ => return Err(SignatureError::Invalid),
        };
        if !is_valid_nonce(nonce) {
            return Err(SignatureError::Invalid);
        }
        let provided = signature
            .strip_prefix(SIGNATURE_PREFIX)
            .filter(|hex| {
                hex.len() == 64
                    && hex
                        .bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            })
            .and_then(|hex| hex::decode(hex).ok())
            .ok_or(SignatureError::Invalid)?;
        // `verify_slice` compares in constant time.
        self.mac(&string_to_sign(
            timestamp,
            nonce,
            method,
            path_and_query,
            body,
        ))
        .verify_slice(&provided)
        .map_err(|_| SignatureError::Invalid)?;
        if (now - timestamp_value).abs() > MAX_SKEW_SECS {
            return Err(SignatureError::Stale);
        }
        Ok(nonce)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reproducible by anyone: Python's `hmac.new(SECRET, sts.encode(), hashlib.sha256).hexdigest()`.
    const SECRET: &[u8] = b"finance-bot-test-vector-secret-0123456789";

    #[test]
    fn fixed_test_vectors() {
        let body = br#"{"telegram_id":123456789}"#;
        assert_eq!(
            string_to_sign(
                "1764000000",
                "AbCdEfGhIjKlMnOp",
                "post",
                "/api/v1/auth/token/get",
                body
            ),
            "v1\n1764000000\nAbCdEfGhIjKlMnOp\nPOST\n/api/v1/auth/token/get\n\
             4e87c79ffebf04dfb573908b1ab3d0f8d15ffdb518f5932176f5663383087a53"
        );
        let signer = HmacSigner::new(SECRET);
        let signed = signer.sign_with(
            "POST",
            "/api/v1/auth/token/get",
            body,
            1_764_000_000,
            "AbCdEfGhIjKlMnOp",
        );
        assert_eq!(signed.timestamp, "1764000000");
        assert_eq!(
            signed.signature,
            "v1=d1669b60d2c85621158c644814bc6e0672330ea8fb2fc1c799cc9782ca99c4a6"
        );
        // An empty body hashes to SHA-256(""), and the query is part of the path.
        let signed = signer.sign_with(
            "POST",
            "/api/v1/auth/telegram/start?x=1",
            b"",
            1_764_000_300,
            "nonce_with-dash_0123",
        );
        assert_eq!(
            signed.signature,
            "v1=0c91abdd82c1f8e2c6dd854988690efefdae13f10728a2d31daa6e7d877cc5b9"
        );
    }

    fn received(h: &SignatureHeaders) -> ReceivedHeaders<'_> {
        ReceivedHeaders {
            timestamp: Some(&h.timestamp),
            nonce: Some(&h.nonce),
            signature: Some(&h.signature),
        }
    }

    const PATH: &str = "/api/v1/auth/token/get";
    const BODY: &[u8] = br#"{"telegram_id":1}"#;
    const NOW: i64 = 1_764_000_000;
    const NONCE: &str = "0123456789abcdef";

    #[test]
    fn nonces_are_remembered_a_little_longer_than_the_whole_window() {
        let window = 2 * MAX_SKEW_SECS.unsigned_abs();
        assert!(NONCE_TTL_SECS > window, "a nonce must outlive its window");
        assert!(NONCE_TTL_SECS <= window + 120, "but not by much");
    }

    fn signed() -> SignatureHeaders {
        HmacSigner::new(SECRET).sign_with("POST", PATH, BODY, NOW, NONCE)
    }

    #[test]
    fn a_signed_request_verifies_and_yields_its_nonce() {
        let h = signed();
        assert_eq!(
            HmacSigner::new(SECRET).verify(received(&h), "POST", PATH, BODY, NOW + 10),
            Ok(NONCE)
        );
    }

    #[test]
    fn every_tampering_is_refused() {
        let signer = HmacSigner::new(SECRET);
        let h = signed();
        let verify = |h: ReceivedHeaders<'_>, method: &str, path: &str, body: &[u8], now: i64| {
            signer.verify(h, method, path, body, now).map(|_| ())
        };
        let invalid: Result<(), _> = Err(SignatureError::Invalid);
        assert_eq!(
            HmacSigner::new(b"another-secret-0123456789abcdef0123")
                .verify(received(&h), "POST", PATH, BODY, NOW)
                .map(|_| ()),
            invalid
        );
        assert_eq!(
            verify(received(&h), "POST", PATH, br#"{"telegram_id":2}"#, NOW),
            invalid
        );
        assert_eq!(
            verify(
                received(&h),
                "POST",
                "/api/v1/auth/telegram/register",
                BODY,
                NOW
            ),
            invalid
        );
        assert_eq!(
            verify(
                received(&h),
                "POST",
                "/api/v1/auth/token/get?x=1",
                BODY,
                NOW
            ),
            invalid
        );
        assert_eq!(verify(received(&h), "PUT", PATH, BODY, NOW), invalid);
        let other_nonce = ReceivedHeaders {
            nonce: Some("fedcba9876543210"),
            ..received(&h)
        };
        assert_eq!(verify(other_nonce, "POST", PATH, BODY, NOW), invalid);
        let other_time = ReceivedHeaders {
            timestamp: Some("1764000001"),
            ..received(&h)
        };
        assert_eq!(verify(other_time, "POST", PATH, BODY, NOW), invalid);
    }

    #[test]
    fn missing_and_malformed_headers_are_invalid() {
        let signer = HmacSigner::new(SECRET);
        let h = signed();
        let upper = h.signature.to_uppercase().replacen("V1=", "v1=", 1);
        let no_prefix = h.signature.trim_start_matches("v1=").to_owned();
        let cases = [
            ReceivedHeaders {
                timestamp: None,
                ..received(&h)
            },
            ReceivedHeaders {
                nonce: None,
                ..received(&h)
            },
            ReceivedHeaders {
                signature: None,
                ..received(&h)
            },
            ReceivedHeaders {
                timestamp: Some("+1764000000"),
                ..received(&h)
            },
            ReceivedHeaders {
                timestamp: Some("1764000000.0"),
                ..received(&h)
            },
            ReceivedHeaders {
                timestamp: Some(""),
                ..received(&h)
            },
            ReceivedHeaders {
                nonce: Some("short"),
                ..received(&h)
            },
            ReceivedHeaders {
                nonce: Some("has spaces in the nonce"),
                ..received(&h)
            },
            ReceivedHeaders {
                nonce: Some(&"a".repeat(65)),
                ..received(&h)
            },
            ReceivedHeaders {
                signature: Some(&upper),
                ..received(&h)
            },
            ReceivedHeaders {
                signature: Some(&no_prefix),
                ..received(&h)
            },
            ReceivedHeaders {
                signature: Some("v1=zz"),
                ..received(&h)
            },
        ];
        for case in cases {
            assert_eq!(
                signer.verify(case, "POST", PATH, BODY, NOW),
                Err(SignatureError::Invalid),
                "{case:?}"
            );
        }
    }

    #[test]
    fn stale_and_future_timestamps_are_refused() {
        let signer = HmacSigner::new(SECRET);
        let h = signed();
        assert!(
            signer
                .verify(received(&h), "POST", PATH, BODY, NOW + MAX_SKEW_SECS)
                .is_ok()
        );
        assert!(
            signer
                .verify(received(&h), "POST", PATH, BODY, NOW - MAX_SKEW_SECS)
                .is_ok()
        );
        assert_eq!(
            signer.verify(received(&h), "POST", PATH, BODY, NOW + MAX_SKEW_SECS + 1),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            signer.verify(received(&h), "POST", PATH, BODY, NOW - MAX_SKEW_SECS - 1),
            Err(SignatureError::Stale)
        );
    }

    #[test]
    fn fresh_signatures_use_valid_unique_nonces() {
        let signer = HmacSigner::new(SECRET);
        let (a, b) = (
            signer.sign("POST", PATH, BODY),
            signer.sign("POST", PATH, BODY),
        );
        assert!(is_valid_nonce(&a.nonce));
        assert_ne!(a.nonce, b.nonce);
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        assert!(signer.verify(received(&a), "POST", PATH, BODY, now).is_ok());
    }
}
