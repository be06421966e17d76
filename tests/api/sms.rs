//! Residents log in with a phone and an SMS code; volunteers post for residents (assist mode).
use crate::both_backends;
use crate::helpers::{assert_problem, spawn_app, spawn_app_with, suggestion, Backend, TestApp};
use serde_json::{json, Value};

both_backends!(
    a_resident_logs_in_with_a_phone_code_and_comes_back_to_the_same_account,
    a_wrong_code_is_refused_and_too_many_wrong_codes_kill_it,
    a_code_works_once,
    a_code_expires,
    sending_is_limited_per_phone_and_per_ip,
    a_malformed_phone_is_refused,
    a_volunteer_posts_for_a_resident_beside_them_with_consent,
    assisted_posts_without_consent_elsewhere_or_by_the_wrong_role_are_refused,
);

const PHONE: &str = "13812345678";

async fn send(app: &TestApp, phone: &str) -> reqwest::Response {
    app.post("/api/v1/auth/sms/send", None, &json!({ "phone": phone }))
        .await
}

fn code_of(app: &TestApp, phone: &str) -> String {
    app.sms
        .last_code(phone)
        .expect("a code was sent to this phone")
}

async fn login(app: &TestApp, phone: &str, code: &str) -> reqwest::Response {
    let join = app.join_code(app.ids.community_id.0).await;
    app.post(
        "/api/v1/auth/sms/login",
        None,
        &json!({ "phone": phone, "code": code, "join_code": join }),
    )
    .await
}

async fn a_resident_logs_in_with_a_phone_code_and_comes_back_to_the_same_account(backend: Backend) {
    let app = spawn_app(backend).await;
    let resp = send(&app, "+86 138-1234-5678").await;
    assert_eq!(resp.status(), 202);
    let code = code_of(&app, PHONE);
    assert_eq!(code.len(), 6);
    let resp = login(&app, PHONE, &code).await;
    assert_eq!(resp.status(), 200);
    let tokens: Value = resp.json().await.unwrap();
    for key in ["access_token", "refresh_token", "expires_in"] {
        assert!(!tokens[key].is_null(), "{key} missing");
    }
    let me = app.get("/api/v1/me", tokens["access_token"].as_str()).await;
    let text = me.text().await.unwrap();
    assert!(!text.contains(PHONE), "the phone number leaked: {text}");
    let me: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(me["role"], "resident");
    assert_eq!(
        me["communities"][0]["community_id"],
        json!(app.ids.community_id),
        "the community from the QR code became the home community"
    );
    // The resident can post straight away.
    let posted = app
        .post(
            "/api/v1/suggestions",
            tokens["access_token"].as_str(),
            &suggestion("3号楼楼道的灯坏了好几天了"),
        )
        .await;
    assert_eq!(posted.status(), 202);

    // A later login (after the per-phone minute) finds the same account.
    let state = app.state.as_ref().unwrap();
    let again = state
        .sms
        .resident_by_phone(PHONE, None)
        .await
        .unwrap()
        .account_id;
    assert_eq!(me["account_id"], json!(again));
    let stored = app.store.account(again).await.unwrap().unwrap();
    assert_eq!(
        stored.phone.as_deref(),
        Some(PHONE),
        "kept for export/deletion"
    );
}

async fn a_wrong_code_is_refused_and_too_many_wrong_codes_kill_it(backend: Backend) {
    let app = spawn_app(backend).await;
    assert_eq!(send(&app, PHONE).await.status(), 202);
    let code = code_of(&app, PHONE);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let body = assert_problem(login(&app, PHONE, wrong).await, 401, "sms_code_wrong").await;
    assert!(body["message"].as_str().unwrap().contains('4'), "{body}");
    for _ in 0..4 {
        assert_problem(login(&app, PHONE, wrong).await, 401, "sms_code_wrong").await;
    }
    // Five wrong guesses: even the right code no longer works.
    assert_problem(login(&app, PHONE, &code).await, 401, "sms_code_expired").await;
    // A code that is not 6 digits is refused before any lookup.
    assert_problem(login(&app, PHONE, "12ab").await, 422, "validation_failed").await;
}

async fn a_code_works_once(backend: Backend) {
    let app = spawn_app(backend).await;
    assert_eq!(send(&app, PHONE).await.status(), 202);
    let code = code_of(&app, PHONE);
    assert_eq!(login(&app, PHONE, &code).await.status(), 200);
    assert_problem(login(&app, PHONE, &code).await, 401, "sms_code_expired").await;
    // Another phone cannot use it either.
    assert_problem(
        login(&app, "13900001111", &code).await,
        401,
        "sms_code_expired",
    )
    .await;
}

async fn a_code_expires(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.sms.code_ttl_seconds = 1).await;
    assert_eq!(send(&app, PHONE).await.status(), 202);
    let code = code_of(&app, PHONE);
    tokio::time::sleep(std::time::Duration::from_millis(1300)).await;
    assert_problem(login(&app, PHONE, &code).await, 401, "sms_code_expired").await;
}

async fn sending_is_limited_per_phone_and_per_ip(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.sms.per_ip_per_hour = 3).await;
    assert_eq!(send(&app, PHONE).await.status(), 202);
    let resp = send(&app, PHONE).await;
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert_problem(resp, 429, "rate_limited").await;
    // The refused send did not replace the code.
    assert_eq!(
        login(&app, PHONE, &code_of(&app, PHONE)).await.status(),
        200
    );
    // The third request from this IP (the refused one counted) hits the per-IP limit.
    assert_eq!(send(&app, "13900001111").await.status(), 202);
    let resp = send(&app, "13900002222").await;
    assert!(resp.headers().contains_key("retry-after"));
    assert_problem(resp, 429, "rate_limited").await;

    // Per phone per day.
    let app = spawn_app_with(backend, |s| {
        s.sms.per_phone_per_minute = 100;
        s.sms.per_phone_per_day = 2;
    })
    .await;
    assert_eq!(send(&app, PHONE).await.status(), 202);
    assert_eq!(send(&app, PHONE).await.status(), 202);
    assert_problem(send(&app, PHONE).await, 429, "rate_limited").await;
    // The newest code is the one that counts.
    assert_eq!(
        login(&app, PHONE, &code_of(&app, PHONE)).await.status(),
        200
    );
}

async fn a_malformed_phone_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    for bad in ["12345", "23812345678", "1381234567a", "022-28881234"] {
        let body = assert_problem(send(&app, bad).await, 422, "validation_failed").await;
        assert_eq!(body["errors"][0]["field"], "phone");
        assert_eq!(body["errors"][0]["code"], "invalid_phone");
    }
    let body = assert_problem(login(&app, "123", "123456").await, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["code"], "invalid_phone");
}

async fn a_volunteer_posts_for_a_resident_beside_them_with_consent(backend: Backend) {
    let app = spawn_app(backend).await;
    let c = app.ids.community_id.0;
    let volunteer = app.staff_token("volunteer", "xiaoli", &[c]).await;
    let mut body = suggestion("小区东门的路灯晚上不亮，老人出门不方便");
    body["on_behalf"] = json!({"name": "王秀英", "phone": "13811112222", "consent": true});
    let first = app
        .post_expect("/api/v1/suggestions", Some(&volunteer), &body, 202)
        .await;
    // A retry (weak network) returns the same suggestion.
    let again = app
        .post_expect("/api/v1/suggestions", Some(&volunteer), &body, 202)
        .await;
    assert_eq!(first["id"], again["id"]);
    // Two first sends racing each other also make one suggestion, both answered 202.
    let mut twin = suggestion("小区西门的路灯也不亮了");
    twin["on_behalf"] = json!({"name": "李大爷", "consent": true});
    let (a, b) = tokio::join!(
        app.post("/api/v1/suggestions", Some(&volunteer), &twin),
        app.post("/api/v1/suggestions", Some(&volunteer), &twin)
    );
    assert_eq!((a.status().as_u16(), b.status().as_u16()), (202, 202));
    let (a, b): (Value, Value) = (a.json().await.unwrap(), b.json().await.unwrap());
    assert_eq!(a["id"], b["id"]);
    let id = minyi::domain::ids::SuggestionId(first["id"].as_i64().unwrap());
    let row = app.store.suggestion(id).await.unwrap().unwrap();
    assert_eq!(row.channel, "mini_program");
    assert!(row.author_account_id.is_none());
    assert!(
        row.author_person_id.is_some(),
        "authored by a person record"
    );
    let person = app
        .store
        .person(row.author_person_id.unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(person.name.as_deref(), Some("王秀英"));
    let audit = app
        .store
        .audit_entries("suggestion", &id.to_string())
        .await
        .unwrap();
    assert!(
        audit
            .iter()
            .any(|a| a.reason.as_deref().is_some_and(|r| r.contains("同意"))
                && a.actor_account_id == row.entered_by_account_id),
        "consent recorded in the audit log"
    );
    assert!(row.entered_by_account_id.is_some());
}

async fn assisted_posts_without_consent_elsewhere_or_by_the_wrong_role_are_refused(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let c = app.ids.community_id.0;
    let volunteer = app.staff_token("volunteer", "xiaoli", &[c]).await;
    let path = "/api/v1/suggestions";
    let vol = Some(volunteer.as_str());
    let mut body = suggestion("小区东门的路灯晚上不亮，老人出门不方便");
    body["on_behalf"] = json!({"name": "王秀英", "phone": "13811112222", "consent": true});
    app.post_expect(path, vol, &body, 202).await;

    // Same client id, other content: refused.
    body["text"] = json!("另一条完全不同的建议内容");
    app.post_problem(path, vol, &body, 422, "idempotency_key_reused")
        .await;

    // Without consent: a clear refusal.
    let mut no_consent = suggestion("楼下的垃圾桶满了没人清");
    no_consent["on_behalf"] = json!({"name": "李大爷"});
    app.post_problem(path, vol, &no_consent, 422, "consent_required")
        .await;
    no_consent["on_behalf"]["consent"] = json!(false);
    app.post_problem(path, vol, &no_consent, 422, "consent_required")
        .await;

    // Not in a community the volunteer does not serve.
    let other = app.other_community().await;
    let mut elsewhere = suggestion("前进里社区的路灯也坏了");
    elsewhere["on_behalf"] = json!({"consent": true});
    elsewhere["community_id"] = json!(other);
    app.post_problem(path, vol, &elsewhere, 404, "not_found")
        .await;
    // A malformed phone for the resident is refused with the field named.
    let mut bad_phone = suggestion("楼道里堆放杂物影响通行");
    bad_phone["on_behalf"] = json!({"phone": "打电话给我", "consent": true});
    let body = app
        .post_problem(path, vol, &bad_phone, 422, "validation_failed")
        .await;
    assert_eq!(body["errors"][0]["field"], "on_behalf.phone");

    // A resident cannot post "for" someone else, and staff cannot post as themselves.
    let resident = app.resident_token("王阿姨", c).await;
    let mut body = suggestion("东门路灯坏了需要修理");
    body["on_behalf"] = json!({"consent": true});
    app.post_problem(path, Some(&resident), &body, 403, "forbidden")
        .await;
    let as_themselves = suggestion("东门路灯坏了需要修理");
    app.post_problem(path, vol, &as_themselves, 403, "forbidden")
        .await;
}
