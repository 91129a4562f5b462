#![allow(clippy::unwrap_used)]

//! The real `finance-service` program killed (SIGKILL) in the middle of
//! writes, then started again: nothing it answered 2xx for is lost, a client
//! retrying an `Idempotency-Key` through it records once, and every balance,
//! budget and report is exact to the minor unit afterwards
//! (docs/operations.md, "When finance-service is killed").

mod books;
mod commit_trap;
mod service;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use books::{Answer, Api, Effect, Family, Op, Patch, Rng};
use commit_trap::CommitTrap;
use diesel_async::SimpleAsyncConnection;
use service::Service;
use test_support::{Template, TestAuth, TestDatabase};

/// Concurrent clients writing while the service is killed.
const WRITERS: usize = 8;
/// Kills (and restarts) per run; every other one with COMMITs caught.
const ROUNDS: usize = 6;
/// Requests with one key sent at once.
const BURST: usize = 20;

/// The auth service in-process, on a database with both services' tables.
async fn auth() -> TestAuth {
    let db = TestDatabase::from_template("finance", &Template::new(&["auth", "finance"])).await;
    test_support::spawn_auth_on(db, &[]).await
}

/// A write of the writers: a new transaction, or a new amount for one.
#[derive(Debug, Clone)]
enum Request {
    Create(Op),
    Patch(Patch),
}

impl Request {
    fn key(&self) -> &str {
        match self {
            Self::Create(op) => &op.key,
            Self::Patch(patch) => &patch.key,
        }
    }

    async fn send(&self, api: &Api, family: &Family) -> Result<Answer, reqwest::Error> {
        match self {
            Self::Create(op) => op.send(api, family).await,
            Self::Patch(patch) => patch.send(api, family).await,
        }
    }

    async fn send_until_recorded(&self, api: &Api, family: &Family) -> Answer {
        match self {
            Self::Create(op) => op.send_until_recorded(api, family).await,
            Self::Patch(patch) => patch.send_until_recorded(api, family).await,
        }
    }

    /// The transaction as this request leaves it.
    fn result(&self) -> &Op {
        match self {
            Self::Create(op) => op,
            Self::Patch(patch) => &patch.patched,
        }
    }

    fn success(&self) -> u16 {
        match self {
            Self::Create(_) => 201,
            Self::Patch(_) => 200,
        }
    }
}

/// What a writer learnt of one request before the kill.
enum Outcome {
    /// 201 or 200, with the answer's body.
    Answered(Request, serde_json::Value),
    /// No answer (the connection failed or broke), or a 503: the outcome is unknown.
    Lost(Request),
}

/// Writes random transactions, and now and then a new amount for one of
/// its own, each with a key of its own, until a request gets no answer;
/// counts the answers in `answered`.
async fn writer(
    api: Api,
    family: Arc<Family>,
    mut rng: Rng,
    prefix: String,
    answered: Arc<AtomicUsize>,
    kill_at: usize,
    kill: Arc<tokio::sync::Notify>,
) -> Vec<Outcome> {
    let mut outcomes = Vec::new();
    // This writer's expenses and incomes, as they are now, with their ids.
    let mut own: Vec<(Op, String)> = Vec::new();
    let mut seq = 0;
    loop {
        seq += 1;
        let key = format!("{prefix}-{seq}");
        let request = if !own.is_empty() && rng.next().is_multiple_of(5) {
            let (target, id) = &own[rng.between(0, own.len() as u64 - 1) as usize];
            let (account, old) = target.account_amount().unwrap();
            let mut amount = old;
            while amount == old {
                amount = family.random_amount(&mut rng, account, 15_000);
            }
            Request::Patch(Patch::new(&family, key, target, id, amount))
        } else {
            Request::Create(family.random_op(&mut rng, key))
        };
        match request.send(&api, &family).await {
            Ok(answer) if answer.status == 503 => {
                outcomes.push(Outcome::Lost(request));
                return outcomes;
            }
            Ok(answer) => {
                assert_eq!(
                    answer.status.as_u16(),
                    request.success(),
                    "{}: {}",
                    request.key(),
                    answer.body
                );
                assert!(!answer.replayed, "{} is a new key", request.key());
                request.result().assert_matches(&family, &answer.body);
                let id = answer.id();
                match &request {
                    Request::Create(op) if op.account_amount().is_some() => {
                        own.push((op.clone(), id));
                    }
                    Request::Create(_) => {}
                    Request::Patch(patch) => {
                        let entry = own.iter_mut().find(|(_, i)| *i == id).unwrap();
                        entry.0 = patch.patched.clone();
                    }
                }
                outcomes.push(Outcome::Answered(request, answer.body));
                if answered.fetch_add(1, Ordering::SeqCst) + 1 == kill_at {
                    kill.notify_one();
                }
            }
            Err(_) => {
                outcomes.push(Outcome::Lost(request));
                return outcomes;
            }
        }
    }
}

/// The family's transactions as the test wrote them, by key, with their ids.
#[derive(Default)]
struct Ledger {
    transactions: HashMap<String, (Op, String)>,
    patches: usize,
}

impl Ledger {
    fn apply(&mut self, request: &Request, answer: &serde_json::Value) {
        let id = answer["id"].as_str().unwrap().to_owned();
        match request {
            Request::Create(op) => {
                let old = self.transactions.insert(op.key.clone(), (op.clone(), id));
                assert!(old.is_none(), "{} twice", op.key);
            }
            Request::Patch(patch) => {
                let entry = self.transactions.get_mut(&patch.target).unwrap();
                assert_eq!(entry.1, id, "{}", patch.key);
                entry.0 = patch.patched.clone();
                self.patches += 1;
            }
        }
    }

    fn recorded(&self) -> Vec<(Op, String)> {
        self.transactions.values().cloned().collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killed_mid_write_it_loses_no_answered_write_and_retried_keys_record_once() {
    let auth = auth().await;
    let trap = CommitTrap::start(&test_support::host_port(auth.db.url(), 5432)).await;
    let through_trap = test_support::with_host(auth.db.url(), trap.addr());
    let mut service = Service::start(&auth, &[("DATABASE_URL", through_trap)]).await;
    let (_, token) = books::sign_up(&auth, "ann").await;
    let family = Arc::new(Family::create(&Api::new(&service.base(), &token)).await);
    let seed = books::seed();
    eprintln!("CRASH_TEST_SEED={seed}");
    let mut rng = Rng::new(seed);
    let mut ledger = Ledger::default();
    let mut committed_unanswered = 0;
    for round in 0..ROUNDS {
        let caught_commits = round % 2 == 1;
        let api = Api::new(&service.base(), &token);
        // The kill comes after a different number of answers each round.
        let kill_at = rng.between(30, 120) as usize;
        let answered = Arc::new(AtomicUsize::new(0));
        let kill = Arc::new(tokio::sync::Notify::new());
        let writers: Vec<_> = (0..WRITERS)
            .map(|w| {
                tokio::spawn(writer(
                    api.clone(),
                    family.clone(),
                    Rng::new(rng.next()),
                    format!("r{round}-w{w}"),
                    answered.clone(),
                    kill_at,
                    kill.clone(),
                ))
            })
            .collect();
        tokio::time::timeout(Duration::from_secs(120), kill.notified())
            .await
            .unwrap_or_else(|_| panic!("round {round}: {kill_at} answers not reached"));
        let caught = if caught_commits {
            // One or two writes committed whose requests can never answer.
            let wanted = rng.between(1, 2) as usize;
            trap.arm(wanted);
            trap.wait_committed(wanted).await;
            wanted
        } else {
            0
        };
        service.kill();
        trap.reset();
        // Each writer's outcomes, in the order it sent them.
        let mut answered_requests = Vec::new();
        let mut lost = Vec::new();
        for writer in writers {
            for outcome in writer.await.unwrap() {
                match outcome {
                    Outcome::Answered(request, body) => answered_requests.push((request, body)),
                    Outcome::Lost(request) => lost.push(request),
                }
            }
        }
        assert_eq!(lost.len(), WRITERS, "every writer lost its last request");

        service.restart().await;
        let api = Api::new(&service.base(), &token);
        // What the crash left: everything answered before, as answered.
        let mut expected = std::mem::take(&mut ledger);
        for (request, body) in &answered_requests {
            expected.apply(request, body);
        }
        let left = books::by_key(&books::list_all(&api, &family).await);
        // Of the requests without an answer, which were committed.
        let committed: Vec<bool> = lost
            .iter()
            .map(|request| match request {
                Request::Create(op) => left.contains_key(&op.key),
                Request::Patch(patch) => {
                    left[&patch.target]["amount"] == patch.patched.body["amount"]
                }
            })
            .collect();
        for (op, id) in expected.transactions.values() {
            let tx = left
                .get(&op.key)
                .unwrap_or_else(|| panic!("{} was answered and is lost", op.key));
            assert_eq!(tx["id"], id.as_str(), "{}", op.key);
            let patched_since = lost.iter().zip(&committed).any(|(request, done)| {
                *done && matches!(request, Request::Patch(p) if p.target == op.key)
            });
            if !patched_since {
                op.assert_matches(&family, tx);
            }
        }
        let created_unanswered = lost
            .iter()
            .zip(&committed)
            .filter(|(request, done)| **done && matches!(request, Request::Create(_)))
            .count();
        assert_eq!(
            left.len(),
            expected.transactions.len() + created_unanswered,
            "nothing but the requests the test made"
        );

        // A retry of an answered key answers the same again and records nothing.
        let replays = futures_util::future::join_all(
            answered_requests
                .iter()
                .map(|(request, _)| request.send_until_recorded(&api, &family)),
        )
        .await;
        for ((request, body), replay) in answered_requests.iter().zip(replays) {
            assert!(replay.replayed, "{}: the first answer again", request.key());
            assert_eq!(&replay.body, body, "{}", request.key());
        }
        // A retry of a lost one is recorded once: a committed one answers
        // what it did, the others are done now.
        let retries = futures_util::future::join_all(
            lost.iter()
                .map(|request| request.send_until_recorded(&api, &family)),
        )
        .await;
        for ((request, retry), done) in lost.iter().zip(&retries).zip(&committed) {
            request.result().assert_matches(&family, &retry.body);
            assert_eq!(
                retry.replayed,
                *done,
                "{}: replayed exactly when committed before the kill",
                request.key()
            );
            if let (Request::Create(op), true) = (request, done) {
                assert_eq!(retry.body["id"], left[&op.key]["id"], "{}", op.key);
            }
            expected.apply(request, &retry.body);
        }
        let unanswered = committed.iter().filter(|c| **c).count();
        assert!(
            unanswered >= caught,
            "the {caught} caught COMMITs are among the {unanswered} committed without an answer"
        );
        eprintln!(
            "round {round}: killed after {} answers{}; {} requests without an answer, {unanswered} of them committed",
            answered_requests.len(),
            if caught > 0 {
                format!(" with {caught} COMMITs caught")
            } else {
                String::new()
            },
            lost.len(),
        );
        committed_unanswered += unanswered;
        ledger = expected;
        books::check(&api, &family, &ledger.recorded(), ledger.patches, &auth.db).await;
    }
    eprintln!(
        "{} transactions, {} new amounts, over {ROUNDS} kills; {committed_unanswered} writes committed but not answered",
        ledger.transactions.len(),
        ledger.patches
    );
}

/// When the kill comes in a burst of one key.
#[derive(Debug, Clone, Copy)]
enum KillWhen {
    /// As soon as the requests are sent.
    AtOnce,
    /// At the first answer, whatever it is.
    FirstAnswer,
    /// At the first 201.
    FirstCreated,
}

/// Sends `op` `BURST` times at once; the answers (`Err`: none) as they come.
fn burst(
    api: &Api,
    family: &Arc<Family>,
    op: &Op,
) -> tokio::sync::mpsc::UnboundedReceiver<Result<books::Answer, String>> {
    let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
    for _ in 0..BURST {
        let (api, family, op, sender) = (api.clone(), family.clone(), op.clone(), sender.clone());
        tokio::spawn(async move {
            let answer = op.send(&api, &family).await.map_err(|e| e.to_string());
            let _ = sender.send(answer);
        });
    }
    receiver
}

/// Checks a burst's answer before the kill: 201 (the one record) or 409 in flight.
fn burst_answer(op: &Op, answer: &Result<books::Answer, String>, created: &mut Option<String>) {
    let Ok(answer) = answer else { return };
    match answer.status.as_u16() {
        201 => {
            let id = answer.id();
            assert_eq!(created.get_or_insert(id.clone()), &id, "one record");
        }
        409 => assert_eq!(answer.code(), "idempotency_in_flight", "{}", answer.body),
        _ => panic!("{}: {} {}", op.key, answer.status, answer.body),
    }
}

/// An expense of 1.11 EUR from the family's first account.
fn expense(family: &Family, key: &str) -> Op {
    Op::new(
        family,
        key.to_owned(),
        Effect::Expense {
            account: 0,
            category: family.groceries.clone(),
            amount: 111,
        },
        11,
        "2026-11-15T12:00:00Z".to_owned(),
        false,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_key_sent_in_a_burst_through_a_kill_records_once() {
    let auth = auth().await;
    // The request killed while it waits for a row lock stays in PostgreSQL
    // until the test lets it go: PostgreSQL does not look for the gone
    // client meanwhile, whatever the server's configuration, and ends the
    // statement only after the service's deadline, made long here.
    let mut conn = auth.db.connect().await;
    conn.batch_execute(&format!(
        "ALTER DATABASE \"{}\" SET client_connection_check_interval = 0",
        auth.db.name()
    ))
    .await
    .unwrap();
    drop(conn);
    let mut service = Service::start(&auth, &[("DEPENDENCY_TIMEOUT_MS", "30000".to_owned())]).await;
    let (_, token) = books::sign_up(&auth, "bob").await;
    let family = Arc::new(Family::create(&Api::new(&service.base(), &token)).await);
    let mut recorded: Vec<(Op, String)> = Vec::new();

    // Killed while the key's one running request is inside its database
    // transaction for sure: the test holds the account's row, so the request
    // waits there, holding the key.
    let op = expense(&family, "held");
    let mut holder = auth.db.connect().await;
    holder
        .batch_execute(&format!(
            "BEGIN; SELECT id FROM accounts WHERE id = '{}' FOR UPDATE",
            family.accounts[0].id
        ))
        .await
        .unwrap();
    let api = Api::new(&service.base(), &token);
    let mut answers = burst(&api, &family, &op);
    for _ in 1..BURST {
        let answer = tokio::time::timeout(Duration::from_secs(30), answers.recv())
            .await
            .expect("the other requests answer at once")
            .unwrap();
        let answer = answer.expect("an answer");
        assert_eq!(
            (answer.status.as_u16(), answer.code()),
            (409, "idempotency_in_flight"),
            "{}",
            answer.body
        );
    }
    wait_for_lock_waiter(&auth.db).await;
    service.kill();
    let last = answers.recv().await.unwrap();
    assert!(last.is_err(), "the running request got no answer: {last:?}");
    service.restart().await;
    let api = Api::new(&service.base(), &token);
    // The killed request's transaction is still open in PostgreSQL (blocked
    // on the row; nothing tells it the client is gone), and it holds the key.
    let retry = op.send(&api, &family).await.unwrap();
    assert_eq!(
        (retry.status.as_u16(), retry.code()),
        (409, "idempotency_in_flight"),
        "{}",
        retry.body
    );
    holder.batch_execute("COMMIT").await.unwrap();
    // Released, it finds its client gone and rolls back: the retry writes.
    let written = op.send_until_recorded(&api, &family).await;
    assert!(!written.replayed, "the killed request committed nothing");
    let again = op.send_until_recorded(&api, &family).await;
    assert!(again.replayed);
    assert_eq!(again.body, written.body);
    recorded.push((op, written.id()));
    books::check(&api, &family, &recorded, 0, &auth.db).await;

    // Killed at moments of the race itself.
    for (i, when) in [
        KillWhen::AtOnce,
        KillWhen::FirstAnswer,
        KillWhen::FirstCreated,
        KillWhen::FirstAnswer,
        KillWhen::FirstCreated,
    ]
    .into_iter()
    .enumerate()
    {
        let op = expense(&family, &format!("burst-{i}"));
        let api = Api::new(&service.base(), &token);
        let mut answers = burst(&api, &family, &op);
        let mut created = None;
        let mut received = 0;
        loop {
            let ready = match when {
                KillWhen::AtOnce => true,
                KillWhen::FirstAnswer => received > 0,
                KillWhen::FirstCreated => created.is_some(),
            };
            if ready {
                break;
            }
            let answer = tokio::time::timeout(Duration::from_secs(30), answers.recv())
                .await
                .expect("an answer in time")
                .unwrap();
            burst_answer(&op, &answer, &mut created);
            received += 1;
        }
        service.kill();
        while received < BURST {
            burst_answer(&op, &answers.recv().await.unwrap(), &mut created);
            received += 1;
        }
        let created_before_kill = created.is_some();
        service.restart().await;
        // Every client retries at once: one record still, the one answered before if any.
        let api = Api::new(&service.base(), &token);
        let mut retries = burst(&api, &family, &op);
        for _ in 0..BURST {
            let answer = retries.recv().await.unwrap();
            let replayed = answer.as_ref().map(|a| a.status == 201 && a.replayed);
            assert!(
                replayed.is_ok_and(|r| r || !created_before_kill),
                "{when:?}: the answer before the kill again: {answer:?}"
            );
            burst_answer(&op, &answer, &mut created);
        }
        let retry = op.send_until_recorded(&api, &family).await;
        if let Some(id) = &created {
            assert!(retry.replayed, "{when:?}: answered 201 before");
            assert_eq!(&retry.id(), id, "{when:?}");
        }
        eprintln!(
            "burst {i} killed {when:?}: 201 before the kill: {created_before_kill}; a retry replayed it: {}",
            retry.replayed
        );
        recorded.push((op, retry.id()));
        books::check(&api, &family, &recorded, 0, &auth.db).await;
    }
}

/// Waits until one session of the database waits for a row lock (the request held by the test).
async fn wait_for_lock_waiter(db: &TestDatabase) {
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = db.connect().await;
    for _ in 0..200 {
        let waiting: Count = diesel::sql_query(
            "SELECT count(*) AS n FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .get_result(&mut conn)
        .await
        .unwrap();
        if waiting.n == 1 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the request never reached the locked row");
}

/// The moment a crash makes the most of, without the crash: PostgreSQL
/// commits, its acknowledgement never reaches the service, and the service
/// answers 503 at its deadline. The write is recorded all the same — a 503
/// does not always mean "nothing happened" — and the retried key answers it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_commit_whose_acknowledgement_is_lost_is_a_503_the_key_replays() {
    let auth = auth().await;
    let trap = CommitTrap::start(&test_support::host_port(auth.db.url(), 5432)).await;
    let through_trap = test_support::with_host(auth.db.url(), trap.addr());
    let service = Service::start(&auth, &[("DATABASE_URL", through_trap)]).await;
    let (_, token) = books::sign_up(&auth, "cid").await;
    let api = Api::new(&service.base(), &token);
    let family = Family::create(&api).await;
    let op = expense(&family, "lost-ack");
    trap.arm(1);
    let answer = op.send(&api, &family).await.unwrap();
    trap.wait_committed(1).await;
    assert_eq!(
        (answer.status.as_u16(), answer.code()),
        (503, "unavailable"),
        "{}",
        answer.body
    );
    let recorded = books::by_key(&books::list_all(&api, &family).await);
    let tx = recorded.get("lost-ack").expect("committed despite the 503");
    let retry = op.send_until_recorded(&api, &family).await;
    assert!(retry.replayed, "the write's answer, kept with it");
    assert_eq!(retry.body["id"], tx["id"]);
    books::check(&api, &family, &[(op, retry.id())], 0, &auth.db).await;
}

/// Retries of a request whose answer is kept get that answer, even while
/// another retry holds the key (as concurrent retries after a restart do):
/// 409 `idempotency_in_flight` is only for a request still running.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn retries_of_a_kept_answer_get_it_while_another_retry_holds_the_key() {
    let auth = auth().await;
    let service = Service::start(&auth, &[]).await;
    let (user, token) = books::sign_up(&auth, "dan").await;
    let api = Api::new(&service.base(), &token);
    let family = Family::create(&api).await;
    let op = expense(&family, "kept");
    let first = op.send(&api, &family).await.unwrap();
    assert_eq!(first.status, 201, "{}", first.body);
    // Another retry's hold on the key (the service's lock, taken by the test).
    let mut other = auth.db.connect().await;
    other
        .batch_execute(&format!(
            "BEGIN; SELECT pg_advisory_xact_lock(hashtextextended('idempotency:{user}:{}:kept', 0))",
            family.id
        ))
        .await
        .unwrap();
    let retry = op.send(&api, &family).await.unwrap();
    assert_eq!(
        (retry.status.as_u16(), retry.replayed),
        (201, true),
        "{}",
        retry.body
    );
    assert_eq!(retry.body, first.body);
    // A key with no kept answer is still running: 409.
    let running = expense(&family, "running");
    other
        .batch_execute(&format!(
            "SELECT pg_advisory_xact_lock(hashtextextended('idempotency:{user}:{}:running', 0))",
            family.id
        ))
        .await
        .unwrap();
    let answer = running.send(&api, &family).await.unwrap();
    assert_eq!(
        (answer.status.as_u16(), answer.code()),
        (409, "idempotency_in_flight"),
        "{}",
        answer.body
    );
    other.batch_execute("COMMIT").await.unwrap();
    let written = running.send(&api, &family).await.unwrap();
    assert_eq!((written.status.as_u16(), written.replayed), (201, false));
    books::check(
        &api,
        &family,
        &[(op, first.id()), (running, written.id())],
        0,
        &auth.db,
    )
    .await;
}
