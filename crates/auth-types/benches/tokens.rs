//! Micro-benchmarks of the work every authenticated request does: issuing and
//! verifying a JWT, signing and verifying a bot request. Run with
//! `cargo bench -p auth-types`; scripts/bench puts the results in docs/benchmarks.md.

use std::hint::black_box;

use auth_types::signing::{HmacSigner, ReceivedHeaders};
use auth_types::{JwtKeys, SessionId, TokenKind, UserId};
use criterion::{Criterion, criterion_group, criterion_main};

const SECRET: &[u8] = b"benchmark-secret-0123456789abcdef0123456789";
const PATH: &str = "/api/v1/auth/token/get";
const BODY: &[u8] = br#"{"telegram_id":123456789}"#;

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn jwt(c: &mut Criterion) {
    let keys = JwtKeys::new(SECRET);
    let (user, session) = (UserId::new(), SessionId::new());
    let mut group = c.benchmark_group("jwt");
    group.bench_function("issue", |b| {
        b.iter(|| keys.issue(black_box(user), session, TokenKind::Access, 900, now()))
    });
    let (token, _) = keys
        .issue(user, session, TokenKind::Access, 900, now())
        .expect("sign");
    group.bench_function("verify", |b| {
        b.iter(|| keys.verify(black_box(&token), TokenKind::Access))
    });
    group.finish();
}

fn hmac(c: &mut Criterion) {
    let signer = HmacSigner::new(SECRET);
    let mut group = c.benchmark_group("hmac");
    group.bench_function("sign", |b| {
        b.iter(|| signer.sign("POST", PATH, black_box(BODY)))
    });
    let signed = signer.sign("POST", PATH, BODY);
    let received = ReceivedHeaders {
        timestamp: Some(&signed.timestamp),
        nonce: Some(&signed.nonce),
        signature: Some(&signed.signature),
    };
    group.bench_function("verify", |b| {
        b.iter(|| signer.verify(black_box(received), "POST", PATH, BODY, now()))
    });
    group.finish();
}

criterion_group!(benches, jwt, hmac);
criterion_main!(benches);
