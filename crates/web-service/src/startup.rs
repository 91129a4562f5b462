//! Building and running the HTTP application.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, Route, web};
use service_kit::metrics::MetricsListener;
use service_kit::metrics::actix::record_request;

use crate::config::WebSettings;
use crate::proxy::{self, Finance, Upstream};
use service_kit::problem;

use crate::{assets, headers, health, openapi, page_config, pages};

pub struct Application {
    port: u16,
    server: Server,
    metrics: Option<MetricsListener>,
}

/// Every route of the service, in one place. Each page is a route of its own
/// (so metrics count it under its path); anything else gets the "not found" page.
pub fn routes(cfg: &mut web::ServiceConfig) {
    // Other methods on a resource: 405 naming the ones it serves.
    let only = problem::method_not_allowed_service;
    let get = |path: &str, route: Route| {
        web::resource(path)
            .route(route)
            .default_service(only("GET"))
    };
    cfg.service(get("/health", web::get().to(health::live)))
        .service(get("/health/ready", web::get().to(health::ready)))
        .service(get("/openapi.json", web::get().to(openapi::serve)))
        .service(get("/config.json", web::get().to(page_config::serve)))
        .service(
            web::resource("/static/{file:.*}")
                .route(web::get().to(pages::static_file))
                .route(web::head().to(pages::static_file))
                .default_service(only("GET, HEAD")),
        )
        .service(web::resource(format!("{}/{{path:.*}}", proxy::COOKIE_PATH)).to(proxy::forward))
        .service(web::resource(proxy::FAMILIES_PATH).to(proxy::forward_finance))
        .service(
            web::resource(format!("{}/{{path:.*}}", proxy::FAMILIES_PATH))
                .to(proxy::forward_finance),
        )
        .service(
            web::resource(format!("{}/{{path:.*}}", proxy::INVITES_PATH))
                .to(proxy::forward_finance),
        );
    for (path, _) in assets::PAGES {
        // Every method: the page answers 405 to all but GET and HEAD itself.
        cfg.service(web::resource(*path).to(pages::page));
    }
    cfg.default_service(web::to(pages::page));
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
            .map_err(std::io::Error::other)?
            .trusting(settings.trusted_proxies.clone())
            .with_body_timeout(settings.body_timeout);
        let upstream = web::Data::new(upstream);
        let finance = Upstream::new(&settings.finance_service_url, settings.secure_cookies())
            .map_err(std::io::Error::other)?
            .trusting(settings.trusted_proxies.clone())
            .with_body_timeout(settings.body_timeout);
        let finance = web::Data::new(Finance(finance));
        let https = web::Data::new(headers::ServedOverHttps(settings.https()));
        let page_config = web::Data::new(page_config::PageConfig::new(&settings));
        let server = HttpServer::new(move || {
            App::new()
                .app_data(upstream.clone())
                .app_data(finance.clone())
                .app_data(https.clone())
                .app_data(page_config.clone())
                .wrap(from_fn(headers::security_headers))
                .wrap(from_fn(record_request))
                .wrap(from_fn(service_kit::request_id::access_log))
                .configure(routes)
        })
        // A response written in more than one piece (a page, a proxied answer)
        // must not wait for the browser's acknowledgement of the first.
        .tcp_nodelay(true)
        .listen(listener)?
        .run();
        // Bound now, so a test learns the port of 127.0.0.1:0; served once running.
        let metrics = MetricsListener::bind(settings.metrics_bind_addr);
        Ok(Self {
            port,
            server,
            metrics,
        })
    }

    /// The port of `/metrics`, when it is served.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(MetricsListener::port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until SIGTERM/SIGINT (actix's graceful shutdown), `/metrics` alongside.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let _metrics = self.metrics.map(|listener| {
            crate::metrics::describe();
            listener.serve(|| {})
        });
        self.server.await
    }
}
