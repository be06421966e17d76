//! Access tokens: expired, badly signed, wrong audience, `alg: none` and algorithm confusion are
//! all refused.
use crate::both_backends;
use crate::helpers::{assert_problem, spawn_app, Backend, ADMIN_PASSWORD};
use base64::Engine;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

both_backends!(tampered_and_expired_tokens_are_refused);

fn b64(v: &Value) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
}

async fn tampered_and_expired_tokens_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let (good, _) = app.tokens("admin", ADMIN_PASSWORD).await;
    let payload = good.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    let secret = minyi::config::DEV_JWT_SECRET.as_bytes();
    let now = chrono::Utc::now().timestamp();
    let sign = |alg: Algorithm, c: &Value, key: &[u8]| {
        encode(&Header::new(alg), c, &EncodingKey::from_secret(key)).unwrap()
    };

    // The genuine token works, and a re-signed copy with the same claims works too.
    assert_eq!(app.get("/api/v1/me", Some(&good)).await.status(), 200);
    assert_eq!(
        app.get("/api/v1/me", Some(&sign(Algorithm::HS256, &claims, secret)))
            .await
            .status(),
        200
    );

    let mut expired = claims.clone();
    expired["exp"] = json!(now - 60);
    expired["iat"] = json!(now - 1000);
    let mut wrong_aud = claims.clone();
    wrong_aud["aud"] = json!("someone-else");
    let mut wrong_iss = claims.clone();
    wrong_iss["iss"] = json!("evil");
    let mut escalated = claims.clone();
    escalated["sub"] = json!("999");

    let none_token = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT"})),
        b64(&claims)
    );
    let cases = [
        ("expired", sign(Algorithm::HS256, &expired, secret)),
        (
            "bad signature",
            sign(
                Algorithm::HS256,
                &claims,
                b"another-secret-another-secret-xx",
            ),
        ),
        ("wrong audience", sign(Algorithm::HS256, &wrong_aud, secret)),
        ("wrong issuer", sign(Algorithm::HS256, &wrong_iss, secret)),
        ("alg none", none_token),
        (
            "HS512 with the same secret",
            sign(Algorithm::HS512, &claims, secret),
        ),
        (
            "subject of another session",
            sign(Algorithm::HS256, &escalated, secret),
        ),
        ("garbage", "not.a.token".to_string()),
    ];
    for (what, token) in cases {
        let resp = app.get("/api/v1/me", Some(&token)).await;
        assert_eq!(resp.status(), 401, "{what} was accepted");
        assert_problem(resp, 401, "invalid_token").await;
    }
}
