//! The few auth API calls the scenarios need before the load starts: accounts
//! and sessions to load with.

use std::net::SocketAddr;

use auth_types::HmacSigner;
use auth_types::dto::{LoginRequest, RegisterRequest, TelegramRegisterRequest};
use hyper::body::Bytes;
use serde::Deserialize;

use crate::client::{Connection, request};
use crate::load::unexpected;

pub const TELEGRAM_REGISTER: &str = "/api/v1/auth/telegram/register";
pub const REGISTER: &str = "/api/v1/auth/register";
pub const LOGIN: &str = "/api/v1/auth/login";

/// The parts of a token response the scenarios use.
#[derive(Debug, Clone, Deserialize)]
pub struct Tokens {
    pub access_token: String,
    pub refresh_token: String,
}

/// One connection for setting things up, one call at a time.
pub struct Api {
    addr: SocketAddr,
    connection: Connection,
    signer: HmacSigner,
}

impl Api {
    pub async fn open(addr: SocketAddr, signer: HmacSigner) -> anyhow::Result<Self> {
        Ok(Self {
            addr,
            connection: Connection::open(addr).await?,
            signer,
        })
    }

    /// A new session of the Telegram user `telegram_id` (created on first call).
    pub async fn telegram_session(&mut self, telegram_id: i64) -> anyhow::Result<Tokens> {
        let body = serde_json::to_vec(&TelegramRegisterRequest {
            telegram_id,
            username: None,
            first_name: Some("Bench".to_owned()),
            last_name: None,
        })?;
        let signed = self.signer.sign("POST", TELEGRAM_REGISTER, &body);
        let req = request(
            "POST",
            TELEGRAM_REGISTER,
            Some(Bytes::from(body)),
            &signed.pairs(),
        )?;
        self.tokens(req).await
    }

    /// Registers an account with a password (one bcrypt hash in the service).
    pub async fn register(&mut self, email: &str, password: &str) -> anyhow::Result<Tokens> {
        let body = serde_json::to_vec(&RegisterRequest {
            email: email.to_owned(),
            password: password.to_owned(),
            display_name: None,
        })?;
        let req = request("POST", REGISTER, Some(Bytes::from(body)), &[])?;
        self.tokens(req).await
    }

    /// Logs in with a password: a new session.
    pub async fn login(&mut self, email: &str, password: &str) -> anyhow::Result<Tokens> {
        let body = serde_json::to_vec(&LoginRequest {
            email: email.to_owned(),
            password: password.to_owned(),
        })?;
        let req = request("POST", LOGIN, Some(Bytes::from(body)), &[])?;
        self.tokens(req).await
    }

    async fn tokens(&mut self, req: hyper::Request<crate::client::Body>) -> anyhow::Result<Tokens> {
        // The service closes connections left idle while a scenario ran.
        if self.connection.is_closed() {
            self.connection = Connection::open(self.addr).await?;
        }
        let answer = self.connection.send(req).await?;
        anyhow::ensure!(answer.status.is_success(), "{}", unexpected(&answer));
        Ok(serde_json::from_slice(&answer.body)?)
    }
}

/// Telegram ids and emails of this run, distinct from any earlier run's.
#[derive(Debug, Clone, Copy)]
pub struct Identities {
    run: i64,
}

impl Identities {
    pub fn new() -> Self {
        // Seconds since the epoch: runs started a second apart never collide.
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        Self { run: now }
    }

    /// The `index`-th Telegram id of this run (always positive; `index` < 100,000).
    pub fn telegram_id(&self, index: usize) -> i64 {
        self.run
            .rem_euclid(1_000_000_000)
            .saturating_mul(100_000)
            .saturating_add(index as i64 + 1)
    }

    pub fn email(&self, index: usize) -> String {
        format!("bench-{}-{index}@example.com", self.run)
    }
}
