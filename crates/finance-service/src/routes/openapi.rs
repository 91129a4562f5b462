//! `GET /openapi.json`: the OpenAPI 3.1 document, generated from the route list.

use std::sync::OnceLock;

use actix_web::HttpResponse;
use utoipa::openapi::OpenApi;

use crate::error::Error;

/// The document of the service: the documented API, whose every operation
/// [`super::endpoints`] serves with its handler (a test checks that none lacks one).
pub fn document() -> OpenApi {
    api_docs::document(&api_docs::finance::SERVICE, &api_docs::finance::routes())
}

pub async fn serve() -> Result<HttpResponse, Error> {
    // Built once: the list does not change while the process runs.
    static JSON: OnceLock<String> = OnceLock::new();
    let body = match JSON.get() {
        Some(body) => body,
        None => {
            let body = document().to_json().map_err(Error::internal)?;
            JSON.get_or_init(|| body)
        }
    };
    Ok(HttpResponse::Ok()
        .content_type(api_docs::JSON)
        .body(body.as_str()))
}
