//! The story, end to end: a family of two (the second joins by the
//! deep link) records in every form, edits one entry by editing the message,
//! undoes one, sets a budget and both hear the alert, reads the balance, the
//! history and the report with its picture; a restart mid-way records nothing
//! twice; the finance service goes down and comes back.

use bot_service::replies;
use reqwest::Method;
use test_support::ProxyMode;

use crate::helpers::{REPLY_WITHIN, button, world};

const DAD: i64 = 9_990_401;
const MUM: i64 = 9_990_402;

#[tokio::test]
async fn a_family_of_two_runs_its_money_from_telegram() {
    let mut world = world().await;
    world.say(DAD, "/register").await;

    // Mum joins by the deep link of Dad's invite.
    let family = world.say(DAD, "/family").await;
    let invite = button(&family, replies::BUTTON_INVITE).expect("an invite button");
    let invite = world.press(DAD, family.message_id, &invite).await;
    let payload = invite
        .text
        .split("?start=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("a deep link")
        .to_owned();
    let joined = world.say(MUM, &format!("/start {payload}")).await;
    assert!(
        joined
            .text
            .ends_with(&replies::joined("Personal", "member")),
        "{}",
        joined.text
    );

    world.say(DAD, "/settings timezone Asia/Tokyo").await;
    let budget = world.say(DAD, "/budget groceries 100").await;
    assert_eq!(
        budget.text,
        "Budget for Groceries: 100.00 EUR a month.\nThis month: 0.00 of 100.00 EUR, 0%"
    );

    // Every form, from both chats.
    assert_eq!(
        world.say(DAD, "/add 12,50 groceries milk").await.text,
        "I opened a Cash account in EUR for you.\n\
         Recorded an expense: 12.50 EUR, Groceries, from Cash.\n\
         Note: milk\n\
         Groceries: 12.50 of 100.00 EUR, 12%"
    );
    assert_eq!(
        world.say(MUM, "/income 2000 salary").await.text,
        "Recorded an income: 2000.00 EUR, Salary, to Cash."
    );
    let bus = world.say(MUM, "3*4 transport bus").await;
    assert_eq!(
        bus.text,
        "Recorded an expense: 12.00 EUR, Transport, from Cash.\nNote: bus"
    );
    assert_eq!(
        world.say(DAD, "+100 gifts birthday").await.text,
        "Recorded an income: 100.00 EUR, Gifts, to Cash.\nNote: birthday"
    );
    assert_eq!(
        world.say(MUM, "-5,5 eat").await.text,
        "Recorded an expense: 5.50 EUR, Eating out, from Cash."
    );
    let coffee = world.say(MUM, "7 coffee").await;
    let new = button(&coffee, "➕ New: Coffee").expect("a New button");
    assert_eq!(
        world.press(MUM, coffee.message_id, &new).await.text,
        "Recorded an expense: 7.00 EUR, Coffee, from Cash."
    );

    // Mum edits the bus: it was 13; the confirmation follows.
    let edited = world
        .edit(MUM, bus.message_id - 1, "3*4+1 transport bus")
        .await;
    assert_eq!(edited.message_id, bus.message_id);
    assert_eq!(
        edited.text,
        "Recorded an expense: 13.00 EUR, Transport, from Cash.\nNote: bus"
    );

    // Dad undoes his gift.
    assert_eq!(
        world.say(DAD, "/undo").await.text,
        "Removed the income of 100.00 EUR, Gifts (birthday)."
    );

    // Mum's groceries cross 80%: she sees it, and Dad is told.
    let dad_before = world.telegram.sent_to(DAD).len();
    let groceries = world.say(MUM, "70 groceries").await;
    assert!(
        groceries
            .text
            .ends_with("⚠️ Groceries has used 80% of its budget: 82.50 of 100.00 EUR."),
        "{}",
        groceries.text
    );
    let dad = world.telegram.sent_to(DAD);
    assert_eq!(dad.len(), dad_before + 1);
    assert!(
        dad[dad_before].text.starts_with(
            "⚠️ Personal: Groceries has used 80% of its budget: 82.50 of 100.00 EUR (after "
        ),
        "{}",
        dad[dad_before].text
    );

    // Dad's 20 crosses 100%; the bot stops before marking the update handled,
    // and Telegram delivers it again after the restart: recorded once, and
    // Mum is told once.
    let dad_before = world.telegram.sent_to(DAD).len();
    let mum_before = world.telegram.sent_to(MUM).len();
    let update = world.telegram.user_sends(DAD, "20 groceries");
    let first = world.next_message(DAD, dad_before).await;
    assert!(
        first
            .text
            .ends_with("⚠️ Groceries is at or over its budget: 102.50 of 100.00 EUR."),
        "{}",
        first.text
    );
    assert_eq!(world.telegram.sent_to(MUM).len(), mum_before + 1);
    world.stop_bot().await;
    let mut redis = world.bot_redis.connect().await;
    let _: () = redis::cmd("DEL")
        .arg(format!(
            "{}handled:{}:{update}",
            world.bot_redis.prefix(),
            test_support::FAKE_BOT_ID
        ))
        .query_async(&mut redis)
        .await
        .expect("DEL");
    world.telegram.deliver_again(update);
    world.start_bot();
    let again = world
        .telegram
        .wait_for_messages(DAD, dad_before + 2, REPLY_WITHIN)
        .await;
    assert_eq!(again[dad_before + 1].text, first.text);
    assert_eq!(world.telegram.sent_to(MUM).len(), mum_before + 1);

    // The finance service goes down: nothing recorded; back: recorded once.
    world.finance_proxy.set_mode(ProxyMode::Refuse);
    assert_eq!(
        world.say(MUM, "9 groceries").await.text,
        replies::FINANCE_UNAVAILABLE
    );
    world.finance_proxy.set_mode(ProxyMode::Forward);
    assert!(
        world
            .say(MUM, "9 groceries")
            .await
            .text
            .starts_with("Recorded an expense: 9.00 EUR, Groceries")
    );

    assert_eq!(
        world.transactions().await,
        [
            "expense 1250 milk",
            "income 200000",
            "expense 1300 bus",
            "expense 550",
            "expense 700",
            "expense 7000",
            "expense 2000",
            "expense 900",
        ]
    );
    // 2000 - 12.50 - 13 - 5.50 - 7 - 70 - 20 - 9
    assert_eq!(
        world.say(DAD, "/balance").await.text,
        "Balances:\nCash: 1863.00 EUR\nTotal: 1863.00 EUR"
    );

    // The history in the family's time (Tokyo), newest first.
    let (family_id, token) = world.family_of(DAD).await;
    let newest = world
        .finance(
            &token,
            Method::GET,
            &format!("/families/{family_id}/transactions?limit=1"),
            None,
        )
        .await;
    let at: jiff::Timestamp = newest["items"][0]["occurred_at"]
        .as_str()
        .expect("occurred_at")
        .parse()
        .expect("a time");
    let local = at
        .to_zoned_datetime(jiff::tz::TimeZone::get("Asia/Tokyo").expect("Tokyo"))
        .strftime("%Y-%m-%d %H:%M")
        .to_string();
    let history = world.say(DAD, "/history 3").await;
    assert!(
        history.text.starts_with(&format!(
            "The last 3:\n1. {local} -9.00 EUR · Groceries · Cash\n"
        )),
        "{}",
        history.text
    );

    // The report, with its picture.
    let report = world.say(MUM, "/report").await;
    assert!(
        report
            .text
            .contains("\nEUR: income 2000.00, expenses 137.00, net 1863.00\n"),
        "{}",
        report.text
    );
    assert!(
        report
            .text
            .contains("\n• Groceries: 111.50 of 100.00 (111%)"),
        "{}",
        report.text
    );
    let photos = world.telegram.photos_to(MUM);
    assert_eq!(photos.len(), 1);
    assert_eq!(&photos[0].bytes[..8], b"\x89PNG\r\n\x1a\n");
}
