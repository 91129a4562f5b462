//! The finance service's request and response bodies, as their OpenAPI
//! schemas (docs only: the service reads its bodies field by field and writes
//! its own response structs; these describe exactly those wire shapes).
//!
//! Ids are UUID strings, times RFC 3339 strings in UTC, dates `YYYY-MM-DD`,
//! and every amount a string of a decimal number ([`Amount`] in a request,
//! [`Money`] in an answer), never a JSON number. In a request, a field the
//! service takes as absent when `null` is nullable; one it refuses as `null`
//! is optional but not nullable. No text may contain a NUL character (422).

#![allow(dead_code)] // Fields are read by the schema derive only.

use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::{KnownFormat, RefOr};
use utoipa::{PartialSchema, ToSchema};

/// A string schema named `$name`: its description, pattern and length.
macro_rules! string_schema {
    ($(#[$meta:meta])* $name:ident, $description:expr, $pattern:expr) => {
        $(#[$meta])*
        pub struct $name;

        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .description(Some($description))
                    .pattern(Some($pattern))
                    .into()
            }
        }

        impl ToSchema for $name {}
    };
}

/// A string schema named `$name` whose values are one of `$values`.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident, $description:expr, [$($value:literal),+ $(,)?]) => {
        $(#[$meta])*
        pub struct $name;

        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .description(Some($description))
                    .enum_values(Some([$($value),+]))
                    .into()
            }
        }

        impl ToSchema for $name {}
    };
}

string_schema!(
    /// An amount in a request.
    Amount,
    "An amount in major units as a JSON string (never a number): digits, then `.` or `,` \
     and at most the currency's minor digits (ISO 4217: JPY 0, EUR 2, BHD 3), no signs, \
     spaces or exponents (\"12.50\", \"12,5\", \"007\"). Greater than 0 and at most 10^15 \
     minor units; anything else is 422 `invalid_amount`.",
    "^[0-9]+([.,][0-9]+)?$"
);

string_schema!(
    /// An amount in a request that may be negative or (for a balance) zero.
    SignedAmount,
    "Like Amount, with an optional leading `-` (\"-120.00\"); its absolute value at most \
     10^15 minor units. An opening balance may be zero; a contribution may not.",
    "^-?[0-9]+([.,][0-9]+)?$"
);

string_schema!(
    /// An amount in an answer.
    Money,
    "An exact amount in major units as a JSON string, with exactly the currency's minor \
     digits after a `.` (\"12.50\" EUR, \"1250\" JPY, \"1.250\" BHD); negative with a \
     leading `-`. Sums may exceed 10^15 minor units.",
    "^-?[0-9]+(\\.[0-9]+)?$"
);

string_schema!(
    /// An ISO 4217 currency code.
    Currency,
    "An ISO 4217 alphabetic code in upper case with a minor unit (EUR, JPY, BHD); lower \
     case, unknown codes and codes without a minor unit (XAU) are 422 `invalid_currency`.",
    "^[A-Z]{3}$"
);

string_schema!(
    /// A calendar date.
    Date,
    "A date YYYY-MM-DD (in the family's time zone where it bounds a period).",
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
);

string_enum!(
    Role,
    "A member's role in a family.",
    ["owner", "member", "viewer"]
);
string_enum!(
    AccountKind,
    "What an account holds.",
    ["cash", "bank", "card", "savings"]
);
string_enum!(
    CategoryKind,
    "Whether a category sorts spending or earning; it never changes.",
    ["expense", "income"]
);
string_enum!(
    TransactionKind,
    "What a transaction does to its accounts; it never changes.",
    ["expense", "income", "transfer"]
);

/// 80 or 100: the percent of a budget's limit a transaction carried the month across.
pub struct Threshold;

impl PartialSchema for Threshold {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .description(Some(
                "The percent of the month's limit (with its carry) that was crossed.",
            ))
            .enum_values(Some([80, 100]))
            .into()
    }
}

impl ToSchema for Threshold {}

/// The schema of an `Idempotency-Key` header value.
pub fn idempotency_key() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(255))
        .pattern(Some("^[!-~]+$"))
        .into()
}

/// A string with a known format (`uuid`, `date-time`…).
pub fn formatted(format: KnownFormat) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(format)))
        .into()
}

// --- families, members, invites ---------------------------------------------------

/// A family as the caller sees it.
#[derive(ToSchema)]
pub struct FamilyResponse {
    #[schema(format = Uuid)]
    id: String,
    name: String,
    base_currency: Currency,
    /// An IANA time zone name (default UTC): days, months and periods are the family's local ones.
    time_zone: String,
    /// The payday (1–28): budget months and monthly reports start on it.
    #[schema(minimum = 1, maximum = 28)]
    month_start_day: i32,
    /// The caller's role.
    role: Role,
    #[schema(format = DateTime)]
    created_at: String,
}

/// `{"items": [family…]}`.
#[derive(ToSchema)]
pub struct FamilyListResponse {
    items: Vec<FamilyResponse>,
}

/// A new family; the caller is its owner.
#[derive(ToSchema)]
pub struct NewFamilyRequest {
    /// 1 to 100 characters once trimmed.
    #[schema(min_length = 1, max_length = 100, pattern = "\\S")]
    name: String,
    base_currency: Currency,
    /// An IANA time zone name; default UTC.
    time_zone: Option<String>,
    /// Default 1.
    #[schema(minimum = 1, maximum = 28)]
    month_start_day: Option<i32>,
}

/// A family's settings to change (owners); a field left out stays, none may be `null`.
#[derive(ToSchema)]
pub struct FamilyUpdateRequest {
    #[schema(required = false, min_length = 1, max_length = 100, pattern = "\\S")]
    name: String,
    #[schema(required = false)]
    base_currency: Currency,
    /// An IANA time zone name.
    #[schema(required = false)]
    time_zone: String,
    #[schema(required = false, minimum = 1, maximum = 28)]
    month_start_day: i32,
}

/// A member of a family.
#[derive(ToSchema)]
pub struct MemberResponse {
    #[schema(format = Uuid)]
    user_id: String,
    /// The auth service's display name, or `null`.
    #[schema(required = true)]
    display_name: Option<String>,
    role: Role,
    #[schema(format = DateTime)]
    joined_at: String,
}

/// `{"items": [member…]}`.
#[derive(ToSchema)]
pub struct MemberListResponse {
    items: Vec<MemberResponse>,
}

/// A member's new role (owners); the family always keeps an owner.
#[derive(ToSchema)]
pub struct MemberUpdateRequest {
    role: Role,
}

/// An invite to make (owners); no body at all is `{}`.
#[derive(ToSchema)]
pub struct InviteRequest {
    /// The role the invitee gets; default `member`.
    role: Option<Role>,
}

/// A single-use invite, valid for 7 days.
#[derive(ToSchema)]
pub struct InviteResponse {
    /// Random, URL-safe; shown once.
    #[schema(pattern = "^[A-Za-z0-9_-]+$")]
    code: String,
    role: Role,
    #[schema(format = DateTime)]
    expires_at: String,
    /// `{PUBLIC_WEB_URL}/join?code={code}`.
    link_url: String,
    /// `join_{code}`, for a Telegram deep link (at most 64 characters).
    #[schema(max_length = 64)]
    start_payload: String,
}

// --- accounts and categories -------------------------------------------------------

/// An account.
#[derive(ToSchema)]
pub struct AccountResponse {
    #[schema(format = Uuid)]
    id: String,
    name: String,
    kind: AccountKind,
    currency: Currency,
    opening_balance: Money,
    /// The opening balance plus incomes, minus expenses, minus transfers out, plus transfers in.
    balance: Money,
    archived: bool,
    #[schema(format = DateTime)]
    created_at: String,
}

/// `{"items": [account…]}`.
#[derive(ToSchema)]
pub struct AccountListResponse {
    items: Vec<AccountResponse>,
}

/// A new account.
#[derive(ToSchema)]
pub struct NewAccountRequest {
    /// 1 to 100 characters once trimmed; need not be unique.
    #[schema(min_length = 1, max_length = 100, pattern = "\\S")]
    name: String,
    kind: AccountKind,
    /// Default: the family's base currency.
    #[schema(required = false)]
    currency: Currency,
    /// Default 0; may be zero or negative.
    opening_balance: Option<SignedAmount>,
}

/// An account's fields to change; a field left out stays, none may be `null`.
#[derive(ToSchema)]
pub struct AccountUpdateRequest {
    #[schema(required = false, min_length = 1, max_length = 100, pattern = "\\S")]
    name: String,
    #[schema(required = false)]
    kind: AccountKind,
    /// Fixed once the account has transactions (409 `in_use`).
    #[schema(required = false)]
    currency: Currency,
    /// In the account's (new) currency; required when the currency changes, unless the
    /// opening balance is zero (it is restated, never reinterpreted).
    #[schema(required = false)]
    opening_balance: SignedAmount,
    /// An archived account takes no new transactions.
    #[schema(required = false)]
    archived: bool,
}

/// A category.
#[derive(ToSchema)]
pub struct CategoryResponse {
    #[schema(format = Uuid)]
    id: String,
    name: String,
    kind: CategoryKind,
    #[schema(required = true, format = Uuid)]
    parent_id: Option<String>,
    archived: bool,
}

/// `{"items": [category…]}`.
#[derive(ToSchema)]
pub struct CategoryListResponse {
    items: Vec<CategoryResponse>,
}

/// A new category; its name is unique per family and kind, case-insensitively.
#[derive(ToSchema)]
pub struct NewCategoryRequest {
    #[schema(min_length = 1, max_length = 100, pattern = "\\S")]
    name: String,
    kind: CategoryKind,
    /// A category of the same family and kind.
    #[schema(format = Uuid)]
    parent_id: Option<String>,
}

/// A category's fields to change; `parent_id: null` makes it top-level.
#[derive(ToSchema)]
pub struct CategoryUpdateRequest {
    #[schema(required = false, min_length = 1, max_length = 100, pattern = "\\S")]
    name: String,
    /// Must be the category's own kind (it never changes).
    #[schema(required = false)]
    kind: CategoryKind,
    /// A category of the same family and kind, not this one nor one below it.
    #[schema(format = Uuid)]
    parent_id: Option<String>,
    #[schema(required = false)]
    archived: bool,
}

// --- transactions ------------------------------------------------------------------

/// A transaction. Fields that do not apply to its kind are `null`.
#[derive(ToSchema)]
pub struct TransactionResponse {
    #[schema(format = Uuid)]
    id: String,
    kind: TransactionKind,
    #[schema(format = Uuid)]
    account_id: String,
    /// A transfer's target account.
    #[schema(required = true, format = Uuid)]
    to_account_id: Option<String>,
    amount: Money,
    /// The account's currency.
    currency: Currency,
    /// What a transfer between currencies adds to the target account.
    #[schema(required = true)]
    to_amount: Option<Money>,
    #[schema(required = true, format = Uuid)]
    category_id: Option<String>,
    /// The same instant as sent, in UTC, to the microsecond.
    #[schema(format = DateTime)]
    occurred_at: String,
    #[schema(required = true)]
    note: Option<String>,
    #[schema(format = Uuid)]
    created_by: String,
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(format = DateTime)]
    updated_at: String,
}

/// A budget a new expense carried past 80 or 100 percent of its month's limit.
#[derive(ToSchema)]
pub struct BudgetAlert {
    #[schema(format = Uuid)]
    budget_id: String,
    #[schema(format = Uuid)]
    category_id: String,
    threshold: Threshold,
    /// The month's spending after this transaction.
    spent: Money,
    /// The budget's limit plus the month's carry.
    limit: Money,
}

/// A new transaction, with the budget alerts it raised.
#[derive(ToSchema)]
pub struct TransactionCreatedResponse {
    #[schema(format = Uuid)]
    id: String,
    kind: TransactionKind,
    #[schema(format = Uuid)]
    account_id: String,
    #[schema(required = true, format = Uuid)]
    to_account_id: Option<String>,
    amount: Money,
    currency: Currency,
    #[schema(required = true)]
    to_amount: Option<Money>,
    #[schema(required = true, format = Uuid)]
    category_id: Option<String>,
    #[schema(format = DateTime)]
    occurred_at: String,
    #[schema(required = true)]
    note: Option<String>,
    #[schema(format = Uuid)]
    created_by: String,
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(format = DateTime)]
    updated_at: String,
    /// One alert per threshold crossed; `[]` when none.
    budget_alerts: Vec<BudgetAlert>,
}

/// A page of transactions, newest `occurred_at` first.
#[derive(ToSchema)]
pub struct TransactionPage {
    items: Vec<TransactionResponse>,
    /// Pass as `cursor` for the next page; `null` on the last one.
    #[schema(required = true)]
    next_cursor: Option<String>,
}

/// A new expense, income or transfer.
#[derive(ToSchema)]
pub struct NewTransactionRequest {
    kind: TransactionKind,
    /// An open account of the family.
    #[schema(format = Uuid)]
    account_id: String,
    /// In the account's currency.
    amount: Amount,
    /// When given, must be the account's (else `currency_mismatch`).
    currency: Option<Currency>,
    /// A transfer's target: another open account of the family (transfers only).
    #[schema(format = Uuid)]
    to_account_id: Option<String>,
    /// A transfer between currencies: what the target receives (required there); between
    /// accounts of one currency it must equal `amount`.
    to_amount: Option<Amount>,
    /// An expense or income category of the family, of the transaction's kind (not for transfers).
    #[schema(format = Uuid)]
    category_id: Option<String>,
    /// An RFC 3339 time with an offset; default now.
    #[schema(format = DateTime)]
    occurred_at: Option<String>,
    #[schema(max_length = 1000)]
    note: Option<String>,
}

/// A transaction's fields to change; never its kind. `note: null` clears the note.
#[derive(ToSchema)]
pub struct TransactionUpdateRequest {
    /// Must be the transaction's own kind.
    #[schema(required = false)]
    kind: TransactionKind,
    #[schema(required = false, format = Uuid)]
    account_id: String,
    /// Required when the new account has another currency.
    #[schema(required = false)]
    amount: Amount,
    currency: Option<Currency>,
    /// Transfers only (where `null` is refused).
    #[schema(format = Uuid)]
    to_account_id: Option<String>,
    to_amount: Option<Amount>,
    /// Expenses and incomes only (where `null` is refused).
    #[schema(format = Uuid)]
    category_id: Option<String>,
    #[schema(required = false, format = DateTime)]
    occurred_at: String,
    #[schema(max_length = 1000)]
    note: Option<String>,
}

// --- budgets and goals -------------------------------------------------------------

/// A monthly budget of an expense category in one currency.
#[derive(ToSchema)]
pub struct BudgetResponse {
    #[schema(format = Uuid)]
    id: String,
    #[schema(format = Uuid)]
    category_id: String,
    limit: Money,
    currency: Currency,
    /// The unspent rest of last month adds to this month's limit.
    rollover: bool,
}

/// `{"items": [budget…]}`.
#[derive(ToSchema)]
pub struct BudgetListResponse {
    items: Vec<BudgetResponse>,
}

/// A new budget: one per category and currency.
#[derive(ToSchema)]
pub struct NewBudgetRequest {
    /// An expense category of the family.
    #[schema(format = Uuid)]
    category_id: String,
    limit: Amount,
    /// Default: the family's base currency.
    #[schema(required = false)]
    currency: Currency,
    /// Default false.
    rollover: Option<bool>,
}

/// A budget's fields to change; none may be `null`.
#[derive(ToSchema)]
pub struct BudgetUpdateRequest {
    #[schema(required = false, format = Uuid)]
    category_id: String,
    /// Required when the currency changes.
    #[schema(required = false)]
    limit: Amount,
    #[schema(required = false)]
    currency: Currency,
    #[schema(required = false)]
    rollover: bool,
}

/// A budget month, `from` to `to` inclusive.
#[derive(ToSchema)]
pub struct Period {
    from: Date,
    to: Date,
}

/// One budget's month.
#[derive(ToSchema)]
pub struct BudgetStatusItem {
    #[schema(format = Uuid)]
    budget_id: String,
    #[schema(format = Uuid)]
    category_id: String,
    currency: Currency,
    /// The budget's own limit, without the carry.
    limit: Money,
    /// With rollover, max(0, limit − last month's spending); else 0.
    carried_over: Money,
    spent: Money,
    /// limit + carried_over − spent; negative when overspent.
    remaining: Money,
    /// ⌊spent × 100 / (limit + carried_over)⌋.
    percent: i64,
}

/// Every budget's status in one budget month.
#[derive(ToSchema)]
pub struct BudgetStatusResponse {
    period: Period,
    items: Vec<BudgetStatusItem>,
}

/// A saving goal.
#[derive(ToSchema)]
pub struct GoalResponse {
    #[schema(format = Uuid)]
    id: String,
    name: String,
    target: Money,
    currency: Currency,
    #[schema(required = true)]
    deadline: Option<Date>,
    /// The sum of the contributions.
    saved: Money,
    /// ⌊saved × 100 / target⌋, not capped at 100.
    progress_percent: i64,
    #[schema(format = DateTime)]
    created_at: String,
}

/// `{"items": [goal…]}`.
#[derive(ToSchema)]
pub struct GoalListResponse {
    items: Vec<GoalResponse>,
}

/// A new goal.
#[derive(ToSchema)]
pub struct NewGoalRequest {
    #[schema(min_length = 1, max_length = 100, pattern = "\\S")]
    name: String,
    target: Amount,
    /// Default: the family's base currency; never changes.
    #[schema(required = false)]
    currency: Currency,
    deadline: Option<Date>,
}

/// A goal's fields to change; `deadline: null` clears the deadline.
#[derive(ToSchema)]
pub struct GoalUpdateRequest {
    #[schema(required = false, min_length = 1, max_length = 100, pattern = "\\S")]
    name: String,
    #[schema(required = false)]
    target: Amount,
    /// Must be the goal's own currency.
    #[schema(required = false)]
    currency: Currency,
    deadline: Option<Date>,
}

/// Money put toward a goal (negative: taken back).
#[derive(ToSchema)]
pub struct ContributionRequest {
    /// Not zero; a withdrawal may not take `saved` below 0.
    amount: SignedAmount,
    #[schema(max_length = 1000)]
    note: Option<String>,
}

/// A contribution.
#[derive(ToSchema)]
pub struct ContributionResponse {
    #[schema(format = Uuid)]
    id: String,
    amount: Money,
    #[schema(required = true)]
    note: Option<String>,
    #[schema(format = Uuid)]
    created_by: String,
    #[schema(format = DateTime)]
    created_at: String,
}

// --- reports -----------------------------------------------------------------------

/// A category's total in the period.
#[derive(ToSchema)]
pub struct CategorySummary {
    #[schema(format = Uuid)]
    category_id: String,
    name: String,
    kind: CategoryKind,
    total: Money,
    /// The own limit of the category's budget in this currency, else `null`.
    #[schema(required = true)]
    budget_limit: Option<Money>,
}

/// One currency's incomes and expenses in the period.
#[derive(ToSchema)]
pub struct CurrencySummary {
    currency: Currency,
    income: Money,
    expense: Money,
    /// income − expense.
    net: Money,
    categories: Vec<CategorySummary>,
}

/// Incomes and expenses by currency and category (transfers count in neither).
#[derive(ToSchema)]
pub struct SummaryResponse {
    from: Date,
    to: Date,
    currencies: Vec<CurrencySummary>,
}
