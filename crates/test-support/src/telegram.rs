//! A fake Telegram Bot API server, so the bot's tests run without Telegram.
//!
//! [`FakeTelegram`] answers the methods the bot uses the way `api.telegram.org`
//! does: the same paths (`/bot{token}/{method}`), the same JSON envelopes
//! (`{"ok":true,"result":…}` or `{"ok":false,"error_code":…,"description":…}`
//! with the matching HTTP status) and the same rules for the update queue
//! (updates are only forgotten once a `getUpdates` offset confirms them). The
//! objects it sends are built from frankenstein's own types, so frankenstein
//! can always read them.
//!
//! A test plays the people (`user_sends`, `user_presses`), can make the next
//! calls fail (`fail_next`) and reads what the bot did (`sent`, `photos_to`,
//! `calls`). `sendPhoto` takes an upload as `multipart/form-data`, as Telegram does.

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use actix_web::dev::ServerHandle;
use actix_web::http::StatusCode;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use frankenstein::types::{
    CallbackQuery, Chat, ChatType, InlineKeyboardMarkup, MaybeInaccessibleMessage, Message,
    MessageEntity, MessageEntityType, PhotoSize, User,
};
use frankenstein::updates::{Update, UpdateContent};
use serde_json::{Value, json};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The only token the fake accepts; any other is answered `401 Unauthorized`.
pub const FAKE_BOT_TOKEN: &str = "123456:TEST-fake-token";
/// The fake bot's `@username`, as `getMe` reports it.
pub const FAKE_BOT_USERNAME: &str = "finance_test_bot";
/// The fake bot's user id (the number before the colon of [`FAKE_BOT_TOKEN`]).
pub const FAKE_BOT_ID: u64 = 123_456;

const FAKE_BOT_NAME: &str = "Finance Test Bot";
/// Longest message text Telegram accepts, in UTF-16 code units.
const MAX_TEXT_UTF16: usize = 4096;
/// Longest `callback_data` of an inline button, in bytes.
const MAX_CALLBACK_DATA_BYTES: usize = 64;

/// Methods the fake knows (any letter case is accepted, as Telegram does).
const METHODS: &[&str] = &[
    "getMe",
    "getUpdates",
    "sendMessage",
    "sendPhoto",
    "editMessageText",
    "setMyCommands",
    "deleteWebhook",
    "answerCallbackQuery",
    "sendChatAction",
];

/// One request the fake received.
#[derive(Debug, Clone)]
pub struct ApiCall {
    /// The method, spelt as in the Bot API docs (`sendMessage`) when known,
    /// else as received.
    pub method: String,
    /// The JSON body (`{}` when the request had none; the raw text as a JSON
    /// string when it was not JSON).
    pub body: serde_json::Value,
    /// When the request arrived.
    pub at: Instant,
    /// The HTTP status answered.
    pub status: u16,
}

/// A message the bot sent (or edited) successfully.
#[derive(Debug, Clone)]
pub struct SentMessage {
    pub chat_id: i64,
    /// The text as the bot sent it (markup such as HTML tags included).
    pub text: String,
    /// The `reply_markup` as the bot sent it.
    pub reply_markup: Option<serde_json::Value>,
    /// The id Telegram gave the message (the same for its edits).
    pub message_id: i64,
}

/// A picture the bot sent with `sendPhoto`.
#[derive(Debug, Clone)]
pub struct SentPhoto {
    pub chat_id: i64,
    /// The uploaded file's bytes.
    pub bytes: Vec<u8>,
    pub caption: Option<String>,
    pub message_id: i64,
}

/// A failure to inject with [`FakeTelegram::fail_next`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// `429 Too Many Requests: retry after N`, with `parameters.retry_after`.
    TooManyRequests { retry_after: u16 },
    /// `502 Bad Gateway` (as a JSON error body).
    BadGateway,
    /// `409 Conflict: terminated by other getUpdates request; …`, what
    /// Telegram answers when two bot instances poll at once.
    Conflict,
}

impl Failure {
    fn reply(self) -> Reply {
        match self {
            Self::TooManyRequests { retry_after } => Reply {
                status: 429,
                body: json!({
                    "ok": false,
                    "error_code": 429,
                    "description": format!("Too Many Requests: retry after {retry_after}"),
                    "parameters": { "retry_after": retry_after },
                }),
            },
            Self::BadGateway => Reply::error(502, "Bad Gateway"),
            Self::Conflict => Reply::error(
                409,
                "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
            ),
        }
    }
}

/// A fake Telegram Bot API server on a free local port; it stops when dropped.
pub struct FakeTelegram {
    addr: SocketAddr,
    shared: Arc<Shared>,
    server: ServerHandle,
    task: JoinHandle<()>,
}

impl std::fmt::Debug for FakeTelegram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeTelegram")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Drop for FakeTelegram {
    fn drop(&mut self) {
        // The stop command is sent at once; the returned future only waits for it.
        drop(self.server.stop(false));
        self.task.abort();
    }
}

impl FakeTelegram {
    /// Starts the server on `127.0.0.1` (a free port), with one worker.
    pub async fn start() -> Self {
        Self::start_on(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("start the fake Telegram")
    }

    /// Starts the server on `addr` (port 0 picks a free port), with one worker:
    /// for the `fake-telegram` program, which serves a fixed address. Fails
    /// when the address cannot be bound.
    pub async fn start_on(addr: SocketAddr) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr)?;
        let addr = listener.local_addr()?;
        let (new_update, _) = watch::channel(0);
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            new_update,
        });
        let data = web::Data::from(shared.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(handle))
        })
        .workers(1)
        .disable_signals()
        .listen(listener)?
        .run();
        let handle = server.handle();
        let task = tokio::spawn(async move {
            let _ = server.await;
        });
        Ok(Self {
            addr,
            shared,
            server: handle,
            task,
        })
    }

    /// `http://127.0.0.1:PORT`: the base URL to give the bot in place of
    /// `https://api.telegram.org` (it appends `/bot{token}/{method}`).
    pub fn api_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A person (user id = private chat id) sends `text`; returns the update_id.
    ///
    /// Text starting with `/` gets a `bot_command` entity over its first word
    /// (`/start@finance_test_bot` included), as Telegram adds it. The message
    /// has a message_id, date (now), chat `{id, type: "private", first_name,
    /// username}`, from `{id, is_bot: false, first_name: "User{id}",
    /// username: "user{id}"}`, text and entities.
    pub fn user_sends(&self, user_id: i64, text: &str) -> u32 {
        let entities = text.starts_with('/').then(|| {
            let word = text.split(char::is_whitespace).next().unwrap_or(text);
            vec![
                MessageEntity::builder()
                    .type_field(MessageEntityType::BotCommand)
                    .offset(0)
                    .length(u16::try_from(utf16_len(word)).unwrap_or(u16::MAX))
                    .build(),
            ]
        });
        let mut state = self.shared.state.lock().unwrap();
        let message_id = state.next_message_id(user_id);
        let message = Message::builder()
            .message_id(message_id)
            .from(person(user_id))
            .date(unix_now())
            .chat(chat(user_id))
            .text(text)
            .maybe_entities(entities)
            .build();
        let update_id = state.push_update(UpdateContent::Message(Box::new(message)));
        drop(state);
        self.shared.new_update.send_replace(update_id);
        update_id
    }

    /// The person edits their message `message_id` to `text`; returns the
    /// update_id. The update is an `edited_message`: the message with its id,
    /// the new text (and a `bot_command` entity as in [`Self::user_sends`]),
    /// and `edit_date` now, one second after any earlier edit of it at the
    /// latest (each edit of a message has its own `edit_date`, as in Telegram).
    pub fn user_edits(&self, user_id: i64, message_id: i64, text: &str) -> u32 {
        let entities = text.starts_with('/').then(|| {
            let word = text.split(char::is_whitespace).next().unwrap_or(text);
            vec![
                MessageEntity::builder()
                    .type_field(MessageEntityType::BotCommand)
                    .offset(0)
                    .length(u16::try_from(utf16_len(word)).unwrap_or(u16::MAX))
                    .build(),
            ]
        });
        let mut state = self.shared.state.lock().unwrap();
        let id = i32::try_from(message_id).unwrap_or(i32::MAX);
        let last = state.edit_dates.get(&(user_id, id)).copied().unwrap_or(0);
        let edit_date = unix_now().max(last + 1);
        state.edit_dates.insert((user_id, id), edit_date);
        let message = Message::builder()
            .message_id(id)
            .from(person(user_id))
            .date(unix_now())
            .edit_date(edit_date)
            .chat(chat(user_id))
            .text(text)
            .maybe_entities(entities)
            .build();
        let update_id = state.push_update(UpdateContent::EditedMessage(Box::new(message)));
        drop(state);
        self.shared.new_update.send_replace(update_id);
        update_id
    }

    /// The person presses an inline button with `data` under the bot message
    /// `message_id` (of the private chat `user_id`); returns the update_id.
    ///
    /// The update is a `callback_query` with a fresh id (which
    /// `answerCallbackQuery` then accepts), from, chat_instance, data, and
    /// message = that bot message as it is now (after any edits).
    ///
    /// Panics when the bot never sent that message to that chat.
    pub fn user_presses(&self, user_id: i64, message_id: i64, data: &str) -> u32 {
        let mut state = self.shared.state.lock().unwrap();
        let key = (user_id, i32::try_from(message_id).unwrap_or(i32::MAX));
        let Some(message) = state.bot_messages.get(&key).map(|m| m.message.clone()) else {
            let mut known: Vec<i32> = state
                .bot_messages
                .keys()
                .filter(|(chat, _)| *chat == user_id)
                .map(|(_, id)| *id)
                .collect();
            known.sort_unstable();
            panic!(
                "user_presses: the bot sent no message {message_id} to chat {user_id} \
                 (its messages there: {known:?})"
            );
        };
        let query_id = format!("{}{:08}", user_id.unsigned_abs(), state.next_update_id + 1);
        let query = CallbackQuery::builder()
            .id(query_id.clone())
            .from(person(user_id))
            .message(MaybeInaccessibleMessage::Message(Box::new(message)))
            .chat_instance(format!("{}", user_id.wrapping_mul(7919)))
            .data(data)
            .build();
        state.callback_queries.insert(query_id);
        let update_id = state.push_update(UpdateContent::CallbackQuery(Box::new(query)));
        drop(state);
        self.shared.new_update.send_replace(update_id);
        update_id
    }

    /// Queues update `update_id` again, the same id and content, as Telegram
    /// does after a bot stopped without confirming it (a crash after handling
    /// it, before the offset moved). A poll without an offset (a bot that just
    /// started) receives it.
    ///
    /// Panics when no such update was ever queued.
    pub fn deliver_again(&self, update_id: u32) {
        let mut state = self.shared.state.lock().unwrap();
        let update = state
            .delivered
            .get(&update_id)
            .cloned()
            .unwrap_or_else(|| panic!("deliver_again: no update {update_id} was ever queued"));
        state.updates.retain(|u| u.update_id != update_id);
        let at = state
            .updates
            .iter()
            .position(|u| u.update_id > update_id)
            .unwrap_or(state.updates.len());
        state.updates.insert(at, update);
        drop(state);
        self.shared.new_update.send_replace(update_id);
    }

    /// Makes the next call(s) of `method` (any letter case) fail with
    /// `failure`, `times` times in a row, before any other handling; queued
    /// after failures already pending for that method.
    pub fn fail_next(&self, method: &str, failure: Failure, times: usize) {
        let mut state = self.shared.state.lock().unwrap();
        state
            .failures
            .entry(method.to_ascii_lowercase())
            .or_default()
            .extend(std::iter::repeat_n(failure, times));
    }

    /// The pictures sent to `chat_id`, in order.
    pub fn photos_to(&self, chat_id: i64) -> Vec<SentPhoto> {
        self.shared
            .state
            .lock()
            .unwrap()
            .photos
            .iter()
            .filter(|p| p.chat_id == chat_id)
            .cloned()
            .collect()
    }

    /// Every sendMessage (and editMessageText, recorded as a `SentMessage`
    /// too) that succeeded, in order.
    pub fn sent(&self) -> Vec<SentMessage> {
        self.shared.state.lock().unwrap().sent.clone()
    }

    /// The successful sendMessage/editMessageText to `chat_id`, in order.
    pub fn sent_to(&self, chat_id: i64) -> Vec<SentMessage> {
        self.shared
            .state
            .lock()
            .unwrap()
            .sent
            .iter()
            .filter(|m| m.chat_id == chat_id)
            .cloned()
            .collect()
    }

    /// Waits (polling every 20 ms) until at least `n` messages were sent to
    /// `chat_id`, up to `timeout`; returns them all.
    ///
    /// Panics on timeout with everything sent and every call received.
    pub async fn wait_for_messages(
        &self,
        chat_id: i64,
        n: usize,
        timeout: Duration,
    ) -> Vec<SentMessage> {
        let started = Instant::now();
        loop {
            let got = self.sent_to(chat_id);
            if got.len() >= n {
                return got;
            }
            if started.elapsed() >= timeout {
                let sent: Vec<String> = self
                    .sent()
                    .iter()
                    .map(|m| format!("  chat {} #{}: {:?}", m.chat_id, m.message_id, m.text))
                    .collect();
                let calls: Vec<String> = self
                    .calls()
                    .iter()
                    .map(|c| format!("{} {}", c.method, c.status))
                    .collect();
                panic!(
                    "expected at least {n} message(s) to chat {chat_id} within {timeout:?}, got {}.\n\
                     Everything sent:\n{}\nCalls received: {}",
                    got.len(),
                    if sent.is_empty() {
                        "  (nothing)".to_owned()
                    } else {
                        sent.join("\n")
                    },
                    calls.join(", "),
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Every API call received (failed ones included, with the HTTP status
    /// answered), in order of arrival.
    pub fn calls(&self) -> Vec<ApiCall> {
        self.shared.state.lock().unwrap().calls.clone()
    }

    /// The calls of `method` (compared case-insensitively), in order.
    pub fn calls_of(&self, method: &str) -> Vec<ApiCall> {
        self.shared
            .state
            .lock()
            .unwrap()
            .calls
            .iter()
            .filter(|c| c.method.eq_ignore_ascii_case(method))
            .cloned()
            .collect()
    }

    /// Updates confirmed so far: the highest `offset - 1` any getUpdates call
    /// sent (Telegram forgets updates below the offset), or `None` while no
    /// offset above 1 was sent (nothing confirmed: ids start at 1).
    pub fn confirmed_up_to(&self) -> Option<u32> {
        self.shared.state.lock().unwrap().confirmed
    }

    /// How many updates are stored and not yet confirmed.
    pub fn pending_updates(&self) -> usize {
        self.shared.state.lock().unwrap().updates.len()
    }
}

/// What the server task and the test share.
struct Shared {
    state: Mutex<State>,
    /// The latest update_id, changed on every new update (wakes long polls).
    new_update: watch::Sender<u32>,
}

struct BotMessage {
    message: Message,
    reply_markup: Option<Value>,
}

#[derive(Default)]
struct State {
    /// The last update_id given (the first is 1).
    next_update_id: u32,
    updates: VecDeque<Update>,
    confirmed: Option<u32>,
    /// The last message_id per chat (Telegram numbers messages per private chat).
    message_ids: HashMap<i64, i32>,
    /// The bot's messages as they are now, by (chat_id, message_id).
    bot_messages: HashMap<(i64, i32), BotMessage>,
    /// Callback query ids handed out by `user_presses`.
    callback_queries: HashSet<String>,
    sent: Vec<SentMessage>,
    calls: Vec<ApiCall>,
    /// Failures to inject, by lower-case method name.
    failures: HashMap<String, VecDeque<Failure>>,
    /// Every update ever queued, by id (for `deliver_again`).
    delivered: HashMap<u32, Update>,
    /// The last `edit_date` given to each person's message, by (chat_id, message_id).
    edit_dates: HashMap<(i64, i32), u64>,
    photos: Vec<SentPhoto>,
}

/// A status and a JSON body to answer.
struct Reply {
    status: u16,
    body: Value,
}

impl Reply {
    fn ok(result: Value) -> Self {
        Self {
            status: 200,
            body: json!({ "ok": true, "result": result }),
        }
    }

    fn error(code: u16, description: &str) -> Self {
        Self {
            status: code,
            body: json!({ "ok": false, "error_code": code, "description": description }),
        }
    }

    fn bad_request(reason: &str) -> Self {
        Self::error(400, &format!("Bad Request: {reason}"))
    }
}

/// What a call needs once the state lock is released.
enum Outcome {
    Done(Reply),
    Poll(Poll),
}

struct Poll {
    offset: Option<i64>,
    limit: usize,
    timeout: Duration,
}

async fn handle(req: HttpRequest, body: web::Bytes, shared: web::Data<Shared>) -> HttpResponse {
    let at = Instant::now();
    let (token, method) = split_path(req.path());
    let content_type = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let (body, files) = match boundary(content_type) {
        Some(boundary) => parse_multipart(&body, &boundary),
        None => (parse_body(&body), HashMap::new()),
    };
    let reply = match shared.answer(token.as_deref(), &method, body, &files, at) {
        Outcome::Done(reply) => reply,
        Outcome::Poll(poll) => shared.long_poll(poll).await,
    };
    HttpResponse::build(StatusCode::from_u16(reply.status).unwrap_or(StatusCode::BAD_GATEWAY))
        .content_type("application/json")
        .body(reply.body.to_string())
}

/// `("{token}", "{method}")` from `/bot{token}/{method}`; no token for any other path.
fn split_path(path: &str) -> (Option<String>, String) {
    let path = path.trim_start_matches('/');
    match path.split_once('/') {
        Some((first, method)) if first.starts_with("bot") && !method.contains('/') => {
            let token = first["bot".len()..].replace("%3A", ":").replace("%3a", ":");
            (Some(token), method.to_owned())
        }
        _ => (None, path.to_owned()),
    }
}

/// The boundary of a `multipart/form-data` body.
fn boundary(content_type: &str) -> Option<String> {
    let (kind, params) = content_type.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.split(';').find_map(|p| {
        let (name, value) = p.trim().split_once('=')?;
        name.eq_ignore_ascii_case("boundary")
            .then(|| value.trim_matches('"').to_owned())
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A `multipart/form-data` body: its text fields as a JSON object (as Telegram
/// reads them), and its files by field name. A malformed body gives what
/// could be read.
fn parse_multipart(body: &[u8], boundary: &str) -> (Value, HashMap<String, Vec<u8>>) {
    let mut fields = serde_json::Map::new();
    let mut files = HashMap::new();
    let delimiter = format!("--{boundary}").into_bytes();
    let mut rest = body;
    while let Some(start) = find(rest, &delimiter) {
        rest = &rest[start + delimiter.len()..];
        if rest.starts_with(b"--") {
            break;
        }
        let rest_of_line = rest.strip_prefix(b"\r\n").unwrap_or(rest);
        let Some(headers_end) = find(rest_of_line, b"\r\n\r\n") else {
            break;
        };
        let headers = String::from_utf8_lossy(&rest_of_line[..headers_end]).into_owned();
        let content = &rest_of_line[headers_end + 4..];
        let end =
            find(content, &[b"\r\n".as_slice(), &delimiter].concat()).unwrap_or(content.len());
        let value = &content[..end];
        rest = &content[end..];
        let disposition = headers
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("content-disposition"))
            .unwrap_or_default();
        let param = |key: &str| {
            disposition.split(';').find_map(|p| {
                let (k, v) = p.trim().split_once('=')?;
                (k == key).then(|| v.trim_matches('"').to_owned())
            })
        };
        let Some(name) = param("name") else {
            continue;
        };
        if param("filename").is_some() {
            files.insert(name, value.to_vec());
        } else {
            fields.insert(
                name,
                Value::String(String::from_utf8_lossy(value).into_owned()),
            );
        }
    }
    (Value::Object(fields), files)
}

fn parse_body(body: &[u8]) -> Value {
    if body.iter().all(u8::is_ascii_whitespace) {
        return json!({});
    }
    serde_json::from_slice(body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()))
}

impl Shared {
    /// Answers a call, or says how to long-poll; records the call either way.
    fn answer(
        &self,
        token: Option<&str>,
        method: &str,
        body: Value,
        files: &HashMap<String, Vec<u8>>,
        at: Instant,
    ) -> Outcome {
        let known = METHODS
            .iter()
            .find(|m| m.eq_ignore_ascii_case(method))
            .copied();
        let mut state = self.state.lock().unwrap();
        let outcome = if token != Some(FAKE_BOT_TOKEN) {
            Outcome::Done(Reply::error(401, "Unauthorized"))
        } else if let Some(failure) = state
            .failures
            .get_mut(&method.to_ascii_lowercase())
            .and_then(VecDeque::pop_front)
        {
            Outcome::Done(failure.reply())
        } else if let Some(method) = known {
            if body.is_object() {
                state.dispatch(method, &body, files)
            } else {
                Outcome::Done(Reply::bad_request("the request body is not a JSON object"))
            }
        } else {
            Outcome::Done(Reply::error(404, "Not Found"))
        };
        let status = match &outcome {
            Outcome::Done(reply) => reply.status,
            Outcome::Poll(_) => 200,
        };
        state.calls.push(ApiCall {
            method: known.map_or_else(|| method.to_owned(), str::to_owned),
            body,
            at,
            status,
        });
        outcome
    }

    /// Waits up to the poll's timeout for an update at or after its offset.
    async fn long_poll(&self, poll: Poll) -> Reply {
        // Subscribe before looking, so an update arriving in between still wakes us.
        let mut news = self.new_update.subscribe();
        let deadline = tokio::time::Instant::now() + poll.timeout;
        loop {
            let updates = self.state.lock().unwrap().updates_from(&poll);
            if updates.as_array().is_some_and(|u| !u.is_empty()) {
                return Reply::ok(updates);
            }
            match tokio::time::timeout_at(deadline, news.changed()).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) | Err(_) => {
                    return Reply::ok(self.state.lock().unwrap().updates_from(&poll));
                }
            }
        }
    }
}

impl State {
    fn push_update(&mut self, content: UpdateContent) -> u32 {
        self.next_update_id += 1;
        let update_id = self.next_update_id;
        let update = Update { update_id, content };
        self.delivered.insert(update_id, update.clone());
        self.updates.push_back(update);
        update_id
    }

    fn next_message_id(&mut self, chat_id: i64) -> i32 {
        let last = self.message_ids.entry(chat_id).or_insert(0);
        *last += 1;
        *last
    }

    /// The stored updates at or after the poll's offset, at most its limit, as JSON.
    fn updates_from(&self, poll: &Poll) -> Value {
        let updates: Vec<&Update> = self
            .updates
            .iter()
            .filter(|u| poll.offset.is_none_or(|o| i64::from(u.update_id) >= o))
            .take(poll.limit)
            .collect();
        serde_json::to_value(updates).expect("updates serialize")
    }

    fn dispatch(
        &mut self,
        method: &str,
        body: &Value,
        files: &HashMap<String, Vec<u8>>,
    ) -> Outcome {
        let reply = match method {
            "getMe" => Reply::ok(serde_json::to_value(bot_profile()).expect("user serializes")),
            "getUpdates" => return Outcome::Poll(self.start_poll(body)),
            "sendMessage" => self.send_message(body).unwrap_or_else(|e| e),
            "sendPhoto" => self.send_photo(body, files).unwrap_or_else(|e| e),
            "editMessageText" => self.edit_message_text(body).unwrap_or_else(|e| e),
            "setMyCommands" => set_my_commands(body).unwrap_or_else(|e| e),
            "deleteWebhook" => {
                if body.get("drop_pending_updates").and_then(Value::as_bool) == Some(true) {
                    self.updates.clear();
                }
                Reply {
                    status: 200,
                    body: json!({
                        "ok": true,
                        "result": true,
                        "description": "Webhook is already deleted",
                    }),
                }
            }
            "answerCallbackQuery" => {
                let id = body.get("callback_query_id").and_then(Value::as_str);
                if id.is_some_and(|id| self.callback_queries.contains(id)) {
                    Reply::ok(json!(true))
                } else {
                    Reply::bad_request(
                        "query is too old and response timeout expired or query ID is invalid",
                    )
                }
            }
            "sendChatAction" => match chat_id(body) {
                Ok(_) => Reply::ok(json!(true)),
                Err(reply) => reply,
            },
            _ => Reply::error(404, "Not Found"),
        };
        Outcome::Done(reply)
    }

    /// Confirms the updates below the offset and says what to wait for.
    fn start_poll(&mut self, body: &Value) -> Poll {
        // A negative offset (counting from the end) is not supported: ignored.
        let offset = int(body, "offset").filter(|o| *o > 0);
        if let Some(offset) = offset {
            self.updates.retain(|u| i64::from(u.update_id) >= offset);
            if offset > 1 {
                let confirmed = u32::try_from(offset - 1).unwrap_or(u32::MAX);
                self.confirmed = Some(self.confirmed.map_or(confirmed, |c| c.max(confirmed)));
            }
        }
        let limit = int(body, "limit").map_or(100, |l| l.clamp(1, 100));
        let timeout = int(body, "timeout").unwrap_or(0).max(0);
        Poll {
            offset,
            limit: usize::try_from(limit).unwrap_or(100),
            timeout: Duration::from_secs(timeout.unsigned_abs()),
        }
    }

    fn send_message(&mut self, body: &Value) -> Result<Reply, Reply> {
        let chat_id = chat_id(body)?;
        let text = checked_text(body)?;
        let markup = checked_markup(body)?;
        let message_id = self.next_message_id(chat_id);
        let message = Message::builder()
            .message_id(message_id)
            .from(bot_user())
            .date(unix_now())
            .chat(chat(chat_id))
            .text(text.clone())
            .maybe_reply_markup(inline_keyboard(markup.as_ref()))
            .build();
        Ok(self.keep(chat_id, message, text, markup))
    }

    /// An uploaded picture (only PNG is read: its size from the header) or
    /// a `file_id`/URL string, which is kept as its bytes.
    fn send_photo(
        &mut self,
        body: &Value,
        files: &HashMap<String, Vec<u8>>,
    ) -> Result<Reply, Reply> {
        let chat_id = chat_id(body)?;
        let (bytes, (width, height)) = match files.get("photo") {
            Some(bytes) => (
                bytes.clone(),
                png_size(bytes).ok_or_else(|| Reply::bad_request("IMAGE_PROCESS_FAILED"))?,
            ),
            None => match body.get("photo").and_then(Value::as_str) {
                Some(reference) if !reference.is_empty() => {
                    (reference.as_bytes().to_vec(), (320, 320))
                }
                _ => return Err(Reply::bad_request("there is no photo in the request")),
            },
        };
        let caption = body
            .get("caption")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let message_id = self.next_message_id(chat_id);
        let size = PhotoSize::builder()
            .file_id(format!("photo-{chat_id}-{message_id}"))
            .file_unique_id(format!("u{chat_id}{message_id}"))
            .width(width)
            .height(height)
            .file_size(u64::try_from(bytes.len()).unwrap_or(u64::MAX))
            .build();
        let message = Message::builder()
            .message_id(message_id)
            .from(bot_user())
            .date(unix_now())
            .chat(chat(chat_id))
            .photo(vec![size])
            .maybe_caption(caption.clone())
            .build();
        self.photos.push(SentPhoto {
            chat_id,
            bytes,
            caption,
            message_id: i64::from(message_id),
        });
        Ok(Reply::ok(
            serde_json::to_value(&message).expect("message serializes"),
        ))
    }

    fn edit_message_text(&mut self, body: &Value) -> Result<Reply, Reply> {
        if body.get("inline_message_id").is_some() {
            checked_text(body)?;
            checked_markup(body)?;
            return Ok(Reply::ok(json!(true)));
        }
        let chat_id = chat_id(body)?;
        let message_id = int(body, "message_id")
            .ok_or_else(|| Reply::bad_request("message identifier is not specified"))?;
        let text = checked_text(body)?;
        let markup = checked_markup(body)?;
        let key = (chat_id, i32::try_from(message_id).unwrap_or(i32::MAX));
        let stored = self
            .bot_messages
            .get(&key)
            .ok_or_else(|| Reply::bad_request("message to edit not found"))?;
        if stored.message.text.as_deref() == Some(text.as_str()) && stored.reply_markup == markup {
            return Err(Reply::bad_request(
                "message is not modified: specified new message content and reply markup \
                 are exactly the same as a current content and reply markup of the message",
            ));
        }
        let mut message = stored.message.clone();
        message.text = Some(text.clone());
        message.edit_date = Some(unix_now());
        // Without a reply_markup, an edit removes the inline keyboard.
        message.reply_markup = inline_keyboard(markup.as_ref()).map(Box::new);
        Ok(self.keep(chat_id, message, text, markup))
    }

    /// Stores a bot message (new or edited), records it as sent, answers it.
    fn keep(
        &mut self,
        chat_id: i64,
        message: Message,
        text: String,
        reply_markup: Option<Value>,
    ) -> Reply {
        let message_id = message.message_id;
        let result = serde_json::to_value(&message).expect("message serializes");
        self.sent.push(SentMessage {
            chat_id,
            text,
            reply_markup: reply_markup.clone(),
            message_id: i64::from(message_id),
        });
        self.bot_messages.insert(
            (chat_id, message_id),
            BotMessage {
                message,
                reply_markup,
            },
        );
        Reply::ok(result)
    }
}

fn set_my_commands(body: &Value) -> Result<Reply, Reply> {
    let commands = body
        .get("commands")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for command in &commands {
        let name = command.get("command").and_then(Value::as_str).unwrap_or("");
        let valid = (1..=32).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !valid {
            return Err(Reply::bad_request("BOT_COMMAND_INVALID"));
        }
        let description = command
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or("");
        if description.trim().is_empty() {
            return Err(Reply::bad_request("command description must be non-empty"));
        }
    }
    Ok(Reply::ok(json!(true)))
}

/// An integer parameter, sent as a JSON number or a numeric string.
fn int(body: &Value, key: &str) -> Option<i64> {
    let value = body.get(key)?;
    value
        .as_i64()
        .or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()))
}

fn chat_id(body: &Value) -> Result<i64, Reply> {
    match body.get("chat_id") {
        None | Some(Value::Null) => Err(Reply::bad_request("chat_id is empty")),
        Some(_) => int(body, "chat_id").ok_or_else(|| Reply::bad_request("chat not found")),
    }
}

/// The `text` parameter, if Telegram would take it: 1..=4096 UTF-16 code
/// units once parsed (HTML tags and entities do not count), not blank.
fn checked_text(body: &Value) -> Result<String, Reply> {
    let text = body.get("text").and_then(Value::as_str).unwrap_or("");
    let html = body
        .get("parse_mode")
        .and_then(Value::as_str)
        .is_some_and(|m| m.eq_ignore_ascii_case("html"));
    let visible = if html {
        strip_html(text)
    } else {
        text.to_owned()
    };
    if visible.trim().is_empty() {
        return Err(Reply::bad_request("message text is empty"));
    }
    if utf16_len(&visible) > MAX_TEXT_UTF16 {
        return Err(Reply::bad_request("message is too long"));
    }
    Ok(text.to_owned())
}

/// The `reply_markup` parameter (an object, or an object serialized as a
/// string), refused like Telegram when a button's callback_data is not 1..=64 bytes.
fn checked_markup(body: &Value) -> Result<Option<Value>, Reply> {
    let markup = match body.get("reply_markup") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) => serde_json::from_str(s)
            .map_err(|_| Reply::bad_request("can't parse reply keyboard markup JSON object"))?,
        Some(other) => other.clone(),
    };
    let buttons = markup
        .get("inline_keyboard")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_array)
        .flatten();
    for button in buttons {
        let data = button.get("callback_data").and_then(Value::as_str);
        if data.is_some_and(|d| d.is_empty() || d.len() > MAX_CALLBACK_DATA_BYTES) {
            return Err(Reply::bad_request("BUTTON_DATA_INVALID"));
        }
    }
    Ok(Some(markup))
}

/// The inline keyboard a message carries (other keyboards are not part of the message).
fn inline_keyboard(markup: Option<&Value>) -> Option<InlineKeyboardMarkup> {
    let markup = markup?;
    markup.get("inline_keyboard")?;
    serde_json::from_value(markup.clone()).ok()
}

fn strip_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

/// The width and height of a PNG, from its header; `None` when it is not one.
fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    if bytes.len() < 24 || &bytes[..8] != b"\x89PNG\r\n\x1a\n" || &bytes[12..16] != b"IHDR" {
        return None;
    }
    let width = u32::from_be_bytes(bytes[16..20].try_into().ok()?);
    let height = u32::from_be_bytes(bytes[20..24].try_into().ok()?);
    Some((width, height))
}

fn utf16_len(text: &str) -> usize {
    text.encode_utf16().count()
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The bot as it appears in the `from` of its messages.
fn bot_user() -> User {
    User::builder()
        .id(FAKE_BOT_ID)
        .is_bot(true)
        .first_name(FAKE_BOT_NAME)
        .username(FAKE_BOT_USERNAME)
        .build()
}

/// The bot as `getMe` describes it.
fn bot_profile() -> User {
    User::builder()
        .id(FAKE_BOT_ID)
        .is_bot(true)
        .first_name(FAKE_BOT_NAME)
        .username(FAKE_BOT_USERNAME)
        .can_join_groups(true)
        .can_read_all_group_messages(false)
        .supports_inline_queries(false)
        .can_connect_to_business(false)
        .has_main_web_app(false)
        .build()
}

fn person(user_id: i64) -> User {
    User::builder()
        .id(user_id.unsigned_abs())
        .is_bot(false)
        .first_name(format!("User{user_id}"))
        .username(format!("user{user_id}"))
        .build()
}

/// The private chat with a person (positive ids) or a group (negative ids).
fn chat(chat_id: i64) -> Chat {
    if chat_id < 0 {
        Chat::builder()
            .id(chat_id)
            .type_field(ChatType::Group)
            .title(format!("Group{chat_id}"))
            .build()
    } else {
        Chat::builder()
            .id(chat_id)
            .type_field(ChatType::Private)
            .first_name(format!("User{chat_id}"))
            .username(format!("user{chat_id}"))
            .build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use frankenstein::AsyncTelegramApi;
    use frankenstein::client_reqwest::Bot;
    use frankenstein::methods::{
        AnswerCallbackQueryParams, EditMessageTextParams, GetUpdatesParams, SendMessageParams,
    };
    use frankenstein::response::ErrorResponse;
    use frankenstein::types::{InlineKeyboardButton, ReplyMarkup};

    fn bot(fake: &FakeTelegram) -> Bot {
        Bot::new_url(format!("{}/bot{FAKE_BOT_TOKEN}", fake.api_url()))
    }

    #[tokio::test]
    async fn a_photo_upload_is_kept_with_its_bytes_and_a_non_picture_is_refused() {
        let fake = FakeTelegram::start().await;
        let dir = std::env::temp_dir();
        let png_path = dir.join(format!("fake-telegram-{}.png", std::process::id()));
        // A PNG signature and an IHDR chunk header of 640 × 480.
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        png.extend_from_slice(&640u32.to_be_bytes());
        png.extend_from_slice(&480u32.to_be_bytes());
        png.extend_from_slice(b"rest of the picture");
        std::fs::write(&png_path, &png).unwrap();
        let sent = bot(&fake)
            .send_photo(
                &frankenstein::methods::SendPhotoParams::builder()
                    .chat_id(42)
                    .photo(png_path.clone())
                    .caption("chart")
                    .build(),
            )
            .await
            .unwrap()
            .result;
        let size = &sent.photo.unwrap()[0];
        assert_eq!((size.width, size.height), (640, 480));
        let photos = fake.photos_to(42);
        assert_eq!(photos.len(), 1);
        assert_eq!(photos[0].bytes, png);
        assert_eq!(photos[0].caption.as_deref(), Some("chart"));
        assert!(fake.photos_to(43).is_empty());

        let text_path = dir.join(format!("fake-telegram-{}.txt", std::process::id()));
        std::fs::write(&text_path, b"not a picture").unwrap();
        let refused = api_error(
            bot(&fake)
                .send_photo(
                    &frankenstein::methods::SendPhotoParams::builder()
                        .chat_id(42)
                        .photo(text_path.clone())
                        .build(),
                )
                .await,
        );
        assert_eq!(refused.error_code, 400);
        assert_eq!(fake.photos_to(42).len(), 1);
        let _ = std::fs::remove_file(png_path);
        let _ = std::fs::remove_file(text_path);
    }

    fn api_error<T: std::fmt::Debug>(result: Result<T, frankenstein::Error>) -> ErrorResponse {
        match result {
            Err(frankenstein::Error::Api(error)) => error,
            other => panic!("expected a Telegram API error, got {other:?}"),
        }
    }

    fn poll(offset: Option<i64>, timeout: u32) -> GetUpdatesParams {
        GetUpdatesParams::builder()
            .maybe_offset(offset)
            .timeout(timeout)
            .build()
    }

    fn text_of(update: &Update) -> Option<&str> {
        match &update.content {
            UpdateContent::Message(message) => message.text.as_deref(),
            _ => None,
        }
    }

    #[tokio::test]
    async fn get_me_describes_the_fake_bot() {
        let fake = FakeTelegram::start().await;

        let me = bot(&fake).get_me().await.unwrap().result;

        assert_eq!(me.id, FAKE_BOT_ID);
        assert!(me.is_bot);
        assert_eq!(me.username.as_deref(), Some(FAKE_BOT_USERNAME));
        let calls = fake.calls_of("getme");
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].method, "getMe");
        assert_eq!(calls[0].status, 200);
        assert_eq!(calls[0].body, json!({}));
    }

    #[tokio::test]
    async fn an_edit_is_an_edited_message_with_its_own_edit_date() {
        let fake = FakeTelegram::start().await;
        let bot = bot(&fake);
        fake.user_sends(42, "250 coffee");
        fake.user_edits(42, 1, "25 coffee");
        fake.user_edits(42, 1, "/add 26 coffee");
        let updates = bot.get_updates(&poll(None, 0)).await.unwrap().result;
        let edits: Vec<(i32, String, u64)> = updates
            .iter()
            .filter_map(|u| match &u.content {
                UpdateContent::EditedMessage(m) => Some((
                    m.message_id,
                    m.text.clone().unwrap_or_default(),
                    m.edit_date.unwrap_or(0),
                )),
                _ => None,
            })
            .collect();
        assert_eq!(edits.len(), 2, "{updates:?}");
        assert_eq!((edits[0].0, edits[0].1.as_str()), (1, "25 coffee"));
        assert_eq!((edits[1].0, edits[1].1.as_str()), (1, "/add 26 coffee"));
        // Each edit of a message has a later edit_date than the one before.
        assert!(edits[0].2 > 0 && edits[1].2 > edits[0].2);
    }

    #[tokio::test]
    async fn a_sent_text_is_delivered_until_a_later_offset_confirms_it() {
        let fake = FakeTelegram::start().await;
        let bot = bot(&fake);
        let first = fake.user_sends(42, "/start@finance_test_bot now");
        assert_eq!(first, 1);

        let updates = bot.get_updates(&poll(None, 0)).await.unwrap().result;
        assert_eq!(updates.len(), 1);
        assert_eq!(updates[0].update_id, first);
        let UpdateContent::Message(message) = &updates[0].content else {
            panic!("expected a message, got {:?}", updates[0]);
        };
        assert_eq!(message.text.as_deref(), Some("/start@finance_test_bot now"));
        assert_eq!(message.chat.id, 42);
        assert_eq!(message.chat.type_field, ChatType::Private);
        assert_eq!(
            message.from.as_ref().map(|u| (u.id, u.is_bot)),
            Some((42, false))
        );
        let entities = message.entities.as_ref().expect("a bot_command entity");
        assert_eq!(entities[0].type_field, MessageEntityType::BotCommand);
        assert_eq!((entities[0].offset, entities[0].length), (0, 23));

        // Delivered is not confirmed: the same update comes again.
        let again = bot.get_updates(&poll(Some(1), 0)).await.unwrap().result;
        assert_eq!(again.iter().map(|u| u.update_id).collect::<Vec<_>>(), [1]);
        assert_eq!(fake.confirmed_up_to(), None);
        assert_eq!(fake.pending_updates(), 1);

        let second = fake.user_sends(42, "hello");
        assert_eq!(second, first + 1);
        let next = bot
            .get_updates(&poll(Some(i64::from(first) + 1), 0))
            .await
            .unwrap()
            .result;
        assert_eq!(next.len(), 1);
        assert_eq!(text_of(&next[0]), Some("hello"));
        assert_eq!(fake.confirmed_up_to(), Some(first));
        assert_eq!(fake.pending_updates(), 1);

        let none = bot
            .get_updates(&poll(Some(i64::from(second) + 1), 0))
            .await
            .unwrap()
            .result;
        assert!(none.is_empty());
        assert_eq!(fake.confirmed_up_to(), Some(second));
        assert_eq!(fake.pending_updates(), 0);
    }

    #[tokio::test]
    async fn get_updates_returns_at_most_limit_updates_in_order() {
        let fake = FakeTelegram::start().await;
        for i in 0..5 {
            fake.user_sends(7, &format!("m{i}"));
        }
        let params = GetUpdatesParams::builder().limit(3).build();

        let updates = bot(&fake).get_updates(&params).await.unwrap().result;

        let texts: Vec<_> = updates.iter().filter_map(text_of).collect();
        assert_eq!(texts, ["m0", "m1", "m2"]);
    }

    #[tokio::test]
    async fn a_long_poll_returns_as_soon_as_an_update_arrives() {
        let fake = FakeTelegram::start().await;
        let bot = bot(&fake);
        let started = Instant::now();
        let polling = tokio::spawn(async move { bot.get_updates(&poll(None, 2)).await });

        tokio::time::sleep(Duration::from_millis(300)).await;
        let id = fake.user_sends(5, "late");
        let updates = polling.await.unwrap().unwrap().result;

        let elapsed = started.elapsed();
        assert_eq!(updates.len(), 1);
        assert_eq!(updates[0].update_id, id);
        assert!(
            elapsed >= Duration::from_millis(300),
            "did not wait: {elapsed:?}"
        );
        assert!(
            elapsed < Duration::from_millis(1500),
            "not woken: {elapsed:?}"
        );
    }

    #[tokio::test]
    async fn an_empty_long_poll_waits_for_its_timeout() {
        let fake = FakeTelegram::start().await;
        let started = Instant::now();

        let updates = bot(&fake).get_updates(&poll(None, 1)).await.unwrap().result;

        assert!(updates.is_empty());
        assert!(started.elapsed() >= Duration::from_millis(950));
    }

    #[tokio::test]
    async fn send_message_is_answered_with_the_message_and_recorded() {
        let fake = FakeTelegram::start().await;
        let keyboard = InlineKeyboardMarkup::builder()
            .inline_keyboard(vec![vec![
                InlineKeyboardButton::builder()
                    .text("Yes")
                    .callback_data("confirm:yes")
                    .build(),
            ]])
            .build();
        let params = SendMessageParams::builder()
            .chat_id(42)
            .text("Delete it?")
            .reply_markup(ReplyMarkup::InlineKeyboardMarkup(keyboard.clone()))
            .build();

        let first = bot(&fake).send_message(&params).await.unwrap().result;
        let second = bot(&fake).send_message(&params).await.unwrap().result;

        assert_eq!(first.chat.id, 42);
        assert_eq!(first.text.as_deref(), Some("Delete it?"));
        assert_eq!(first.from.as_ref().map(|u| u.id), Some(FAKE_BOT_ID));
        assert_eq!(first.reply_markup.as_deref(), Some(&keyboard));
        assert!(second.message_id > first.message_id);
        let sent = fake.wait_for_messages(42, 2, Duration::from_secs(1)).await;
        assert_eq!(sent.len(), 2);
        assert_eq!(sent[0].text, "Delete it?");
        assert_eq!(sent[0].message_id, i64::from(first.message_id));
        let markup = sent[0].reply_markup.as_ref().expect("markup recorded");
        assert_eq!(
            markup["inline_keyboard"][0][0]["callback_data"],
            "confirm:yes"
        );
        assert!(fake.sent_to(43).is_empty());
    }

    #[tokio::test]
    async fn a_pressed_button_arrives_as_a_callback_query_that_can_be_answered() {
        let fake = FakeTelegram::start().await;
        let bot = bot(&fake);
        let params = SendMessageParams::builder().chat_id(9).text("Pick").build();
        let message_id = bot.send_message(&params).await.unwrap().result.message_id;

        let id = fake.user_presses(9, i64::from(message_id), "pick:1");
        let updates = bot.get_updates(&poll(None, 0)).await.unwrap().result;

        assert_eq!(updates[0].update_id, id);
        let UpdateContent::CallbackQuery(query) = &updates[0].content else {
            panic!("expected a callback query, got {:?}", updates[0]);
        };
        assert_eq!(query.data.as_deref(), Some("pick:1"));
        assert_eq!(query.from.id, 9);
        let Some(MaybeInaccessibleMessage::Message(message)) = &query.message else {
            panic!("expected the message under the button");
        };
        assert_eq!(message.message_id, message_id);
        assert_eq!(message.text.as_deref(), Some("Pick"));
        let answer = AnswerCallbackQueryParams::builder()
            .callback_query_id(query.id.clone())
            .build();
        assert!(bot.answer_callback_query(&answer).await.unwrap().result);
        let unknown = AnswerCallbackQueryParams::builder()
            .callback_query_id("nope")
            .build();
        assert_eq!(
            api_error(bot.answer_callback_query(&unknown).await).error_code,
            400
        );
    }

    #[tokio::test]
    async fn edit_message_text_is_recorded_and_an_identical_edit_refused() {
        let fake = FakeTelegram::start().await;
        let bot = bot(&fake);
        let params = SendMessageParams::builder().chat_id(3).text("Old").build();
        let message_id = bot.send_message(&params).await.unwrap().result.message_id;
        let edit = EditMessageTextParams::builder()
            .chat_id(3)
            .message_id(message_id)
            .text("New")
            .build();

        bot.edit_message_text(&edit).await.unwrap();
        let unchanged = api_error(bot.edit_message_text(&edit).await);

        let sent = fake.sent_to(3);
        assert_eq!(sent.len(), 2);
        assert_eq!(sent[1].text, "New");
        assert_eq!(sent[1].message_id, i64::from(message_id));
        assert_eq!(unchanged.error_code, 400);
        assert!(unchanged.description.contains("message is not modified"));
    }

    #[tokio::test]
    async fn text_over_4096_utf16_units_is_refused() {
        let fake = FakeTelegram::start().await;
        let bot = bot(&fake);
        // 2048 emoji are 4096 UTF-16 code units (but only 2048 chars).
        let longest = "😀".repeat(2048);
        let too_long = format!("{longest}a");
        let send = |text: &str| SendMessageParams::builder().chat_id(1).text(text).build();

        bot.send_message(&send(&longest)).await.unwrap();
        let error = api_error(bot.send_message(&send(&too_long)).await);
        let empty = api_error(bot.send_message(&send("  ")).await);

        assert_eq!(error.error_code, 400);
        assert_eq!(error.description, "Bad Request: message is too long");
        assert_eq!(empty.description, "Bad Request: message text is empty");
        assert_eq!(fake.sent().len(), 1);
        let statuses: Vec<u16> = fake
            .calls_of("sendMessage")
            .iter()
            .map(|c| c.status)
            .collect();
        assert_eq!(statuses, [200, 400, 400]);
    }

    #[tokio::test]
    async fn injected_failures_are_consumed_one_call_at_a_time() {
        let fake = FakeTelegram::start().await;
        let bot = bot(&fake);
        fake.fail_next(
            "sendMessage",
            Failure::TooManyRequests { retry_after: 3 },
            1,
        );
        fake.fail_next("getUpdates", Failure::Conflict, 1);
        fake.fail_next("getUpdates", Failure::BadGateway, 1);
        let params = SendMessageParams::builder().chat_id(1).text("hi").build();

        let limited = api_error(bot.send_message(&params).await);
        bot.send_message(&params).await.unwrap();
        let conflict = api_error(bot.get_updates(&poll(None, 0)).await);
        let gateway = api_error(bot.get_updates(&poll(None, 0)).await);
        bot.get_updates(&poll(None, 0)).await.unwrap();

        assert_eq!(limited.error_code, 429);
        assert_eq!(limited.parameters.and_then(|p| p.retry_after), Some(3));
        assert_eq!(conflict.error_code, 409);
        assert!(
            conflict
                .description
                .starts_with("Conflict: terminated by other getUpdates")
        );
        assert_eq!(gateway.error_code, 502);
        assert_eq!(fake.sent().len(), 1);
        let statuses: Vec<(String, u16)> = fake
            .calls()
            .into_iter()
            .map(|c| (c.method, c.status))
            .collect();
        let expected = [
            ("sendMessage", 429),
            ("sendMessage", 200),
            ("getUpdates", 409),
            ("getUpdates", 502),
            ("getUpdates", 200),
        ];
        assert_eq!(statuses, expected.map(|(m, s)| (m.to_owned(), s)).to_vec());
    }

    #[tokio::test]
    async fn a_wrong_token_is_unauthorized_and_an_unknown_method_not_found() {
        let fake = FakeTelegram::start().await;
        let intruder = Bot::new_url(format!("{}/bot123456:wrong", fake.api_url()));

        let unauthorized = api_error(intruder.get_me().await);
        let unknown: Result<bool, _> = bot(&fake).request("noSuchMethod", None::<()>).await;
        let unknown = api_error(unknown);

        assert_eq!(unauthorized.error_code, 401);
        assert_eq!(unauthorized.description, "Unauthorized");
        assert_eq!(unknown.error_code, 404);
        assert_eq!(unknown.description, "Not Found");
        let statuses: Vec<u16> = fake.calls().iter().map(|c| c.status).collect();
        assert_eq!(statuses, [401, 404]);
    }

    #[tokio::test]
    async fn dropping_the_fake_stops_the_server() {
        let fake = FakeTelegram::start().await;
        let addr = fake.addr;
        bot(&fake).get_me().await.unwrap();

        drop(fake);

        let deadline = Instant::now() + Duration::from_secs(2);
        while tokio::net::TcpStream::connect(addr).await.is_ok() {
            assert!(
                Instant::now() < deadline,
                "{addr} still accepts connections"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    #[tokio::test]
    async fn set_my_commands_takes_lowercase_commands_only() {
        let fake = FakeTelegram::start().await;
        let command = |name: &str| {
            frankenstein::methods::SetMyCommandsParams::builder()
                .commands(vec![
                    frankenstein::types::BotCommand::builder()
                        .command(name)
                        .description("Show help")
                        .build(),
                ])
                .build()
        };

        assert!(
            bot(&fake)
                .set_my_commands(&command("help"))
                .await
                .unwrap()
                .result
        );
        let refused = api_error(bot(&fake).set_my_commands(&command("Help")).await);

        assert_eq!(refused.description, "Bad Request: BOT_COMMAND_INVALID");
        assert_eq!(fake.calls_of("setMyCommands").len(), 2);
    }
}
