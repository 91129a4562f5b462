//! The HTML pages and the `/static/` assets.

use actix_web::http::header;
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, web};
use service_kit::problem;

use crate::assets::{self, Asset};

fn serve(status: StatusCode, asset: Asset, cache: &'static str) -> HttpResponse {
    HttpResponse::build(status)
        .content_type(asset.content_type)
        .insert_header((header::CACHE_CONTROL, cache))
        .body(asset.body)
}

/// Every path that is not an API route: a page, or the "not found" page.
pub async fn page(req: HttpRequest) -> HttpResponse {
    let path = req.path();
    if path.starts_with("/api/") {
        return problem::not_found();
    }
    let Some(page) = assets::page(path) else {
        return serve(StatusCode::NOT_FOUND, assets::NOT_FOUND_PAGE, "no-store");
    };
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return HttpResponse::MethodNotAllowed()
            .insert_header((header::ALLOW, "GET, HEAD"))
            .finish();
    }
    serve(StatusCode::OK, page, "no-store")
}

/// `GET /static/{file}`. Not fingerprinted: the browser asks again each time
/// (`no-cache`), so a new release is seen at once.
pub async fn static_file(file: web::Path<String>) -> HttpResponse {
    match assets::asset(&file) {
        Some(asset) => serve(StatusCode::OK, asset, "no-cache"),
        None => serve(StatusCode::NOT_FOUND, assets::NOT_FOUND_PAGE, "no-store"),
    }
}
