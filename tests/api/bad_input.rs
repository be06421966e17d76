//! Bad input gets problem+json with a clear code, never a 500.
use crate::both_backends;
use crate::helpers::{assert_problem, spawn_app, Backend};
use serde_json::json;

both_backends!(malformed_oversized_and_mistyped_bodies_get_clear_problems);

async fn malformed_oversized_and_mistyped_bodies_get_clear_problems(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin_token().await;
    let raw = |body: Vec<u8>, ct: &'static str| {
        app.client
            .post(app.url("/api/v1/admin/communities"))
            .bearer_auth(&admin)
            .header("content-type", ct)
            .body(body)
            .send()
    };
    assert_problem(
        raw(b"{\"street_id\": ".to_vec(), "application/json")
            .await
            .unwrap(),
        400,
        "malformed_json",
    )
    .await;
    assert_problem(
        raw(vec![b'{', 0xff, 0xfe, b'}'], "application/json")
            .await
            .unwrap(),
        400,
        "malformed_json",
    )
    .await;
    assert_problem(
        raw(b"street_id=1".to_vec(), "text/plain").await.unwrap(),
        415,
        "unsupported_media_type",
    )
    .await;
    let big = format!(
        "{{\"street_id\": 1, \"name\": \"{}\"}}",
        "楼".repeat(40_000)
    );
    assert_problem(
        raw(big.into_bytes(), "application/json").await.unwrap(),
        413,
        "payload_too_large",
    )
    .await;
    assert_problem(
        app.post(
            "/api/v1/admin/communities",
            Some(&admin),
            &json!({"name": "缺少街道"}),
        )
        .await,
        400,
        "invalid_field",
    )
    .await;
    assert_problem(
        app.post(
            "/api/v1/admin/communities",
            Some(&admin),
            &json!({"street_id": "一", "name": "x"}),
        )
        .await,
        400,
        "invalid_field",
    )
    .await;
    let long = assert_problem(
        app.post(
            "/api/v1/admin/communities",
            Some(&admin),
            &json!({"street_id": app.ids.street_id, "name": "长".repeat(65)}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(long["errors"][0]["field"], "name");
    assert_eq!(long["errors"][0]["code"], "too_long");
    assert_problem(
        app.post(
            "/api/v1/admin/communities",
            Some(&admin),
            &json!({"street_id": app.ids.street_id, "name": "  "}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_problem(
        app.post(
            "/api/v1/auth/login",
            None,
            &json!({"username": 5, "password": []}),
        )
        .await,
        400,
        "invalid_field",
    )
    .await;
    assert_problem(
        app.get("/api/v1/communities/abc/buildings", Some(&admin))
            .await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.get("/api/v1/no-such-thing", None).await,
        404,
        "not_found",
    )
    .await;
    let staff = app
        .post("/api/v1/admin/staff", Some(&admin), &json!({"role": "worker", "username": "王", "password": "short", "display_name": "", "community_ids": []}))
        .await;
    let body = assert_problem(staff, 422, "validation_failed").await;
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["username", "password", "display_name", "community_ids"]
    );
}
