//! The data the finance scenarios run against: one large family (its owner's
//! personal family, eight accounts, a budget on every expense category and
//! `--expenses` expenses over the last 365 days) and `--small-families` small
//! ones beside it, each of its own Telegram user.
//!
//! Users, families, accounts, categories and budgets are made through the APIs,
//! as a person would. The transactions are too many for that (a million at a
//! few thousand a second is minutes of load before any measurement), so they
//! are written by one SQL statement through `psql`, and the derived rows the
//! service keeps with every write (`daily_totals`, each account's `balance` and
//! `tx_count`) are then computed from them by the same sums the service uses
//! when a family's time zone changes. The service reads them all afterwards
//! exactly as it reads its own writes.

use std::io::Write;
use std::net::SocketAddr;
use std::process::{Command, Stdio};

use anyhow::Context;
use auth_types::HmacSigner;
use hyper::body::Bytes;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::api::{Api, Identities, Tokens};
use crate::client::{Connection, request};
use crate::load::unexpected;

/// Accounts of the large family: one per connection of the create scenario,
/// so its writers contend on categories and budgets, as a family's members do,
/// and not all on one balance row.
pub const ACCOUNTS: usize = 8;
/// Transactions of each small family.
const SMALL_FAMILY_TRANSACTIONS: u32 = 20;
/// The time zone of the large family: its local days are not UTC's.
pub const TIME_ZONE: &str = "Europe/Berlin";
/// First Telegram user index of this command (the auth scenarios use the low ones).
const FIRST_USER: usize = 50_000;
/// Connections that set up the small families at once.
const SETUP_CONNECTIONS: usize = 8;

/// The password of the large family's owner (the overview scenario logs in with it).
pub const OWNER_PASSWORD: &str = "bench-owner-password-0123456789";

/// What the scenarios need of the seed.
pub struct Seed {
    /// The large family's owner: an email account, so a browser can log in.
    pub owner_email: String,
    pub family_id: Uuid,
    pub accounts: Vec<Uuid>,
    pub expense_categories: Vec<Uuid>,
    /// The owner's access token, fresh after the seeding.
    pub access_token: String,
    pub transactions: u64,
}

/// One connection to a service for set-up calls with a bearer token.
pub struct Client {
    addr: SocketAddr,
    connection: Connection,
}

impl Client {
    pub async fn open(addr: SocketAddr) -> anyhow::Result<Self> {
        Ok(Self {
            addr,
            connection: Connection::open(addr).await?,
        })
    }

    /// Sends a request and returns its JSON answer, which must be a success.
    pub async fn call(
        &mut self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> anyhow::Result<Value> {
        if self.connection.is_closed() {
            self.connection = Connection::open(self.addr).await?;
        }
        let authorization = format!("Bearer {token}");
        let body = body.map(|b| Bytes::from(b.to_string()));
        let req = request(method, path, body, &[("authorization", &authorization)])?;
        let answer = self.connection.send(req).await?;
        anyhow::ensure!(
            answer.status.is_success(),
            "{method} {path}: {}",
            unexpected(&answer)
        );
        if answer.body.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&answer.body).with_context(|| format!("{method} {path}"))
    }
}

#[derive(Deserialize)]
struct Items<T> {
    items: Vec<T>,
}

#[derive(Deserialize)]
struct Family {
    id: Uuid,
}

#[derive(Deserialize)]
struct Category {
    id: Uuid,
    kind: String,
    parent_id: Option<Uuid>,
}

fn progress(what: &str) {
    eprintln!("==> {what}");
}

/// Makes the large family and the small ones, and fills them.
pub async fn seed(
    finance: SocketAddr,
    auth: SocketAddr,
    signer: &HmacSigner,
    database_url: &str,
    expenses: u64,
    small_families: usize,
) -> anyhow::Result<Seed> {
    let ids = Identities::new();
    let mut auth_api = Api::open(auth, signer.clone()).await?;
    let owner_email = ids.email(FIRST_USER);
    let owner = auth_api.register(&owner_email, OWNER_PASSWORD).await?;
    let mut api = Client::open(finance).await?;

    progress("seed: the large family (accounts, budgets)");
    let families: Items<Family> = serde_json::from_value(
        api.call("GET", "/api/v1/families", &owner.access_token, None)
            .await?,
    )?;
    let family_id = families
        .items
        .first()
        .context("the owner has no personal family")?
        .id;
    let base = format!("/api/v1/families/{family_id}");
    api.call(
        "PATCH",
        &base,
        &owner.access_token,
        Some(json!({"name": "Bench family", "time_zone": TIME_ZONE})),
    )
    .await?;
    let mut accounts = Vec::with_capacity(ACCOUNTS);
    for n in 1..=ACCOUNTS {
        let account = api
            .call(
                "POST",
                &format!("{base}/accounts"),
                &owner.access_token,
                Some(json!({"name": format!("Card {n}"), "kind": "card", "opening_balance": "100000.00"})),
            )
            .await?;
        accounts.push(serde_json::from_value::<Family>(account)?.id);
    }
    let categories: Items<Category> = serde_json::from_value(
        api.call(
            "GET",
            &format!("{base}/categories"),
            &owner.access_token,
            None,
        )
        .await?,
    )?;
    let expense_categories: Vec<Uuid> = categories
        .items
        .iter()
        .filter(|c| c.kind == "expense" && c.parent_id.is_none())
        .map(|c| c.id)
        .collect();
    anyhow::ensure!(
        !expense_categories.is_empty(),
        "a new family has no expense categories"
    );
    for category in &expense_categories {
        api.call(
            "POST",
            &format!("{base}/budgets"),
            &owner.access_token,
            Some(json!({"category_id": category, "limit": "250000.00", "rollover": false})),
        )
        .await?;
    }

    progress(&format!("seed: {small_families} small families"));
    let small = small_family_ids(finance, auth, signer, ids, small_families).await?;

    progress(&format!(
        "seed: {expenses} expenses in the large family, {} in the small ones (psql)",
        u64::from(SMALL_FAMILY_TRANSACTIONS) * small.len() as u64
    ));
    let (url, sql) = (
        database_url.to_owned(),
        fill_sql(family_id, expenses, &small),
    );
    tokio::task::spawn_blocking(move || psql(&url, &sql)).await??;

    // A fresh session: the seeding may have outlasted the first access token.
    let owner = auth_api.login(&owner_email, OWNER_PASSWORD).await?;
    Ok(Seed {
        owner_email,
        family_id,
        accounts,
        expense_categories,
        access_token: owner.access_token,
        transactions: expenses,
    })
}

/// Opens `count` users' sessions and their personal families, over a few
/// connections at once; returns the families' ids.
async fn small_family_ids(
    finance: SocketAddr,
    auth: SocketAddr,
    signer: &HmacSigner,
    ids: Identities,
    count: usize,
) -> anyhow::Result<Vec<Uuid>> {
    let tasks: Vec<_> = (0..SETUP_CONNECTIONS)
        .map(|lane| {
            let signer = signer.clone();
            tokio::spawn(async move {
                let mut auth_api = Api::open(auth, signer).await?;
                let mut api = Client::open(finance).await?;
                let mut families = Vec::new();
                for i in (lane..count).step_by(SETUP_CONNECTIONS) {
                    let Tokens { access_token, .. } = auth_api
                        .telegram_session(ids.telegram_id(FIRST_USER + 1 + i))
                        .await?;
                    let answer = api
                        .call("GET", "/api/v1/families", &access_token, None)
                        .await?;
                    let list: Items<Family> = serde_json::from_value(answer)?;
                    families.push(list.items.first().context("no personal family")?.id);
                }
                anyhow::Ok(families)
            })
        })
        .collect();
    let mut all = Vec::with_capacity(count);
    for task in tasks {
        all.extend(task.await??);
    }
    Ok(all)
}

/// The SQL that writes the transactions and the rows derived from them, in
/// one database transaction.
fn fill_sql(family: Uuid, expenses: u64, small: &[Uuid]) -> String {
    let small_list = small
        .iter()
        .map(|id| format!("'{id}'"))
        .collect::<Vec<_>>()
        .join(",");
    let small_array = if small.is_empty() {
        "ARRAY[]::uuid[]".to_owned()
    } else {
        format!("ARRAY[{small_list}]::uuid[]")
    };
    format!(
        r#"
\set ON_ERROR_STOP on
BEGIN;
CREATE TEMP TABLE seed_family ON COMMIT DROP AS
  SELECT f.id, f.time_zone, m.user_id AS owner
  FROM families f JOIN members m ON m.family_id = f.id AND m.role = 'owner'
  WHERE f.id = '{family}';
CREATE TEMP TABLE seed_accounts ON COMMIT DROP AS
  SELECT (row_number() OVER (ORDER BY id) - 1)::int AS n, id FROM accounts WHERE family_id = '{family}';
CREATE TEMP TABLE seed_categories ON COMMIT DROP AS
  SELECT (row_number() OVER (ORDER BY id) - 1)::int AS n, id FROM categories
  WHERE family_id = '{family}' AND kind = 'expense' AND parent_id IS NULL;

-- The large family: {expenses} expenses, evenly over the last 365 days, newest
-- first; amounts 0.01 to 50.00, a note on every third.
INSERT INTO transactions (id, family_id, kind, account_id, amount, currency, category_id,
                          occurred_at, local_date, note, created_by)
SELECT gen_random_uuid(), f.id, 'expense', a.id, 1 + (g * 7919) % 5000, 'EUR', c.id,
       t.at, (t.at AT TIME ZONE f.time_zone)::date,
       CASE WHEN g % 3 = 0 THEN 'weekly shop, market hall' END, f.owner
FROM seed_family f
CROSS JOIN generate_series(1, {expenses}::bigint) AS g
CROSS JOIN LATERAL (SELECT now() - make_interval(secs => g * 31536000.0 / {expenses})) AS t(at)
JOIN seed_accounts a ON a.n = g % (SELECT count(*) FROM seed_accounts)
JOIN seed_categories c ON c.n = g % (SELECT count(*) FROM seed_categories);

-- Each small family: one cash account and {SMALL_FAMILY_TRANSACTIONS} expenses over the last month.
INSERT INTO accounts (id, family_id, name, kind, currency)
SELECT gen_random_uuid(), f.id, 'Cash', 'cash', f.base_currency
FROM families f WHERE f.id = ANY({small_array});
INSERT INTO transactions (id, family_id, kind, account_id, amount, currency, category_id,
                          occurred_at, local_date, created_by)
SELECT gen_random_uuid(), f.id, 'expense', a.id, 100 + g * 37, a.currency, c.id,
       t.at, (t.at AT TIME ZONE f.time_zone)::date, m.user_id
FROM families f
JOIN members m ON m.family_id = f.id AND m.role = 'owner'
JOIN accounts a ON a.family_id = f.id
JOIN LATERAL (SELECT id FROM categories WHERE family_id = f.id AND kind = 'expense'
              ORDER BY id LIMIT 1) c ON true
CROSS JOIN generate_series(1, {SMALL_FAMILY_TRANSACTIONS}) AS g
CROSS JOIN LATERAL (SELECT now() - make_interval(days => g)) AS t(at)
WHERE f.id = ANY({small_array});

-- What the service keeps with every write, from the rows above.
INSERT INTO daily_totals (family_id, local_date, category_id, currency, total)
SELECT family_id, local_date, category_id, currency, sum(amount)
FROM transactions
WHERE (family_id = '{family}' OR family_id = ANY({small_array})) AND category_id IS NOT NULL
GROUP BY family_id, local_date, category_id, currency
ON CONFLICT (family_id, local_date, category_id, currency)
DO UPDATE SET total = EXCLUDED.total;
UPDATE accounts a SET balance = a.opening_balance - s.spent, tx_count = s.n
FROM (SELECT account_id, sum(amount) AS spent, count(*) AS n FROM transactions
      WHERE family_id = '{family}' OR family_id = ANY({small_array})
      GROUP BY account_id) s
WHERE a.id = s.account_id;
COMMIT;
-- Vacuumed now, as a table long in use would be: otherwise autovacuum goes
-- through the million new rows while the first scenarios are measured.
VACUUM (ANALYZE) transactions;
VACUUM (ANALYZE) daily_totals;
VACUUM (ANALYZE) accounts;
"#
    )
}

/// Runs `sql` with psql against `database_url`.
fn psql(database_url: &str, sql: &str) -> anyhow::Result<()> {
    let mut child = Command::new("psql")
        .args(["--quiet", "--no-psqlrc", "--dbname", database_url])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .context("run psql (PostgreSQL's client)")?;
    child
        .stdin
        .take()
        .context("psql's stdin")?
        .write_all(sql.as_bytes())?;
    let status = child.wait()?;
    anyhow::ensure!(status.success(), "psql failed: {status}");
    Ok(())
}
