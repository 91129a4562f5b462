use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// What the proxy does with connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyMode {
    /// Forward bytes both ways: the dependency is up.
    Forward,
    /// Close every connection at once: the dependency is down.
    Refuse,
    /// Accept and never answer: the dependency hangs.
    Silent,
}

/// A TCP proxy in front of a dependency, switchable between up, down and silent.
pub struct TcpProxy {
    addr: SocketAddr,
    mode: watch::Sender<ProxyMode>,
    accept: JoinHandle<()>,
    connections: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl TcpProxy {
    /// Starts a proxy on a free local port towards `target` (`host:port`).
    pub async fn start(target: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("proxy address");
        let (mode, watcher) = watch::channel(ProxyMode::Forward);
        let connections = Arc::new(Mutex::new(Vec::new()));
        let target = target.to_owned();
        let conns = connections.clone();
        let mut watcher = watcher;
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                // Mark the mode as seen, so clones only wake on a later change.
                let current = *watcher.borrow_and_update();
                let target = target.clone();
                let mut watcher = watcher.clone();
                let task = tokio::spawn(async move {
                    match current {
                        ProxyMode::Refuse => {}
                        ProxyMode::Silent => {
                            // Hold the connection open, unanswered, until the mode changes.
                            let _ = watcher.changed().await;
                        }
                        ProxyMode::Forward => {
                            if let Ok(mut outbound) = TcpStream::connect(&target).await {
                                tokio::select! {
                                    _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                                    // Any change of mode cuts live connections.
                                    _ = watcher.changed() => {}
                                }
                            }
                        }
                    }
                });
                conns.lock().unwrap().push(task);
            }
        });
        Self {
            addr,
            mode,
            accept,
            connections,
        }
    }

    /// `host:port` to give the service instead of the dependency's.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Switches the mode; connections open under the old mode are cut.
    pub fn set_mode(&self, mode: ProxyMode) {
        self.mode.send_replace(mode);
        self.connections
            .lock()
            .unwrap()
            .retain(|task| !task.is_finished());
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.accept.abort();
        for task in self.connections.lock().unwrap().drain(..) {
            task.abort();
        }
    }
}
