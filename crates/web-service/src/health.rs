//! `GET /health` and `GET /health/ready`.

use std::time::Duration;

use actix_web::{HttpResponse, web};
use auth_types::dto::HealthResponse;
use serde_json::json;

use crate::proxy::Upstream;

/// The process is up; nothing else is checked.
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(HealthResponse {
        status: "ok".to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
    })
}

/// Ready when the auth service says it is ready (within 2 s).
pub async fn ready(upstream: web::Data<Upstream>) -> HttpResponse {
    let url = format!("{}/health/ready", upstream.base_url);
    let answer = upstream
        .client
        .get(url)
        .timeout(Duration::from_secs(2))
        .send()
        .await;
    let up = answer.is_ok_and(|a| a.status() == reqwest::StatusCode::OK);
    if up {
        HttpResponse::Ok().json(json!({"status": "ok", "checks": {"auth_service": "ok"}}))
    } else {
        tracing::warn!("not ready: the auth service is not ready");
        HttpResponse::ServiceUnavailable()
            .json(json!({"status": "unavailable", "checks": {"auth_service": "down"}}))
    }
}
