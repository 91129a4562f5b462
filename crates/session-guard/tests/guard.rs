//! The guard against a real Redis: sessions written as the auth service
//! writes them (`session_guard::keys`), tokens signed with its keys.

#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use actix_web::{App, HttpResponse, test, web};
use auth_types::{Claims, JwtKeys, SessionId, TokenKind, UserId};
use service_kit::dependency::Dependency;
use session_guard::{AccessGuard, Authenticated, GuardError, Redis, keys};
use test_support::TestRedis;

const SECRET: &[u8] = b"guard-test-secret-0123456789abcdef0123";

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn guard_on(url: &str, prefix: &str) -> AccessGuard {
    let redis = Redis::new(url, 2, prefix, Duration::from_millis(500)).unwrap();
    AccessGuard::new(JwtKeys::new(SECRET).verifier().clone(), redis)
}

fn token(user: UserId, session: SessionId) -> (String, Claims) {
    token_of_kind(user, session, TokenKind::Access)
}

fn token_of_kind(user: UserId, session: SessionId, kind: TokenKind) -> (String, Claims) {
    JwtKeys::new(SECRET)
        .issue(user, session, kind, 60, now())
        .unwrap()
}

/// Opens `session` for `user` as the auth service does (only the owner field).
async fn open_session(space: &TestRedis, guard: &AccessGuard, user: UserId, session: SessionId) {
    let mut conn = space.connect().await;
    redis::cmd("HSET")
        .arg(keys::session(guard.redis(), session))
        .arg(keys::SESSION_USER_ID)
        .arg(user.to_string())
        .query_async::<()>(&mut conn)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_token_passes_only_while_its_own_session_lives_unrevoked() {
    let space = TestRedis::new();
    let guard = guard_on(space.url(), space.prefix());
    let (ann, bob) = (UserId::new(), UserId::new());
    let session = SessionId::new();
    let (ann_token, ann_claims) = token(ann, session);

    // No session yet.
    assert!(matches!(
        guard.check(&ann_claims).await,
        Err(GuardError::Unauthorized)
    ));

    open_session(&space, &guard, ann, session).await;
    let caller = guard
        .authenticate(Some(&format!("Bearer {ann_token}")))
        .await
        .unwrap();
    assert_eq!((caller.user_id, caller.session_id), (ann, session));

    // Bob's token naming Ann's session is refused.
    let (_, bob_claims) = token(bob, session);
    assert!(matches!(
        guard.check(&bob_claims).await,
        Err(GuardError::Unauthorized)
    ));

    // A revoked token is refused while its session lives on.
    let mut conn = space.connect().await;
    redis::cmd("SET")
        .arg(keys::revoked(guard.redis(), ann_claims.jti))
        .arg(1)
        .query_async::<()>(&mut conn)
        .await
        .unwrap();
    assert!(matches!(
        guard.check(&ann_claims).await,
        Err(GuardError::Unauthorized)
    ));
}

#[tokio::test]
async fn bad_bearers_are_refused_before_redis_is_asked() {
    // Nothing listens there: any question to Redis would be a 503.
    let guard = guard_on("redis://127.0.0.1:1", "none:");
    let (token, _) = token(UserId::new(), SessionId::new());
    let (refresh, _) = token_of_kind(UserId::new(), SessionId::new(), TokenKind::Refresh);
    for header in [
        None,
        Some("Basic abc".to_owned()),
        Some("Bearer not-a-jwt".to_owned()),
        Some(format!("Bearer {refresh}")),
        Some(token.clone()),
    ] {
        assert!(
            matches!(
                guard.authenticate(header.as_deref()).await,
                Err(GuardError::Unauthorized)
            ),
            "{header:?}"
        );
    }
}

#[tokio::test]
async fn redis_down_is_a_503_within_the_deadline() {
    let guard = guard_on("redis://127.0.0.1:1", "none:");
    let (token, _) = token(UserId::new(), SessionId::new());
    let started = Instant::now();
    let answer = guard.authenticate(Some(&format!("Bearer {token}"))).await;
    assert!(
        matches!(answer, Err(GuardError::Unavailable(Dependency::Redis, _))),
        "{answer:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(matches!(
        guard.redis().ping::<GuardError>().await,
        Err(GuardError::Unavailable(Dependency::Redis, _))
    ));
}

async fn whoami(caller: Authenticated) -> HttpResponse {
    HttpResponse::Ok().body(caller.user_id.to_string())
}

#[actix_web::test]
async fn the_extractor_lets_a_live_token_through_and_answers_401_otherwise() {
    let space = TestRedis::new();
    let guard = guard_on(space.url(), space.prefix());
    let (user, session) = (UserId::new(), SessionId::new());
    open_session(&space, &guard, user, session).await;
    let (token, _) = token(user, session);
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(guard))
            .route("/", web::get().to(whoami)),
    )
    .await;

    let ok = test::TestRequest::get()
        .uri("/")
        .insert_header(("authorization", format!("Bearer {token}")))
        .to_request();
    let body = test::call_and_read_body(&app, ok).await;
    assert_eq!(body, user.to_string().as_bytes());

    let refused = test::TestRequest::get().uri("/").to_request();
    let answer = test::call_service(&app, refused).await;
    assert_eq!(answer.status(), 401);
    assert_eq!(answer.headers().get("www-authenticate").unwrap(), "Bearer");
    assert_eq!(
        answer.headers().get("content-type").unwrap(),
        "application/problem+json"
    );
}
