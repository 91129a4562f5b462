//! `GET /health` and `GET /health/ready`.

use std::time::Duration;

use actix_web::{HttpResponse, web};
use auth_types::dto::CheckStatus;
use auth_types::dto::HealthResponse;
use serde::Serialize;
use utoipa::ToSchema;

use crate::proxy::Upstream;

/// `GET /health/ready`: `status` is `ok` or `unavailable`.
#[derive(Serialize, ToSchema)]
pub struct WebReadiness {
    pub status: String,
    pub checks: WebChecks,
}

#[derive(Serialize, ToSchema)]
pub struct WebChecks {
    pub auth_service: CheckStatus,
}

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
    crate::metrics::upstream_ready(crate::metrics::AUTH, up);
    if up {
        HttpResponse::Ok().json(WebReadiness {
            status: "ok".to_owned(),
            checks: WebChecks {
                auth_service: CheckStatus::Ok,
            },
        })
    } else {
        tracing::warn!("not ready: the auth service is not ready");
        HttpResponse::ServiceUnavailable().json(WebReadiness {
            status: "unavailable".to_owned(),
            checks: WebChecks {
                auth_service: CheckStatus::Down,
            },
        })
    }
}
