//! Every text the bot sends, in one place (so they can be translated).

use std::collections::BTreeMap;

use money::{Currency, format_amount};

use uuid::Uuid;

use crate::api::finance::{
    Account, BudgetAlert, BudgetStatus, Category, Family, Goal, Member, MonthStatus, Summary,
    Transaction,
};
use crate::commands::entry::{EntryProblem, Kind};

pub const WELCOME: &str = "Hi! I'm Finance Bot: I help your family keep track of its money.\n\n\
Tap Register to start with your Telegram account, or Link account if you already \
have an account on the web.";
pub const BUTTON_REGISTER: &str = "Register";
pub const BUTTON_LINK: &str = "Link account";

pub const UNAVAILABLE: &str = "Sorry, I'm temporarily unavailable. Please try again in a minute.";
pub const NOT_SIGNED_IN: &str = "This chat is not signed in. Send /register to create your account \
(or sign in to the one you already have).";
pub const SIGNED_OUT: &str = "You are signed out in this chat. Send /register to sign in again.";
pub const PRIVATE_ONLY: &str =
    "Let's talk in a private chat: open a chat with me and send /start there.";
pub const PLAIN_TEXT: &str = "I understand commands. Send /help to see what I can do.";

pub fn registered(created: bool, name: &str) -> String {
    if created {
        format!(
            "Welcome, {name}! Your account is ready. Send /me to see it, or /link to connect it to an account on the web."
        )
    } else {
        format!("Welcome back, {name}! You are signed in to your existing account.")
    }
}

pub fn link(url: &str, minutes: u64) -> String {
    format!(
        "Open this link to connect this Telegram account to your account on the web \
(sign in or sign up there first if needed):\n\n{url}\n\nThe link works once and expires in {minutes} minutes."
    )
}

pub fn me(user: &auth_types::dto::UserResponse) -> String {
    let name = user.display_name.as_deref().unwrap_or("(no name)");
    match &user.email {
        Some(email) => {
            let verified = if user.email_verified {
                "verified"
            } else {
                "not verified yet"
            };
            format!("Signed in as {name}.\nLinked to the email account {email} ({verified}).")
        }
        None => format!(
            "Signed in as {name}.\nTelegram-only account: send /link to connect it to an email account on the web."
        ),
    }
}

pub fn unknown_command(command: &str) -> String {
    format!("I don't know the command /{command}. Send /help to see what I can do.")
}

pub fn help(commands: &[(&str, &str)]) -> String {
    let mut text = String::from("Here is what I can do:\n");
    for (command, description) in commands {
        text.push_str(&format!("\n/{command} — {description}"));
    }
    text.push_str("\n\n");
    text.push_str(QUICK_ENTRIES);
    text
}

// --- The family's money -------------------------------------------------------

pub const FINANCE_UNAVAILABLE: &str = "I can't reach your family's money records right now, so nothing was recorded or changed. Please try again in a minute.";
pub const VIEWER: &str = "You can see this family's money but not change it (you are a viewer).";
pub const NO_FAMILY: &str = "You are not in any family yet. Ask a member for an invite link.";
pub const NO_HISTORY: &str =
    "No transactions yet. Record one by sending an amount and a category, e.g. 12.50 groceries.";
pub const NOTHING_TO_UNDO: &str =
    "Nothing to undo: you have recorded nothing from this chat lately.";
pub const ALREADY_REMOVED: &str = "That transaction was removed already.";
/// The line `/help` adds under the commands.
pub const QUICK_ENTRIES: &str = "Or just send an amount and a category: 12.50 groceries milk \
(an expense), +5000 salary (an income). Amounts take . or , and sums like 3+4.5.";

/// An amount read from a decimal string of the contract, in minor units.
fn minor(amount: &str, currency: Currency) -> i128 {
    money::expression::evaluate_minor(amount, currency).unwrap_or(0)
}

fn currency_of(code: &str) -> Option<Currency> {
    Currency::parse(code).ok()
}

/// `amount` + `carried_over`, written in `currency`.
fn sum(a: &str, b: &str, code: &str) -> String {
    match currency_of(code) {
        Some(currency) => format_amount(minor(a, currency) + minor(b, currency), currency),
        None => a.to_owned(),
    }
}

pub fn entry_problem(problem: &EntryProblem, currency: Option<Currency>) -> String {
    match (problem, currency) {
        (EntryProblem::NoAmount, _) => {
            "I expected an amount and a category, e.g. /add 12.50 groceries milk, or just 12.50 groceries."
                .to_owned()
        }
        (EntryProblem::NotPositive(amount), _) => format!(
            "I can't record {amount}: the amount must be more than zero (send +5000 salary for an income)."
        ),
        (EntryProblem::Unreadable(amount), Some(currency)) => format!(
            "I can't read the amount {amount} in {}: I expected a number with at most {} decimals, like 12.50, or a sum like 3+4.5.",
            currency.code(),
            currency.exponent()
        ),
        (EntryProblem::Unreadable(amount), None) => format!(
            "I can't read the amount {amount}: I expected a number like 12.50 or 12,50, or a sum like 3+4.5, then a category."
        ),
    }
}

pub fn no_category(kind: Kind, words: &str, names: &[&str]) -> String {
    let kind = match kind {
        Kind::Expense => "expense",
        Kind::Income => "income",
    };
    let first = words.split_whitespace().next();
    let opening = match first {
        Some(word) => format!("I have no {kind} category “{word}”."),
        None => format!("Which {kind} category?"),
    };
    format!(
        "{opening} Send the entry again with one of: {}.",
        names.join(", ")
    )
}

/// The question over the category buttons when the words name none.
pub fn choose_category(kind: Kind, word: Option<&str>) -> String {
    let kind = match kind {
        Kind::Expense => "expense",
        Kind::Income => "income",
    };
    match word {
        Some(word) => format!("I have no {kind} category “{word}”. Which one is it?"),
        None => format!("Which {kind} category?"),
    }
}

/// The question over the category buttons when the words name several.
pub fn choose_among(word: &str) -> String {
    format!("“{word}” could be several categories. Which one?")
}

pub fn button_new_category(name: &str) -> String {
    format!("➕ New: {name}")
}

pub const CHOOSE_ACCOUNT: &str = "Which account?";
pub const CHOICE_EXPIRED: &str =
    "That choice has expired, so nothing was recorded. Please send the entry again.";
pub const EDIT_NOT_RECORDED: &str = "I recorded nothing for that message, so there is nothing to change. Send the entry again as a new message.";
pub const EDIT_KIND: &str =
    "I can't turn an expense into an income or back by an edit: /undo it and send it again.";

pub fn several_categories(word: &str, names: &[&str]) -> String {
    format!(
        "“{word}” could be {}. Send the entry again with more of the name.",
        names.join(" or ")
    )
}

pub fn recorded(
    transaction: &Transaction,
    category: &str,
    account: &Account,
    opened: bool,
    budget: Option<&BudgetStatus>,
) -> String {
    let mut text = String::new();
    if opened {
        text.push_str(&format!(
            "I opened a {} account in {} for you.\n",
            account.name, account.currency
        ));
    }
    let (what, direction) = if transaction.kind == "income" {
        ("an income", "to")
    } else {
        ("an expense", "from")
    };
    text.push_str(&format!(
        "Recorded {what}: {} {}, {category}, {direction} {}.",
        transaction.amount, transaction.currency, account.name
    ));
    if let Some(note) = &transaction.note {
        text.push_str(&format!("\nNote: {note}"));
    }
    if let Some(budget) = budget {
        text.push_str(&format!(
            "\n{category}: {} of {} {}, {}%",
            budget.spent,
            sum(&budget.limit, &budget.carried_over, &budget.currency),
            budget.currency,
            budget.percent
        ));
    }
    for alert in &transaction.budget_alerts {
        text.push_str(&if alert.threshold >= 100 {
            format!(
                "\n⚠️ {category} is at or over its budget: {} of {} {}.",
                alert.spent, alert.limit, transaction.currency
            )
        } else {
            format!(
                "\n⚠️ {category} has used {}% of its budget: {} of {} {}.",
                alert.threshold, alert.spent, alert.limit, transaction.currency
            )
        });
    }
    text
}

pub fn balance(accounts: &[Account]) -> String {
    if accounts.is_empty() {
        return "No accounts yet. Record an expense (e.g. 12.50 groceries) and I'll open a Cash account."
            .to_owned();
    }
    let mut text = String::from("Balances:");
    let mut totals: BTreeMap<&str, i128> = BTreeMap::new();
    for account in accounts {
        text.push_str(&format!(
            "\n{}: {} {}",
            account.name, account.balance, account.currency
        ));
        if let Some(currency) = currency_of(&account.currency) {
            *totals.entry(&account.currency).or_default() += minor(&account.balance, currency);
        }
    }
    for (code, total) in totals {
        if let Some(currency) = currency_of(code) {
            text.push_str(&format!(
                "\nTotal: {} {code}",
                format_amount(total, currency)
            ));
        }
    }
    text
}

pub fn history_count(max: u32) -> String {
    format!("I expected a number of transactions from 1 to {max}, e.g. /history 20.")
}

/// `occurred_at` (RFC 3339) as the local date and time in `time_zone` (an
/// IANA name; UTC when unknown).
pub fn local_time(occurred_at: &str, time_zone: &str) -> String {
    let Ok(at) = occurred_at.parse::<jiff::Timestamp>() else {
        return occurred_at.chars().take(10).collect();
    };
    let zone = jiff::tz::TimeZone::get(time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    at.to_zoned_datetime(zone)
        .strftime("%Y-%m-%d %H:%M")
        .to_string()
}

pub fn history(
    transactions: &[Transaction],
    categories: &[Category],
    accounts: &[Account],
    time_zone: &str,
) -> String {
    let mut text = format!("The last {}:", transactions.len());
    for (number, transaction) in transactions.iter().enumerate() {
        let sign = match transaction.kind.as_str() {
            "income" => "+",
            "expense" => "-",
            _ => "",
        };
        let category = transaction
            .category_id
            .and_then(|id| categories.iter().find(|c| c.id == id))
            .map_or("transfer", |c| c.name.as_str());
        let account = accounts
            .iter()
            .find(|a| a.id == transaction.account_id)
            .map_or("?", |a| a.name.as_str());
        let day = local_time(&transaction.occurred_at, time_zone);
        text.push_str(&format!(
            "\n{}. {day} {sign}{} {} · {category} · {account}",
            number + 1,
            transaction.amount,
            transaction.currency
        ));
        if let Some(note) = &transaction.note {
            text.push_str(&format!(" · {note}"));
        }
    }
    text
}

pub fn button_delete(number: usize) -> String {
    format!("🗑 {number}")
}

pub fn removed(transaction: &Transaction, category: Option<&str>) -> String {
    let what = if transaction.kind == "income" {
        "income"
    } else {
        "expense"
    };
    let mut text = format!(
        "Removed the {what} of {} {}",
        transaction.amount, transaction.currency
    );
    if let Some(category) = category {
        text.push_str(&format!(", {category}"));
    }
    if let Some(note) = &transaction.note {
        text.push_str(&format!(" ({note})"));
    }
    text.push('.');
    text
}

// --- The family ---------------------------------------------------------------

pub const BUTTON_INVITE: &str = "➕ Invite someone";
pub const NOT_A_MEMBER: &str = "You are no longer in that family. Send /family to see yours.";
pub const OWNERS_ONLY: &str = "Only an owner of the family can do that.";
pub const JOIN_USAGE: &str =
    "I expected an invite code, e.g. /join AbC123 (or open the invite link you were sent).";
pub const INVITE_INVALID: &str = "That invite is not valid: it was used, it expired, or the code is mistyped. Ask for a new one.";

pub fn button_switch(name: &str) -> String {
    format!("Switch to {name}")
}

pub fn family(families: &[Family], current: Uuid, members: &[Member]) -> String {
    let mut text = String::from("Your families:");
    for family in families {
        let mark = if family.id == current {
            " ← this chat"
        } else {
            ""
        };
        text.push_str(&format!("\n• {} ({}){mark}", family.name, family.role));
    }
    let name = families
        .iter()
        .find(|f| f.id == current)
        .map_or("", |f| f.name.as_str());
    text.push_str(&format!("\n\nMembers of {name}:"));
    for member in members {
        text.push_str(&format!(
            "\n• {} — {}",
            member.display_name.as_deref().unwrap_or("(no name)"),
            member.role
        ));
    }
    text
}

pub fn invite(family: &str, role: &str, deep_link: &str, web_link: &str) -> String {
    format!(
        "An invite to {family} as a {role}. Send one of these links to the person joining:\n\n\
         In Telegram: {deep_link}\nOn the web: {web_link}\n\nIt works once, within 7 days."
    )
}

pub fn joined(family: &str, role: &str) -> String {
    format!(
        "You joined {family} as a {role}. What you record here now goes to {family}; /family switches."
    )
}

/// Who recorded something, when the family has no name for them.
pub const SOMEONE: &str = "Someone";

/// To the other members who asked for every expense.
pub fn family_expense(
    who: &str,
    family: &str,
    transaction: &Transaction,
    category: &str,
) -> String {
    let mut text = format!(
        "{who} recorded an expense in {family}: {} {}, {category}.",
        transaction.amount, transaction.currency
    );
    if let Some(note) = &transaction.note {
        text.push_str(&format!(" Note: {note}"));
    }
    text
}

/// A budget alert, to the other members.
pub fn family_alert(
    who: &str,
    family: &str,
    category: &str,
    alert: &BudgetAlert,
    currency: &str,
) -> String {
    if alert.threshold >= 100 {
        format!(
            "⚠️ {family}: {category} is at or over its budget: {} of {} {currency} (after {who}'s expense).",
            alert.spent, alert.limit
        )
    } else {
        format!(
            "⚠️ {family}: {category} has used {}% of its budget: {} of {} {currency} (after {who}'s expense).",
            alert.threshold, alert.spent, alert.limit
        )
    }
}

// --- Settings -----------------------------------------------------------------

pub const SETTINGS_USAGE: &str = "I expected /settings, or one of: /settings alerts on|off, /settings every on|off, /settings account NAME, /settings currency EUR, /settings timezone Europe/Berlin, /settings payday 25.";
pub const PAYDAY_USAGE: &str = "I expected a payday from 1 to 28, e.g. /settings payday 25.";

pub fn no_account(name: &str, names: &[&str]) -> String {
    format!(
        "I have no account “{name}”. The accounts are: {}.",
        names.join(", ")
    )
}

pub fn setting_invalid(what: &str, value: &str) -> String {
    match what {
        "currency" => format!(
            "I can't set the currency to {value}: I expected an ISO code in capitals, like EUR or USD."
        ),
        "timezone" => format!(
            "I can't set the time zone to {value}: I expected a name like Europe/Berlin or UTC."
        ),
        _ => format!("I can't set the {what} to {value}."),
    }
}

pub fn button_alerts(on: bool) -> String {
    if on {
        "Turn budget alerts off".to_owned()
    } else {
        "Turn budget alerts on".to_owned()
    }
}

pub fn button_every(on: bool) -> String {
    if on {
        "Stop telling me every expense".to_owned()
    } else {
        "Tell me every expense".to_owned()
    }
}

pub fn settings(family: &Family, account: Option<&str>, alerts: bool, every: bool) -> String {
    let word = |on: bool| if on { "on" } else { "off" };
    format!(
        "Settings of {} (owners change these):\nCurrency: {}\nTime zone: {}\nPayday: {}\n\n\
         This chat:\nDefault account: {}\nBudget alerts from the family: {}\nEvery expense of the family: {}\n\n\
         Change with /settings currency USD, /settings timezone Europe/Berlin, /settings payday 25, \
         /settings account NAME, /settings alerts off, /settings every on.",
        family.name,
        family.base_currency,
        family.time_zone,
        family.month_start_day,
        account.unwrap_or("none (I ask when there are several)"),
        word(alerts),
        word(every),
    )
}

// --- Budgets, goals, lists, reports ------------------------------------------

pub const BUDGET_USAGE: &str = "I expected /budget to list the budgets, or /budget CATEGORY LIMIT, e.g. /budget groceries 400.";
pub const GOAL_USAGE: &str = "I expected /goal to list the goals, /goal new TARGET NAME (e.g. /goal new 1000 Holiday), or /goal NAME +AMOUNT (e.g. /goal holiday +50).";
pub const REPORT_USAGE: &str =
    "I expected /report, or /report YYYY-MM for another month, e.g. /report 2026-11.";

fn category_name(categories: &[Category], id: Uuid) -> &str {
    categories
        .iter()
        .find(|c| c.id == id)
        .map_or("?", |c| c.name.as_str())
}

/// `spent of limit CUR, p%` of a budget's status.
fn budget_state(status: &BudgetStatus) -> String {
    format!(
        "{} of {} {}, {}%",
        status.spent,
        sum(&status.limit, &status.carried_over, &status.currency),
        status.currency,
        status.percent
    )
}

pub fn budgets(status: &MonthStatus, categories: &[Category]) -> String {
    if status.items.is_empty() {
        return format!("No budgets yet. {BUDGET_USAGE}");
    }
    let mut text = format!(
        "Budgets from {} to {}:",
        status.period.from, status.period.to
    );
    for item in &status.items {
        text.push_str(&format!(
            "\n{}: {}",
            category_name(categories, item.category_id),
            budget_state(item)
        ));
    }
    text
}

pub fn no_budget_category(words: &str, names: &[&str]) -> String {
    format!(
        "I have no expense category “{words}”. Budgets go on one of: {}.",
        names.join(", ")
    )
}

pub fn limit_unreadable(limit: &str, currency: Currency) -> String {
    format!(
        "I can't read the limit {limit}: I expected an amount more than zero in {} with at most {} decimals, like 400 or 150.50.",
        currency.code(),
        currency.exponent()
    )
}

pub fn budget_set(
    category: &str,
    limit: &str,
    currency: &str,
    state: Option<&BudgetStatus>,
) -> String {
    let mut text = format!("Budget for {category}: {limit} {currency} a month.");
    if let Some(state) = state {
        text.push_str(&format!("\nThis month: {}", budget_state(state)));
    }
    text
}

pub fn goals(goals: &[Goal]) -> String {
    if goals.is_empty() {
        return format!("No goals yet. {GOAL_USAGE}");
    }
    let mut text = String::from("Goals:");
    for goal in goals {
        text.push('\n');
        text.push_str(&goal_line(goal));
    }
    text
}

pub fn goal_line(goal: &Goal) -> String {
    format!(
        "{}: {} of {} {} saved, {}%",
        goal.name, goal.saved, goal.target, goal.currency, goal.progress_percent
    )
}

pub fn goal_made(goal: &Goal) -> String {
    format!(
        "New goal: {}, {} {}. Save toward it with /goal {} +50.",
        goal.name,
        goal.target,
        goal.currency,
        goal.name.to_lowercase()
    )
}

pub fn no_goal(name: &str, names: &[&str]) -> String {
    if names.is_empty() {
        return format!("I have no goal “{name}”: there are no goals yet. {GOAL_USAGE}");
    }
    format!(
        "I have no goal “{name}”. The goals are: {}.",
        names.join(", ")
    )
}

pub fn goal_too_much(goal: &Goal) -> String {
    format!(
        "I can't take that much from {}: it has {} {} saved.",
        goal.name, goal.saved, goal.currency
    )
}

pub fn accounts(accounts: &[Account]) -> String {
    if accounts.is_empty() {
        return "No accounts yet. Record an expense (e.g. 12.50 groceries) and I'll open a Cash account.".to_owned();
    }
    let mut text = String::from("Accounts:");
    for account in accounts {
        text.push_str(&format!(
            "\n{} ({}): {} {}",
            account.name, account.kind, account.balance, account.currency
        ));
        if account.archived {
            text.push_str(", archived");
        }
    }
    text
}

pub fn categories(categories: &[Category]) -> String {
    let names = |kind: &str| {
        categories
            .iter()
            .filter(|c| c.kind == kind && !c.archived)
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "Expense categories: {}\nIncome categories: {}",
        names("expense"),
        names("income")
    )
}

/// ⌊total × 100 / limit⌋, exact, when there is a limit above zero.
pub fn percent_of(total: &str, limit: &str, code: &str) -> Option<i128> {
    let currency = currency_of(code)?;
    let limit = minor(limit, currency);
    (limit > 0).then(|| minor(total, currency) * 100 / limit)
}

pub fn report(family: &str, summary: &Summary) -> String {
    let mut text = format!("{family}, {} to {}:", summary.from, summary.to);
    if summary.currencies.is_empty() {
        text.push_str("\nNo incomes or expenses.");
    }
    for line in &summary.currencies {
        text.push_str(&format!(
            "\n{}: income {}, expenses {}, net {}",
            line.currency, line.income, line.expense, line.net
        ));
        for category in line.categories.iter().filter(|c| c.kind == "expense") {
            text.push_str(&format!("\n• {}: {}", category.name, category.total));
            if let Some(limit) = &category.budget_limit {
                text.push_str(&format!(" of {limit}"));
                if let Some(percent) = percent_of(&category.total, limit, &line.currency) {
                    text.push_str(&format!(" ({percent}%)"));
                }
            }
        }
    }
    text
}

pub fn chart_title(family: &str, from: &str, to: &str) -> String {
    format!("{family}: spending {from} to {to}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_in_the_family_time_zone() {
        let at = "2026-12-06T23:30:00.123456Z";
        assert_eq!(local_time(at, "Asia/Tokyo"), "2026-12-07 08:30");
        assert_eq!(local_time(at, "Europe/Berlin"), "2026-12-07 00:30");
        assert_eq!(local_time(at, "UTC"), "2026-12-06 23:30");
        assert_eq!(local_time(at, "Mars/Olympus"), "2026-12-06 23:30");
        assert_eq!(local_time("yesterday", "UTC"), "yesterday");
    }

    #[test]
    fn report_percentages_are_exact_and_floored() {
        assert_eq!(percent_of("111.50", "100.00", "EUR"), Some(111));
        assert_eq!(percent_of("100.00", "250.50", "EUR"), Some(39));
        assert_eq!(percent_of("1.00", "0.00", "EUR"), None);
        assert_eq!(percent_of("1", "3", "JPY"), Some(33));
    }
}
