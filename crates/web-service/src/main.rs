use std::process::ExitCode;

use web_service::config::WebSettings;
use web_service::healthcheck;
use web_service::startup::Application;

const USAGE: &str = "usage: web-service [serve|healthcheck]";

fn main() -> ExitCode {
    match std::env::args().nth(1).as_deref() {
        None | Some("serve") => serve(),
        Some("healthcheck") => check_health(),
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

/// The container's health probe: 0 when `/health/ready` answers 200.
fn check_health() -> ExitCode {
    let bind_addr = std::env::var("BIND_ADDR").ok();
    let target = match healthcheck::target(bind_addr.as_deref()) {
        Ok(target) => target,
        Err(err) => {
            eprintln!("web-service healthcheck: {err}");
            return ExitCode::FAILURE;
        }
    };
    let path = healthcheck::PATH;
    match healthcheck::probe(target, healthcheck::BUDGET) {
        Ok(200) => {
            println!("web-service healthcheck: {path} answered 200");
            ExitCode::SUCCESS
        }
        Ok(status) => {
            eprintln!("web-service healthcheck: {path} on {target} answered {status}");
            ExitCode::FAILURE
        }
        Err(err) => {
            eprintln!("web-service healthcheck: {path} on {target}: {err}");
            ExitCode::FAILURE
        }
    }
}
