//! The family's overview page in a real browser: headless Chromium, driven by
//! chromedriver, logs in through web-service as the large family's owner and
//! loads the home page again and again. Each load is timed by the page's own
//! clock (`performance.now()`, from the start of the navigation) to the moment
//! the overview is on screen: balances, budget bars and the latest
//! transactions drawn, the "checking whether you are signed in" line gone.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::Context;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVERS: [&str; 2] = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"];
/// Page loads measured (after one that warms the browser's cache of the assets).
pub const LOADS: usize = 5;
const PATIENCE: Duration = Duration::from_secs(30);

/// Resolves with `performance.now()` once the overview is drawn. The page's
/// own script hides `#loading` after it has drawn everything it loaded.
const DRAWN: &str = r"
const done = arguments[arguments.length - 1];
const check = () => {
  const loading = document.querySelector('#loading');
  const overview = document.querySelector('#overview');
  const rows = document.querySelectorAll('#account-rows tr').length;
  if (loading && loading.hidden && overview && !overview.hidden && rows > 0) {
    done(performance.now());
  } else {
    setTimeout(check, 2);
  }
};
check();
";

/// Why the scenario cannot run here, if it cannot.
pub fn unavailable() -> Option<String> {
    if !Path::new(CHROMIUM).exists() {
        return Some(format!("{CHROMIUM} is missing"));
    }
    chromedriver().map_or(Some("chromedriver is missing".to_owned()), |_| None)
}

fn chromedriver() -> Option<&'static str> {
    CHROMEDRIVERS.into_iter().find(|p| Path::new(p).exists())
}

/// chromedriver (and the Chromium it started) with its profile directory,
/// stopped and removed when dropped.
struct Driver {
    process: Child,
    profile: PathBuf,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// The time of each of [`LOADS`] loads of the overview, in milliseconds.
pub async fn measure(web: SocketAddr, email: &str, password: &str) -> anyhow::Result<Vec<f64>> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let profile = std::env::temp_dir().join(format!("fb-bench-chromium-{}", uuid::Uuid::new_v4()));
    let _driver = Driver {
        process: Command::new(chromedriver().context("chromedriver is missing")?)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("start chromedriver")?,
        profile: profile.clone(),
    };
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".to_owned(),
        json!({
            "binary": CHROMIUM,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update",
                "--no-first-run", "--window-size=1280,900",
                format!("--user-data-dir={}", profile.display()),
            ],
        }),
    );
    let client = connect(port, caps).await?;
    let result = loads(&client, web, email, password).await;
    let _ = client.close().await;
    result
}

async fn connect(
    port: u16,
    caps: serde_json::Map<String, serde_json::Value>,
) -> anyhow::Result<Client> {
    let url = format!("http://127.0.0.1:{port}");
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(client) => return Ok(client),
            Err(_) if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(err) => return Err(err).context("start Chromium through chromedriver"),
        }
    }
}

async fn loads(
    client: &Client,
    web: SocketAddr,
    email: &str,
    password: &str,
) -> anyhow::Result<Vec<f64>> {
    let base = format!("http://{web}");
    client.goto(&format!("{base}/login?next=/")).await?;
    let wait = |css: &'static str| {
        client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(css))
    };
    wait("#email").await?.send_keys(email).await?;
    wait("#password").await?.send_keys(password).await?;
    wait("#login-form button[type=submit]")
        .await?
        .click()
        .await?;
    // Logged in: the home page, drawn once (this also warms the asset cache).
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let url = client.current_url().await?;
        if url.path() == "/" {
            break;
        }
        if tokio::time::Instant::now() >= deadline {
            let said = match client.find(Locator::Css(".form-error")).await {
                Ok(error) => error.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            anyhow::bail!("the login did not reach / (at {url}; the page says {said:?})");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    drawn(client).await?;
    let mut times = Vec::with_capacity(LOADS);
    for _ in 0..LOADS {
        client.goto(&format!("{base}/")).await?;
        times.push(drawn(client).await?);
    }
    Ok(times)
}

/// Milliseconds from the navigation's start until the overview was drawn.
async fn drawn(client: &Client) -> anyhow::Result<f64> {
    let value = tokio::time::timeout(PATIENCE, client.execute_async(DRAWN, vec![]))
        .await
        .context("the overview was not drawn in time")??;
    value.as_f64().context("performance.now() is a number")
}
