//! A community's own synonyms: a worker's correction proposes one (the moved suggestion named
//! the topic's problem in a word the engine did not know), a worker accepts it, and the
//! community's later suggestions are grouped with it; rejected ones are not proposed again,
//! every decision is audited, and only the community's staff see or change them.
use crate::both_backends;
use crate::helpers::{spawn_app, Backend, TestApp};
use serde_json::{json, Value};

both_backends!(
    a_move_proposes_a_synonym_and_an_accepted_one_groups_later_suggestions,
    synonym_decisions_are_checked_audited_and_undone,
    synonyms_are_for_staff_of_the_community_only,
);

const LIFT: &str = "3号楼电梯经常坏，老人上下楼很困难";
/// The same problem in this estate's own word (no word of the shipped lexicon in it).
const HOIST: &str = "咱们楼的升降机老趴窝，修了又修";

fn path(app: &TestApp) -> String {
    format!("/api/v1/communities/{}/synonyms", app.ids.community_id.0)
}

async fn synonyms(app: &TestApp, token: &str) -> Vec<Value> {
    let v = app.get_ok(&path(app), Some(token)).await;
    v["items"].as_array().unwrap().clone()
}

fn find<'a>(list: &'a [Value], surface: &str) -> Option<&'a Value> {
    list.iter().find(|s| s["surface"] == surface)
}

async fn a_move_proposes_a_synonym_and_an_accepted_one_groups_later_suggestions(backend: Backend) {
    let app = spawn_app(backend).await;
    let c = app.ids.community_id.0;
    let worker = app.staff_token("worker", "shegong.wang", &[c]).await;
    let resident = app.resident_token("居民", c).await;
    let lift = app.post_suggestion(&resident, LIFT).await;
    let hoist = app.post_suggestion(&resident, HOIST).await;
    app.wait_grouped().await;
    let a = app.topic_of(lift).await.unwrap();
    assert_ne!(
        app.topic_of(hoist).await,
        Some(a),
        "the engine did not know 升降机"
    );
    assert!(
        synonyms(&app, &worker).await.is_empty(),
        "no correction yet"
    );

    // The worker moves it into the lift topic: 升降机 is proposed for 电梯.
    let (_, etag) = app.topic(&worker, a).await;
    let body = json!({"topic_id": a});
    let post = reqwest::Method::POST;
    let mv = format!("/api/v1/suggestions/{hoist}/move");
    app.send_expect(post, &mv, Some(&worker), Some(&etag), Some(&body), 200)
        .await;
    let list = synonyms(&app, &worker).await;
    let p = find(&list, "升降机").unwrap_or_else(|| panic!("{list:?}"));
    assert_eq!(p["canonical"], "电梯");
    assert_eq!(p["status"], "proposed");
    assert_eq!(p["evidence"], 1);
    assert!(p["synonym_id"].is_null());
    assert_eq!(p["examples"][0]["suggestion_id"], hoist);
    assert_eq!(p["examples"][0]["topic_id"], a);

    // Before it is accepted, another telling with the estate's word opens its own topic …
    let before = app
        .post_suggestion(&resident, "5号楼升降机按钮失灵，等半天也不来")
        .await;
    app.wait_grouped().await;
    assert_ne!(
        app.topic_of(before).await,
        Some(a),
        "control: not joined yet"
    );

    // … after, the same kind of telling joins the lift topic.
    let accept = json!({"surface": "升降机", "canonical": "电梯", "accepted": true, "reason": "本小区居民的说法"});
    let v = app
        .post_expect(&path(&app), Some(&worker), &accept, 200)
        .await;
    assert_eq!(v["status"], "accepted");
    assert_eq!(v["evidence"], 1);
    assert!(
        v["decided_by"].as_str().is_some_and(|n| !n.is_empty()),
        "{v}"
    );
    let after = app
        .post_suggestion(&resident, "3号楼升降机按钮失灵，等半天也不来")
        .await;
    app.wait_grouped().await;
    assert_eq!(
        app.topic_of(after).await,
        Some(a),
        "grouped with the synonym"
    );
    let list = synonyms(&app, &worker).await;
    let decided = find(&list, "升降机").unwrap();
    assert_eq!(
        decided["status"], "accepted",
        "no longer proposed: {list:?}"
    );
    assert_eq!(list.iter().filter(|s| s["surface"] == "升降机").count(), 1);

    // Audited: who, when, what and why.
    let id = v["synonym_id"].as_i64().unwrap().to_string();
    let audit = app
        .store
        .audit_entries("grouping_synonym", &id)
        .await
        .unwrap();
    assert_eq!(audit.len(), 1, "{audit:?}");
    assert_eq!(audit[0].action, "grouping.synonym_accept");
    assert_eq!(audit[0].reason.as_deref(), Some("本小区居民的说法"));
    assert!(audit[0].actor_account_id.is_some());
}

async fn synonym_decisions_are_checked_audited_and_undone(backend: Backend) {
    let app = spawn_app(backend).await;
    let c = app.ids.community_id.0;
    let worker = app.staff_token("worker", "shegong.wang", &[c]).await;
    let p = path(&app);
    let field_code = |v: &Value| v["errors"][0]["code"].as_str().unwrap_or("").to_string();
    for (body, code) in [
        (
            json!({"surface": "电梯", "canonical": "电梯", "accepted": true}),
            "synonym_same_word",
        ),
        (
            json!({"surface": "梯", "canonical": "电梯", "accepted": true}),
            "synonym_word_invalid",
        ),
        (
            json!({"surface": "大 铁门", "canonical": "东门", "accepted": true}),
            "synonym_word_invalid",
        ),
        (
            json!({"surface": "很长很长很长很长很长很长很长", "canonical": "东门", "accepted": true}),
            "synonym_word_invalid",
        ),
    ] {
        let v = app
            .post_problem(&p, Some(&worker), &body, 422, "validation_failed")
            .await;
        assert_eq!(field_code(&v), code, "{body}: {v}");
        assert!(v["errors"][0]["message_en"].as_str().is_some(), "{v}");
    }
    app.post_problem(
        &p,
        Some(&worker),
        &json!({"surface": "大铁门"}),
        400,
        "invalid_field",
    )
    .await;

    // A typed-in synonym, then one that would chain onto it.
    let gate = json!({"surface": "大铁门", "canonical": "东门", "accepted": true});
    let v = app.post_expect(&p, Some(&worker), &gate, 200).await;
    assert_eq!(v["evidence"], 0);
    let chain = json!({"surface": "铁大门", "canonical": "大铁门", "accepted": true});
    let e = app
        .post_problem(&p, Some(&worker), &chain, 422, "validation_failed")
        .await;
    assert_eq!(field_code(&e), "synonym_chain");

    // Rejecting replaces the decision on the same word; removing it leaves nothing.
    let reject = json!({"surface": "大铁门", "canonical": "东门", "accepted": false});
    let r = app.post_expect(&p, Some(&worker), &reject, 200).await;
    assert_eq!(r["synonym_id"], v["synonym_id"]);
    assert_eq!(r["status"], "rejected");
    let one = format!("{p}/{}", r["synonym_id"]);
    let delete = reqwest::Method::DELETE;
    app.send_expect(delete.clone(), &one, Some(&worker), None, None, 204)
        .await;
    assert!(synonyms(&app, &worker).await.is_empty());
    app.send_expect(delete, &one, Some(&worker), None, None, 404)
        .await;
    let id = r["synonym_id"].as_i64().unwrap().to_string();
    let audit = app
        .store
        .audit_entries("grouping_synonym", &id)
        .await
        .unwrap();
    let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "grouping.synonym_accept",
            "grouping.synonym_reject",
            "grouping.synonym_remove"
        ]
    );
    assert!(audit[1]
        .before_json
        .as_deref()
        .unwrap()
        .contains("\"accepted\":true"));
}

async fn synonyms_are_for_staff_of_the_community_only(backend: Backend) {
    let app = spawn_app(backend).await;
    let c = app.ids.community_id.0;
    let p = path(&app);
    let body = json!({"surface": "大铁门", "canonical": "东门", "accepted": true});
    let resident = app.resident_token("居民", c).await;
    app.get_problem(&p, Some(&resident), 403, "forbidden").await;
    app.post_problem(&p, Some(&resident), &body, 403, "forbidden")
        .await;
    let volunteer = app.staff_token("volunteer", "zhiyuan.li", &[c]).await;
    app.get_problem(&p, Some(&volunteer), 403, "forbidden")
        .await;
    let other = app.other_community().await;
    let stranger = app.staff_token("worker", "shegong.zhao", &[other]).await;
    app.get_problem(&p, Some(&stranger), 404, "not_found").await;
    app.post_problem(&p, Some(&stranger), &body, 404, "not_found")
        .await;
    app.get_problem(&p, None, 401, "unauthorized").await;
    let admin = app.admin_token().await;
    assert!(synonyms(&app, &admin).await.is_empty());
}
