//! HTTP routes: one file per endpoint; the table of routes is here.

mod email;
mod health;
mod login;
mod logout;
mod me;
mod password;
mod refresh;
mod register;
mod sessions;
mod telegram;

use actix_web::{HttpResponse, Route, web};

use crate::error::Error;

/// Answers every method a resource does not serve with 405 and its `Allow` header.
fn method_not_allowed(allow: &'static str) -> Route {
    web::to(move || async move { Err::<HttpResponse, Error>(Error::MethodNotAllowed { allow }) })
}

/// Unknown paths: 404 `not_found` as problem+json.
pub async fn not_found() -> Result<HttpResponse, Error> {
    Err(Error::NotFound)
}

/// Registers every route of the service.
pub fn configure(cfg: &mut web::ServiceConfig) {
    let post = |path: &str, route: Route| {
        web::resource(path)
            .route(route)
            .default_service(method_not_allowed("POST"))
    };
    let get = |path: &str, route: Route| {
        web::resource(path)
            .route(route)
            .default_service(method_not_allowed("GET"))
    };
    cfg.service(get("/health", web::get().to(health::live)))
        .service(get("/health/ready", web::get().to(health::ready)))
        .service(
            web::scope("/api/v1/auth")
                .service(post("/register", web::post().to(register::register)))
                .service(post("/login", web::post().to(login::login)))
                .service(post("/token/refresh", web::post().to(refresh::refresh)))
                .service(post("/logout", web::post().to(logout::logout)))
                .service(get("/me", web::get().to(me::me)))
                .service(post(
                    "/telegram/register",
                    web::post().to(telegram::register),
                ))
                .service(post("/telegram/start", web::post().to(telegram::start)))
                .service(post("/telegram/confirm", web::post().to(telegram::confirm)))
                .service(post("/token/get", web::post().to(telegram::token_get)))
                .service(post(
                    "/token/refresh-telegram",
                    web::post().to(telegram::refresh),
                ))
                .service(post("/email/verify/send", web::post().to(email::send)))
                .service(post("/email/verify", web::post().to(email::verify)))
                .service(post("/password/forgot", web::post().to(password::forgot)))
                .service(post("/password/reset", web::post().to(password::reset)))
                .service(post("/password/change", web::post().to(password::change)))
                .service(get("/sessions", web::get().to(sessions::list)))
                .service(
                    web::resource("/sessions/{id}")
                        .route(web::delete().to(sessions::delete))
                        .default_service(method_not_allowed("DELETE")),
                )
                .service(post("/logout-all", web::post().to(sessions::logout_all))),
        );
}
