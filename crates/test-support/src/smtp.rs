//! A real SMTP server that keeps what it receives: the mail sink of the tests
//! and of the local mail catcher. It speaks enough of RFC 5321 for any client
//! (EHLO/HELO, MAIL, RCPT, DATA with dot-stuffing, RSET, NOOP, QUIT) and
//! parses each message with `mail-parser`, so tests read subjects and bodies,
//! not MIME.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// One message as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMail {
    pub from: String,
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub raw: String,
}

impl ReceivedMail {
    /// The `token` query parameter of the first link to `{base}/{page}?token=…` in the text.
    pub fn token_for(&self, page: &str) -> Option<String> {
        let marker = format!("/{page}?token=");
        let start = self.text.find(&marker)? + marker.len();
        let token: String = self.text[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        (!token.is_empty()).then_some(token)
    }
}

type Inbox = Arc<Mutex<Vec<ReceivedMail>>>;

/// The SMTP server; it stops when dropped.
pub struct SmtpSink {
    addr: SocketAddr,
    inbox: Inbox,
    task: JoinHandle<()>,
}

impl SmtpSink {
    /// Listens on a free local port.
    pub async fn start() -> Self {
        Self::start_on("127.0.0.1:0".parse().unwrap())
            .await
            .expect("bind SMTP sink")
    }

    pub async fn start_on(addr: SocketAddr) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let inbox: Inbox = Arc::default();
        let shared = inbox.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let inbox = shared.clone();
                tokio::spawn(async move {
                    let _ = serve(stream, inbox).await;
                });
            }
        });
        Ok(Self { addr, inbox, task })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `smtp://127.0.0.1:PORT`, for `SMTP_URL`.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    pub fn messages(&self) -> Vec<ReceivedMail> {
        self.inbox.lock().unwrap().clone()
    }

    pub fn messages_to(&self, address: &str) -> Vec<ReceivedMail> {
        self.messages()
            .into_iter()
            .filter(|m| m.to.iter().any(|to| to.eq_ignore_ascii_case(address)))
            .collect()
    }

    /// Waits until `n` messages to `address` arrived (or panics after `timeout`).
    pub async fn wait_for(&self, address: &str, n: usize, timeout: Duration) -> Vec<ReceivedMail> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let got = self.messages_to(address);
            if got.len() >= n {
                return got;
            }
            if tokio::time::Instant::now() >= deadline {
                panic!(
                    "expected {n} message(s) to {address} within {timeout:?}, got {}: {got:#?}",
                    got.len()
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn path_of(argument: &str) -> String {
    let inner = argument
        .split_once(':')
        .map_or(argument, |(_, rest)| rest)
        .trim();
    let inner = inner.split_whitespace().next().unwrap_or_default();
    inner
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_owned()
}

fn parse(from: String, to: Vec<String>, raw: String) -> ReceivedMail {
    let parsed = mail_parser::MessageParser::default().parse(raw.as_bytes());
    let (subject, text, html) = parsed.as_ref().map_or_else(Default::default, |message| {
        (
            message.subject().unwrap_or_default().to_owned(),
            message
                .body_text(0)
                .map(|t| t.into_owned())
                .unwrap_or_default(),
            message
                .body_html(0)
                .map(|t| t.into_owned())
                .unwrap_or_default(),
        )
    });
    ReceivedMail {
        from,
        to,
        subject,
        text,
        html,
        raw,
    }
}

async fn serve(stream: TcpStream, inbox: Inbox) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    write
        .write_all(b"220 localhost ESMTP finance-bot mail sink\r\n")
        .await?;
    let (mut from, mut to) = (String::new(), Vec::new());
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end();
        let verb = command
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let argument = command.get(verb.len()..).unwrap_or_default().trim();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-localhost\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n",
            "HELO" | "NOOP" => b"250 OK\r\n",
            "RSET" => {
                (from, to) = (String::new(), Vec::new());
                b"250 OK\r\n"
            }
            "MAIL" => {
                from = path_of(argument);
                to.clear();
                b"250 OK\r\n"
            }
            "RCPT" => {
                to.push(path_of(argument));
                b"250 OK\r\n"
            }
            "DATA" => {
                write
                    .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    .await?;
                let mut raw = String::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line.trim_end_matches(['\r', '\n']) == "." {
                        break;
                    }
                    // Undo dot-stuffing.
                    raw.push_str(line.strip_prefix('.').unwrap_or(&line));
                }
                let mail = parse(std::mem::take(&mut from), std::mem::take(&mut to), raw);
                inbox.lock().unwrap().push(mail);
                b"250 OK: queued\r\n"
            }
            "QUIT" => {
                write.write_all(b"221 Bye\r\n").await?;
                return Ok(());
            }
            _ => b"502 Command not implemented\r\n",
        };
        write.write_all(reply).await?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn send_raw(addr: SocketAddr, script: &str) -> String {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(script.as_bytes()).await.unwrap();
        let mut answer = String::new();
        let mut reader = BufReader::new(stream);
        while reader.read_line(&mut answer).await.unwrap() > 0 {}
        answer
    }

    #[tokio::test]
    async fn a_message_is_received_unstuffed_and_parsed() {
        let sink = SmtpSink::start().await;
        let script = "EHLO client\r\nMAIL FROM:<bot@example.org>\r\nRCPT TO:<ann@example.com>\r\nDATA\r\n\
Subject: Hello\r\nContent-Type: text/plain\r\n\r\nOpen https://x/verify-email?token=abc_DEF-1 now\r\n..leading dot\r\n.\r\nQUIT\r\n";
        let answer = send_raw(sink.addr(), script).await;
        assert!(
            answer.contains("250 OK: queued") && answer.ends_with("221 Bye\r\n"),
            "{answer}"
        );
        let mail = &sink
            .wait_for("ann@example.com", 1, Duration::from_secs(2))
            .await[0];
        assert_eq!(mail.from, "bot@example.org");
        assert_eq!(mail.subject, "Hello");
        assert!(mail.text.contains(".leading dot") && !mail.text.contains("..leading"));
        assert_eq!(mail.token_for("verify-email").as_deref(), Some("abc_DEF-1"));
        assert_eq!(mail.token_for("reset-password"), None);
        assert!(sink.messages_to("bob@example.com").is_empty());
    }

    #[tokio::test]
    async fn unknown_commands_are_refused_and_the_session_goes_on() {
        let sink = SmtpSink::start().await;
        let answer = send_raw(sink.addr(), "HELO x\r\nVRFY ann\r\nNOOP\r\nQUIT\r\n").await;
        assert!(answer.contains("502"), "{answer}");
        assert!(answer.ends_with("221 Bye\r\n"));
        assert!(sink.messages().is_empty());
    }
}
