//! The caller's sessions: list them, end one, end all.

use actix_web::{HttpResponse, web};
use auth_types::SessionId;
use auth_types::dto::{SessionInfo, SessionListResponse};
use time::OffsetDateTime;

use crate::error::Error;
use crate::state::{AppState, unix_now};
use session_guard::Authenticated;

fn timestamp(unix: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(unix).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// `GET /api/v1/auth/sessions`: newest first, the calling one marked `current`.
pub async fn list(state: web::Data<AppState>, auth: Authenticated) -> Result<HttpResponse, Error> {
    let sessions: Vec<SessionInfo> = state
        .sessions
        .list(auth.user_id)
        .await?
        .into_iter()
        .map(|s| SessionInfo {
            id: s.id,
            created_at: timestamp(s.created_at),
            last_used_at: timestamp(s.last_used_at),
            user_agent: s.user_agent,
            ip: s.ip,
            current: s.id == auth.session_id,
        })
        .collect();
    Ok(HttpResponse::Ok().json(SessionListResponse { sessions }))
}

/// `DELETE /api/v1/auth/sessions/{id}`: ends one of the caller's sessions; 404
/// for any other id, so ids of other people's sessions reveal nothing.
pub async fn delete(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let sid: SessionId = path.parse().map_err(|_| Error::NotFound)?;
    if !state
        .sessions
        .revoke_owned(auth.user_id, sid, unix_now())
        .await?
    {
        return Err(Error::NotFound);
    }
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /api/v1/auth/logout-all`: ends every session of the caller, this one included.
pub async fn logout_all(
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<HttpResponse, Error> {
    // The others first, the caller's own last: a failure half-way leaves the
    // caller's token working, so the request can simply be sent again.
    state
        .sessions
        .revoke_all_but(auth.user_id, Some(auth.session_id))
        .await?;
    // The calling access token also goes on the deny-list, like a logout.
    state
        .sessions
        .revoke(
            auth.user_id,
            auth.session_id,
            Some(&auth.claims),
            unix_now(),
        )
        .await?;
    tracing::info!(user_id = %auth.user_id, "logged out everywhere");
    Ok(HttpResponse::NoContent().finish())
}
