//! `GET /openapi.json`: a valid OpenAPI 3.1 document that lists exactly the
//! routes the service serves, with their problem codes and security.

use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::Value;

use crate::helpers::{TestApp, spawn_app};

async fn fetch(app: &TestApp) -> (String, Value) {
    let response = app
        .client
        .get(format!("{}/openapi.json", app.address))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"].to_str().ok(),
        Some("application/json")
    );
    let text = response.text().await.expect("body");
    let json = serde_json::from_str(&text).expect("JSON");
    (text, json)
}

#[tokio::test]
async fn the_document_is_valid_openapi_3_1_and_lists_every_route_of_the_table() {
    let app = spawn_app().await;
    let (text, _) = fetch(&app).await;
    let documented = test_support::openapi::Document::parse(&text).operations();
    let served: BTreeSet<(String, String)> = auth_service::routes::endpoints()
        .iter()
        .map(|e| (e.method.as_str().to_owned(), e.path.to_owned()))
        .collect();
    assert_eq!(documented, served);
    assert_eq!(served.len(), 23, "a route was added or lost: {served:?}");
}

#[tokio::test]
async fn every_documented_route_is_served_and_other_methods_are_refused() {
    let app = spawn_app().await;
    let (_, doc) = fetch(&app).await;
    let paths = doc["paths"].as_object().expect("paths");
    for (path, item) in paths {
        let concrete = path.replace("{id}", "0193a1b2-0000-7000-8000-000000000000");
        let url = format!("{}{}", app.address, concrete);
        for method in item.as_object().expect("path item").keys() {
            let method: Method = method.to_uppercase().parse().expect("method");
            let answer = app
                .client
                .request(method.clone(), &url)
                .send()
                .await
                .expect("request");
            let status = answer.status().as_u16();
            let body: Value = answer.json().await.unwrap_or(Value::Null);
            assert!(
                status != 405 && body["code"] != "not_found",
                "{method} {path} is documented but not served: {status} {body}"
            );
            // Another method on the same path: 405 naming the documented one.
            let other = if method == Method::GET {
                Method::PUT
            } else {
                Method::GET
            };
            let refused = app
                .client
                .request(other, &url)
                .send()
                .await
                .expect("request");
            assert_eq!(refused.status(), 405, "{path}");
            assert_eq!(
                refused.headers()["allow"].to_str().ok(),
                Some(method.as_str())
            );
        }
    }
    // A path that is not documented is not served.
    let unknown = app
        .client
        .get(format!("{}/api/v1/auth/users", app.address))
        .send()
        .await
        .expect("request");
    assert_eq!(unknown.status(), 404);
}

fn problem_codes(doc: &Value, path: &str, method: &str, status: &str) -> BTreeSet<String> {
    let response = &doc["paths"][path][method]["responses"][status];
    let content = &response["content"]["application/problem+json"];
    assert!(
        content.is_object(),
        "{method} {path} documents no problem+json {status}"
    );
    content["schema"]["allOf"][1]["properties"]["code"]["enum"]
        .as_array()
        .expect("codes")
        .iter()
        .filter_map(|c| c.as_str().map(str::to_owned))
        .collect()
}

fn set(codes: &[&str]) -> BTreeSet<String> {
    codes.iter().map(|c| (*c).to_owned()).collect()
}

#[tokio::test]
async fn problems_security_and_bodies_are_documented_as_the_contract_says() {
    let app = spawn_app().await;
    let (_, doc) = fetch(&app).await;

    // Login: body problems, its own 401 code, rate limits, dependencies.
    let login = "/api/v1/auth/login";
    assert_eq!(
        problem_codes(&doc, login, "post", "401"),
        set(&["invalid_credentials"])
    );
    for (status, code) in [
        ("400", "malformed_request"),
        ("413", "payload_too_large"),
        ("415", "unsupported_media_type"),
        ("422", "validation_failed"),
        ("429", "rate_limited"),
        ("503", "unavailable"),
        ("500", "internal"),
    ] {
        assert_eq!(problem_codes(&doc, login, "post", status), set(&[code]));
    }
    assert!(doc["paths"][login]["post"]["security"].is_null());
    assert_eq!(
        doc["paths"][login]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/LoginRequest"
    );
    assert_eq!(
        doc["paths"][login]["post"]["responses"]["429"]["headers"]["Retry-After"]["schema"]["type"],
        "integer"
    );

    // Bearer routes: the bearer scheme and `unauthorized`.
    let change = "/api/v1/auth/password/change";
    assert_eq!(
        problem_codes(&doc, change, "post", "401"),
        set(&["invalid_credentials", "unauthorized"])
    );
    assert_eq!(
        doc["paths"][change]["post"]["security"],
        serde_json::json!([{"bearer": []}])
    );
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );

    // Signed bot routes: all three signature headers together, and their codes.
    let token_get = "/api/v1/auth/token/get";
    assert_eq!(
        doc["paths"][token_get]["post"]["security"],
        serde_json::json!([{"botTimestamp": [], "botNonce": [], "botSignature": []}])
    );
    assert_eq!(
        problem_codes(&doc, token_get, "post", "401"),
        set(&["invalid_signature", "replayed_request", "stale_request"])
    );
    assert_eq!(
        problem_codes(&doc, token_get, "post", "404"),
        set(&["not_registered"])
    );
    for (scheme, header) in [
        ("botTimestamp", "x-bot-timestamp"),
        ("botNonce", "x-bot-nonce"),
        ("botSignature", "x-bot-signature"),
    ] {
        let scheme = &doc["components"]["securitySchemes"][scheme];
        assert_eq!(scheme["type"], "apiKey");
        assert_eq!(scheme["in"], "header");
        assert_eq!(scheme["name"], header);
    }

    // Both successes of telegram/register; health is not problem+json.
    let tg = &doc["paths"]["/api/v1/auth/telegram/register"]["post"]["responses"];
    assert!(tg["200"].is_object() && tg["201"].is_object());
    let ready = &doc["paths"]["/health/ready"]["get"]["responses"]["503"]["content"];
    assert_eq!(
        ready["application/json"]["schema"]["$ref"],
        "#/components/schemas/ReadinessResponse"
    );

    // Wire types are described field by field: the token response names the user.
    let token = &doc["components"]["schemas"]["TokenResponse"];
    assert_eq!(
        token["properties"]["user"]["$ref"],
        "#/components/schemas/UserResponse"
    );
    let problem = &doc["components"]["schemas"]["Problem"];
    for field in ["type", "title", "status", "detail", "code"] {
        assert!(
            problem["required"]
                .as_array()
                .expect("required")
                .iter()
                .any(|f| f == field),
            "{field}"
        );
    }
}
