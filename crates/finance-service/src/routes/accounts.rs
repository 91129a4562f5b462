//! `/families/{fid}/accounts`: where the family keeps its money.

use actix_web::{HttpRequest, HttpResponse, web};
use auth_types::problem::codes;
use money::Currency;
use serde::Serialize;
use serde_json::Value;
use service_kit::json::JsonObject;
use time::OffsetDateTime;

use super::{FamilyPath, ItemPath, Reply, WriteRequest};
use crate::access::{self, Authed, Caller, Need};
use crate::body::{self, Fields, Patch};
use crate::db::{self, accounts};
use crate::domain::AccountKind;
use crate::error::Error;
use crate::state::AppState;

#[derive(Serialize)]
pub struct AccountResponse {
    id: uuid::Uuid,
    name: String,
    kind: String,
    currency: String,
    opening_balance: String,
    balance: String,
    archived: bool,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
}

impl AccountResponse {
    pub fn from_row(row: accounts::Account) -> Result<Self, Error> {
        let currency = Currency::parse(&row.currency).map_err(Error::internal)?;
        let balance = db::sum(&row.balance)?;
        Ok(Self {
            id: row.id,
            opening_balance: money::format_amount(row.opening_balance, currency),
            balance: money::format_amount(balance, currency),
            name: row.name,
            kind: row.kind,
            currency: row.currency,
            archived: row.archived,
            created_at: row.created_at,
        })
    }
}

/// `GET /families/{fid}/accounts`.
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<FamilyPath>,
) -> Result<HttpResponse, Error> {
    super::read_list(
        &state,
        &caller,
        &path.fid,
        async |conn, family| accounts::list(conn, family).await,
        AccountResponse::from_row,
    )
    .await
}

/// `GET /families/{fid}/accounts/{id}`.
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ItemPath>,
) -> Result<HttpResponse, Error> {
    // The hottest read (a balance): its membership check and row in one
    // statement.
    super::read_one_checked(
        &state,
        &caller,
        &path,
        async |conn, family, id, reader| accounts::find_for_reader(conn, family, id, reader).await,
        AccountResponse::from_row,
    )
    .await
}

/// Reads an amount field against `currency` with `parse`, recording a failure.
pub fn amount_field(
    fields: &mut Fields,
    field: &str,
    text: Option<String>,
    currency: Option<Currency>,
    parse: fn(&str, Currency) -> Result<i64, money::MoneyError>,
) -> Option<i64> {
    let (text, currency) = (text?, currency?);
    match parse(&text, currency) {
        Ok(minor) => Some(minor),
        Err(err) => {
            fields.fail(field, codes::INVALID_AMOUNT, err.to_string());
            None
        }
    }
}

/// `POST /families/{fid}/accounts`: `{name, kind, currency?, opening_balance?}`.
pub async fn create(
    state: web::Data<AppState>,
    path: web::Path<FamilyPath>,
    req: HttpRequest,
    Authed(caller, JsonObject(object)): Authed<JsonObject>,
) -> Result<HttpResponse, Error> {
    let body = Value::Object(object.clone());
    let request = WriteRequest {
        http: &req,
        body: &body,
    };
    super::write(
        &state,
        &caller,
        &path.fid,
        Need::Writer,
        request,
        async |conn, scope| {
            let mut fields = Fields::new(object);
            let name = fields.required("name", body::name);
            let kind = fields.required("kind", body::one_of(AccountKind::NAMES));
            let currency = if fields.is_present("currency") {
                fields.required("currency", body::currency)
            } else {
                Some(scope.family.currency()?)
            };
            let opening = fields.optional("opening_balance", body::amount_text);
            let opening = match opening {
                Some(text) => amount_field(
                    &mut fields,
                    "opening_balance",
                    Some(text),
                    currency,
                    money::parse_signed_amount,
                ),
                None => Some(0),
            };
            fields.finish()?;
            let (Some(name), Some(kind), Some(currency), Some(opening)) =
                (name, kind, currency, opening)
            else {
                return Err(Error::internal("checked fields missing"));
            };
            let new = accounts::NewAccount {
                name: &name,
                kind,
                currency: currency.code(),
                opening_balance: opening,
            };
            let row = accounts::create(conn, scope.family.id, &new).await?;
            Reply::created(&AccountResponse::from_row(row)?)
        },
    )
    .await
}

/// `PATCH /families/{fid}/accounts/{id}`: name, kind, currency (while it has
/// no transactions), opening balance, archived.
pub async fn update(
    state: web::Data<AppState>,
    path: web::Path<ItemPath>,
    req: HttpRequest,
    Authed(caller, JsonObject(object)): Authed<JsonObject>,
) -> Result<HttpResponse, Error> {
    let body = Value::Object(object.clone());
    let request = WriteRequest {
        http: &req,
        body: &body,
    };
    let id = access::path_id(&path.id);
    super::write(
        &state,
        &caller,
        &path.fid,
        Need::Writer,
        request,
        async |conn, scope| {
            let account = accounts::find(conn, scope.family.id, id?, true)
                .await?
                .ok_or(Error::NotFound)?;
            let mut fields = Fields::new(object);
            let name = fields.optional("name", body::name);
            let kind = fields.optional("kind", body::one_of(AccountKind::NAMES));
            let currency = fields.optional("currency", body::currency);
            let archived = fields.optional("archived", body::boolean);
            let opening_text = fields.optional("opening_balance", body::amount_text);
            for field in ["name", "kind", "currency", "archived", "opening_balance"] {
                if let Patch::Null = fields.patch(field, |_| Ok(())) {
                    fields.fail(field, codes::INVALID_VALUE, "cannot be null");
                }
            }
            let new_currency = currency.or_else(|| Currency::parse(&account.currency).ok());
            let opening = amount_field(
                &mut fields,
                "opening_balance",
                opening_text,
                new_currency,
                money::parse_signed_amount,
            );
            // The opening balance is an amount of the account's currency: a new
            // currency needs it restated (unless it is zero), never reinterpreted.
            let changes_currency = currency.is_some_and(|c| c.code() != account.currency);
            if changes_currency && account.tx_count > 0 {
                return Err(Error::InUse(
                    "The account has transactions; its currency cannot change.",
                ));
            }
            if changes_currency
                && account.opening_balance != 0
                && !fields.is_present("opening_balance")
            {
                fields.fail(
                    "opening_balance",
                    codes::INVALID_VALUE,
                    "is required when the currency changes",
                );
            }
            fields.finish()?;
            let update = accounts::AccountUpdate {
                name: name.as_deref(),
                kind,
                currency: currency.map(Currency::code),
                opening_balance: opening,
                archived,
            };
            let row = accounts::update(conn, account.id, &update).await?;
            Reply::ok(&AccountResponse::from_row(row)?)
        },
    )
    .await
}

/// `DELETE /families/{fid}/accounts/{id}`: only an account no transaction uses.
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ItemPath>,
) -> Result<HttpResponse, Error> {
    let id = access::path_id(&path.id);
    super::delete(
        &state,
        &caller,
        &path.fid,
        async |conn, scope| match accounts::delete_unused(conn, scope.family.id, id?).await? {
            None => Err(Error::NotFound),
            Some(false) => Err(Error::InUse(
                "The account has transactions; archive it instead.",
            )),
            Some(true) => Ok(()),
        },
    )
    .await
}
