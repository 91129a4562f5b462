//! `mail-catcher`: a local SMTP server that keeps every message and shows them
//! on a web page, so a person trying Finance Bot locally can click the links of
//! the verification and password-reset emails. `scripts/up` starts it and
//! points the auth service at it (`SMTP_URL=smtp://127.0.0.1:1025`).
//!
//! ```text
//! mail-catcher [--smtp ADDR] [--http ADDR]
//! ```
//!
//! SMTP on `--smtp` (default `127.0.0.1:1025`), the page on `--http` (default
//! `127.0.0.1:8025`): `GET /` lists the messages, newest first, with their
//! links clickable; `GET /messages` gives them as JSON. Nothing is kept on disk;
//! it runs until SIGINT or SIGTERM.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use actix_web::{App, HttpResponse, HttpServer, web};
use serde_json::json;
use test_support::{ReceivedMail, SmtpSink};

const USAGE: &str = "usage: mail-catcher [--smtp ADDR] [--http ADDR]\n\
    Keeps the mail sent to --smtp (default 127.0.0.1:1025) and lists it on --http (default 127.0.0.1:8025).";

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Escapes `text` and turns its http(s) URLs into links.
fn linkify(text: &str) -> String {
    let mut out = String::new();
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let url_end = word.find(char::is_whitespace).unwrap_or(word.len());
        let (url, rest) = word.split_at(url_end);
        if url.starts_with("http://") || url.starts_with("https://") {
            let url = escape(url);
            out.push_str(&format!("<a href=\"{url}\">{url}</a>{}", escape(rest)));
        } else {
            out.push_str(&escape(word));
        }
    }
    out
}

fn page(mails: &[ReceivedMail]) -> String {
    let mut items = String::new();
    for mail in mails.iter().rev() {
        let body = mail
            .text
            .lines()
            .map(linkify)
            .collect::<Vec<_>>()
            .join("\n");
        items.push_str(&format!(
            "<article><h2>{}</h2><p class=\"meta\">To {} · from {}</p><pre>{body}</pre></article>",
            escape(&mail.subject),
            escape(&mail.to.join(", ")),
            escape(&mail.from),
        ));
    }
    if items.is_empty() {
        items.push_str("<p>No mail yet. Reload after the service sends some.</p>");
    }
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Mail catcher</title>\
<style>body{{font-family:sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem;color:#111}}\
article{{border:1px solid #ccc;border-radius:6px;padding:0 1rem;margin:1rem 0}}\
.meta{{color:#444}}pre{{white-space:pre-wrap}}a{{color:#1d4ed8}}</style></head>\
<body><h1>Mail catcher</h1><p>{} message(s), newest first.</p>{items}</body></html>",
        mails.len()
    )
}

fn parse_args() -> Result<Option<(SocketAddr, SocketAddr)>, String> {
    let mut smtp: SocketAddr = "127.0.0.1:1025".parse().map_err(|_| "default address")?;
    let mut http: SocketAddr = "127.0.0.1:8025".parse().map_err(|_| "default address")?;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let target = match arg.as_str() {
            "--smtp" => &mut smtp,
            "--http" => &mut http,
            "-h" | "--help" => return Ok(None),
            other => return Err(format!("unknown argument {other:?}")),
        };
        let value = args
            .next()
            .ok_or_else(|| format!("{arg} needs an address"))?;
        *target = value
            .parse()
            .map_err(|_| format!("{arg}: {value:?} is not an address like 127.0.0.1:1025"))?;
    }
    Ok(Some((smtp, http)))
}

#[tokio::main]
async fn main() -> ExitCode {
    let (smtp, http) = match parse_args() {
        Ok(Some(addresses)) => addresses,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(err) => {
            eprintln!("mail-catcher: {err}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let sink = match SmtpSink::start_on(smtp).await {
        Ok(sink) => Arc::new(sink),
        Err(err) => {
            eprintln!("mail-catcher: cannot listen for SMTP on {smtp}: {err}");
            return ExitCode::FAILURE;
        }
    };
    let shared = sink.clone();
    let server = HttpServer::new(move || {
        let sink = shared.clone();
        let listing = shared.clone();
        App::new()
            .route(
                "/",
                web::get().to(move || {
                    let sink = sink.clone();
                    async move {
                        HttpResponse::Ok()
                            .content_type("text/html; charset=utf-8")
                            .body(page(&sink.messages()))
                    }
                }),
            )
            .route(
                "/messages",
                web::get().to(move || {
                    let sink = listing.clone();
                    async move {
                        let mails: Vec<_> = sink
                            .messages()
                            .into_iter()
                            .map(|m| json!({"from": m.from, "to": m.to, "subject": m.subject, "text": m.text}))
                            .collect();
                        HttpResponse::Ok().json(mails)
                    }
                }),
            )
    })
    .workers(1)
    .bind(http);
    let server = match server {
        Ok(server) => server.run(),
        Err(err) => {
            eprintln!("mail-catcher: cannot listen for HTTP on {http}: {err}");
            return ExitCode::FAILURE;
        }
    };
    println!("SMTP_URL={}", sink.url());
    println!("MAIL_CATCHER_URL=http://{http}");
    // actix stops the server on SIGINT/SIGTERM.
    match server.await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("mail-catcher: {err}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_become_links_and_everything_else_is_escaped() {
        let html = linkify("Open https://x/verify-email?token=a&b=<c> or <script>");
        assert!(html.contains("<a href=\"https://x/verify-email?token=a&amp;b=&lt;c&gt;\">"));
        assert!(html.contains("&lt;script&gt;") && !html.contains("<script>"));
    }

    #[test]
    fn the_page_lists_the_newest_first() {
        let mail = |subject: &str| ReceivedMail {
            from: "a@x".into(),
            to: vec!["b@x".into()],
            subject: subject.into(),
            text: "hi".into(),
            html: String::new(),
            raw: String::new(),
        };
        let html = page(&[mail("first"), mail("second")]);
        assert!(html.find("<h2>second").expect("second") < html.find("<h2>first").expect("first"));
        assert!(html.contains("2 message(s)"));
    }
}
