//! The HMAC guard of the bot-only endpoints: every way of tampering is refused.

use auth_types::HmacSigner;
use auth_types::signing::SignatureHeaders;
use reqwest::StatusCode;

use crate::helpers::{HMAC_SECRET, now, spawn_app};

const PATH: &str = "/api/v1/auth/telegram/register";
const BODY: &[u8] = br#"{"telegram_id": 4242}"#;

fn signer() -> HmacSigner {
    HmacSigner::new(HMAC_SECRET.as_bytes())
}

fn signed_at(timestamp: i64, nonce: &str) -> SignatureHeaders {
    signer().sign_with("POST", PATH, BODY, timestamp, nonce)
}

#[tokio::test]
async fn a_correctly_signed_request_is_accepted() {
    let app = spawn_app().await;
    let headers = signer().sign("POST", PATH, BODY);
    let answer = app.post_signed_raw(PATH, BODY, Some(&headers)).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
}

#[tokio::test]
async fn unsigned_wrongly_signed_and_tampered_requests_are_invalid_signatures() {
    let app = spawn_app().await;
    let good = signer().sign("POST", PATH, BODY);
    let wrong_secret =
        HmacSigner::new(b"not-the-shared-secret-0123456789abcdef").sign("POST", PATH, BODY);
    let other_body = signer().sign("POST", PATH, br#"{"telegram_id": 1}"#);
    let other_path = signer().sign("POST", "/api/v1/auth/token/get", BODY);
    let bad_nonce = SignatureHeaders {
        nonce: "short".into(),
        ..signer().sign("POST", PATH, BODY)
    };
    let bad_timestamp = SignatureHeaders {
        timestamp: "12e3".into(),
        ..signer().sign("POST", PATH, BODY)
    };
    let cases: [(&str, Option<SignatureHeaders>); 6] = [
        ("unsigned", None),
        ("wrong secret", Some(wrong_secret)),
        ("body changed", Some(other_body)),
        ("path changed", Some(other_path)),
        ("malformed nonce", Some(bad_nonce)),
        ("malformed timestamp", Some(bad_timestamp)),
    ];
    for (what, headers) in cases {
        let answer = app.post_signed_raw(PATH, BODY, headers.as_ref()).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{what}");
        answer.problem(401, "invalid_signature");
    }
    // Each header missing on its own.
    for missing in 0..3 {
        let mut request = app
            .client
            .post(app.url(PATH))
            .header("content-type", "application/json")
            .body(BODY);
        for (i, (name, value)) in good.pairs().into_iter().enumerate() {
            if i != missing {
                request = request.header(name, value);
            }
        }
        crate::helpers::Answer::from(request.send().await.expect("send"))
            .await
            .problem(401, "invalid_signature");
    }
    assert_eq!(app.user_count().await, 0, "nothing was created");
}

#[tokio::test]
async fn stale_and_future_timestamps_are_refused() {
    let app = spawn_app().await;
    let stale = signed_at(now() - 301, "stale-nonce-0000001");
    let future = signed_at(now() + 301, "future-nonce-000001");
    app.post_signed_raw(PATH, BODY, Some(&stale))
        .await
        .problem(401, "stale_request");
    app.post_signed_raw(PATH, BODY, Some(&future))
        .await
        .problem(401, "stale_request");
    let recent = signed_at(now() - 60, "recent-nonce-000001");
    assert_eq!(
        app.post_signed_raw(PATH, BODY, Some(&recent)).await.status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn a_replayed_request_is_refused() {
    let app = spawn_app().await;
    let headers = signer().sign("POST", PATH, BODY);
    assert_eq!(
        app.post_signed_raw(PATH, BODY, Some(&headers)).await.status,
        StatusCode::CREATED
    );
    app.post_signed_raw(PATH, BODY, Some(&headers))
        .await
        .problem(401, "replayed_request");
}

#[tokio::test]
async fn the_signature_is_checked_before_the_body() {
    let app = spawn_app().await;
    // Unsigned and broken: the signature is what is refused.
    app.post_signed_raw(PATH, b"{not json", None)
        .await
        .problem(401, "invalid_signature");
    // Signed and broken: now the body is refused.
    let broken = b"{not json";
    let headers = signer().sign("POST", PATH, broken);
    app.post_signed_raw(PATH, broken, Some(&headers))
        .await
        .problem(400, "malformed_request");
    let not_object = b"[4242]";
    let headers = signer().sign("POST", PATH, not_object);
    app.post_signed_raw(PATH, not_object, Some(&headers))
        .await
        .problem(400, "malformed_request");
    let wrong_type = br#"{"telegram_id": "x"}"#;
    let headers = signer().sign("POST", PATH, wrong_type);
    let problem = app
        .post_signed_raw(PATH, wrong_type, Some(&headers))
        .await
        .problem(422, "validation_failed");
    assert_eq!(problem.errors[0].field, "telegram_id");
    // A signed body without a JSON content type is 415.
    let headers = signer().sign("POST", PATH, BODY);
    let mut request = app
        .client
        .post(app.url(PATH))
        .header("content-type", "text/plain")
        .body(BODY);
    for (name, value) in headers.pairs() {
        request = request.header(name, value);
    }
    crate::helpers::Answer::from(request.send().await.expect("send"))
        .await
        .problem(415, "unsupported_media_type");
    // And size comes first of all.
    let big = vec![b' '; 70_000];
    app.post_signed_raw(PATH, &big, None)
        .await
        .problem(413, "payload_too_large");
}
