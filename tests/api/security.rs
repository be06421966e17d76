//! The security review's findings (issue 12), each as the attack that got through, now refused.
use crate::both_backends;
use crate::helpers::{
    assert_problem, eventually, spawn_app, spawn_app_with, Backend, TestApp, ADMIN_PASSWORD,
};
use minyi::domain::role::Role;
use minyi::store::{AdminArea, Audit, NewStaff};
use serde_json::{json, Value};
use std::time::Duration;

both_backends!(
    a_street_admin_cannot_take_over_the_district_admin_or_another_street_admin,
    district_admins_create_street_admins_who_serve_their_street_and_are_audited,
    district_admins_create_street_admins_who_create_only_their_streets_staff,
    the_district_admin_serves_no_community_after_bootstrap,
    a_worker_whose_last_community_was_removed_stays_manageable_and_reaches_nothing,
    thirty_parallel_logins_check_at_most_the_limit_of_passwords,
    one_guess_on_each_of_twelve_names_is_throttled_by_address,
    a_trusted_proxy_names_the_client_and_nobody_else_can,
    the_live_stream_closes_when_its_session_ends,
    live_streams_per_session_are_capped,
    a_pixel_bomb_and_a_nine_megabyte_photo_are_refused,
    a_burst_of_uploads_is_rate_limited_and_the_daily_quota_holds,
    contact_ids_never_reach_residents_voices_titles_or_keywords,
    json_docs_and_login_answers_carry_security_headers,
    production_adds_hsts_and_serves_metrics_only_with_a_token,
    metrics_can_live_on_their_own_address,
    the_bearer_scheme_is_case_insensitive,
);

const STAFF_PASSWORD: &str = "staff-password-1";

/// A street admin of the test street, created in the store (as an operator would).
async fn street_admin(app: &TestApp, username: &str) -> (i64, String) {
    let hash =
        minyi::auth::password::hash_blocking(&secrecy::SecretString::from(STAFF_PASSWORD)).unwrap();
    let id = app
        .store
        .create_staff(
            &NewStaff {
                role: Role::Admin,
                username: username.into(),
                password_hash: hash,
                display_name: username.into(),
                admin_area: Some(AdminArea::Street(app.ids.street_id)),
                communities: vec![],
                home: None,
            },
            &Audit::system("test"),
        )
        .await
        .unwrap();
    (id.0, app.tokens(username, STAFF_PASSWORD).await.0)
}

async fn account_id(app: &TestApp, token: &str) -> i64 {
    let me: Value = app
        .get("/api/v1/me", Some(token))
        .await
        .json()
        .await
        .unwrap();
    me["account_id"].as_i64().unwrap()
}

async fn send(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut req = app.client.request(method, app.url(path)).bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    req.send().await.unwrap()
}

async fn a_street_admin_cannot_take_over_the_district_admin_or_another_street_admin(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let district = app.ids.account_id.0;
    let (peer, _) = street_admin(&app, "street.peer").await;
    let (me, token) = street_admin(&app, "street.admin").await;
    let c = app.ids.community_id.0;
    for target in [district, peer] {
        for (method, path, body) in [
            (
                reqwest::Method::POST,
                format!("/api/v1/admin/staff/{target}/reset-password"),
                Some(json!({"password": "taken-over-password"})),
            ),
            (
                reqwest::Method::POST,
                format!("/api/v1/admin/staff/{target}/disable"),
                Some(json!({})),
            ),
            (
                reqwest::Method::POST,
                format!("/api/v1/admin/staff/{target}/enable"),
                None,
            ),
            (
                reqwest::Method::PUT,
                format!("/api/v1/admin/staff/{target}/communities/{c}"),
                None,
            ),
            (
                reqwest::Method::GET,
                format!("/api/v1/admin/staff/{target}/audit"),
                None,
            ),
        ] {
            let resp = send(&app, method.clone(), &path, &token, body).await;
            assert_problem(resp, 404, "not_found").await;
        }
    }
    // The district admin still logs in with its own password.
    assert_eq!(app.login("admin", ADMIN_PASSWORD).await.status(), 200);
    let listed: Value = app
        .get("/api/v1/admin/staff", Some(&token))
        .await
        .json()
        .await
        .unwrap();
    let ids: Vec<i64> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["account_id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [me], "only itself: nobody it may manage yet");
    // The district admin manages the street admin (strictly narrower), not the other way.
    let admin = app.admin_token().await;
    let resp = send(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/admin/staff/{me}/reset-password"),
        &admin,
        Some(json!({"password": "reset-by-district"})),
    )
    .await;
    assert_eq!(resp.status(), 204);
}

/// A new staff account's body: `extra` adds its area (`community_ids` or `street_id`).
fn staff_body(role: &str, username: &str, extra: Value) -> Value {
    let mut body = json!({"role": role, "username": username, "password": STAFF_PASSWORD, "display_name": username});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

/// The district admin creates the test street's admin through the API; its id and token.
async fn a_district_admin_creates_a_street_admin(app: &TestApp, admin: &str) -> (i64, String) {
    let street = app.ids.street_id.0;
    let body = json!({"role": "admin", "username": "jiedao.admin", "password": STAFF_PASSWORD, "display_name": "双新街道管理员", "street_id": street});
    let created = app
        .post_expect("/api/v1/admin/staff", Some(admin), &body, 201)
        .await;
    let id = created["id"].as_i64().unwrap();
    (id, app.tokens("jiedao.admin", STAFF_PASSWORD).await.0)
}

async fn district_admins_create_street_admins_who_serve_their_street_and_are_audited(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let admin = app.admin_token().await;
    let c = app.ids.community_id.0;
    app.other_community().await; // another street of the district
    let street = app.ids.street_id.0;
    let (id, token) = a_district_admin_creates_a_street_admin(&app, &admin).await;
    let me = app.get_ok("/api/v1/me", Some(&token)).await;
    assert_eq!(me["role"], "admin");
    assert_eq!(me["admin_street_id"], street);
    let scope: Vec<i64> = me["communities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["community_id"].as_i64().unwrap())
        .collect();
    assert_eq!(scope, [c], "its street's communities only");
    let audit = app
        .store
        .audit_entries("account", &id.to_string())
        .await
        .unwrap();
    assert_eq!(audit[0].action, "account.create");
    assert!(audit[0]
        .after_json
        .as_deref()
        .unwrap()
        .contains(&format!("\"admin_street_id\":{street}")));
}

async fn district_admins_create_street_admins_who_create_only_their_streets_staff(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let admin = app.admin_token().await;
    let c = app.ids.community_id.0;
    let other = app.other_community().await; // another street of the district
    let street = app.ids.street_id.0;
    let (_, token) = a_district_admin_creates_a_street_admin(&app, &admin).await;
    let path = "/api/v1/admin/staff";
    // A street admin creates workers and volunteers of its street's communities …
    let ours = staff_body("worker", "shegong.street", json!({"community_ids": [c]}));
    app.post_expect(path, Some(&token), &ours, 201).await;
    // … not of another street, and no admins at all.
    let far = staff_body(
        "volunteer",
        "zhiyuan.far",
        json!({"community_ids": [other]}),
    );
    app.post_problem(path, Some(&token), &far, 404, "not_found")
        .await;
    let twin = staff_body("admin", "street.twin", json!({"street_id": street}));
    app.post_problem(path, Some(&token), &twin, 403, "insufficient_authority")
        .await;
    // Malformed combinations are named field by field.
    let no_street = staff_body("admin", "no.street", json!({"community_ids": [c]}));
    let missing = app
        .post_problem(path, Some(&admin), &no_street, 422, "validation_failed")
        .await;
    let fields: Vec<&str> = missing["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["street_id", "community_ids"]);
    // A street of another district is not the district admin's to staff.
    let hash = minyi::auth::password::hash_blocking(&secrecy::SecretString::from("other-admin-pw"))
        .unwrap();
    let elsewhere = app
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
    let sneaky = staff_body(
        "admin",
        "sneaky.admin",
        json!({"street_id": elsewhere.street_id}),
    );
    app.post_problem(path, Some(&admin), &sneaky, 404, "not_found")
        .await;
}

async fn the_district_admin_serves_no_community_after_bootstrap(backend: Backend) {
    let app = spawn_app(backend).await;
    assert!(
        app.store
            .account_communities(app.ids.account_id)
            .await
            .unwrap()
            .is_empty(),
        "its scope is the district, not a community membership"
    );
    let admin = app.admin_token().await;
    let me: Value = app
        .get("/api/v1/me", Some(&admin))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["communities"][0]["community_id"], app.ids.community_id.0);
}

async fn a_worker_whose_last_community_was_removed_stays_manageable_and_reaches_nothing(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let admin = app.admin_token().await;
    let c = app.ids.community_id.0;
    let worker = app.staff_token("worker", "shegong.left", &[c]).await;
    let id = account_id(&app, &worker).await;
    let (_, street_token) = street_admin(&app, "street.keeper").await;
    let removed = send(
        &app,
        reqwest::Method::DELETE,
        &format!("/api/v1/admin/staff/{id}/communities/{c}"),
        &admin,
        None,
    )
    .await;
    assert_eq!(removed.status(), 204);
    // Its access is what its scope now says: nothing.
    let me = app.get_ok("/api/v1/me", Some(&worker)).await;
    assert!(me["communities"].as_array().unwrap().is_empty());
    let topics = format!("/api/v1/communities/{c}/topics");
    app.get_problem(&topics, Some(&worker), 404, "not_found")
        .await;
    let part = reqwest::multipart::Part::bytes(crate::uploads::jpeg_with_gps()).file_name("a.jpg");
    let up = app
        .client
        .post(app.url("/api/v1/uploads"))
        .bearer_auth(&worker)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_problem(up, 403, "forbidden").await;
    // The admins of its area still see and manage it: the street's admin too.
    for token in [&admin, &street_token] {
        let listed = app.get_ok("/api/v1/admin/staff", Some(token)).await;
        let row = listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["account_id"] == id)
            .cloned()
            .expect("listed");
        assert_eq!(row["communities"], json!([]));
    }
    let reset = send(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/admin/staff/{id}/reset-password"),
        &street_token,
        Some(json!({"password": "after-removal-pw"})),
    )
    .await;
    assert_eq!(reset.status(), 204);
    let disabled = send(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/admin/staff/{id}/disable"),
        &admin,
        Some(json!({"reason": "调离"})),
    )
    .await;
    assert_eq!(disabled.status(), 204);
    assert_problem(
        app.login("shegong.left", "after-removal-pw").await,
        403,
        "account_disabled",
    )
    .await;
}

async fn thirty_parallel_logins_check_at_most_the_limit_of_passwords(backend: Backend) {
    let app = spawn_app(backend).await;
    let max = 5; // auth.max_failed_logins
    let checks = |app: &TestApp| {
        app.state
            .as_ref()
            .unwrap()
            .metrics
            .auth_events
            .with_label_values(&["password_check"])
            .get()
    };
    let before = checks(&app);
    let tasks: Vec<_> = (0..30)
        .map(|n| {
            let client = app.client.clone();
            let url = app.url("/api/v1/auth/login");
            let password = if n == 24 {
                ADMIN_PASSWORD
            } else {
                "wrong-guess"
            };
            tokio::spawn(async move {
                client
                    .post(url)
                    .json(&json!({"username": "admin", "password": password}))
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    let count = |s: u16| statuses.iter().filter(|&&x| x == s).count();
    let checked = count(401) + count(200);
    assert!(
        (1..=max).contains(&checked),
        "{checked} passwords answered (401/200), at most {max}: {statuses:?}"
    );
    assert_eq!(count(429), 30 - checked, "{statuses:?}");
    assert!(
        checks(&app) - before <= max as u64,
        "at most {max} hashes verified"
    );
}

async fn one_guess_on_each_of_twelve_names_is_throttled_by_address(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut statuses = Vec::new();
    let mut last = None;
    for n in 0..12 {
        let resp = app.login(&format!("guess{n}"), "password123").await;
        statuses.push(resp.status().as_u16());
        last = Some(resp);
    }
    assert_eq!(&statuses[..10], [401; 10]);
    assert_eq!(&statuses[10..], [429, 429]);
    let last = last.unwrap();
    let retry: u64 = last.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 0 && retry <= 15 * 60);
    let body = assert_problem(last, 429, "login_throttled").await;
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("登录失败次数过多"));
    // The address is refused even with a right password; a forged X-Forwarded-For changes nothing.
    assert_problem(
        app.login("admin", ADMIN_PASSWORD).await,
        429,
        "login_throttled",
    )
    .await;
    let forged = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("x-forwarded-for", "203.0.113.9")
        .json(&json!({"username": "admin", "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_problem(forged, 429, "login_throttled").await;
}

async fn a_trusted_proxy_names_the_client_and_nobody_else_can(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.http.trusted_proxies = "127.0.0.1".into();
        s.auth.max_failed_logins_per_ip = 2;
    })
    .await;
    let from = |client: &'static str, user: &'static str| {
        app.client
            .post(app.url("/api/v1/auth/login"))
            .header("x-forwarded-for", client)
            .json(&json!({"username": user, "password": "password123"}))
            .send()
    };
    assert_eq!(from("198.51.100.1", "a").await.unwrap().status(), 401);
    assert_eq!(from("198.51.100.1", "b").await.unwrap().status(), 401);
    assert_problem(
        from("198.51.100.1", "c").await.unwrap(),
        429,
        "login_throttled",
    )
    .await;
    // Another client behind the same proxy has its own count.
    assert_eq!(from("198.51.100.2", "d").await.unwrap().status(), 401);
    // A successful login gives its attempt back.
    let ok = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("x-forwarded-for", "198.51.100.2")
        .json(&json!({"username": "admin", "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(from("198.51.100.2", "e").await.unwrap().status(), 401);
}

/// Read a live stream until it ends; `None` if it is still open after `secs` (a liveness bound).
async fn read_to_end(mut resp: reqwest::Response, secs: u64) -> Option<String> {
    let mut seen = String::new();
    let ended = tokio::time::timeout(Duration::from_secs(secs), async {
        while let Ok(Some(chunk)) = resp.chunk().await {
            seen.push_str(&String::from_utf8_lossy(&chunk));
        }
    })
    .await;
    ended.ok().map(|_| seen)
}

async fn open_stream(app: &TestApp, token: &str) -> reqwest::Response {
    app.client
        .get(app.url(&format!(
            "/api/v1/communities/{}/events",
            app.ids.community_id.0
        )))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn the_live_stream_closes_when_its_session_ends(backend: Backend) {
    let app = spawn_app(backend).await;
    let c = app.ids.community_id.0;
    let worker = app.staff_token("worker", "shegong.live", &[c]).await;
    let mut stream = open_stream(&app, &worker).await;
    assert_eq!(stream.status(), 200);
    let first = stream.chunk().await.unwrap().unwrap();
    assert!(String::from_utf8_lossy(&first).contains("retry:"));
    let out = app
        .post("/api/v1/auth/logout", Some(&worker), &json!({}))
        .await;
    assert_eq!(out.status(), 204);
    let seen = read_to_end(stream, 20)
        .await
        .expect("the stream ends after logout");
    assert!(seen.contains("event: session.ended"), "{seen}");

    // Revocation by an admin (a disabled account) ends it the same way.
    let other = app.staff_token("worker", "shegong.revoked", &[c]).await;
    let id = account_id(&app, &other).await;
    let stream = open_stream(&app, &other).await;
    assert_eq!(stream.status(), 200);
    let admin = app.admin_token().await;
    let disabled = app
        .post(
            &format!("/api/v1/admin/staff/{id}/disable"),
            Some(&admin),
            &json!({}),
        )
        .await;
    assert_eq!(disabled.status(), 204);
    let seen = read_to_end(stream, 20)
        .await
        .expect("the stream ends after the account is disabled");
    assert!(seen.contains("event: session.ended"), "{seen}");
}

async fn live_streams_per_session_are_capped(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.hall.max_streams_per_session = 2).await;
    let c = app.ids.community_id.0;
    let worker = app.staff_token("worker", "shegong.tabs", &[c]).await;
    let a = open_stream(&app, &worker).await;
    let b = open_stream(&app, &worker).await;
    assert_eq!((a.status().as_u16(), b.status().as_u16()), (200, 200));
    let third = open_stream(&app, &worker).await;
    assert!(third.headers().get("retry-after").is_some());
    assert_problem(third, 429, "too_many_streams").await;
    // Another login of the same person is another session.
    let (again, _) = app.tokens("shegong.tabs", STAFF_PASSWORD).await;
    assert_eq!(open_stream(&app, &again).await.status(), 200);
    // Closing a stream frees its slot.
    drop(a);
    assert!(
        eventually(20, || async {
            let s = open_stream(&app, &worker).await;
            s.status() == 200
        })
        .await,
        "a slot is free again once a stream is closed"
    );
}

fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut v = (data.len() as u32).to_be_bytes().to_vec();
    v.extend_from_slice(kind);
    v.extend_from_slice(data);
    // The CRC is not checked by the server; keep it well-formed anyway.
    let mut crc = 0xFFFF_FFFFu32;
    for &b in kind.iter().chain(data) {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = (crc >> 1) ^ (0xEDB8_8320 & (crc & 1).wrapping_neg());
        }
    }
    v.extend_from_slice(&(!crc).to_be_bytes());
    v
}

/// A PNG whose header says `w` × `h` pixels, with `idat` bytes of image data.
fn png(w: u32, h: u32, idat: usize) -> Vec<u8> {
    let mut ihdr = w.to_be_bytes().to_vec();
    ihdr.extend(h.to_be_bytes());
    ihdr.extend([8, 6, 0, 0, 0]);
    let mut v = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    v.extend(png_chunk(b"IHDR", &ihdr));
    let mut data = vec![0x78, 0x9C];
    data.resize(idat.max(2), 0);
    v.extend(png_chunk(b"IDAT", &data));
    v.extend(png_chunk(b"IEND", &[]));
    v
}

async fn upload_bytes(app: &TestApp, token: &str, bytes: Vec<u8>) -> reqwest::Response {
    let part = reqwest::multipart::Part::bytes(bytes).file_name("photo.png");
    app.client
        .post(app.url("/api/v1/uploads"))
        .bearer_auth(token)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap()
}

async fn a_pixel_bomb_and_a_nine_megabyte_photo_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.resident_token("拍照居民", app.ids.community_id.0).await;
    let bomb = png(100_000, 100_000, 64);
    assert!(bomb.len() < 200, "a tiny file");
    let refused = assert_problem(
        upload_bytes(&app, &token, bomb).await,
        422,
        "image_too_large",
    )
    .await;
    assert!(refused["message"]
        .as_str()
        .unwrap()
        .contains("100000×100000"));
    let big = png(4000, 3000, 9_300_000);
    assert_problem(
        upload_bytes(&app, &token, big).await,
        413,
        "upload_too_large",
    )
    .await;
    // A photo of a sane size and shape still goes through.
    let fine = upload_bytes(&app, &token, png(4000, 3000, 2_000_000)).await;
    assert_eq!(fine.status(), 201);
}

async fn a_burst_of_uploads_is_rate_limited_and_the_daily_quota_holds(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.intake.upload_bytes_per_account_per_day = 3_000;
    })
    .await;
    let c = app.ids.community_id.0;
    let burst = app.resident_token("连拍居民", c).await;
    let mut statuses = Vec::new();
    for _ in 0..40 {
        let r = upload_bytes(&app, &burst, crate::uploads::jpeg_with_gps()).await;
        statuses.push(r.status().as_u16());
        if r.status() == 429 {
            assert!(r.headers().get("retry-after").is_some());
            let body = assert_problem(r, 429, "rate_limited").await;
            assert!(!body["message"].as_str().unwrap().is_empty());
            break;
        }
    }
    assert_eq!(statuses.len(), 11, "{statuses:?}");
    assert!(statuses[..10].iter().all(|s| *s == 201), "{statuses:?}");
    // Another account is not held back by the first one's burst; its daily quota is its own.
    let other = app.resident_token("另一位居民", c).await;
    let photo = png(10, 10, 1_200);
    assert_eq!(
        upload_bytes(&app, &other, photo.clone()).await.status(),
        201
    );
    assert_eq!(
        upload_bytes(&app, &other, photo.clone()).await.status(),
        201
    );
    let over = upload_bytes(&app, &other, photo).await;
    assert!(over.headers().get("retry-after").is_some());
    assert_problem(over, 429, "upload_quota_exceeded").await;
}

async fn contact_ids_never_reach_residents_voices_titles_or_keywords(backend: Backend) {
    let app = spawn_app(backend).await;
    let c = app.ids.community_id.0;
    let token = app.resident_token("居民", c).await;
    let texts = [
        "加我微信wxid_k3j9x2m8q1，3号楼电梯坏了一周了没人修",
        "3号楼电梯坏了一周了没人修，QQ 52013 联系我，车牌津A12345",
        "身份证12010119900101123X的老人困在3号楼电梯里，电梯坏了一周了",
        "3号楼电梯坏了一周了，微信号 zhang_san88，车主京AD12345",
    ];
    for t in texts {
        let r = app
            .post(
                "/api/v1/suggestions",
                Some(&token),
                &crate::helpers::suggestion(t),
            )
            .await;
        assert_eq!(r.status(), 202);
    }
    assert!(
        eventually(30, || async {
            app.store
                .count_in_state(minyi::hall::status::SuggestionState::Queued)
                .await
                .unwrap()
                == 0
        })
        .await
    );
    let secrets = [
        "k3j9x2m8q1",
        "52013",
        "12345",
        "12010119900101123",
        "zhang_san88",
        "ad12345",
        "AD12345",
    ];
    let board: Value = app
        .get(&format!("/api/v1/communities/{c}/topics"), Some(&token))
        .await
        .json()
        .await
        .unwrap();
    let mut seen = board.to_string();
    for item in board["items"].as_array().unwrap() {
        let id = item["id"].as_i64().unwrap();
        let topic: Value = app
            .get(&format!("/api/v1/topics/{id}"), Some(&token))
            .await
            .json()
            .await
            .unwrap();
        assert!(topic["voices"].as_array().is_some_and(|v| !v.is_empty()));
        seen.push_str(&topic.to_string());
    }
    for s in secrets {
        assert!(!seen.contains(s), "{s} leaked: {seen}");
    }
    assert!(seen.contains("***"), "masked, not dropped: {seen}");
}

fn header<'a>(resp: &'a reqwest::Response, name: &str) -> &'a str {
    resp.headers()
        .get(name)
        .unwrap_or_else(|| panic!("{name} missing on {}", resp.url()))
        .to_str()
        .unwrap()
}

async fn json_docs_and_login_answers_carry_security_headers(backend: Backend) {
    let app = spawn_app(backend).await;
    let login = app.login("admin", ADMIN_PASSWORD).await;
    assert_eq!(login.status(), 200);
    assert_eq!(header(&login, "cache-control"), "no-store");
    assert_eq!(header(&login, "x-content-type-options"), "nosniff");
    let tokens: Value = login.json().await.unwrap();
    let access = tokens["access_token"].as_str().unwrap();
    let refreshed = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": tokens["refresh_token"]}),
        )
        .await;
    assert_eq!(header(&refreshed, "cache-control"), "no-store");
    let wrong = app.login("admin", "wrong-password").await;
    assert_eq!(header(&wrong, "cache-control"), "no-store");
    for path in ["/api/v1/me", "/api/v1/openapi.json", "/api/v1/nowhere"] {
        let resp = app.get(path, Some(access)).await;
        assert_eq!(header(&resp, "x-content-type-options"), "nosniff", "{path}");
        let csp = header(&resp, "content-security-policy");
        assert!(
            csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"),
            "{path}: {csp}"
        );
        assert!(resp.headers().get("strict-transport-security").is_none());
    }
    let docs = app.get("/api/docs/", None).await;
    assert_eq!(docs.status(), 200);
    assert_eq!(header(&docs, "x-content-type-options"), "nosniff");
    let csp = header(&docs, "content-security-policy");
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-eval"),
        "{csp}"
    );
    // The pages keep their own policy.
    let page = app.get("/", None).await;
    assert!(header(&page, "content-security-policy").contains("script-src 'self'"));
}

fn production(s: &mut minyi::config::Settings) {
    s.environment = minyi::config::Environment::Production;
    s.auth.jwt_secret = secrecy::SecretString::from("p".repeat(48));
    s.auth.dev_login = false;
    s.sms.provider = "none".into();
}

async fn production_adds_hsts_and_serves_metrics_only_with_a_token(backend: Backend) {
    let app = spawn_app_with(backend, production).await;
    let health = app.get("/healthz", None).await;
    assert!(header(&health, "strict-transport-security").starts_with("max-age="));
    assert_problem(app.get("/metrics", None).await, 404, "not_found").await;

    let token = "metrics-token-0123456789";
    let app = spawn_app_with(backend, |s| {
        production(s);
        s.http.metrics_token = secrecy::SecretString::from(token);
    })
    .await;
    assert_problem(app.get("/metrics", None).await, 401, "unauthorized").await;
    assert_problem(
        app.get("/metrics", Some("not-the-token")).await,
        401,
        "unauthorized",
    )
    .await;
    let ok = app.get("/metrics", Some(token)).await;
    assert_eq!(ok.status(), 200);
    assert!(ok
        .text()
        .await
        .unwrap()
        .contains("minyi_http_request_duration_seconds"));
}

async fn metrics_can_live_on_their_own_address(backend: Backend) {
    // The metrics listener on a port of its own, chosen by the system (a port picked free and
    // bound later could be taken meanwhile by a test running beside this one).
    let app = spawn_app_with(backend, |s| {
        s.http.metrics_bind = "127.0.0.1:0".into();
    })
    .await;
    let port = app.metrics_port.expect("a metrics listener");
    assert!(
        !app.address.ends_with(&format!(":{port}")),
        "not the main port"
    );
    assert_problem(app.get("/metrics", None).await, 404, "not_found").await;
    let own = app
        .client
        .get(format!("http://127.0.0.1:{port}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), 200);
    assert_eq!(header(&own, "x-content-type-options"), "nosniff");
    let nothing_else = app
        .client
        .get(format!("http://127.0.0.1:{port}/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(nothing_else.status(), 404);
}

async fn the_bearer_scheme_is_case_insensitive(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.admin_token().await;
    for scheme in ["bearer", "BEARER", "Bearer"] {
        let resp = app
            .client
            .get(app.url("/api/v1/me"))
            .header("authorization", format!("{scheme} {token}"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{scheme}");
    }
    let basic = app
        .client
        .get(app.url("/api/v1/me"))
        .header("authorization", format!("Basic {token}"))
        .send()
        .await
        .unwrap();
    assert_problem(basic, 401, "unauthorized").await;
}
