//! Seeing and ending one's sessions.

use reqwest::StatusCode;

use crate::helpers::{PASSWORD, spawn_app};

const ANN: &str = "ann@example.com";

async fn login_as(
    app: &crate::helpers::TestApp,
    user_agent: &str,
) -> auth_types::dto::TokenResponse {
    let answer = crate::helpers::Answer::from(
        app.client
            .post(app.url("/api/v1/auth/login"))
            .header("user-agent", user_agent)
            .json(&serde_json::json!({"email": ANN, "password": PASSWORD}))
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    answer.tokens()
}

#[tokio::test]
async fn the_session_list_shows_each_login_newest_first_with_the_current_one_marked() {
    let app = spawn_app().await;
    app.signed_up(ANN).await;
    let phone = login_as(&app, "Phone/1.0").await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let laptop = login_as(&app, "Laptop/2.0").await;

    let answer = app
        .get_with_token("/api/v1/auth/sessions", &phone.access_token)
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    let sessions = answer.body["sessions"].as_array().expect("list").clone();
    assert_eq!(sessions.len(), 3, "register, phone, laptop");
    assert_eq!(sessions[0]["user_agent"], "Laptop/2.0");
    assert_eq!(sessions[0]["current"], false);
    let current: Vec<_> = sessions.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0]["user_agent"], "Phone/1.0");
    assert_eq!(current[0]["ip"], "127.0.0.1");
    for session in &sessions {
        for field in ["id", "created_at", "last_used_at"] {
            assert!(session[field].is_string(), "{field} in {session}");
        }
    }
    let laptop_id = crate::helpers::keys()
        .verify(&laptop.access_token, auth_types::TokenKind::Access)
        .expect("valid")
        .sid
        .to_string();
    assert_eq!(sessions[0]["id"], laptop_id);
}

#[tokio::test]
async fn refresh_updates_last_used_at() {
    let app = spawn_app().await;
    let ann = app.signed_up(ANN).await;
    let before = app
        .get_with_token("/api/v1/auth/sessions", &ann.access_token)
        .await
        .body["sessions"][0]
        .clone();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let rotated = app.refresh(&ann.refresh_token).await.tokens();
    let after = app
        .get_with_token("/api/v1/auth/sessions", &rotated.access_token)
        .await
        .body["sessions"][0]
        .clone();
    assert_eq!(before["created_at"], after["created_at"]);
    assert!(
        after["last_used_at"].as_str() > before["last_used_at"].as_str(),
        "{before} {after}"
    );
}

#[tokio::test]
async fn one_of_ones_own_sessions_can_be_ended_but_nobody_elses() {
    let app = spawn_app().await;
    let phone = app.signed_up(ANN).await;
    let laptop = login_as(&app, "Laptop").await;
    let bob = app.signed_up("bob@example.com").await;
    let sid = |t: &str| {
        crate::helpers::keys()
            .verify(t, auth_types::TokenKind::Access)
            .expect("valid")
            .sid
            .to_string()
    };

    // Bob's session id, a made-up one and garbage: all 404, nothing ended.
    for id in [
        sid(&bob.access_token),
        uuid::Uuid::now_v7().to_string(),
        "nonsense".into(),
    ] {
        app.delete_with_token(&format!("/api/v1/auth/sessions/{id}"), &phone.access_token)
            .await
            .problem(404, "not_found");
    }
    assert_eq!(app.me(&bob.access_token).await.status, StatusCode::OK);

    let answer = app
        .delete_with_token(
            &format!("/api/v1/auth/sessions/{}", sid(&laptop.access_token)),
            &phone.access_token,
        )
        .await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT);
    app.me(&laptop.access_token)
        .await
        .problem(401, "unauthorized");
    app.refresh(&laptop.refresh_token)
        .await
        .problem(401, "invalid_refresh_token");
    assert_eq!(app.me(&phone.access_token).await.status, StatusCode::OK);
    let left = app
        .get_with_token("/api/v1/auth/sessions", &phone.access_token)
        .await;
    assert_eq!(left.body["sessions"].as_array().expect("list").len(), 1);
}

#[tokio::test]
async fn logout_all_ends_every_session_including_this_one() {
    let app = spawn_app().await;
    let phone = app.signed_up(ANN).await;
    let laptop = login_as(&app, "Laptop").await;
    let bob = app.signed_up("bob@example.com").await;
    let answer = app
        .post_with_token("/api/v1/auth/logout-all", &phone.access_token, None)
        .await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT);
    for tokens in [&phone, &laptop] {
        app.me(&tokens.access_token)
            .await
            .problem(401, "unauthorized");
        app.refresh(&tokens.refresh_token)
            .await
            .problem(401, "invalid_refresh_token");
    }
    assert_eq!(app.me(&bob.access_token).await.status, StatusCode::OK);
}
