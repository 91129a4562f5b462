//! One request id from the browser to the auth service: the web service makes
//! one when the page sends none, logs under it, passes it on and returns it.

use std::net::TcpListener;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::{Value, json};

use crate::common::{client, spawn_web};

/// An "auth service" that answers with the request id it received.
async fn echo_id(req: HttpRequest) -> HttpResponse {
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    HttpResponse::Ok().json(json!({ "received": id }))
}

#[tokio::test]
async fn the_proxy_passes_on_the_id_it_logs_and_returns() {
    let upstream = HttpServer::new(|| App::new().default_service(web::to(echo_id)))
        .workers(1)
        .bind("127.0.0.1:0")
        .unwrap();
    let auth = format!("http://{}", upstream.addrs()[0]);
    tokio::spawn(upstream.run());
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let web_url = format!("http://{}", listener.local_addr().unwrap());
    let (app, _) = spawn_web(&auth, &web_url, listener);
    tokio::spawn(app.run_until_stopped());
    let http = client();

    // None sent: a new id, the same one upstream and in the answer.
    let answer = http
        .get(format!("{web_url}/api/v1/auth/me"))
        .send()
        .await
        .unwrap();
    let returned = answer.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let body: Value = answer.json().await.unwrap();
    assert!(uuid::Uuid::parse_str(&returned).is_ok(), "{returned}");
    assert_eq!(body["received"], returned.as_str());

    // The page's own id is kept all the way.
    let answer = http
        .get(format!("{web_url}/api/v1/auth/me"))
        .header("x-request-id", "page-7f3a")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.headers()["x-request-id"], "page-7f3a");
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body["received"], "page-7f3a");

    // The web service's own answers carry an id too.
    let page = http.get(format!("{web_url}/login")).send().await.unwrap();
    assert!(page.headers().contains_key("x-request-id"));
}
