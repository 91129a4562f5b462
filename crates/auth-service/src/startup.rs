//! Building and running the HTTP application.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use auth_types::{HmacSigner, JwtKeys};
use service_kit::metrics::MetricsListener;
use session_guard::{AccessGuard, Redis};

use crate::config::Settings;
use crate::db::Db;
use crate::error::Error;
use crate::link_codes::LinkCodes;
use crate::mail::{MailSettings, Mailer};
use crate::nonces::NonceCache;
use crate::passwords::PasswordHasher;
use crate::rate_limit::RateLimiter;
use crate::routes;
use crate::sessions::SessionStore;
use crate::state::AppState;
use crate::tokens::TokenIssuer;
use crate::user_cache::UserCache;

/// Seconds in-flight requests get to finish after SIGTERM/SIGINT.
const SHUTDOWN_GRACE_SECS: u64 = 10;

pub struct Application {
    port: u16,
    server: Server,
    metrics: Option<MetricsListener>,
    state: web::Data<AppState>,
}

impl AppState {
    /// Connects the pools (lazily: a dependency that is down now is retried per
    /// request) and prepares the keys and the password hasher.
    pub fn from_settings(settings: Settings) -> Result<Self, Error> {
        let timeout = settings.dependency_timeout;
        let redis = Redis::new(
            settings.redis_url.expose(),
            settings.redis_pool_size,
            &settings.redis_key_prefix,
            timeout,
        )
        .map_err(Error::internal)?;
        let db = Db::new(
            settings.database_url.expose(),
            settings.db_pool_size,
            timeout,
        )
        .map_err(Error::internal)?;
        let keys = JwtKeys::new(settings.jwt_secret.expose().as_bytes());
        let mailer = match &settings.smtp_url {
            Some(url) => Mailer::start(
                MailSettings {
                    smtp_url: url.expose().to_owned(),
                    from: settings.mail_from.parse().map_err(Error::internal)?,
                    public_web_url: settings.public_web_url.clone(),
                    verify_ttl: settings.verify_token_ttl,
                    reset_ttl: settings.reset_token_ttl,
                },
                db.clone(),
            )?,
            None => {
                tracing::warn!(
                    "SMTP_URL is not set: no emails are sent; email verification and password recovery answer 503"
                );
                Mailer::disabled()
            }
        };
        Ok(Self {
            mailer,
            limits: RateLimiter::new(redis.clone(), settings.rate_limits.clone()),
            sessions: SessionStore::new(
                redis.clone(),
                settings.refresh_token_ttl,
                settings.refresh_reuse_grace,
            ),
            link_codes: LinkCodes::new(redis.clone()),
            nonces: NonceCache::new(redis.clone()),
            users: UserCache::new(redis.clone(), db.clone()),
            guard: AccessGuard::new(keys.verifier().clone(), redis.clone()),
            db,
            redis,
            bot_signer: HmacSigner::new(settings.bot_hmac_secret.expose().as_bytes()),
            tokens: TokenIssuer {
                keys,
                access_ttl: settings.access_token_ttl,
                refresh_ttl: settings.refresh_token_ttl,
            },
            passwords: PasswordHasher::new(settings.bcrypt_cost)?,
            settings,
        })
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
    App::new()
        .app_data(web::Data::new(state.guard.clone()))
        .app_data(state)
        .wrap(from_fn(service_kit::json::body_limit))
        .wrap(from_fn(crate::metrics::record_request))
        .wrap(from_fn(service_kit::request_id::access_log))
        .configure(routes::configure)
        .default_service(service_kit::problem::not_found_service())
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
            // A response written in more than one piece must not wait for the
            // client's acknowledgement of the first (Nagle's algorithm).
            .tcp_nodelay(true)
            .listen(listener)?
            .shutdown_timeout(SHUTDOWN_GRACE_SECS)
            .run();
        // Bound now, so a test learns the port of 127.0.0.1:0; served once running.
        let metrics = MetricsListener::bind(state.settings.metrics_bind_addr);
        Ok(Self {
            port,
            server,
            metrics,
            state,
        })
    }

    /// The port of `/metrics`, when it is served.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(MetricsListener::port)
    }

    /// The state the handlers share (pools, keys, hasher).
    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until SIGTERM or SIGINT, then lets in-flight requests finish.
    /// `/metrics` is served alongside, and stops with the server.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let _metrics = self
            .metrics
            .map(|listener| crate::metrics::serve(listener, self.state.clone()));
        let watch = self.state.db.watch();
        let stopped = self.server.await;
        watch.abort();
        stopped
    }
}
