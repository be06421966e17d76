//! Residents' suggestions: accepted once, whatever the retries; limits, moderation, withdrawal.
use crate::both_backends;
use crate::helpers::{assert_problem, eventually, spawn_app, spawn_app_with, suggestion, Backend};
use serde_json::{json, Value};

both_backends!(
    a_resident_posts_a_suggestion_and_sees_it_processed,
    twenty_concurrent_retries_with_one_key_make_one_suggestion,
    many_posts_at_once_each_get_their_own_suggestion_and_retries_their_original,
    a_reused_key_with_other_content_is_refused,
    bad_suggestions_get_clear_field_errors,
    posting_too_fast_is_limited_with_retry_after,
    a_listed_word_holds_a_suggestion_for_review_and_the_reason_reaches_the_author,
    a_resident_withdraws_a_suggestion,
    a_worker_cannot_post_as_a_resident_and_staff_of_another_community_see_nothing,
    a_post_wakes_the_relay_instead_of_waiting_for_its_poll,
);

async fn a_resident_posts_a_suggestion_and_sees_it_processed(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.resident_token("王阿姨", app.ids.community_id.0).await;
    let resp = app.post("/api/v1/suggestions", Some(&token), &json!({"client_id": "c-1", "text": "  3号楼电梯经常停运，老人上下楼很不方便  ", "title": "电梯"})).await;
    assert_eq!(resp.status(), 202);
    let body: Value = resp.json().await.unwrap();
    let id = body["id"].as_i64().unwrap();
    assert_eq!(body["state"], "queued");
    let processed = eventually(20, || async {
        let mine = app.get_ok("/api/v1/me/suggestions", Some(&token)).await;
        mine["items"][0]["state"] == "grouped"
    })
    .await;
    assert!(processed, "the in-process queue processed the suggestion");
    let mine = app.get_ok("/api/v1/me/suggestions", Some(&token)).await;
    let item = &mine["items"][0];
    assert_eq!(item["id"], id);
    assert_eq!(
        item["text"], "3号楼电梯经常停运，老人上下楼很不方便",
        "text is trimmed"
    );
    assert_eq!(item["state_label"], "已归入议题");
    assert_eq!(app.store.outbox_pending().await.unwrap(), 0);
}

async fn twenty_concurrent_retries_with_one_key_make_one_suggestion(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.resident_token("李大爷", app.ids.community_id.0).await;
    let body = json!({"text": "小区东门的路灯坏了一个多月，晚上很黑"});
    let sends = (0..20).map(|_| {
        app.client
            .post(app.url("/api/v1/suggestions"))
            .bearer_auth(&token)
            .header("Idempotency-Key", "retry-key-1")
            .json(&body)
            .send()
    });
    let responses = futures_util::future::join_all(sends).await;
    let mut ids = std::collections::HashSet::new();
    for r in responses {
        let r = r.unwrap();
        assert_eq!(r.status(), 202);
        ids.insert(r.json::<Value>().await.unwrap()["id"].as_i64().unwrap());
    }
    assert_eq!(
        ids.len(),
        1,
        "every retry answered with the same suggestion"
    );
    let mine = app.get_ok("/api/v1/me/suggestions", Some(&token)).await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
}

async fn a_post_wakes_the_relay_instead_of_waiting_for_its_poll(backend: Backend) {
    // The relay polls once an hour here: only the post's own wake-up can send it on.
    let app = spawn_app_with(backend, |s| s.queue.relay_interval_ms = 3_600_000).await;
    let token = app.resident_token("王阿姨", app.ids.community_id.0).await;
    for (n, text) in ["小区东门晚上路灯不亮", "地下车库漏水严重"]
        .iter()
        .enumerate()
    {
        let resp = app
            .post("/api/v1/suggestions", Some(&token), &suggestion(text))
            .await;
        assert_eq!(resp.status(), 202);
        let processed = eventually(20, || async {
            let mine = app.get_ok("/api/v1/me/suggestions", Some(&token)).await;
            let items = mine["items"].as_array().unwrap();
            items.len() == n + 1 && items.iter().all(|i| i["state"] == "grouped")
        })
        .await;
        assert!(processed, "post {} reached the queue without a poll", n + 1);
    }
    assert_eq!(app.store.outbox_pending().await.unwrap(), 0);
}

async fn a_reused_key_with_other_content_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.resident_token("张先生", app.ids.community_id.0).await;
    let first = app
        .post(
            "/api/v1/suggestions",
            Some(&token),
            &json!({"client_id": "k", "text": "垃圾分类点太少了，建议增加"}),
        )
        .await;
    assert_eq!(first.status(), 202);
    assert_problem(
        app.post(
            "/api/v1/suggestions",
            Some(&token),
            &json!({"client_id": "k", "text": "另一件完全不同的事情"}),
        )
        .await,
        422,
        "idempotency_key_reused",
    )
    .await;
    assert_problem(
        app.post(
            "/api/v1/suggestions",
            Some(&token),
            &json!({"text": "没有编号的建议内容"}),
        )
        .await,
        400,
        "idempotency_key_required",
    )
    .await;
}

async fn bad_suggestions_get_clear_field_errors(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.resident_token("赵女士", app.ids.community_id.0).await;
    let short = assert_problem(
        app.post(
            "/api/v1/suggestions",
            Some(&token),
            &json!({"client_id": "a", "text": " 太吵 "}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(short["errors"][0]["code"], "too_short");
    let long = assert_problem(
        app.post(
            "/api/v1/suggestions",
            Some(&token),
            &json!({"client_id": "b", "text": "噪".repeat(2001), "title": "题".repeat(61)}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    let codes: Vec<(&str, &str)> = long["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["field"].as_str().unwrap(), e["code"].as_str().unwrap()))
        .collect();
    assert_eq!(codes, [("text", "too_long"), ("title", "too_long")]);
    // 2,000 Chinese characters (6,000 bytes) are fine.
    assert_eq!(
        app.post(
            "/api/v1/suggestions",
            Some(&token),
            &json!({"client_id": "c", "text": "噪".repeat(2000)})
        )
        .await
        .status(),
        202
    );
    let photos = assert_problem(
        app.post("/api/v1/suggestions", Some(&token), &json!({"client_id": "d", "text": "楼道堆放杂物", "photo_ids": ["nope"], "building_id": 999})).await,
        422,
        "validation_failed",
    )
    .await;
    let fields: Vec<&str> = photos["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["unknown_building", "unknown_upload"]);
}

async fn posting_too_fast_is_limited_with_retry_after(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.intake.posts_per_account_per_hour = 3).await;
    let token = app.resident_token("快手", app.ids.community_id.0).await;
    for i in 0..3 {
        assert_eq!(
            app.post(
                "/api/v1/suggestions",
                Some(&token),
                &suggestion(&format!("第{i}条建议：增加停车位"))
            )
            .await
            .status(),
            202
        );
    }
    let limited = app
        .post(
            "/api/v1/suggestions",
            Some(&token),
            &suggestion("第四条建议：增加停车位"),
        )
        .await;
    let retry_after: u64 = limited
        .headers()
        .get("retry-after")
        .unwrap()
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after > 0 && retry_after <= 3600);
    assert_problem(limited, 429, "rate_limited").await;
}

async fn a_listed_word_holds_a_suggestion_for_review_and_the_reason_reaches_the_author(
    backend: Backend,
) {
    let app = spawn_app_with(backend, |s| s.intake.sensitive_words = vec!["赌博".into()]).await;
    let c = app.ids.community_id.0;
    let token = app.resident_token("居民乙", c).await;
    let path = "/api/v1/suggestions";
    let held = suggestion("地下室有人聚众 赌 博，影响很坏");
    let held: Value = app
        .post(path, Some(&token), &held)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(held["state"], "pending_review");
    let rejected = suggestion("有人在楼道赌博打牌到半夜");
    let rejected: Value = app
        .post(path, Some(&token), &rejected)
        .await
        .json()
        .await
        .unwrap();
    let worker = app.staff_token("worker", "shegong.sun", &[c]).await;
    let list = app
        .get_ok(
            &format!("/api/v1/moderation/suggestions?community_id={c}"),
            Some(&worker),
        )
        .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    let review = |s: &Value| format!("/api/v1/moderation/suggestions/{}", s["id"]);
    let approve = json!({"approve": true});
    app.post_expect(&review(&held), Some(&worker), &approve, 204)
        .await;
    let no_reason = json!({"approve": false});
    let to_reject = review(&rejected);
    app.post_problem(
        &to_reject,
        Some(&worker),
        &no_reason,
        422,
        "validation_failed",
    )
    .await;
    let reject = json!({"approve": false, "reason": "涉及违法行为，请拨打110"});
    app.post_expect(&to_reject, Some(&worker), &reject, 204)
        .await;
    let processed = eventually(20, || async {
        let mine = app.get_ok("/api/v1/me/suggestions", Some(&token)).await;
        let states: Vec<String> = mine["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["state"].as_str().unwrap_or_default().to_string())
            .collect();
        states == ["rejected", "grouped"]
    })
    .await;
    assert!(processed);
    let mine = app.get_ok("/api/v1/me/suggestions", Some(&token)).await;
    assert_eq!(
        mine["items"][0]["moderation_reason"],
        "涉及违法行为，请拨打110"
    );
    let audit = app
        .store
        .audit_entries("suggestion", &rejected["id"].to_string())
        .await
        .unwrap();
    assert_eq!(audit[0].action, "suggestion.reject");
}

async fn a_resident_withdraws_a_suggestion(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.resident_token("居民丙", app.ids.community_id.0).await;
    let other = app.resident_token("居民丁", app.ids.community_id.0).await;
    let s: Value = app
        .post(
            "/api/v1/suggestions",
            Some(&token),
            &suggestion("健身器材坏了需要维修"),
        )
        .await
        .json()
        .await
        .unwrap();
    let path = format!("/api/v1/suggestions/{}/withdraw", s["id"]);
    assert_problem(
        app.post(&path, Some(&other), &json!({})).await,
        404,
        "not_found",
    )
    .await;
    assert_eq!(
        app.post(&path, Some(&token), &json!({})).await.status(),
        204
    );
    assert_problem(
        app.post(&path, Some(&token), &json!({})).await,
        409,
        "already_closed",
    )
    .await;
    let mine = app.get_ok("/api/v1/me/suggestions", Some(&token)).await;
    assert_eq!(mine["items"][0]["state"], "withdrawn");
}

async fn a_worker_cannot_post_as_a_resident_and_staff_of_another_community_see_nothing(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let other = app.other_community().await;
    let worker = app.staff_token("worker", "shegong.qian", &[other]).await;
    assert_problem(
        app.post(
            "/api/v1/suggestions",
            Some(&worker),
            &suggestion("工作人员不能以居民身份发帖"),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.get(
            &format!(
                "/api/v1/moderation/suggestions?community_id={}",
                app.ids.community_id.0
            ),
            Some(&worker),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.get(
            &format!(
                "/api/v1/suggestions/failed?community_id={}",
                app.ids.community_id.0
            ),
            Some(&worker),
        )
        .await,
        404,
        "not_found",
    )
    .await;
}

/// Posts that arrive together are committed together (group commit); each must still get its
/// own suggestion, and a retry (also one racing the original) the original's id.
async fn many_posts_at_once_each_get_their_own_suggestion_and_retries_their_original(
    backend: Backend,
) {
    let app = spawn_app_with(backend, |s| {
        s.intake.posts_per_account_per_hour = 0;
        s.intake.posts_per_ip_per_hour = 0;
    })
    .await;
    let mut tokens = Vec::new();
    for name in ["张", "王", "赵"] {
        tokens.push(app.resident_token(name, app.ids.community_id.0).await);
    }
    let send = |token: &str, key: String, text: String| {
        app.client
            .post(app.url("/api/v1/suggestions"))
            .bearer_auth(token)
            .header("Idempotency-Key", key)
            .json(&json!({ "text": text }))
            .send()
    };
    // 3 residents × 40 posts, each sent twice at once, all 240 requests in flight together.
    let mut sends = Vec::new();
    for (r, token) in tokens.iter().enumerate() {
        for i in 0..40 {
            for _ in 0..2 {
                sends.push(send(
                    token,
                    format!("k-{i}"),
                    format!("居民{r}的第{i}条建议"),
                ));
            }
        }
    }
    let answers = futures_util::future::join_all(sends).await;
    let mut id_of = std::collections::HashMap::new();
    for (n, answer) in answers.into_iter().enumerate() {
        let resp = answer.unwrap();
        assert_eq!(resp.status(), 202);
        let id = resp.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
        let (r, i) = (n / 80, (n % 80) / 2);
        let first = *id_of.entry((r, i)).or_insert(id);
        assert_eq!(
            first, id,
            "both sends of resident {r}'s post {i} answer one id"
        );
    }
    let distinct: std::collections::HashSet<_> = id_of.values().collect();
    assert_eq!(distinct.len(), 120, "one suggestion per post");
    for (r, token) in tokens.iter().enumerate() {
        let mine = app
            .get_ok("/api/v1/me/suggestions?limit=100", Some(token))
            .await;
        let items = mine["items"].as_array().unwrap();
        assert_eq!(items.len(), 40);
        for item in items {
            let id = item["id"].as_i64().unwrap();
            let i = id_of.iter().find(|(_, v)| **v == id).map(|((rr, i), _)| {
                assert_eq!(*rr, r, "the suggestion is the poster's own");
                *i
            });
            let i = i.expect("every listed suggestion was answered to its poster");
            assert_eq!(
                item["text"],
                format!("居民{r}的第{i}条建议"),
                "the id answered for a key is that post's"
            );
        }
        // A later retry gets the original.
        let resp = send(token, "k-7".into(), format!("居民{r}的第7条建议"))
            .await
            .unwrap();
        assert_eq!(resp.status(), 202);
        assert_eq!(
            resp.json::<Value>().await.unwrap()["id"].as_i64().unwrap(),
            id_of[&(r, 7)]
        );
    }
}
