use bot_service::replies;

use crate::helpers::world;

const ANN: i64 = 5_550_001;

#[tokio::test]
async fn the_menu_is_set_at_start() {
    let world = world().await;
    // The bot answering proves it started; by then the menu is set.
    world.say(ANN, "/help").await;
    let calls = world.telegram.calls_of("setMyCommands");
    assert_eq!(calls.len(), 1);
    let commands: Vec<&str> = calls[0].body["commands"]
        .as_array()
        .expect("commands")
        .iter()
        .map(|c| c["command"].as_str().expect("name"))
        .collect();
    assert_eq!(
        commands,
        [
            "add",
            "income",
            "balance",
            "history",
            "undo",
            "report",
            "budget",
            "goal",
            "accounts",
            "categories",
            "family",
            "join",
            "settings",
            "register",
            "link",
            "me",
            "logout",
            "help"
        ]
    );
}

#[tokio::test]
async fn register_creates_a_telegram_account_once() {
    let world = world().await;
    let reply = world.say(ANN, "/register").await;
    assert!(
        reply.text.contains("Your account is ready"),
        "{}",
        reply.text
    );
    assert_eq!(world.users_with_telegram_id(ANN).await, vec![(None, ANN)]);

    let me = world.say(ANN, "/me").await;
    assert!(me.text.contains("Telegram-only account"), "{}", me.text);

    let again = world.say(ANN, "/register").await;
    assert!(again.text.contains("Welcome back"), "{}", again.text);
    assert_eq!(world.users_with_telegram_id(ANN).await.len(), 1);
}

#[tokio::test]
async fn start_welcomes_with_buttons_that_work() {
    let world = world().await;
    let welcome = world.say(ANN, "/start").await;
    assert_eq!(welcome.text, replies::WELCOME);
    let buttons = &welcome.reply_markup.as_ref().expect("keyboard")["inline_keyboard"][0];
    assert_eq!(buttons[0]["callback_data"], "register");
    assert_eq!(buttons[1]["callback_data"], "link");

    let before = world.telegram.sent_to(ANN).len();
    world
        .telegram
        .user_presses(ANN, welcome.message_id, "register");
    let reply = world.next_message(ANN, before).await;
    assert!(
        reply.text.contains("Your account is ready"),
        "{}",
        reply.text
    );
    assert_eq!(world.telegram.calls_of("answerCallbackQuery").len(), 1);
}

#[tokio::test]
async fn start_deep_links_act_as_their_command() {
    let world = world().await;
    let link = world.say(ANN, "/start link").await;
    assert!(
        link.text.contains("https://finance.example.org/link?code="),
        "{}",
        link.text
    );
    let register = world.say(ANN, "/start register").await;
    assert!(
        register.text.contains("Your account is ready"),
        "{}",
        register.text
    );
}

#[tokio::test]
async fn help_unknown_commands_and_plain_text_get_helpful_replies() {
    let world = world().await;
    let help = world.say(ANN, "/help").await;
    for command in [
        "/add",
        "/income",
        "/balance",
        "/history",
        "/undo",
        "/register",
        "/link",
        "/me",
        "/logout",
        "/help",
    ] {
        assert!(help.text.contains(command), "{command} in {}", help.text);
    }
    assert!(help.text.ends_with(replies::QUICK_ENTRIES), "{}", help.text);
    let unknown = world.say(ANN, "/dance").await;
    assert_eq!(unknown.text, replies::unknown_command("dance"));
    let text = world.say(ANN, "how much did we spend?").await;
    assert_eq!(text.text, replies::PLAIN_TEXT);
}

#[tokio::test]
async fn me_and_logout_in_a_chat_that_is_not_signed_in_open_no_session() {
    let world = world().await;
    assert_eq!(world.say(ANN, "/me").await.text, replies::NOT_SIGNED_IN);
    assert_eq!(world.say(ANN, "/logout").await.text, replies::NOT_SIGNED_IN);
    assert_eq!(world.auth_sessions().await, 0);
    assert!(world.users_with_telegram_id(ANN).await.is_empty());
}

#[tokio::test]
async fn logout_ends_the_session_on_the_auth_service() {
    let world = world().await;
    world.say(ANN, "/register").await;
    assert_eq!(world.auth_sessions().await, 1);
    assert_eq!(world.say(ANN, "/logout").await.text, replies::SIGNED_OUT);
    assert_eq!(
        world.auth_sessions().await,
        0,
        "revoked, not just forgotten"
    );
    assert_eq!(world.say(ANN, "/me").await.text, replies::NOT_SIGNED_IN);
}

#[tokio::test]
async fn chats_are_served_concurrently_and_each_in_order() {
    let world = world().await;
    let users: Vec<i64> = (1..=5).map(|i| ANN + i).collect();
    for &user in &users {
        world.telegram.user_sends(user, "/me");
        world.telegram.user_sends(user, "/help");
        world.telegram.user_sends(user, "/dance");
    }
    for &user in &users {
        let replies = world
            .telegram
            .wait_for_messages(user, 3, crate::helpers::REPLY_WITHIN)
            .await;
        assert_eq!(replies[0].text, replies::NOT_SIGNED_IN);
        assert!(replies[1].text.starts_with("Here is what I can do"));
        assert_eq!(replies[2].text, replies::unknown_command("dance"));
    }
}

#[tokio::test]
async fn group_chats_are_asked_to_talk_in_private() {
    let world = world().await;
    // A negative chat id is a group.
    let reply = world.say(-100_200, "/link").await;
    assert_eq!(reply.text, replies::PRIVATE_ONLY);
    assert!(!reply.text.contains("code="));
}
