//! The `main` of an HTTP service that owns database migrations (auth-service,
//! finance-service), written once: [`service_main!`](crate::service_main).

/// Expands to the service's `main`:
/// - `healthcheck`: probes `/health/ready` on `BIND_ADDR`'s port (container
///   healthchecks; no settings read);
/// - `migrate`: reads the settings, applies the pending migrations, exits;
/// - `serve` (the default): the same migrations, then the server until
///   SIGTERM or SIGINT.
///
/// A bad setting is one line on stderr and exit code 2; an unknown command
/// too. The settings type needs `from_env()`, `log_format`, `database_url`
/// (a [`Secret`](crate::Secret)) and `bind_addr`; the application type
/// `build(settings)`, `port()` and `run_until_stopped()`; `migrate` is an
/// async function of the database URL answering the versions applied.
#[macro_export]
macro_rules! service_main {
    (name: $name:literal, port: $port:literal, settings: $settings:ty, migrate: $migrate:path, app: $app:ty $(,)?) => {
        fn main() -> ::std::process::ExitCode {
            let command = ::std::env::args().nth(1);
            if command.as_deref() == Some("healthcheck") {
                return $crate::healthcheck::run($name, $port);
            }
            run(command)
        }

        #[::tokio::main]
        async fn run(command: Option<String>) -> ::std::process::ExitCode {
            use ::std::process::ExitCode;
            let settings = match <$settings>::from_env() {
                Ok(settings) => settings,
                Err(err) => {
                    eprintln!(concat!($name, ": configuration error: {}"), err);
                    return ExitCode::from(2);
                }
            };
            $crate::telemetry::init(settings.log_format);

            let migrate = async {
                match $migrate(settings.database_url.expose()).await {
                    Ok(applied) => {
                        ::tracing::info!(?applied, "database schema is up to date");
                        true
                    }
                    Err(err) => {
                        ::tracing::error!(error = %err, "could not apply migrations");
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
                    let app = match <$app>::build(settings) {
                        Ok(app) => app,
                        Err(err) => {
                            ::tracing::error!(error = %err, %addr, "could not start");
                            return ExitCode::FAILURE;
                        }
                    };
                    ::tracing::info!(%addr, port = app.port(), concat!($name, " listening"));
                    match app.run_until_stopped().await {
                        Ok(()) => {
                            ::tracing::info!(concat!($name, " stopped"));
                            ExitCode::SUCCESS
                        }
                        Err(err) => {
                            ::tracing::error!(error = %err, "server failed");
                            ExitCode::FAILURE
                        }
                    }
                }
                Some(other) => {
                    eprintln!(
                        concat!($name, ": unknown command {:?}\nusage: ", $name, " [serve|migrate|healthcheck]"),
                        other
                    );
                    ExitCode::from(2)
                }
            }
        }
    };
}
