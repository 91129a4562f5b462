//! What every handler can reach, shared through `web::Data`.

use std::collections::HashSet;
use std::sync::{Mutex, PoisonError};

use auth_types::UserId;
use db_kit::Db;
use session_guard::AccessGuard;
use tokio::sync::Semaphore;

use crate::config::Settings;
use crate::profiles::Profiles;

pub struct AppState {
    pub db: Db,
    pub guard: AccessGuard,
    pub profiles: Profiles,
    pub settings: Settings,
    /// Users whose personal family is known to exist, so their later requests
    /// skip that check (see [`crate::access::Caller`]).
    known_users: Mutex<HashSet<UserId>>,
    /// CSV pages being read ahead, across every download: a quarter of the
    /// database pool at most, so downloads never starve the other requests.
    pub export_reads: Semaphore,
}

/// Past this many remembered users the set starts afresh: a forgotten user
/// costs one cheap check on their next request, nothing more.
const KNOWN_USERS_MAX: usize = 100_000;

impl AppState {
    pub fn new(db: Db, guard: AccessGuard, profiles: Profiles, settings: Settings) -> Self {
        Self {
            db,
            guard,
            profiles,
            export_reads: Semaphore::new((settings.db_pool_size / 4).max(1)),
            settings,
            known_users: Mutex::new(HashSet::new()),
        }
    }

    pub fn is_known(&self, user: UserId) -> bool {
        self.known_users
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(&user)
    }

    pub fn remember(&self, user: UserId) {
        let mut known = self
            .known_users
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if known.len() >= KNOWN_USERS_MAX {
            known.clear();
        }
        known.insert(user);
    }

    /// Forgets a user (merged away): their next request checks again.
    pub fn forget(&self, user: UserId) {
        self.known_users
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&user);
    }

    /// Sets the pool gauges (called when metrics are scraped).
    pub fn observe_pools(&self) {
        let (db, redis) = (self.db.status(), self.guard.redis().status());
        for (pool, status) in [("database", db), ("redis", redis)] {
            metrics::gauge!("pool_connections", "pool" => pool, "state" => "open")
                .set(status.size as f64);
            metrics::gauge!("pool_connections", "pool" => pool, "state" => "idle")
                .set(status.available as f64);
            metrics::gauge!("pool_waiting", "pool" => pool).set(status.waiting as f64);
            metrics::gauge!("pool_max_size", "pool" => pool).set(status.max_size as f64);
        }
    }
}
