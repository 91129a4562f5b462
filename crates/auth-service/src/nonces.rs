//! The replay cache of signed bot requests: every nonce is remembered for
//! [`NONCE_TTL_SECS`], longer than the timestamp window on both sides, so a
//! captured request can never be played again.

use auth_types::signing::NONCE_TTL_SECS;

use crate::error::Error;
use session_guard::Redis;

#[derive(Clone)]
pub struct NonceCache {
    redis: Redis,
}

impl NonceCache {
    pub fn new(redis: Redis) -> Self {
        Self { redis }
    }

    /// Records `nonce`; false when it was already seen (a replay).
    pub async fn first_use(&self, nonce: &str) -> Result<bool, Error> {
        let key = self.redis.key("nonce", nonce);
        let set: Option<String> = self
            .redis
            .run(async |conn| {
                Ok::<_, Error>(
                    redis::cmd("SET")
                        .arg(&key)
                        .arg(1)
                        .arg("NX")
                        .arg("EX")
                        .arg(NONCE_TTL_SECS)
                        .query_async(conn)
                        .await?,
                )
            })
            .await?;
        Ok(set.is_some())
    }
}
