use reqwest::Method;
use serde_json::json;

use crate::helpers::world;

#[tokio::test]
async fn a_key_replays_its_first_answer_and_records_once() {
    let world = world().await;
    let ann = world.user("ann").await;
    let family = world.family(&ann, "EUR").await;
    let account = world.account(&ann, &family, "EUR", "0").await;
    let food = world.category(&ann, &family, "expense", "Groceries").await;
    let path = format!("/families/{family}/transactions");
    let body =
        json!({"kind": "expense", "account_id": account, "category_id": food, "amount": "3.00"});
    let first = world
        .call(&ann, Method::POST, &path, Some(body.clone()), Some("key-1"))
        .await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert!(first.headers.get("idempotent-replayed").is_none());
    // The same body with its keys in another order is the same request.
    let reordered =
        json!({"amount": "3.00", "category_id": food, "account_id": account, "kind": "expense"});
    let again = world
        .call(&ann, Method::POST, &path, Some(reordered), Some("key-1"))
        .await;
    assert_eq!(again.status, 201);
    assert_eq!(again.headers["idempotent-replayed"], "true");
    assert_eq!(again.body, first.body);
    // Even after the record changed, the first answer comes back.
    let tx = first.body["id"].as_str().unwrap();
    world
        .patch(&ann, &format!("{path}/{tx}"), json!({"amount": "4"}))
        .await;
    let later = world
        .call(&ann, Method::POST, &path, Some(body.clone()), Some("key-1"))
        .await;
    assert_eq!(later.body["amount"], "3.00");
    assert_eq!(world.balance(&ann, &family, &account).await, "-4.00");
    // Another body, or another endpoint, with the key: 422.
    let other = world
        .call(&ann, Method::POST, &path, Some(json!({"kind": "expense", "account_id": account, "category_id": food, "amount": "5"})), Some("key-1"))
        .await;
    assert_eq!(
        (other.status.as_u16(), other.code()),
        (422, "idempotency_key_reused")
    );
    let elsewhere = world
        .call(
            &ann,
            Method::POST,
            &format!("/families/{family}/accounts"),
            Some(body.clone()),
            Some("key-1"),
        )
        .await;
    assert_eq!(elsewhere.code(), "idempotency_key_reused");
    // Keys are the caller's: another member's same key is a new request.
    let bob = world.user("bob").await;
    world.join(&ann, &family, &bob, "member").await;
    let bobs = world
        .call(&bob, Method::POST, &path, Some(body.clone()), Some("key-1"))
        .await;
    assert_eq!(bobs.status, 201);
    assert!(bobs.headers.get("idempotent-replayed").is_none());
    assert_eq!(world.balance(&ann, &family, &account).await, "-7.00");
}

#[tokio::test]
async fn refusals_are_remembered_and_bad_keys_record_nothing() {
    let world = world().await;
    let ann = world.user("ann").await;
    let family = world.family(&ann, "EUR").await;
    let path = format!("/families/{family}/accounts");
    let refused = world
        .call(
            &ann,
            Method::POST,
            &path,
            Some(json!({"name": "A"})),
            Some("k"),
        )
        .await;
    refused.assert_field("kind", "invalid_value");
    let replayed = world
        .call(
            &ann,
            Method::POST,
            &path,
            Some(json!({"name": "A"})),
            Some("k"),
        )
        .await;
    assert_eq!(replayed.status, 422);
    assert_eq!(replayed.headers["idempotent-replayed"], "true");
    assert_eq!(replayed.body, refused.body);
    for bad in ["", "a b", &"k".repeat(256)] {
        let answer = world
            .call(
                &ann,
                Method::POST,
                &path,
                Some(json!({"name": "A", "kind": "cash"})),
                Some(bad),
            )
            .await;
        answer.assert_field("Idempotency-Key", "invalid_value");
    }
    assert_eq!(world.get(&ann, &path).await.body["items"], json!([]));
}

/// An expense is written without a savepoint (its refusals all come before
/// its one writing statement): a refusal is still kept under its key, and a
/// key's answer replayed, with nothing recorded twice.
#[tokio::test]
async fn a_refused_expense_is_kept_under_its_key_and_a_recorded_one_replayed() {
    let world = world().await;
    let ann = world.user("ann").await;
    let family = world.family(&ann, "EUR").await;
    let account = world.account(&ann, &family, "EUR", "0").await;
    let food = world.category(&ann, &family, "expense", "Groceries").await;
    let path = format!("/families/{family}/transactions");
    let send = |amount: &'static str, key: &'static str| {
        let body = json!({"kind": "expense", "account_id": account, "category_id": food, "amount": amount});
        let (world, ann, path) = (&world, &ann, &path);
        async move {
            world
                .call(ann, Method::POST, path, Some(body), Some(key))
                .await
        }
    };
    let refused = send("1.001", "refused").await;
    refused.assert_field("amount", "invalid_amount");
    let again = send("1.001", "refused").await;
    assert_eq!(again.status, 422);
    assert_eq!(again.headers["idempotent-replayed"], "true");
    assert_eq!(again.body, refused.body);
    let recorded = send("2.50", "recorded").await;
    assert_eq!(recorded.status, 201, "{}", recorded.body);
    let replayed = send("2.50", "recorded").await;
    assert_eq!(replayed.status, 201);
    assert_eq!(replayed.headers["idempotent-replayed"], "true");
    assert_eq!(replayed.body, recorded.body);
    assert_eq!(send("3", "recorded").await.code(), "idempotency_key_reused");
    let balance = world
        .get(&ann, &format!("/families/{family}/accounts/{account}"))
        .await;
    assert_eq!(balance.body["balance"], "-2.50", "{}", balance.body);
    assert_eq!(
        world.get(&ann, &path).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn one_key_sent_twenty_times_at_once_records_once() {
    let world = world().await;
    let ann = world.user("ann").await;
    let family = world.family(&ann, "EUR").await;
    let account = world.account(&ann, &family, "EUR", "0").await;
    let food = world.category(&ann, &family, "expense", "Groceries").await;
    let path = format!("/families/{family}/transactions");
    let body =
        json!({"kind": "expense", "account_id": account, "category_id": food, "amount": "1.00"});
    let answers = futures_util::future::join_all(
        (0..20).map(|_| world.call(&ann, Method::POST, &path, Some(body.clone()), Some("race"))),
    )
    .await;
    let created: Vec<_> = answers.iter().filter(|a| a.status == 201).collect();
    assert!(!created.is_empty());
    for answer in &answers {
        assert!(
            answer.status == 201
                || (answer.status == 409 && answer.code() == "idempotency_in_flight"),
            "{} {}",
            answer.status,
            answer.body
        );
    }
    let ids: std::collections::HashSet<&str> = created
        .iter()
        .map(|a| a.body["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 1, "every 201 is the one record");
    assert_eq!(world.balance(&ann, &family, &account).await, "-1.00");
    let list = world.get(&ann, &path).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
}

/// The key's record is read in the same round trip as the membership, but the
/// membership and the role still answer first: a member demoted to viewer,
/// then removed, gets 403 and 404 for a key that was answered before, not
/// the replay or the 422 of a reused key.
#[tokio::test]
async fn membership_and_role_answer_before_a_keys_record() {
    let world = world().await;
    let (ann, bob) = (world.user("ann").await, world.user("bob").await);
    let family = world.family(&ann, "EUR").await;
    world.join(&ann, &family, &bob, "member").await;
    let account = world.account(&ann, &family, "EUR", "0").await;
    let food = world.category(&ann, &family, "expense", "Groceries").await;
    let path = format!("/families/{family}/transactions");
    let body =
        json!({"kind": "expense", "account_id": account, "category_id": food, "amount": "2.50"});
    let other =
        json!({"kind": "expense", "account_id": account, "category_id": food, "amount": "9.00"});
    let first = world
        .call(&bob, Method::POST, &path, Some(body.clone()), Some("bob-1"))
        .await;
    assert_eq!(first.status, 201, "{}", first.body);

    let demoted = world
        .patch(
            &ann,
            &format!("/families/{family}/members/{}", bob.id),
            json!({"role": "viewer"}),
        )
        .await;
    assert_eq!(demoted.status, 200, "{}", demoted.body);
    for sent in [&body, &other] {
        let answer = world
            .call(&bob, Method::POST, &path, Some(sent.clone()), Some("bob-1"))
            .await;
        assert_eq!((answer.status.as_u16(), answer.code()), (403, "forbidden"));
        assert!(answer.headers.get("idempotent-replayed").is_none());
    }

    let removed = world
        .delete(&ann, &format!("/families/{family}/members/{}", bob.id))
        .await;
    assert_eq!(removed.status, 204);
    for sent in [&body, &other] {
        let answer = world
            .call(&bob, Method::POST, &path, Some(sent.clone()), Some("bob-1"))
            .await;
        assert_eq!((answer.status.as_u16(), answer.code()), (404, "not_found"));
    }
    // Only the first request recorded anything.
    assert_eq!(world.balance(&ann, &family, &account).await, "-2.50");
}

/// An answer can hold a secret (an invite's code, whose own table keeps only
/// its hash): its key's record holds neither the key nor the answer in the
/// clear, and a retry still gets the code back.
#[tokio::test]
async fn a_kept_answer_holds_neither_its_key_nor_its_secret_in_the_clear() {
    let world = world().await;
    let ann = world.user("ann").await;
    let family = world.family(&ann, "EUR").await;
    let path = format!("/families/{family}/invites");
    let send = async || {
        world
            .call(
                &ann,
                Method::POST,
                &path,
                Some(json!({})),
                Some("invite-key-1"),
            )
            .await
    };
    let first = send().await;
    assert_eq!(first.status, 201, "{}", first.body);
    let code = first.body["code"].as_str().unwrap().to_owned();
    let again = send().await;
    assert_eq!(again.status, 201);
    assert_eq!(again.headers["idempotent-replayed"], "true");
    assert_eq!(again.body, first.body);
    let kept = format!("SELECT count(*) AS n FROM idempotency_keys WHERE family_id = '{family}'");
    assert_eq!(world.number(&kept).await, 1);
    let in_the_clear = format!(
        "{kept} AND (key LIKE '%invite-key-1%'
                     OR position(convert_to('{code}', 'UTF8') in body) > 0
                     OR position(convert_to('code', 'UTF8') in body) > 0)"
    );
    assert_eq!(world.number(&in_the_clear).await, 0);
}

/// A record kept before answers were sealed (the key as sent, the answer in
/// the clear) is still replayed until it expires.
#[tokio::test]
async fn a_record_kept_before_sealing_is_still_replayed() {
    let world = world().await;
    let ann = world.user("ann").await;
    let family = world.family(&ann, "EUR").await;
    let account = world.account(&ann, &family, "EUR", "0").await;
    let food = world.category(&ann, &family, "expense", "Groceries").await;
    let path = format!("/families/{family}/transactions");
    let body =
        json!({"kind": "expense", "account_id": account, "category_id": food, "amount": "3.00"});
    let send = async || {
        world
            .call(
                &ann,
                Method::POST,
                &path,
                Some(body.clone()),
                Some("old-key"),
            )
            .await
    };
    let first = send().await;
    assert_eq!(first.status, 201, "{}", first.body);
    // As the service kept it before: the key as sent, the answer in the clear.
    world
        .sql(&format!(
            "UPDATE idempotency_keys SET key = 'old-key', body = convert_to('{{\"kept\":\"before\"}}', 'UTF8')
             WHERE family_id = '{family}'"
        ))
        .await;
    let again = send().await;
    assert_eq!(again.status, 201);
    assert_eq!(again.headers["idempotent-replayed"], "true");
    assert_eq!(again.body, json!({"kept": "before"}));
    assert_eq!(world.balance(&ann, &family, &account).await, "-3.00");
}
