//! What residents, volunteers and workers hit on first use (issue 16), as API stories: joining
//! by the community's QR code only, photos a worker publishes, the mobile web's channel,
//! satisfaction answers that come back, tallies within attendance, call-backs per person,
//! the paper form's category and the typist's own view, un-merge, labels instead of codes,
//! exports for people, moderation words kept by admins, compression and cached assets.
use crate::both_backends;
use crate::helpers::{assert_problem, eventually, expect_json, spawn_app, Backend, TestApp};
use serde_json::{json, Value};

both_backends!(
    a_resident_joins_a_community_only_through_its_qr_code,
    staff_get_the_join_code_its_qr_code_and_a_poster_and_residents_do_not,
    a_new_poster_voids_the_old_code_also_for_a_phone_login,
    photos_reach_staff_and_the_author_but_not_the_neighbours,
    photos_reach_staff_and_residents_see_those_a_worker_published,
    posts_from_the_mobile_web_are_recorded_as_h5,
    a_residents_answer_and_comment_come_back_to_them,
    a_vote_cannot_count_more_people_than_attended,
    a_paper_submitter_is_one_call_back_row_per_topic,
    paper_forms_category_reaches_the_topic_and_the_typist_checks_their_own_contacts,
    after_an_unmerge_the_public_timeline_no_longer_ends_with_merged,
    people_read_names_and_labels_not_ids_and_codes,
    exports_are_for_people,
    statistics_exports_have_numbers_dates_chinese_labels_and_the_scopes_name,
    admins_keep_moderation_words_per_community_and_district,
);

async fn send(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    if_match: Option<&str>,
    body: &Value,
) -> reqwest::Response {
    let mut req = app.client.request(method, app.url(path)).json(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(m) = if_match {
        req = req.header("if-match", m);
    }
    req.send().await.unwrap()
}

async fn post(app: &TestApp, token: &str, body: Value) -> i64 {
    let r = app.post("/api/v1/suggestions", Some(token), &body).await;
    assert_eq!(r.status(), 202, "{}", r.text().await.unwrap());
    r.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

fn text(t: &str) -> Value {
    json!({"client_id": uuid::Uuid::new_v4().to_string(), "text": t})
}

async fn topic_of(app: &TestApp, suggestion: i64) -> i64 {
    let id = minyi::domain::ids::SuggestionId(suggestion);
    let found = eventually(30, || async {
        app.store
            .suggestion(id)
            .await
            .unwrap()
            .is_some_and(|s| s.topic_id.is_some())
    })
    .await;
    assert!(found, "suggestion {suggestion} grouped");
    app.store
        .suggestion(id)
        .await
        .unwrap()
        .unwrap()
        .topic_id
        .unwrap()
        .0
}

async fn topic(app: &TestApp, token: &str, id: i64) -> (Value, String) {
    let r = app.get(&format!("/api/v1/topics/{id}"), Some(token)).await;
    assert_eq!(r.status(), 200);
    let etag = r.headers()["etag"].to_str().unwrap().to_string();
    (r.json().await.unwrap(), etag)
}

async fn to_status(app: &TestApp, token: &str, id: i64, status: &str) {
    let (_, etag) = topic(app, token, id).await;
    let r = send(
        app,
        reqwest::Method::POST,
        &format!("/api/v1/topics/{id}/status"),
        Some(token),
        Some(&etag),
        &json!({"status": status, "reason": "测试"}),
    )
    .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
}

async fn phone_resident(app: &TestApp) -> String {
    // A resident without a community yet: a phone login without a join code.
    let phone = format!("139{:08}", rand_digits());
    let r = app
        .post("/api/v1/auth/sms/send", None, &json!({"phone": phone}))
        .await;
    assert_eq!(r.status(), 202);
    let code = app.sms.last_code(&phone).unwrap();
    let r = app
        .post(
            "/api/v1/auth/sms/login",
            None,
            &json!({"phone": phone, "code": code}),
        )
        .await;
    assert_eq!(r.status(), 200);
    r.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_string()
}

fn rand_digits() -> u32 {
    (uuid::Uuid::new_v4().as_u128() % 100_000_000) as u32
}

/// A phone resident who joined the home community with its poster's code; the token and code.
async fn a_resident_who_joined_by_the_poster(app: &TestApp) -> (String, String) {
    let c = app.ids.community_id.0;
    let resident = phone_resident(app).await;
    let code = app.join_code(c).await;
    let join = json!({"code": code});
    let joined = app
        .put_expect("/api/v1/me/community", Some(&resident), &join, 200)
        .await;
    assert_eq!(joined["name"], "昆香苑社区");
    (resident, code)
}

async fn a_resident_joins_a_community_only_through_its_qr_code(backend: Backend) {
    let app = spawn_app(backend).await;
    let c = app.ids.community_id.0;
    let other = app.other_community().await;
    let resident = phone_resident(&app).await;
    let me = app.get_ok("/api/v1/me", Some(&resident)).await;
    assert!(me["communities"].as_array().unwrap().is_empty());

    // A bare number no longer joins a community.
    let bare = json!({"community_id": other});
    let path = "/api/v1/me/community";
    app.put_problem(path, Some(&resident), &bare, 422, "join_code_required")
        .await;
    // Nor a code whose number was changed, nor a malformed one.
    let code = app.join_code(c).await;
    let forged = code.replacen(&format!("{c}."), &format!("{other}."), 1);
    for bad in [forged.as_str(), "1", "abc.def", ""] {
        let r = app.put(path, Some(&resident), &json!({"code": bad})).await;
        let status = r.status().as_u16();
        assert_eq!(status, 422, "{bad:?}");
    }
    // The poster's code: a preview without login, then joining.
    let preview = app
        .get_ok(&format!("/api/v1/join-codes/{code}"), None)
        .await;
    assert_eq!(preview["community_id"], c);
    assert_eq!(preview["name"], "昆香苑社区");
    let joined = app
        .put_expect(path, Some(&resident), &json!({"code": code}), 200)
        .await;
    assert_eq!(joined["name"], "昆香苑社区");
    let me = app.get_ok("/api/v1/me", Some(&resident)).await;
    assert_eq!(me["communities"][0]["community_id"], c);
    let audit = app
        .store
        .audit_entries("account", &me["account_id"].to_string())
        .await
        .unwrap();
    assert!(
        audit.iter().any(|a| a.action == "account.join_community"),
        "joining is audited"
    );
}

async fn staff_get_the_join_code_its_qr_code_and_a_poster_and_residents_do_not(backend: Backend) {
    let app = spawn_app(backend).await;
    let c = app.ids.community_id.0;
    let other = app.other_community().await;
    let (resident, code) = a_resident_who_joined_by_the_poster(&app).await;
    let worker = app.staff_token("worker", "shegong.zhou", &[c]).await;
    let join_code = format!("/api/v1/communities/{c}/join-code");
    let view = app.get_ok(&join_code, Some(&worker)).await;
    assert_eq!(view["code"], code);
    assert!(view["url"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/m/?c={code}")));
    let qr = format!("/api/v1/communities/{c}/join-qr.svg");
    let svg = app.get(&qr, Some(&worker)).await;
    assert_eq!(svg.headers()["content-type"], "image/svg+xml");
    assert!(svg.text().await.unwrap().contains("<svg"));
    let poster = format!("/api/v1/communities/{c}/join-poster");
    let poster = app.get(&poster, Some(&worker)).await;
    assert!(poster.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let page = poster.text().await.unwrap();
    assert!(page.contains("昆香苑社区") && page.contains("<svg") && page.contains("扫一扫"));
    assert!(page.contains(&code), "the link is printed under the code");
    app.get_problem(&join_code, Some(&resident), 403, "forbidden")
        .await;
    let elsewhere = format!("/api/v1/communities/{other}/join-code");
    app.get_problem(&elsewhere, Some(&worker), 404, "not_found")
        .await;
}

async fn a_new_poster_voids_the_old_code_also_for_a_phone_login(backend: Backend) {
    let app = spawn_app(backend).await;
    let c = app.ids.community_id.0;
    let (_, code) = a_resident_who_joined_by_the_poster(&app).await;
    let admin = app.admin_token().await;
    let worker = app.staff_token("worker", "shegong.zhou", &[c]).await;
    // A new poster voids the old code; the new one works.
    let rotate = format!("/api/v1/communities/{c}/join-code/rotate");
    let rotated = app.post(&rotate, Some(&admin), &json!({})).await;
    let rotated: Value = rotated.json().await.unwrap();
    let fresh = rotated["code"].as_str().unwrap().to_string();
    assert_ne!(fresh, code);
    let old = format!("/api/v1/join-codes/{code}");
    app.get_problem(&old, None, 422, "invalid_join_code").await;
    let new = format!("/api/v1/join-codes/{fresh}");
    assert_eq!(app.get(&new, None).await.status(), 200);
    app.post_problem(&rotate, Some(&worker), &json!({}), 403, "forbidden")
        .await;

    // Logging in by phone with a code sets the home community; an invalid code is refused.
    let phone = format!("137{:08}", rand_digits());
    app.post("/api/v1/auth/sms/send", None, &json!({"phone": phone}))
        .await;
    let sms = app.sms.last_code(&phone).unwrap();
    let login = "/api/v1/auth/sms/login";
    let with_old = json!({"phone": phone, "code": sms, "join_code": code});
    app.post_problem(login, None, &with_old, 422, "invalid_join_code")
        .await;
    let with_fresh = json!({"phone": phone, "code": sms, "join_code": fresh});
    let r = app.post(login, None, &with_fresh).await;
    assert_eq!(
        r.status(),
        200,
        "the SMS code was not spent by the refused attempt"
    );
}

/// A resident's suggestion with a photo, grouped into a topic; its worker and a neighbour.
struct PhotoPost {
    app: TestApp,
    worker: String,
    author: String,
    neighbour: String,
    photo: String,
    s: i64,
    t: i64,
}

async fn a_resident_posts_a_photo(backend: Backend) -> PhotoPost {
    let app = spawn_app(backend).await;
    let c = app.ids.community_id.0;
    let worker = app.staff_token("worker", "shegong.wu", &[c]).await;
    let author = app.resident_token("拍照的居民", c).await;
    let neighbour = app.resident_token("邻居", c).await;
    let part = reqwest::multipart::Part::bytes(crate::uploads::jpeg_with_gps()).file_name("p.jpg");
    let up: Value = app
        .client
        .post(app.url("/api/v1/uploads"))
        .bearer_auth(&author)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let photo = up["upload_id"].as_str().unwrap().to_string();
    let mut body = text("楼下的井盖缺了一块，晚上很危险，见照片");
    body["photo_ids"] = json!([photo]);
    let s = post(&app, &author, body).await;
    let t = topic_of(&app, s).await;
    PhotoPost {
        app,
        worker,
        author,
        neighbour,
        photo,
        s,
        t,
    }
}

async fn photos_reach_staff_and_the_author_but_not_the_neighbours(backend: Backend) {
    let PhotoPost {
        app,
        worker,
        author,
        neighbour,
        photo,
        t,
        ..
    } = a_resident_posts_a_photo(backend).await;
    // The worker's topic page shows the photo, not yet public.
    let (staff_view, _) = topic(&app, &worker, t).await;
    let member = &staff_view["members"][0];
    assert_eq!(
        member["photos"],
        json!([{"upload_id": photo, "public": false}])
    );
    let upload = format!("/api/v1/uploads/{photo}");
    assert_eq!(app.get(&upload, Some(&worker)).await.status(), 200);
    // The author sees their own photo in 我的; a neighbour sees none on the public page.
    let mine = app.get_ok("/api/v1/me/suggestions", Some(&author)).await;
    assert_eq!(mine["items"][0]["photo_ids"], json!([photo]));
    let (public, _) = topic(&app, &neighbour, t).await;
    assert_eq!(public["voices"][0]["photo_ids"], json!([]));
    app.get_problem(&upload, Some(&neighbour), 404, "not_found")
        .await;
}

async fn photos_reach_staff_and_residents_see_those_a_worker_published(backend: Backend) {
    let PhotoPost {
        app,
        worker,
        neighbour,
        photo,
        s,
        t,
        ..
    } = a_resident_posts_a_photo(backend).await;
    // Published by the worker: residents of the community see it; others still do not.
    let path = format!("/api/v1/suggestions/{s}/photos/{photo}");
    let (public_, private) = (json!({"public": true}), json!({"public": false}));
    let patch = reqwest::Method::PATCH;
    let r = send(&app, patch.clone(), &path, Some(&neighbour), None, &public_).await;
    assert_problem(r, 403, "forbidden").await;
    let r = send(&app, patch.clone(), &path, Some(&worker), None, &public_).await;
    assert_eq!(r.status(), 204);
    let (public, _) = topic(&app, &neighbour, t).await;
    assert_eq!(public["voices"][0]["photo_ids"], json!([photo]));
    let upload = format!("/api/v1/uploads/{photo}");
    let got = app.get(&upload, Some(&neighbour)).await;
    assert_eq!(got.status(), 200);
    assert_eq!(got.headers()["content-type"], "image/jpeg");
    let other = app.other_community().await;
    let stranger = app.resident_token("外社区居民", other).await;
    app.get_problem(&upload, Some(&stranger), 404, "not_found")
        .await;
    // Withdrawn again; an upload that is not this suggestion's photo is not found.
    let r = send(&app, patch.clone(), &path, Some(&worker), None, &private).await;
    assert_eq!(r.status(), 204);
    app.get_problem(&upload, Some(&neighbour), 404, "not_found")
        .await;
    let nope = format!("/api/v1/suggestions/{s}/photos/nope");
    let r = send(&app, patch, &nope, Some(&worker), None, &public_).await;
    assert_problem(r, 404, "not_found").await;
    // Both changes are in the topic's audit trail, by name and label.
    let (staff_view, _) = topic(&app, &worker, t).await;
    let labels: Vec<&str> = staff_view["audit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action_label"].as_str().unwrap())
        .collect();
    assert!(
        labels.contains(&"公开照片") && labels.contains(&"取消公开照片"),
        "{labels:?}"
    );
}

async fn posts_from_the_mobile_web_are_recorded_as_h5(backend: Backend) {
    let app = spawn_app(backend).await;
    let c = app.ids.community_id.0;
    let resident = app.resident_token("网页居民", c).await;
    let mut body = text("小区北门的路灯不亮，晚上很黑");
    body["channel"] = json!("h5");
    let s = post(&app, &resident, body).await;
    let row = app
        .store
        .suggestion(minyi::domain::ids::SuggestionId(s))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.channel, "h5");
    // Without a channel: by how the resident logs in (WeChat → the mini-program).
    let s = post(&app, &resident, text("小区南门的台阶破了一块")).await;
    let row = app
        .store
        .suggestion(minyi::domain::ids::SuggestionId(s))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.channel, "mini_program");
    // A phone resident (the mobile web's login) posts as h5 by default.
    let phone_resident = phone_resident(&app).await;
    let code = app.join_code(c).await;
    send(
        &app,
        reqwest::Method::PUT,
        "/api/v1/me/community",
        Some(&phone_resident),
        None,
        &json!({"code": code}),
    )
    .await;
    let s = post(
        &app,
        &phone_resident,
        text("垃圾桶旁边的地面很脏，希望多清扫"),
    )
    .await;
    let row = app
        .store
        .suggestion(minyi::domain::ids::SuggestionId(s))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.channel, "h5");
    let mut bad = text("这条建议的渠道写错了");
    bad["channel"] = json!("paper");
    let body = assert_problem(
        app.post("/api/v1/suggestions", Some(&resident), &bad).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "channel");
    assert!(
        !body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains(" / "),
        "Chinese only: {body}"
    );
    assert!(body["errors"][0]["message_en"]
        .as_str()
        .unwrap()
        .contains("mini_program"));
}

async fn a_residents_answer_and_comment_come_back_to_them(backend: Backend) {
    let app = spawn_app(backend).await;
    let c = app.ids.community_id.0;
    let worker = app.staff_token("worker", "shegong.qian", &[c]).await;
    let resident = app.resident_token("评价的居民", c).await;
    let s = post(
        &app,
        &resident,
        text("幼儿园门口早上接送车辆太乱，希望有人疏导"),
    )
    .await;
    let t = topic_of(&app, s).await;
    let mine: Value = app
        .get("/api/v1/me/suggestions", Some(&resident))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["items"][0]["can_rate"], false);
    for st in ["accepted", "scheduled", "decided", "resolved"] {
        to_status(&app, &worker, t, st).await;
    }
    let mine: Value = app
        .get("/api/v1/me/suggestions", Some(&resident))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["items"][0]["can_rate"], true);
    assert!(mine["items"][0]["my_satisfaction"].is_null());
    let r = app
        .post(
            &format!("/api/v1/topics/{t}/satisfaction"),
            Some(&resident),
            &json!({"answer": "basically_satisfied", "comment": "早上有志愿者了，晚上还是乱"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let mine: Value = app
        .get("/api/v1/me/suggestions", Some(&resident))
        .await
        .json()
        .await
        .unwrap();
    let answer = &mine["items"][0]["my_satisfaction"];
    assert_eq!(answer["answer"], "basically_satisfied");
    assert_eq!(answer["answer_label"], "基本满意");
    assert_eq!(answer["answer_label_en"], "Basically satisfied");
    assert_eq!(answer["comment"], "早上有志愿者了，晚上还是乱");
    let (public, _) = topic(&app, &resident, t).await;
    assert_eq!(
        public["my_satisfaction"]["comment"],
        "早上有志愿者了，晚上还是乱"
    );
    // Workers read the comments (no names) on the topic page.
    let (staff, _) = topic(&app, &worker, t).await;
    assert_eq!(
        staff["satisfaction_comments"][0]["comment"],
        "早上有志愿者了，晚上还是乱"
    );
    assert_eq!(
        staff["satisfaction_comments"][0]["answer"],
        "basically_satisfied"
    );
}

async fn a_vote_cannot_count_more_people_than_attended(backend: Backend) {
    let app = spawn_app(backend).await;
    let c = app.ids.community_id.0;
    let worker = app.staff_token("worker", "shegong.sun", &[c]).await;
    let resident = app.resident_token("议事居民", c).await;
    let t = topic_of(
        &app,
        post(
            &app,
            &resident,
            text("广场舞音响太吵，晚上九点以后影响休息"),
        )
        .await,
    )
    .await;
    let meeting: Value = app
        .post(&format!("/api/v1/communities/{c}/meetings"), Some(&worker), &json!({"title": "十二月议事会", "held_at": "2026-12-05T07:00:00Z", "place": "活动室", "topic_ids": [t]}))
        .await
        .json()
        .await
        .unwrap();
    let m = meeting["meeting_id"].as_i64().unwrap();
    let vote = |n: i32| json!({"topic_id": t, "decision": "九点以后关闭音响", "decision_mode": "vote", "votes_for": n, "votes_against": 0, "votes_abstain": 0});
    let decide = |body: Value| {
        let app = &app;
        let worker = &worker;
        async move {
            app.post(
                &format!("/api/v1/meetings/{m}/decisions"),
                Some(worker),
                &body,
            )
            .await
        }
    };
    let body = assert_problem(decide(vote(10)).await, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["code"], "attendance_required");
    let r = send(
        &app,
        reqwest::Method::PATCH,
        &format!("/api/v1/meetings/{m}"),
        Some(&worker),
        Some(&format!("\"{}\"", meeting["version"])),
        &json!({"attendance_count": 18}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let body = assert_problem(decide(vote(100)).await, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["code"], "tally_exceeds_attendance");
    assert!(body["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("18"));
    let r = decide(json!({"topic_id": t, "decision": "九点以后关闭音响", "decision_mode": "vote", "votes_for": 12, "votes_against": 4, "votes_abstain": 2})).await;
    assert_eq!(r.status(), 200, "18 of 18 is allowed");
    let m_now: Value = r.json().await.unwrap();
    assert_eq!(m_now["agenda"][0]["decision_mode_label"], "投票表决");
    assert_eq!(m_now["agenda"][0]["decision_mode_label_en"], "Vote");
    assert_eq!(
        m_now["status_label"], "已召开",
        "a decision means the meeting was held"
    );
    // Attendance cannot drop below a recorded tally.
    let r = send(
        &app,
        reqwest::Method::PATCH,
        &format!("/api/v1/meetings/{m}"),
        Some(&worker),
        Some(&format!("\"{}\"", m_now["version"])),
        &json!({"attendance_count": 10}),
    )
    .await;
    let body = assert_problem(r, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["code"], "below_recorded_votes");
}

async fn paper_batch(app: &TestApp, token: &str, sheets: i32) -> i64 {
    let r = app
        .post("/api/v1/paper-batches", Some(token), &json!({"community_id": app.ids.community_id.0, "collection_kind": "event", "collection_point": "议事厅开放日", "collected_on": "2026-11-21", "sheet_count": sheets}))
        .await;
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

async fn a_paper_submitter_is_one_call_back_row_per_topic(backend: Backend) {
    let app = spawn_app(backend).await;
    let c = app.ids.community_id.0;
    let worker = app.staff_token("worker", "shegong.li", &[c]).await;
    let vol = app.staff_token("volunteer", "zhiyuan.sun", &[c]).await;
    let batch = paper_batch(&app, &vol, 2).await;
    for (serial, body) in [
        ("1", "希望在菜市场门口设一个临时停车点"),
        ("2", "菜市场门口能不能设临时停车点，方便买菜"),
    ] {
        let r = app
            .post(
                &format!("/api/v1/paper-batches/{batch}/entries"),
                Some(&vol),
                &json!({"serial": serial, "text": body, "name": "孙大爷", "phone": "13900001111"}),
            )
            .await;
        assert_eq!(r.status(), 202);
    }
    let t = loop {
        let rows = app
            .store
            .batch_entries(minyi::domain::ids::PaperBatchId(batch))
            .await
            .unwrap();
        if rows.iter().all(|r| r.topic_id.is_some()) && rows.len() == 2 {
            let ids: Vec<_> = rows.iter().map(|r| r.topic_id.unwrap()).collect();
            assert_eq!(ids[0], ids[1], "both forms in one topic");
            break ids[0].0;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    to_status(&app, &worker, t, "accepted").await;
    let (_, etag) = topic(&app, &worker, t).await;
    send(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/topics/{t}/replies"),
        Some(&worker),
        Some(&etag),
        &json!({"body": "已联系市场管理方"}),
    )
    .await;
    to_status(&app, &worker, t, "scheduled").await;
    let callbacks = format!("/api/v1/communities/{c}/callbacks");
    let list = app.get_ok(&callbacks, Some(&vol)).await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "one person, one topic, one row: {list}");
    assert_eq!(items[0]["notices"].as_array().unwrap().len(), 3);
    assert_eq!(items[0]["phone"], "13900001111");
    let id = items[0]["callback_id"].as_i64().unwrap();
    let done = format!("/api/v1/callbacks/{id}/done");
    app.post_expect(&done, Some(&vol), &json!({}), 204).await;
    let list = app.get_ok(&callbacks, Some(&vol)).await;
    assert!(
        list["items"].as_array().unwrap().is_empty(),
        "every notice of the row is closed"
    );
    let done = app
        .get_ok(&format!("{callbacks}?done=true"), Some(&vol))
        .await;
    assert_eq!(done["items"].as_array().unwrap().len(), 1);
}

async fn paper_forms_category_reaches_the_topic_and_the_typist_checks_their_own_contacts(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let c = app.ids.community_id.0;
    let worker = app.staff_token("worker", "shegong.zheng", &[c]).await;
    let typist = app.staff_token("volunteer", "zhiyuan.a", &[c]).await;
    let other = app.staff_token("volunteer", "zhiyuan.b", &[c]).await;
    let batch = paper_batch(&app, &typist, 3).await;
    let csv = "编号,建议内容,类别,姓名,电话\n1,小区东门外的下水道井盖松动，车压过去响,市政设施,钱阿姨,13811112222\n2,短,,,\n";
    let part = reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("forms.csv");
    let report: Value = app
        .client
        .post(app.url(&format!("/api/v1/paper-batches/{batch}/import")))
        .bearer_auth(&typist)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(report["accepted"], 1);
    // Row reasons: Chinese in `reason`, English in `reason_en`.
    let e = &report["errors"][0];
    assert!(
        !e["reason"].as_str().unwrap().contains(" / ") && !e["reason"].as_str().unwrap().is_ascii(),
        "{e}"
    );
    assert!(e["reason_en"].as_str().unwrap().is_ascii(), "{e}");

    let batch_path = format!("/api/v1/paper-batches/{batch}");
    let detail = app.get_ok(&batch_path, Some(&typist)).await;
    let entry = &detail["entries"][0];
    assert_eq!(entry["category"], "市政设施");
    let t = topic_of(&app, entry["id"].as_i64().unwrap()).await;
    let (view, _) = topic(&app, &worker, t).await;
    assert_eq!(
        view["topic"]["category"], "市政设施",
        "the CSV's category reached the topic"
    );

    // The one who typed it sees the contact in full while the batch is open; others masked.
    assert_eq!(
        (
            entry["name"].as_str(),
            entry["phone"].as_str(),
            entry["contact_visible"].as_bool()
        ),
        (Some("钱阿姨"), Some("13811112222"), Some(true))
    );
    let seen = app.get_ok(&batch_path, Some(&other)).await;
    assert_eq!(seen["entries"][0]["phone"], "138****2222");
    assert_eq!(seen["entries"][0]["contact_visible"], false);
    app.post(
        &format!("/api/v1/paper-batches/{batch}/close"),
        Some(&typist),
        &json!({}),
    )
    .await;
    let closed = app.get_ok(&batch_path, Some(&typist)).await;
    assert_eq!(
        closed["entries"][0]["phone"], "138****2222",
        "masked once closed"
    );
    assert_eq!(closed["entries"][0]["name"], "钱**");
}

async fn after_an_unmerge_the_public_timeline_no_longer_ends_with_merged(backend: Backend) {
    let app = spawn_app(backend).await;
    let c = app.ids.community_id.0;
    let worker = app.staff_token("worker", "shegong.he", &[c]).await;
    let resident = app.resident_token("合并的居民", c).await;
    let a = topic_of(
        &app,
        post(&app, &resident, text("5号楼楼顶漏水，顶楼住户家里墙面发霉")).await,
    )
    .await;
    let b = topic_of(
        &app,
        post(&app, &resident, text("社区图书室周末能不能开放")).await,
    )
    .await;
    assert_ne!(a, b);
    let (_, etag) = topic(&app, &worker, a).await;
    let r = send(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/topics/{a}/merge"),
        Some(&worker),
        Some(&etag),
        &json!({"into_topic_id": b}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let (public, _) = topic(&app, &resident, a).await;
    assert_eq!(
        public["timeline"].as_array().unwrap().last().unwrap()["kind"],
        "merged"
    );
    let (_, etag) = topic(&app, &worker, a).await;
    let r = send(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/topics/{a}/unmerge"),
        Some(&worker),
        Some(&etag),
        &json!({}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let (public, _) = topic(&app, &resident, a).await;
    let timeline = public["timeline"].as_array().unwrap();
    assert!(
        timeline.iter().all(|e| e["kind"] != "merged"),
        "{timeline:?}"
    );
    assert!(timeline.last().unwrap()["body"]
        .as_str()
        .unwrap()
        .contains("合并已撤销"));
    // Split answers the new topic, so the page can link to it.
    let s2 = post(&app, &resident, text("5号楼楼顶防水层老化，雨天漏水更严重")).await;
    let t2 = topic_of(&app, s2).await;
    let (_, etag) = topic(&app, &worker, t2).await;
    let r = send(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/topics/{t2}/split"),
        Some(&worker),
        Some(&etag),
        &json!({"suggestion_ids": [s2], "title": "顶楼防水"}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let created: Value = r.json().await.unwrap();
    assert!(created["id"].as_i64().is_some_and(|id| id != t2));
}

async fn people_read_names_and_labels_not_ids_and_codes(backend: Backend) {
    let app = spawn_app(backend).await;
    let c = app.ids.community_id.0;
    let admin = app.admin_token().await;
    let staff = json!({"role": "worker", "username": "shegong.feng", "password": "staff-password-1", "display_name": "冯社工", "community_ids": [c]});
    app.post_expect("/api/v1/admin/staff", Some(&admin), &staff, 201)
        .await;
    let worker = app.tokens("shegong.feng", "staff-password-1").await.0;
    let resident = app.resident_token("看标签的居民", c).await;
    let s = post(&app, &resident, text("小区里的健身器材坏了好几件")).await;
    let t = topic_of(&app, s).await;
    to_status(&app, &worker, t, "accepted").await;
    let (view, _) = topic(&app, &worker, t).await;
    let audit = view["audit"].as_array().unwrap();
    let status = audit
        .iter()
        .find(|a| a["action"] == "topic.status")
        .unwrap();
    assert_eq!(status["actor_name"], "冯社工");
    assert_eq!(status["action_label"], "变更状态");
    assert_eq!(status["action_label_en"], "Status changed");
    assert!(status["at"].as_str().is_some(), "the time is there");
    let grouped = audit.iter().find(|a| a["action"] == "topic.open").unwrap();
    assert_eq!(grouped["actor_name"], "自动归类");
    // Statistics name their scope and say how many topics a median is over.
    let stats = format!("/api/v1/stats?community_id={c}");
    let stats = app.get_ok(&stats, Some(&worker)).await;
    assert_eq!(stats["scope"], format!("community:{c}"));
    assert_eq!(stats["scope_label"], "昆香苑社区");
    assert_eq!(stats["topics_resolved"], 0);
    assert!(
        stats["median_hours_to_resolution"].is_null(),
        "no resolution, no median"
    );
    // Pre-moderation: the resident reads Chinese; English is there for the toggle.
    let settings = format!("/api/v1/communities/{c}/settings");
    let premoderate = json!({"premoderate": true});
    let patch = reqwest::Method::PATCH;
    app.send(patch, &settings, Some(&admin), None, Some(&premoderate))
        .await;
    post(&app, &resident, text("希望社区组织一次旧衣物回收")).await;
    let mine = app.get_ok("/api/v1/me/suggestions", Some(&resident)).await;
    let held = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["state"] == "pending_review")
        .unwrap();
    assert_eq!(
        held["moderation_reason"],
        "本社区的建议经工作人员审核后处理"
    );
    assert!(held["moderation_reason_en"]
        .as_str()
        .unwrap()
        .starts_with("This community reviews"));
    // Field errors: Chinese and English apart.
    let short = json!({"client_id": "x1", "text": "短"});
    let body = app
        .post_problem(
            "/api/v1/suggestions",
            Some(&resident),
            &short,
            422,
            "validation_failed",
        )
        .await;
    let msg = body["errors"][0]["message"].as_str().unwrap();
    assert!(!msg.is_ascii() && !msg.contains(" / "), "{msg}");
    assert!(body["errors"][0]["message_en"].as_str().unwrap().is_ascii());
    // Admins pick a street by name.
    let streets = app.get_ok("/api/v1/admin/streets", Some(&admin)).await;
    assert_eq!(streets["items"][0]["name"], "双新街道");
    app.get_problem("/api/v1/admin/streets", Some(&worker), 403, "forbidden")
        .await;
}

/// A meeting on a resident's topic, with its attendance and a decision by vote; its worker and
/// the meeting's id.
async fn a_meeting_decides_a_topic_by_vote(app: &TestApp) -> (String, i64) {
    let c = app.ids.community_id.0;
    let worker = app.staff_token("worker", "shegong.chu", &[c]).await;
    let resident = app.resident_token("导出的居民", c).await;
    let s = post(app, &resident, text("垃圾分类投放点离单元门太远")).await;
    let t = topic_of(app, s).await;
    let meetings = format!("/api/v1/communities/{c}/meetings");
    let meeting = json!({"title": "导出测试议事会", "held_at": "2026-11-28T16:30:00Z", "place": "活动室", "topic_ids": [t]});
    let meeting: Value = app
        .post(&meetings, Some(&worker), &meeting)
        .await
        .json()
        .await
        .unwrap();
    let m = meeting["meeting_id"].as_i64().unwrap();
    send(
        app,
        reqwest::Method::PATCH,
        &format!("/api/v1/meetings/{m}"),
        Some(&worker),
        Some(&format!("\"{}\"", meeting["version"])),
        &json!({"attendance_count": 12, "attendance_names": "王大爷、赵阿姨、钱叔"}),
    )
    .await;
    let decisions = format!("/api/v1/meetings/{m}/decisions");
    let decision = json!({"topic_id": t, "decision": "增设一处投放点", "decision_mode": "vote", "votes_for": 9, "votes_against": 2, "votes_abstain": 1});
    let r = app.post(&decisions, Some(&worker), &decision).await;
    assert_eq!(r.status(), 200);
    (worker, m)
}

/// An XLSX the server sends, opened.
async fn workbook(
    app: &TestApp,
    path: &str,
    token: &str,
) -> calamine::Xlsx<std::io::Cursor<Vec<u8>>> {
    let bytes = app.get(path, Some(token)).await.bytes().await.unwrap();
    calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap()
}

async fn exports_are_for_people(backend: Backend) {
    use calamine::{Data, Reader};
    let app = spawn_app(backend).await;
    let (worker, m) = a_meeting_decides_a_topic_by_vote(&app).await;
    let mut wb = workbook(&app, &format!("/api/v1/meetings/{m}/export.xlsx"), &worker).await;
    let info = wb.worksheet_range("会议信息").unwrap();
    let row = |label: &str| info.rows().find(|r| r[0] == label).unwrap().to_vec();
    assert_eq!(row("出席人员")[1].to_string(), "王大爷、赵阿姨、钱叔");
    assert_eq!(row("出席人数")[1], Data::Float(12.0));
    let Data::DateTime(when) = row("时间")[1].clone() else {
        panic!("the time is an Excel date: {:?}", row("时间"))
    };
    // 16:30 UTC is 00:30 the next day in Shanghai.
    let expected = rust_xlsxwriter::ExcelDateTime::from_ymd(2026, 11, 29)
        .unwrap()
        .and_hms(0, 30, 0)
        .unwrap()
        .to_excel();
    assert!((when.as_f64() - expected).abs() < 1e-6);
    let agenda = wb.worksheet_range("议程与决议").unwrap();
    let first = agenda.rows().nth(1).unwrap();
    assert_eq!(first[5].to_string(), "投票表决");
    assert_eq!(first[6], Data::Float(9.0));
    for r in agenda.rows().chain(info.rows()) {
        for cell in r {
            let s = cell.to_string();
            assert!(
                !["vote", "consensus", "planned", "scheduled", "decided"].contains(&s.as_str()),
                "a raw code: {s}"
            );
        }
    }
}

async fn statistics_exports_have_numbers_dates_chinese_labels_and_the_scopes_name(
    backend: Backend,
) {
    use calamine::{Data, Reader};
    let app = spawn_app(backend).await;
    let c = app.ids.community_id.0;
    let (worker, _) = a_meeting_decides_a_topic_by_vote(&app).await;
    let path = format!("/api/v1/stats/export.xlsx?community_id={c}");
    let mut wb = workbook(&app, &path, &worker).await;
    let overview = wb.worksheet_range("概览").unwrap();
    let find = |label: &str| overview.rows().find(|r| r[0] == label).unwrap().to_vec();
    assert_eq!(find("统计范围")[1].to_string(), "昆香苑社区");
    assert!(matches!(find("开始日期")[1], Data::DateTime(_)));
    assert_eq!(find("收到的建议（条）")[1], Data::Float(1.0));
    assert!(
        matches!(find("按期处理率")[1], Data::Float(x) if (0.0..=1.0).contains(&x)),
        "a rate is a number (formatted as a percentage)"
    );
    for r in overview.rows() {
        let s = r[0].to_string();
        assert!(
            !s.chars().any(|c| c.is_ascii_alphabetic()),
            "a Chinese label: {s}"
        );
    }
    let days = wb.worksheet_range("每日建议").unwrap();
    assert!(days
        .rows()
        .skip(1)
        .all(|r| matches!(r[0], Data::DateTime(_)) && matches!(r[1], Data::Float(_))));
}

/// Replace a moderation word list, with an `If-Match` where given.
async fn put_words(
    app: &TestApp,
    path: &str,
    admin: &str,
    version: Option<&str>,
    words: Value,
) -> reqwest::Response {
    let body = json!({ "words": words });
    app.send(
        reqwest::Method::PUT,
        path,
        Some(admin),
        version,
        Some(&body),
    )
    .await
}

/// A resident's suggestion is held for review; its reason.
async fn held_for_review(app: &TestApp, resident: &str, body: &str) -> Option<String> {
    let s = post(app, resident, text(body)).await;
    let id = minyi::domain::ids::SuggestionId(s);
    let row = app.store.suggestion(id).await.unwrap().unwrap();
    assert_eq!(row.state.as_str(), "pending_review");
    row.moderation_reason
}

async fn admins_keep_moderation_words_per_community_and_district(backend: Backend) {
    let app = spawn_app(backend).await;
    let c = app.ids.community_id.0;
    let admin = app.admin_token().await;
    let worker = app.staff_token("worker", "shegong.wei", &[c]).await;
    let resident = app.resident_token("用词的居民", c).await;
    let path = format!("/api/v1/communities/{c}/moderation-words");
    let list: Value = app.get(&path, Some(&admin)).await.json().await.unwrap();
    assert_eq!(list["version"], 0);
    assert_eq!(list["scope_label"], "昆香苑社区");
    assert_problem(app.get(&path, Some(&worker)).await, 403, "forbidden").await;
    // A change needs the version it replaces.
    let r = put_words(&app, &path, &admin, None, json!(["传销"])).await;
    assert_problem(r, 428, "if_match_required").await;
    let words = json!([" 传销 ", "传销", "", "高利贷"]);
    let r = put_words(&app, &path, &admin, Some("\"0\""), words).await;
    let list = expect_json(r, 200).await;
    assert_eq!(list["words"], json!(["传销", "高利贷"]));
    assert_eq!(list["version"], 1);
    let r = put_words(&app, &path, &admin, Some("\"0\""), json!([])).await;
    assert_problem(r, 412, "precondition_failed").await;
    // A suggestion with a listed word is held, and says why in Chinese.
    let reason = held_for_review(&app, &resident, "楼下有人拉人搞传销，请社区管管").await;
    assert!(reason.unwrap().contains("传销"));
    // The district's list applies to its communities; only district admins change it.
    let me = app.get_ok("/api/v1/me", Some(&admin)).await;
    let d = me["admin_district_id"].as_i64().unwrap();
    let dpath = format!("/api/v1/districts/{d}/moderation-words");
    let r = put_words(&app, &dpath, &admin, Some("\"0\""), json!(["赌博"])).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["scope_label"], "津南区");
    held_for_review(&app, &resident, "晚上有人在车库里赌博，很吵").await;
    let elsewhere = format!("/api/v1/districts/{}/moderation-words", d + 1000);
    app.get_problem(&elsewhere, Some(&admin), 404, "not_found")
        .await;
    // Every change is audited with the words before and after.
    let audit = app
        .store
        .audit_entries("community", &c.to_string())
        .await
        .unwrap();
    let change = audit
        .iter()
        .find(|a| a.action == "moderation_words.update")
        .unwrap();
    assert!(change.after_json.as_deref().unwrap().contains("高利贷"));
    // Too long a word is refused with the field named.
    let long = "一".repeat(21);
    let r = put_words(&app, &path, &admin, Some("\"1\""), json!([long])).await;
    let body = assert_problem(r, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["code"], "word_too_long");
}

mod web {
    use super::*;

    both_backends!(responses_are_compressed_and_vendored_files_cached_for_long);

    async fn responses_are_compressed_and_vendored_files_cached_for_long(backend: Backend) {
        let app = spawn_app(backend).await;
        let get = |path: &str, enc: &str| {
            app.client
                .get(app.url(path))
                .header("accept-encoding", enc.to_string())
                .send()
        };
        let js = get("/static/dashboard/ui.js", "br, gzip").await.unwrap();
        assert_eq!(js.headers()["content-encoding"], "br");
        assert_eq!(js.headers()["cache-control"], "no-cache");
        let html = get("/", "gzip").await.unwrap();
        assert_eq!(html.headers()["content-encoding"], "gzip");
        let json = get("/api/v1/openapi.json", "gzip").await.unwrap();
        assert_eq!(json.headers()["content-encoding"], "gzip");
        // The dashboard imports preact under its hashed name, cached for a year.
        let ui = get("/static/dashboard/ui.js", "identity")
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let name = ui
            .split('"')
            .find(|s| {
                s.starts_with("../vendor/preact.module.")
                    && s.len() > "../vendor/preact.module.js".len()
            })
            .unwrap()
            .trim_start_matches("../");
        let lib = get(&format!("/static/{name}"), "gzip").await.unwrap();
        assert_eq!(lib.status(), 200);
        assert_eq!(
            lib.headers()["cache-control"],
            "public, max-age=31536000, immutable"
        );
        let icon = get("/favicon.ico", "gzip").await.unwrap();
        assert_eq!(icon.status(), 200);
        assert!(icon.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("image/"));
        // The live stream is never compressed (it would be held back).
        let c = app.ids.community_id.0;
        let worker = app.staff_token("worker", "shegong.tan", &[c]).await;
        let stream = app
            .client
            .get(app.url(&format!("/api/v1/communities/{c}/events")))
            .bearer_auth(&worker)
            .header("accept-encoding", "gzip, br")
            .send()
            .await
            .unwrap();
        assert_eq!(stream.status(), 200);
        assert_ne!(
            stream
                .headers()
                .get("content-encoding")
                .map(|v| v.to_str().unwrap()),
            Some("gzip")
        );
        assert_ne!(
            stream
                .headers()
                .get("content-encoding")
                .map(|v| v.to_str().unwrap()),
            Some("br")
        );
    }
}
