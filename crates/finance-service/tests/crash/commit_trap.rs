//! A TCP proxy between the service and PostgreSQL that, when armed, lets a
//! connection's `COMMIT` through and keeps PostgreSQL's acknowledgement from
//! the service: the transaction is committed, and the request that made it
//! can never answer. A kill then lands exactly in the moment a crash makes
//! the most of — written, not yet answered.
//!
//! The acknowledgement is recognised by its `CommandComplete` message (tag
//! `COMMIT`), whichever protocol sent the `COMMIT` (a prepared statement's
//! Bind and Execute carry no SQL text); everything PostgreSQL sends that
//! connection from then on is held back with it.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// PostgreSQL's `CommandComplete` of a `COMMIT` that committed: type `C`, a
/// length of 11 (itself and the tag), the tag.
const COMMITTED: &[u8] = b"C\0\0\0\x0bCOMMIT\0";

struct Shared {
    target: String,
    /// How many more COMMITs to hold back.
    armed: AtomicUsize,
    /// COMMITs held back that PostgreSQL has acknowledged.
    committed: watch::Sender<usize>,
}

pub struct CommitTrap {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: JoinHandle<()>,
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

impl CommitTrap {
    /// Forwards a free local port to `target` (`host:port`).
    pub async fn start(target: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address");
        let shared = Arc::new(Shared {
            target: target.to_owned(),
            armed: AtomicUsize::new(0),
            committed: watch::channel(0).0,
        });
        let accepting = shared.clone();
        let accept = tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                tokio::spawn(relay(inbound, accepting.clone()));
            }
        });
        Self {
            addr,
            shared,
            accept,
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Holds back the acknowledgement of the next `n` COMMITs.
    pub fn arm(&self, n: usize) {
        self.shared.armed.store(n, Ordering::SeqCst);
    }

    /// Waits until at least `n` held-back COMMITs were acknowledged by PostgreSQL.
    pub async fn wait_committed(&self, n: usize) {
        let mut committed = self.shared.committed.subscribe();
        tokio::time::timeout(Duration::from_secs(30), committed.wait_for(|c| *c >= n))
            .await
            .expect("a COMMIT caught in time")
            .expect("the trap is running");
    }

    /// Counts from zero again.
    pub fn reset(&self) {
        self.shared.armed.store(0, Ordering::SeqCst);
        self.shared.committed.send_replace(0);
    }
}

impl Drop for CommitTrap {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

async fn relay(inbound: TcpStream, shared: Arc<Shared>) {
    let Ok(outbound) = TcpStream::connect(&shared.target).await else {
        return;
    };
    let _ = (inbound.set_nodelay(true), outbound.set_nodelay(true));
    let (mut from_service, mut to_service) = inbound.into_split();
    let (mut from_db, mut to_db) = outbound.into_split();
    let up = async {
        let _ = tokio::io::copy(&mut from_service, &mut to_db).await;
        let _ = to_db.shutdown().await;
    };
    let down = async {
        let mut buf = vec![0u8; 64 * 1024];
        let mut held = false;
        loop {
            let n = match from_db.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if !held
                && contains(&buf[..n], COMMITTED)
                && shared
                    .armed
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |a| a.checked_sub(1))
                    .is_ok()
            {
                held = true;
                shared.committed.send_modify(|c| *c += 1);
            }
            if held {
                continue;
            }
            if to_service.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
        let _ = to_service.shutdown().await;
    };
    tokio::join!(up, down);
}
