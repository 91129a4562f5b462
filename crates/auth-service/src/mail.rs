//! Account emails: verification and password reset, sent over SMTP off the
//! request path.
//!
//! A handler only puts a [`Notice`] on a queue and answers; a worker makes the
//! one-time token (its SHA-256 goes to the database, the token itself only into
//! the email) and sends the message, retrying with backoff for at least
//! [`SEND_FOR`] when the mail server is down or slow. So a dead mail server
//! delays the email, never the answer. The queue lives in memory: a restart
//! drops what was not sent yet (the person asks again). Failures are logged
//! without the token.

use std::time::Duration;

use auth_types::UserId;
use base64::Engine;
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use rand::RngCore;
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

use crate::db::Db;
use crate::db::account_tokens::{self, Purpose};
use crate::db::users::User;
use crate::domain::Email;
use crate::error::Error;

/// How long a message keeps being retried before it is given up.
pub const SEND_FOR: Duration = Duration::from_secs(15 * 60);
const QUEUE_CAPACITY: usize = 1024;
const FIRST_RETRY: Duration = Duration::from_millis(500);
const LONGEST_RETRY: Duration = Duration::from_secs(30);

/// An email to send.
#[derive(Debug, Clone)]
pub enum Notice {
    /// Verify the user's current address.
    VerifyEmail { user: UserId },
    /// A reset link, if the address belongs to an account.
    ResetPassword { email: Email },
    /// A Telegram account was linked to the user's: who, and where to undo it.
    TelegramLinked { user: UserId, telegram: String },
}

/// A new one-time token: 256 random bits, URL-safe.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What the database keeps of a token.
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// The queue of account emails; without a mail server there is none.
#[derive(Clone)]
pub struct Mailer {
    queue: Option<mpsc::Sender<Notice>>,
}

/// What the worker needs to turn a notice into a sent email.
pub struct MailSettings {
    pub smtp_url: String,
    pub from: Mailbox,
    pub public_web_url: String,
    pub verify_ttl: Duration,
    pub reset_ttl: Duration,
}

impl Mailer {
    pub fn disabled() -> Self {
        Self { queue: None }
    }

    /// Starts the worker on the current runtime.
    pub fn start(settings: MailSettings, db: Db) -> Result<Self, Error> {
        let transport = transport(&settings.smtp_url)?;
        let (queue, notices) = mpsc::channel(QUEUE_CAPACITY);
        tokio::spawn(run_worker(
            notices,
            Worker {
                transport,
                settings,
                db,
            },
        ));
        Ok(Self { queue: Some(queue) })
    }

    pub fn is_enabled(&self) -> bool {
        self.queue.is_some()
    }

    /// 503 when there is no mail server.
    pub fn ensure_enabled(&self) -> Result<(), Error> {
        if self.is_enabled() {
            Ok(())
        } else {
            Err(mail_unavailable())
        }
    }

    /// Queues `notice`; 503 when there is no mail server (or the queue is full).
    pub fn send(&self, notice: Notice) -> Result<(), Error> {
        let queue = self.queue.as_ref().ok_or_else(mail_unavailable)?;
        queue.try_send(notice).map_err(|_| mail_unavailable())
    }
}

fn mail_unavailable() -> Error {
    Error::Unavailable(crate::error::MAIL, None)
}

/// `smtp://host:port` is plain (a local mail catcher); with credentials it
/// requires STARTTLS, so a password never crosses the network in clear;
/// `smtps://` is TLS from the first byte.
fn transport(url: &str) -> Result<AsyncSmtpTransport<Tokio1Executor>, Error> {
    let has_credentials = url.split_once("://").is_some_and(|(_, rest)| {
        rest.split('/')
            .next()
            .is_some_and(|authority| authority.contains('@'))
    });
    let url = if url.starts_with("smtp://") && has_credentials && !url.contains("tls=") {
        let separator = if url.contains('?') { '&' } else { '?' };
        format!("{url}{separator}tls=required")
    } else {
        url.to_owned()
    };
    Ok(AsyncSmtpTransport::<Tokio1Executor>::from_url(&url)
        .map_err(Error::internal)?
        .timeout(Some(Duration::from_secs(10)))
        .build())
}

struct Worker {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    settings: MailSettings,
    db: Db,
}

async fn run_worker(mut notices: mpsc::Receiver<Notice>, worker: Worker) {
    let worker = std::sync::Arc::new(worker);
    while let Some(notice) = notices.recv().await {
        let worker = worker.clone();
        // Each email on its own, so one that waits for a dead server holds up no other.
        tokio::spawn(async move { worker.deliver(notice).await });
    }
}

impl Worker {
    async fn deliver(&self, notice: Notice) {
        let kind = match &notice {
            Notice::VerifyEmail { .. } => "verify_email",
            Notice::ResetPassword { .. } => "reset_password",
            Notice::TelegramLinked { .. } => "telegram_linked",
        };
        let started = tokio::time::Instant::now();
        let mut wait = FIRST_RETRY;
        // The token is made once; only the sending is retried.
        let mut message = None;
        loop {
            let attempt = async {
                if message.is_none() {
                    message = Some(self.prepare(&notice).await?);
                }
                match message.as_ref() {
                    Some(Some(email)) => self
                        .transport
                        .send(email.clone())
                        .await
                        .map(|_| true)
                        .map_err(Error::internal),
                    _ => Ok(false),
                }
            };
            match attempt.await {
                Ok(true) => {
                    tracing::info!(kind, "email sent");
                    return;
                }
                Ok(false) => return, // nothing to send (unknown address, already verified)
                Err(err) if started.elapsed() + wait < SEND_FOR => {
                    tracing::warn!(kind, error = %err, retry_in = ?wait, "email not sent yet; retrying");
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(LONGEST_RETRY);
                }
                Err(err) => {
                    tracing::error!(kind, error = %err, "email given up after retrying");
                    return;
                }
            }
        }
    }

    /// Makes the token and the message, or `None` when there is nothing to send.
    async fn prepare(&self, notice: &Notice) -> Result<Option<Message>, Error> {
        let (user, purpose, ttl, page) = match notice {
            Notice::TelegramLinked { user, telegram } => {
                return self.telegram_linked(*user, telegram).await;
            }
            Notice::VerifyEmail { user } => {
                let id = *user;
                let Some(user) = self.db.run(async |conn| User::find(conn, id).await).await? else {
                    return Ok(None);
                };
                if user.email_verified {
                    return Ok(None);
                }
                (
                    user,
                    Purpose::VerifyEmail,
                    self.settings.verify_ttl,
                    "verify-email",
                )
            }
            Notice::ResetPassword { email } => {
                let found = self
                    .db
                    .run(async |conn| User::find_by_email(conn, email.as_str()).await)
                    .await?;
                let Some(user) = found else { return Ok(None) };
                (
                    user,
                    Purpose::ResetPassword,
                    self.settings.reset_ttl,
                    "reset-password",
                )
            }
        };
        let Some(address) = user.email.clone() else {
            return Ok(None);
        };
        let token = new_token();
        let hash = token_hash(&token);
        let expires_at = time::OffsetDateTime::now_utc() + ttl;
        let user_id = user.id();
        self.db
            .run(async |conn| {
                account_tokens::replace(conn, user_id, purpose, &hash, &address, expires_at).await
            })
            .await?;
        let link = format!("{}/{page}?token={token}", self.settings.public_web_url);
        let to: Mailbox = address.parse().map_err(Error::internal)?;
        let name = user.display_name.as_deref().unwrap_or("there");
        let (subject, text, html) = render(purpose, name, &link, ttl);
        let message = Message::builder()
            .from(self.settings.from.clone())
            .to(to)
            .subject(subject)
            .multipart(MultiPart::alternative_plain_html(text, html))
            .map_err(Error::internal)?;
        Ok(Some(message))
    }
}

impl Worker {
    /// The notice of a new Telegram link (no token: the account page undoes it).
    async fn telegram_linked(&self, id: UserId, telegram: &str) -> Result<Option<Message>, Error> {
        let Some(user) = self.db.run(async |conn| User::find(conn, id).await).await? else {
            return Ok(None);
        };
        let Some(address) = user.email.clone() else {
            return Ok(None);
        };
        let to: Mailbox = address.parse().map_err(Error::internal)?;
        let name = user.display_name.as_deref().unwrap_or("there");
        let link = format!("{}/account", self.settings.public_web_url);
        let (subject, text, html) = render_telegram_linked(name, telegram, &link);
        let message = Message::builder()
            .from(self.settings.from.clone())
            .to(to)
            .subject(subject)
            .multipart(MultiPart::alternative_plain_html(text, html))
            .map_err(Error::internal)?;
        Ok(Some(message))
    }
}

fn render_telegram_linked(name: &str, telegram: &str, link: &str) -> (String, String, String) {
    let subject = "A Telegram account was linked to your Finance Bot account";
    let text = format!(
        "Hi {name},\n\nthe Telegram account {telegram} was just linked to your Finance Bot account. \
It can now sign in to your account through the bot.\n\nIf this was not you, unlink it on your \
account page: {link}\n"
    );
    let (name, telegram, link) = (escape_html(name), escape_html(telegram), escape_html(link));
    let html = format!(
        "<!doctype html><html><body style=\"font-family:sans-serif;line-height:1.5\">\
<p>Hi {name},</p><p>the Telegram account <strong>{telegram}</strong> was just linked to your \
Finance Bot account. It can now sign in to your account through the bot.</p>\
<p>If this was not you, unlink it on your account page: <a href=\"{link}\">{link}</a></p></body></html>"
    );
    (subject.to_owned(), text, html)
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn render(purpose: Purpose, name: &str, link: &str, ttl: Duration) -> (String, String, String) {
    let hours = ttl.as_secs().div_ceil(3600);
    let lifetime = if hours == 1 {
        "1 hour".to_owned()
    } else {
        format!("{hours} hours")
    };
    let (subject, intro, action, outro) = match purpose {
        Purpose::VerifyEmail => (
            "Confirm your email address",
            "please confirm that this is your email address for Finance Bot.",
            "Confirm my email",
            "If you did not sign up for Finance Bot, you can ignore this email.",
        ),
        Purpose::ResetPassword => (
            "Reset your Finance Bot password",
            "someone (hopefully you) asked to reset the password of your Finance Bot account.",
            "Choose a new password",
            "If it was not you, ignore this email: your password stays as it is.",
        ),
    };
    let text = format!(
        "Hi {name},\n\n{intro}\n\n{action}: {link}\n\nThe link works once and expires in {lifetime}.\n\n{outro}\n"
    );
    let (name, link) = (escape_html(name), escape_html(link));
    let html = format!(
        "<!doctype html><html><body style=\"font-family:sans-serif;line-height:1.5\">\
<p>Hi {name},</p><p>{intro}</p>\
<p><a href=\"{link}\" style=\"display:inline-block;padding:10px 16px;background:#1d4ed8;color:#fff;text-decoration:none;border-radius:6px\">{action}</a></p>\
<p>Or open this link: <a href=\"{link}\">{link}</a></p>\
<p>The link works once and expires in {lifetime}.</p><p>{outro}</p></body></html>"
    );
    (subject.to_owned(), text, html)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_url_safe_and_hashed() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43, "256 bits in base64url");
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
        assert_eq!(token_hash(&a).len(), 32);
        assert_ne!(token_hash(&a), a.as_bytes());
    }

    #[tokio::test]
    async fn credentials_require_starttls_and_plain_urls_stay_plain() {
        assert!(transport("smtp://127.0.0.1:1025").is_ok());
        assert!(transport("smtp://user:pass@mail.example.org:587").is_ok());
        assert!(transport("smtps://user:pass@mail.example.org").is_ok());
    }

    #[test]
    fn emails_carry_the_link_in_text_and_escaped_html() {
        let (subject, text, html) = render(
            Purpose::ResetPassword,
            "<Ann>",
            "https://x/reset-password?token=abc",
            Duration::from_secs(3600),
        );
        assert!(subject.contains("Reset"));
        assert!(text.contains("https://x/reset-password?token=abc"));
        assert!(text.contains("expires in 1 hour"));
        assert!(html.contains("&lt;Ann&gt;") && !html.contains("<Ann>"));
    }
}
