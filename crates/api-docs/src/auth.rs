//! The auth service's API as documented: every route with its operation. The
//! auth service serves exactly these (it maps each operation to its handler);
//! the web service documents the part it passes on to the browser.

use auth_types::dto::{
    AcceptedResponse, ChangePasswordRequest, ForgotPasswordRequest, HealthResponse, LoginRequest,
    LogoutRequest, ReadinessResponse, RefreshRequest, RegisterRequest, ResetPasswordRequest,
    SessionListResponse, TelegramConfirmRequest, TelegramInspectRequest, TelegramInspectResponse,
    TelegramRefreshRequest, TelegramRegisterRequest, TelegramStartRequest, TelegramStartResponse,
    TokenGetRequest, TokenResponse, UserResponse, VerifyEmailRequest,
};
use auth_types::problem::codes;

use crate::{Access, Method, Operation, Route, Service};

/// What the auth service's document says about it as a whole.
pub const SERVICE: Service = Service {
    title: "Finance Bot auth service",
    version: env!("CARGO_PKG_VERSION"),
    description: "Accounts, Telegram identities and JWT sessions. Errors are RFC 9457 \
        problem documents (application/problem+json) with a stable `code`; each \
        response lists the codes it can carry. See docs/api.md.",
    tags: &[
        (
            "health",
            "Liveness and readiness (their own JSON, never problem+json)",
        ),
        ("meta", "This document"),
        ("accounts", "Email accounts and their tokens"),
        (
            "telegram",
            "Telegram identities: the bot's signed calls and linking",
        ),
        ("email", "Email verification"),
        ("password", "Password recovery and change"),
        ("sessions", "The caller's login sessions"),
    ],
};

/// Every route of the auth service, in the order of the documentation.
pub fn routes() -> Vec<Route> {
    use Access::{Bearer, BotSignature};
    use Operation as Op;
    const TOKENS: &str = "A new session: an access and a refresh token, and the user";
    vec![
        Route::get(
            "/health",
            Op::new(
                "health",
                "health",
                "The process is up (no dependency checked)",
            )
            .answers::<HealthResponse>(200, "Up"),
        ),
        Route::get(
            "/health/ready",
            Op::new("ready", "health", "PostgreSQL and Redis both answer")
                .answers::<ReadinessResponse>(200, "Ready")
                .answers::<ReadinessResponse>(503, "A dependency is down (named in checks)"),
        ),
        Route::get("/openapi.json", crate::openapi_operation()),
        Route::post(
            "/api/v1/auth/register",
            Op::api("register", "accounts", "Create an email account")
                .json_body::<RegisterRequest>()
                .answers::<TokenResponse>(201, TOKENS)
                .problem(409, &[codes::EMAIL_TAKEN])
                .problem(429, &[codes::RATE_LIMITED]),
        ),
        Route::post(
            "/api/v1/auth/login",
            Op::api("login", "accounts", "Log in with email and password")
                .json_body::<LoginRequest>()
                .answers::<TokenResponse>(200, TOKENS)
                .problem(401, &[codes::INVALID_CREDENTIALS])
                .problem(429, &[codes::RATE_LIMITED]),
        ),
        Route::post(
            "/api/v1/auth/token/refresh",
            Op::api(
                "refresh",
                "accounts",
                "Rotate a refresh token for a new pair",
            )
            .json_body::<RefreshRequest>()
            .answers::<TokenResponse>(200, "The rotated pair; the presented token stops working")
            .problem(401, &[codes::INVALID_REFRESH_TOKEN, codes::TOKEN_REUSED])
            .problem(429, &[codes::RATE_LIMITED]),
        ),
        Route::post(
            "/api/v1/auth/logout",
            Op::api("logout", "accounts", "End the calling session")
                .access(Bearer)
                .optional_json_body::<LogoutRequest>()
                .answers_empty(204, "The session and its access token are revoked"),
        ),
        Route::get(
            "/api/v1/auth/me",
            Op::api("me", "accounts", "The caller's user object")
                .access(Bearer)
                .answers::<UserResponse>(200, "The user"),
        ),
        Route::post(
            "/api/v1/auth/telegram/register",
            Op::api(
                "telegramRegister",
                "telegram",
                "Register (or find) a Telegram user",
            )
            .access(BotSignature)
            .json_body::<TelegramRegisterRequest>()
            .answers::<TokenResponse>(201, "A new user and its first session")
            .answers::<TokenResponse>(200, "The existing user and a new session")
            .problem(429, &[codes::RATE_LIMITED]),
        ),
        Route::post(
            "/api/v1/auth/telegram/start",
            Op::api(
                "telegramStart",
                "telegram",
                "A one-time code to link a chat to an account",
            )
            .access(BotSignature)
            .json_body::<TelegramStartRequest>()
            .answers::<TelegramStartResponse>(201, "The code and the page that confirms it")
            .problem(429, &[codes::RATE_LIMITED]),
        ),
        Route::post(
            "/api/v1/auth/telegram/confirm",
            Op::api(
                "telegramConfirm",
                "telegram",
                "Bind the Telegram identity behind a code",
            )
            .access(Bearer)
            .json_body::<TelegramConfirmRequest>()
            .answers::<UserResponse>(200, "The user, now with telegram_id")
            .problem(404, &[codes::INVALID_CODE])
            .problem(409, &[codes::TELEGRAM_ALREADY_LINKED]),
        ),
        Route::post(
            "/api/v1/auth/telegram/inspect",
            Op::api(
                "telegramInspect",
                "telegram",
                "The Telegram identity behind a code, without using it up",
            )
            .access(Bearer)
            .json_body::<TelegramInspectRequest>()
            .answers::<TelegramInspectResponse>(200, "Who would be linked")
            .problem(404, &[codes::INVALID_CODE]),
        ),
        Route::new(
            Method::Delete,
            "/api/v1/auth/telegram",
            Op::api(
                "telegramUnlink",
                "telegram",
                "Unlink the caller's Telegram identity",
            )
            .access(Bearer)
            .answers_empty(
                204,
                "Unlinked (or none was linked); every session opened through the bot is revoked",
            )
            .problem(409, &[codes::TELEGRAM_ONLY]),
        ),
        Route::post(
            "/api/v1/auth/token/get",
            Op::api("tokenGet", "telegram", "A new session for a Telegram user")
                .access(BotSignature)
                .json_body::<TokenGetRequest>()
                .answers::<TokenResponse>(200, TOKENS)
                .problem(404, &[codes::NOT_REGISTERED]),
        ),
        Route::post(
            "/api/v1/auth/token/refresh-telegram",
            Op::api(
                "telegramRefresh",
                "telegram",
                "Rotate a Telegram user's refresh token",
            )
            .access(BotSignature)
            .json_body::<TelegramRefreshRequest>()
            .answers::<TokenResponse>(200, "The rotated pair")
            .problem(401, &[codes::INVALID_REFRESH_TOKEN, codes::TOKEN_REUSED])
            .problem(429, &[codes::RATE_LIMITED]),
        ),
        Route::post(
            "/api/v1/auth/email/verify/send",
            Op::api("sendVerification", "email", "Send a verification email")
                .access(Bearer)
                .answers::<AcceptedResponse>(202, "On its way (nothing sent when verified)")
                .problem(409, &[codes::NO_EMAIL])
                .problem(429, &[codes::RATE_LIMITED]),
        ),
        Route::post(
            "/api/v1/auth/email/verify",
            Op::api("verifyEmail", "email", "Use a verification token")
                .json_body::<VerifyEmailRequest>()
                .answers::<UserResponse>(200, "The user, with email_verified true")
                .problem(404, &[codes::INVALID_CODE]),
        ),
        Route::post(
            "/api/v1/auth/password/forgot",
            Op::api("forgotPassword", "password", "Send a password reset email")
                .json_body::<ForgotPasswordRequest>()
                .answers::<AcceptedResponse>(
                    202,
                    "The same answer whether the email has an account",
                )
                .problem(429, &[codes::RATE_LIMITED]),
        ),
        Route::post(
            "/api/v1/auth/password/reset",
            Op::api(
                "resetPassword",
                "password",
                "Set a new password with a reset token",
            )
            .json_body::<ResetPasswordRequest>()
            .answers_empty(204, "Changed; every session of the user is revoked")
            .problem(404, &[codes::INVALID_CODE])
            .problem(429, &[codes::RATE_LIMITED]),
        ),
        Route::post(
            "/api/v1/auth/password/change",
            Op::api("changePassword", "password", "Change the password")
                .access(Bearer)
                .json_body::<ChangePasswordRequest>()
                .answers_empty(204, "Changed; every other session is revoked")
                .problem(401, &[codes::INVALID_CREDENTIALS])
                .problem(429, &[codes::RATE_LIMITED]),
        ),
        Route::get(
            "/api/v1/auth/sessions",
            Op::api(
                "listSessions",
                "sessions",
                "The caller's sessions, newest first",
            )
            .access(Bearer)
            .answers::<SessionListResponse>(200, "The sessions"),
        ),
        Route::new(
            Method::Delete,
            "/api/v1/auth/sessions/{id}",
            Op::api(
                "deleteSession",
                "sessions",
                "End one of the caller's sessions",
            )
            .access(Bearer)
            .uuid_path_param("id", "The session id (the sid claim)")
            .answers_empty(204, "Revoked")
            .problem(404, &[codes::NOT_FOUND]),
        ),
        Route::post(
            "/api/v1/auth/logout-all",
            Op::api("logoutAll", "sessions", "End every session of the caller")
                .access(Bearer)
                .answers_empty(204, "Every session revoked, this one included"),
        ),
    ]
}
