use crate::both_backends;
use crate::helpers::{assert_problem, spawn_app, spawn_app_with, Backend, ADMIN_PASSWORD};
use serde_json::{json, Value};

both_backends!(
    a_staff_member_logs_in_and_sees_their_communities,
    an_unknown_user_and_a_wrong_password_get_the_same_answer,
    repeated_failures_lock_the_login_for_a_while,
    a_refresh_token_rotates_and_reuse_revokes_the_session,
    logout_revokes_access_and_refresh_tokens,
    the_development_login_creates_a_resident_only_when_enabled,
    a_resident_cannot_call_admin_endpoints,
);

async fn a_staff_member_logs_in_and_sees_their_communities(backend: Backend) {
    let app = spawn_app(backend).await;
    let resp = app.login("admin", ADMIN_PASSWORD).await;
    assert_eq!(resp.status(), 200);
    let tokens: Value = resp.json().await.unwrap();
    assert!(tokens["expires_in"].as_i64().unwrap() <= 900);
    let me: Value = app
        .get("/api/v1/me", tokens["access_token"].as_str())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"], "admin");
    assert_eq!(me["communities"][0]["name"], "昆香苑社区");
    assert_eq!(me["communities"][0]["community_id"], app.ids.community_id.0);
}

async fn an_unknown_user_and_a_wrong_password_get_the_same_answer(backend: Backend) {
    let app = spawn_app(backend).await;
    let unknown = assert_problem(
        app.login("nobody", "whatever-password").await,
        401,
        "invalid_credentials",
    )
    .await;
    let wrong = assert_problem(
        app.login("admin", "wrong-password").await,
        401,
        "invalid_credentials",
    )
    .await;
    assert_eq!(unknown, wrong);
}

async fn repeated_failures_lock_the_login_for_a_while(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.auth.max_failed_logins = 3).await;
    for _ in 0..2 {
        assert_problem(
            app.login("admin", "wrong-password").await,
            401,
            "invalid_credentials",
        )
        .await;
    }
    let third = app.login("admin", "wrong-password").await;
    assert!(third.headers().get("retry-after").is_some());
    assert_problem(third, 429, "login_locked").await;
    // Even the right password is refused while locked.
    assert_problem(
        app.login("admin", ADMIN_PASSWORD).await,
        429,
        "login_locked",
    )
    .await;
    // Unknown names lock the same way, so locking does not reveal which names exist.
    for _ in 0..2 {
        assert_problem(
            app.login("ghost", "wrong-password").await,
            401,
            "invalid_credentials",
        )
        .await;
    }
    assert_problem(
        app.login("ghost", "wrong-password").await,
        429,
        "login_locked",
    )
    .await;
}

async fn a_refresh_token_rotates_and_reuse_revokes_the_session(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, refresh1) = app.tokens("admin", ADMIN_PASSWORD).await;
    let resp = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": refresh1}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let t2: Value = resp.json().await.unwrap();
    let (access2, refresh2) = (
        t2["access_token"].as_str().unwrap(),
        t2["refresh_token"].as_str().unwrap(),
    );
    assert_ne!(refresh1, refresh2);
    assert_eq!(app.get("/api/v1/me", Some(access2)).await.status(), 200);
    // Presenting the used token again (a thief or a replay) revokes the whole session.
    assert_problem(
        app.post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": refresh1}),
        )
        .await,
        401,
        "refresh_token_reused",
    )
    .await;
    assert_problem(
        app.get("/api/v1/me", Some(access2)).await,
        401,
        "invalid_token",
    )
    .await;
    assert_problem(
        app.post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": refresh2}),
        )
        .await,
        401,
        "invalid_refresh_token",
    )
    .await;
    assert_problem(
        app.post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": "made-up"}),
        )
        .await,
        401,
        "invalid_refresh_token",
    )
    .await;
}

async fn logout_revokes_access_and_refresh_tokens(backend: Backend) {
    let app = spawn_app(backend).await;
    let (access, refresh) = app.tokens("admin", ADMIN_PASSWORD).await;
    assert_eq!(
        app.post("/api/v1/auth/logout", Some(&access), &json!({}))
            .await
            .status(),
        204
    );
    assert_problem(
        app.get("/api/v1/me", Some(&access)).await,
        401,
        "invalid_token",
    )
    .await;
    assert_problem(
        app.post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": refresh}),
        )
        .await,
        401,
        "invalid_refresh_token",
    )
    .await;
}

async fn the_development_login_creates_a_resident_only_when_enabled(backend: Backend) {
    let app = spawn_app(backend).await;
    let c = app.ids.community_id.0;
    let token = app.resident_token("王阿姨", c).await;
    let me: Value = app
        .get("/api/v1/me", Some(&token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"], "resident");
    assert_eq!(me["communities"][0]["community_id"], c);
    let again = app.resident_token("王阿姨", c).await;
    let me2: Value = app
        .get("/api/v1/me", Some(&again))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        me["account_id"], me2["account_id"],
        "the same name logs into the same account"
    );
    assert_problem(
        app.post(
            "/api/v1/auth/dev-login",
            None,
            &json!({"name": "x", "community_id": 99999}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;

    let off = spawn_app_with(backend, |s| s.auth.dev_login = false).await;
    assert_problem(
        off.post(
            "/api/v1/auth/dev-login",
            None,
            &json!({"name": "王阿姨", "community_id": c}),
        )
        .await,
        404,
        "not_found",
    )
    .await;
}

async fn a_resident_cannot_call_admin_endpoints(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.resident_token("李大爷", app.ids.community_id.0).await;
    assert_problem(
        app.get("/api/v1/admin/staff", Some(&token)).await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.get("/api/v1/admin/communities", Some(&token)).await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.post(
            &format!("/api/v1/communities/{}/buildings", app.ids.community_id.0),
            Some(&token),
            &json!({"name": "1号楼"}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.get("/api/v1/admin/staff", None).await,
        401,
        "unauthorized",
    )
    .await;
}
