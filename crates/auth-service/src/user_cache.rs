//! The user object that `GET /me` answers, cached in Redis so that the hot
//! path of every client costs one Redis round trip and no database query.
//!
//! Keys (under the configured prefix):
//! - `user:{id}` — the user object as `/me` sends it (JSON), for [`ENTRY_TTL`];
//! - `user_fill:{id}` — the token of a fill under way.
//!
//! Every replica must see a change to a user at once, whichever replica made
//! it. So:
//! 1. every write to a `users` row calls [`UserCache::invalidate`] inside its
//!    transaction, after the statement that changed (and so locked) the row:
//!    it deletes the entry and any fill token. If Redis fails, the write rolls
//!    back;
//! 2. a miss is filled by [`UserCache::fill`]: it sets a fill token, reads the
//!    row `FOR SHARE` (which waits for a writer holding the row to commit or
//!    roll back), and stores what it read only if its token is still there.
//!
//! A fill that read the row before a write committed set its token before the
//! read, so before that write's `invalidate`, which deleted the token: its
//! store is refused. A fill whose read waited for the writer reads the new row.
//! So a row read before a commit is never stored after it.

use std::time::Duration;

use auth_types::{Claims, UserId};
use redis::Script;
use uuid::Uuid;

use session_guard::{AccessGuard, Redis};

use crate::db::Db;
use crate::db::users::User;
use crate::error::{Dependency, Error};

/// How long an entry lives: a backstop only, since writes delete it at once.
pub const ENTRY_TTL: Duration = Duration::from_secs(10 * 60);

/// How long a fill token lives: longer than any fill can take (each step has
/// the dependency deadline), so a fill cut off midway leaves nothing for long.
const FILL_TOKEN_TTL: Duration = Duration::from_secs(60);

/// Stores ARGV[2] in KEYS[2] for ARGV[3] seconds if KEYS[1] still holds the
/// fill token ARGV[1]. Returns 1 when stored.
const STORE_SCRIPT: &str = r"
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3])
redis.call('DEL', KEYS[1])
return 1
";

/// What one round trip said about an access token and its user.
#[derive(Debug, PartialEq, Eq)]
pub enum Lookup {
    /// The session is gone or the token revoked.
    NotLive,
    /// Live, and the user object (JSON) was cached.
    Hit(Vec<u8>),
    /// Live, and the user object must be read with [`UserCache::fill`].
    Miss,
}

/// A fill under way: its token is set, the row not yet read.
#[derive(Debug)]
pub struct FillToken {
    user: UserId,
    token: String,
}

#[derive(Clone)]
pub struct UserCache {
    redis: Redis,
    db: Db,
    store: Script,
}

impl UserCache {
    pub fn new(redis: Redis, db: Db) -> Self {
        Self {
            redis,
            db,
            store: Script::new(STORE_SCRIPT),
        }
    }

    fn entry_key(&self, user: UserId) -> String {
        self.redis.key("user", user)
    }

    fn fill_key(&self, user: UserId) -> String {
        self.redis.key("user_fill", user)
    }

    /// Whether `access` is live and, when it is, the cached user object: the
    /// guard's session checks and the cache read share one pipeline. While the
    /// database is down ([`Db::is_up`]) a hit is refused with 503 like any
    /// answer that needs the database: the cache must not hide an outage.
    pub async fn lookup(&self, guard: &AccessGuard, access: &Claims) -> Result<Lookup, Error> {
        let entry_key = self.entry_key(access.sub);
        let (owner, revoked, cached): (Option<String>, bool, Option<Vec<u8>>) = self
            .redis
            .run(async |conn| {
                let mut pipe = redis::pipe();
                guard.queue_access_checks(&mut pipe, access);
                Ok::<_, Error>(pipe.get(&entry_key).query_async(conn).await?)
            })
            .await?;
        let live = AccessGuard::is_live(access, owner.as_deref(), revoked);
        Ok(match (live, cached) {
            (false, _) => Lookup::NotLive,
            (true, Some(_)) if !self.db.is_up() => {
                return Err(Error::unavailable(
                    Dependency::Database,
                    "the database is down",
                ));
            }
            (true, Some(body)) => Lookup::Hit(body),
            (true, None) => Lookup::Miss,
        })
    }

    /// Reads the user object from the database and caches it unless the row
    /// changed meanwhile. `None`: there is no such user.
    pub async fn fill(&self, user: UserId) -> Result<Option<Vec<u8>>, Error> {
        let token = self.begin_fill(user).await?;
        let Some(row) = self
            .db
            .run(async |conn| User::find_for_share(conn, user).await)
            .await?
        else {
            return Ok(None);
        };
        let body = serde_json::to_vec(&row.to_response()).map_err(Error::internal)?;
        self.finish_fill(token, &body).await?;
        Ok(Some(body))
    }

    /// The first half of [`fill`](Self::fill): sets the fill token. Call it
    /// before reading the row.
    pub async fn begin_fill(&self, user: UserId) -> Result<FillToken, Error> {
        let token = Uuid::new_v4().to_string();
        let key = self.fill_key(user);
        self.redis
            .run(async |conn| {
                redis::cmd("SET")
                    .arg(&key)
                    .arg(&token)
                    .arg("PX")
                    .arg(FILL_TOKEN_TTL.as_millis() as u64)
                    .query_async::<()>(conn)
                    .await?;
                Ok::<_, Error>(())
            })
            .await?;
        Ok(FillToken { user, token })
    }

    /// The second half of [`fill`](Self::fill): stores `body` if no write came
    /// since the token was set. Returns whether it was stored.
    pub async fn finish_fill(&self, fill: FillToken, body: &[u8]) -> Result<bool, Error> {
        let (fill_key, entry_key) = (self.fill_key(fill.user), self.entry_key(fill.user));
        let stored: i64 = self
            .redis
            .run(async |conn| {
                Ok::<_, Error>(
                    self.store
                        .key(&fill_key)
                        .key(&entry_key)
                        .arg(&fill.token)
                        .arg(body)
                        .arg(ENTRY_TTL.as_secs())
                        .invoke_async(conn)
                        .await?,
                )
            })
            .await?;
        Ok(stored == 1)
    }

    /// Forgets the cached user and stops any fill under way. Call it inside
    /// the transaction that changed the row, after the change.
    pub async fn invalidate(&self, user: UserId) -> Result<(), Error> {
        let keys = [self.entry_key(user), self.fill_key(user)];
        self.redis
            .run(async |conn| {
                redis::cmd("DEL").arg(&keys).query_async::<()>(conn).await?;
                Ok(())
            })
            .await
    }

    /// The cached user object, if any (for tests and diagnostics).
    pub async fn cached(&self, user: UserId) -> Result<Option<Vec<u8>>, Error> {
        let key = self.entry_key(user);
        self.redis
            .run(async |conn| Ok(redis::cmd("GET").arg(&key).query_async(conn).await?))
            .await
    }
}
