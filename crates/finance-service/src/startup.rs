//! Building and running the HTTP application.

use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, web};
use auth_types::claims::TokenVerifier;
use db_kit::Db;
use service_kit::metrics::MetricsListener;
use session_guard::AccessGuard;
use session_guard::redis::Redis;

use crate::config::Settings;
use crate::error::Error;
use crate::profiles::Profiles;
use crate::routes;
use crate::state::AppState;

/// Seconds in-flight requests get to finish after SIGTERM/SIGINT.
const SHUTDOWN_GRACE_SECS: u64 = 10;
/// How often expired idempotency keys are forgotten.
const PURGE_EVERY: Duration = Duration::from_secs(3600);

pub struct Application {
    port: u16,
    server: Server,
    metrics: Option<MetricsListener>,
    state: web::Data<AppState>,
}

impl AppState {
    /// Connects the pools (lazily: a dependency that is down now is retried per request).
    pub fn from_settings(settings: Settings) -> Result<Self, Error> {
        let timeout = settings.dependency_timeout;
        let redis = Redis::new(
            settings.redis_url.expose(),
            settings.redis_pool_size,
            &settings.auth_redis_key_prefix,
            timeout,
        )
        .map_err(Error::internal)?;
        let db = Db::new(
            settings.database_url.expose(),
            settings.db_pool_size,
            timeout,
        )
        .map_err(Error::internal)?;
        let guard = AccessGuard::new(
            TokenVerifier::new(settings.jwt_secret.expose().as_bytes()),
            redis,
        );
        let profiles = Profiles::new(&settings.auth_service_url).map_err(Error::internal)?;
        Ok(Self::new(db, guard, profiles, settings))
    }
}

/// The actix application with every route, middleware and error handler.
pub fn app(
    state: web::Data<AppState>,
) -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let guard = web::Data::new(state.guard.clone());
    App::new()
        .app_data(state)
        .app_data(guard)
        .wrap(actix_web::middleware::from_fn(
            service_kit::json::body_limit,
        ))
        .wrap(actix_web::middleware::from_fn(
            service_kit::metrics::actix::record_request,
        ))
        .wrap(actix_web::middleware::from_fn(
            service_kit::request_id::access_log,
        ))
        .configure(routes::configure)
        .default_service(web::to(routes::not_found))
}

impl Application {
    /// Binds the listener (port 0 picks a free port) and prepares the server.
    /// Migrations are not run here: see [`crate::db::run_migrations`].
    pub fn build(settings: Settings) -> Result<Self, std::io::Error> {
        let listener = TcpListener::bind(settings.bind_addr)?;
        let port = listener.local_addr()?.port();
        let state = AppState::from_settings(settings).map_err(std::io::Error::other)?;
        let state = web::Data::new(state);
        let shared = state.clone();
        let server = HttpServer::new(move || app(shared.clone()))
            .tcp_nodelay(true)
            .listen(listener)?
            .shutdown_timeout(SHUTDOWN_GRACE_SECS)
            .run();
        let metrics = MetricsListener::bind(state.settings.metrics_bind_addr);
        Ok(Self {
            port,
            server,
            metrics,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port of `/metrics`, when it is served.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(MetricsListener::port)
    }

    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// Serves until SIGTERM or SIGINT, then lets in-flight requests finish.
    /// Alongside: `/metrics`, the database watch, the merge outbox and the
    /// purge of old idempotency keys.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let state = self.state.clone();
        let _metrics = self.metrics.map(|listener| {
            service_kit::metrics::actix::describe();
            let state = state.clone();
            listener.serve(move || state.observe_pools())
        });
        let watch = state.db.watch();
        let merges = crate::merges::watch(state.clone());
        let purge = {
            let state = state.clone();
            tokio::spawn(async move {
                loop {
                    let purged = state
                        .db
                        .run(async |conn| {
                            Ok::<_, Error>(crate::idempotency::purge_expired(conn).await?)
                        })
                        .await;
                    if let Err(err) = purged {
                        tracing::warn!(error = %err, "old idempotency keys not purged yet");
                    }
                    tokio::time::sleep(PURGE_EVERY).await;
                }
            })
        };
        let stopped = self.server.await;
        for task in [watch, merges, purge] {
            task.abort();
        }
        stopped
    }
}
