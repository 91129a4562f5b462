use auth_types::{Claims, JwtKeys, TokenKind};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;

use crate::helpers::{JWT_SECRET, keys, now, spawn_app};

fn sign(header: Header, claims: &Claims, secret: &[u8]) -> String {
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_secret(secret)).expect("sign")
}

#[tokio::test]
async fn me_returns_the_user_of_a_valid_access_token() {
    let app = spawn_app().await;
    let tokens = app.signed_up("ann@example.com").await;
    let answer = app.me(&tokens.access_token).await;
    assert_eq!(answer.status, StatusCode::OK);
    let user: auth_types::dto::UserResponse = serde_json::from_value(answer.body).expect("user");
    assert_eq!(user, tokens.user);
}

#[tokio::test]
async fn forged_and_misused_access_tokens_are_refused() {
    let app = spawn_app().await;
    let tokens = app.signed_up("ann@example.com").await;
    let claims = keys()
        .verify(&tokens.access_token, TokenKind::Access)
        .expect("valid");

    let alg_none = {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).expect("json"));
        format!("{header}.{body}.")
    };
    let wrong_key = sign(
        Header::new(Algorithm::HS256),
        &claims,
        b"a-different-secret-0123456789abcdef012",
    );
    let other_alg = sign(
        Header::new(Algorithm::HS384),
        &claims,
        JWT_SECRET.as_bytes(),
    );
    let expired = sign(
        Header::new(Algorithm::HS256),
        &Claims {
            iat: now() - 7200,
            exp: now() - 3600,
            ..claims.clone()
        },
        JWT_SECRET.as_bytes(),
    );
    let wrong_audience = sign(
        Header::new(Algorithm::HS256),
        &Claims {
            aud: "someone-else".into(),
            ..claims.clone()
        },
        JWT_SECRET.as_bytes(),
    );
    let wrong_issuer = sign(
        Header::new(Algorithm::HS256),
        &Claims {
            iss: "evil".into(),
            ..claims.clone()
        },
        JWT_SECRET.as_bytes(),
    );
    let refresh_as_access = tokens.refresh_token.clone();

    for (what, token) in [
        ("alg none", alg_none),
        ("wrong key", wrong_key),
        ("other algorithm", other_alg),
        ("expired", expired),
        ("wrong audience", wrong_audience),
        ("wrong issuer", wrong_issuer),
        ("refresh token", refresh_as_access),
        ("garbage", "not.a.token".to_owned()),
    ] {
        let answer = app.me(&token).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{what}");
        answer.problem(401, "unauthorized");
        assert_eq!(answer.header("www-authenticate"), Some("Bearer"), "{what}");
    }
}

#[tokio::test]
async fn a_validly_signed_token_of_an_unknown_session_is_refused() {
    let app = spawn_app().await;
    let tokens = app.signed_up("ann@example.com").await;
    let claims = keys()
        .verify(&tokens.access_token, TokenKind::Access)
        .expect("valid");
    // Signed with the real key, but for a session that was never opened.
    let (token, _) = JwtKeys::new(JWT_SECRET.as_bytes())
        .issue(
            claims.sub,
            auth_types::SessionId::new(),
            TokenKind::Access,
            900,
            now(),
        )
        .expect("sign");
    app.me(&token).await.problem(401, "unauthorized");
}

#[tokio::test]
async fn requests_without_a_bearer_token_are_unauthorized() {
    let app = spawn_app().await;
    let tokens = app.signed_up("ann@example.com").await;
    let no_header = app.get("/api/v1/auth/me").await;
    no_header.problem(401, "unauthorized");
    assert_eq!(no_header.header("www-authenticate"), Some("Bearer"));
    for value in [
        format!("Basic {}", tokens.access_token),
        tokens.access_token.clone(),
        "Bearer ".to_owned(),
    ] {
        let answer = crate::helpers::Answer::from(
            app.client
                .get(app.url("/api/v1/auth/me"))
                .header("authorization", value)
                .send()
                .await
                .expect("send"),
        )
        .await;
        answer.problem(401, "unauthorized");
    }
    // The scheme is case-insensitive.
    let lower = app
        .client
        .get(app.url("/api/v1/auth/me"))
        .header("authorization", format!("bearer {}", tokens.access_token))
        .send()
        .await
        .expect("send");
    assert_eq!(lower.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_revoked_token_is_refused_before_the_body_is_looked_at() {
    let app = spawn_app().await;
    let tokens = app.signed_up("ann@example.com").await;
    assert_eq!(
        app.logout(&tokens.access_token).await.status,
        StatusCode::NO_CONTENT
    );
    for (path, body) in [
        ("/api/v1/auth/logout", "{not json"),
        ("/api/v1/auth/telegram/confirm", "{}"),
        ("/api/v1/auth/password/change", "[]"),
    ] {
        let answer = crate::helpers::Answer::from(
            app.client
                .post(app.url(path))
                .bearer_auth(&tokens.access_token)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .expect("send"),
        )
        .await;
        assert_eq!(
            answer.status,
            StatusCode::UNAUTHORIZED,
            "{path}: {}",
            answer.body
        );
        answer.problem(401, "unauthorized");
    }
}

#[tokio::test]
async fn a_token_naming_another_users_session_is_refused() {
    let app = spawn_app().await;
    let ann = app.signed_up("ann@example.com").await;
    let bob = app.signed_up("bob@example.com").await;
    let ann_session = keys()
        .verify(&ann.access_token, TokenKind::Access)
        .expect("valid")
        .sid;
    // Bob's identity on Ann's live session: signed with the right key, yet
    // the session is not his.
    let (forged, _) = keys()
        .issue(bob.user.id, ann_session, TokenKind::Access, 900, now())
        .expect("sign");
    app.me(&forged).await.problem(401, "unauthorized");
    let answer = app.get_with_token("/api/v1/auth/sessions", &forged).await;
    answer.problem(401, "unauthorized");
    assert_eq!(answer.header("www-authenticate"), Some("Bearer"));
    // Their own tokens still work.
    assert_eq!(app.me(&ann.access_token).await.status, StatusCode::OK);
    assert_eq!(app.me(&bob.access_token).await.status, StatusCode::OK);
}
