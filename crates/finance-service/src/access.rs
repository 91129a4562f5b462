//! Who is calling, and what they may do in a family.
//!
//! [`Caller`] is the authenticated user (the shared access-token guard), whose
//! personal family exists: the first finance request of a user creates it,
//! once. [`Need`] is checked against the caller's membership in the handler's
//! own transaction: not a member is 404 (another family's ids look like ids
//! that do not exist), a viewer writing or a member doing an owner's job 403.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use auth_types::UserId;
use diesel_async::AsyncPgConnection;
use session_guard::Authenticated;

use crate::db::families::{self, Family};
use crate::domain::Role;
use crate::error::Error;
use crate::state::AppState;

/// An authenticated user whose personal family exists.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: UserId,
    /// The bearer token, to ask the auth service for the caller's display name.
    access_token: String,
}

impl Caller {
    pub fn access_token(&self) -> &str {
        &self.access_token
    }
}

impl FromRequest for Caller {
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let authenticated = Authenticated::from_request(req, &mut Payload::None);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let access_token = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .map(|(_, token)| token.trim().to_owned())
            .unwrap_or_default();
        Box::pin(async move {
            let authenticated = authenticated.await?;
            let state = state.ok_or_else(|| Error::internal("app state missing"))?;
            let caller = Caller {
                user_id: authenticated.user_id,
                access_token,
            };
            if !state.is_known(caller.user_id) {
                ensure_personal_family(&state, &caller).await?;
                state.remember(caller.user_id);
            }
            Ok(caller)
        })
    }
}

/// Creates the caller's personal family unless it exists: exactly once, even
/// under concurrent first requests (the `finance_users` row is the latch).
async fn ensure_personal_family(state: &AppState, caller: &Caller) -> Result<(), Error> {
    if state
        .db
        .run(async |conn| {
            families::user_is_known(conn, caller.user_id)
                .await
                .map_err(Error::from)
        })
        .await?
    {
        return Ok(());
    }
    let display_name = state.profiles.display_name(caller.access_token()).await;
    let currency = state.settings.default_currency;
    state
        .db
        .run(async |conn| {
            families::create_personal(conn, caller.user_id, currency, display_name.as_deref())
                .await
                .map_err(Error::from)
        })
        .await
}

/// What a request needs of the caller's membership.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    Reader,
    Writer,
    Owner,
}

/// The family as the caller sees it, with the caller's role.
#[derive(Debug, Clone)]
pub struct InFamily {
    pub family: Family,
    pub role: Role,
}

/// The caller's membership of `family_id`, checked against `need`.
pub async fn check(
    conn: &AsyncPgConnection,
    family_id: uuid::Uuid,
    user: UserId,
    need: Need,
) -> Result<InFamily, Error> {
    let hold = match need {
        Need::Reader => families::Hold::Nothing,
        Need::Writer => families::Hold::Share,
        Need::Owner => families::Hold::Exclusive,
    };
    let (family, role) = families::find_holding(conn, family_id, user, hold)
        .await?
        .ok_or(Error::NotFound)?;
    match need {
        Need::Reader => {}
        Need::Writer if !role.can_write() => {
            return Err(Error::Forbidden(
                "Viewers can read this family's money, not change it.",
            ));
        }
        Need::Owner if role != Role::Owner => {
            return Err(Error::Forbidden("Only an owner of the family can do this."));
        }
        Need::Writer | Need::Owner => {}
    }
    Ok(InFamily { family, role })
}

/// A path id: one that is not a UUID is 404, like one that does not exist.
pub fn path_id(text: &str) -> Result<uuid::Uuid, Error> {
    text.parse().map_err(|_| Error::NotFound)
}

/// The caller and a request body, in that order: authentication is settled
/// before the body is read, so a bad token is 401 whatever the body (actix
/// would otherwise poll both extractors together).
pub struct Authed<E>(pub Caller, pub E);

impl<E> FromRequest for Authed<E>
where
    E: FromRequest + 'static,
    E::Future: 'static,
    Error: From<E::Error>,
{
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let caller = Caller::from_request(req, &mut Payload::None);
        let body = E::from_request(req, payload);
        Box::pin(async move {
            let caller = caller.await?;
            let body = body.await?;
            Ok(Authed(caller, body))
        })
    }
}
