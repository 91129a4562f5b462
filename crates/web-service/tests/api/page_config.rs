//! `GET /config.json`: the settings the pages' scripts read — the bot's username
//! when `TELEGRAM_BOT_USERNAME` is set (without its `@`), `null` otherwise — cached
//! briefly, with the security headers of every answer.

use serde_json::{Value, json};

use crate::assert_security_headers;
use crate::common::{client, spawn_web_with};

/// A web service alone (its upstreams are not asked) with `settings`; its URL.
fn web_service(settings: &[(&str, &str)]) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let web = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let nowhere = "http://127.0.0.1:9";
    let (app, _) = spawn_web_with(nowhere, nowhere, &web, listener, settings);
    tokio::spawn(app.run_until_stopped());
    web
}

async fn config(web: &str) -> Value {
    let answer = client()
        .get(format!("{web}/config.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert_security_headers(answer.headers(), "/config.json");
    let header = |name: &str| answer.headers()[name].to_str().unwrap().to_owned();
    assert_eq!(header("cache-control"), "public, max-age=300");
    assert!(header("content-type").starts_with("application/json"));
    answer.json().await.unwrap()
}

#[tokio::test]
async fn the_pages_learn_the_bots_username_when_it_is_set() {
    let web = web_service(&[("TELEGRAM_BOT_USERNAME", "@Family_Money_bot")]);
    assert_eq!(
        config(&web).await,
        json!({"telegram_bot_username": "Family_Money_bot"})
    );
    let refused = client()
        .post(format!("{web}/config.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 405);
    assert_eq!(refused.headers()["allow"], "GET");

    let web = web_service(&[]);
    assert_eq!(config(&web).await, json!({"telegram_bot_username": null}));
}
