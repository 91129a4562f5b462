//! The finance service, as the bot uses it: every call carries the chat's
//! access token as a bearer token (the session code renews it when refused),
//! and every write an `Idempotency-Key` the caller derives from the Telegram
//! update, so an update handled twice records once. Connection errors,
//! time-outs, 5xx and 409 `idempotency_in_flight` are retried with backoff;
//! the whole call stays well under the 15 s in which a person must hear back.
//!
//! The wire types below are the parts of the finance contract the bot reads;
//! amounts stay the contract's decimal strings (read with the `money` crate).

use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::api::auth::REQUEST_ID;

/// Time one attempt may take.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Debug, thiserror::Error)]
pub enum FinanceError {
    /// Down, silent or overloaded (after retries): nothing was recorded.
    #[error("finance service unavailable: {0}")]
    Unavailable(String),
    /// A refusal the contract defines (`code` is the problem's code).
    #[error("finance service refused with {status} {code}")]
    Refused { status: StatusCode, code: String },
    /// An answer we cannot read: a bug on one side.
    #[error("unexpected answer from the finance service: {0}")]
    Unexpected(String),
}

impl FinanceError {
    fn transient(&self) -> bool {
        matches!(self, Self::Unavailable(_)) || self.is_refused("idempotency_in_flight")
    }

    pub fn is_refused(&self, code: &str) -> bool {
        matches!(self, Self::Refused { code: c, .. } if c == code)
    }

    pub fn is_unauthorized(&self) -> bool {
        matches!(self, Self::Refused { status, .. } if *status == StatusCode::UNAUTHORIZED)
    }

    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::Refused { status, .. } if *status == StatusCode::NOT_FOUND)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Family {
    pub id: Uuid,
    pub name: String,
    pub base_currency: String,
    pub role: String,
    #[serde(default)]
    pub time_zone: String,
    #[serde(default)]
    pub month_start_day: u32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Member {
    pub user_id: Uuid,
    pub display_name: Option<String>,
    pub role: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Invite {
    pub code: String,
    pub role: String,
    pub link_url: String,
    pub start_payload: String,
}

/// A `PATCH` of a family by its owner: what `/settings` changes.
#[derive(Debug, Default, Serialize)]
pub struct FamilyChange<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_currency: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub month_start_day: Option<u32>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Account {
    pub id: Uuid,
    pub name: String,
    pub kind: String,
    pub currency: String,
    pub balance: String,
    pub archived: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Category {
    pub id: Uuid,
    pub name: String,
    pub kind: String,
    #[serde(default)]
    pub archived: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct BudgetAlert {
    pub category_id: Uuid,
    pub threshold: u32,
    pub spent: String,
    pub limit: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Transaction {
    pub id: Uuid,
    pub kind: String,
    pub account_id: Uuid,
    pub amount: String,
    pub currency: String,
    pub category_id: Option<Uuid>,
    pub occurred_at: String,
    pub note: Option<String>,
    #[serde(default)]
    pub created_by: Option<Uuid>,
    /// Only in the answer to a create.
    #[serde(default)]
    pub budget_alerts: Vec<BudgetAlert>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct BudgetStatus {
    pub category_id: Uuid,
    pub currency: String,
    pub limit: String,
    pub carried_over: String,
    pub spent: String,
    pub percent: i64,
}

#[derive(Debug, Serialize)]
pub struct NewTransaction<'a> {
    pub kind: &'a str,
    pub account_id: Uuid,
    pub amount: &'a str,
    pub category_id: Uuid,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<&'a str>,
}

/// A `PATCH` of a transaction: what an edited message can change. A `None`
/// note is sent as `null`, which clears it.
#[derive(Debug, Clone, Deserialize)]
pub struct Budget {
    pub id: Uuid,
    pub category_id: Uuid,
    pub limit: String,
    pub currency: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Period {
    pub from: String,
    pub to: String,
}

/// A budget month's status: its period and each budget in it.
#[derive(Debug, Clone, Deserialize)]
pub struct MonthStatus {
    pub period: Period,
    pub items: Vec<BudgetStatus>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Goal {
    pub id: Uuid,
    pub name: String,
    pub target: String,
    pub currency: String,
    pub saved: String,
    pub progress_percent: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SummaryCategory {
    pub category_id: Uuid,
    pub name: String,
    pub kind: String,
    pub total: String,
    pub budget_limit: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SummaryCurrency {
    pub currency: String,
    pub income: String,
    pub expense: String,
    pub net: String,
    pub categories: Vec<SummaryCategory>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Summary {
    pub from: String,
    pub to: String,
    pub currencies: Vec<SummaryCurrency>,
}

#[derive(Debug, Serialize)]
pub struct TransactionChange<'a> {
    pub amount: &'a str,
    pub category_id: Uuid,
    pub note: Option<&'a str>,
}

#[derive(Debug, Serialize)]
pub struct NewCategory<'a> {
    pub name: &'a str,
    pub kind: &'a str,
}

#[derive(Debug, Serialize)]
pub struct NewAccount<'a> {
    pub name: &'a str,
    pub kind: &'a str,
    pub currency: &'a str,
}

#[derive(Deserialize)]
struct Items<T> {
    items: Vec<T>,
}

#[derive(Clone)]
pub struct FinanceClient {
    http: reqwest::Client,
    base_url: String,
}

impl FinanceClient {
    pub fn new(base_url: &str) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .timeout(ATTEMPT_TIMEOUT)
            .connect_timeout(Duration::from_secs(1))
            .build()?;
        Ok(Self {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
        })
    }

    async fn attempt<T: DeserializeOwned>(
        &self,
        method: &Method,
        path: &str,
        body: Option<&[u8]>,
        token: &str,
        idempotency_key: Option<&str>,
    ) -> Result<Option<T>, FinanceError> {
        let mut request = self
            .http
            .request(method.clone(), format!("{}/api/v1{path}", self.base_url))
            .bearer_auth(token);
        if let Ok(id) = REQUEST_ID.try_with(Clone::clone) {
            request = request.header("x-request-id", id);
        }
        if let Some(key) = idempotency_key {
            request = request.header("idempotency-key", key);
        }
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_vec());
        }
        let answer = async {
            let response = request.send().await?;
            let status = response.status();
            Ok::<_, reqwest::Error>((status, response.bytes().await?))
        }
        .await;
        let (status, bytes) =
            answer.map_err(|err| FinanceError::Unavailable(err.without_url().to_string()))?;
        if status.is_success() {
            if bytes.is_empty() || status == StatusCode::NO_CONTENT {
                return Ok(None);
            }
            return serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| FinanceError::Unexpected(e.to_string()));
        }
        if status.is_server_error() {
            return Err(FinanceError::Unavailable(format!("status {status}")));
        }
        let code = serde_json::from_slice::<auth_types::Problem>(&bytes)
            .map(|p| p.code)
            .unwrap_or_default();
        Err(FinanceError::Refused { status, code })
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&impl Serialize>,
        token: &str,
        idempotency_key: Option<&str>,
    ) -> Result<Option<T>, FinanceError> {
        let body = body
            .map(serde_json::to_vec)
            .transpose()
            .map_err(|e| FinanceError::Unexpected(e.to_string()))?;
        let retry = ExponentialBuilder::default()
            .with_min_delay(Duration::from_millis(200))
            .with_max_delay(Duration::from_secs(2))
            .with_max_times(2)
            .with_jitter();
        (|| self.attempt(&method, path, body.as_deref(), token, idempotency_key))
            .retry(retry)
            .when(FinanceError::transient)
            .notify(|err, wait| {
                tracing::warn!(error = %err, ?wait, "finance service call failed; retrying");
            })
            .await
    }

    /// `call` for an endpoint that always answers with a body.
    async fn answered<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&impl Serialize>,
        token: &str,
        idempotency_key: Option<&str>,
    ) -> Result<T, FinanceError> {
        self.call(method, path, body, token, idempotency_key)
            .await?
            .ok_or_else(|| FinanceError::Unexpected(format!("empty answer from {path}")))
    }

    async fn get<T: DeserializeOwned>(&self, path: &str, token: &str) -> Result<T, FinanceError> {
        self.answered(Method::GET, path, None::<&()>, token, None)
            .await
    }

    async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &impl Serialize,
        token: &str,
        idempotency_key: &str,
    ) -> Result<T, FinanceError> {
        self.answered(Method::POST, path, Some(body), token, Some(idempotency_key))
            .await
    }

    /// The caller's families, oldest first (the personal one is first unless
    /// the person joined an older family before their first request).
    pub async fn families(&self, token: &str) -> Result<Vec<Family>, FinanceError> {
        Ok(self.get::<Items<Family>>("/families", token).await?.items)
    }

    pub async fn members(&self, token: &str, family: Uuid) -> Result<Vec<Member>, FinanceError> {
        let path = format!("/families/{family}/members");
        Ok(self.get::<Items<Member>>(&path, token).await?.items)
    }

    /// A new invite to `family` as a member (owners only).
    pub async fn create_invite(
        &self,
        token: &str,
        family: Uuid,
        idempotency_key: &str,
    ) -> Result<Invite, FinanceError> {
        let path = format!("/families/{family}/invites");
        self.post(&path, &serde_json::json!({}), token, idempotency_key)
            .await
    }

    /// Joins the family of invite `code`; that family.
    pub async fn accept_invite(&self, token: &str, code: &str) -> Result<Family, FinanceError> {
        let path = format!("/invites/{code}/accept");
        self.answered(Method::POST, &path, None::<&()>, token, None)
            .await
    }

    pub async fn update_family(
        &self,
        token: &str,
        family: Uuid,
        change: &FamilyChange<'_>,
        idempotency_key: &str,
    ) -> Result<Family, FinanceError> {
        let path = format!("/families/{family}");
        self.answered(
            Method::PATCH,
            &path,
            Some(change),
            token,
            Some(idempotency_key),
        )
        .await
    }

    pub async fn accounts(&self, token: &str, family: Uuid) -> Result<Vec<Account>, FinanceError> {
        let path = format!("/families/{family}/accounts");
        Ok(self.get::<Items<Account>>(&path, token).await?.items)
    }

    pub async fn create_account(
        &self,
        token: &str,
        family: Uuid,
        account: &NewAccount<'_>,
        idempotency_key: &str,
    ) -> Result<Account, FinanceError> {
        let path = format!("/families/{family}/accounts");
        self.post(&path, account, token, idempotency_key).await
    }

    pub async fn categories(
        &self,
        token: &str,
        family: Uuid,
    ) -> Result<Vec<Category>, FinanceError> {
        let path = format!("/families/{family}/categories");
        Ok(self.get::<Items<Category>>(&path, token).await?.items)
    }

    pub async fn create_category(
        &self,
        token: &str,
        family: Uuid,
        category: &NewCategory<'_>,
        idempotency_key: &str,
    ) -> Result<Category, FinanceError> {
        let path = format!("/families/{family}/categories");
        self.post(&path, category, token, idempotency_key).await
    }

    pub async fn update_transaction(
        &self,
        token: &str,
        family: Uuid,
        id: Uuid,
        change: &TransactionChange<'_>,
        idempotency_key: &str,
    ) -> Result<Transaction, FinanceError> {
        let path = format!("/families/{family}/transactions/{id}");
        self.answered(
            Method::PATCH,
            &path,
            Some(change),
            token,
            Some(idempotency_key),
        )
        .await
    }

    pub async fn create_transaction(
        &self,
        token: &str,
        family: Uuid,
        transaction: &NewTransaction<'_>,
        idempotency_key: &str,
    ) -> Result<Transaction, FinanceError> {
        let path = format!("/families/{family}/transactions");
        self.post(&path, transaction, token, idempotency_key).await
    }

    /// The newest `limit` transactions of the family.
    pub async fn transactions(
        &self,
        token: &str,
        family: Uuid,
        limit: u32,
    ) -> Result<Vec<Transaction>, FinanceError> {
        let path = format!("/families/{family}/transactions?limit={limit}");
        Ok(self.get::<Items<Transaction>>(&path, token).await?.items)
    }

    pub async fn transaction(
        &self,
        token: &str,
        family: Uuid,
        id: Uuid,
    ) -> Result<Transaction, FinanceError> {
        self.get(&format!("/families/{family}/transactions/{id}"), token)
            .await
    }

    pub async fn delete_transaction(
        &self,
        token: &str,
        family: Uuid,
        id: Uuid,
    ) -> Result<(), FinanceError> {
        let path = format!("/families/{family}/transactions/{id}");
        self.call::<serde_json::Value>(Method::DELETE, &path, None::<&()>, token, None)
            .await
            .map(|_| ())
    }

    pub async fn budgets(&self, token: &str, family: Uuid) -> Result<Vec<Budget>, FinanceError> {
        let path = format!("/families/{family}/budgets");
        Ok(self.get::<Items<Budget>>(&path, token).await?.items)
    }

    /// A new monthly budget of `limit` (the family's base currency) on `category`.
    pub async fn create_budget(
        &self,
        token: &str,
        family: Uuid,
        category: Uuid,
        limit: &str,
        idempotency_key: &str,
    ) -> Result<Budget, FinanceError> {
        let path = format!("/families/{family}/budgets");
        let body = serde_json::json!({"category_id": category, "limit": limit});
        self.post(&path, &body, token, idempotency_key).await
    }

    pub async fn update_budget(
        &self,
        token: &str,
        family: Uuid,
        budget: Uuid,
        limit: &str,
        idempotency_key: &str,
    ) -> Result<Budget, FinanceError> {
        let path = format!("/families/{family}/budgets/{budget}");
        let body = serde_json::json!({ "limit": limit });
        self.answered(
            Method::PATCH,
            &path,
            Some(&body),
            token,
            Some(idempotency_key),
        )
        .await
    }

    /// The budget month `month` (`YYYY-MM`; the current one without): its
    /// period and every budget's state.
    pub async fn month_status(
        &self,
        token: &str,
        family: Uuid,
        month: Option<&str>,
    ) -> Result<MonthStatus, FinanceError> {
        let query = month.map_or_else(String::new, |m| format!("?month={m}"));
        self.get(&format!("/families/{family}/budgets/status{query}"), token)
            .await
    }

    pub async fn goals(&self, token: &str, family: Uuid) -> Result<Vec<Goal>, FinanceError> {
        let path = format!("/families/{family}/goals");
        Ok(self.get::<Items<Goal>>(&path, token).await?.items)
    }

    pub async fn create_goal(
        &self,
        token: &str,
        family: Uuid,
        name: &str,
        target: &str,
        idempotency_key: &str,
    ) -> Result<Goal, FinanceError> {
        let path = format!("/families/{family}/goals");
        let body = serde_json::json!({"name": name, "target": target});
        self.post(&path, &body, token, idempotency_key).await
    }

    /// Saves `amount` toward a goal (negative: takes it back).
    pub async fn contribute(
        &self,
        token: &str,
        family: Uuid,
        goal: Uuid,
        amount: &str,
        idempotency_key: &str,
    ) -> Result<serde_json::Value, FinanceError> {
        let path = format!("/families/{family}/goals/{goal}/contributions");
        let body = serde_json::json!({ "amount": amount });
        self.post(&path, &body, token, idempotency_key).await
    }

    pub async fn goal(&self, token: &str, family: Uuid, goal: Uuid) -> Result<Goal, FinanceError> {
        self.get(&format!("/families/{family}/goals/{goal}"), token)
            .await
    }

    /// Incomes and expenses by category from `from` to `to` (local dates).
    pub async fn summary(
        &self,
        token: &str,
        family: Uuid,
        from: &str,
        to: &str,
    ) -> Result<Summary, FinanceError> {
        self.get(
            &format!("/families/{family}/reports/summary?from={from}&to={to}"),
            token,
        )
        .await
    }

    /// Every budget of the family in the current budget month.
    pub async fn budget_status(
        &self,
        token: &str,
        family: Uuid,
    ) -> Result<Vec<BudgetStatus>, FinanceError> {
        let path = format!("/families/{family}/budgets/status");
        Ok(self.get::<Items<BudgetStatus>>(&path, token).await?.items)
    }
}
