use bot_service::replies;

use crate::helpers::{code_in, world};

const TG: i64 = 6_660_001;

#[tokio::test]
async fn a_telegram_account_linked_on_the_web_is_merged_into_the_email_account() {
    let world = world().await;
    world.say(TG, "/register").await;
    let link = world.say(TG, "/link").await;
    assert!(
        link.text.contains("https://finance.example.org/link?code="),
        "{}",
        link.text
    );
    let code = code_in(&link.text);

    let ann = world.email_account("ann@example.com").await;
    let (status, user) = world.confirm(&ann, &code).await;
    assert_eq!(status, 200, "{user}");
    assert_eq!(user["telegram_id"], TG);

    // One account holds the identity now: the email one.
    assert_eq!(
        world.users_with_telegram_id(TG).await,
        vec![(Some("ann@example.com".to_owned()), TG)]
    );
    // The chat's old session died with the merge; the bot finds the merged account.
    let me = world.say(TG, "/me").await;
    assert!(me.text.contains("ann@example.com"), "{}", me.text);
}

#[tokio::test]
async fn a_chat_that_never_registered_can_link_then_sign_in() {
    let world = world().await;
    let code = code_in(&world.say(TG, "/link").await.text);
    let bob = world.email_account("bob@example.com").await;
    assert_eq!(world.confirm(&bob, &code).await.0, 200);
    // The code worked once.
    assert_eq!(world.confirm(&bob, &code).await.0, 404);

    assert_eq!(world.say(TG, "/me").await.text, replies::NOT_SIGNED_IN);
    let register = world.say(TG, "/register").await;
    assert!(register.text.contains("Welcome back"), "{}", register.text);
    let me = world.say(TG, "/me").await;
    assert!(me.text.contains("bob@example.com"), "{}", me.text);
}
