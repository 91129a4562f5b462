//! One [`Workload`] per finance scenario: what a connection sends and expects.

use hyper::body::Bytes;
use hyper::{Request, StatusCode};
use serde::Deserialize;
use uuid::Uuid;

use crate::client::{Answer, Body, request};
use crate::load::{Workload, unexpected};

fn expect(answer: &Answer, status: StatusCode) -> Result<(), String> {
    if answer.status == status {
        Ok(())
    } else {
        Err(unexpected(answer))
    }
}

/// A GET of one path, the same each time.
pub struct Get {
    path: String,
    authorization: String,
}

impl Get {
    pub fn new(path: String, access_token: &str) -> Self {
        Self {
            path,
            authorization: format!("Bearer {access_token}"),
        }
    }
}

impl Workload for Get {
    fn next_request(&mut self) -> anyhow::Result<Request<Body>> {
        request(
            "GET",
            &self.path,
            None,
            &[("authorization", &self.authorization)],
        )
    }

    fn check(&mut self, answer: &Answer) -> Result<(), String> {
        expect(answer, StatusCode::OK)
    }
}

/// Walks the transaction list page by page (50 a page) by its cursor, from
/// the newest; back to the first page at the end.
pub struct ListPages {
    base: String,
    authorization: String,
    cursor: Option<String>,
}

/// A page as the walk needs it: the items are counted and checked to be JSON,
/// not built into values (that would cost the generator a share of the
/// cores the service is measured on).
#[derive(Deserialize)]
struct Page {
    items: Vec<serde::de::IgnoredAny>,
    next_cursor: Option<String>,
}

impl ListPages {
    pub fn new(family: Uuid, access_token: &str) -> Self {
        Self {
            base: format!("/api/v1/families/{family}/transactions?limit=50"),
            authorization: format!("Bearer {access_token}"),
            cursor: None,
        }
    }
}

impl Workload for ListPages {
    fn next_request(&mut self) -> anyhow::Result<Request<Body>> {
        let path = match &self.cursor {
            // Opaque strings: encoded for the query.
            Some(cursor) => format!(
                "{}&{}",
                self.base,
                serde_urlencoded::to_string([("cursor", cursor)])?
            ),
            None => self.base.clone(),
        };
        request(
            "GET",
            &path,
            None,
            &[("authorization", &self.authorization)],
        )
    }

    fn check(&mut self, answer: &Answer) -> Result<(), String> {
        expect(answer, StatusCode::OK)?;
        let page: Page = serde_json::from_slice(&answer.body).map_err(|e| e.to_string())?;
        if page.items.is_empty() && page.next_cursor.is_some() {
            return Err("an empty page with a next cursor".to_owned());
        }
        self.cursor = page.next_cursor;
        Ok(())
    }
}

/// Records expenses on one account, each with a new Idempotency-Key, the
/// category turning over the family's expense categories.
pub struct CreateExpense {
    path: String,
    authorization: String,
    account: Uuid,
    categories: Vec<Uuid>,
    lane: usize,
    sent: u64,
}

impl CreateExpense {
    pub fn new(
        family: Uuid,
        access_token: &str,
        account: Uuid,
        categories: Vec<Uuid>,
        lane: usize,
    ) -> Self {
        Self {
            path: format!("/api/v1/families/{family}/transactions"),
            authorization: format!("Bearer {access_token}"),
            account,
            categories,
            lane,
            sent: 0,
        }
    }
}

impl Workload for CreateExpense {
    fn next_request(&mut self) -> anyhow::Result<Request<Body>> {
        self.sent += 1;
        let n = self.sent as usize + self.lane;
        let category = self.categories[n % self.categories.len()];
        let cents = 1 + (self.sent * 7919 + self.lane as u64) % 5000;
        let body = serde_json::json!({
            "kind": "expense",
            "account_id": self.account,
            "category_id": category,
            "amount": format!("{}.{:02}", cents / 100, cents % 100),
            "note": "bench",
        });
        let key = Uuid::new_v4().to_string();
        request(
            "POST",
            &self.path,
            Some(Bytes::from(body.to_string())),
            &[
                ("authorization", &self.authorization),
                ("idempotency-key", &key),
            ],
        )
    }

    fn check(&mut self, answer: &Answer) -> Result<(), String> {
        expect(answer, StatusCode::CREATED)
    }
}
