use crate::helpers::{Answer, spawn_app};

#[tokio::test]
async fn unknown_routes_are_404_problems() {
    let app = spawn_app().await;
    app.get("/nowhere").await.problem(404, "not_found");
    app.get("/api/v1/auth/nowhere")
        .await
        .problem(404, "not_found");
}

#[tokio::test]
async fn a_wrong_method_is_405_with_allow() {
    let app = spawn_app().await;
    let answer = app.get("/api/v1/auth/register").await;
    answer.problem(405, "method_not_allowed");
    assert_eq!(answer.header("allow"), Some("POST"));
    let answer = Answer::from(
        app.client
            .delete(app.url("/api/v1/auth/me"))
            .send()
            .await
            .expect("send"),
    )
    .await;
    answer.problem(405, "method_not_allowed");
    assert_eq!(answer.header("allow"), Some("GET"));
}

async fn post_raw(
    app: &crate::helpers::TestApp,
    path: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> Answer {
    let mut request = app.client.post(app.url(path)).body(body);
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    Answer::from(request.send().await.expect("send")).await
}

#[tokio::test]
async fn bodies_that_are_not_json_objects_are_400() {
    let app = spawn_app().await;
    for body in [
        "{\"email\": ",
        "[]",
        "\"text\"",
        "null",
        "",
        "[\"a@example.com\", \"password1\"]",
    ] {
        post_raw(
            &app,
            "/api/v1/auth/register",
            Some("application/json"),
            body.into(),
        )
        .await
        .problem(400, "malformed_request");
    }
}

#[tokio::test]
async fn bodies_without_a_json_content_type_are_415() {
    let app = spawn_app().await;
    let body = br#"{"email":"a@example.com","password":"password1"}"#.to_vec();
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        post_raw(&app, "/api/v1/auth/login", content_type, body.clone())
            .await
            .problem(415, "unsupported_media_type");
    }
    // A charset parameter is fine.
    let ok = post_raw(
        &app,
        "/api/v1/auth/login",
        Some("application/json; charset=utf-8"),
        body,
    )
    .await;
    ok.problem(401, "invalid_credentials");
}

#[tokio::test]
async fn bodies_over_64_kib_are_413_before_anything_else() {
    let app = spawn_app().await;
    let big = format!(
        r#"{{"email":"a@example.com","password":"{}"}}"#,
        "x".repeat(70_000)
    );
    post_raw(
        &app,
        "/api/v1/auth/register",
        Some("application/json"),
        big.clone().into(),
    )
    .await
    .problem(413, "payload_too_large");
    // Before authentication, too: no token, yet 413.
    post_raw(
        &app,
        "/api/v1/auth/logout",
        Some("application/json"),
        big.clone().into(),
    )
    .await
    .problem(413, "payload_too_large");
    // And without a Content-Length (chunked), the limit holds while reading.
    let stream = futures_util::stream::iter(
        big.into_bytes()
            .chunks(8192)
            .map(|c| Ok::<_, std::io::Error>(c.to_vec()))
            .collect::<Vec<_>>(),
    );
    let answer = Answer::from(
        app.client
            .post(app.url("/api/v1/auth/register"))
            .header("content-type", "application/json")
            .body(reqwest::Body::wrap_stream(stream))
            .send()
            .await
            .expect("send"),
    )
    .await;
    answer.problem(413, "payload_too_large");
    assert_eq!(app.user_count().await, 0);
}
