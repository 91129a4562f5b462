use actix_web::{HttpResponse, web};
use auth_types::dto::{CheckStatus, HealthResponse, ReadinessChecks, ReadinessResponse};

use crate::error::Error;
use crate::state::AppState;

/// `GET /health`: the process is up; no dependency is checked.
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(HealthResponse {
        status: "ok".to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
    })
}

/// `GET /health/ready`: PostgreSQL and the session store both answer
/// (checked concurrently, each within the dependency deadline).
pub async fn ready(state: web::Data<AppState>) -> HttpResponse {
    let (database, redis) = tokio::join!(
        state.db.ping::<Error>(),
        state.guard.redis().ping::<Error>()
    );
    let status = |ok: bool| {
        if ok {
            CheckStatus::Ok
        } else {
            CheckStatus::Down
        }
    };
    let checks = ReadinessChecks {
        database: status(database.is_ok()),
        redis: status(redis.is_ok()),
    };
    let all_ok = database.is_ok() && redis.is_ok();
    if !all_ok {
        tracing::warn!(?checks, "not ready");
    }
    let mut response = if all_ok {
        HttpResponse::Ok()
    } else {
        HttpResponse::ServiceUnavailable()
    };
    response.json(ReadinessResponse {
        status: if all_ok { "ok" } else { "unavailable" }.to_owned(),
        checks,
    })
}
