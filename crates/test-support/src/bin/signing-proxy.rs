//! `signing-proxy`: forwards every HTTP request to the auth service and signs
//! the ones that carry the `X-Bot-*` headers (any values) as the bot does
//! (auth_types' HmacSigner: fresh nonce, the path and query as sent, the
//! body's hash), so a fuzzer that knows nothing of the signature
//! (scripts/check-api runs schemathesis through it) reaches the bot-only
//! endpoints' real logic instead of their 401.
//!
//! ```text
//! BOT_HMAC_SECRET=... signing-proxy LISTEN_ADDR UPSTREAM_URL
//! ```
//! Not for production: anyone who can reach it can act as the bot.

use std::process::ExitCode;

use actix_web::web::{self, Bytes};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer};
use auth_types::HmacSigner;
use auth_types::signing::{HEADER_NONCE, HEADER_SIGNATURE, HEADER_TIMESTAMP};

struct Upstream {
    base: String,
    client: reqwest::Client,
    signer: HmacSigner,
}

/// Headers that belong to one hop, not to the request or answer itself.
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "transfer-encoding",
    "host",
    "content-length",
];

async fn forward(req: HttpRequest, body: Bytes, upstream: web::Data<Upstream>) -> HttpResponse {
    let path = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.path().to_owned(), |pq| pq.as_str().to_owned());
    let method = match reqwest::Method::from_bytes(req.method().as_str().as_bytes()) {
        Ok(method) => method,
        Err(_) => return HttpResponse::BadRequest().finish(),
    };
    // Only a request that carries the three signature headers is signed (their
    // values are replaced): one that lacks any is passed on as it is.
    let sign = [HEADER_TIMESTAMP, HEADER_NONCE, HEADER_SIGNATURE]
        .iter()
        .all(|name| req.headers().contains_key(*name));
    let signature = sign.then(|| upstream.signer.sign(method.as_str(), &path, &body));
    let mut request = upstream
        .client
        .request(method, format!("{}{}", upstream.base, path));
    for (name, value) in req.headers() {
        let replaced = signature.is_some() && name.as_str().starts_with("x-bot-");
        if !HOP_BY_HOP.contains(&name.as_str()) && !replaced {
            request = request.header(name.as_str(), value.as_bytes());
        }
    }
    for (name, value) in signature.iter().flat_map(|s| s.pairs()) {
        request = request.header(name, value);
    }
    let answer = match request.body(body).send().await {
        Ok(answer) => answer,
        Err(err) => return HttpResponse::BadGateway().body(err.to_string()),
    };
    let mut response = HttpResponse::build(
        actix_web::http::StatusCode::from_u16(answer.status().as_u16())
            .unwrap_or(actix_web::http::StatusCode::BAD_GATEWAY),
    );
    for (name, value) in answer.headers() {
        if !HOP_BY_HOP.contains(&name.as_str()) {
            response.append_header((name.as_str(), value.as_bytes()));
        }
    }
    match answer.bytes().await {
        Ok(bytes) => response.body(bytes),
        Err(err) => HttpResponse::BadGateway().body(err.to_string()),
    }
}

#[actix_web::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(listen), Some(base), Ok(secret)) =
        (args.first(), args.get(1), std::env::var("BOT_HMAC_SECRET"))
    else {
        eprintln!("usage: BOT_HMAC_SECRET=... signing-proxy LISTEN_ADDR UPSTREAM_URL");
        return ExitCode::from(2);
    };
    let client = match reqwest::Client::builder().build() {
        Ok(client) => client,
        Err(err) => {
            eprintln!("signing-proxy: {err}");
            return ExitCode::FAILURE;
        }
    };
    let upstream = web::Data::new(Upstream {
        base: base.trim_end_matches('/').to_owned(),
        client,
        signer: HmacSigner::new(secret.as_bytes()),
    });
    let server = HttpServer::new(move || {
        App::new()
            .app_data(upstream.clone())
            .app_data(web::PayloadConfig::new(1 << 20))
            .default_service(web::to(forward))
    })
    .workers(1)
    .bind(listen.as_str());
    match server {
        Ok(server) => match server.run().await {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("signing-proxy: {err}");
                ExitCode::FAILURE
            }
        },
        Err(err) => {
            eprintln!("signing-proxy: cannot listen on {listen}: {err}");
            ExitCode::FAILURE
        }
    }
}
