//! `Idempotency-Key` (Stripe's design): the first answer to a key is kept,
//! with a fingerprint of its request, in the same database transaction as the
//! write it answered — so a retry through a crash, a 503 or a lost answer
//! records once.
//!
//! Keys are scoped to the caller and the family. A transaction-scoped advisory
//! lock on the key makes concurrent requests with one key run one at a time:
//! the one that gets it runs, the others answer 409 `idempotency_in_flight`
//! without waiting — unless the key's answer is already kept: then that
//! (concurrent retries of a finished request all get its answer). 4xx
//! answers are kept too; a 5xx rolls everything back, so the key is free
//! again.
//!
//! An answer can hold a secret (a new invite's code, whose table keeps only
//! its hash), so what is stored is of no use without the key itself: the
//! key's SHA-256, never the key, and the answer sealed (AES-256-GCM) with a
//! key derived from the Idempotency-Key, the user and the family.

use actix_web::HttpRequest;
use actix_web::http::StatusCode;
use auth_types::UserId;
use auth_types::problem::codes;
use diesel::sql_types::{Bool, Bytea, Nullable, SmallInt, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::error::Error;

pub const HEADER: &str = "Idempotency-Key";

/// A key as sent: 1 to 255 visible ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key(String);

impl Key {
    /// The request's key, if it sent one; any other value is 422 on the header.
    pub fn from_request(req: &HttpRequest) -> Result<Option<Self>, Error> {
        let Some(value) = req.headers().get(HEADER) else {
            return Ok(None);
        };
        value
            .to_str()
            .ok()
            .and_then(Self::parse)
            .map(Some)
            .ok_or_else(|| {
                Error::field(
                    HEADER,
                    codes::INVALID_VALUE,
                    "must be 1 to 255 visible ASCII characters",
                )
            })
    }

    pub fn parse(text: &str) -> Option<Self> {
        let ok = (1..=255).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_graphic());
        ok.then(|| Self(text.to_owned()))
    }
}

impl Key {
    /// What the database keeps of the key: its SHA-256, so a reader of the
    /// table cannot open the answers (see [`Seal`]).
    fn stored(&self) -> String {
        format!("sha256:{}", hex::encode(Sha256::digest(self.0.as_bytes())))
    }
}

/// Seals a kept answer with a key derived from the Idempotency-Key as sent,
/// the user and the family, none of which the table holds in the clear: only
/// a retry of the request can open it. A random nonce each time, stored
/// before the sealed bytes.
struct Seal {
    key: LessSafeKey,
    aad: [u8; 32],
}

impl Seal {
    fn new(user: UserId, family: uuid::Uuid, key: &Key) -> Self {
        let mut derived = Sha256::new();
        derived.update(b"finance-service idempotency answer v1\0");
        derived.update(user.0.as_bytes());
        derived.update(family.as_bytes());
        derived.update(key.0.as_bytes());
        let mut aad = [0u8; 32];
        aad[..16].copy_from_slice(user.0.as_bytes());
        aad[16..].copy_from_slice(family.as_bytes());
        let unbound = UnboundKey::new(&AES_256_GCM, &derived.finalize())
            .expect("a SHA-256 digest is an AES-256 key");
        Self {
            key: LessSafeKey::new(unbound),
            aad,
        }
    }

    fn seal(&self, body: &[u8]) -> Result<Vec<u8>, Error> {
        let nonce: [u8; NONCE_LEN] = rand::random();
        let mut sealed = body.to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(self.aad),
                &mut sealed,
            )
            .map_err(|_| Error::internal("sealing an answer failed"))?;
        let mut stored = nonce.to_vec();
        stored.extend_from_slice(&sealed);
        Ok(stored)
    }

    fn open(&self, stored: &[u8]) -> Result<Vec<u8>, Error> {
        let broken = || Error::internal("a kept answer does not open");
        if stored.len() < NONCE_LEN {
            return Err(broken());
        }
        let (nonce, sealed) = stored.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| broken())?;
        let mut body = sealed.to_vec();
        let len = self
            .key
            .open_in_place(nonce, Aad::from(self.aad), &mut body)
            .map_err(|_| broken())?
            .len();
        body.truncate(len);
        Ok(body)
    }
}

/// What a request is, for comparing a retry with the first request: its
/// endpoint (method and path) and its body as JSON, keys sorted.
pub struct Fingerprint {
    endpoint: String,
    digest: Vec<u8>,
}

impl Fingerprint {
    pub fn new(req: &HttpRequest, body: &Value) -> Self {
        let mut canonical = Vec::new();
        write_canonical(body, &mut canonical);
        Self {
            endpoint: format!("{} {}", req.method(), req.path()),
            digest: Sha256::digest(&canonical).to_vec(),
        }
    }
}

/// JSON with every object's keys in order, so `{"a":1,"b":2}` and
/// `{"b":2,"a":1}` are one request.
fn write_canonical(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push(b'{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                out.extend_from_slice(Value::String(key.clone()).to_string().as_bytes());
                out.push(b':');
                write_canonical(&map[key], out);
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(item, out);
            }
            out.push(b']');
        }
        other => out.extend_from_slice(other.to_string().as_bytes()),
    }
}

/// An answer kept for a key.
#[derive(Debug, Clone)]
pub struct Stored {
    pub status: StatusCode,
    pub body: Vec<u8>,
}

/// What `take_idempotency_key` answers: whether the key's lock was taken,
/// and the key's record if it has one.
#[derive(diesel::QueryableByName)]
struct Taken {
    #[diesel(sql_type = Bool)]
    locked: bool,
    #[diesel(sql_type = Nullable<Text>)]
    key: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    endpoint: Option<String>,
    #[diesel(sql_type = Nullable<Bytea>)]
    fingerprint: Option<Vec<u8>>,
    #[diesel(sql_type = Nullable<SmallInt>)]
    status: Option<i16>,
    #[diesel(sql_type = Nullable<Bytea>)]
    body: Option<Vec<u8>>,
}

/// Takes the key for this transaction. `Ok(Some)`: the key was answered
/// before, this is its answer; `Ok(None)`: the caller runs the request.
pub async fn begin(
    mut conn: &AsyncPgConnection,
    user: UserId,
    family: uuid::Uuid,
    key: &Key,
    request: &Fingerprint,
) -> Result<Option<Stored>, Error> {
    let lock_name = format!("idempotency:{}:{family}:{}", user.0, key.0);
    // The lock, then the lookup in a snapshot taken after it (so it sees the
    // record of a holder that finished), in one statement. A record kept
    // before answers were sealed is stored under the key as sent, its answer
    // in the clear; such records are gone 48 hours after the upgrade
    // (`KEEP_HOURS`).
    let stored = key.stored();
    let taken: Taken = db_kit::sql(
        "SELECT locked, key, endpoint, fingerprint, status, body
         FROM take_idempotency_key($1, $2, $3, $4, $5)",
    )
    .bind::<Text, _>(&lock_name)
    .bind::<SqlUuid, _>(user.0)
    .bind::<SqlUuid, _>(family)
    .bind::<Text, _>(&stored)
    .bind::<Text, _>(&key.0)
    .get_result(&mut conn)
    .await?;
    let (Some(kept_under), Some(endpoint), Some(fingerprint), Some(status), Some(body)) = (
        taken.key,
        taken.endpoint,
        taken.fingerprint,
        taken.status,
        taken.body,
    ) else {
        return if taken.locked {
            Ok(None)
        } else {
            Err(Error::IdempotencyInFlight)
        };
    };
    if endpoint != request.endpoint || fingerprint != request.digest {
        return Err(Error::IdempotencyKeyReused);
    }
    let body = if kept_under == stored {
        Seal::new(user, family, key).open(&body)?
    } else {
        body
    };
    Ok(Some(Stored {
        status: StatusCode::from_u16(status as u16).map_err(Error::internal)?,
        body,
    }))
}

/// Keeps the answer to `key`, in the transaction of the write it answers.
pub async fn store(
    mut conn: &AsyncPgConnection,
    user: UserId,
    family: uuid::Uuid,
    key: &Key,
    request: &Fingerprint,
    answer: &Stored,
) -> Result<(), Error> {
    db_kit::sql(
        "INSERT INTO idempotency_keys (user_id, family_id, key, endpoint, fingerprint, status, body)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind::<SqlUuid, _>(user.0)
    .bind::<SqlUuid, _>(family)
    .bind::<Text, _>(key.stored())
    .bind::<Text, _>(&request.endpoint)
    .bind::<Bytea, _>(&request.digest)
    .bind::<SmallInt, _>(answer.status.as_u16() as i16)
    .bind::<Bytea, _>(Seal::new(user, family, key).seal(&answer.body)?)
    .execute(&mut conn)
    .await?;
    Ok(())
}

/// How long a key is remembered (the contract asks for at least 24 hours).
pub const KEEP_HOURS: i32 = 48;

/// Forgets keys older than [`KEEP_HOURS`]; run now and then by a background task.
pub async fn purge_expired(conn: &mut AsyncPgConnection) -> Result<usize, diesel::result::Error> {
    db_kit::sql(
        "DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1)",
    )
    .bind::<diesel::sql_types::Integer, _>(KEEP_HOURS)
    .execute(conn)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn canonical(value: &Value) -> String {
        let mut out = Vec::new();
        write_canonical(value, &mut out);
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn key_order_does_not_change_the_request() {
        let a = json!({"b": {"y": 1, "x": [2, {"k": "v", "a": null}]}, "a": "12.50"});
        let b = json!({"a": "12.50", "b": {"x": [2, {"a": null, "k": "v"}], "y": 1}});
        assert_eq!(canonical(&a), canonical(&b));
        assert_ne!(canonical(&a), canonical(&json!({"a": "12.5", "b": {}})));
        assert_eq!(
            canonical(&json!({"b":1,"a":"x\"y"})),
            r#"{"a":"x\"y","b":1}"#
        );
    }

    #[test]
    fn keys_are_one_to_255_visible_ascii_characters() {
        assert!(Key::parse("a").is_some());
        assert!(Key::parse(&"k".repeat(255)).is_some());
        for bad in ["", " ", "a b", "ключ", "tab\there"] {
            assert!(Key::parse(bad).is_none(), "{bad:?}");
        }
        assert!(Key::parse(&"k".repeat(256)).is_none());
    }

    #[test]
    fn a_sealed_answer_opens_only_with_its_key_user_and_family() {
        let (user, family) = (UserId(uuid::Uuid::now_v7()), uuid::Uuid::now_v7());
        let key = Key::parse("invite-1").expect("a key");
        let body = br#"{"code":"s3cret-invite"}"#;
        let sealed = Seal::new(user, family, &key).seal(body).expect("sealed");
        assert!(
            !sealed.windows(6).any(|w| w == b"s3cret"),
            "the answer is not stored in the clear"
        );
        // A new nonce each time.
        assert_ne!(
            sealed,
            Seal::new(user, family, &key).seal(body).expect("sealed")
        );
        assert_eq!(
            Seal::new(user, family, &key).open(&sealed).expect("opened"),
            body
        );
        let other_key = Key::parse("invite-2").expect("a key");
        assert!(Seal::new(user, family, &other_key).open(&sealed).is_err());
        let other_family = uuid::Uuid::now_v7();
        assert!(Seal::new(user, other_family, &key).open(&sealed).is_err());
        assert!(Seal::new(user, family, &key).open(&sealed[..8]).is_err());
        assert!(!key.stored().contains("invite-1"));
    }
}
