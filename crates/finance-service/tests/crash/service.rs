//! The real `finance-service` program as a child process, killed with
//! SIGKILL (no graceful shutdown) and started again on the same port.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use test_support::TestAuth;

/// How long a start may take before the test gives up on it.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// The running program; killed when dropped, so a failing test leaves no process behind.
pub struct Service {
    child: Option<Child>,
    env: Vec<(&'static str, String)>,
    pub port: u16,
    log: PathBuf,
    starts: u32,
}

/// A port free right now (the program binds it itself).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

impl Service {
    /// Starts the program on `auth`'s database and Redis key space, and
    /// waits until it is ready; `overrides` replace or add variables.
    pub async fn start(auth: &TestAuth, overrides: &[(&'static str, String)]) -> Self {
        let port = free_port();
        let mut env = vec![
            ("DATABASE_URL", auth.db.url().to_owned()),
            ("REDIS_URL", auth.redis.url().to_owned()),
            ("AUTH_REDIS_KEY_PREFIX", auth.redis.prefix().to_owned()),
            ("JWT_SECRET", test_support::auth::JWT_SECRET.to_owned()),
            ("AUTH_SERVICE_URL", auth.url.clone()),
            ("BIND_ADDR", format!("127.0.0.1:{port}")),
            ("METRICS_BIND_ADDR", "off".to_owned()),
            ("DB_POOL_SIZE", "8".to_owned()),
            ("REDIS_POOL_SIZE", "8".to_owned()),
            ("RUST_LOG", "warn".to_owned()),
        ];
        for (name, value) in overrides {
            env.retain(|(n, _)| n != name);
            env.push((name, value.clone()));
        }
        let log = std::env::temp_dir().join(format!(
            "finance-service-crash-{}.log",
            uuid::Uuid::new_v4().simple()
        ));
        let mut service = Self {
            child: None,
            env,
            port,
            log,
            starts: 0,
        };
        service.restart().await;
        service
    }

    /// `http://127.0.0.1:{port}`.
    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// SIGKILL: the process ends at once, whatever it was doing.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the program (again, after [`kill`](Self::kill)) and waits for `/health/ready`.
    pub async fn restart(&mut self) {
        assert!(self.child.is_none(), "the service is still running");
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("open the service's log");
        let child = Command::new(env!("CARGO_BIN_EXE_finance-service"))
            .arg("serve")
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log)
            .spawn()
            .expect("start finance-service");
        self.child = Some(child);
        self.starts += 1;
        self.wait_ready().await;
    }

    async fn wait_ready(&mut self) {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .expect("a client");
        let url = format!("{}/health/ready", self.base());
        let started = Instant::now();
        loop {
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|child| child.try_wait().expect("the child's status"))
            {
                panic!(
                    "finance-service (start {}) exited with {status}:\n{}",
                    self.starts,
                    self.log_tail()
                );
            }
            if let Ok(answer) = client.get(&url).send().await
                && answer.status() == 200
            {
                return;
            }
            assert!(
                started.elapsed() < START_TIMEOUT,
                "finance-service (start {}) not ready in {START_TIMEOUT:?}:\n{}",
                self.starts,
                self.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The end of the program's output, for a failure message.
    pub fn log_tail(&self) -> String {
        let mut text = String::new();
        if let Ok(mut file) = File::open(&self.log) {
            let len = file.metadata().map(|m| m.len()).unwrap_or(0);
            let _ = file.seek(SeekFrom::Start(len.saturating_sub(8000)));
            let _ = file.read_to_string(&mut text);
        }
        text
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        self.kill();
        if !std::thread::panicking() {
            let _ = std::fs::remove_file(&self.log);
        } else {
            eprintln!("finance-service's output: {}", self.log.display());
        }
    }
}
