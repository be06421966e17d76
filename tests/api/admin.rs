//! Admins run communities and staff within their area; every action is audited, and staff of
//! one community cannot reach another (404, so ids are not confirmed).
use crate::both_backends;
use crate::helpers::{assert_problem, spawn_app, Backend};
use serde_json::{json, Value};

both_backends!(
    an_admin_creates_communities_buildings_and_staff_and_everything_is_audited,
    a_worker_of_one_community_cannot_reach_another,
    a_disabled_account_is_locked_out_at_once_and_can_be_re_enabled,
    a_password_reset_ends_existing_sessions,
    an_admin_cannot_act_outside_their_district,
    assigning_and_removing_a_community_changes_what_a_worker_reaches_at_once,
);

async fn an_admin_creates_communities_buildings_and_staff_and_everything_is_audited(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let admin = app.admin_token().await;
    let c = app.ids.community_id.0;
    let buildings = format!("/api/v1/communities/{c}/buildings");
    let building = json!({"name": "3号楼2单元"});
    app.post_expect(&buildings, Some(&admin), &building, 201)
        .await;
    app.post_problem(&buildings, Some(&admin), &building, 409, "already_exists")
        .await;
    let list = app.get_ok(&buildings, Some(&admin)).await;
    assert_eq!(list["items"][0]["name"], "3号楼2单元");

    let other = app.other_community().await;
    let communities = app.get_ok("/api/v1/admin/communities", Some(&admin)).await;
    let names: Vec<&str> = communities["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["昆香苑社区", "前进里社区"]);

    let worker = app
        .staff_token("worker", "shegong.zhang", &[c, other])
        .await;
    let me = app.get_ok("/api/v1/me", Some(&worker)).await;
    assert_eq!(me["role"], "worker");
    assert_eq!(me["communities"].as_array().unwrap().len(), 2);

    let staff = app.get_ok("/api/v1/admin/staff", Some(&admin)).await;
    let zhang = staff["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["username"] == "shegong.zhang")
        .unwrap();
    let id = zhang["account_id"].as_i64().unwrap();
    let audit_path = format!("/api/v1/admin/staff/{id}/audit");
    let audit = app.get_ok(&audit_path, Some(&admin)).await;
    let entry = &audit["items"][0];
    assert_eq!(entry["action"], "account.create");
    assert_eq!(entry["actor_account_id"], app.ids.account_id.0);
    let after = entry["after_json"].as_str().unwrap();
    assert!(after.contains("shegong.zhang"));
    assert!(
        !after.contains("staff-password-1"),
        "no password in the audit log"
    );
    let community_audit = app.store.audit_entries("building", "1").await.unwrap();
    assert_eq!(community_audit[0].action, "building.create");
}

async fn a_worker_of_one_community_cannot_reach_another(backend: Backend) {
    let app = spawn_app(backend).await;
    let other = app.other_community().await;
    let worker = app
        .staff_token("worker", "shegong.li", &[app.ids.community_id.0])
        .await;
    let here = app
        .get(
            &format!("/api/v1/communities/{}/buildings", app.ids.community_id.0),
            Some(&worker),
        )
        .await;
    assert_eq!(here.status(), 200);
    assert_problem(
        app.get(
            &format!("/api/v1/communities/{other}/buildings"),
            Some(&worker),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.post(
            &format!("/api/v1/communities/{other}/buildings"),
            Some(&worker),
            &json!({"name": "1号楼"}),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    // A community that does not exist looks the same as one outside the scope.
    assert_problem(
        app.get("/api/v1/communities/424242/buildings", Some(&worker))
            .await,
        404,
        "not_found",
    )
    .await;
    // Workers are not admins.
    assert_problem(
        app.get("/api/v1/admin/staff", Some(&worker)).await,
        403,
        "forbidden",
    )
    .await;
    let resident = app.resident_token("居民甲", other).await;
    assert_problem(
        app.get(
            &format!("/api/v1/communities/{}/buildings", app.ids.community_id.0),
            Some(&resident),
        )
        .await,
        404,
        "not_found",
    )
    .await;
}

async fn a_disabled_account_is_locked_out_at_once_and_can_be_re_enabled(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin_token().await;
    let vol = app
        .staff_token("volunteer", "zhiyuanzhe.wang", &[app.ids.community_id.0])
        .await;
    let me: Value = app
        .get("/api/v1/me", Some(&vol))
        .await
        .json()
        .await
        .unwrap();
    let id = me["account_id"].as_i64().unwrap();
    let resp = app
        .post(
            &format!("/api/v1/admin/staff/{id}/disable"),
            Some(&admin),
            &json!({"reason": "离职"}),
        )
        .await;
    assert_eq!(resp.status(), 204);
    assert_problem(
        app.get("/api/v1/me", Some(&vol)).await,
        401,
        "invalid_token",
    )
    .await;
    assert_problem(
        app.login("zhiyuanzhe.wang", "staff-password-1").await,
        403,
        "account_disabled",
    )
    .await;
    assert_eq!(
        app.post(
            &format!("/api/v1/admin/staff/{id}/enable"),
            Some(&admin),
            &json!({})
        )
        .await
        .status(),
        204
    );
    assert_eq!(
        app.login("zhiyuanzhe.wang", "staff-password-1")
            .await
            .status(),
        200
    );
    let audit = app
        .store
        .audit_entries("account", &id.to_string())
        .await
        .unwrap();
    let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(
        actions,
        ["account.create", "account.disable", "account.enable"]
    );
    assert_eq!(audit[1].reason.as_deref(), Some("离职"));
    let self_id = app.ids.account_id.0;
    assert_problem(
        app.post(
            &format!("/api/v1/admin/staff/{self_id}/disable"),
            Some(&admin),
            &json!({}),
        )
        .await,
        409,
        "cannot_disable_self",
    )
    .await;
}

async fn a_password_reset_ends_existing_sessions(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin_token().await;
    let worker = app
        .staff_token("worker", "shegong.zhao", &[app.ids.community_id.0])
        .await;
    let me: Value = app
        .get("/api/v1/me", Some(&worker))
        .await
        .json()
        .await
        .unwrap();
    let id = me["account_id"].as_i64().unwrap();
    assert_problem(
        app.post(
            &format!("/api/v1/admin/staff/{id}/reset-password"),
            Some(&admin),
            &json!({"password": "short"}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(
        app.post(
            &format!("/api/v1/admin/staff/{id}/reset-password"),
            Some(&admin),
            &json!({"password": "a-new-long-password"})
        )
        .await
        .status(),
        204
    );
    assert_problem(
        app.get("/api/v1/me", Some(&worker)).await,
        401,
        "invalid_token",
    )
    .await;
    assert_problem(
        app.login("shegong.zhao", "staff-password-1").await,
        401,
        "invalid_credentials",
    )
    .await;
    assert_eq!(
        app.login("shegong.zhao", "a-new-long-password")
            .await
            .status(),
        200
    );
}

async fn an_admin_cannot_act_outside_their_district(backend: Backend) {
    let app = spawn_app(backend).await;
    // A second district with its own admin.
    let hash =
        minyi::auth::password::hash_blocking(&secrecy::SecretString::from("other-admin-password"))
            .unwrap();
    let other = app
        .store
        .bootstrap(&minyi::store::Bootstrap {
            district: "西青区".into(),
            street: "杨柳青镇".into(),
            community: "柳口路社区".into(),
            username: "xiqing".into(),
            password_hash: hash,
        })
        .await
        .unwrap();
    let admin = app.admin_token().await;
    assert_problem(
        app.post(
            "/api/v1/admin/communities",
            Some(&admin),
            &json!({"street_id": other.street_id, "name": "新社区"}),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    let staff: Value = app
        .get("/api/v1/admin/staff", Some(&admin))
        .await
        .json()
        .await
        .unwrap();
    assert!(staff["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["username"] != "xiqing"));
    assert_problem(
        app.post(
            &format!("/api/v1/admin/staff/{}/disable", other.account_id),
            Some(&admin),
            &json!({}),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.post("/api/v1/admin/staff", Some(&admin), &json!({"role": "worker", "username": "sneaky", "password": "long-enough-pw", "display_name": "x", "community_ids": [other.community_id]})).await,
        404,
        "not_found",
    )
    .await;
}

async fn assigning_and_removing_a_community_changes_what_a_worker_reaches_at_once(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let admin = app.admin_token().await;
    let other = app.other_community().await;
    let worker = app
        .staff_token("worker", "shegong.move", &[app.ids.community_id.0])
        .await;
    let me: Value = app
        .get("/api/v1/me", Some(&worker))
        .await
        .json()
        .await
        .unwrap();
    let id = me["account_id"].as_i64().unwrap();
    let path = format!("/api/v1/communities/{other}/buildings");
    assert_problem(app.get(&path, Some(&worker)).await, 404, "not_found").await;
    let put = app
        .client
        .put(app.url(&format!("/api/v1/admin/staff/{id}/communities/{other}")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 204);
    assert_eq!(
        app.get(&path, Some(&worker)).await.status(),
        200,
        "the same token reaches the new community"
    );
    let del = app
        .client
        .delete(app.url(&format!("/api/v1/admin/staff/{id}/communities/{other}")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(del.status(), 204);
    assert_problem(app.get(&path, Some(&worker)).await, 404, "not_found").await;
    let actions: Vec<String> = app
        .store
        .audit_entries("account", &id.to_string())
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.action)
        .collect();
    assert_eq!(
        actions,
        [
            "account.create",
            "account.assign_community",
            "account.unassign_community"
        ]
    );
}
