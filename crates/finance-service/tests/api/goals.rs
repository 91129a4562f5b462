use serde_json::{Value, json};

use crate::helpers::world;

#[tokio::test]
async fn contributions_move_savings_and_never_below_zero() {
    let world = world().await;
    let ann = world.user("ann").await;
    let family = world.family(&ann, "EUR").await;
    let account = world.account(&ann, &family, "EUR", "10").await;
    let goals = format!("/families/{family}/goals");
    let goal = world
        .post(
            &ann,
            &goals,
            json!({"name": "Bike", "target": "300", "deadline": "2027-06-01"}),
        )
        .await;
    assert_eq!(goal.status, 201, "{}", goal.body);
    assert_eq!(goal.body["currency"], "EUR");
    assert_eq!(
        (
            goal.body["saved"].as_str(),
            goal.body["progress_percent"].as_u64()
        ),
        (Some("0.00"), Some(0))
    );
    let id = goal.body["id"].as_str().unwrap();
    let path = format!("{goals}/{id}");
    let contribution = world
        .post(
            &ann,
            &format!("{path}/contributions"),
            json!({"amount": "100", "note": "first"}),
        )
        .await;
    assert_eq!(contribution.status, 201, "{}", contribution.body);
    assert_eq!(
        (
            contribution.body["amount"].as_str(),
            contribution.body["note"].as_str()
        ),
        (Some("100.00"), Some("first"))
    );
    assert_eq!(contribution.body["created_by"], ann.id.as_str());
    world
        .post(
            &ann,
            &format!("{path}/contributions"),
            json!({"amount": "-150"}),
        )
        .await
        .assert_field("amount", "invalid_value");
    world
        .post(
            &ann,
            &format!("{path}/contributions"),
            json!({"amount": "0"}),
        )
        .await
        .assert_field("amount", "invalid_amount");
    world
        .post(
            &ann,
            &format!("{path}/contributions"),
            json!({"amount": "-0.50"}),
        )
        .await;
    world
        .post(
            &ann,
            &format!("{path}/contributions"),
            json!({"amount": "250.50"}),
        )
        .await;
    let read = world.get(&ann, &path).await;
    assert_eq!(read.body["saved"], "350.00");
    assert_eq!(read.body["progress_percent"], 116, "not capped at 100");
    assert_eq!(
        world.balance(&ann, &family, &account).await,
        "10.00",
        "contributions move no account"
    );
    let cleared = world
        .patch(&ann, &path, json!({"deadline": null, "name": "Bicycle"}))
        .await;
    assert_eq!(
        (
            cleared.body["deadline"].clone(),
            cleared.body["name"].clone()
        ),
        (Value::Null, json!("Bicycle"))
    );
    world
        .patch(&ann, &path, json!({"currency": "USD"}))
        .await
        .assert_field("currency", "invalid_value");
    world
        .patch(&ann, &path, json!({"deadline": "2027-02-29"}))
        .await
        .assert_field("deadline", "invalid_value");
    assert_eq!(world.delete(&ann, &path).await.status, 204);
    assert_eq!(world.get(&ann, &path).await.status, 404);
}
