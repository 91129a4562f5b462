use crate::helpers::spawn_app;

#[tokio::test]
async fn health_answers_ok_with_the_version() {
    let app = spawn_app().await;
    let answer = app.get("/health").await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body["status"], "ok");
    assert_eq!(answer.body["version"], env!("CARGO_PKG_VERSION"));
}

#[tokio::test]
async fn readiness_reports_both_dependencies_ok() {
    let app = spawn_app().await;
    let answer = app.get("/health/ready").await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.body,
        serde_json::json!({"status": "ok", "checks": {"database": "ok", "redis": "ok"}})
    );
    assert_eq!(answer.header("content-type"), Some("application/json"));
}

#[tokio::test]
async fn every_answer_carries_a_request_id_and_keeps_the_callers() {
    let app = spawn_app().await;
    let made = app.get("/health").await;
    let id = made.header("x-request-id").expect("request id");
    assert_eq!(id.len(), 36, "a UUID: {id}");
    let kept = app
        .client
        .get(app.url("/health"))
        .header("x-request-id", "trace-me-123")
        .send()
        .await
        .expect("send");
    assert_eq!(kept.headers()["x-request-id"], "trace-me-123");
}
