use std::process::ExitCode;

use bot_service::BotApp;
use bot_service::config::BotSettings;

const USAGE: &str = "usage: bot-service [run|healthcheck]";

fn main() -> ExitCode {
    match std::env::args().nth(1).as_deref() {
        None | Some("run") => run(),
        Some("healthcheck") => healthcheck::run(),
        Some(other) => {
            eprintln!("bot-service: unknown command {other:?}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

#[tokio::main]
async fn run() -> ExitCode {
    let settings = match BotSettings::from_env() {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("bot-service: configuration error: {err}");
            return ExitCode::from(2);
        }
    };
    service_kit::telemetry::init(settings.log_format);
    let app = match BotApp::new(&settings) {
        Ok(app) => app,
        Err(err) => {
            tracing::error!(error = %err, "could not start");
            return ExitCode::FAILURE;
        }
    };
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        service_kit::shutdown_signal().await;
        tracing::info!("shutting down: finishing the updates in hand");
        stop.send_replace(true);
    });
    app.run(shutdown).await;
    ExitCode::SUCCESS
}

/// `bot-service healthcheck`: the container's health probe. The bot serves no
/// HTTP but its metrics, so it checks what the bot needs to work: Redis answers `PING`
/// (`REDIS_URL`) and the auth service's `GET /health/ready` answers 200
/// (`AUTH_SERVICE_URL`), both at once, within 3 s. Exits 0 when both do, else 1,
/// naming what failed. It reads only those two settings.
mod healthcheck {
    use std::process::ExitCode;
    use std::time::Duration;

    use service_kit::Env;

    const BUDGET: Duration = Duration::from_secs(3);

    #[tokio::main(flavor = "current_thread")]
    pub async fn run() -> ExitCode {
        let env = Env::process();
        let settings = env
            .url("REDIS_URL", &["redis", "rediss"], None)
            .and_then(|redis| {
                Ok((
                    redis,
                    env.url("AUTH_SERVICE_URL", &["http", "https"], None)?,
                ))
            });
        let (redis_url, auth_url) = match settings {
            Ok(urls) => urls,
            Err(err) => {
                eprintln!("bot-service healthcheck: configuration error: {err}");
                return ExitCode::FAILURE;
            }
        };
        let (redis, auth) = tokio::join!(ping_redis(&redis_url), auth_ready(&auth_url));
        let problems: Vec<String> = [("redis", redis), ("auth service", auth)]
            .into_iter()
            .filter_map(|(what, result)| result.err().map(|err| format!("{what}: {err}")))
            .collect();
        if problems.is_empty() {
            println!("bot-service healthcheck: redis and the auth service answer");
            ExitCode::SUCCESS
        } else {
            eprintln!("bot-service healthcheck: {}", problems.join("; "));
            ExitCode::FAILURE
        }
    }

    /// Redis answers `PING` with `PONG`.
    async fn ping_redis(url: &str) -> Result<(), String> {
        let work = async {
            let client = redis::Client::open(url).map_err(|e| e.to_string())?;
            let mut conn = client
                .get_multiplexed_async_connection()
                .await
                .map_err(|e| e.to_string())?;
            let pong: String = redis::cmd("PING")
                .query_async(&mut conn)
                .await
                .map_err(|e| e.to_string())?;
            if pong == "PONG" {
                Ok(())
            } else {
                Err(format!("PING answered {pong:?}"))
            }
        };
        tokio::time::timeout(BUDGET, work)
            .await
            .unwrap_or_else(|_| Err(format!("no answer within {BUDGET:?}")))
    }

    /// `GET {auth}/health/ready` answers 200.
    async fn auth_ready(base_url: &str) -> Result<(), String> {
        let client = reqwest::Client::builder()
            .timeout(BUDGET)
            .build()
            .map_err(|e| e.to_string())?;
        let response = client
            .get(format!("{base_url}/health/ready"))
            .send()
            .await
            .map_err(|e| e.without_url().to_string())?;
        match response.status() {
            reqwest::StatusCode::OK => Ok(()),
            status => Err(format!("/health/ready answered {status}")),
        }
    }
}
