use std::process::ExitCode;

use web_service::config::WebSettings;
use web_service::startup::Application;

#[tokio::main]
async fn main() -> ExitCode {
    let settings = match WebSettings::from_env() {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("web-service: configuration error: {err}");
            return ExitCode::from(2);
        }
    };
    service_kit::telemetry::init(settings.log_format);
    let bind_addr = settings.bind_addr;
    let app = match Application::build(settings) {
        Ok(app) => app,
        Err(err) => {
            tracing::error!(error = %err, %bind_addr, "could not start");
            return ExitCode::FAILURE;
        }
    };
    tracing::info!(%bind_addr, "web-service listening");
    match app.run_until_stopped().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %err, "server failed");
            ExitCode::FAILURE
        }
    }
}
