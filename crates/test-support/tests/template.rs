//! Test databases copied from a template migrated once, and the auth service
//! started on one.

#![allow(clippy::unwrap_used)]

use diesel_async::RunQueryDsl;
use test_support::{Template, TestDatabase, spawn_auth};

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

async fn count(db: &TestDatabase, sql: &str) -> i64 {
    let mut conn = db.connect().await;
    diesel::sql_query(sql)
        .get_result::<Count>(&mut conn)
        .await
        .unwrap()
        .n
}

#[tokio::test]
async fn every_copy_of_a_template_is_migrated_and_its_own() {
    let template = Template::auth();
    assert_eq!(template.name(), Template::new(&["auth"]).name());
    assert!(template.name().starts_with("test_template_"));
    let (a, b) = tokio::join!(
        TestDatabase::from_template("tpl", &template),
        TestDatabase::migrated("tpl", &["auth"]),
    );
    assert_ne!(a.name(), b.name());
    for db in [&a, &b] {
        let versions = count(db, "SELECT count(*) AS n FROM __diesel_schema_migrations").await;
        let all = std::fs::read_dir(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../migrations/auth"
        ))
        .unwrap()
        .count();
        assert_eq!(versions, all as i64);
    }
    let mut conn = a.connect().await;
    diesel::sql_query(
        "INSERT INTO users (id, email, email_verified, created_at, updated_at) \
         VALUES (gen_random_uuid(), 'a@example.com', false, now(), now())",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    assert_eq!(count(&a, "SELECT count(*) AS n FROM users").await, 1);
    assert_eq!(count(&b, "SELECT count(*) AS n FROM users").await, 0);
}

#[tokio::test]
async fn the_auth_service_runs_on_a_copy_of_its_template() {
    let auth = spawn_auth(&[("METRICS_BIND_ADDR", "off")]).await;
    let ready: serde_json::Value = reqwest::get(auth.endpoint("/health/ready"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["status"], "ok", "{ready}");
    assert!(auth.metrics_url.is_none());
    assert!(auth.db.name().starts_with("test_auth_"));
}
