//! `GET /openapi.json` of the web service: valid OpenAPI 3.1, every documented
//! route served, the bot's signed routes neither documented nor served.

use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::Value;

use crate::common::{client, spawn_stack};

#[tokio::test]
async fn the_document_is_valid_and_every_documented_route_is_served() {
    let stack = spawn_stack(&[]).await;
    let http = client();
    let answer = http.get(stack.url("/openapi.json")).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    let text = answer.text().await.unwrap();
    let document = test_support::openapi::Document::parse(&text);
    let documented = document.operations();
    let doc = document.json;
    let expected: BTreeSet<(String, String)> = web_service::openapi::routes()
        .iter()
        .map(|r| (r.method.as_str().to_owned(), r.path.to_owned()))
        .collect();
    assert_eq!(documented, expected);
    // Every page, GET and HEAD.
    for (page, _) in web_service::assets::PAGES {
        assert!(documented.contains(&("GET".to_owned(), (*page).to_owned())));
        assert!(documented.contains(&("HEAD".to_owned(), (*page).to_owned())));
    }

    for (method, path) in &documented {
        let concrete = path
            .replace("{id}", "0193a1b2-0000-7000-8000-000000000000")
            .replace("{file}", "style.css");
        let method: Method = method.parse().unwrap();
        let answer = http
            .request(method.clone(), stack.url(&concrete))
            .send()
            .await
            .unwrap();
        let status = answer.status().as_u16();
        let body: Value = answer.json().await.unwrap_or(Value::Null);
        // Another method: 405 naming the documented ones, never the "not found" page.
        if !path.starts_with("/api/") {
            let refused = http
                .request(Method::PUT, stack.url(&concrete))
                .send()
                .await
                .unwrap();
            assert_eq!(refused.status(), 405, "PUT {path}");
            let allow = refused.headers()["allow"].to_str().unwrap().to_owned();
            assert!(allow.contains(method.as_str()), "{path}: Allow {allow}");
        }
        assert!(
            status != 404 && status != 405 || body["code"] == "invalid_code",
            "{method} {path} is documented but not served: {status} {body}"
        );
    }

    // The bot's signed routes are not the browser's: neither documented nor passed on.
    let paths = doc["paths"].as_object().unwrap();
    for bot_only in [
        "/api/v1/auth/telegram/register",
        "/api/v1/auth/telegram/start",
        "/api/v1/auth/token/get",
        "/api/v1/auth/token/refresh-telegram",
    ] {
        assert!(!paths.contains_key(bot_only), "{bot_only} documented");
        let answer = http.post(stack.url(bot_only)).send().await.unwrap();
        assert_eq!(answer.status(), 404, "{bot_only} passed on");
    }
    assert!(doc["components"]["securitySchemes"]["botSignature"].is_null());

    // Token answers carry no refresh token here: it is the cookie's.
    let login = &doc["paths"]["/api/v1/auth/login"]["post"]["responses"]["200"];
    assert_eq!(
        login["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/BrowserTokenResponse"
    );
    let browser_token = &doc["components"]["schemas"]["BrowserTokenResponse"]["properties"];
    assert!(browser_token["access_token"].is_object());
    assert!(browser_token["refresh_token"].is_null());
    let refresh = &doc["paths"]["/api/v1/auth/token/refresh"]["post"];
    assert_eq!(
        refresh["security"],
        serde_json::json!([{"refreshCookie": []}])
    );
    let cookie = &doc["components"]["securitySchemes"]["refreshCookie"];
    assert_eq!(cookie["in"], "cookie");
    assert_eq!(cookie["name"], "fb_refresh");
}
