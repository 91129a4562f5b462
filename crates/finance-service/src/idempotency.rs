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

use actix_web::HttpRequest;
use actix_web::http::StatusCode;
use auth_types::UserId;
use auth_types::problem::codes;
use diesel::sql_types::{Bool, Bytea, SmallInt, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::db::Optional;
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

#[derive(diesel::QueryableByName)]
struct Row {
    #[diesel(sql_type = Text)]
    endpoint: String,
    #[diesel(sql_type = Bytea)]
    fingerprint: Vec<u8>,
    #[diesel(sql_type = SmallInt)]
    status: i16,
    #[diesel(sql_type = Bytea)]
    body: Vec<u8>,
}

#[derive(diesel::QueryableByName)]
struct Locked {
    #[diesel(sql_type = Bool)]
    locked: bool,
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
    let lock = db_kit::sql("SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS locked")
        .bind::<Text, _>(&lock_name)
        .get_result::<Locked>(&mut conn);
    let lookup = db_kit::sql(
        "SELECT endpoint, fingerprint, status, body FROM idempotency_keys
         WHERE user_id = $1 AND family_id = $2 AND key = $3",
    )
    .bind::<SqlUuid, _>(user.0)
    .bind::<SqlUuid, _>(family)
    .bind::<Text, _>(&key.0)
    .get_result::<Row>(&mut conn);
    // Sent together; PostgreSQL runs the lookup after the lock is taken, in a
    // snapshot of its own, so it sees the record of a holder that finished.
    let (locked, row) = futures_util::future::join(lock, lookup).await;
    let locked = locked?;
    let row = row.optional()?;
    match row {
        None if !locked.locked => Err(Error::IdempotencyInFlight),
        None => Ok(None),
        Some(row) if row.endpoint == request.endpoint && row.fingerprint == request.digest => {
            Ok(Some(Stored {
                status: StatusCode::from_u16(row.status as u16).map_err(Error::internal)?,
                body: row.body,
            }))
        }
        Some(_) => Err(Error::IdempotencyKeyReused),
    }
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
    .bind::<Text, _>(&key.0)
    .bind::<Text, _>(&request.endpoint)
    .bind::<Bytea, _>(&request.digest)
    .bind::<SmallInt, _>(answer.status.as_u16() as i16)
    .bind::<Bytea, _>(&answer.body)
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
}
