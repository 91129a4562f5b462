//! `GET /openapi.json`: a valid OpenAPI 3.1 document that lists exactly the
//! routes the service serves, with their problem codes, parameters and security.

use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{World, world};

async fn fetch(world: &World) -> (String, Value) {
    let response = world
        .client
        .get(format!("{}/openapi.json", world.finance))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"].to_str().ok(),
        Some("application/json")
    );
    let text = response.text().await.unwrap();
    let json = serde_json::from_str(&text).unwrap();
    (text, json)
}

/// `path` with its parameters filled in.
fn concrete(path: &str, family: &str) -> String {
    path.replace("{fid}", family)
        .replace("{id}", "0193a1b2-0000-7000-8000-000000000000")
        .replace("{code}", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
}

#[tokio::test]
async fn the_document_is_valid_openapi_3_1_and_lists_every_served_route() {
    let world = world().await;
    let (text, _) = fetch(&world).await;
    let documented = test_support::openapi::Document::parse(&text).operations();
    let served: BTreeSet<(String, String)> = finance_service::routes::endpoints()
        .iter()
        .map(|e| (e.method.as_str().to_owned(), e.path.to_owned()))
        .collect();
    assert_eq!(documented, served);
    assert_eq!(served.len(), 41, "a route was added or lost: {served:?}");
}

#[tokio::test]
async fn every_documented_route_is_served_and_other_methods_are_refused_with_allow() {
    let world = world().await;
    let (_, doc) = fetch(&world).await;
    let family = uuid::Uuid::now_v7().to_string();
    for (path, item) in doc["paths"].as_object().unwrap() {
        let url = format!("{}{}", world.finance, concrete(path, &family));
        let methods: BTreeSet<String> = item
            .as_object()
            .unwrap()
            .keys()
            .map(|m| m.to_uppercase())
            .collect();
        for method in &methods {
            let operation = &item[method.to_lowercase()];
            let answer = world
                .client
                .request(method.parse().unwrap(), &url)
                .send()
                .await
                .unwrap();
            let status = answer.status().as_u16();
            let body: Value = answer.json().await.unwrap_or(Value::Null);
            // Without a token, a served bearer route answers 401 from its
            // handler's guard; a route nobody serves would be 404 or 405.
            if operation["security"].is_null() {
                assert_eq!(status, 200, "{method} {path}: {body}");
            } else {
                assert_eq!(
                    (status, body["code"].as_str()),
                    (401, Some("unauthorized")),
                    "{method} {path} is documented but not served"
                );
            }
        }
        // A method the path does not list: 405 naming each one it does.
        let refused = world
            .client
            .request(Method::PUT, &url)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 405, "{path}");
        let allow: BTreeSet<String> = refused.headers()["allow"]
            .to_str()
            .unwrap()
            .split(", ")
            .map(str::to_owned)
            .collect();
        assert_eq!(allow, methods, "{path}");
        let body: Value = refused.json().await.unwrap();
        assert_eq!(body["code"], "method_not_allowed");
    }
    // A path that is not documented is not served.
    let unknown = world
        .client
        .get(format!("{}/api/v1/users", world.finance))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    // Nor one inside a family (its routes are one scope): the same 404.
    for path in ["/nothing", "/", "/accounts/", "/accounts/x/y"] {
        let unknown = world
            .client
            .get(format!("{}/api/v1/families/{family}{path}", world.finance))
            .send()
            .await
            .unwrap();
        assert_eq!(unknown.status(), 404, "{path}");
        let body: Value = unknown.json().await.unwrap();
        assert_eq!(body["code"], "not_found", "{path}");
    }
}

#[tokio::test]
async fn each_read_of_a_family_reaches_its_own_handler() {
    let world = world().await;
    let ann = world.user("ann").await;
    let family = world.personal_family(&ann).await;
    let (_, doc) = fetch(&world).await;
    let mut reads = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        // Reads that need no record id: the lists, the budget status, the reports.
        if !path.starts_with("/api/v1/") || path.contains("{id}") || item["get"].is_null() {
            continue;
        }
        let answer = world
            .client
            .get(format!("{}{}", world.finance, concrete(path, &family)))
            .bearer_auth(&ann.token)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200, "GET {path}");
        let documented: Vec<&String> = item["get"]["responses"]["200"]["content"]
            .as_object()
            .unwrap()
            .keys()
            .collect();
        let content_type = answer.headers()["content-type"].to_str().unwrap();
        assert!(
            documented
                .iter()
                .any(|media| content_type.starts_with(media.as_str())),
            "GET {path}: {content_type} is not one of {documented:?}"
        );
        reads += 1;
    }
    // families, the family, members, accounts, categories, transactions,
    // budgets, budgets/status, goals, summary, CSV.
    assert_eq!(reads, 11);
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
        .unwrap()
        .iter()
        .filter_map(|c| c.as_str().map(str::to_owned))
        .collect()
}

fn set(codes: &[&str]) -> BTreeSet<String> {
    codes.iter().map(|c| (*c).to_owned()).collect()
}

#[tokio::test]
async fn problems_idempotency_and_amounts_are_documented_as_the_contract_says() {
    let world = world().await;
    let (_, doc) = fetch(&world).await;

    // A write in a family: bearer, body problems, membership, role, idempotency.
    let transactions = "/api/v1/families/{fid}/transactions";
    let create = &doc["paths"][transactions]["post"];
    assert_eq!(create["security"], json!([{"bearer": []}]));
    for (status, codes) in [
        ("400", &["malformed_request"][..]),
        ("401", &["unauthorized"]),
        ("403", &["forbidden"]),
        ("404", &["not_found"]),
        ("409", &["idempotency_in_flight"]),
        ("413", &["payload_too_large"]),
        ("415", &["unsupported_media_type"]),
        ("422", &["idempotency_key_reused", "validation_failed"]),
        ("500", &["internal"]),
        ("503", &["unavailable"]),
    ] {
        assert_eq!(
            problem_codes(&doc, transactions, "post", status),
            set(codes),
            "{status}"
        );
    }
    let key = create["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "Idempotency-Key")
        .expect("the Idempotency-Key header");
    assert_eq!(key["in"], "header");
    assert_eq!(key["required"], false);
    assert_eq!(
        create["responses"]["201"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/TransactionCreatedResponse"
    );

    // Reads take no key and refuse no role; deletes are not idempotent-keyed.
    let accounts = "/api/v1/families/{fid}/accounts/{id}";
    assert!(doc["paths"][accounts]["get"]["responses"]["403"].is_null());
    assert!(
        doc["paths"][accounts]["delete"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["in"] == "path")
    );
    assert_eq!(
        problem_codes(&doc, accounts, "delete", "409"),
        set(&["in_use"])
    );
    assert_eq!(
        problem_codes(&doc, "/api/v1/invites/{code}/accept", "post", "404"),
        set(&["invalid_code"])
    );
    assert_eq!(
        problem_codes(&doc, "/api/v1/families/{fid}/categories", "post", "409"),
        set(&["idempotency_in_flight", "name_taken"])
    );
    // Creating a family is outside any family: no 404, no 403, no key.
    let families = &doc["paths"]["/api/v1/families"]["post"];
    assert!(families["responses"]["404"].is_null() && families["responses"]["403"].is_null());

    // Queries that cannot be read are 422; the CSV is text/csv.
    let list = &doc["paths"][transactions]["get"];
    let names: BTreeSet<&str> = list["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["in"] == "query")
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        BTreeSet::from([
            "account_id",
            "category_id",
            "kind",
            "from",
            "to",
            "limit",
            "cursor"
        ])
    );
    assert_eq!(
        problem_codes(&doc, transactions, "get", "422"),
        set(&["validation_failed"])
    );
    let csv = "/api/v1/families/{fid}/reports/transactions.csv";
    assert!(doc["paths"][csv]["get"]["responses"]["200"]["content"]["text/csv"].is_object());

    // Amounts are strings: a request's is a decimal without a sign, an answer's may be negative.
    let schemas = &doc["components"]["schemas"];
    assert_eq!(schemas["Amount"]["type"], "string");
    assert_eq!(schemas["Amount"]["pattern"], "^[0-9]+([.,][0-9]+)?$");
    assert_eq!(schemas["Money"]["type"], "string");
    assert_eq!(
        schemas["TransactionResponse"]["properties"]["amount"]["$ref"],
        "#/components/schemas/Money"
    );
    assert_eq!(
        schemas["NewTransactionRequest"]["properties"]["amount"]["$ref"],
        "#/components/schemas/Amount"
    );
    let required = |name: &str| -> BTreeSet<String> {
        schemas[name]["required"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        required("NewTransactionRequest"),
        set(&["kind", "account_id", "amount"])
    );
    // Answers name every field, `null` ones included.
    assert!(required("TransactionResponse").contains("to_amount"));
}

#[tokio::test]
async fn metrics_name_each_request_by_its_documented_route() {
    let world = world().await;
    let family = uuid::Uuid::now_v7().to_string();
    // Answered (401 without a token) by a route inside a family, one outside
    // it, and nothing.
    for path in [
        "/api/v1/families/{fid}/accounts/{id}",
        "/api/v1/families/{fid}",
        "/api/v1/invites/{code}/accept",
        "/api/v1/families/{fid}/nothing",
    ] {
        world
            .client
            .get(format!("{}{}", world.finance, concrete(path, &family)))
            .send()
            .await
            .unwrap();
    }
    let scrape = reqwest::get(world.metrics.as_deref().unwrap())
        .await
        .unwrap();
    let samples = test_support::prometheus::parse(&scrape.text().await.unwrap());
    let routes: BTreeSet<&str> = samples
        .all("http_requests_total")
        .filter_map(|sample| sample.labels.get("route").map(String::as_str))
        .collect();
    for route in [
        "/api/v1/families/{fid}/accounts/{id}",
        "/api/v1/families/{fid}",
        "/api/v1/invites/{code}/accept",
        "unmatched",
    ] {
        assert!(routes.contains(route), "{route} not in {routes:?}");
    }
    assert!(
        !routes.iter().any(|r| r.contains(&family)),
        "a concrete path leaked into a label: {routes:?}"
    );
}
