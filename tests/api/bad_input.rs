//! Bad input gets problem+json with a clear code, never a 500.
use crate::both_backends;
use crate::helpers::{assert_problem, spawn_app, Backend};
use serde_json::json;

both_backends!(
    malformed_oversized_and_mistyped_bodies_get_clear_problems,
    missing_mistyped_and_invalid_fields_get_clear_problems,
);

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
    let cut_short = raw(b"{\"street_id\": ".to_vec(), "application/json").await;
    assert_problem(cut_short.unwrap(), 400, "malformed_json").await;
    let not_utf8 = raw(vec![b'{', 0xff, 0xfe, b'}'], "application/json").await;
    assert_problem(not_utf8.unwrap(), 400, "malformed_json").await;
    let text = raw(b"street_id=1".to_vec(), "text/plain").await;
    assert_problem(text.unwrap(), 415, "unsupported_media_type").await;
    let big = format!(
        "{{\"street_id\": 1, \"name\": \"{}\"}}",
        "楼".repeat(40_000)
    );
    let big = raw(big.into_bytes(), "application/json").await;
    assert_problem(big.unwrap(), 413, "payload_too_large").await;
    let login = json!({"username": 5, "password": []});
    app.post_problem("/api/v1/auth/login", None, &login, 400, "invalid_field")
        .await;
    let not_an_id = "/api/v1/communities/abc/buildings";
    app.get_problem(not_an_id, Some(&admin), 404, "not_found")
        .await;
    app.get_problem("/api/v1/no-such-thing", None, 404, "not_found")
        .await;
}

async fn missing_mistyped_and_invalid_fields_get_clear_problems(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin_token().await;
    let path = "/api/v1/admin/communities";
    let no_street = json!({"name": "缺少街道"});
    app.post_problem(path, Some(&admin), &no_street, 400, "invalid_field")
        .await;
    let text_street = json!({"street_id": "一", "name": "x"});
    app.post_problem(path, Some(&admin), &text_street, 400, "invalid_field")
        .await;
    let too_long = json!({"street_id": app.ids.street_id, "name": "长".repeat(65)});
    let long = app
        .post_problem(path, Some(&admin), &too_long, 422, "validation_failed")
        .await;
    assert_eq!(long["errors"][0]["field"], "name");
    assert_eq!(long["errors"][0]["code"], "too_long");
    let blank = json!({"street_id": app.ids.street_id, "name": "  "});
    app.post_problem(path, Some(&admin), &blank, 422, "validation_failed")
        .await;
    let staff = json!({"role": "worker", "username": "王", "password": "short", "display_name": "", "community_ids": []});
    let body = app
        .post_problem(
            "/api/v1/admin/staff",
            Some(&admin),
            &staff,
            422,
            "validation_failed",
        )
        .await;
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
