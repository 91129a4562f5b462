//! `fake-telegram`: the fake Telegram Bot API of the tests ([`FakeTelegram`]) as a
//! program, so the bot can run locally — by `scripts/up`, by hand or in the
//! runner test (`scripts/test-up`) — without Telegram.
//!
//! ```text
//! fake-telegram [--listen ADDR] [--control ADDR]
//! ```
//!
//! It serves the Bot API on `--listen` (default `127.0.0.1:8081`) and a small
//! control API on `--control` (default `127.0.0.1:8082`); port 0 picks a free
//! port. Once both listen it prints, on stdout, the settings to give the bot
//! and where the control API is, as `NAME=value` lines a shell can read:
//!
//! ```text
//! TELEGRAM_API_URL=http://127.0.0.1:8081
//! TELEGRAM_BOT_TOKEN=123456:TEST-fake-token
//! FAKE_TELEGRAM_CONTROL_URL=http://127.0.0.1:8082
//! ```
//!
//! It runs until SIGINT or SIGTERM, then exits 0. The control API plays the
//! people and shows what the bot did:
//!
//! | request | answer |
//! |---|---|
//! | `POST /messages` `{"user_id": 42, "text": "/register"}` | `{"update_id": 1}`: person 42 wrote to the bot |
//! | `POST /edits` `{"user_id": 42, "message_id": 3, "text": "25 groceries"}` | `{"update_id": 2}`: person 42 edited their message 3 |
//! | `POST /presses` `{"user_id": 42, "message_id": 4, "data": "…"}` | `{"update_id": 3}`: person 42 pressed a button of the bot's message 4; 404 when the bot sent no such message |
//! | `GET /photos` | every picture the bot sent: `[{"chat_id", "message_id", "caption", "size"}]` |
//! | `GET /calls` | every Bot API call received: `[{"method", "status", "at_unix_ms", "body"}]` |
//! | `GET /calls.txt` | the same, one `at_unix_ms method status` line per call |
//! | `GET /sent` | every message the bot sent or edited: `[{"chat_id", "message_id", "text", "reply_markup"}]` |
//! | `GET /sent.txt` | the same, one `chat_id message_id text` line each (newlines in the text as `\n`) |

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use actix_web::{App, HttpResponse, HttpServer, web};
use serde::Deserialize;
use serde_json::json;
use test_support::{FAKE_BOT_TOKEN, FakeTelegram};

const USAGE: &str = "usage: fake-telegram [--listen ADDR] [--control ADDR]\n\
    Serves a fake Telegram Bot API on --listen (default 127.0.0.1:8081) and its control API\n\
    on --control (default 127.0.0.1:8082); port 0 picks a free port. Stops on SIGINT or SIGTERM.";

struct Options {
    listen: SocketAddr,
    control: SocketAddr,
}

/// The options, or `None` when help was asked for.
fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<Options>, String> {
    let mut options = Options {
        listen: SocketAddr::from(([127, 0, 0, 1], 8081)),
        control: SocketAddr::from(([127, 0, 0, 1], 8082)),
    };
    while let Some(arg) = args.next() {
        if arg == "-h" || arg == "--help" {
            return Ok(None);
        }
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) => (name.to_owned(), Some(value.to_owned())),
            None => (arg, None),
        };
        let target = match name.as_str() {
            "--listen" => &mut options.listen,
            "--control" => &mut options.control,
            other => return Err(format!("unknown argument {other:?}")),
        };
        let value = inline
            .or_else(|| args.next())
            .ok_or_else(|| format!("{name} needs an address"))?;
        *target = value
            .parse()
            .map_err(|_| format!("{name}: not an address like 127.0.0.1:8081: {value:?}"))?;
    }
    Ok(Some(options))
}

/// Turns the fake's monotonic call times into wall-clock time, so they can be
/// compared with other programs' logs.
struct Clock {
    instant: Instant,
    unix_ms: u128,
}

impl Clock {
    fn now() -> Self {
        Self {
            instant: Instant::now(),
            unix_ms: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_millis()),
        }
    }

    fn unix_ms(&self, at: Instant) -> u128 {
        self.unix_ms + at.saturating_duration_since(self.instant).as_millis()
    }
}

struct Control {
    fake: FakeTelegram,
    clock: Clock,
}

#[derive(Deserialize)]
struct UserMessage {
    user_id: i64,
    text: String,
}

async fn post_message(control: web::Data<Control>, body: web::Json<UserMessage>) -> HttpResponse {
    let update_id = control.fake.user_sends(body.user_id, &body.text);
    HttpResponse::Ok().json(json!({ "update_id": update_id }))
}

#[derive(Deserialize)]
struct UserEdit {
    user_id: i64,
    message_id: i64,
    text: String,
}

async fn post_edit(control: web::Data<Control>, body: web::Json<UserEdit>) -> HttpResponse {
    let update_id = control
        .fake
        .user_edits(body.user_id, body.message_id, &body.text);
    HttpResponse::Ok().json(json!({ "update_id": update_id }))
}

#[derive(Deserialize)]
struct UserPress {
    user_id: i64,
    message_id: i64,
    data: String,
}

async fn post_press(control: web::Data<Control>, body: web::Json<UserPress>) -> HttpResponse {
    let known = control
        .fake
        .sent_to(body.user_id)
        .iter()
        .any(|m| m.message_id == body.message_id);
    if !known {
        return HttpResponse::NotFound().json(json!({
            "error": format!("the bot sent no message {} to {}", body.message_id, body.user_id)
        }));
    }
    let update_id = control
        .fake
        .user_presses(body.user_id, body.message_id, &body.data);
    HttpResponse::Ok().json(json!({ "update_id": update_id }))
}

async fn photos(control: web::Data<Control>) -> HttpResponse {
    let chats: std::collections::BTreeSet<i64> = control
        .fake
        .calls_of("sendPhoto")
        .iter()
        .filter_map(|c| {
            let id = &c.body["chat_id"];
            id.as_i64()
                .or_else(|| id.as_str().and_then(|s| s.parse().ok()))
        })
        .collect();
    let photos: Vec<_> = chats
        .into_iter()
        .flat_map(|chat| control.fake.photos_to(chat))
        .map(|p| {
            json!({
                "chat_id": p.chat_id,
                "message_id": p.message_id,
                "caption": p.caption,
                "size": p.bytes.len(),
            })
        })
        .collect();
    HttpResponse::Ok().json(photos)
}

async fn calls(control: web::Data<Control>) -> HttpResponse {
    let calls: Vec<_> = control
        .fake
        .calls()
        .into_iter()
        .map(|c| {
            json!({
                "method": c.method,
                "status": c.status,
                "at_unix_ms": control.clock.unix_ms(c.at),
                "body": c.body,
            })
        })
        .collect();
    HttpResponse::Ok().json(calls)
}

async fn calls_text(control: web::Data<Control>) -> HttpResponse {
    let mut text = String::new();
    for c in control.fake.calls() {
        let _ = writeln!(
            text,
            "{} {} {}",
            control.clock.unix_ms(c.at),
            c.method,
            c.status
        );
    }
    HttpResponse::Ok().content_type("text/plain").body(text)
}

async fn sent(control: web::Data<Control>) -> HttpResponse {
    let sent: Vec<_> = control
        .fake
        .sent()
        .into_iter()
        .map(|m| {
            json!({
                "chat_id": m.chat_id,
                "message_id": m.message_id,
                "text": m.text,
                "reply_markup": m.reply_markup,
            })
        })
        .collect();
    HttpResponse::Ok().json(sent)
}

async fn sent_text(control: web::Data<Control>) -> HttpResponse {
    let mut text = String::new();
    for m in control.fake.sent() {
        let escaped = m.text.replace('\\', "\\\\").replace('\n', "\\n");
        let _ = writeln!(text, "{} {} {escaped}", m.chat_id, m.message_id);
    }
    HttpResponse::Ok().content_type("text/plain").body(text)
}

async fn stop_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = ctrl_c => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = ctrl_c.await;
}

#[tokio::main]
async fn main() -> ExitCode {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(Some(options)) => options,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(err) => {
            eprintln!("fake-telegram: {err}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let clock = Clock::now();
    let fake = match FakeTelegram::start_on(options.listen).await {
        Ok(fake) => fake,
        Err(err) => {
            eprintln!("fake-telegram: cannot listen on {}: {err}", options.listen);
            return ExitCode::FAILURE;
        }
    };
    let api_url = fake.api_url();
    let control = web::Data::new(Control { fake, clock });
    let shared = control.clone();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(shared.clone())
            .route("/messages", web::post().to(post_message))
            .route("/edits", web::post().to(post_edit))
            .route("/presses", web::post().to(post_press))
            .route("/photos", web::get().to(photos))
            .route("/calls", web::get().to(calls))
            .route("/calls.txt", web::get().to(calls_text))
            .route("/sent", web::get().to(sent))
            .route("/sent.txt", web::get().to(sent_text))
    })
    .workers(1)
    .disable_signals()
    .bind(options.control);
    let server = match server {
        Ok(server) => server,
        Err(err) => {
            eprintln!(
                "fake-telegram: cannot listen on {} (control): {err}",
                options.control
            );
            return ExitCode::FAILURE;
        }
    };
    let control_addr = server.addrs().first().copied().unwrap_or(options.control);
    let server = server.run();
    let handle = server.handle();
    let task = tokio::spawn(server);

    println!("TELEGRAM_API_URL={api_url}");
    println!("TELEGRAM_BOT_TOKEN={FAKE_BOT_TOKEN}");
    println!("FAKE_TELEGRAM_CONTROL_URL=http://{control_addr}");
    eprintln!(
        "fake-telegram: Bot API at {api_url} (token {FAKE_BOT_TOKEN}), control at http://{control_addr}; \
         Ctrl-C stops it"
    );

    stop_signal().await;
    handle.stop(true).await;
    let _ = task.await;
    drop(control);
    eprintln!("fake-telegram: stopped");
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> impl Iterator<Item = String> {
        list.iter()
            .map(|s| (*s).to_owned())
            .collect::<Vec<_>>()
            .into_iter()
    }

    #[test]
    fn addresses_come_from_flags_in_either_spelling() {
        let options = parse_args(args(&["--listen", "127.0.0.1:0", "--control=[::1]:9"]))
            .expect("valid arguments")
            .expect("not help");
        assert_eq!(options.listen.to_string(), "127.0.0.1:0");
        assert_eq!(options.control.to_string(), "[::1]:9");
        let defaults = parse_args(args(&[]))
            .expect("no arguments")
            .expect("not help");
        assert_eq!(defaults.listen.port(), 8081);
        assert_eq!(defaults.control.port(), 8082);
        assert!(parse_args(args(&["--help"])).expect("help").is_none());
    }

    #[test]
    fn bad_arguments_are_named() {
        let unknown = parse_args(args(&["--port", "1"])).err().unwrap_or_default();
        assert!(unknown.contains("--port"), "{unknown}");
        let missing = parse_args(args(&["--listen"])).err().unwrap_or_default();
        assert!(missing.contains("needs an address"), "{missing}");
        let bad = parse_args(args(&["--control", "nowhere"]))
            .err()
            .unwrap_or_default();
        assert!(bad.contains("--control"), "{bad}");
    }
}
