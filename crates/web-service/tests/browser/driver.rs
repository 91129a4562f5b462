//! Headless Chromium driven over WebDriver (chromedriver, one per test, on a free
//! port; a fresh profile each time), and the few page actions the tests need.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use tokio::sync::{Semaphore, SemaphorePermit};

pub const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVERS: &[&str] = &["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"];
/// How long a page may take to show what a test waits for.
const PATIENCE: Duration = Duration::from_secs(20);

/// Two browsers at a time: the machine running the tests is small.
static BROWSERS: Semaphore = Semaphore::const_new(2);

/// Why the browser tests cannot run here, or `None` when they can.
pub fn unavailable() -> Option<String> {
    if !Path::new(CHROMIUM).exists() {
        return Some(format!(
            "{CHROMIUM} is missing (scripts/test installs chromium and chromium-driver)"
        ));
    }
    if chromedriver().is_none() {
        return Some("chromedriver is missing (apt-get install chromium-driver)".to_owned());
    }
    None
}

fn chromedriver() -> Option<&'static str> {
    CHROMEDRIVERS
        .iter()
        .copied()
        .find(|p| Path::new(p).exists())
}

/// Where screenshots go: `target/screenshots/`.
pub fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"),
        PathBuf::from,
    );
    target.join("screenshots")
}

pub struct Browser {
    pub client: Client,
    driver: Child,
    profile: PathBuf,
    _permit: SemaphorePermit<'static>,
}

impl Browser {
    pub async fn start() -> Self {
        let permit = BROWSERS.acquire().await.expect("semaphore");
        let port = {
            let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
            probe.local_addr().expect("addr").port()
        };
        let driver = Command::new(chromedriver().expect("chromedriver"))
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let profile =
            std::env::temp_dir().join(format!("fb-chromium-{}", uuid::Uuid::new_v4().simple()));
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".to_owned(),
            json!({
                "binary": CHROMIUM,
                "args": [
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-first-run",
                    "--window-size=1280,900",
                    format!("--user-data-dir={}", profile.display()),
                ],
                // Downloads land in the profile, without asking.
                "prefs": {
                    "download.default_directory": profile.join("downloads").display().to_string(),
                    "download.prompt_for_download": false,
                },
            }),
        );
        let url = format!("http://127.0.0.1:{port}");
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        let client = loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => break client,
                Err(err) if tokio::time::Instant::now() < deadline => {
                    let _ = err;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(err) => panic!("could not start Chromium through chromedriver: {err}"),
            }
        };
        Self {
            client,
            driver,
            profile,
            _permit: permit,
        }
    }

    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.expect("goto");
    }

    /// The current URL's path and query.
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.expect("url");
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        }
    }

    /// Waits until the current path (with query) starts with `prefix`.
    pub async fn wait_for_path(&self, prefix: &str) {
        self.wait_for_path_where(prefix, |path| path.starts_with(prefix))
            .await;
    }

    /// Waits until the current path (with query) is the home page, `/`.
    pub async fn wait_for_home(&self) {
        self.wait_for_path_where("/", |path| path == "/").await;
    }

    async fn wait_for_path_where(&self, prefix: &str, arrived: impl Fn(&str) -> bool) {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let path = self.path().await;
            if arrived(&path) {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "expected to arrive at {prefix}, still at {path}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css}: {e}"))
    }

    pub async fn fill(&self, css: &str, text: &str) {
        let field = self.find(css).await;
        field.clear().await.expect("clear");
        field.send_keys(text).await.expect("type");
    }

    pub async fn click(&self, css: &str) {
        self.wait_visible(css).await;
        self.find(css).await.click().await.expect("click");
    }

    pub async fn value(&self, css: &str) -> String {
        self.find(css)
            .await
            .prop("value")
            .await
            .expect("value")
            .unwrap_or_default()
    }

    /// The visible text of `css` ("" while it is hidden).
    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.unwrap_or_default()
    }

    pub async fn wait_visible(&self, css: &str) {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        while !self.find(css).await.is_displayed().await.unwrap_or(false) {
            assert!(
                tokio::time::Instant::now() < deadline,
                "{css} never became visible (at {})",
                self.path().await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the visible text of `css` contains `part`; returns the text.
    pub async fn wait_for_text(&self, css: &str, part: &str) -> String {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let text = self.text(css).await;
            if text.contains(part) {
                return text;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{css} never said {part:?}; it says {text:?} (at {})",
                self.path().await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Number of elements matching `css` right now.
    pub async fn count(&self, css: &str) -> usize {
        self.client
            .find_all(Locator::Css(css))
            .await
            .map_or(0, |all| all.len())
    }

    pub async fn wait_for_count(&self, css: &str, n: usize) {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let count = self.count(css).await;
            if count == n {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "expected {n} of {css}, got {count}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Scrolls `css` to the top of the window.
    pub async fn scroll_to(&self, css: &str) {
        self.find(css).await;
        self.client
            .execute(
                "document.querySelector(arguments[0]).scrollIntoView()",
                vec![json!(css)],
            )
            .await
            .expect("scroll");
    }

    /// Saves a screenshot as `target/screenshots/{name}.png`.
    pub async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.expect("screenshot");
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).expect("screenshot dir");
        std::fs::write(dir.join(format!("{name}.png")), png).expect("write screenshot");
    }

    /// Desktop and phone-sized screenshots of the current page; on the way, every
    /// field of the page has a label, and nothing is wider than a phone.
    pub async fn screenshots(&self, name: &str) {
        let unlabelled = self
            .eval(
                "return [...document.querySelectorAll('input:not([type=hidden]), select, textarea')] \
                   .filter((f) => !f.labels?.length && !f.getAttribute('aria-label')) \
                   .map((f) => f.id || f.name);",
            )
            .await;
        assert_eq!(unlabelled, json!([]), "{name}: fields without a label");
        self.screenshot(&format!("{name}-desktop")).await;
        self.client
            .set_window_size(390, 844)
            .await
            .expect("phone size");
        tokio::time::sleep(Duration::from_millis(150)).await;
        self.screenshot(&format!("{name}-phone")).await;
        // Nothing sticks out sideways on a phone: no page scrolls horizontally.
        let wider = self
            .eval(
                "const w = document.documentElement.clientWidth; \
                 return [...document.querySelectorAll('body *')] \
                   .filter((e) => e.getClientRects().length && e.getBoundingClientRect().right > w + 1) \
                   .slice(0, 5).map((e) => e.tagName + '#' + e.id + '.' + e.className);",
            )
            .await;
        assert_eq!(wider, json!([]), "{name}: wider than a phone's screen");
        self.client
            .set_window_size(1280, 900)
            .await
            .expect("desktop size");
    }

    /// Runs `script` (a function body) in the page; its return value.
    pub async fn eval(&self, script: &str) -> Value {
        self.client
            .execute(script, Vec::new())
            .await
            .expect("execute")
    }

    /// Picks `value` in the select `css`, as a person would (a `change` event follows).
    pub async fn select(&self, css: &str, value: &str) {
        self.find(css).await;
        self.client
            .execute(
                "const s = document.querySelector(arguments[0]); s.value = arguments[1]; \
                 s.dispatchEvent(new Event('change', {bubbles: true})); return s.value;",
                vec![json!(css), json!(value)],
            )
            .await
            .expect("select");
    }

    /// Waits for a finished download whose file name starts with `prefix`; its text.
    pub async fn downloaded(&self, prefix: &str) -> (String, String) {
        let dir = self.profile.join("downloads");
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let found = std::fs::read_dir(&dir).ok().and_then(|entries| {
                entries.flatten().find_map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    // Chromium writes `.crdownload` until the file is whole.
                    (name.starts_with(prefix) && !name.ends_with(".crdownload")).then_some(name)
                })
            });
            if let Some(name) = found {
                let text = std::fs::read_to_string(dir.join(&name)).expect("read the download");
                return (name, text);
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no download {prefix}… in {}",
                dir.display()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Ends the browser session; `Drop` then stops chromedriver and cleans up.
    pub async fn quit(self) {
        let _ = self.client.clone().close().await;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // A failed test never reaches `quit`: leave neither chromedriver nor the
        // Chromium processes of this profile behind.
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        kill_processes_using(&self.profile);
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// Kills the processes whose command line names `profile` (Linux: /proc).
fn kill_processes_using(profile: &Path) {
    let marker = format!("--user-data-dir={}", profile.display());
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .filter(|n| n.bytes().all(|b| b.is_ascii_digit()))
        else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        if String::from_utf8_lossy(&cmdline).contains(&marker) {
            let _ = Command::new("kill").args(["-KILL", pid]).status();
        }
    }
}
