//! Pre-moderation per community, and WeChat's msgSecCheck (v2) against a mock.
use crate::both_backends;
use crate::helpers::{spawn_app, spawn_app_with, suggestion, Backend};
use secrecy::SecretString;
use serde_json::{json, Value};
use wiremock::matchers::{body_partial_json, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

both_backends!(
    a_community_that_premoderates_holds_every_suggestion,
    wechat_content_check_holds_what_it_flags_and_what_it_cannot_check
);

async fn a_community_that_premoderates_holds_every_suggestion(backend: Backend) {
    let app = spawn_app(backend).await;
    let c = app.ids.community_id.0;
    let worker = app.staff_token("worker", "shegong.pm", &[c]).await;
    let r = app
        .client
        .patch(app.url(&format!("/api/v1/communities/{c}/settings")))
        .bearer_auth(&worker)
        .json(&json!({"premoderate": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let info = app
        .get_ok(&format!("/api/v1/communities/{c}"), Some(&worker))
        .await;
    assert_eq!(info["premoderate"], true);
    let resident = app.resident_token("居民", c).await;
    let s: Value = app
        .post(
            "/api/v1/suggestions",
            Some(&resident),
            &suggestion("希望小区增加儿童游乐设施"),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(s["state"], "pending_review");
    let audit = app
        .store
        .audit_entries("community", &c.to_string())
        .await
        .unwrap();
    assert_eq!(audit.last().unwrap().action, "community.premoderate");
}

/// WeChat's login and content check: one text passes, one is risky, one meets a busy service.
async fn wechat_with_content_check() -> MockServer {
    let wechat = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/sns/jscode2session"))
        .and(query_param("js_code", "ok"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"openid": "o-check", "session_key": "k"})),
        )
        .mount(&wechat)
        .await;
    Mock::given(method("GET"))
        .and(path("/cgi-bin/token"))
        .and(query_param("grant_type", "client_credential"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"access_token": "AT", "expires_in": 7200})),
        )
        .expect(1)
        .mount(&wechat)
        .await;
    Mock::given(method("POST"))
        .and(path("/wxa/msg_sec_check"))
        .and(query_param("access_token", "AT"))
        .and(body_partial_json(
            json!({"version": 2, "openid": "o-check", "content": "正常的建议：希望修好路灯"}),
        ))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"errcode": 0, "result": {"suggest": "pass", "label": 100}})),
        )
        .mount(&wechat)
        .await;
    Mock::given(method("POST"))
        .and(path("/wxa/msg_sec_check"))
        .and(body_partial_json(
            json!({"content": "含有违规内容的建议文本"}),
        ))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"errcode": 0, "result": {"suggest": "risky", "label": 20001}}),
            ),
        )
        .mount(&wechat)
        .await;
    Mock::given(method("POST"))
        .and(path("/wxa/msg_sec_check"))
        .and(body_partial_json(
            json!({"content": "微信服务繁忙时的建议"}),
        ))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"errcode": -1, "errmsg": "system error"})),
        )
        .mount(&wechat)
        .await;
    wechat
}

async fn wechat_content_check_holds_what_it_flags_and_what_it_cannot_check(backend: Backend) {
    let wechat = wechat_with_content_check().await;
    let uri = wechat.uri();
    let app = spawn_app_with(backend, move |s| {
        s.wechat.api_base = uri;
        s.wechat.appid = "wx-app".into();
        s.wechat.secret = SecretString::from("wx-secret");
        s.intake.wechat_msg_sec_check = true;
    })
    .await;
    let login: Value = app
        .post("/api/v1/auth/wechat", None, &json!({"code": "ok"}))
        .await
        .json()
        .await
        .unwrap();
    let token = login["access_token"].as_str().unwrap().to_string();
    let put = app
        .client
        .put(app.url("/api/v1/me/community"))
        .bearer_auth(&token)
        .json(&json!({"code": app.join_code(app.ids.community_id.0).await}))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200);
    let token = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": login["refresh_token"]}),
        )
        .await
        .json::<Value>()
        .await
        .unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let states = [
        ("正常的建议：希望修好路灯", "queued"),
        ("含有违规内容的建议文本", "pending_review"),
        ("微信服务繁忙时的建议", "pending_review"),
    ];
    for (text, want) in states {
        let s: Value = app
            .post("/api/v1/suggestions", Some(&token), &suggestion(text))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(s["state"], want, "{text}");
    }
    let mine = app.get_ok("/api/v1/me/suggestions", Some(&token)).await;
    assert!(mine["items"][0]["moderation_reason"]
        .as_str()
        .unwrap()
        .contains("自动审核暂不可用"));
    assert!(mine["items"][1]["moderation_reason"]
        .as_str()
        .unwrap()
        .contains("微信内容安全检测"));
}
