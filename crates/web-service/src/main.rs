use std::process::ExitCode;

use web_service::config::WebSettings;
use web_service::startup::Application;

const USAGE: &str = "usage: web-service [serve|healthcheck]";

fn main() -> ExitCode {
    match std::env::args().nth(1).as_deref() {
        None | Some("serve") => serve(),
        Some("healthcheck") => service_kit::healthcheck::run("web-service", 8080),
        Some(other) => {
            eprintln!("web-service: unknown command {other:?}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

#[tokio::main]
async fn serve() -> ExitCode {
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
    tracing::info!(%bind_addr, port = app.port(), "web-service listening");
    match app.run_until_stopped().await {
        Ok(()) => {
            tracing::info!("web-service stopped");
            ExitCode::SUCCESS
        }
        Err(err) => {
            tracing::error!(error = %err, "server failed");
            ExitCode::FAILURE
        }
    }
}
