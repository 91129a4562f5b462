//! Buttons and edits: the category and the account asked with inline
//! keyboards, a new category made from one, delete buttons under `/history`,
//! and an edited message changing its transaction.

use bot_service::replies;
use reqwest::Method;
use serde_json::json;
use test_support::ProxyMode;

use crate::helpers::{REPLY_WITHIN, button, buttons, world};

const BEA: i64 = 9_990_101;

#[tokio::test]
async fn an_unknown_category_is_asked_with_buttons_and_recorded_once_chosen() {
    let mut world = world().await;
    world.say(BEA, "/register").await;

    let question = world.say(BEA, "250 coffee beans").await;
    assert_eq!(
        question.text,
        "I have no expense category “coffee”. Which one is it?"
    );
    assert!(world.transactions().await.is_empty());
    let eating_out = button(&question, "Eating out").expect("an Eating out button");
    assert!(button(&question, "Salary").is_none(), "only expense ones");
    assert!(button(&question, "➕ New: Coffee").is_some());

    let done = world.press(BEA, question.message_id, &eating_out).await;
    // The question becomes the confirmation, without buttons.
    assert_eq!(done.message_id, question.message_id);
    assert_eq!(
        done.text,
        "I opened a Cash account in EUR for you.\n\
         Recorded an expense: 250.00 EUR, Eating out, from Cash.\n\
         Note: coffee beans"
    );
    assert!(buttons(&done).is_empty());
    assert_eq!(world.transactions().await, ["expense 25000 coffee beans"]);
    assert!(
        world
            .telegram
            .calls_of("answerCallbackQuery")
            .iter()
            .all(|c| c.status == 200)
    );

    // The same button again (a double tap): the confirmation stands and
    // nothing more is recorded (the press is handled before the /balance).
    world
        .telegram
        .user_presses(BEA, question.message_id, &eating_out);
    let balance = world.say(BEA, "/balance").await;
    assert_eq!(
        balance.text,
        "Balances:\nCash: -250.00 EUR\nTotal: -250.00 EUR"
    );
    assert_eq!(world.transactions().await.len(), 1);

    // The press handled again after a restart that lost what the bot knew of
    // its confirmation: the same write replays, the same confirmation is shown.
    let press = world
        .telegram
        .user_presses(BEA, question.message_id, &eating_out);
    world.say(BEA, "/balance").await;
    world.stop_bot().await;
    let mut redis = world.bot_redis.connect().await;
    let prefix = world.bot_redis.prefix().to_owned();
    let _: () = redis::cmd("DEL")
        .arg(format!(
            "{prefix}handled:{}:{press}",
            test_support::FAKE_BOT_ID
        ))
        .arg(format!("{prefix}message:{BEA}:{}", question.message_id - 1))
        .query_async(&mut redis)
        .await
        .expect("DEL");
    let before = world.telegram.sent_to(BEA).len();
    world.telegram.deliver_again(press);
    world.start_bot();
    world.telegram.user_sends(BEA, "/balance");
    let sent = world
        .telegram
        .wait_for_messages(BEA, before + 2, REPLY_WITHIN)
        .await;
    assert_eq!(sent[before].message_id, question.message_id);
    assert_eq!(
        sent[before].text,
        "Recorded an expense: 250.00 EUR, Eating out, from Cash.\nNote: coffee beans"
    );
    assert!(sent[before + 1].text.starts_with("Balances:"));
    assert_eq!(world.transactions().await.len(), 1);

    // A new category from the word, the rest as the note.
    let question = world.say(BEA, "12 snacks at the station").await;
    let new = button(&question, "➕ New: Snacks").expect("a New button");
    let done = world.press(BEA, question.message_id, &new).await;
    assert_eq!(
        done.text,
        "Recorded an expense: 12.00 EUR, Snacks, from Cash.\nNote: at the station"
    );
    let plain = world.say(BEA, "3 snacks").await;
    assert!(
        plain
            .text
            .starts_with("Recorded an expense: 3.00 EUR, Snacks"),
        "{}",
        plain.text
    );

    // Several matches: the choices are those names, the rest the note.
    let question = world.say(BEA, "5 e lunch").await;
    let mut labels: Vec<String> = buttons(&question).into_iter().map(|(t, _)| t).collect();
    labels.sort();
    assert_eq!(
        labels,
        ["Eating out", "Education", "Entertainment", "➕ New: E"],
        "{labels:?}"
    );
    let done = world
        .press(
            BEA,
            question.message_id,
            &button(&question, "Education").expect("that button"),
        )
        .await;
    assert_eq!(
        done.text,
        "Recorded an expense: 5.00 EUR, Education, from Cash.\nNote: lunch"
    );
    assert_eq!(
        world.transactions().await,
        [
            "expense 25000 coffee beans",
            "expense 1200 at the station",
            "expense 300",
            "expense 500 lunch",
        ]
    );
}

#[tokio::test]
async fn with_several_accounts_a_button_chooses_and_a_failed_choice_can_be_pressed_again() {
    let world = world().await;
    world.say(BEA, "/register").await;
    world.say(BEA, "1 groceries").await;
    let (family, token) = world.family_of(BEA).await;
    world
        .finance(
            &token,
            Method::POST,
            &format!("/families/{family}/accounts"),
            Some(json!({"name": "Card", "kind": "card"})),
        )
        .await;

    let question = world.say(BEA, "20 groceries").await;
    assert_eq!(question.text, replies::CHOOSE_ACCOUNT);
    let card = button(&question, "Card (EUR)").expect("a Card button");
    assert!(button(&question, "Cash (EUR)").is_some());
    let done = world.press(BEA, question.message_id, &card).await;
    assert_eq!(
        done.text,
        "Recorded an expense: 20.00 EUR, Groceries, from Card."
    );

    // Category, then account, on the same message; the finance service is
    // down at the last press: nothing is recorded, and pressing again works.
    let question = world.say(BEA, "7 coffee").await;
    let groceries = button(&question, "Groceries").expect("that button");
    let accounts = world.press(BEA, question.message_id, &groceries).await;
    assert_eq!(accounts.message_id, question.message_id);
    assert_eq!(accounts.text, replies::CHOOSE_ACCOUNT);
    let cash = button(&accounts, "Cash (EUR)").expect("that button");
    world.finance_proxy.set_mode(ProxyMode::Refuse);
    let down = world.press(BEA, question.message_id, &cash).await;
    assert_eq!(down.text, replies::FINANCE_UNAVAILABLE);
    world.finance_proxy.set_mode(ProxyMode::Forward);
    let done = world.press(BEA, question.message_id, &cash).await;
    assert_eq!(
        done.text,
        "Recorded an expense: 7.00 EUR, Groceries, from Cash.\nNote: coffee"
    );
    assert_eq!(
        world.transactions().await,
        ["expense 100", "expense 2000", "expense 700 coffee"]
    );
}

#[tokio::test]
async fn history_has_a_delete_button_per_transaction() {
    let world = world().await;
    world.say(BEA, "/register").await;
    world.say(BEA, "10 groceries").await;
    world.say(BEA, "20 transport").await;
    world.say(BEA, "30 groceries").await;

    let history = world.say(BEA, "/history").await;
    assert!(
        history.text.starts_with("The last 3:\n1. "),
        "{}",
        history.text
    );
    assert!(
        history.text.contains("\n2. ") && history.text.contains("-20.00 EUR · Transport"),
        "{}",
        history.text
    );
    let labels: Vec<String> = buttons(&history).into_iter().map(|(t, _)| t).collect();
    assert_eq!(labels, ["🗑 1", "🗑 2", "🗑 3"]);

    let second = button(&history, "🗑 2").expect("that button");
    let removed = world.press(BEA, history.message_id, &second).await;
    assert_eq!(removed.text, "Removed the expense of 20.00 EUR, Transport.");
    assert_eq!(world.transactions().await, ["expense 1000", "expense 3000"]);
    let again = world.press(BEA, history.message_id, &second).await;
    assert_eq!(again.text, replies::ALREADY_REMOVED);

    // /undo skips what a button removed: it takes the 30, then the 10.
    let undo = world.say(BEA, "/undo").await;
    assert_eq!(undo.text, "Removed the expense of 30.00 EUR, Groceries.");
    let undo = world.say(BEA, "/undo").await;
    assert_eq!(undo.text, "Removed the expense of 10.00 EUR, Groceries.");
    assert!(world.transactions().await.is_empty());
}

#[tokio::test]
async fn editing_the_message_edits_its_transaction_and_the_confirmation() {
    let world = world().await;
    world.say(BEA, "/register").await;

    let confirmation = world.say(BEA, "250 groceries").await;
    // The person's message came just before the bot's answer.
    let message = confirmation.message_id - 1;
    let edited = world.edit(BEA, message, "25 eating out lunch").await;
    assert_eq!(edited.message_id, confirmation.message_id);
    assert_eq!(
        edited.text,
        "Recorded an expense: 25.00 EUR, Eating out, from Cash.\nNote: lunch"
    );
    assert_eq!(world.transactions().await, ["expense 2500 lunch"]);
    let edited = world.edit(BEA, message, "/add 3*4 groceries").await;
    assert_eq!(
        edited.text,
        "Recorded an expense: 12.00 EUR, Groceries, from Cash."
    );
    assert_eq!(world.transactions().await, ["expense 1200"]);
    let balance = world.say(BEA, "/balance").await;
    assert_eq!(
        balance.text,
        "Balances:\nCash: -12.00 EUR\nTotal: -12.00 EUR"
    );

    // An entry completed by a button: the edit changes it too.
    let question = world.say(BEA, "9 coffee").await;
    let asked = question.message_id - 1;
    world
        .press(
            BEA,
            question.message_id,
            &button(&question, "Groceries").expect("that button"),
        )
        .await;
    let edited = world.edit(BEA, asked, "11 groceries coffee").await;
    assert_eq!(edited.message_id, question.message_id);
    assert_eq!(
        edited.text,
        "Recorded an expense: 11.00 EUR, Groceries, from Cash.\nNote: coffee"
    );

    // A confirmation Telegram no longer lets the bot edit (here: one it never
    // sent): the changed confirmation comes as a new message.
    let mut redis = world.bot_redis.connect().await;
    let key = format!("{}message:{BEA}:{message}", world.bot_redis.prefix());
    let remembered: String = redis::cmd("GET")
        .arg(&key)
        .query_async(&mut redis)
        .await
        .expect("GET");
    let (transaction, _) = remembered.rsplit_once('/').expect("three parts");
    let _: () = redis::cmd("SET")
        .arg(&key)
        .arg(format!("{transaction}/999999"))
        .query_async(&mut redis)
        .await
        .expect("SET");
    let anew = world.edit(BEA, message, "13 groceries").await;
    assert_ne!(anew.message_id, confirmation.message_id);
    assert_eq!(
        anew.text,
        "Recorded an expense: 13.00 EUR, Groceries, from Cash."
    );

    // What an edit cannot do gets one line, and changes nothing.
    let kind = world.edit(BEA, message, "+12 salary").await;
    assert_eq!(kind.text, replies::EDIT_KIND);
    let unreadable = world.edit(BEA, message, "12- groceries").await;
    assert!(
        unreadable.text.starts_with("I can't read the amount 12-"),
        "{}",
        unreadable.text
    );
    // An entry still waiting for its category is read again from the edit.
    let waiting = world.say(BEA, "4 coffe").await;
    let fixed = world
        .edit(BEA, waiting.message_id - 1, "4 groceries coffee")
        .await;
    assert_eq!(
        fixed.text,
        "Recorded an expense: 4.00 EUR, Groceries, from Cash.\nNote: coffee"
    );
    let hello = world.say(BEA, "hello").await;
    let not_recorded = world.edit(BEA, hello.message_id - 1, "5 groceries").await;
    assert_eq!(not_recorded.text, replies::EDIT_NOT_RECORDED);
    assert_eq!(
        world.transactions().await,
        ["expense 1300", "expense 1100 coffee", "expense 400 coffee"]
    );
}
