//! The Redis connection pool, with the key prefix and a deadline on every use.

use std::fmt::Display;
use std::time::Duration;

use deadpool_redis::{Config, Connection, Pool, Runtime};

use crate::db::deadline;
use crate::error::{Dependency, Error};

#[derive(Clone)]
pub struct Redis {
    pool: Pool,
    prefix: String,
    timeout: Duration,
}

impl Redis {
    /// Prepares the pool; connections are made on first use and remade after failures.
    pub fn new(
        url: &str,
        pool_size: usize,
        prefix: &str,
        timeout: Duration,
    ) -> Result<Self, Error> {
        let mut config = Config::from_url(url);
        let mut pool_config = deadpool_redis::PoolConfig::new(pool_size);
        pool_config.timeouts.wait = Some(timeout);
        pool_config.timeouts.create = Some(timeout);
        pool_config.timeouts.recycle = Some(timeout);
        config.pool = Some(pool_config);
        let pool = config
            .create_pool(Some(Runtime::Tokio1))
            .map_err(Error::internal)?;
        Ok(Self {
            pool,
            prefix: prefix.to_owned(),
            timeout,
        })
    }

    /// `{prefix}{kind}:{id}`.
    pub fn key(&self, kind: &str, id: impl Display) -> String {
        format!("{}{kind}:{id}", self.prefix)
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Runs `f` on a pooled connection within the dependency deadline.
    pub async fn run<T>(
        &self,
        f: impl AsyncFnOnce(&mut Connection) -> Result<T, Error>,
    ) -> Result<T, Error> {
        deadline(self.timeout, Dependency::Redis, async {
            let mut conn = self.pool.get().await?;
            f(&mut conn).await
        })
        .await
    }

    pub fn status(&self) -> deadpool_redis::Status {
        self.pool.status()
    }

    /// `PING`, for readiness.
    pub async fn ping(&self) -> Result<(), Error> {
        self.run(async |conn| {
            redis::cmd("PING").query_async::<String>(conn).await?;
            Ok(())
        })
        .await
    }
}
