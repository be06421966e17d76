//! The deliberation hall: the workflow from a new topic to a resolved one, corrections with
//! `If-Match`, merge and un-merge, meetings, residents' support and satisfaction, notices and
//! call-backs, the live stream, statistics, and every cross-community door closed.
use crate::both_backends;
use crate::helpers::{assert_problem, eventually, spawn_app_with, Backend, TestApp};
use serde_json::{json, Value};

both_backends!(
    a_topic_goes_from_new_to_resolved_and_its_residents_hear_every_step,
    merge_and_unmerge_restore_members_and_supporters_and_are_audited,
    split_move_and_filters_of_the_inbox,
    concurrent_edits_are_detected_never_lost,
    other_communities_and_residents_are_kept_out,
    the_live_stream_brings_new_suggestions_and_resumes_after_last_event_id,
    statistics_have_one_definition_in_json_and_xlsx,
);

async fn post(app: &TestApp, token: &str, text: &str) -> i64 {
    let r = app
        .post(
            "/api/v1/suggestions",
            Some(token),
            &json!({"client_id": uuid::Uuid::new_v4().to_string(), "text": text, "show_name": true}),
        )
        .await;
    assert_eq!(r.status(), 202, "{}", r.text().await.unwrap());
    r.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

async fn grouped(app: &TestApp) {
    let done = eventually(30, || async {
        app.store.count_in_state("queued").await.unwrap() == 0
    })
    .await;
    assert!(done, "all grouped");
}

async fn topic_of(app: &TestApp, suggestion: i64) -> i64 {
    app.store
        .suggestion(minyi::domain::ids::SuggestionId(suggestion))
        .await
        .unwrap()
        .and_then(|s| s.topic_id)
        .unwrap()
        .0
}

async fn topic(app: &TestApp, token: &str, id: i64) -> (Value, String) {
    let r = app.get(&format!("/api/v1/topics/{id}"), Some(token)).await;
    assert_eq!(r.status(), 200);
    let etag = r.headers()["etag"].to_str().unwrap().to_string();
    (r.json().await.unwrap(), etag)
}

async fn send(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    if_match: Option<&str>,
    body: &Value,
) -> reqwest::Response {
    let mut req = app
        .client
        .request(method, app.url(path))
        .bearer_auth(token)
        .json(body);
    if let Some(m) = if_match {
        req = req.header("if-match", m);
    }
    req.send().await.unwrap()
}

async fn status(app: &TestApp, token: &str, id: i64, to: &str, reason: Option<&str>) -> Value {
    let (_, etag) = topic(app, token, id).await;
    let r = send(
        app,
        reqwest::Method::POST,
        &format!("/api/v1/topics/{id}/status"),
        token,
        Some(&etag),
        &json!({"status": to, "reason": reason}),
    )
    .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    r.json().await.unwrap()
}

async fn a_topic_goes_from_new_to_resolved_and_its_residents_hear_every_step(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.hall.reopen_min_answers = 2).await;
    let c = app.ids.community_id.0;
    let worker = app.staff_token("worker", "shegong.li", &[c]).await;
    let wang = app.resident_token("王大爷", c).await;
    let zhao = app.resident_token("赵阿姨", c).await;
    let s1 = post(
        &app,
        &wang,
        "3号楼的电梯又坏了，已经停了一个星期，老人上下楼太难了",
    )
    .await;
    let s2 = post(
        &app,
        &zhao,
        "3号楼电梯坏了一个星期了还没修好，老人上下楼很困难",
    )
    .await;
    grouped(&app).await;
    let t = topic_of(&app, s1).await;
    assert_eq!(t, topic_of(&app, s2).await);

    // The inbox shows it as new with a triage deadline, not yet overdue.
    let inbox: Value = app
        .get(
            &format!("/api/v1/communities/{c}/topics?status=new"),
            Some(&worker),
        )
        .await
        .json()
        .await
        .unwrap();
    let item = inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == t)
        .unwrap()
        .clone();
    assert_eq!(item["member_count"], 2);
    assert!(item["due_at"].is_string() && item["overdue"] == false);
    assert_eq!(inbox["counts"]["new"], 1);

    // Without If-Match: 428; a shortcut: 409 with a clear code.
    let r = send(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/topics/{t}/status"),
        &worker,
        None,
        &json!({"status": "accepted"}),
    )
    .await;
    assert_problem(r, 428, "if_match_required").await;
    let (_, etag) = topic(&app, &worker, t).await;
    let r = send(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/topics/{t}/status"),
        &worker,
        Some(&etag),
        &json!({"status": "resolved"}),
    )
    .await;
    let p = assert_problem(r, 409, "invalid_transition").await;
    assert!(p["message"].as_str().unwrap().contains("待分拣"));
    let r = send(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/topics/{t}/status"),
        &worker,
        Some(&etag),
        &json!({"status": "rejected"}),
    )
    .await;
    assert_problem(r, 422, "validation_failed").await;

    status(&app, &worker, t, "accepted", None).await;
    // A resident supports it; an author's support counts once.
    let r = send(
        &app,
        reqwest::Method::PUT,
        &format!("/api/v1/topics/{t}/support"),
        &zhao,
        None,
        &json!({}),
    )
    .await;
    assert_eq!(r.json::<Value>().await.unwrap()["supporter_count"], 1);
    let r = send(
        &app,
        reqwest::Method::PUT,
        &format!("/api/v1/topics/{t}/support"),
        &zhao,
        None,
        &json!({}),
    )
    .await;
    assert_eq!(
        r.json::<Value>().await.unwrap()["supporter_count"],
        1,
        "once per resident"
    );

    // A meeting schedules it; its decision reaches the residents' own suggestions.
    let r = app
        .post(
            &format!("/api/v1/communities/{c}/meetings"),
            Some(&worker),
            &json!({"title": "11月居民议事会", "held_at": "2026-11-28T07:00:00Z", "place": "社区活动室", "topic_ids": [t]}),
        )
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let meeting: Value = r.json().await.unwrap();
    let m = meeting["meeting_id"].as_i64().unwrap();
    assert_eq!(meeting["agenda"][0]["status"], "scheduled");
    // Attendance first: a tally cannot exceed it.
    let r = send(
        &app,
        reqwest::Method::PATCH,
        &format!("/api/v1/meetings/{m}"),
        &worker,
        Some(&format!("\"{}\"", meeting["version"])),
        &json!({"attendance_count": 26}),
    )
    .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let r = app
        .post(
            &format!("/api/v1/meetings/{m}/decisions"),
            Some(&worker),
            &json!({"topic_id": t, "decision": "由物业联系电梯公司一周内更换主板", "decision_mode": "vote", "votes_for": 23, "votes_against": 2, "votes_abstain": 1}),
        )
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let r = app
        .post(
            &format!("/api/v1/meetings/{m}/decisions"),
            Some(&worker),
            &json!({"topic_id": t, "decision": "表决", "decision_mode": "vote"}),
        )
        .await;
    assert_problem(r, 422, "validation_failed").await;
    let r = app
        .post(
            &format!("/api/v1/meetings/{m}/actions"),
            Some(&worker),
            &json!({"topic_id": t, "description": "联系电梯维保公司", "owner": "物业 张经理", "due_on": "2026-12-05"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let mine: Value = app
        .get("/api/v1/me/suggestions", Some(&wang))
        .await
        .json()
        .await
        .unwrap();
    let item = &mine["items"][0];
    assert_eq!(item["topic"]["status"], "decided");
    let kinds: Vec<&str> = item["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["accepted", "scheduled", "decided"]);
    assert!(item["timeline"][2]["body"]
        .as_str()
        .unwrap()
        .contains("更换主板"));
    assert!(item["timeline"][2]["body"]
        .as_str()
        .unwrap()
        .contains("赞成 23"));
    // Meetings and topics link both ways.
    let (detail, _) = topic(&app, &worker, t).await;
    assert_eq!(detail["meetings"][0]["meeting_id"], m);
    assert_eq!(
        detail["topic"]["decision"],
        "由物业联系电梯公司一周内更换主板"
    );

    // Every public step is an in-app notice for authors and supporters.
    let notes: Value = app
        .get("/api/v1/me/notifications", Some(&zhao))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(notes["unread"], 3, "{notes}");
    let r = app
        .post("/api/v1/me/notifications/read", Some(&zhao), &json!({}))
        .await;
    assert_eq!(r.status(), 204);
    let notes: Value = app
        .get("/api/v1/me/notifications", Some(&zhao))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(notes["unread"], 0);

    // Printable page and XLSX of the meeting.
    let page = app
        .get(&format!("/api/v1/meetings/{m}/print"), Some(&worker))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("更换主板") && page.contains("联系电梯维保公司"));
    let xlsx = app
        .get(&format!("/api/v1/meetings/{m}/export.xlsx"), Some(&worker))
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(&xlsx[..2], b"PK");

    // Resolved; satisfaction only then, only from those who took part; 不满意 reopens.
    let other = app.resident_token("路人", c).await;
    let r = app
        .post(
            &format!("/api/v1/topics/{t}/satisfaction"),
            Some(&wang),
            &json!({"answer": "satisfied"}),
        )
        .await;
    assert_problem(r, 409, "not_resolved").await;
    status(&app, &worker, t, "in_progress", None).await;
    status(&app, &worker, t, "resolved", None).await;
    let r = app
        .post(
            &format!("/api/v1/topics/{t}/satisfaction"),
            Some(&other),
            &json!({"answer": "unsatisfied"}),
        )
        .await;
    assert_problem(r, 403, "not_a_participant").await;
    let r = app
        .post(
            &format!("/api/v1/topics/{t}/satisfaction"),
            Some(&wang),
            &json!({"answer": "meh"}),
        )
        .await;
    assert_problem(r, 422, "validation_failed").await;
    let r: Value = app
        .post(
            &format!("/api/v1/topics/{t}/satisfaction"),
            Some(&wang),
            &json!({"answer": "unsatisfied", "comment": "还是经常停"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(r["reopened"], false, "one answer is below the minimum");
    let r: Value = app
        .post(
            &format!("/api/v1/topics/{t}/satisfaction"),
            Some(&zhao),
            &json!({"answer": "unsatisfied"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(r["reopened"], true);
    let (detail, _) = topic(&app, &worker, t).await;
    assert_eq!(detail["topic"]["status"], "in_progress");
    assert_eq!(detail["topic"]["reopened"], true);
    let kinds: Vec<&str> = detail["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.last(), Some(&"reopened"));
    // Every transition is in the audit trail.
    let actions: Vec<&str> = detail["audit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions.iter().filter(|a| **a == "topic.status").count(),
        6,
        "{actions:?}"
    );
}

async fn merge_and_unmerge_restore_members_and_supporters_and_are_audited(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    let c = app.ids.community_id.0;
    let worker = app.staff_token("worker", "shegong.li", &[c]).await;
    let a = app.resident_token("居民甲", c).await;
    let b = app.resident_token("居民乙", c).await;
    let s1 = post(
        &app,
        &a,
        "小区东门外的垃圾桶每天都满了溢出来，臭味很大，希望增加清运次数",
    )
    .await;
    let s2 = post(
        &app,
        &b,
        "5号楼楼下晚上广场舞音响声音太大，影响老人和孩子休息",
    )
    .await;
    grouped(&app).await;
    let (t1, t2) = (topic_of(&app, s1).await, topic_of(&app, s2).await);
    assert_ne!(t1, t2);
    // 甲 supports both, 乙 supports the source only.
    for (tok, t) in [(&a, t1), (&a, t2), (&b, t2)] {
        let r = send(
            &app,
            reqwest::Method::PUT,
            &format!("/api/v1/topics/{t}/support"),
            tok,
            None,
            &json!({}),
        )
        .await;
        assert_eq!(r.status(), 200);
    }
    let (_, etag) = topic(&app, &worker, t2).await;
    let r = send(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/topics/{t2}/merge"),
        &worker,
        Some(&etag),
        &json!({"into_topic_id": t1, "reason": "同属环境卫生问题"}),
    )
    .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let merged: Value = r.json().await.unwrap();
    assert_eq!(merged["id"], t1);
    assert_eq!(merged["member_count"], 2);
    assert_eq!(merged["supporter_count"], 2, "甲 counted once");
    let (source, source_etag) = topic(&app, &worker, t2).await;
    assert_eq!(source["topic"]["status"], "merged");
    assert_eq!(source["topic"]["merged_into"], t1);
    // Residents of the merged topic are told where it went.
    let mine: Value = app
        .get("/api/v1/me/suggestions", Some(&b))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["items"][0]["topic"]["topic_id"], t1);
    // A merged topic cannot be merged again or supported.
    let r = send(
        &app,
        reqwest::Method::PUT,
        &format!("/api/v1/topics/{t2}/support"),
        &a,
        None,
        &json!({}),
    )
    .await;
    assert_problem(r, 409, "topic_merged").await;

    let r = send(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/topics/{t2}/unmerge"),
        &worker,
        Some(&source_etag),
        &json!({"reason": "其实是两件事"}),
    )
    .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let restored: Value = r.json().await.unwrap();
    assert_eq!(restored["status"], "new");
    assert_eq!(restored["member_count"], 1);
    assert_eq!(restored["supporter_count"], 2);
    let (target, _) = topic(&app, &worker, t1).await;
    assert_eq!(target["topic"]["member_count"], 1);
    assert_eq!(
        target["topic"]["supporter_count"], 1,
        "甲's own support stays"
    );
    assert_eq!(topic_of(&app, s2).await, t2);
    let r = send(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/topics/{t2}/unmerge"),
        &worker,
        Some(&format!("\"{}\"", restored["version"])),
        &json!({}),
    )
    .await;
    assert_problem(r, 409, "not_merged").await;
    let (source, _) = topic(&app, &worker, t2).await;
    let actions: Vec<&str> = source["audit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"topic.merge") && actions.contains(&"topic.unmerge"),
        "{actions:?}"
    );
}

async fn split_move_and_filters_of_the_inbox(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    let c = app.ids.community_id.0;
    let worker = app.staff_token("worker", "shegong.li", &[c]).await;
    let r = app.resident_token("居民", c).await;
    let s1 = post(
        &app,
        &r,
        "3号楼的电梯又坏了，已经停了一个星期，老人上下楼太难了",
    )
    .await;
    let s2 = post(
        &app,
        &r,
        "3号楼电梯坏了一个星期了还没修好，老人上下楼很困难",
    )
    .await;
    grouped(&app).await;
    let t = topic_of(&app, s1).await;
    assert_eq!(topic_of(&app, s2).await, t);
    let (_, etag) = topic(&app, &worker, t).await;
    let resp = send(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/topics/{t}/split"),
        &worker,
        Some(&etag),
        &json!({"suggestion_ids": [s2], "title": "电梯维修进度"}),
    )
    .await;
    assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
    let new: Value = resp.json().await.unwrap();
    let t2 = new["id"].as_i64().unwrap();
    assert_eq!(new["title"], "电梯维修进度");
    assert_eq!(topic_of(&app, s2).await, t2);
    let (d, _) = topic(&app, &worker, t2).await;
    assert_eq!(d["members"][0]["pinned"], true);
    // Splitting a non-member is refused.
    let (_, etag) = topic(&app, &worker, t).await;
    let resp = send(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/topics/{t}/split"),
        &worker,
        Some(&etag),
        &json!({"suggestion_ids": [s2]}),
    )
    .await;
    assert_problem(resp, 409, "not_a_member").await;
    // Move it back (pinned in the target).
    let (_, etag) = topic(&app, &worker, t).await;
    let resp = send(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/suggestions/{s2}/move"),
        &worker,
        Some(&etag),
        &json!({"topic_id": t}),
    )
    .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.json::<Value>().await.unwrap()["member_count"], 2);
    // The empty topic left behind is not in the inbox.
    let inbox: Value = app
        .get(&format!("/api/v1/communities/{c}/topics"), Some(&worker))
        .await
        .json()
        .await
        .unwrap();
    assert!(inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["id"] != t2));
    // Filters: text search, channel, dates; bad filters are clear errors.
    let q = |s: &str| format!("/api/v1/communities/{c}/topics?{s}");
    let hits: Value = app
        .get(&q("q=%E7%94%B5%E6%A2%AF"), Some(&worker))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(hits["items"].as_array().unwrap().len(), 1);
    let none: Value = app
        .get(&q("q=%E5%81%9C%E8%BD%A6"), Some(&worker))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(none["items"].as_array().unwrap().len(), 0);
    let paper: Value = app
        .get(&q("channel=paper"), Some(&worker))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(paper["items"].as_array().unwrap().len(), 0);
    let online: Value = app
        .get(&q("channel=online&sort=waiting"), Some(&worker))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(online["items"].as_array().unwrap().len(), 1);
    let future: Value = app
        .get(&q("from=2099-01-01"), Some(&worker))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(future["items"].as_array().unwrap().len(), 0);
    assert_problem(
        app.get(&q("from=yesterday"), Some(&worker)).await,
        400,
        "invalid_query",
    )
    .await;
    assert_problem(
        app.get(&q("channel=fax"), Some(&worker)).await,
        400,
        "invalid_query",
    )
    .await;
    assert_problem(
        app.get(&q("sort=loudest"), Some(&worker)).await,
        400,
        "invalid_query",
    )
    .await;
}

async fn concurrent_edits_are_detected_never_lost(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    let c = app.ids.community_id.0;
    let li = app.staff_token("worker", "shegong.li", &[c]).await;
    let wu = app.staff_token("worker", "shegong.wu", &[c]).await;
    let r = app.resident_token("居民", c).await;
    let s = post(
        &app,
        &r,
        "小区东门外的垃圾桶每天都满了溢出来，臭味很大，希望增加清运次数",
    )
    .await;
    grouped(&app).await;
    let t = topic_of(&app, s).await;
    let (_, seen) = topic(&app, &li, t).await;
    let path = format!("/api/v1/topics/{t}");
    let first = send(
        &app,
        reqwest::Method::PATCH,
        &path,
        &li,
        Some(&seen),
        &json!({"title": "东门垃圾清运"}),
    )
    .await;
    assert_eq!(first.status(), 200);
    assert_ne!(first.headers()["etag"].to_str().unwrap(), seen);
    // The second worker saw the same version: refused, and the first change stands.
    let second = send(
        &app,
        reqwest::Method::PATCH,
        &path,
        &wu,
        Some(&seen),
        &json!({"title": "垃圾桶"}),
    )
    .await;
    assert_problem(second, 412, "precondition_failed").await;
    let (d, _) = topic(&app, &wu, t).await;
    assert_eq!(d["topic"]["title"], "东门垃圾清运");
    assert_problem(
        send(
            &app,
            reqwest::Method::PATCH,
            &path,
            &wu,
            Some("nonsense"),
            &json!({"title": "x"}),
        )
        .await,
        400,
        "invalid_if_match",
    )
    .await;
}

async fn other_communities_and_residents_are_kept_out(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    let c = app.ids.community_id.0;
    let other = app.other_community().await;
    let worker = app.staff_token("worker", "shegong.li", &[c]).await;
    let stranger = app.staff_token("worker", "shegong.far", &[other]).await;
    let r = app.resident_token("居民", c).await;
    let s = post(
        &app,
        &r,
        "<script>alert(1)</script><b>东门</b>垃圾桶满了溢出来，请增加清运",
    )
    .await;
    grouped(&app).await;
    let t = topic_of(&app, s).await;
    let (d, etag) = topic(&app, &worker, t).await;
    assert_eq!(
        d["members"][0]["text"], "<script>alert(1)</script><b>东门</b>垃圾桶满了溢出来，请增加清运",
        "stored and returned as text"
    );
    let m: Value = app
        .post(&format!("/api/v1/communities/{c}/meetings"), Some(&worker), &json!({"title": "议事会", "held_at": "2026-11-28T07:00:00Z", "place": "活动室", "topic_ids": [t]}))
        .await
        .json()
        .await
        .unwrap();
    let m = m["meeting_id"].as_i64().unwrap();
    // A worker of another community sees none of it.
    for p in [
        format!("/api/v1/topics/{t}"),
        format!("/api/v1/meetings/{m}"),
        format!("/api/v1/meetings/{m}/export.xlsx"),
        format!("/api/v1/communities/{c}/topics"),
        format!("/api/v1/communities/{c}/events"),
        format!("/api/v1/communities/{c}/callbacks"),
        format!("/api/v1/stats?community_id={c}"),
    ] {
        assert_problem(app.get(&p, Some(&stranger)).await, 404, "not_found").await;
    }
    let r2 = send(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/topics/{t}/status"),
        &stranger,
        Some(&etag),
        &json!({"status": "accepted"}),
    )
    .await;
    assert_problem(r2, 404, "not_found").await;
    // Residents cannot use workers' endpoints, nor plan meetings.
    let r3 = send(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/topics/{t}/status"),
        &r,
        Some(&etag),
        &json!({"status": "accepted"}),
    )
    .await;
    assert_problem(r3, 403, "forbidden").await;
    let r4 = app
        .post(
            &format!("/api/v1/communities/{c}/meetings"),
            Some(&r),
            &json!({"title": "x", "held_at": "2026-11-28T07:00:00Z", "place": "y"}),
        )
        .await;
    assert_problem(r4, 403, "forbidden").await;
    assert_problem(
        app.get(&format!("/api/v1/communities/{c}/events"), Some(&r))
            .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.get(&format!("/api/v1/stats?community_id={c}"), Some(&r))
            .await,
        403,
        "forbidden",
    )
    .await;
    // Residents' view of the topic has no members' personal data, and names only where allowed.
    let (pubv, _) = topic(&app, &r, t).await;
    assert!(pubv.get("members").is_none() && pubv.get("audit").is_none());
    assert_eq!(pubv["voices"][0]["author"], "居*");
}

async fn the_live_stream_brings_new_suggestions_and_resumes_after_last_event_id(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    let c = app.ids.community_id.0;
    let worker = app.staff_token("worker", "shegong.li", &[c]).await;
    let r = app.resident_token("居民", c).await;
    let resp = app
        .client
        .get(app.url(&format!("/api/v1/communities/{c}/events")))
        .bearer_auth(&worker)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let mut resp = resp;
    let s = post(
        &app,
        &r,
        "5号楼楼下晚上广场舞音响声音太大，影响老人和孩子休息",
    )
    .await;
    let mut seen = String::new();
    let got = tokio::time::timeout(std::time::Duration::from_secs(30), async {
        while let Some(chunk) = resp.chunk().await.unwrap() {
            seen.push_str(&String::from_utf8_lossy(&chunk));
            if seen.contains("event: topic.created") && seen.contains("event: suggestion.created") {
                return true;
            }
        }
        false
    })
    .await;
    assert!(matches!(got, Ok(true)), "events: {seen}");
    assert!(seen.contains(&format!("\"suggestion_id\":{s}")));
    let first_id: i64 = seen
        .lines()
        .find_map(|l| l.strip_prefix("id: "))
        .unwrap()
        .parse()
        .unwrap();
    // Reconnect after the first event: the rest is replayed.
    let resp = app
        .client
        .get(app.url(&format!("/api/v1/communities/{c}/events")))
        .bearer_auth(&worker)
        .header("last-event-id", first_id.to_string())
        .send()
        .await
        .unwrap();
    let mut resp = resp;
    let mut again = String::new();
    let got = tokio::time::timeout(std::time::Duration::from_secs(30), async {
        while let Some(chunk) = resp.chunk().await.unwrap() {
            again.push_str(&String::from_utf8_lossy(&chunk));
            if again.contains("id: ") {
                return true;
            }
        }
        false
    })
    .await;
    assert!(matches!(got, Ok(true)));
    let next: i64 = again
        .lines()
        .find_map(|l| l.strip_prefix("id: "))
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(next, first_id + 1, "resumes right after Last-Event-ID");
}

async fn statistics_have_one_definition_in_json_and_xlsx(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    let c = app.ids.community_id.0;
    let worker = app.staff_token("worker", "shegong.li", &[c]).await;
    let r = app.resident_token("居民", c).await;
    let s = post(
        &app,
        &r,
        "3号楼的电梯又坏了，已经停了一个星期，老人上下楼太难了",
    )
    .await;
    post(
        &app,
        &r,
        "小区东门外的垃圾桶每天都满了溢出来，臭味很大，希望增加清运次数",
    )
    .await;
    grouped(&app).await;
    let t = topic_of(&app, s).await;
    status(&app, &worker, t, "accepted", None).await;
    let stats: Value = app
        .get(&format!("/api/v1/stats?community_id={c}"), Some(&worker))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(stats["suggestions_total"], 2, "{stats}");
    let per_day: i64 = stats["suggestions_per_day"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["online"].as_i64().unwrap() + d["paper"].as_i64().unwrap())
        .sum();
    assert_eq!(per_day, 2);
    assert_eq!(stats["topics_by_status"]["accepted"], 1);
    assert_eq!(stats["topics_by_status"]["new"], 1);
    assert_eq!(stats["deadlines_met"], 1);
    assert_eq!(stats["on_time_rate"], 1.0);
    let admin = app.admin_token().await;
    let district: Value = app
        .get(
            &format!("/api/v1/stats?district_id={}", app.ids.district_id.0),
            Some(&admin),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(district["suggestions_total"], 2);
    assert_problem(
        app.get(
            &format!("/api/v1/stats?district_id={}", app.ids.district_id.0),
            Some(&worker),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.get("/api/v1/stats", Some(&worker)).await,
        400,
        "invalid_query",
    )
    .await;
    // The XLSX carries the same total.
    let bytes = app
        .get(
            &format!("/api/v1/stats/export.xlsx?community_id={c}"),
            Some(&worker),
        )
        .await
        .bytes()
        .await
        .unwrap();
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = wb.worksheet_range("概览").unwrap();
    let total = sheet
        .rows()
        .find(|r| r[0].to_string().starts_with("收到的建议"))
        .unwrap()[1]
        .to_string();
    assert_eq!(total, "2");
}

mod notices {
    use super::*;
    use secrecy::SecretString;
    use wiremock::matchers::{body_partial_json, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    both_backends!(
        subscribe_messages_use_each_grant_once_and_fall_back_to_in_app,
        paper_submitters_without_an_account_land_on_the_call_back_list,
    );

    async fn subscribe_messages_use_each_grant_once_and_fall_back_to_in_app(backend: Backend) {
        let wechat = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/sns/jscode2session"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({"openid": "o-wang", "session_key": "k"})),
            )
            .mount(&wechat)
            .await;
        Mock::given(method("GET"))
            .and(path("/cgi-bin/token"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({"access_token": "AT", "expires_in": 7200})),
            )
            .mount(&wechat)
            .await;
        // The first message goes through; later ones meet 43101 (the grant is gone).
        Mock::given(method("POST"))
            .and(path("/cgi-bin/message/subscribe/send"))
            .and(body_partial_json(
                json!({"touser": "o-wang", "template_id": "TPL-PROGRESS"}),
            ))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(json!({"errcode": 0, "errmsg": "ok"})),
            )
            .up_to_n_times(1)
            .mount(&wechat)
            .await;
        Mock::given(method("POST"))
            .and(path("/cgi-bin/message/subscribe/send"))
            .respond_with(ResponseTemplate::new(200).set_body_json(
                json!({"errcode": 43101, "errmsg": "user refuse to accept the msg"}),
            ))
            .mount(&wechat)
            .await;
        let uri = wechat.uri();
        let app = spawn_app_with(backend, move |s| {
            s.wechat.api_base = uri;
            s.wechat.appid = "wx-app".into();
            s.wechat.secret = SecretString::from("wx-secret");
            s.hall.progress_template_id = "TPL-PROGRESS".into();
            s.hall.notify_interval_ms = 50;
        })
        .await;
        let c = app.ids.community_id.0;
        let worker = app.staff_token("worker", "shegong.li", &[c]).await;
        let tokens: Value = app
            .post("/api/v1/auth/wechat", None, &json!({"code": "c1"}))
            .await
            .json()
            .await
            .unwrap();
        let wang = tokens["access_token"].as_str().unwrap().to_string();
        let r = send(
            &app,
            reqwest::Method::PUT,
            "/api/v1/me/community",
            &wang,
            None,
            &json!({"code": app.join_code(c).await}),
        )
        .await;
        assert_eq!(r.status(), 200);
        let wang = app
            .post("/api/v1/auth/wechat", None, &json!({"code": "c2"}))
            .await
            .json::<Value>()
            .await
            .unwrap()["access_token"]
            .as_str()
            .unwrap()
            .to_string();
        let templates: Value = app
            .get("/api/v1/subscribe-templates", None)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(templates["templates"][0]["template_id"], "TPL-PROGRESS");
        assert_problem(
            app.post(
                "/api/v1/me/subscriptions",
                Some(&wang),
                &json!({"accepted": ["OTHER"]}),
            )
            .await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(
            app.post(
                "/api/v1/me/subscriptions",
                Some(&wang),
                &json!({"accepted": ["TPL-PROGRESS"]})
            )
            .await
            .status(),
            204
        );
        let s = post(
            &app,
            &wang,
            "3号楼的电梯又坏了，已经停了一个星期，老人上下楼太难了",
        )
        .await;
        grouped(&app).await;
        let t = topic_of(&app, s).await;
        let sent = |n: usize| {
            let wechat = &wechat;
            async move {
                eventually(20, || async {
                    wechat
                        .received_requests()
                        .await
                        .unwrap()
                        .iter()
                        .filter(|r| r.url.path() == "/cgi-bin/message/subscribe/send")
                        .count()
                        == n
                })
                .await
            }
        };
        status(&app, &worker, t, "accepted", None).await;
        assert!(sent(1).await, "the granted message is sent");
        let reqs = wechat.received_requests().await.unwrap();
        let body: Value = serde_json::from_slice(
            &reqs
                .iter()
                .find(|r| r.url.path() == "/cgi-bin/message/subscribe/send")
                .unwrap()
                .body,
        )
        .unwrap();
        assert_eq!(body["page"], format!("pages/topic/topic?id={t}"));
        assert!(
            body["data"]["thing1"]["value"]
                .as_str()
                .unwrap()
                .chars()
                .count()
                <= 20
        );
        // No grant left: the next step is in-app only, WeChat is not asked.
        status(&app, &worker, t, "rejected", Some("不属于社区职责范围")).await;
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        assert!(sent(1).await, "no grant, no message");
        // A new grant, but WeChat answers 43101: one try, then in-app; never retried.
        assert_eq!(
            app.post(
                "/api/v1/me/subscriptions",
                Some(&wang),
                &json!({"accepted": ["TPL-PROGRESS"]})
            )
            .await
            .status(),
            204
        );
        status(&app, &worker, t, "accepted", None).await;
        assert!(sent(2).await);
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        assert!(sent(2).await, "43101 is not retried");
        let notes: Value = app
            .get("/api/v1/me/notifications", Some(&wang))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            notes["items"].as_array().unwrap().len(),
            3,
            "every step is in-app too: {notes}"
        );
        assert!(notes["items"][1]["body"]
            .as_str()
            .unwrap()
            .contains("不属于社区职责范围"));
    }

    async fn paper_submitters_without_an_account_land_on_the_call_back_list(backend: Backend) {
        let app = spawn_app_with(backend, |_| {}).await;
        let c = app.ids.community_id.0;
        let worker = app.staff_token("worker", "shegong.li", &[c]).await;
        let vol = app.staff_token("volunteer", "zhiyuan.liu", &[c]).await;
        let batch: Value = app
            .post("/api/v1/paper-batches", Some(&vol), &json!({"community_id": c, "collection_kind": "suggestion_box", "collection_point": "东门意见箱", "collected_on": "2026-11-20", "sheet_count": 1}))
            .await
            .json()
            .await
            .unwrap();
        let b = batch["id"].as_i64().unwrap();
        let r = app
            .post(&format!("/api/v1/paper-batches/{b}/entries"), Some(&vol), &json!({"serial": "1", "text": "小区东门外的垃圾桶每天都满了溢出来，希望增加清运次数", "name": "王秀英", "phone": "13812345678"}))
            .await;
        assert_eq!(r.status(), 202, "{}", r.text().await.unwrap());
        grouped(&app).await;
        let inbox: Value = app
            .get(
                &format!("/api/v1/communities/{c}/topics?channel=paper"),
                Some(&worker),
            )
            .await
            .json()
            .await
            .unwrap();
        let t = inbox["items"][0]["id"].as_i64().unwrap();
        assert_eq!(inbox["items"][0]["paper_count"], 1);
        status(&app, &worker, t, "accepted", None).await;
        let list: Value = app
            .get(&format!("/api/v1/communities/{c}/callbacks"), Some(&vol))
            .await
            .json()
            .await
            .unwrap();
        let item = &list["items"][0];
        assert_eq!(
            item["phone"], "13812345678",
            "staff of the community need the number to call"
        );
        assert_eq!(item["person_name"], "王秀英");
        assert!(item["timeline_body"].as_str().unwrap().contains("受理"));
        let id = item["callback_id"].as_i64().unwrap();
        assert_eq!(
            app.post(
                &format!("/api/v1/callbacks/{id}/done"),
                Some(&vol),
                &json!({})
            )
            .await
            .status(),
            204
        );
        let list: Value = app
            .get(&format!("/api/v1/communities/{c}/callbacks"), Some(&vol))
            .await
            .json()
            .await
            .unwrap();
        assert!(list["items"].as_array().unwrap().is_empty());
        let done: Value = app
            .get(
                &format!("/api/v1/communities/{c}/callbacks?done=true"),
                Some(&vol),
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(done["items"].as_array().unwrap().len(), 1);
    }
}
