//! A family's books as the test wrote them: the accounts with their opening
//! balances, the budgets, and every transaction request (its key, its body,
//! what it does to the money). From these, what the API must answer: each
//! balance, each budget's month, the summary — exact to the minor unit.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use test_support::TestAuth;

/// The currencies of the family's accounts, with their ISO 4217 exponents.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Currency {
    Eur,
    Usd,
    Jpy,
}

impl Currency {
    pub fn code(self) -> &'static str {
        match self {
            Self::Eur => "EUR",
            Self::Usd => "USD",
            Self::Jpy => "JPY",
        }
    }

    fn digits(self) -> u32 {
        match self {
            Self::Jpy => 0,
            _ => 2,
        }
    }
}

/// `minor` units written as the API writes them: `"-12.05"`, `"1250"` (JPY).
pub fn format(minor: i128, currency: Currency) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    match currency.digits() {
        0 => format!("{sign}{abs}"),
        digits => {
            let unit = 10u128.pow(digits);
            format!(
                "{sign}{}.{:0width$}",
                abs / unit,
                abs % unit,
                width = digits as usize
            )
        }
    }
}

/// A small deterministic generator (splitmix64), seeded per test run.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `low..=high`.
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low + 1)
    }
}

/// A seed from the clock, unless `CRASH_TEST_SEED` gives one (to repeat a run).
pub fn seed() -> u64 {
    std::env::var("CRASH_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(17)
        })
}

/// An answer of the service.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: StatusCode,
    pub replayed: bool,
    pub body: Value,
}

impl Answer {
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or_default()
    }

    pub fn id(&self) -> String {
        self.body["id"]
            .as_str()
            .unwrap_or_else(|| panic!("no id in {}", self.body))
            .to_owned()
    }
}

/// A client of the service at one address, signed in as one user.
#[derive(Clone)]
pub struct Api {
    pub client: reqwest::Client,
    pub base: String,
    pub token: String,
}

impl Api {
    /// A client with a pool of its own (none of a killed process's connections).
    pub fn new(base: &str, token: &str) -> Self {
        Self {
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("a client"),
            base: base.to_owned(),
            token: token.to_owned(),
        }
    }

    /// One request; `Err` when no answer came (the connection failed or broke).
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        key: Option<&str>,
    ) -> Result<Answer, reqwest::Error> {
        let mut request = self
            .client
            .request(method, format!("{}/api/v1{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(body);
        }
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        let response = request.send().await?;
        let status = response.status();
        let replayed = response
            .headers()
            .get("idempotent-replayed")
            .is_some_and(|v| v == "true");
        let bytes = response.bytes().await?;
        Ok(Answer {
            status,
            replayed,
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        })
    }

    /// A request that must be answered.
    pub async fn call(&self, method: Method, path: &str, body: Option<&Value>) -> Answer {
        self.send(method.clone(), path, body, None)
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: no answer: {e}"))
    }

    pub async fn get(&self, path: &str) -> Value {
        let answer = self.call(Method::GET, path, None).await;
        assert_eq!(answer.status, 200, "GET {path}: {}", answer.body);
        answer.body
    }

    pub async fn create(&self, path: &str, body: Value) -> String {
        let answer = self.call(Method::POST, path, Some(&body)).await;
        assert_eq!(answer.status, 201, "POST {path}: {}", answer.body);
        answer.id()
    }
}

/// Registers a user with the auth service; their id and access token.
pub async fn sign_up(auth: &TestAuth, label: &str) -> (String, String) {
    let email = format!("{label}-{}@example.org", uuid::Uuid::new_v4().simple());
    let answer = reqwest::Client::new()
        .post(auth.endpoint("/api/v1/auth/register"))
        .json(&json!({"email": email, "password": "correct horse battery", "display_name": label}))
        .send()
        .await
        .expect("register");
    assert_eq!(answer.status(), 201);
    let body: Value = answer.json().await.expect("register answer");
    let text = |v: &Value| v.as_str().expect("a string").to_owned();
    (text(&body["user"]["id"]), text(&body["access_token"]))
}

#[derive(Debug, Clone)]
pub struct Account {
    pub id: String,
    pub currency: Currency,
    pub opening: i128,
}

#[derive(Debug, Clone)]
pub struct Budget {
    pub category: String,
    pub currency: Currency,
    pub limit: i128,
    pub rollover: bool,
}

/// The months the transactions fall in (the family's budget months start on the 1st, UTC).
pub const MONTHS: [(u32, &str, &str); 2] = [
    (10, "2026-10-01", "2026-10-31"),
    (11, "2026-11-01", "2026-11-30"),
];

/// A family with four accounts in three currencies and three budgets.
pub struct Family {
    pub id: String,
    pub accounts: Vec<Account>,
    pub groceries: String,
    pub transport: String,
    pub salary: String,
    pub budgets: Vec<Budget>,
    /// Category id → name.
    pub category_names: HashMap<String, String>,
}

impl Family {
    pub async fn create(api: &Api) -> Self {
        let id = api
            .create("/families", json!({"name": "Home", "base_currency": "EUR"}))
            .await;
        let mut accounts = Vec::new();
        // Amounts in minor units: 1000.00 EUR, -12.34 EUR, 250.00 USD, 10000 JPY.
        for (name, currency, opening) in [
            ("Bank", Currency::Eur, 100_000),
            ("Cash", Currency::Eur, -1_234),
            ("Card", Currency::Usd, 25_000),
            ("Wallet", Currency::Jpy, 10_000),
        ] {
            let account = api
                .create(
                    &format!("/families/{id}/accounts"),
                    json!({"name": name, "kind": "bank", "currency": currency.code(),
                           "opening_balance": format(opening, currency)}),
                )
                .await;
            accounts.push(Account {
                id: account,
                currency,
                opening,
            });
        }
        let categories = api.get(&format!("/families/{id}/categories")).await;
        let find = |kind: &str, name: &str| {
            categories["items"]
                .as_array()
                .expect("categories")
                .iter()
                .find(|c| c["kind"] == kind && c["name"] == name)
                .unwrap_or_else(|| panic!("no {kind} category {name}"))["id"]
                .as_str()
                .expect("an id")
                .to_owned()
        };
        let (groceries, transport, salary) = (
            find("expense", "Groceries"),
            find("expense", "Transport"),
            find("income", "Salary"),
        );
        let budgets = vec![
            Budget {
                category: groceries.clone(),
                currency: Currency::Eur,
                limit: 90_000,
                rollover: true,
            },
            Budget {
                category: transport.clone(),
                currency: Currency::Usd,
                limit: 30_000,
                rollover: false,
            },
            Budget {
                category: groceries.clone(),
                currency: Currency::Jpy,
                limit: 50_000,
                rollover: true,
            },
        ];
        for budget in &budgets {
            api.create(
                &format!("/families/{id}/budgets"),
                json!({"category_id": budget.category, "currency": budget.currency.code(),
                       "limit": format(budget.limit, budget.currency), "rollover": budget.rollover}),
            )
            .await;
        }
        let category_names = HashMap::from([
            (groceries.clone(), "Groceries".to_owned()),
            (transport.clone(), "Transport".to_owned()),
            (salary.clone(), "Salary".to_owned()),
        ]);
        Self {
            id,
            accounts,
            groceries,
            transport,
            salary,
            budgets,
            category_names,
        }
    }

    pub fn transactions_path(&self) -> String {
        format!("/families/{}/transactions", self.id)
    }

    /// A random expense, income or transfer, with key `key` (also its note).
    pub fn random_op(&self, rng: &mut Rng, key: String) -> Op {
        let month = MONTHS[rng.between(0, 1) as usize].0;
        let occurred_at = format!(
            "2026-{month:02}-{:02}T{:02}:{:02}:{:02}Z",
            rng.between(2, 27),
            rng.between(0, 23),
            rng.between(0, 59),
            rng.between(0, 59)
        );
        let pick = rng.between(0, 9);
        let account = rng.between(0, 3) as usize;
        let effect = match pick {
            0..=4 => Effect::Expense {
                account,
                category: if rng.next().is_multiple_of(2) {
                    self.groceries.clone()
                } else {
                    self.transport.clone()
                },
                amount: self.random_amount(rng, account, 15_000),
            },
            5..=6 => Effect::Income {
                account,
                category: self.salary.clone(),
                amount: self.random_amount(rng, account, 300_000),
            },
            _ => {
                // Same currency (EUR → EUR) or across currencies.
                let (from, to) =
                    [(0, 1), (1, 0), (0, 2), (2, 3), (3, 1)][rng.between(0, 4) as usize];
                let amount = self.random_amount(rng, from, 50_000);
                let to_amount = (self.accounts[from].currency != self.accounts[to].currency)
                    .then(|| self.random_amount(rng, to, 80_000));
                Effect::Transfer {
                    from,
                    to,
                    amount,
                    to_amount,
                }
            }
        };
        Op::new(
            self,
            key,
            effect,
            month,
            occurred_at,
            rng.next().is_multiple_of(4),
        )
    }

    /// Up to `max` minor units of EUR or USD, or as many yen.
    pub fn random_amount(&self, rng: &mut Rng, account: usize, max: u64) -> i128 {
        i128::from(rng.between(1, max))
            * if self.accounts[account].currency == Currency::Jpy {
                3
            } else {
                1
            }
    }
}

#[derive(Debug, Clone)]
pub enum Effect {
    Expense {
        account: usize,
        category: String,
        amount: i128,
    },
    Income {
        account: usize,
        category: String,
        amount: i128,
    },
    Transfer {
        from: usize,
        to: usize,
        amount: i128,
        /// Between currencies.
        to_amount: Option<i128>,
    },
}

/// One transaction request: its key, its body and what it does.
#[derive(Debug, Clone)]
pub struct Op {
    pub key: String,
    pub body: Value,
    pub effect: Effect,
    pub month: u32,
    pub occurred_at: String,
    same_currency_to_amount: bool,
}

impl Op {
    /// `same_currency_to_amount`: a transfer in one currency also sends its
    /// `to_amount` (equal to `amount`, as the contract allows).
    pub fn new(
        family: &Family,
        key: String,
        effect: Effect,
        month: u32,
        occurred_at: String,
        same_currency_to_amount: bool,
    ) -> Self {
        let account = |i: usize| &family.accounts[i];
        let body = match &effect {
            Effect::Expense {
                account: a,
                category,
                amount,
            }
            | Effect::Income {
                account: a,
                category,
                amount,
            } => json!({
                "kind": if matches!(effect, Effect::Expense { .. }) { "expense" } else { "income" },
                "account_id": account(*a).id,
                "category_id": category,
                "amount": format(*amount, account(*a).currency),
                "occurred_at": occurred_at,
                "note": key,
            }),
            Effect::Transfer {
                from,
                to,
                amount,
                to_amount,
            } => {
                let mut body = json!({
                    "kind": "transfer",
                    "account_id": account(*from).id,
                    "to_account_id": account(*to).id,
                    "amount": format(*amount, account(*from).currency),
                    "occurred_at": occurred_at,
                    "note": key,
                });
                let sent_to_amount = to_amount.or(same_currency_to_amount.then_some(*amount));
                if let Some(to_amount) = sent_to_amount {
                    body["to_amount"] = json!(format(to_amount, account(*to).currency));
                }
                body
            }
        };
        Self {
            key,
            body,
            effect,
            month,
            occurred_at,
            same_currency_to_amount,
        }
    }

    /// The expense or income as it is after a PATCH of its amount (`None`: a transfer).
    pub fn with_amount(&self, family: &Family, amount: i128) -> Option<Self> {
        let mut effect = self.effect.clone();
        match &mut effect {
            Effect::Expense { amount: a, .. } | Effect::Income { amount: a, .. } => *a = amount,
            Effect::Transfer { .. } => return None,
        }
        Some(Self::new(
            family,
            self.key.clone(),
            effect,
            self.month,
            self.occurred_at.clone(),
            self.same_currency_to_amount,
        ))
    }

    /// The account and amount of an expense or income.
    pub fn account_amount(&self) -> Option<(usize, i128)> {
        match &self.effect {
            Effect::Expense {
                account, amount, ..
            }
            | Effect::Income {
                account, amount, ..
            } => Some((*account, *amount)),
            Effect::Transfer { .. } => None,
        }
    }

    /// Sends it once.
    pub async fn send(&self, api: &Api, family: &Family) -> Result<Answer, reqwest::Error> {
        api.send(
            Method::POST,
            &family.transactions_path(),
            Some(&self.body),
            Some(&self.key),
        )
        .await
    }

    /// Sends it until it is recorded (see [`until_recorded`]).
    pub async fn send_until_recorded(&self, api: &Api, family: &Family) -> Answer {
        until_recorded(&self.key, StatusCode::CREATED, || self.send(api, family)).await
    }

    /// The transaction the service must hold for this request.
    pub fn assert_matches(&self, family: &Family, tx: &Value) {
        let account = |i: usize| &family.accounts[i];
        let (kind, from, to, amount, to_amount, category) = match &self.effect {
            Effect::Expense {
                account: a,
                category,
                amount,
            } => ("expense", *a, None, *amount, None, Some(category)),
            Effect::Income {
                account: a,
                category,
                amount,
            } => ("income", *a, None, *amount, None, Some(category)),
            Effect::Transfer {
                from,
                to,
                amount,
                to_amount,
            } => ("transfer", *from, Some(*to), *amount, *to_amount, None),
        };
        let expected = json!({
            "kind": kind,
            "account_id": account(from).id,
            "to_account_id": to.map(|t| account(t).id.clone()),
            "amount": format(amount, account(from).currency),
            "currency": account(from).currency.code(),
            "to_amount": to_amount.zip(to).map(|(m, t)| format(m, account(t).currency)),
            "category_id": category,
            "occurred_at": self.occurred_at,
            "note": self.key,
        });
        for (field, value) in expected.as_object().expect("an object") {
            assert_eq!(&tx[field], value, "{field} of {}: {tx}", self.key);
        }
    }
}

/// A PATCH of an expense's or income's amount.
#[derive(Debug, Clone)]
pub struct Patch {
    pub key: String,
    /// The key of the request that created the transaction.
    pub target: String,
    pub id: String,
    /// The transaction as it is once patched.
    pub patched: Op,
    pub body: Value,
}

impl Patch {
    pub fn new(family: &Family, key: String, target: &Op, id: &str, amount: i128) -> Self {
        let patched = target
            .with_amount(family, amount)
            .expect("an expense or income");
        let body = json!({"amount": patched.body["amount"]});
        Self {
            key,
            target: target.key.clone(),
            id: id.to_owned(),
            patched,
            body,
        }
    }

    pub async fn send(&self, api: &Api, family: &Family) -> Result<Answer, reqwest::Error> {
        api.send(
            Method::PATCH,
            &format!("{}/{}", family.transactions_path(), self.id),
            Some(&self.body),
            Some(&self.key),
        )
        .await
    }

    pub async fn send_until_recorded(&self, api: &Api, family: &Family) -> Answer {
        until_recorded(&self.key, StatusCode::OK, || self.send(api, family)).await
    }
}

/// Sends a request with key `key` until it is answered `success`: through
/// connection failures, 503s and `idempotency_in_flight` (a killed request's
/// transaction not ended yet). Any other answer fails the test.
pub async fn until_recorded<F, Fut>(key: &str, success: StatusCode, send: F) -> Answer
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<Answer, reqwest::Error>>,
{
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let outcome = send().await;
        match &outcome {
            Ok(answer) if answer.status == success => return answer.clone(),
            Ok(answer)
                if (answer.status == 409 && answer.code() == "idempotency_in_flight")
                    || answer.status == 503 => {}
            Ok(answer) => panic!("{key}: {} {}", answer.status, answer.body),
            Err(_) => {}
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{key} not recorded in time: {outcome:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Every transaction of the family, read page by page (oldest pages last).
pub async fn list_all(api: &Api, family: &Family) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("{}?limit=200", family.transactions_path());
        if let Some(cursor) = &cursor {
            path.push_str(&format!("&cursor={cursor}"));
        }
        let page = api.get(&path).await;
        items.extend(page["items"].as_array().expect("items").iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return items,
        }
    }
}

/// The family's transactions by note (each request's key), checking that no
/// key has more than one.
pub fn by_key(listed: &[Value]) -> HashMap<String, Value> {
    let mut by_key = HashMap::new();
    let mut ids = HashSet::new();
    for tx in listed {
        let id = tx["id"].as_str().expect("an id").to_owned();
        assert!(ids.insert(id), "transaction listed twice: {tx}");
        let key = tx["note"].as_str().expect("a note").to_owned();
        if let Some(other) = by_key.insert(key.clone(), tx.clone()) {
            panic!("{key} recorded twice: {other} and {tx}");
        }
    }
    by_key
}

/// Checks the books against `recorded` (each request with the id it got):
/// exactly these transactions, each once and as sent; every balance, every
/// budget month and the summary, exact to the minor unit.
/// `patches`: how many PATCHes with a key of their own were recorded besides.
pub async fn check(
    api: &Api,
    family: &Family,
    recorded: &[(Op, String)],
    patches: usize,
    db: &test_support::TestDatabase,
) {
    // Exactly the recorded transactions, once each.
    let listed = list_all(api, family).await;
    let by_key = by_key(&listed);
    let mut keys = HashSet::new();
    for (op, id) in recorded {
        assert!(
            keys.insert(op.key.clone()),
            "{} recorded twice by the test",
            op.key
        );
        let tx = by_key
            .get(&op.key)
            .unwrap_or_else(|| panic!("{} (answered {id}) is missing", op.key));
        assert_eq!(tx["id"], json!(id), "{}", op.key);
        op.assert_matches(family, tx);
    }
    assert_eq!(
        listed.len(),
        keys.len(),
        "one transaction per distinct key, nothing else"
    );
    assert_eq!(
        idempotency_keys(db, &family.id).await,
        (keys.len() + patches) as i64,
        "one kept answer per key"
    );

    // Balances.
    let mut balances: Vec<i128> = family.accounts.iter().map(|a| a.opening).collect();
    // (month, category, currency) → income or expense total.
    let mut totals: BTreeMap<(u32, String, Currency), i128> = BTreeMap::new();
    for (op, _) in recorded {
        match &op.effect {
            Effect::Expense {
                account,
                category,
                amount,
            } => {
                balances[*account] -= amount;
                *totals
                    .entry((
                        op.month,
                        category.clone(),
                        family.accounts[*account].currency,
                    ))
                    .or_default() += amount;
            }
            Effect::Income {
                account,
                category,
                amount,
            } => {
                balances[*account] += amount;
                *totals
                    .entry((
                        op.month,
                        category.clone(),
                        family.accounts[*account].currency,
                    ))
                    .or_default() += amount;
            }
            Effect::Transfer {
                from,
                to,
                amount,
                to_amount,
            } => {
                balances[*from] -= amount;
                balances[*to] += to_amount.unwrap_or(*amount);
            }
        }
    }
    let accounts = api.get(&format!("/families/{}/accounts", family.id)).await;
    for (account, expected) in family.accounts.iter().zip(&balances) {
        let expected = format(*expected, account.currency);
        let one = api
            .get(&format!("/families/{}/accounts/{}", family.id, account.id))
            .await;
        assert_eq!(one["balance"], json!(expected), "balance of {}", account.id);
        let listed = accounts["items"]
            .as_array()
            .expect("accounts")
            .iter()
            .find(|a| a["id"] == json!(account.id))
            .expect("the account listed");
        assert_eq!(
            listed["balance"],
            json!(expected),
            "listed balance of {}",
            account.id
        );
    }

    // Budgets, month by month (the second month's carry is the first's rest).
    let total = |month: u32, category: &str, currency: Currency| {
        totals
            .get(&(month, category.to_owned(), currency))
            .copied()
            .unwrap_or(0)
    };
    for (month, from, to) in MONTHS {
        let status = api
            .get(&format!(
                "/families/{}/budgets/status?month=2026-{month:02}",
                family.id
            ))
            .await;
        assert_eq!(status["period"], json!({"from": from, "to": to}));
        let items = status["items"].as_array().expect("items");
        assert_eq!(items.len(), family.budgets.len(), "{status}");
        for budget in &family.budgets {
            let item = items
                .iter()
                .find(|i| {
                    i["category_id"] == json!(budget.category)
                        && i["currency"] == budget.currency.code()
                })
                .unwrap_or_else(|| panic!("no status for {budget:?}: {status}"));
            let spent = total(month, &budget.category, budget.currency);
            let carried = if budget.rollover {
                (budget.limit - total(month - 1, &budget.category, budget.currency)).max(0)
            } else {
                0
            };
            let c = budget.currency;
            assert_eq!(
                (
                    &item["limit"],
                    &item["carried_over"],
                    &item["spent"],
                    &item["remaining"],
                    &item["percent"]
                ),
                (
                    &json!(format(budget.limit, c)),
                    &json!(format(carried, c)),
                    &json!(format(spent, c)),
                    &json!(format(budget.limit + carried - spent, c)),
                    &json!(i64::try_from(spent * 100 / (budget.limit + carried)).unwrap()),
                ),
                "{month}: {budget:?}"
            );
        }
    }

    // The summary of each month and of both.
    for (months, from, to) in [
        (&[10][..], MONTHS[0].1, MONTHS[0].2),
        (&[11][..], MONTHS[1].1, MONTHS[1].2),
        (&[10, 11][..], MONTHS[0].1, MONTHS[1].2),
    ] {
        let summary = api
            .get(&format!(
                "/families/{}/reports/summary?from={from}&to={to}",
                family.id
            ))
            .await;
        assert_eq!(
            (&summary["from"], &summary["to"]),
            (&json!(from), &json!(to))
        );
        let mut expected: BTreeMap<String, Value> = BTreeMap::new();
        let currencies: HashSet<Currency> = family.accounts.iter().map(|a| a.currency).collect();
        for currency in currencies {
            let mut categories: BTreeMap<String, Value> = BTreeMap::new();
            let (mut income, mut expense) = (0, 0);
            for (category, name) in &family.category_names {
                let sum: i128 = months.iter().map(|m| total(*m, category, currency)).sum();
                if sum == 0 {
                    continue;
                }
                let is_income = *category == family.salary;
                if is_income {
                    income += sum;
                } else {
                    expense += sum;
                }
                let budget_limit = family
                    .budgets
                    .iter()
                    .find(|b| b.category == *category && b.currency == currency)
                    .map(|b| format(b.limit, currency));
                categories.insert(
                    category.clone(),
                    json!({"category_id": category, "name": name,
                           "kind": if is_income { "income" } else { "expense" },
                           "total": format(sum, currency), "budget_limit": budget_limit}),
                );
            }
            if categories.is_empty() {
                continue;
            }
            expected.insert(
                currency.code().to_owned(),
                json!({"currency": currency.code(), "income": format(income, currency),
                       "expense": format(expense, currency), "net": format(income - expense, currency),
                       "categories": categories}),
            );
        }
        let mut got: BTreeMap<String, Value> = BTreeMap::new();
        for entry in summary["currencies"].as_array().expect("currencies") {
            let mut entry = entry.clone();
            let categories: BTreeMap<String, Value> = entry["categories"]
                .as_array()
                .expect("categories")
                .iter()
                .map(|c| (c["category_id"].as_str().expect("id").to_owned(), c.clone()))
                .collect();
            entry["categories"] = json!(categories);
            let code = entry["currency"].as_str().expect("a currency").to_owned();
            assert!(got.insert(code, entry).is_none(), "{summary}");
        }
        assert_eq!(got, expected, "summary {from}..{to}");
    }
}

/// The answers kept for the family's idempotency keys, counted in PostgreSQL.
pub async fn idempotency_keys(db: &test_support::TestDatabase, family: &str) -> i64 {
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = db.connect().await;
    let count: Count =
        diesel::sql_query("SELECT count(*) AS n FROM idempotency_keys WHERE family_id = $1::uuid")
            .bind::<diesel::sql_types::Text, _>(family)
            .get_result(&mut conn)
            .await
            .expect("count the kept answers");
    count.n
}
