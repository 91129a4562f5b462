//! Who is calling, and what they may do in a family.
//!
//! [`Caller`] is the authenticated user (the shared access-token guard), whose
//! personal family exists: the first finance request of a user creates it,
//! once. [`Reader`] is the same for reads, its session checked beside the
//! read rather than before it. [`Need`] is checked against the caller's membership in the handler's
//! own transaction: not a member is 404 (another family's ids look like ids
//! that do not exist), a viewer writing or a member doing an owner's job 403.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use auth_types::UserId;
use diesel_async::AsyncPgConnection;
use session_guard::{AccessGuard, Authenticated, GuardError};

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
        let access_token = bearer(req);
        Box::pin(async move {
            let authenticated = authenticated.await?;
            let state = state.ok_or_else(|| Error::internal("app state missing"))?;
            let caller = Caller {
                user_id: authenticated.user_id,
                access_token,
            };
            admit(&state, &caller).await?;
            Ok(caller)
        })
    }
}

/// The caller of a read: the token is verified, and its session is checked
/// in Redis while the read goes to PostgreSQL ([`Reader::read`]), so a read
/// waits for one round trip where it waited for two. What the read found is
/// dropped unless the session is live, and the session's refusal (401, or 503
/// when Redis fails) is answered before anything the read says. A user this
/// process has not seen yet is checked first and given their personal family,
/// as [`Caller`] does.
pub struct Reader {
    pub user_id: UserId,
    session: Pin<Box<dyn Future<Output = Result<(), Error>>>>,
}

impl Reader {
    /// `read`'s result if the session is live; the session's refusal first,
    /// without waiting for the read.
    pub async fn read<T>(self, read: impl Future<Output = Result<T, Error>>) -> Result<T, Error> {
        use futures_util::future::{Either, select};
        let read = std::pin::pin!(read);
        match select(self.session, read).await {
            Either::Left((live, read)) => {
                live?;
                read.await
            }
            Either::Right((found, session)) => {
                session.await?;
                found
            }
        }
    }
}

impl FromRequest for Reader {
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // Verified before anything is awaited, as `Authenticated` does.
        let verified = match req.app_data::<web::Data<AccessGuard>>() {
            Some(guard) => guard
                .verify_bearer(session_guard::authorization(req))
                .map(|claims| (guard.clone(), claims)),
            None => Err(GuardError::Internal("the access guard is missing".into())),
        };
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let access_token = bearer(req);
        Box::pin(async move {
            let (guard, claims) = verified?;
            let state = state.ok_or_else(|| Error::internal("app state missing"))?;
            let user_id = claims.sub;
            if state.is_known(user_id) {
                let session = Box::pin(async move { Ok(guard.check(&claims).await?) });
                return Ok(Reader { user_id, session });
            }
            guard.check(&claims).await?;
            admit(
                &state,
                &Caller {
                    user_id,
                    access_token,
                },
            )
            .await?;
            Ok(Reader {
                user_id,
                session: Box::pin(std::future::ready(Ok(()))),
            })
        })
    }
}

/// The bearer token of the request, as sent (empty when there is none).
fn bearer(req: &HttpRequest) -> String {
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .map(|(_, token)| token.trim().to_owned())
        .unwrap_or_default()
}

/// Lets a caller in: their personal family is made on the first request this
/// process sees from them.
async fn admit(state: &AppState, caller: &Caller) -> Result<(), Error> {
    if !state.is_known(caller.user_id) {
        ensure_personal_family(state, caller).await?;
        state.remember(caller.user_id);
    }
    Ok(())
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
