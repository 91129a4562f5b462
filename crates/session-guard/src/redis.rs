//! Redis connections, with the key prefix and a deadline on every use: the
//! client of every service that uses the auth service's Redis (and of the auth
//! service's own keys).
//!
//! A Redis multiplexed connection may be used by many requests at once (their
//! commands are pipelined on one socket), so requests share up to
//! `REDIS_POOL_SIZE` of them instead of checking one out of a pool:
//! deadpool-redis sends a `PING` at every checkout, a second round trip for
//! every request. Each actix worker keeps to one connection, and every other
//! thread to one more (see [`thread_slot`]): a worker's requests share their
//! worker's socket, and no request wakes another thread. Connections are made on first use. When a command fails or outlives the
//! deadline, every connection made until then is dropped (they all lead to
//! the server that just failed, and nothing else would notice that an idle
//! one died) and made anew on next use, so the service recovers by itself
//! when Redis is back.

use std::fmt::Display;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, IntoConnectionInfo};

use service_kit::dependency::{Dependency, DependencyError, deadline};
use service_kit::metrics::PoolStatus;
use service_kit::thread_slot;

pub type Connection = MultiplexedConnection;

/// The shared connections, the key prefix and the deadline of every use.
#[derive(Clone)]
pub struct Redis {
    shared: Arc<Shared>,
    prefix: String,
    timeout: Duration,
}

impl std::fmt::Debug for Redis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redis")
            .field("prefix", &self.prefix)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

struct Shared {
    client: redis::Client,
    config: AsyncConnectionConfig,
    slots: Box<[Slot]>,
    /// How many connections were made so far: the next one's number.
    made: AtomicU64,
    /// Requests waiting for a connection to be made (for the pool gauges).
    waiting: AtomicUsize,
}

/// One shared connection, with its number in the order connections are made,
/// so that a failure drops the connections made before it, not those after.
#[derive(Default)]
struct Slot {
    current: Mutex<Option<(u64, Connection)>>,
    /// Held while connecting, so a burst of requests makes one connection, not many.
    connecting: tokio::sync::Mutex<()>,
}

impl Slot {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<(u64, Connection)>> {
        // The guarded value is always whole, so a panic elsewhere cannot spoil it.
        self.current.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn get(&self) -> Option<Connection> {
        self.lock().as_ref().map(|(_, conn)| conn.clone())
    }
}

impl Shared {
    fn install(&self, slot: &Slot, conn: Connection) {
        let number = self.made.fetch_add(1, Ordering::Relaxed);
        *slot.lock() = Some((number, conn));
    }

    /// Drops every connection made until now.
    fn discard_all(&self) {
        let made = self.made.load(Ordering::Relaxed);
        for slot in &self.slots {
            let mut current = slot.lock();
            if current.as_ref().is_some_and(|(number, _)| *number < made) {
                *current = None;
            }
        }
    }
}

/// Drops every connection made so far unless defused: the request's command
/// failed, or the deadline cut it off mid-way.
struct DiscardOnDrop<'a> {
    shared: &'a Shared,
    armed: bool,
}

impl Drop for DiscardOnDrop<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.shared.discard_all();
        }
    }
}

impl Redis {
    /// Prepares at most `pool_size` connections to `url`; they are made on
    /// first use and remade after failures. Every key is `{prefix}{kind}:{id}`
    /// ([`Redis::key`]); every use must end within `timeout`. Fails only on a
    /// URL that cannot be used.
    pub fn new(
        url: &str,
        pool_size: usize,
        prefix: &str,
        timeout: Duration,
    ) -> Result<Self, redis::RedisError> {
        // Requests share a socket, so one's commands often go out while another's
        // are unanswered: with Nagle's algorithm on, they would wait for Redis's
        // acknowledgement, which a delayed ACK can hold back for 40 ms.
        let tcp = redis::io::tcp::TcpSettings::default().set_nodelay(true);
        let info = url.into_connection_info()?.set_tcp_settings(tcp);
        let client = redis::Client::open(info)?;
        // The deadline bounds every use; these only stop a dead socket from
        // being waited on for longer.
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout));
        let slots = (0..pool_size.max(1)).map(|_| Slot::default()).collect();
        Ok(Self {
            shared: Arc::new(Shared {
                client,
                config,
                slots,
                made: AtomicU64::new(0),
                waiting: AtomicUsize::new(0),
            }),
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

    /// Runs `f` on a shared connection within the dependency deadline. An
    /// error of `f` that says a dependency is unavailable, like a failed
    /// connect or the deadline, drops every connection made so far.
    pub async fn run<T, E>(
        &self,
        f: impl AsyncFnOnce(&mut Connection) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: DependencyError + From<redis::RedisError>,
    {
        deadline(self.timeout, Dependency::Redis, async {
            let shared = &self.shared;
            let index = thread_slot::share_of(shared.slots.len());
            let slot = &shared.slots[index];
            // Armed until the work succeeds: a failed connect counts too.
            let mut guard = DiscardOnDrop {
                shared,
                armed: true,
            };
            let mut conn = match slot.get() {
                Some(current) => current,
                None => self.connect(slot).await?,
            };
            let result = f(&mut conn).await;
            guard.armed = matches!(&result, Err(e) if e.unavailable_dependency().is_some());
            result
        })
        .await
    }

    async fn connect<E: From<redis::RedisError>>(&self, slot: &Slot) -> Result<Connection, E> {
        let shared = &self.shared;
        shared.waiting.fetch_add(1, Ordering::Relaxed);
        let _connecting = slot.connecting.lock().await;
        shared.waiting.fetch_sub(1, Ordering::Relaxed);
        // Another request may have made it while this one waited.
        if let Some(current) = slot.get() {
            return Ok(current);
        }
        let conn = shared
            .client
            .get_multiplexed_async_connection_with_config(&shared.config)
            .await?;
        shared.install(slot, conn.clone());
        Ok(conn)
    }

    /// The connections in the shape of a pool's status: `size` made, all of them
    /// available (they are shared), `waiting` for one to be made.
    pub fn status(&self) -> PoolStatus {
        let shared = &self.shared;
        let size = shared.slots.iter().filter(|s| s.get().is_some()).count();
        PoolStatus {
            max_size: shared.slots.len(),
            size,
            available: size,
            waiting: shared.waiting.load(Ordering::Relaxed),
        }
    }

    /// `PING`, for readiness.
    pub async fn ping<E>(&self) -> Result<(), E>
    where
        E: DependencyError + From<redis::RedisError>,
    {
        self.run(async |conn| {
            redis::cmd("PING").query_async::<String>(conn).await?;
            Ok(())
        })
        .await
    }
}
