//! The family's money from Telegram: recording in every form, the balance,
//! history and undo, an update handled twice, the finance service down.

use bot_service::replies;
use reqwest::Method;
use serde_json::json;
use test_support::ProxyMode;

use crate::helpers::{button, world};

const ANN: i64 = 9_990_001;

#[tokio::test]
async fn a_person_records_in_every_form_and_the_balance_is_exact() {
    let world = world().await;
    world.say(ANN, "/register").await;

    let first = world.say(ANN, "/add 12,50 groceries milk and eggs").await;
    assert_eq!(
        first.text,
        "I opened a Cash account in EUR for you.\n\
         Recorded an expense: 12.50 EUR, Groceries, from Cash.\n\
         Note: milk and eggs"
    );
    let income = world.say(ANN, "/income 1000 salary").await;
    assert_eq!(
        income.text,
        "Recorded an income: 1000.00 EUR, Salary, to Cash."
    );
    let quick = world.say(ANN, "250 eat lunch with Bob").await;
    assert_eq!(
        quick.text,
        "Recorded an expense: 250.00 EUR, Eating out, from Cash.\nNote: lunch with Bob"
    );
    let minus = world.say(ANN, "-3+4.5 GROCERIES").await;
    assert!(
        minus
            .text
            .starts_with("Recorded an expense: 7.50 EUR, Groceries"),
        "{}",
        minus.text
    );
    let plus = world.say(ANN, "+5000 salary May").await;
    assert!(
        plus.text
            .starts_with("Recorded an income: 5000.00 EUR, Salary"),
        "{}",
        plus.text
    );
    let product = world.say(ANN, "12*3 transport").await;
    assert!(
        product
            .text
            .starts_with("Recorded an expense: 36.00 EUR, Transport"),
        "{}",
        product.text
    );

    assert_eq!(
        world.transactions().await,
        [
            "expense 1250 milk and eggs",
            "income 100000",
            "expense 25000 lunch with Bob",
            "expense 750",
            "income 500000 May",
            "expense 3600",
        ]
    );
    // -12.50 + 1000 - 250 - 7.50 + 5000 - 36
    let balance = world.say(ANN, "/balance").await;
    assert_eq!(
        balance.text,
        "Balances:\nCash: 5694.00 EUR\nTotal: 5694.00 EUR"
    );

    let history = world.say(ANN, "/history 2").await;
    assert!(history.text.starts_with("The last 2:"), "{}", history.text);
    assert!(
        history.text.contains("-36.00 EUR · Transport · Cash"),
        "{}",
        history.text
    );
    assert!(
        history.text.contains("+5000.00 EUR · Salary · Cash · May"),
        "{}",
        history.text
    );
    assert!(!history.text.contains("Eating out"), "{}", history.text);
}

#[tokio::test]
async fn what_the_bot_cannot_read_gets_one_line_and_records_nothing() {
    let world = world().await;
    world.say(ANN, "/register").await;

    let unknown = world.say(ANN, "250 coffee").await;
    assert!(
        unknown
            .text
            .starts_with("I have no expense category “coffee”. Which one is it?"),
        "{}",
        unknown.text
    );
    assert!(button(&unknown, "Groceries").is_some());
    let several = world.say(ANN, "/add 5 e").await;
    assert!(
        several.text.starts_with("“e” could be several categories."),
        "{}",
        several.text
    );
    assert!(button(&several, "Eating out").is_some());
    assert!(button(&several, "Groceries").is_none());
    let unreadable = world.say(ANN, "250- groceries").await;
    assert!(
        unreadable.text.starts_with("I can't read the amount 250-"),
        "{}",
        unreadable.text
    );
    let too_precise = world.say(ANN, "/add 1.255 groceries").await;
    assert!(
        too_precise
            .text
            .starts_with("I can't read the amount 1.255 in EUR"),
        "{}",
        too_precise.text
    );
    let nothing = world.say(ANN, "/add").await;
    assert!(
        nothing
            .text
            .starts_with("I expected an amount and a category"),
        "{}",
        nothing.text
    );
    let history = world.say(ANN, "/history lots").await;
    assert_eq!(history.text, replies::history_count(50));
    for reply in [
        &unknown,
        &several,
        &unreadable,
        &too_precise,
        &nothing,
        &history,
    ] {
        assert!(
            !reply.text.trim().contains("\n"),
            "one line: {}",
            reply.text
        );
    }
    assert!(world.transactions().await.is_empty());
    assert_eq!(world.say(ANN, "/history").await.text, replies::NO_HISTORY);
}

#[tokio::test]
async fn money_commands_in_a_chat_that_is_not_signed_in_point_to_register() {
    let world = world().await;
    for text in ["250 groceries", "/balance", "/undo", "/history"] {
        assert_eq!(
            world.say(ANN, text).await.text,
            replies::NOT_SIGNED_IN,
            "{text}"
        );
    }
}

#[tokio::test]
async fn undo_removes_the_last_transactions_recorded_here_one_at_a_time() {
    let world = world().await;
    world.say(ANN, "/register").await;
    world.say(ANN, "100 groceries").await;
    world.say(ANN, "7,50 transport bus").await;

    let undo = world.say(ANN, "/undo").await;
    assert_eq!(
        undo.text,
        "Removed the expense of 7.50 EUR, Transport (bus)."
    );
    assert_eq!(world.transactions().await, ["expense 10000"]);
    let undo = world.say(ANN, "/undo").await;
    assert_eq!(undo.text, "Removed the expense of 100.00 EUR, Groceries.");
    assert_eq!(world.say(ANN, "/undo").await.text, replies::NOTHING_TO_UNDO);
    assert!(world.transactions().await.is_empty());
    let balance = world.say(ANN, "/balance").await;
    assert_eq!(balance.text, "Balances:\nCash: 0.00 EUR\nTotal: 0.00 EUR");
}

#[tokio::test]
async fn an_update_handled_again_after_a_restart_records_once() {
    let mut world = world().await;
    world.say(ANN, "/register").await;
    let before = world.telegram.sent_to(ANN).len();
    let update_id = world.telegram.user_sends(ANN, "42 groceries");
    let first = world.next_message(ANN, before).await;
    assert!(
        first.text.contains("42.00 EUR, Groceries"),
        "{}",
        first.text
    );
    let undo_update = world.telegram.user_sends(ANN, "/undo");
    world.next_message(ANN, before + 1).await;
    world.say(ANN, "9 groceries").await;

    // The bot stopped after the writes but before it marked the updates
    // handled; Telegram delivers them again to the restarted bot.
    world.stop_bot().await;
    let mut redis = world.bot_redis.connect().await;
    let _: () = redis::cmd("DEL")
        .arg(format!(
            "{}handled:{}:{update_id}",
            world.bot_redis.prefix(),
            test_support::FAKE_BOT_ID
        ))
        .arg(format!(
            "{}handled:{}:{undo_update}",
            world.bot_redis.prefix(),
            test_support::FAKE_BOT_ID
        ))
        .query_async(&mut redis)
        .await
        .expect("DEL");
    let sent = world.telegram.sent_to(ANN).len();
    world.telegram.deliver_again(update_id);
    world.telegram.deliver_again(undo_update);
    world.start_bot();
    let replies = world
        .telegram
        .wait_for_messages(ANN, sent + 2, crate::helpers::REPLY_WITHIN)
        .await;
    assert!(
        replies[sent].text.contains("42.00 EUR, Groceries"),
        "{}",
        replies[sent].text
    );
    assert_eq!(replies[sent + 1].text, replies::ALREADY_REMOVED);
    // The 42 was recorded once and removed once; the 9 is untouched.
    assert_eq!(world.transactions().await, ["expense 900"]);
    let balance = world.say(ANN, "/balance").await;
    assert_eq!(balance.text, "Balances:\nCash: -9.00 EUR\nTotal: -9.00 EUR");
}

#[tokio::test]
async fn the_confirmation_shows_the_budget_and_its_alerts() {
    let world = world().await;
    world.say(ANN, "/register").await;
    world.say(ANN, "10 groceries").await;
    let token = world.access_token(ANN).await;
    let families = world.finance(&token, Method::GET, "/families", None).await;
    let family = families["items"][0]["id"]
        .as_str()
        .expect("a family")
        .to_owned();
    let categories = world
        .finance(
            &token,
            Method::GET,
            &format!("/families/{family}/categories"),
            None,
        )
        .await;
    let groceries = categories["items"]
        .as_array()
        .expect("categories")
        .iter()
        .find(|c| c["name"] == "Groceries")
        .expect("Groceries")["id"]
        .clone();
    world
        .finance(
            &token,
            Method::POST,
            &format!("/families/{family}/budgets"),
            Some(json!({"category_id": groceries, "limit": "400"})),
        )
        .await;

    let reply = world.say(ANN, "310 groceries").await;
    assert_eq!(
        reply.text,
        "Recorded an expense: 310.00 EUR, Groceries, from Cash.\n\
         Groceries: 320.00 of 400.00 EUR, 80%\n\
         ⚠️ Groceries has used 80% of its budget: 320.00 of 400.00 EUR."
    );
    let over = world.say(ANN, "100 groceries").await;
    assert!(
        over.text.ends_with(
            "Groceries: 420.00 of 400.00 EUR, 105%\n\
             ⚠️ Groceries is at or over its budget: 420.00 of 400.00 EUR."
        ),
        "{}",
        over.text
    );
    // No budget on the category: no budget line.
    let other = world.say(ANN, "5 transport").await;
    assert_eq!(
        other.text,
        "Recorded an expense: 5.00 EUR, Transport, from Cash."
    );
}

#[tokio::test]
async fn while_the_finance_service_is_down_nothing_is_recorded_and_then_it_works_again() {
    let world = world().await;
    world.say(ANN, "/register").await;
    world.say(ANN, "1 groceries").await;
    world.finance_proxy.set_mode(ProxyMode::Refuse);
    for text in ["250 groceries", "/balance", "/undo"] {
        let reply = world.say(ANN, text).await;
        assert_eq!(reply.text, replies::FINANCE_UNAVAILABLE, "{text}");
    }
    assert_eq!(world.transactions().await, ["expense 100"]);

    world.finance_proxy.set_mode(ProxyMode::Forward);
    let reply = world.say(ANN, "250 groceries").await;
    assert!(
        reply.text.starts_with("Recorded an expense: 250.00 EUR"),
        "{}",
        reply.text
    );
    assert_eq!(world.transactions().await, ["expense 100", "expense 25000"]);
    assert_eq!(world.accounts().await, 1);
}
