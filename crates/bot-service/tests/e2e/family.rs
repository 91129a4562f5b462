//! The family from Telegram: an invite by deep link, switching family, the
//! alerts and expenses told to the other members, `/settings`.

use bot_service::replies;
use reqwest::Method;
use serde_json::json;

use crate::helpers::{World, button, world};

const ANN: i64 = 9_990_201;
const BOB: i64 = 9_990_202;

/// The deep link in an invite message.
fn deep_link(text: &str) -> String {
    let start = text.find("https://t.me/").expect("a deep link");
    text[start..]
        .split_whitespace()
        .next()
        .expect("a link")
        .to_owned()
}

/// A budget of `limit` on Groceries in the family of `user`'s chat.
async fn groceries_budget(world: &World, user: i64, family: &str, limit: &str) {
    let token = world.access_token(user).await;
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
            Some(json!({"category_id": groceries, "limit": limit})),
        )
        .await;
}

#[tokio::test]
async fn a_second_person_joins_by_the_deep_link_and_the_family_hears_of_its_budget() {
    let world = world().await;
    world.say(ANN, "/register").await;
    let family = world.say(ANN, "/family").await;
    assert!(
        family.text.starts_with(
            "Your families:\n• Personal (owner) ← this chat\n\nMembers of Personal:\n• "
        ),
        "{}",
        family.text
    );
    let invite_button = button(&family, replies::BUTTON_INVITE).expect("an invite button");
    let invite = world.press(ANN, family.message_id, &invite_button).await;
    assert!(
        invite
            .text
            .contains("In Telegram: https://t.me/finance_test_bot?start=join_"),
        "{}",
        invite.text
    );
    assert!(
        invite
            .text
            .contains("On the web: https://finance.example.org/join?code="),
        "{}",
        invite.text
    );
    let link = deep_link(&invite.text);
    let payload = link.split("?start=").nth(1).expect("a payload");

    // Bob opens the link: Telegram sends /start with the payload.
    let joined = world.say(BOB, &format!("/start {payload}")).await;
    assert!(
        joined.text.contains("Your account is ready")
            && joined.text.ends_with(
                "You joined Personal as a member. What you record here now goes to Personal; /family switches."
            ),
        "{}",
        joined.text
    );
    // The code is used up.
    let again = world.say(BOB, &format!("/join {}", &payload[5..])).await;
    assert_eq!(
        again.text,
        "You joined Personal as a member. What you record here now goes to Personal; /family switches."
    );
    let stranger = world.say(9_990_203, "/register").await;
    assert!(stranger.text.contains("ready"), "{}", stranger.text);
    let used = world
        .say(9_990_203, &format!("/join {}", &payload[5..]))
        .await;
    assert_eq!(used.text, replies::INVITE_INVALID);
    assert_eq!(world.say(BOB, "/join").await.text, replies::JOIN_USAGE);
    assert_eq!(world.say(BOB, "/join ../x").await.text, replies::JOIN_USAGE);

    let members = world.say(ANN, "/family").await;
    assert!(
        members.text.contains("— owner\n• ") && members.text.ends_with("— member"),
        "{}",
        members.text
    );

    // Bob records into Ann's family, and asks to hear of every expense.
    world.say(BOB, "20 groceries").await;
    let (ann_family, _) = world.family_of(ANN).await;
    groceries_budget(&world, ANN, &ann_family, "400").await;
    let settings = world.say(BOB, "/settings every on").await;
    assert!(
        settings
            .text
            .contains("Budget alerts from the family: on\nEvery expense of the family: on"),
        "{}",
        settings.text
    );

    let bob_before = world.telegram.sent_to(BOB).len();
    let ann_confirmation = world.say(ANN, "310 groceries").await;
    assert!(
        ann_confirmation
            .text
            .contains("⚠️ Groceries has used 80% of its budget: 330.00 of 400.00 EUR."),
        "{}",
        ann_confirmation.text
    );
    // The family is told before the confirmation is sent.
    let told = world.telegram.sent_to(BOB);
    assert_eq!(told.len(), bob_before + 1, "{told:?}");
    let told = &told[bob_before].text;
    assert!(
        told.contains("recorded an expense in Personal: 310.00 EUR, Groceries.\n"),
        "{told}"
    );
    assert!(
        told.contains(
            "⚠️ Personal: Groceries has used 80% of its budget: 330.00 of 400.00 EUR (after "
        ),
        "{told}"
    );

    // Bob turns the alerts off with the button: only the expense comes.
    let alerts_off = button(&settings, "Turn budget alerts off").expect("a toggle");
    let toggled = world.press(BOB, settings.message_id, &alerts_off).await;
    assert_eq!(toggled.message_id, settings.message_id);
    assert!(
        toggled.text.contains("Budget alerts from the family: off"),
        "{}",
        toggled.text
    );
    let bob_before = world.telegram.sent_to(BOB).len();
    let over = world.say(ANN, "100 groceries").await;
    assert!(over.text.contains("at or over its budget"), "{}", over.text);
    let told = world.telegram.sent_to(BOB);
    assert_eq!(told.len(), bob_before + 1);
    assert!(
        !told[bob_before].text.contains("⚠️"),
        "{}",
        told[bob_before].text
    );

    // Every expense off too: Bob hears nothing; Ann never heard of Bob's.
    world.say(BOB, "/settings every off").await;
    let bob_before = world.telegram.sent_to(BOB).len();
    world.say(ANN, "1 groceries").await;
    assert_eq!(world.telegram.sent_to(BOB).len(), bob_before);
    let ann_texts: Vec<String> = world
        .telegram
        .sent_to(ANN)
        .into_iter()
        .map(|m| m.text)
        .collect();
    assert!(
        !ann_texts
            .iter()
            .any(|t| t.contains("recorded an expense in")),
        "{ann_texts:?}"
    );

    // Bob switches to his own family: his entries go there. (Families are
    // listed oldest first: Ann's is older than the one Bob got on joining.)
    let bob_family = world.say(BOB, "/family").await;
    assert!(
        bob_family
            .text
            .contains("• Personal (member) ← this chat\n• Personal (owner)"),
        "{}",
        bob_family.text
    );
    assert!(button(&bob_family, replies::BUTTON_INVITE).is_none());
    let switch = button(&bob_family, "Switch to Personal").expect("a switch button");
    let switched = world.press(BOB, bob_family.message_id, &switch).await;
    assert!(
        switched
            .text
            .contains("• Personal (member)\n• Personal (owner) ← this chat"),
        "{}",
        switched.text
    );
    world.say(BOB, "5 groceries").await;
    let balance = world.say(ANN, "/balance").await;
    // -20 (Bob's) - 310 - 100 - 1
    assert_eq!(
        balance.text,
        "Balances:\nCash: -431.00 EUR\nTotal: -431.00 EUR"
    );
    let bob_balance = world.say(BOB, "/balance").await;
    assert_eq!(
        bob_balance.text,
        "Balances:\nCash: -5.00 EUR\nTotal: -5.00 EUR"
    );
}

#[tokio::test]
async fn settings_change_the_family_for_owners_and_the_default_account_per_chat() {
    let world = world().await;
    world.say(ANN, "/register").await;
    world.say(ANN, "1 groceries").await;
    let (family, token) = world.family_of(ANN).await;
    world
        .finance(
            &token,
            Method::POST,
            &format!("/families/{family}/accounts"),
            Some(json!({"name": "Card", "kind": "card"})),
        )
        .await;

    let settings = world.say(ANN, "/settings").await;
    assert!(
        settings.text.starts_with(
            "Settings of Personal (owners change these):\nCurrency: EUR\nTime zone: UTC\nPayday: 1\n\n\
             This chat:\nDefault account: none"
        ),
        "{}",
        settings.text
    );
    let changed = world.say(ANN, "/settings timezone Europe/Berlin").await;
    assert!(
        changed.text.contains("Time zone: Europe/Berlin"),
        "{}",
        changed.text
    );
    let changed = world.say(ANN, "/settings payday 25").await;
    assert!(changed.text.contains("Payday: 25"), "{}", changed.text);
    let bad = world.say(ANN, "/settings timezone Mars/Olympus").await;
    assert!(
        bad.text
            .starts_with("I can't set the time zone to Mars/Olympus"),
        "{}",
        bad.text
    );
    assert_eq!(
        world.say(ANN, "/settings payday 31").await.text,
        replies::PAYDAY_USAGE
    );
    assert_eq!(
        world.say(ANN, "/settings colour blue").await.text,
        replies::SETTINGS_USAGE
    );
    let no_account = world.say(ANN, "/settings account Bank").await;
    assert!(
        no_account.text.starts_with("I have no account “Bank”."),
        "{}",
        no_account.text
    );

    // With a default account, an entry no longer asks.
    let set = world.say(ANN, "/settings account card").await;
    assert!(set.text.contains("Default account: Card"), "{}", set.text);
    let recorded = world.say(ANN, "20 groceries").await;
    assert_eq!(
        recorded.text,
        "Recorded an expense: 20.00 EUR, Groceries, from Card."
    );
}
