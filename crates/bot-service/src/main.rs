use std::process::ExitCode;

use bot_service::BotApp;
use bot_service::config::BotSettings;

#[tokio::main]
async fn main() -> ExitCode {
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
