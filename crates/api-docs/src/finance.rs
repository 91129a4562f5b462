//! The finance service's API as documented: every route with its operation.
//! The finance service serves exactly these (it maps each operation to its
//! handler, and answers 405 on a path for any method not listed for it).
//!
//! Every route but health and this document takes a bearer access token of
//! the auth service. Under `/families/{fid}`: a caller who is not in the
//! family gets 404 `not_found` (for it and everything in it, and for a path id
//! that is not a UUID), a viewer writing or a member doing an owner's job 403
//! `forbidden`; `POST` and `PATCH` there take an `Idempotency-Key`.

pub mod schemas;

use auth_types::dto::{HealthResponse, ReadinessResponse};
use auth_types::problem::codes;
use utoipa::PartialSchema;
use utoipa::openapi::KnownFormat;
use utoipa::openapi::schema::{ObjectBuilder, Type};

use self::schemas::{
    AccountListResponse, AccountResponse, AccountUpdateRequest, BudgetListResponse, BudgetResponse,
    BudgetStatusResponse, BudgetUpdateRequest, CategoryListResponse, CategoryResponse,
    CategoryUpdateRequest, ContributionRequest, ContributionResponse, FamilyListResponse,
    FamilyResponse, FamilyUpdateRequest, GoalListResponse, GoalResponse, GoalUpdateRequest,
    InviteRequest, InviteResponse, MemberListResponse, MemberResponse, MemberUpdateRequest,
    NewAccountRequest, NewBudgetRequest, NewCategoryRequest, NewFamilyRequest, NewGoalRequest,
    NewTransactionRequest, SummaryResponse, TransactionCreatedResponse, TransactionPage,
    TransactionResponse, TransactionUpdateRequest,
};
use crate::{Access, Operation, Route, Service};

/// What the finance service's document says about it as a whole.
pub const SERVICE: Service = Service {
    title: "Finance Bot finance service",
    version: env!("CARGO_PKG_VERSION"),
    description: "A family's money: families, members and invites, accounts, categories, \
        transactions, budgets, goals and reports, in exact amounts (decimal strings, never \
        numbers). It takes the auth service's access tokens. Errors are RFC 9457 problem \
        documents (application/problem+json) with a stable `code`; each response lists the \
        codes it can carry, and a 422 `validation_failed` names every failing field in \
        `errors[]` (with `invalid_value`, `invalid_amount`, `invalid_currency` or \
        `currency_mismatch`). See docs/finance-api.md.",
    tags: &[
        (
            "health",
            "Liveness and readiness (their own JSON, never problem+json)",
        ),
        ("meta", "This document"),
        ("families", "The caller's families and their settings"),
        ("members", "Who is in a family, their roles, invites"),
        ("accounts", "Where the family keeps its money"),
        ("categories", "How expenses and incomes are sorted"),
        ("transactions", "Expenses, incomes and transfers"),
        ("budgets", "Monthly limits of expense categories"),
        ("goals", "Saving toward a target"),
        ("reports", "Summaries and exports of a period"),
    ],
};

/// The header that makes a write safe to repeat.
pub const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

const FID: &str = "The family's id";

/// A bearer operation of the API (401, 500, 503).
fn api(operation_id: &'static str, tag: &'static str, summary: &'static str) -> Operation {
    Operation::api(operation_id, tag, summary).access(Access::Bearer)
}

/// A read in family `{fid}`, by any of its members.
fn read(operation_id: &'static str, tag: &'static str, summary: &'static str) -> Operation {
    api(operation_id, tag, summary)
        .uuid_path_param("fid", FID)
        .problem(404, &[codes::NOT_FOUND])
}

/// A change in family `{fid}` that a role may be refused (403).
fn change(operation_id: &'static str, tag: &'static str, summary: &'static str) -> Operation {
    read(operation_id, tag, summary).problem(403, &[codes::FORBIDDEN])
}

/// A `POST` or `PATCH` in family `{fid}`: it takes an `Idempotency-Key`.
fn write(operation_id: &'static str, tag: &'static str, summary: &'static str) -> Operation {
    change(operation_id, tag, summary)
        .header_param(
            IDEMPOTENCY_KEY,
            "1 to 255 visible ASCII characters, scoped to the caller and the family and \
             remembered 24 h: the same key with the same body answers the first answer again \
             (with `Idempotent-Replayed: true`); with another body or on another endpoint, \
             422 `idempotency_key_reused`; while the first request runs, 409 \
             `idempotency_in_flight`. Any other value is 422 on `Idempotency-Key`.",
            schemas::idempotency_key(),
        )
        .problem(409, &[codes::IDEMPOTENCY_IN_FLIGHT])
        .problem(
            422,
            &[codes::VALIDATION_FAILED, codes::IDEMPOTENCY_KEY_REUSED],
        )
}

/// `{id}` of `/families/{fid}/{resource}/{id}`.
fn item(operation: Operation, what: &'static str) -> Operation {
    operation.uuid_path_param("id", what)
}

/// The `from` and `to` of a period; 422 when unreadable or `from` is after `to`.
fn period(operation: Operation) -> Operation {
    let date = || schemas::formatted(KnownFormat::Date);
    operation
        .query_param(
            "from",
            "First day (YYYY-MM-DD, inclusive, the family's time zone); default: the \
             current budget month's first",
            date(),
        )
        .query_param(
            "to",
            "Last day (inclusive); default: the current budget month's last",
            date(),
        )
        .problem(422, &[codes::VALIDATION_FAILED])
}

/// Every route of the finance service, in the order of the documentation (and
/// of matching: `budgets/status` before `budgets/{id}`).
pub fn routes() -> Vec<Route> {
    use Route as R;
    const FAMILY: &str = "The family, with the caller's role";
    vec![
        R::get(
            "/health",
            Operation::new(
                "health",
                "health",
                "The process is up (no dependency checked)",
            )
            .answers::<HealthResponse>(200, "Up"),
        ),
        R::get(
            "/health/ready",
            Operation::new("ready", "health", "PostgreSQL and Redis both answer")
                .answers::<ReadinessResponse>(200, "Ready")
                .answers::<ReadinessResponse>(503, "A dependency is down (named in checks)"),
        ),
        R::get("/openapi.json", crate::openapi_operation()),
        // Families.
        R::get(
            "/api/v1/families",
            api("listFamilies", "families", "The caller's families").answers::<FamilyListResponse>(
                200,
                "The families (a user's first request makes the personal one)",
            ),
        ),
        R::post(
            "/api/v1/families",
            api(
                "createFamily",
                "families",
                "A new family; the caller owns it",
            )
            .json_body::<NewFamilyRequest>()
            .answers::<FamilyResponse>(201, FAMILY),
        ),
        R::get(
            "/api/v1/families/{fid}",
            read("getFamily", "families", "A family").answers::<FamilyResponse>(200, FAMILY),
        ),
        R::patch(
            "/api/v1/families/{fid}",
            write(
                "updateFamily",
                "families",
                "Change a family's settings (owners)",
            )
            .json_body::<FamilyUpdateRequest>()
            .answers::<FamilyResponse>(200, FAMILY),
        ),
        // Members and invites.
        R::get(
            "/api/v1/families/{fid}/members",
            read("listMembers", "members", "The family's members")
                .answers::<MemberListResponse>(200, "The members"),
        ),
        R::patch(
            "/api/v1/families/{fid}/members/{id}",
            item(
                write("updateMember", "members", "Change a member's role (owners)"),
                "The member's user id",
            )
            .json_body::<MemberUpdateRequest>()
            .answers::<MemberResponse>(200, "The member")
            .problem(409, &[codes::IN_USE]),
        ),
        R::delete(
            "/api/v1/families/{fid}/members/{id}",
            item(
                change(
                    "removeMember",
                    "members",
                    "Remove a member (owners), or leave",
                ),
                "The member's user id",
            )
            .answers_empty(204, "Removed")
            .problem(409, &[codes::IN_USE]),
        ),
        R::post(
            "/api/v1/families/{fid}/invites",
            write("createInvite", "members", "A single-use invite (owners)")
                .optional_json_body::<InviteRequest>()
                .answers::<InviteResponse>(201, "The invite"),
        ),
        R::post(
            "/api/v1/invites/{code}/accept",
            api("acceptInvite", "members", "Join the family of an invite")
                .path_param("code", "The invite's code")
                .answers::<FamilyResponse>(
                    200,
                    "The family joined (a member already keeps their role)",
                )
                .problem(404, &[codes::INVALID_CODE]),
        ),
        // Accounts.
        R::get(
            "/api/v1/families/{fid}/accounts",
            read("listAccounts", "accounts", "The family's accounts")
                .answers::<AccountListResponse>(200, "The accounts"),
        ),
        R::post(
            "/api/v1/families/{fid}/accounts",
            write("createAccount", "accounts", "A new account")
                .json_body::<NewAccountRequest>()
                .answers::<AccountResponse>(201, "The account"),
        ),
        R::get(
            "/api/v1/families/{fid}/accounts/{id}",
            item(
                read("getAccount", "accounts", "An account"),
                "The account's id",
            )
            .answers::<AccountResponse>(200, "The account"),
        ),
        R::patch(
            "/api/v1/families/{fid}/accounts/{id}",
            item(
                write("updateAccount", "accounts", "Change an account"),
                "The account's id",
            )
            .json_body::<AccountUpdateRequest>()
            .answers::<AccountResponse>(200, "The account")
            .problem(409, &[codes::IN_USE]),
        ),
        R::delete(
            "/api/v1/families/{fid}/accounts/{id}",
            item(
                change(
                    "deleteAccount",
                    "accounts",
                    "Delete an account no transaction uses",
                ),
                "The account's id",
            )
            .answers_empty(204, "Deleted")
            .problem(409, &[codes::IN_USE]),
        ),
        // Categories.
        R::get(
            "/api/v1/families/{fid}/categories",
            read("listCategories", "categories", "The family's categories")
                .answers::<CategoryListResponse>(200, "The categories"),
        ),
        R::post(
            "/api/v1/families/{fid}/categories",
            write("createCategory", "categories", "A new category")
                .json_body::<NewCategoryRequest>()
                .answers::<CategoryResponse>(201, "The category")
                .problem(409, &[codes::NAME_TAKEN]),
        ),
        R::get(
            "/api/v1/families/{fid}/categories/{id}",
            item(
                read("getCategory", "categories", "A category"),
                "The category's id",
            )
            .answers::<CategoryResponse>(200, "The category"),
        ),
        R::patch(
            "/api/v1/families/{fid}/categories/{id}",
            item(
                write(
                    "updateCategory",
                    "categories",
                    "Rename, move or archive a category",
                ),
                "The category's id",
            )
            .json_body::<CategoryUpdateRequest>()
            .answers::<CategoryResponse>(200, "The category")
            .problem(409, &[codes::NAME_TAKEN]),
        ),
        R::delete(
            "/api/v1/families/{fid}/categories/{id}",
            item(
                change(
                    "deleteCategory",
                    "categories",
                    "Delete a category nothing uses",
                ),
                "The category's id",
            )
            .answers_empty(204, "Deleted")
            .problem(409, &[codes::IN_USE]),
        ),
        // Transactions.
        R::get(
            "/api/v1/families/{fid}/transactions",
            period(
                read(
                    "listTransactions",
                    "transactions",
                    "A page of transactions, newest first",
                )
                .query_param(
                    "account_id",
                    "Only those of this account (either side of a transfer)",
                    schemas::formatted(KnownFormat::Uuid),
                )
                .query_param(
                    "category_id",
                    "Only those of this category",
                    schemas::formatted(KnownFormat::Uuid),
                )
                .query_param(
                    "kind",
                    "Only those of this kind",
                    schemas::TransactionKind::schema(),
                ),
            )
            .query_param(
                "limit",
                "Items per page, 1 to 200 (default 50)",
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .minimum(Some(1))
                    .maximum(Some(200)),
            )
            .query_param(
                "cursor",
                "The next_cursor of the previous page (opaque)",
                ObjectBuilder::new().schema_type(Type::String),
            )
            .answers::<TransactionPage>(200, "The page"),
        ),
        R::post(
            "/api/v1/families/{fid}/transactions",
            write("createTransaction", "transactions", "A new transaction")
                .json_body::<NewTransactionRequest>()
                .answers::<TransactionCreatedResponse>(
                    201,
                    "The transaction, with the budget alerts it raised",
                ),
        ),
        R::get(
            "/api/v1/families/{fid}/transactions/{id}",
            item(
                read("getTransaction", "transactions", "A transaction"),
                "The transaction's id",
            )
            .answers::<TransactionResponse>(200, "The transaction"),
        ),
        R::patch(
            "/api/v1/families/{fid}/transactions/{id}",
            item(
                write("updateTransaction", "transactions", "Change a transaction"),
                "The transaction's id",
            )
            .json_body::<TransactionUpdateRequest>()
            .answers::<TransactionResponse>(200, "The transaction"),
        ),
        R::delete(
            "/api/v1/families/{fid}/transactions/{id}",
            item(
                change("deleteTransaction", "transactions", "Delete a transaction"),
                "The transaction's id",
            )
            .answers_empty(204, "Deleted; the balances and totals moved back"),
        ),
        // Budgets.
        R::get(
            "/api/v1/families/{fid}/budgets",
            read("listBudgets", "budgets", "The family's budgets")
                .answers::<BudgetListResponse>(200, "The budgets"),
        ),
        R::post(
            "/api/v1/families/{fid}/budgets",
            write("createBudget", "budgets", "A new monthly budget")
                .json_body::<NewBudgetRequest>()
                .answers::<BudgetResponse>(201, "The budget")
                .problem(409, &[codes::NAME_TAKEN]),
        ),
        R::get(
            "/api/v1/families/{fid}/budgets/status",
            read("budgetStatus", "budgets", "Every budget's month")
                .query_param(
                    "month",
                    "YYYY-MM: the budget month starting on the payday of that month; \
                     default: the current one",
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .pattern(Some("^[0-9]{4}-(0[1-9]|1[0-2])$")),
                )
                .answers::<BudgetStatusResponse>(200, "The month's status")
                .problem(422, &[codes::VALIDATION_FAILED]),
        ),
        R::get(
            "/api/v1/families/{fid}/budgets/{id}",
            item(read("getBudget", "budgets", "A budget"), "The budget's id")
                .answers::<BudgetResponse>(200, "The budget"),
        ),
        R::patch(
            "/api/v1/families/{fid}/budgets/{id}",
            item(
                write("updateBudget", "budgets", "Change a budget"),
                "The budget's id",
            )
            .json_body::<BudgetUpdateRequest>()
            .answers::<BudgetResponse>(200, "The budget")
            .problem(409, &[codes::NAME_TAKEN]),
        ),
        R::delete(
            "/api/v1/families/{fid}/budgets/{id}",
            item(
                change("deleteBudget", "budgets", "Delete a budget"),
                "The budget's id",
            )
            .answers_empty(204, "Deleted"),
        ),
        // Goals.
        R::get(
            "/api/v1/families/{fid}/goals",
            read("listGoals", "goals", "The family's goals")
                .answers::<GoalListResponse>(200, "The goals"),
        ),
        R::post(
            "/api/v1/families/{fid}/goals",
            write("createGoal", "goals", "A new goal")
                .json_body::<NewGoalRequest>()
                .answers::<GoalResponse>(201, "The goal"),
        ),
        R::get(
            "/api/v1/families/{fid}/goals/{id}",
            item(read("getGoal", "goals", "A goal"), "The goal's id")
                .answers::<GoalResponse>(200, "The goal"),
        ),
        R::patch(
            "/api/v1/families/{fid}/goals/{id}",
            item(
                write("updateGoal", "goals", "Change a goal"),
                "The goal's id",
            )
            .json_body::<GoalUpdateRequest>()
            .answers::<GoalResponse>(200, "The goal"),
        ),
        R::delete(
            "/api/v1/families/{fid}/goals/{id}",
            item(
                change("deleteGoal", "goals", "Delete a goal"),
                "The goal's id",
            )
            .answers_empty(204, "Deleted"),
        ),
        R::post(
            "/api/v1/families/{fid}/goals/{id}/contributions",
            item(
                write(
                    "contributeToGoal",
                    "goals",
                    "Put money toward a goal, or take it back",
                ),
                "The goal's id",
            )
            .json_body::<ContributionRequest>()
            .answers::<ContributionResponse>(201, "The contribution"),
        ),
        // Reports.
        R::get(
            "/api/v1/families/{fid}/reports/summary",
            period(read(
                "reportSummary",
                "reports",
                "Incomes and expenses by currency and category",
            ))
            .answers::<SummaryResponse>(200, "The summary"),
        ),
        R::get(
            "/api/v1/families/{fid}/reports/transactions.csv",
            period(read(
                "exportTransactions",
                "reports",
                "The period's transactions as CSV, oldest first",
            ))
            .answers_text(
                200,
                &["text/csv"],
                "RFC 4180, UTF-8, lines ending CRLF, header \
                 date,kind,account,to_account,category,amount,currency,to_amount,note,created_by",
            ),
        ),
    ]
}
