//! One [`Workload`] per endpoint: what a connection sends and what it expects.

use auth_types::HmacSigner;
use auth_types::dto::{LoginRequest, RefreshRequest, TokenGetRequest};
use hyper::body::Bytes;
use hyper::{Request, StatusCode};
use serde::Deserialize;

use crate::client::{Answer, Body, request};
use crate::load::{Workload, unexpected};

fn expect(answer: &Answer, status: StatusCode) -> Result<(), String> {
    if answer.status == status {
        Ok(())
    } else {
        Err(unexpected(answer))
    }
}

/// `GET /health`.
pub struct Health;

impl Workload for Health {
    fn next_request(&mut self) -> anyhow::Result<Request<Body>> {
        request("GET", "/health", None, &[])
    }

    fn check(&mut self, answer: &Answer) -> Result<(), String> {
        expect(answer, StatusCode::OK)
    }
}

/// `GET /api/v1/auth/me` with one access token.
pub struct Me {
    authorization: String,
}

impl Me {
    pub fn new(access_token: &str) -> Self {
        Self {
            authorization: format!("Bearer {access_token}"),
        }
    }
}

impl Workload for Me {
    fn next_request(&mut self) -> anyhow::Result<Request<Body>> {
        request(
            "GET",
            "/api/v1/auth/me",
            None,
            &[("authorization", &self.authorization)],
        )
    }

    fn check(&mut self, answer: &Answer) -> Result<(), String> {
        expect(answer, StatusCode::OK)
    }
}

/// `POST /api/v1/auth/token/refresh`, always with the token the last answer
/// rotated to. A broken chain (an error) moves on to a spare session.
pub struct Refresh {
    current: String,
    spares: Vec<String>,
}

#[derive(Deserialize)]
struct Rotated {
    refresh_token: String,
}

impl Refresh {
    pub fn new(mut refresh_tokens: Vec<String>) -> anyhow::Result<Self> {
        let current = refresh_tokens
            .pop()
            .ok_or_else(|| anyhow::anyhow!("a refresh chain needs a session"))?;
        Ok(Self {
            current,
            spares: refresh_tokens,
        })
    }
}

impl Workload for Refresh {
    fn next_request(&mut self) -> anyhow::Result<Request<Body>> {
        let body = serde_json::to_vec(&RefreshRequest {
            refresh_token: self.current.clone(),
        })?;
        request(
            "POST",
            "/api/v1/auth/token/refresh",
            Some(Bytes::from(body)),
            &[],
        )
    }

    fn check(&mut self, answer: &Answer) -> Result<(), String> {
        let rotated = expect(answer, StatusCode::OK).and_then(|()| {
            serde_json::from_slice::<Rotated>(&answer.body).map_err(|e| e.to_string())
        });
        match rotated {
            Ok(rotated) => {
                self.current = rotated.refresh_token;
                Ok(())
            }
            Err(err) => {
                if let Some(spare) = self.spares.pop() {
                    self.current = spare;
                }
                Err(err)
            }
        }
    }
}

/// `POST /api/v1/auth/token/get`, HMAC-signed with a fresh nonce each time.
pub struct TokenGet {
    signer: HmacSigner,
    body: Bytes,
}

pub const TOKEN_GET: &str = "/api/v1/auth/token/get";

impl TokenGet {
    pub fn new(signer: HmacSigner, telegram_id: i64) -> anyhow::Result<Self> {
        let body = serde_json::to_vec(&TokenGetRequest { telegram_id })?;
        Ok(Self {
            signer,
            body: Bytes::from(body),
        })
    }
}

impl Workload for TokenGet {
    fn next_request(&mut self) -> anyhow::Result<Request<Body>> {
        let signed = self.signer.sign("POST", TOKEN_GET, &self.body);
        request("POST", TOKEN_GET, Some(self.body.clone()), &signed.pairs())
    }

    fn check(&mut self, answer: &Answer) -> Result<(), String> {
        expect(answer, StatusCode::OK)
    }
}

/// `POST /api/v1/auth/login` with the right password.
pub struct Login {
    body: Bytes,
}

impl Login {
    pub fn new(email: &str, password: &str) -> anyhow::Result<Self> {
        let body = serde_json::to_vec(&LoginRequest {
            email: email.to_owned(),
            password: password.to_owned(),
        })?;
        Ok(Self {
            body: Bytes::from(body),
        })
    }
}

impl Workload for Login {
    fn next_request(&mut self) -> anyhow::Result<Request<Body>> {
        request("POST", "/api/v1/auth/login", Some(self.body.clone()), &[])
    }

    fn check(&mut self, answer: &Answer) -> Result<(), String> {
        expect(answer, StatusCode::OK)
    }
}
