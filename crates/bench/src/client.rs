//! One keep-alive HTTP/1.1 connection, used for one request at a time.
//!
//! hyper's low-level connection API is used rather than a pooled client: the
//! generator shares the cores with the service, so each request must cost it
//! as little as possible.

use std::net::SocketAddr;

use anyhow::Context;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::{self, SendRequest};
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

pub type Body = Full<Bytes>;

pub struct Connection {
    sender: SendRequest<Body>,
}

/// A request's answer: its status and whole body.
pub struct Answer {
    pub status: StatusCode,
    pub body: Bytes,
}

impl Connection {
    pub async fn open(addr: SocketAddr) -> anyhow::Result<Self> {
        let stream = TcpStream::connect(addr)
            .await
            .with_context(|| format!("connect to {addr}"))?;
        stream.set_nodelay(true)?;
        let (sender, connection) = http1::handshake(TokioIo::new(stream)).await?;
        // The connection task ends when the server closes or the sender is dropped.
        tokio::spawn(connection);
        Ok(Self { sender })
    }

    /// Whether the server has closed the connection (e.g. after its keep-alive timeout).
    pub fn is_closed(&self) -> bool {
        self.sender.is_closed()
    }

    /// Sends `request` and reads the whole answer.
    pub async fn send(&mut self, request: Request<Body>) -> anyhow::Result<Answer> {
        self.sender.ready().await?;
        let response = self.sender.send_request(request).await?;
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        Ok(Answer { status, body })
    }
}

/// A request to `path` with an optional JSON body and extra headers.
pub fn request(
    method: &str,
    path: &str,
    json: Option<Bytes>,
    headers: &[(&str, &str)],
) -> anyhow::Result<Request<Body>> {
    let mut builder = Request::builder()
        .method(method)
        .uri(path)
        .header(hyper::header::HOST, "127.0.0.1");
    if json.is_some() {
        builder = builder.header(hyper::header::CONTENT_TYPE, "application/json");
    }
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    Ok(builder.body(Full::new(json.unwrap_or_default()))?)
}
