//! The contract's "Hardening" rules: a Telegram link that shows whom it links
//! and can be undone, no lock-out or bcrypt flood by strangers, a refresh that
//! a retry cannot break, and token answers no cache keeps.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use test_support::ProxyMode;

use crate::helpers::{
    Answer, PASSWORD, TestApp, spawn_app, spawn_app_behind_db_proxy_with, spawn_app_with,
    spawn_app_with_mail,
};

fn no_store(answer: &Answer, what: &str) {
    assert_eq!(
        answer.header("cache-control"),
        Some("no-store"),
        "{what}: a token answer must not be stored"
    );
}

impl TestApp {
    async fn inspect(&self, access_token: &str, code: &str) -> Answer {
        self.post_with_token(
            "/api/v1/auth/telegram/inspect",
            access_token,
            Some(json!({"code": code})),
        )
        .await
    }

    async fn unlink_telegram(&self, access_token: &str) -> Answer {
        self.delete_with_token("/api/v1/auth/telegram", access_token)
            .await
    }

    async fn token_get(&self, telegram_id: i64) -> Answer {
        self.post_signed(
            "/api/v1/auth/token/get",
            json!({"telegram_id": telegram_id}),
        )
        .await
    }

    async fn change_password(&self, access_token: &str, current: &str, new: &str) -> Answer {
        self.post_with_token(
            "/api/v1/auth/password/change",
            access_token,
            Some(json!({"current_password": current, "new_password": new})),
        )
        .await
    }

    async fn session_count(&self, access_token: &str) -> usize {
        let answer = self
            .get_with_token("/api/v1/auth/sessions", access_token)
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        answer.body["sessions"].as_array().map_or(0, Vec::len)
    }
}

#[tokio::test]
async fn every_token_answer_forbids_caches_to_keep_it() {
    let app = spawn_app().await;
    let registered = app.register("ann@example.com", PASSWORD).await;
    no_store(&registered, "register");
    no_store(&app.login("ann@example.com", PASSWORD).await, "login");
    let refreshed = app.refresh(&registered.tokens().refresh_token).await;
    assert_eq!(refreshed.status, StatusCode::OK);
    no_store(&refreshed, "refresh");
    let telegram = app.telegram_register(4242).await;
    no_store(&telegram, "telegram/register");
    no_store(&app.token_get(4242).await, "token/get");
    let rotated = app
        .post_signed(
            "/api/v1/auth/token/refresh-telegram",
            json!({"telegram_id": 4242, "refresh_token": telegram.tokens().refresh_token}),
        )
        .await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.body);
    no_store(&rotated, "token/refresh-telegram");
}

#[tokio::test]
async fn inspect_shows_the_telegram_identity_behind_a_code_without_using_it() {
    let app = spawn_app().await;
    let ann = app.signed_up("ann@example.com").await;
    let answer = app
        .post_signed(
            "/api/v1/auth/telegram/start",
            json!({"telegram_id": 777, "username": "mallory", "first_name": "Mal"}),
        )
        .await;
    let code = answer.body["code"].as_str().expect("a code").to_owned();

    let seen = app.inspect(&ann.access_token, &code).await;
    assert_eq!(seen.status, StatusCode::OK, "{}", seen.body);
    assert_eq!(
        seen.body,
        json!({"telegram_id": 777, "username": "mallory", "first_name": "Mal"})
    );
    // Looking twice is fine: the code is still there to confirm.
    assert_eq!(
        app.inspect(&ann.access_token, &code).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.confirm(&ann.access_token, &code).await.status,
        StatusCode::OK
    );
    // Used now: inspect says so as confirm does.
    app.inspect(&ann.access_token, &code)
        .await
        .problem(404, "invalid_code");
    app.inspect(&ann.access_token, "no-such-code")
        .await
        .problem(404, "invalid_code");
    app.post(
        "/api/v1/auth/telegram/inspect",
        json!({"code": "no-such-code"}),
    )
    .await
    .problem(401, "unauthorized");
}

#[tokio::test]
async fn of_two_users_racing_one_code_the_loser_gets_invalid_code() {
    let app = spawn_app().await;
    let ann = app.signed_up("ann@example.com").await;
    let bob = app.signed_up("bob@example.com").await;
    for round in 0..5 {
        let code = app.link_code(9000 + round).await;
        let (a, b) = tokio::join!(
            app.confirm(&ann.access_token, &code),
            app.confirm(&bob.access_token, &code)
        );
        let (winner, loser) = if a.status == StatusCode::OK {
            (a, b)
        } else {
            (b, a)
        };
        assert_eq!(winner.status, StatusCode::OK, "{}", winner.body);
        loser.problem(404, "invalid_code");
        // Unlink again (the winner keeps an email), so the next round can link.
        let token = if winner.body["email"] == "ann@example.com" {
            &ann.access_token
        } else {
            &bob.access_token
        };
        assert_eq!(
            app.unlink_telegram(token).await.status,
            StatusCode::NO_CONTENT
        );
    }
}

#[tokio::test]
async fn a_conflicting_confirm_uses_the_code_up_checked_before_anything_else() {
    let app = spawn_app().await;
    let ann = app.signed_up("ann@example.com").await;
    let bob = app.signed_up("bob@example.com").await;
    let first = app.link_code(31).await;
    assert_eq!(
        app.confirm(&ann.access_token, &first).await.status,
        StatusCode::OK
    );
    // A second identity for Ann: a conflict, and the code is gone.
    let second = app.link_code(32).await;
    app.confirm(&ann.access_token, &second)
        .await
        .problem(409, "telegram_already_linked");
    app.confirm(&bob.access_token, &second)
        .await
        .problem(404, "invalid_code");
}

#[tokio::test]
async fn linking_telegram_emails_the_account_with_the_way_to_undo_it() {
    let (app, mail) = spawn_app_with_mail(Vec::new()).await;
    let ann = app.signed_up("ann@example.com").await;
    let code = app.link_code(555).await;
    assert_eq!(
        app.confirm(&ann.access_token, &code).await.status,
        StatusCode::OK
    );
    // The first email is the verification of the address; the second the notice.
    let messages = mail
        .wait_for("ann@example.com", 2, Duration::from_secs(10))
        .await;
    let notice = messages
        .iter()
        .find(|m| m.subject.contains("Telegram"))
        .expect("a link notice");
    assert!(notice.text.contains("@tg_user"), "{}", notice.text);
    assert!(
        notice
            .text
            .contains(&format!("{}/account", crate::helpers::PUBLIC_WEB_URL)),
        "{}",
        notice.text
    );
}

#[tokio::test]
async fn unlinking_telegram_ends_the_bot_sessions_and_keeps_the_others() {
    let app = spawn_app().await;
    let web = app.signed_up("ann@example.com").await;
    let code = app.link_code(606).await;
    assert_eq!(
        app.confirm(&web.access_token, &code).await.status,
        StatusCode::OK
    );
    // The bot opens a session, and refreshes it.
    let bot = app.token_get(606).await.tokens();
    let refreshed = app
        .post_signed(
            "/api/v1/auth/token/refresh-telegram",
            json!({"telegram_id": 606, "refresh_token": bot.refresh_token}),
        )
        .await
        .tokens();
    let opened_by_bot = app.token_get(606).await.tokens();
    assert_eq!(app.session_count(&web.access_token).await, 3);

    assert_eq!(
        app.unlink_telegram(&web.access_token).await.status,
        StatusCode::NO_CONTENT
    );
    for token in [&refreshed.access_token, &opened_by_bot.access_token] {
        app.me(token).await.problem(401, "unauthorized");
    }
    let me = app.me(&web.access_token).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["telegram_id"], json!(null));
    assert_eq!(me.body["telegram_username"], json!(null));
    assert_eq!(app.session_count(&web.access_token).await, 1);
    app.token_get(606).await.problem(404, "not_registered");
    // Nothing left to unlink: still 204.
    assert_eq!(
        app.unlink_telegram(&web.access_token).await.status,
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn a_telegram_only_account_cannot_unlink_its_only_way_in() {
    let app = spawn_app().await;
    let tokens = app.telegram_register(707).await.tokens();
    app.unlink_telegram(&tokens.access_token)
        .await
        .problem(409, "telegram_only");
    assert_eq!(app.me(&tokens.access_token).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_reset_with_an_unknown_token_hashes_nothing() {
    let app = spawn_app().await;
    let before = app.state.passwords.hashes();
    for n in 0..3 {
        app.post(
            "/api/v1/auth/password/reset",
            json!({"token": format!("random-guess-{n}"), "password": "a new password"}),
        )
        .await
        .problem(404, "invalid_code");
    }
    assert_eq!(
        app.state.passwords.hashes(),
        before,
        "no bcrypt for a bad token"
    );
}

#[tokio::test]
async fn password_reset_is_limited_per_client_address() {
    let app = spawn_app_with(vec![
        ("RATE_LIMITS", "on".into()),
        ("RATE_LIMIT_RESET_IP", "2/60".into()),
    ])
    .await;
    let reset = || {
        app.post(
            "/api/v1/auth/password/reset",
            json!({"token": "guess", "password": "a new password"}),
        )
    };
    reset().await.problem(404, "invalid_code");
    reset().await.problem(404, "invalid_code");
    let limited = reset().await;
    limited.problem(429, "rate_limited");
    assert!(limited.header("retry-after").is_some());
}

#[tokio::test]
async fn logins_answered_503_do_not_lock_the_email_out() {
    let (app, proxy) = spawn_app_behind_db_proxy_with(vec![
        ("RATE_LIMITS", "on".into()),
        ("RATE_LIMIT_LOGIN_EMAIL_FAILURES", "2/900".into()),
    ])
    .await;
    assert_eq!(
        app.register("ann@example.com", PASSWORD).await.status,
        StatusCode::CREATED
    );
    proxy.set_mode(ProxyMode::Refuse);
    for _ in 0..3 {
        let answer = app.login("ann@example.com", PASSWORD).await;
        answer.problem(503, "unavailable");
    }
    proxy.set_mode(ProxyMode::Forward);
    let mut answer = app.login("ann@example.com", PASSWORD).await;
    // The pool may need a moment to notice PostgreSQL is back.
    for _ in 0..20 {
        if answer.status != StatusCode::SERVICE_UNAVAILABLE {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
        answer = app.login("ann@example.com", PASSWORD).await;
    }
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
}

#[tokio::test]
async fn wrong_current_passwords_count_as_failed_logins() {
    let app = spawn_app_with(vec![
        ("RATE_LIMITS", "on".into()),
        ("RATE_LIMIT_LOGIN_EMAIL_FAILURES", "3/900".into()),
    ])
    .await;
    let ann = app.signed_up("ann@example.com").await;
    for _ in 0..3 {
        app.change_password(&ann.access_token, "a wrong guess", "a new password")
            .await
            .problem(401, "invalid_credentials");
    }
    // Locked now: the change is refused even with the right password, as a login is.
    let refused = app
        .change_password(&ann.access_token, PASSWORD, "a new password")
        .await;
    refused.problem(429, "rate_limited");
    assert!(refused.header("retry-after").is_some());
    app.login("Ann@Example.com", PASSWORD)
        .await
        .problem(429, "rate_limited");
}

#[tokio::test]
async fn a_right_current_password_does_not_count_against_the_limit() {
    let app = spawn_app_with(vec![
        ("RATE_LIMITS", "on".into()),
        ("RATE_LIMIT_LOGIN_EMAIL_FAILURES", "2/900".into()),
    ])
    .await;
    let ann = app.signed_up("ann@example.com").await;
    let mut current = PASSWORD.to_owned();
    for n in 0..3 {
        let next = format!("new password {n}");
        let answer = app
            .change_password(&ann.access_token, &current, &next)
            .await;
        assert_eq!(answer.status, StatusCode::NO_CONTENT, "{}", answer.body);
        current = next;
    }
    assert_eq!(
        app.login("ann@example.com", &current).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_retried_refresh_within_the_grace_gets_the_current_token_and_the_session_stays_one() {
    let app = spawn_app().await;
    let first = app.signed_up("ann@example.com").await;
    let rotated = app.refresh(&first.refresh_token).await;
    assert_eq!(rotated.status, StatusCode::OK);
    let current = rotated.tokens();

    // The answer was lost: the client sends the same token again.
    let retried = app.refresh(&first.refresh_token).await;
    assert_eq!(retried.status, StatusCode::OK, "{}", retried.body);
    no_store(&retried, "a retried refresh");
    let retried = retried.tokens();
    assert_eq!(
        retried.refresh_token, current.refresh_token,
        "the session's current refresh token, not a fork"
    );
    assert_eq!(app.me(&retried.access_token).await.status, StatusCode::OK);
    assert_eq!(app.session_count(&retried.access_token).await, 1);

    // The current token goes on as usual.
    let next = app.refresh(&current.refresh_token).await;
    assert_eq!(next.status, StatusCode::OK);
    let next = next.tokens();
    // The first token is two rotations old now: that is reuse, and revokes.
    app.refresh(&first.refresh_token)
        .await
        .problem(401, "token_reused");
    app.refresh(&next.refresh_token)
        .await
        .problem(401, "invalid_refresh_token");
}

#[tokio::test]
async fn racing_refreshes_of_one_token_share_one_session() {
    let app = spawn_app().await;
    let first = app.signed_up("ann@example.com").await;
    let (a, b) = tokio::join!(
        app.refresh(&first.refresh_token),
        app.refresh(&first.refresh_token)
    );
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(b.status, StatusCode::OK, "{}", b.body);
    assert_eq!(a.tokens().refresh_token, b.tokens().refresh_token);
    let next = app.refresh(&a.tokens().refresh_token).await;
    assert_eq!(next.status, StatusCode::OK);
}

#[tokio::test]
async fn without_a_grace_a_retried_refresh_is_reuse() {
    let app = spawn_app_with(vec![("REFRESH_REUSE_GRACE_SECS", "0".into())]).await;
    let first = app.signed_up("ann@example.com").await;
    let current = app.refresh(&first.refresh_token).await.tokens();
    app.refresh(&first.refresh_token)
        .await
        .problem(401, "token_reused");
    app.refresh(&current.refresh_token)
        .await
        .problem(401, "invalid_refresh_token");
}

#[tokio::test]
async fn after_the_grace_a_rotated_token_is_reuse_again() {
    let app = spawn_app_with(vec![("REFRESH_REUSE_GRACE_SECS", "1".into())]).await;
    let first = app.signed_up("ann@example.com").await;
    let current = app.refresh(&first.refresh_token).await.tokens();
    tokio::time::sleep(Duration::from_millis(2100)).await;
    app.refresh(&first.refresh_token)
        .await
        .problem(401, "token_reused");
    app.refresh(&current.refresh_token)
        .await
        .problem(401, "invalid_refresh_token");
}
