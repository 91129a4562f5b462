//! Budgets, goals, the lists and the report from Telegram.

use bot_service::replies;

use crate::helpers::world;

const CAT: i64 = 9_990_301;

#[tokio::test]
async fn budgets_and_goals_are_set_and_listed_with_exact_sums() {
    let world = world().await;
    world.say(CAT, "/register").await;
    world.say(CAT, "100 groceries").await;

    let none = world.say(CAT, "/budget").await;
    assert!(none.text.starts_with("No budgets yet."), "{}", none.text);
    let set = world.say(CAT, "/budget groceries 400").await;
    assert_eq!(
        set.text,
        "Budget for Groceries: 400.00 EUR a month.\nThis month: 100.00 of 400.00 EUR, 25%"
    );
    let changed = world.say(CAT, "/budget GROC 250,5").await;
    assert_eq!(
        changed.text,
        "Budget for Groceries: 250.50 EUR a month.\nThis month: 100.00 of 250.50 EUR, 39%"
    );
    let eating = world.say(CAT, "/budget eating out 50").await;
    assert!(
        eating.text.starts_with("Budget for Eating out: 50.00 EUR"),
        "{}",
        eating.text
    );
    let list = world.say(CAT, "/budget").await;
    assert!(list.text.starts_with("Budgets from "), "{}", list.text);
    assert!(
        list.text.contains("\nGroceries: 100.00 of 250.50 EUR, 39%"),
        "{}",
        list.text
    );
    assert!(
        list.text.contains("\nEating out: 0.00 of 50.00 EUR, 0%"),
        "{}",
        list.text
    );
    let unknown = world.say(CAT, "/budget coffee 10").await;
    assert!(
        unknown
            .text
            .starts_with("I have no expense category “coffee”. Budgets go on one of: "),
        "{}",
        unknown.text
    );
    let unreadable = world.say(CAT, "/budget groceries lots").await;
    assert!(
        unreadable.text.starts_with("I can't read the limit lots"),
        "{}",
        unreadable.text
    );
    assert_eq!(
        world.say(CAT, "/budget 400").await.text,
        replies::BUDGET_USAGE
    );

    let none = world.say(CAT, "/goal").await;
    assert!(none.text.starts_with("No goals yet."), "{}", none.text);
    let made = world.say(CAT, "/goal new 1000 Summer holiday").await;
    assert_eq!(
        made.text,
        "New goal: Summer holiday, 1000.00 EUR. Save toward it with /goal summer holiday +50."
    );
    let saved = world.say(CAT, "/goal summer +150,5").await;
    assert_eq!(
        saved.text,
        "Summer holiday: 150.50 of 1000.00 EUR saved, 15%"
    );
    let back = world.say(CAT, "/goal summer holiday -0.5").await;
    assert_eq!(
        back.text,
        "Summer holiday: 150.00 of 1000.00 EUR saved, 15%"
    );
    let too_much = world.say(CAT, "/goal summer -500").await;
    assert_eq!(
        too_much.text,
        "I can't take that much from Summer holiday: it has 150.00 EUR saved."
    );
    let unknown = world.say(CAT, "/goal car +5").await;
    assert_eq!(
        unknown.text,
        "I have no goal “car”. The goals are: Summer holiday."
    );
    assert_eq!(
        world.say(CAT, "/goal summer 5").await.text,
        replies::GOAL_USAGE
    );
    assert_eq!(
        world.say(CAT, "/goal").await.text,
        "Goals:\nSummer holiday: 150.00 of 1000.00 EUR saved, 15%"
    );
}

#[tokio::test]
async fn accounts_categories_and_the_month_report() {
    let world = world().await;
    world.say(CAT, "/register").await;
    world.say(CAT, "100 groceries").await;
    world.say(CAT, "12,25 transport").await;
    world.say(CAT, "+1000 salary").await;
    world.say(CAT, "/budget groceries 80").await;

    assert_eq!(
        world.say(CAT, "/accounts").await.text,
        "Accounts:\nCash (cash): 887.75 EUR"
    );
    let categories = world.say(CAT, "/categories").await;
    assert!(
        categories
            .text
            .starts_with("Expense categories: Groceries, ")
            || categories.text.starts_with("Expense categories: "),
        "{}",
        categories.text
    );
    let (expense, income) = categories
        .text
        .split_once("\nIncome categories: ")
        .expect("two lines");
    assert!(expense.contains("Groceries") && !expense.contains("Salary"));
    assert!(income.contains("Salary") && !income.contains("Groceries"));

    let report = world.say(CAT, "/report").await;
    let lines: Vec<&str> = report.text.lines().collect();
    assert!(lines[0].starts_with("Personal, "), "{}", report.text);
    assert_eq!(
        lines[1..],
        [
            "EUR: income 1000.00, expenses 112.25, net 887.75",
            "• Groceries: 100.00 of 80.00 (125%)",
            "• Transport: 12.25",
        ],
        "{}",
        report.text
    );
    // The chart came just before the text: a PNG, one row per expense category.
    let photos = world.telegram.photos_to(CAT);
    assert_eq!(photos.len(), 1);
    assert_eq!(&photos[0].bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(photos[0].message_id, report.message_id - 1);
    let height = u32::from_be_bytes(photos[0].bytes[20..24].try_into().expect("a height"));
    assert_eq!(height, 60 + 2 * 44 + 20);
    // Telegram refuses the picture: the text comes all the same.
    world
        .telegram
        .fail_next("sendPhoto", test_support::Failure::BadGateway, 1);
    let again = world.say(CAT, "/report").await;
    assert_eq!(again.text, report.text);
    assert_eq!(world.telegram.photos_to(CAT).len(), 1);
    let old = world.say(CAT, "/report 2020-01").await;
    assert_eq!(
        old.text,
        "Personal, 2020-01-01 to 2020-01-31:\nNo incomes or expenses."
    );
    assert_eq!(
        world.say(CAT, "/report 2026-13").await.text,
        replies::REPORT_USAGE
    );
    // Nothing to draw for an empty month.
    assert_eq!(world.telegram.photos_to(CAT).len(), 1);
}
