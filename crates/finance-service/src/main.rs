use std::process::ExitCode;

use finance_service::config::Settings;
use finance_service::db;
use finance_service::startup::Application;

const USAGE: &str = "usage: finance-service [serve|migrate|healthcheck]";

fn main() -> ExitCode {
    let command = std::env::args().nth(1);
    if command.as_deref() == Some("healthcheck") {
        return service_kit::healthcheck::run("finance-service", 8001);
    }
    run(command)
}

#[tokio::main]
async fn run(command: Option<String>) -> ExitCode {
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("finance-service: configuration error: {err}");
            return ExitCode::from(2);
        }
    };
    service_kit::telemetry::init(settings.log_format);

    let migrate = async {
        match db::run_migrations(settings.database_url.expose()).await {
            Ok(applied) => {
                tracing::info!(?applied, "database schema is up to date");
                true
            }
            Err(err) => {
                tracing::error!(error = %err, "could not apply migrations");
                false
            }
        }
    };
    match command.as_deref() {
        Some("migrate") => {
            if migrate.await {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        None | Some("serve") => {
            if !migrate.await {
                return ExitCode::FAILURE;
            }
            let addr = settings.bind_addr;
            let app = match Application::build(settings) {
                Ok(app) => app,
                Err(err) => {
                    tracing::error!(error = %err, %addr, "could not start");
                    return ExitCode::FAILURE;
                }
            };
            tracing::info!(%addr, port = app.port(), "finance-service listening");
            match app.run_until_stopped().await {
                Ok(()) => {
                    tracing::info!("finance-service stopped");
                    ExitCode::SUCCESS
                }
                Err(err) => {
                    tracing::error!(error = %err, "server failed");
                    ExitCode::FAILURE
                }
            }
        }
        Some(other) => {
            eprintln!("finance-service: unknown command {other:?}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}
