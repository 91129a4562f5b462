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
    bot_service::init_logging(settings.log_format);
    let app = match BotApp::new(&settings) {
        Ok(app) => app,
        Err(err) => {
            tracing::error!(error = %err, "could not start");
            return ExitCode::FAILURE;
        }
    };
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("shutting down: finishing the updates in hand");
        stop.send_replace(true);
    });
    app.run(shutdown).await;
    ExitCode::SUCCESS
}

/// SIGTERM (orchestrators) or SIGINT (Ctrl-C).
async fn wait_for_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
