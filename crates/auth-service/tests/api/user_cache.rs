//! The user objects `/me` answers from Redis: a change made through any
//! replica shows at once on every other, and a fill never stores a row that a
//! write replaced.

use std::time::Duration;

use auth_service::db::users::User;
use auth_service::error::Error;
use auth_types::UserId;
use diesel_async::AsyncConnection;
use reqwest::StatusCode;
use serde_json::{Value, json};
use test_support::ProxyMode;

use crate::helpers::{Answer, PASSWORD, TestApp, spawn_app, spawn_app_with_mail};

const MAIL_WAIT: Duration = Duration::from_secs(10);
const ANN: &str = "ann@example.com";
const TG: i64 = 424_242;
/// Generous: the contract's 2 seconds, plus room for a loaded test machine.
const OUTAGE_SEEN_WITHIN: Duration = Duration::from_secs(6);

async fn cached(app: &TestApp, user: UserId) -> Option<Value> {
    let bytes = app.state.users.cached(user).await.expect("redis");
    bytes.map(|b| serde_json::from_slice(&b).expect("a cached user object is JSON"))
}

#[tokio::test]
async fn a_change_made_through_one_replica_shows_at_once_on_another() {
    let (app, mail) = spawn_app_with_mail(vec![]).await;
    let other = app.second_instance();
    let ann = app.signed_up(ANN).await;
    let ann_id = UserId(ann.user.id.0);

    let first = app.me_at(&other, &ann.access_token).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(first.body["email_verified"], false);
    assert_eq!(cached(&app, ann_id).await, Some(first.body.clone()));
    // A hit answers exactly what the database would.
    assert_eq!(app.me_at(&other, &ann.access_token).await.body, first.body);

    // Email verification through the first replica.
    let token = mail.wait_for(ANN, 1, MAIL_WAIT).await[0]
        .token_for("verify-email")
        .expect("token");
    let verified = app
        .post("/api/v1/auth/email/verify", json!({"token": token}))
        .await;
    assert_eq!(verified.status, StatusCode::OK, "{}", verified.body);
    let after = app.me_at(&other, &ann.access_token).await;
    assert_eq!(after.body["email_verified"], true);
    assert_eq!(after.body, verified.body);

    // A Telegram identity bound through the first replica.
    let code = app.link_code(TG).await;
    let linked = app.confirm(&ann.access_token, &code).await;
    assert_eq!(linked.status, StatusCode::OK, "{}", linked.body);
    let after = app.me_at(&other, &ann.access_token).await;
    assert_eq!(after.body["telegram_id"], TG);
    assert_eq!(after.body, linked.body);
    assert_eq!(cached(&app, ann_id).await, Some(after.body));
}

#[tokio::test]
async fn a_password_reset_shows_the_email_as_verified_on_every_replica() {
    let (app, mail) = spawn_app_with_mail(vec![]).await;
    let other = app.second_instance();
    app.signed_up(ANN).await;
    mail.wait_for(ANN, 1, MAIL_WAIT).await;
    let session = app.login(ANN, PASSWORD).await.tokens();
    let before = app.me_at(&other, &session.access_token).await;
    assert_eq!(before.body["email_verified"], false);

    let token = app.reset_token(&mail, ANN, 2).await;
    let reset = app
        .post(
            "/api/v1/auth/password/reset",
            json!({"token": token, "password": "a brand new secret"}),
        )
        .await;
    assert_eq!(reset.status, StatusCode::NO_CONTENT, "{}", reset.body);

    let fresh = app.login(ANN, "a brand new secret").await.tokens();
    let after = app.me_at(&other, &fresh.access_token).await;
    assert_eq!(after.status, StatusCode::OK);
    assert_eq!(after.body["email_verified"], true);
}

#[tokio::test]
async fn a_merged_account_leaves_no_cached_object_behind() {
    let app = spawn_app().await;
    let telegram_only = app.telegram_register(TG).await.tokens();
    let holder = UserId(telegram_only.user.id.0);
    assert_eq!(
        app.me(&telegram_only.access_token).await.status,
        StatusCode::OK
    );
    assert!(cached(&app, holder).await.is_some());

    let ann = app.signed_up(ANN).await;
    let code = app.link_code(TG).await;
    assert_eq!(
        app.confirm(&ann.access_token, &code).await.status,
        StatusCode::OK
    );
    assert_eq!(cached(&app, holder).await, None);
    app.me(&telegram_only.access_token)
        .await
        .problem(401, "unauthorized");
}

#[tokio::test]
async fn a_fill_waits_for_a_writer_that_holds_the_row_and_stores_what_it_committed() {
    let app = spawn_app().await;
    let ann = app.signed_up(ANN).await;
    let ann_id = UserId(ann.user.id.0);
    let state = app.state.clone();

    let mut writer = app.db.connect().await;
    let filled = writer
        .transaction::<_, Error, _>(async |conn| {
            User::mark_email_verified(conn, &state.users, ann_id).await?;
            // The row is locked and its entry gone: a miss starts a fill now.
            let reader = state.clone();
            let fill = tokio::spawn(async move { reader.users.fill(ann_id).await });
            tokio::time::sleep(Duration::from_millis(300)).await;
            assert!(!fill.is_finished(), "the fill must wait for the writer");
            Ok(fill)
        })
        .await
        .expect("write");
    let body = filled.await.expect("task").expect("fill").expect("user");
    let body: Value = serde_json::from_slice(&body).expect("JSON");
    assert_eq!(
        body["email_verified"], true,
        "the fill read the committed row"
    );
    assert_eq!(cached(&app, ann_id).await, Some(body));
    assert_eq!(app.me(&ann.access_token).await.body["email_verified"], true);
}

#[tokio::test]
async fn a_fill_that_read_before_a_write_does_not_store_what_it_read() {
    let app = spawn_app().await;
    let ann = app.signed_up(ANN).await;
    let ann_id = UserId(ann.user.id.0);
    let users = &app.state.users;
    let stale = serde_json::to_vec(&ann.user).expect("JSON");

    // A fill reads the row, then a writer changes it before the fill stores.
    let fill = users.begin_fill(ann_id).await.expect("begin");
    users
        .invalidate(ann_id)
        .await
        .expect("the writer's invalidation");
    assert!(!users.finish_fill(fill, &stale).await.expect("finish"));
    assert_eq!(cached(&app, ann_id).await, None);

    // Without a write in between, the fill stores.
    let fill = users.begin_fill(ann_id).await.expect("begin");
    assert!(users.finish_fill(fill, &stale).await.expect("finish"));
    assert!(cached(&app, ann_id).await.is_some());
}

/// `/me` of `token`, asked until it answers `status` (at most `within`).
async fn me_until(app: &TestApp, token: &str, status: u16, within: Duration) -> Answer {
    let started = std::time::Instant::now();
    loop {
        let answer = app.me(token).await;
        if answer.status.as_u16() == status || started.elapsed() > within {
            return answer;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_cached_me_does_not_hide_a_database_outage() {
    let (app, proxy) = crate::helpers::spawn_app_behind_db_proxy().await;
    let ann = app.signed_up(ANN).await;
    let first = app.me(&ann.access_token).await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(cached(&app, UserId(ann.user.id.0)).await.is_some());

    // Down or silent, the database watch notices by itself: the cached object
    // is not served while it is, whether or not a request touched the database.
    for mode in [ProxyMode::Refuse, ProxyMode::Silent] {
        proxy.set_mode(mode);
        me_until(&app, &ann.access_token, 503, OUTAGE_SEEN_WITHIN)
            .await
            .problem(503, "unavailable");
        proxy.set_mode(ProxyMode::Forward);
        let back = me_until(&app, &ann.access_token, 200, OUTAGE_SEEN_WITHIN).await;
        assert_eq!(back.body, first.body);
    }

    // Liveness comes first: a logged-out token is 401, database or not.
    proxy.set_mode(ProxyMode::Refuse);
    assert_eq!(
        app.logout(&ann.access_token).await.status,
        StatusCode::NO_CONTENT
    );
    app.me(&ann.access_token).await.problem(401, "unauthorized");
}
