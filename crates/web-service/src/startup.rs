//! Building and running the HTTP application.

use std::net::TcpListener;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceRequest, ServiceResponse};
use actix_web::middleware::{Next, from_fn};
use actix_web::{App, HttpServer, web};

use crate::config::WebSettings;
use crate::proxy::{self, Upstream};
use crate::{headers, health, pages};

pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Binds `BIND_ADDR` (port 0 picks a free port) and prepares the server.
    pub fn build(settings: WebSettings) -> std::io::Result<Self> {
        let listener = TcpListener::bind(settings.bind_addr)?;
        Self::build_on(settings, listener)
    }

    /// Prepares the server on a listener bound already (tests learn the port first,
    /// to give it to the auth service as `PUBLIC_WEB_URL`).
    pub fn build_on(settings: WebSettings, listener: TcpListener) -> std::io::Result<Self> {
        let port = listener.local_addr()?.port();
        let upstream = Upstream::new(&settings.auth_service_url, settings.secure_cookies())
            .map_err(std::io::Error::other)?;
        let upstream = web::Data::new(upstream);
        let server = HttpServer::new(move || {
            App::new()
                .app_data(upstream.clone())
                .wrap(from_fn(headers::security_headers))
                .wrap(from_fn(access_log))
                .route("/health", web::get().to(health::live))
                .route("/health/ready", web::get().to(health::ready))
                .service(
                    web::resource("/static/{file:.*}")
                        .route(web::get().to(pages::static_file))
                        .route(web::head().to(pages::static_file)),
                )
                .service(web::scope(proxy::COOKIE_PATH).default_service(web::to(proxy::forward)))
                .default_service(web::to(pages::page))
        })
        .listen(listener)?
        .run();
        Ok(Self { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until SIGTERM/SIGINT (actix's graceful shutdown).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// One log line per request: method, path (never the query: links carry tokens),
/// status, latency.
async fn access_log(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.path().to_owned();
    let res = next.call(req).await?;
    tracing::info!(
        %method,
        path,
        status = res.status().as_u16(),
        latency_ms = started.elapsed().as_millis() as u64,
        "request"
    );
    Ok(res)
}
