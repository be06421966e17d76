//! WeChat mini-program login against a wiremock code2Session.
use crate::both_backends;
use crate::helpers::{assert_problem, spawn_app_with, Backend};
use secrecy::SecretString;
use serde_json::{json, Value};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

both_backends!(a_resident_logs_in_with_a_wechat_code_and_errors_are_clear);

/// code2Session answering each code of the story: good, used, flood and busy.
async fn code2session() -> MockServer {
    let wechat = MockServer::start().await;
    let mock = |code: &str, body: Value| {
        Mock::given(method("GET"))
            .and(path("/sns/jscode2session"))
            .and(query_param("appid", "wx-test-app"))
            .and(query_param("secret", "wx-test-secret"))
            .and(query_param("grant_type", "authorization_code"))
            .and(query_param("js_code", code))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
    };
    mock(
        "good",
        json!({"openid": "o-resident-1", "session_key": "SECRET-SESSION-KEY"}),
    )
    .mount(&wechat)
    .await;
    mock("used", json!({"errcode": 40029, "errmsg": "invalid code"}))
        .mount(&wechat)
        .await;
    mock(
        "flood",
        json!({"errcode": 45011, "errmsg": "api minute-quota reach limit"}),
    )
    .mount(&wechat)
    .await;
    mock("busy", json!({"errcode": -1, "errmsg": "system error"}))
        .mount(&wechat)
        .await;
    wechat
}

async fn a_resident_logs_in_with_a_wechat_code_and_errors_are_clear(backend: Backend) {
    let wechat = code2session().await;
    let uri = wechat.uri();
    let app = spawn_app_with(backend, move |s| {
        s.wechat.api_base = uri;
        s.wechat.appid = "wx-test-app".into();
        s.wechat.secret = SecretString::from("wx-test-secret");
    })
    .await;

    let resp = app
        .post("/api/v1/auth/wechat", None, &json!({"code": "good"}))
        .await;
    assert_eq!(resp.status(), 200);
    let text = resp.text().await.unwrap();
    assert!(
        !text.contains("SECRET-SESSION-KEY") && !text.contains("o-resident-1"),
        "session_key/openid leaked: {text}"
    );
    let tokens: Value = serde_json::from_str(&text).unwrap();
    for key in ["access_token", "refresh_token", "expires_in"] {
        assert!(!tokens[key].is_null(), "{key} missing");
    }
    let me = app
        .get_ok("/api/v1/me", tokens["access_token"].as_str())
        .await;
    assert_eq!(me["role"], "resident");
    // The second login finds the same account.
    let again: Value = app
        .post("/api/v1/auth/wechat", None, &json!({"code": "good"}))
        .await
        .json()
        .await
        .unwrap();
    let me2 = app
        .get_ok("/api/v1/me", again["access_token"].as_str())
        .await;
    assert_eq!(me["account_id"], me2["account_id"]);

    let login = |code: &str| json!({ "code": code });
    let path = "/api/v1/auth/wechat";
    app.post_problem(path, None, &login("used"), 401, "wechat_invalid_code")
        .await;
    let flood = app.post(path, None, &login("flood")).await;
    assert!(flood.headers().get("retry-after").is_some());
    assert_problem(flood, 429, "wechat_rate_limited").await;
    app.post_problem(path, None, &login("busy"), 503, "wechat_busy")
        .await;
    app.post_problem(path, None, &login(""), 422, "validation_failed")
        .await;
}
