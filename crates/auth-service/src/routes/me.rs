use actix_web::HttpResponse;
use actix_web::http::header::ContentType;

use crate::error::Error;
use crate::extract::VerifiedAccess;
use crate::user_cache::Lookup;

/// `GET /api/v1/auth/me`: the caller's user object. The token's liveness and
/// the cached object come in one Redis round trip; the database is read only
/// on a miss.
pub async fn me(VerifiedAccess { claims, state }: VerifiedAccess) -> Result<HttpResponse, Error> {
    let body = match state.users.lookup(&state.guard, &claims).await? {
        Lookup::NotLive => return Err(Error::Unauthorized),
        Lookup::Hit(body) => body,
        Lookup::Miss => state
            .users
            .fill(claims.sub)
            .await?
            // The account was removed (merged) while the token was live.
            .ok_or(Error::Unauthorized)?,
    };
    Ok(HttpResponse::Ok()
        .content_type(ContentType::json())
        .body(body))
}
