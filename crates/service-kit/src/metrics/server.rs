//! `GET /metrics` on an address of its own: a small HTTP/1.1 server (hyper) on
//! the service's tokio runtime, the same for every service — the bot has no
//! other HTTP server, and the HTTP services keep metrics off their public port.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{ALLOW, CONTENT_TYPE};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use metrics_exporter_prometheus::PrometheusHandle;
use tokio::task::{JoinHandle, JoinSet};

/// The content type of the Prometheus text exposition format.
const TEXT_FORMAT: &str = "text/plain; version=0.0.4; charset=utf-8";
/// A scraper that does not finish its request line and headers in this time is dropped.
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// How often histogram samples are folded in when nobody scrapes, to bound memory.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

type Render = Arc<dyn Fn() + Send + Sync>;

/// The bound metrics address, not served yet (binding happens at start, so
/// tests learn the port of `127.0.0.1:0` before the service runs).
#[derive(Debug)]
pub struct MetricsListener {
    listener: std::net::TcpListener,
    port: u16,
}

impl MetricsListener {
    /// Binds `addr` (`None`: metrics are off). A taken address costs the metrics,
    /// never the service: it is logged as a warning and gives `None`.
    pub fn bind(addr: Option<SocketAddr>) -> Option<Self> {
        let addr = addr?;
        let bound = std::net::TcpListener::bind(addr).and_then(|listener| {
            listener.set_nonblocking(true)?;
            let port = listener.local_addr()?.port();
            Ok(Self { listener, port })
        });
        match bound {
            Ok(listener) => Some(listener),
            Err(err) => {
                tracing::warn!(%addr, error = %err, "metrics address unavailable; /metrics is not served");
                None
            }
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves `GET /metrics` on the current tokio runtime until the returned
    /// server is dropped. `before_render` runs before each scrape, for gauges
    /// read at scrape time (pool sizes).
    pub fn serve(self, before_render: impl Fn() + Send + Sync + 'static) -> MetricsServer {
        let handle = super::install();
        let listener = match tokio::net::TcpListener::from_std(self.listener) {
            Ok(listener) => listener,
            Err(err) => {
                tracing::warn!(error = %err, "metrics listener unusable; /metrics is not served");
                return MetricsServer { task: None };
            }
        };
        tracing::info!(port = self.port, "metrics served at /metrics");
        let task = tokio::spawn(accept_loop(listener, handle, Arc::new(before_render)));
        MetricsServer { task: Some(task) }
    }
}

/// A running metrics server; dropping it stops it and its connections.
#[derive(Debug)]
pub struct MetricsServer {
    task: Option<JoinHandle<()>>,
}

impl Drop for MetricsServer {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}

async fn accept_loop(listener: tokio::net::TcpListener, handle: PrometheusHandle, render: Render) {
    // Connections live in the loop's task, so stopping the loop ends them too.
    let mut connections = JoinSet::new();
    let mut upkeep = tokio::time::interval(UPKEEP_EVERY);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let handle = handle.clone();
                    let render = render.clone();
                    connections.spawn(async move {
                        let service = service_fn(move |req| {
                            let answer = answer(&req, &handle, &render);
                            async move { Ok::<_, Infallible>(answer) }
                        });
                        // A scraper that goes away mid-request is no error of ours.
                        let _ = hyper::server::conn::http1::Builder::new()
                            .timer(TokioTimer::new())
                            .header_read_timeout(HEADER_TIMEOUT)
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    });
                }
                Err(err) => {
                    // Out of file descriptors, say: wait rather than spin.
                    tracing::warn!(error = %err, "metrics listener could not accept");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            Some(_) = connections.join_next() => {}
            _ = upkeep.tick() => handle.run_upkeep(),
        }
    }
}

fn answer(
    req: &Request<Incoming>,
    handle: &PrometheusHandle,
    render: &Render,
) -> Response<Full<Bytes>> {
    let plain = |status: StatusCode, text: &'static str| {
        let mut response = Response::new(Full::new(Bytes::from_static(text.as_bytes())));
        *response.status_mut() = status;
        response
    };
    if req.uri().path() != "/metrics" {
        return plain(
            StatusCode::NOT_FOUND,
            "not found: metrics are at /metrics\n",
        );
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let mut response = plain(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n");
        response
            .headers_mut()
            .insert(ALLOW, hyper::header::HeaderValue::from_static("GET, HEAD"));
        return response;
    }
    render();
    let mut response = Response::new(Full::new(Bytes::from(handle.render())));
    response.headers_mut().insert(
        CONTENT_TYPE,
        hyper::header::HeaderValue::from_static(TEXT_FORMAT),
    );
    response
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test]
    async fn metrics_are_served_as_prometheus_text_with_the_hook_run_first() {
        let listener = MetricsListener::bind(Some(SocketAddr::from(([127, 0, 0, 1], 0))))
            .expect("a free port");
        let port = listener.port();
        let scrapes = Arc::new(AtomicUsize::new(0));
        let seen = scrapes.clone();
        let _server = listener.serve(move || {
            seen.fetch_add(1, Ordering::SeqCst);
            metrics::gauge!("service_kit_test_scrapes").set(seen.load(Ordering::SeqCst) as f64);
        });
        metrics::counter!("service_kit_test_total", "kind" => "a").increment(2);

        let client = reqwest::Client::new();
        let url = format!("http://127.0.0.1:{port}/metrics");
        let response = client.get(&url).send().await.expect("scrape");
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], TEXT_FORMAT);
        let samples = test_support::prometheus::parse(&response.text().await.expect("body"));
        assert_eq!(
            samples.value("service_kit_test_total", &[("kind", "a")]),
            2.0
        );
        assert_eq!(samples.value("service_kit_test_scrapes", &[]), 1.0);
        assert_eq!(scrapes.load(Ordering::SeqCst), 1);

        let other = client
            .get(format!("http://127.0.0.1:{port}/"))
            .send()
            .await
            .expect("answer");
        assert_eq!(other.status(), 404);
        let post = client.post(&url).send().await.expect("answer");
        assert_eq!(post.status(), 405);
        assert_eq!(post.headers()["allow"], "GET, HEAD");
        assert_eq!(
            scrapes.load(Ordering::SeqCst),
            1,
            "only GET /metrics renders"
        );
    }

    #[tokio::test]
    async fn a_taken_address_or_off_serves_nothing() {
        let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = taken.local_addr().expect("addr");
        assert!(MetricsListener::bind(Some(addr)).is_none());
        assert!(MetricsListener::bind(None).is_none());
    }

    #[tokio::test]
    async fn dropping_the_server_stops_it() {
        let listener = MetricsListener::bind(Some(SocketAddr::from(([127, 0, 0, 1], 0))))
            .expect("a free port");
        let port = listener.port();
        drop(listener.serve(|| {}));
        // The abort takes effect at the task's next await; yield until it has.
        let url = format!("http://127.0.0.1:{port}/metrics");
        let mut refused = false;
        for _ in 0..100 {
            tokio::task::yield_now().await;
            if reqwest::get(&url).await.is_err() {
                refused = true;
                break;
            }
        }
        assert!(refused, "the listener closes once the server is dropped");
    }
}
