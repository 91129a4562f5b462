//! The auth service, as the bot uses it: bot-only calls signed with the shared
//! HMAC secret (a fresh signature and nonce on every attempt), bearer calls
//! with a chat's access token. Connection errors, time-outs and 503 are
//! retried with backoff; the whole call stays well under the 15 s in which a
//! person must hear back.

use std::time::Duration;

use auth_types::HmacSigner;
use auth_types::dto::{
    TelegramRefreshRequest, TelegramRegisterRequest, TelegramStartRequest, TelegramStartResponse,
    TokenGetRequest, TokenResponse, UserResponse,
};
use backon::{ExponentialBuilder, Retryable};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use service_kit::metrics::status_class;

tokio::task_local! {
    /// The id of the update being handled (`tg-<update_id>`), sent as `X-Request-Id`.
    pub static REQUEST_ID: String;
}

/// Time one attempt may take.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Down, silent or overloaded (after retries): tell the person to try again.
    #[error("auth service unavailable: {0}")]
    Unavailable(String),
    /// A refusal the contract defines (`code` is the problem's code).
    #[error("auth service refused with {status} {code}")]
    Refused { status: StatusCode, code: String },
    /// An answer we cannot read: a bug on one side.
    #[error("unexpected answer from the auth service: {0}")]
    Unexpected(String),
}

impl AuthError {
    fn transient(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }

    pub fn is_refused(&self, code: &str) -> bool {
        matches!(self, Self::Refused { code: c, .. } if c == code)
    }

    pub fn is_unauthorized(&self) -> bool {
        matches!(self, Self::Refused { status, .. } if *status == StatusCode::UNAUTHORIZED)
    }
}

/// Who is writing, as Telegram tells us.
#[derive(Debug, Clone)]
pub struct TelegramPerson {
    pub id: i64,
    pub username: Option<String>,
    pub first_name: String,
    pub last_name: Option<String>,
}

enum Auth<'a> {
    Signed,
    Bearer(&'a str),
}

#[derive(Clone)]
pub struct AuthClient {
    http: reqwest::Client,
    base_url: String,
    signer: HmacSigner,
}

impl AuthClient {
    pub fn new(base_url: &str, signer: HmacSigner) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .timeout(ATTEMPT_TIMEOUT)
            .connect_timeout(Duration::from_secs(1))
            .build()?;
        Ok(Self {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
            signer,
        })
    }

    async fn attempt<T: DeserializeOwned>(
        &self,
        method: &Method,
        path: &str,
        body: Option<&[u8]>,
        auth: &Auth<'_>,
    ) -> Result<(StatusCode, Option<T>), AuthError> {
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.base_url));
        // One Telegram update can be followed through both services' logs.
        if let Ok(id) = REQUEST_ID.try_with(Clone::clone) {
            request = request.header("x-request-id", id);
        }
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_vec());
        }
        match auth {
            Auth::Signed => {
                let headers = self
                    .signer
                    .sign(method.as_str(), path, body.unwrap_or_default());
                for (name, value) in headers.pairs() {
                    request = request.header(name, value);
                }
            }
            Auth::Bearer(token) => request = request.bearer_auth(token),
        }
        let started = std::time::Instant::now();
        let answer = async {
            let response = request.send().await?;
            let status = response.status();
            Ok::<_, reqwest::Error>((status, response.bytes().await?))
        }
        .await;
        let (status, bytes) = match answer {
            Ok(answer) => {
                crate::metrics::auth_request(
                    path,
                    status_class(answer.0.as_u16()),
                    started.elapsed(),
                );
                answer
            }
            Err(err) => {
                let outcome = if err.is_timeout() {
                    "timeout"
                } else {
                    "network"
                };
                crate::metrics::auth_request(path, outcome, started.elapsed());
                return Err(AuthError::Unavailable(err.without_url().to_string()));
            }
        };
        if status.is_success() {
            if bytes.is_empty() {
                return Ok((status, None));
            }
            return serde_json::from_slice(&bytes)
                .map(|value| (status, Some(value)))
                .map_err(|e| AuthError::Unexpected(e.to_string()));
        }
        if status.is_server_error() {
            return Err(AuthError::Unavailable(format!("status {status}")));
        }
        let code = serde_json::from_slice::<auth_types::Problem>(&bytes)
            .map(|p| p.code)
            .unwrap_or_default();
        Err(AuthError::Refused { status, code })
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&impl Serialize>,
        auth: Auth<'_>,
    ) -> Result<(StatusCode, Option<T>), AuthError> {
        let body = body
            .map(serde_json::to_vec)
            .transpose()
            .map_err(|e| AuthError::Unexpected(e.to_string()))?;
        let retry = ExponentialBuilder::default()
            .with_min_delay(Duration::from_millis(200))
            .with_max_delay(Duration::from_secs(2))
            .with_max_times(2)
            .with_jitter();
        (|| self.attempt(&method, path, body.as_deref(), &auth))
            .retry(retry)
            .when(AuthError::transient)
            .notify(|err, wait| {
                crate::metrics::auth_retry(path);
                tracing::warn!(error = %err, ?wait, path, "auth service call failed; retrying");
            })
            .await
    }

    async fn signed<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &impl Serialize,
    ) -> Result<(StatusCode, T), AuthError> {
        match self
            .call(Method::POST, path, Some(body), Auth::Signed)
            .await?
        {
            (status, Some(value)) => Ok((status, value)),
            (_, None) => Err(AuthError::Unexpected(format!("empty answer from {path}"))),
        }
    }

    /// Whether `GET /health/ready` answers 200 now (one attempt).
    pub async fn ready(&self) -> bool {
        const PATH: &str = "/health/ready";
        let started = std::time::Instant::now();
        let answer = self
            .http
            .get(format!("{}{PATH}", self.base_url))
            .send()
            .await;
        let outcome = match &answer {
            Ok(response) => status_class(response.status().as_u16()),
            Err(err) if err.is_timeout() => "timeout",
            Err(_) => "network",
        };
        crate::metrics::auth_request(PATH, outcome, started.elapsed());
        matches!(answer, Ok(response) if response.status() == StatusCode::OK)
    }

    /// One-tap sign-up: `(created, tokens)`.
    pub async fn register(
        &self,
        person: &TelegramPerson,
    ) -> Result<(bool, TokenResponse), AuthError> {
        let body = TelegramRegisterRequest {
            telegram_id: person.id,
            username: person.username.clone(),
            first_name: Some(person.first_name.clone()),
            last_name: person.last_name.clone(),
        };
        let (status, tokens) = self.signed("/api/v1/auth/telegram/register", &body).await?;
        Ok((status == StatusCode::CREATED, tokens))
    }

    pub async fn start_link(
        &self,
        person: &TelegramPerson,
    ) -> Result<TelegramStartResponse, AuthError> {
        let body = TelegramStartRequest {
            telegram_id: person.id,
            username: person.username.clone(),
            first_name: Some(person.first_name.clone()),
        };
        Ok(self.signed("/api/v1/auth/telegram/start", &body).await?.1)
    }

    pub async fn token_get(&self, telegram_id: i64) -> Result<TokenResponse, AuthError> {
        Ok(self
            .signed("/api/v1/auth/token/get", &TokenGetRequest { telegram_id })
            .await?
            .1)
    }

    pub async fn refresh(
        &self,
        telegram_id: i64,
        refresh_token: &str,
    ) -> Result<TokenResponse, AuthError> {
        let body = TelegramRefreshRequest {
            telegram_id,
            refresh_token: refresh_token.to_owned(),
        };
        Ok(self
            .signed("/api/v1/auth/token/refresh-telegram", &body)
            .await?
            .1)
    }

    pub async fn me(&self, access_token: &str) -> Result<UserResponse, AuthError> {
        self.call(
            Method::GET,
            "/api/v1/auth/me",
            None::<&()>,
            Auth::Bearer(access_token),
        )
        .await?
        .1
        .ok_or_else(|| AuthError::Unexpected("empty answer from /me".into()))
    }

    /// Ends the session of `access_token` (and so that of its refresh token).
    pub async fn logout(&self, access_token: &str) -> Result<(), AuthError> {
        self.call::<serde_json::Value>(
            Method::POST,
            "/api/v1/auth/logout",
            None::<&()>,
            Auth::Bearer(access_token),
        )
        .await
        .map(|_| ())
    }
}
