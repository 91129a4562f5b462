//! The auth-service scenarios, in order: `/health`, `/me` (peak, then paced at
//! half the peak), refresh with rotation, signed `token/get`, login against
//! the bcrypt bound, logins with `/me` alongside (paced), and logins under a
//! closed-loop `/me` flood (`flood`: every connection sends its next `/me` as
//! soon as the last is answered, saturating the CPU).

mod bcrypt_bound;
mod workloads;

use std::future::Future;

use auth_types::HmacSigner;

use crate::api::{Api, Identities, Tokens};
use crate::args::AuthArgs;
use crate::load::{self, Outcome, Plan};
use crate::report::{Results, Row};
use crate::rss;

pub use bcrypt_bound::BcryptBound;
use workloads::{Health, Login, Me, Refresh, TokenGet};

/// Sessions per refresh chain: one to rotate, the rest spares should it break.
const SESSIONS_PER_CHAIN: usize = 3;
const LOGIN_PASSWORD: &str = "bench-password-0123456789";

/// Runs `work` while sampling the service's resident set.
async fn sampled(
    pid: u32,
    work: impl Future<Output = anyhow::Result<Outcome>>,
) -> anyhow::Result<(Outcome, u64)> {
    let sampler = rss::Sampler::start(pid);
    let outcome = work.await;
    let peak = sampler.finish().await?;
    Ok((outcome?, peak))
}

fn progress(what: &str) {
    eprintln!("==> {what}");
}

pub async fn run(args: &AuthArgs) -> anyhow::Result<Results> {
    let addr = args.addr;
    let signer = HmacSigner::new(args.hmac_secret.as_bytes());
    let ids = Identities::new();
    let n = args.connections.max(1);
    let closed = Plan {
        warmup: args.warmup(),
        duration: args.duration(),
        rate: None,
    };
    let paced = |rate: f64| Plan {
        rate: Some(rate.max(1.0)),
        ..closed
    };
    let mut results = Results::new(rss::read(args.pid)?);
    let mut api = Api::open(addr, signer.clone()).await?;

    progress(&format!("setup: {n} Telegram users, one session each"));
    let mut sessions: Vec<Tokens> = Vec::with_capacity(n);
    for i in 0..n {
        sessions.push(api.telegram_session(ids.telegram_id(i)).await?);
    }
    let me = || sessions.iter().map(|s| Me::new(&s.access_token)).collect();

    if args.wants("health") {
        progress("GET /health");
        let runs = (0..n).map(|_| Health).collect();
        let (outcome, peak) = sampled(args.pid, load::run(addr, runs, closed)).await?;
        results.health = Some(outcome.throughput());
        results.push(Row::new("GET /health", format!("{n} conn"), &outcome, peak));
    }

    if args.wants("me") {
        progress("GET /api/v1/auth/me");
        let (outcome, peak) = sampled(args.pid, load::run(addr, me(), closed)).await?;
        let peak_rate = outcome.throughput();
        results.me = Some(peak_rate);
        results.push(Row::new("GET /me", format!("{n} conn"), &outcome, peak));

        let half = (peak_rate / 2.0).round();
        progress(&format!("GET /api/v1/auth/me paced at {half} requests/s"));
        let (outcome, peak) = sampled(args.pid, load::run(addr, me(), paced(half))).await?;
        results.me_half_p99 = Some(outcome.latency_ms(0.99));
        let load = format!("paced {half:.0}/s (half peak), {n} conn");
        results.push(Row::new("GET /me", load, &outcome, peak));
    }

    if args.wants("refresh") {
        progress("setup: refresh chains");
        let mut chains = Vec::with_capacity(n);
        for i in 0..n {
            let mut tokens = Vec::with_capacity(SESSIONS_PER_CHAIN);
            for _ in 0..SESSIONS_PER_CHAIN {
                tokens.push(
                    api.telegram_session(ids.telegram_id(i))
                        .await?
                        .refresh_token,
                );
            }
            chains.push(Refresh::new(tokens)?);
        }
        progress("POST /api/v1/auth/token/refresh");
        let (outcome, peak) = sampled(args.pid, load::run(addr, chains, closed)).await?;
        results.refresh = Some(outcome.throughput());
        let row = Row::new("POST /token/refresh", format!("{n} conn"), &outcome, peak);
        results.push(row.note("rotating: each connection follows its own chain"));
    }

    if args.wants("token_get") {
        progress("POST /api/v1/auth/token/get (signed)");
        let runs = (0..n)
            .map(|i| TokenGet::new(signer.clone(), ids.telegram_id(i)))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let (outcome, peak) = sampled(args.pid, load::run(addr, runs, closed)).await?;
        results.token_get = Some(outcome.throughput());
        let row = Row::new("POST /token/get", format!("{n} conn"), &outcome, peak);
        results.push(row.note("HMAC-signed, a fresh nonce each; each opens a session"));
    }

    let wants_login = args.wants("login") || args.wants("mixed") || args.wants("flood");
    if wants_login {
        progress(&format!("timing bcrypt at cost {}", args.bcrypt_cost));
        let bound = BcryptBound::measure(args.bcrypt_cost).await?;
        let k = match args.login_connections {
            0 => bound.permits * 2,
            k => k,
        };
        progress(&format!("setup: {k} accounts with a password"));
        let mut emails = Vec::with_capacity(k);
        for i in 0..k {
            let email = ids.email(i);
            api.register(&email, LOGIN_PASSWORD).await?;
            emails.push(email);
        }
        let logins = || {
            emails
                .iter()
                .map(|email| Login::new(email, LOGIN_PASSWORD))
                .collect::<anyhow::Result<Vec<_>>>()
        };

        if args.wants("login") {
            progress("POST /api/v1/auth/login");
            let (outcome, peak) = sampled(args.pid, load::run(addr, logins()?, closed)).await?;
            let row = Row::new("POST /login", format!("{k} conn"), &outcome, peak);
            results.push(row.note(&bound.describe(outcome.throughput())));
            results.login = Some((outcome.throughput(), bound));
        }

        if args.wants("mixed") {
            let rate = args.mixed_me_rate as f64;
            progress(&format!(
                "mixed: logins on {k} conn + GET /me paced at {rate} requests/s"
            ));
            let sampler = rss::Sampler::start(args.pid);
            let (login_outcome, me_outcome) = tokio::join!(
                load::run(addr, logins()?, closed),
                load::run(addr, me(), paced(rate)),
            );
            let peak = sampler.finish().await?;
            let (login_outcome, me_outcome) = (login_outcome?, me_outcome?);
            results.mixed_me_p99 = Some(me_outcome.latency_ms(0.99));
            let row = Row::new(
                "POST /login (mixed)",
                format!("{k} conn"),
                &login_outcome,
                peak,
            );
            results.push(row.note(&bound.describe(login_outcome.throughput())));
            let load = format!("paced {rate:.0}/s, {n} conn, during the logins");
            results.push(Row::new("GET /me (mixed)", load, &me_outcome, peak));
        }

        if args.wants("flood") {
            progress(&format!(
                "flood: logins on {k} conn + GET /me closed-loop on {n} conn"
            ));
            let sampler = rss::Sampler::start(args.pid);
            let (login_outcome, me_outcome) = tokio::join!(
                load::run(addr, logins()?, closed),
                load::run(addr, me(), closed),
            );
            let peak = sampler.finish().await?;
            let (login_outcome, me_outcome) = (login_outcome?, me_outcome?);
            results.flood_me_p99 = Some(me_outcome.latency_ms(0.99));
            results.flood_login = Some((login_outcome.throughput(), bound));
            let row = Row::new(
                "POST /login (flood)",
                format!("{k} conn"),
                &login_outcome,
                peak,
            );
            results.push(row.note(&bound.describe(login_outcome.throughput())));
            let load = format!("closed loop, {n} conn, during the logins");
            results.push(Row::new("GET /me (flood)", load, &me_outcome, peak));
        }
    }

    results.end = rss::read(args.pid)?;
    Ok(results)
}
