//! What the bot keeps in Redis: each chat's tokens sealed with BOT_STORE_KEY,
//! and the marks of handled updates kept per bot.

use bot_service::store::{ChatTokens, Store, StoreKey};
use test_support::TestRedis;

fn key(hex_byte: &str) -> StoreKey {
    StoreKey::parse(&hex_byte.repeat(32)).expect("a key")
}

fn tokens() -> ChatTokens {
    ChatTokens {
        telegram_id: 42,
        access_token: "the-access-token-0123456789".to_owned(),
        refresh_token: "the-refresh-token-0123456789".to_owned(),
        access_expires_at: 1_900_000_000,
    }
}

async fn raw_get(redis: &TestRedis, key: &str) -> Option<String> {
    let client = redis::Client::open(redis.url()).expect("client");
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .expect("connect");
    redis::cmd("GET")
        .arg(key)
        .query_async(&mut conn)
        .await
        .expect("GET")
}

#[tokio::test]
async fn a_chats_tokens_lie_in_redis_sealed_and_open_only_with_the_bots_key() {
    let redis = TestRedis::new();
    let store = Store::new(redis.url(), redis.prefix(), 1, key("ab")).expect("store");
    store.save_tokens(5, &tokens(), 600).await.expect("save");

    let stored = raw_get(&redis, &format!("{}chat:5", redis.prefix()))
        .await
        .expect("an entry");
    assert!(stored.starts_with("v1:"), "{stored}");
    for secret in ["the-access-token", "the-refresh-token", "telegram_id"] {
        assert!(!stored.contains(secret), "{secret} in plain text: {stored}");
    }
    let back = store.tokens(5).await.expect("read").expect("signed in");
    assert_eq!(back.access_token, tokens().access_token);
    assert_eq!(back.refresh_token, tokens().refresh_token);

    // Another key (a stolen dump read elsewhere, or a new key): signed out.
    let other = Store::new(redis.url(), redis.prefix(), 1, key("cd")).expect("store");
    assert!(other.tokens(5).await.expect("read").is_none());
}

#[tokio::test]
async fn handled_marks_belong_to_the_bot_that_handled_the_update() {
    let redis = TestRedis::new();
    let first = Store::new(redis.url(), redis.prefix(), 111, key("ab")).expect("store");
    let second = Store::new(redis.url(), redis.prefix(), 222, key("ab")).expect("store");
    first.mark_handled(7).await.expect("mark");
    assert!(first.was_handled(7).await.expect("check"));
    assert!(
        !second.was_handled(7).await.expect("check"),
        "another bot on the same Redis never handled its update 7"
    );
}
