use reqwest::StatusCode;

use crate::helpers::spawn_app;

#[tokio::test]
async fn refresh_rotates_the_pair_within_the_same_session() {
    let app = spawn_app().await;
    let first = app.signed_up("ann@example.com").await;
    let answer = app.refresh(&first.refresh_token).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let second = answer.tokens();
    assert_ne!(second.refresh_token, first.refresh_token);
    assert_ne!(second.access_token, first.access_token);
    assert_eq!(second.refresh_expires_in, 2_592_000);
    assert_eq!(second.user.id, first.user.id);
    let keys = crate::helpers::keys();
    let sid = |t: &str| {
        keys.verify(t, auth_types::TokenKind::Refresh)
            .expect("valid")
            .sid
    };
    assert_eq!(sid(&first.refresh_token), sid(&second.refresh_token));
    assert_eq!(app.me(&second.access_token).await.status, StatusCode::OK);
    // The rotated token can go on rotating.
    assert_eq!(
        app.refresh(&second.refresh_token).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn reusing_a_rotated_refresh_token_revokes_the_whole_session() {
    let app = spawn_app().await;
    let first = app.signed_up("ann@example.com").await;
    let second = app.refresh(&first.refresh_token).await.tokens();
    // Two rotations: the first token is past the retry grace (docs/api.md).
    let second = app.refresh(&second.refresh_token).await.tokens();

    app.refresh(&first.refresh_token)
        .await
        .problem(401, "token_reused");

    // The newest refresh token and the session's access tokens are dead too.
    app.refresh(&second.refresh_token)
        .await
        .problem(401, "invalid_refresh_token");
    app.me(&second.access_token)
        .await
        .problem(401, "unauthorized");
    app.me(&first.access_token)
        .await
        .problem(401, "unauthorized");
}

#[tokio::test]
async fn reuse_in_one_session_leaves_the_users_other_sessions_alone() {
    let app = spawn_app().await;
    let phone = app.signed_up("ann@example.com").await;
    let laptop = app
        .login("ann@example.com", crate::helpers::PASSWORD)
        .await
        .tokens();
    let next = app.refresh(&phone.refresh_token).await.tokens();
    app.refresh(&next.refresh_token).await.tokens();
    app.refresh(&phone.refresh_token)
        .await
        .problem(401, "token_reused");
    assert_eq!(app.me(&laptop.access_token).await.status, StatusCode::OK);
    assert_eq!(
        app.refresh(&laptop.refresh_token).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn an_access_token_is_not_a_refresh_token() {
    let app = spawn_app().await;
    let tokens = app.signed_up("ann@example.com").await;
    app.refresh(&tokens.access_token)
        .await
        .problem(401, "invalid_refresh_token");
    // And the session survived the attempt.
    assert_eq!(
        app.refresh(&tokens.refresh_token).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn forged_expired_and_garbage_refresh_tokens_are_refused() {
    let app = spawn_app().await;
    let tokens = app.signed_up("ann@example.com").await;
    let claims = crate::helpers::keys()
        .verify(&tokens.refresh_token, auth_types::TokenKind::Refresh)
        .expect("valid");
    let expired = crate::helpers::keys()
        .issue(
            claims.sub,
            claims.sid,
            auth_types::TokenKind::Refresh,
            60,
            crate::helpers::now() - 7200,
        )
        .expect("sign")
        .0;
    let foreign = auth_types::JwtKeys::new(b"some-other-secret-0123456789abcdef0123")
        .issue(
            claims.sub,
            claims.sid,
            auth_types::TokenKind::Refresh,
            600,
            crate::helpers::now(),
        )
        .expect("sign")
        .0;
    for token in [expired.as_str(), foreign.as_str(), "garbage", ""] {
        app.refresh(token)
            .await
            .problem(401, "invalid_refresh_token");
    }
}
