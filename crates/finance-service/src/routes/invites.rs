//! Invites: an owner makes a single-use code; whoever holds it joins.

use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use diesel_async::AsyncConnection;
use rand::RngCore;
use serde::Serialize;
use serde_json::Value;
use service_kit::json::OptionalJson;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::{FamilyPath, Reply, WriteRequest};
use crate::access::{Authed, Caller, Need};
use crate::body::{self, Fields};
use crate::db::{families, invites, members};
use crate::domain::Role;
use crate::error::Error;
use crate::state::AppState;

/// How long an invite works.
const INVITE_TTL: time::Duration = time::Duration::days(7);
/// Random bytes in a code: 192 bits, 32 URL-safe characters.
const CODE_BYTES: usize = 24;

#[derive(Serialize)]
struct InviteResponse {
    code: String,
    role: &'static str,
    #[serde(with = "time::serde::rfc3339")]
    expires_at: OffsetDateTime,
    link_url: String,
    start_payload: String,
}

fn hash(code: &str) -> Vec<u8> {
    Sha256::digest(code.as_bytes()).to_vec()
}

/// `POST /families/{fid}/invites` (owners): `{role?}`; no body is `{}`.
pub async fn create(
    state: web::Data<AppState>,
    path: web::Path<FamilyPath>,
    req: HttpRequest,
    Authed(caller, OptionalJson(object)): Authed<OptionalJson<serde_json::Map<String, Value>>>,
) -> Result<HttpResponse, Error> {
    let object = object.unwrap_or_default();
    let body = Value::Object(object.clone());
    let request = WriteRequest {
        http: &req,
        body: &body,
    };
    let web_url = state.settings.public_web_url.clone();
    super::write(
        &state,
        &caller,
        &path.fid,
        Need::Owner,
        request,
        async |conn, scope| {
            let mut fields = Fields::new(object);
            let role = fields.optional("role", body::one_of(Role::NAMES));
            fields.finish()?;
            let role = role.and_then(Role::parse).unwrap_or(Role::Member);
            let mut bytes = [0u8; CODE_BYTES];
            rand::rng().fill_bytes(&mut bytes);
            let code = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
            let expires_at = OffsetDateTime::now_utc() + INVITE_TTL;
            invites::create(
                conn,
                &hash(&code),
                scope.family.id,
                role.as_str(),
                caller.user_id,
                expires_at,
            )
            .await?;
            Reply::created(&InviteResponse {
                link_url: format!("{web_url}/join?code={code}"),
                start_payload: format!("join_{code}"),
                code,
                role: role.as_str(),
                expires_at,
            })
        },
    )
    .await
}

/// `POST /invites/{code}/accept`: joins the invite's family. A member of that
/// family gets 200 whatever the code's state, and keeps their role.
pub async fn accept(
    state: web::Data<AppState>,
    caller: Caller,
    code: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let code = code.into_inner();
    let well_formed = (16..=128).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !well_formed {
        return Err(Error::InvalidCode);
    }
    let code_hash = hash(&code);
    let user = caller.user_id;
    let display_name = state.profiles.display_name(caller.access_token()).await;
    let family = state
        .db
        .run(async |conn| {
            conn.transaction::<_, Error, _>(async |conn| {
                let (invite, used) = invites::lock(conn, &code_hash)
                    .await?
                    .ok_or(Error::InvalidCode)?;
                if let Some((family, _)) =
                    families::find_for_member(conn, invite.family_id, user).await?
                {
                    return Ok(family);
                }
                if used || invite.expires_at <= OffsetDateTime::now_utc() {
                    return Err(Error::InvalidCode);
                }
                let role =
                    Role::parse(&invite.role).ok_or_else(|| Error::internal("invite role"))?;
                members::add(conn, invite.family_id, user, role, display_name.as_deref()).await?;
                invites::mark_used(conn, &code_hash, user).await?;
                let (family, _) = families::find_for_member(conn, invite.family_id, user)
                    .await?
                    .ok_or(Error::NotFound)?;
                Ok(family)
            })
            .await
        })
        .await?;
    Ok(HttpResponse::Ok().json(family))
}
