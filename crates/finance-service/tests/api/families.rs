use reqwest::Method;
use serde_json::json;

use crate::helpers::world;

#[tokio::test]
async fn concurrent_first_requests_make_one_personal_family() {
    let world = world().await;
    let user = world.user("ann").await;
    let answers =
        futures_util::future::join_all((0..10).map(|_| world.get(&user, "/families"))).await;
    for answer in &answers {
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
    let families = world.get(&user, "/families").await;
    let items = families.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{}", families.body);
    assert_eq!(items[0]["name"], "Personal");
    assert_eq!(items[0]["base_currency"], "EUR");
    assert_eq!(items[0]["role"], "owner");
    assert_eq!(items[0]["time_zone"], "UTC");
    assert_eq!(items[0]["month_start_day"], 1);
}

#[tokio::test]
async fn a_first_post_also_makes_the_personal_family_once() {
    let world = world().await;
    let user = world.user("bob").await;
    let created = world
        .post(&user, "/families", json!({"name": "Flat", "base_currency": "JPY", "time_zone": "Asia/Tokyo", "month_start_day": 25}))
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["role"], "owner");
    assert_eq!(created.body["month_start_day"], 25);
    let names: Vec<String> = world.get(&user, "/families").await.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["Personal", "Flat"]);
}

#[tokio::test]
async fn bad_family_fields_are_all_named_at_once() {
    let world = world().await;
    let user = world.user("cy").await;
    let empty = world.post(&user, "/families", json!({})).await;
    empty.assert_field("name", "invalid_value");
    empty.assert_field("base_currency", "invalid_value");
    let bad = world
        .post(
            &user,
            "/families",
            json!({"name": "", "base_currency": "eur", "time_zone": "Mars/Olympus", "month_start_day": 29}),
        )
        .await;
    bad.assert_field("name", "invalid_value");
    bad.assert_field("base_currency", "invalid_currency");
    bad.assert_field("time_zone", "invalid_value");
    bad.assert_field("month_start_day", "invalid_value");
    for currency in ["XAU", "ABC", "EURO"] {
        world
            .post(
                &user,
                "/families",
                json!({"name": "x", "base_currency": currency}),
            )
            .await
            .assert_field("base_currency", "invalid_currency");
    }
    assert_eq!(
        world.get(&user, "/families").await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn another_familys_ids_are_not_found_and_bad_ids_too() {
    let world = world().await;
    let (ann, eve) = (world.user("ann").await, world.user("eve").await);
    let family = world.personal_family(&ann).await;
    for path in [
        format!("/families/{family}"),
        format!("/families/{family}/accounts"),
        format!("/families/{family}/transactions"),
        "/families/not-a-uuid".to_owned(),
        format!("/families/{}", uuid::Uuid::new_v4()),
    ] {
        let answer = world.get(&eve, &path).await;
        assert_eq!(
            (answer.status.as_u16(), answer.code()),
            (404, "not_found"),
            "{path}"
        );
    }
    let patch = world
        .patch(
            &eve,
            &format!("/families/{family}"),
            json!({"name": "Mine"}),
        )
        .await;
    assert_eq!(patch.status, 404);
    assert_eq!(
        world.get(&ann, &format!("/families/{family}")).await.body["name"],
        "Personal"
    );
}

#[tokio::test]
async fn checks_run_in_the_contract_order() {
    let world = world().await;
    let (ann, vic) = (world.user("ann").await, world.user("vic").await);
    let family = world.family(&ann, "EUR").await;
    world.join(&ann, &family, &vic, "viewer").await;
    let path = world.url(&format!("/families/{family}/accounts"));
    // 401 before 415 and 400.
    let unauthorized = world.client.post(&path).body("{").send().await.unwrap();
    assert_eq!(unauthorized.status(), 401);
    assert_eq!(unauthorized.headers()["www-authenticate"], "Bearer");
    // 415 before membership.
    let stranger = world.user("st").await;
    let text = world
        .client
        .post(&path)
        .bearer_auth(&stranger.token)
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(text.status(), 415);
    // 400 before 404.
    let broken = world
        .client
        .post(&path)
        .bearer_auth(&stranger.token)
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(broken.status(), 400);
    // 404 before 422, and 403 before 422.
    assert_eq!(
        world
            .post(
                &stranger,
                &format!("/families/{family}/accounts"),
                json!({})
            )
            .await
            .status,
        404
    );
    let viewer = world
        .post(&vic, &format!("/families/{family}/accounts"), json!({}))
        .await;
    assert_eq!((viewer.status.as_u16(), viewer.code()), (403, "forbidden"));
    // 413 first of all.
    let huge = world
        .client
        .post(&path)
        .header("content-type", "application/json")
        .body(format!("{{\"name\": \"{}\"}}", "x".repeat(70_000)))
        .send()
        .await
        .unwrap();
    assert_eq!(huge.status(), 413);
}

#[tokio::test]
async fn an_owner_changes_the_family_and_a_time_zone_moves_local_days() {
    let world = world().await;
    let ann = world.user("ann").await;
    let family = world.family(&ann, "EUR").await;
    let account = world.account(&ann, &family, "EUR", "0").await;
    let food = world.category(&ann, &family, "expense", "Groceries").await;
    // 23:30 UTC on the 31st is the 1st of February in Berlin.
    let tx = world
        .post(
            &ann,
            &format!("/families/{family}/transactions"),
            json!({"kind": "expense", "account_id": account, "category_id": food, "amount": "10.00", "occurred_at": "2026-01-31T23:30:00Z"}),
        )
        .await;
    assert_eq!(tx.status, 201, "{}", tx.body);
    let summary = world
        .get(
            &ann,
            &format!("/families/{family}/reports/summary?from=2026-01-01&to=2026-01-31"),
        )
        .await;
    assert_eq!(
        summary.body["currencies"][0]["expense"], "10.00",
        "{}",
        summary.body
    );
    let changed = world
        .patch(
            &ann,
            &format!("/families/{family}"),
            json!({"time_zone": "Europe/Berlin", "name": "Home 2"}),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    assert_eq!(changed.body["time_zone"], "Europe/Berlin");
    let summary = world
        .get(
            &ann,
            &format!("/families/{family}/reports/summary?from=2026-01-01&to=2026-01-31"),
        )
        .await;
    assert_eq!(summary.body["currencies"], json!([]), "{}", summary.body);
    let february = world
        .get(
            &ann,
            &format!("/families/{family}/reports/summary?from=2026-02-01&to=2026-02-28"),
        )
        .await;
    assert_eq!(february.body["currencies"][0]["expense"], "10.00");
    world
        .patch(
            &ann,
            &format!("/families/{family}"),
            json!({"time_zone": "Nowhere/City"}),
        )
        .await
        .assert_field("time_zone", "invalid_value");
    world
        .patch(&ann, &format!("/families/{family}"), json!({"name": null}))
        .await
        .assert_field("name", "invalid_value");
}

#[tokio::test]
async fn invites_let_people_join_once_with_their_role() {
    let world = world().await;
    let (ann, bob, cy) = (
        world.user("ann").await,
        world.user("bob").await,
        world.user("cy").await,
    );
    let family = world.family(&ann, "EUR").await;
    let invite = world
        .call(
            &ann,
            Method::POST,
            &format!("/families/{family}/invites"),
            None,
            None,
        )
        .await;
    assert_eq!(invite.status, 201, "{}", invite.body);
    let code = invite.body["code"].as_str().unwrap().to_owned();
    assert!(
        code.len() >= 22
            && code
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    );
    assert_eq!(invite.body["role"], "member");
    assert_eq!(
        invite.body["link_url"],
        format!("https://finance.example.org/join?code={code}")
    );
    assert_eq!(invite.body["start_payload"], format!("join_{code}"));
    assert!(invite.body["start_payload"].as_str().unwrap().len() <= 64);
    let accept_path = format!("/invites/{code}/accept");
    let accept = |user| world.call(user, Method::POST, &accept_path, None, None);
    let joined = accept(&bob).await;
    assert_eq!(joined.status, 200, "{}", joined.body);
    assert_eq!(
        (joined.body["id"].as_str(), joined.body["role"].as_str()),
        (Some(family.as_str()), Some("member"))
    );
    // Used up: another person cannot use it; the member who used it gets 200.
    let used = accept(&cy).await;
    assert_eq!((used.status.as_u16(), used.code()), (404, "invalid_code"));
    assert_eq!(accept(&bob).await.status, 200);
    // The owner accepting an invite of their own family stays owner and uses nothing up.
    let second = world
        .post(
            &ann,
            &format!("/families/{family}/invites"),
            json!({"role": "viewer"}),
        )
        .await;
    let code2 = second.body["code"].as_str().unwrap();
    let own = world
        .call(
            &ann,
            Method::POST,
            &format!("/invites/{code2}/accept"),
            None,
            None,
        )
        .await;
    assert_eq!(
        (own.status.as_u16(), own.body["role"].as_str()),
        (200, Some("owner"))
    );
    let viewer = world
        .call(
            &cy,
            Method::POST,
            &format!("/invites/{code2}/accept"),
            None,
            None,
        )
        .await;
    assert_eq!(viewer.body["role"], "viewer");
    for bad in ["nope", "%20", &"x".repeat(300)] {
        let answer = world
            .call(
                &cy,
                Method::POST,
                &format!("/invites/{bad}/accept"),
                None,
                None,
            )
            .await;
        assert_eq!(
            (answer.status.as_u16(), answer.code()),
            (404, "invalid_code"),
            "{bad}"
        );
    }
    // An expired invite.
    let third = world
        .post(&ann, &format!("/families/{family}/invites"), json!({}))
        .await;
    world
        .sql("UPDATE invites SET expires_at = now() - interval '1 second' WHERE used_at IS NULL")
        .await;
    let late = world.user("late").await;
    let expired = world
        .call(
            &late,
            Method::POST,
            &format!("/invites/{}/accept", third.body["code"].as_str().unwrap()),
            None,
            None,
        )
        .await;
    assert_eq!(expired.code(), "invalid_code");
    // A member cannot invite.
    assert_eq!(
        world
            .post(&bob, &format!("/families/{family}/invites"), json!({}))
            .await
            .status,
        403
    );
    let members = world
        .get(&bob, &format!("/families/{family}/members"))
        .await;
    let roles: Vec<(&str, &str)> = members.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["display_name"].as_str().unwrap_or("?"),
                m["role"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        roles,
        [("ann", "owner"), ("bob", "member"), ("cy", "viewer")]
    );
}

#[tokio::test]
async fn a_family_always_keeps_an_owner() {
    let world = world().await;
    let (ann, bob) = (world.user("ann").await, world.user("bob").await);
    let family = world.family(&ann, "EUR").await;
    world.join(&ann, &family, &bob, "member").await;
    let me = format!("/families/{family}/members/{}", ann.id);
    let demote = world.patch(&ann, &me, json!({"role": "member"})).await;
    assert_eq!((demote.status.as_u16(), demote.code()), (409, "in_use"));
    let leave = world.delete(&ann, &me).await;
    assert_eq!((leave.status.as_u16(), leave.code()), (409, "in_use"));
    // A member cannot change roles or remove others, but may leave.
    assert_eq!(
        world
            .patch(&bob, &me, json!({"role": "viewer"}))
            .await
            .status,
        403
    );
    assert_eq!(world.delete(&bob, &me).await.status, 403);
    let promote = world
        .patch(
            &ann,
            &format!("/families/{family}/members/{}", bob.id),
            json!({"role": "owner"}),
        )
        .await;
    assert_eq!(
        (promote.status.as_u16(), promote.body["role"].as_str()),
        (200, Some("owner"))
    );
    world
        .patch(
            &ann,
            &format!("/families/{family}/members/{}", bob.id),
            json!({"role": "boss"}),
        )
        .await
        .assert_field("role", "invalid_value");
    // Now the first owner may leave.
    assert_eq!(world.delete(&ann, &me).await.status, 204);
    assert_eq!(
        world.get(&ann, &format!("/families/{family}")).await.status,
        404
    );
    assert_eq!(
        world
            .delete(&bob, &format!("/families/{family}/members/{}", bob.id))
            .await
            .code(),
        "in_use"
    );
}

/// PostgreSQL is asked about the one zone a family names, and an unknown one
/// answers no without failing the transaction it is asked in (a family's
/// settings are checked and written in one).
#[tokio::test]
async fn postgres_knows_a_zone_or_says_no_and_the_transaction_goes_on() {
    use diesel_async::RunQueryDsl;
    use finance_service::db::families::zone_is_known;
    let world = world().await;
    let mut conn = world.auth.db.connect().await;
    diesel::sql_query("BEGIN").execute(&mut conn).await.unwrap();
    // A known zone after each unknown one: a failed transaction would refuse it.
    for (zone, known) in [
        ("Europe/Berlin", true),
        ("Nope/Zone", false),
        ("America/Argentina/Buenos_Aires", true),
        ("Europe/Atlantis", false),
        ("UTC", true),
    ] {
        assert_eq!(
            zone_is_known(&mut conn, zone).await.unwrap(),
            known,
            "{zone}"
        );
    }
    diesel::sql_query("COMMIT")
        .execute(&mut conn)
        .await
        .unwrap();
}
