use reqwest::StatusCode;

use crate::helpers::{PASSWORD, spawn_app};

#[tokio::test]
async fn login_with_the_right_password_opens_a_new_session() {
    let app = spawn_app().await;
    let first = app.signed_up("ann@example.com").await;
    let answer = app.login("  ANN@example.com", PASSWORD).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let second = answer.tokens();
    assert_eq!(second.user.id, first.user.id);
    let (a, b) = (
        crate::helpers::keys().verify(&first.access_token, auth_types::TokenKind::Access),
        crate::helpers::keys().verify(&second.access_token, auth_types::TokenKind::Access),
    );
    assert_ne!(
        a.expect("valid").sid,
        b.expect("valid").sid,
        "a new session"
    );
    assert_eq!(app.me(&second.access_token).await.status, StatusCode::OK);
}

#[tokio::test]
async fn login_with_unknown_email_is_refused_like_a_wrong_password() {
    let app = spawn_app().await;
    app.signed_up("ann@example.com").await;
    let hasher = &app.state.passwords;

    let before = hasher.verifications();
    let wrong = app.login("ann@example.com", "wrong password").await;
    let after_wrong = hasher.verifications();
    let unknown = app.login("bob@example.com", "wrong password").await;
    let after_unknown = hasher.verifications();

    let (p1, p2) = (
        wrong.problem(401, "invalid_credentials"),
        unknown.problem(401, "invalid_credentials"),
    );
    assert_eq!(p1, p2, "the same answer");
    // The same work: exactly one bcrypt verification each, so the same time.
    assert_eq!(after_wrong - before, 1);
    assert_eq!(after_unknown - after_wrong, 1);
}

#[tokio::test]
async fn a_password_over_72_bytes_is_simply_wrong_at_login() {
    let app = spawn_app().await;
    let password = "a".repeat(72);
    let created = app.register("ann@example.com", &password).await;
    assert_eq!(created.status, StatusCode::CREATED);
    // bcrypt alone would accept this: it ignores everything past 72 bytes.
    let longer = format!("{password}b");
    app.login("ann@example.com", &longer)
        .await
        .problem(401, "invalid_credentials");
    assert_eq!(
        app.login("ann@example.com", &password).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn login_with_a_malformed_email_is_a_validation_error() {
    let app = spawn_app().await;
    let problem = app
        .login("nobody", PASSWORD)
        .await
        .problem(422, "validation_failed");
    assert_eq!(problem.errors[0].field, "email");
    assert_eq!(problem.errors[0].code, "invalid_email");
}
