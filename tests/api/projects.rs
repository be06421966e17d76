//! Community projects (公益创投): a decided hall topic becomes a funded project run by a community
//! social organisation, reviewed, supervised, evaluated and watched by the residents who asked.
use crate::both_backends;
use crate::hall::{a_meeting_decides_the_lift_by_vote, LiftTopic};
use crate::helpers::{assert_problem, spawn_app, Backend, TestApp};
use serde_json::{json, Value};

both_backends!(
    a_decided_topic_becomes_a_project_residents_watch_from_award_to_rating,
    each_role_sees_only_its_part_and_other_communities_get_404,
    phases_are_enforced_in_order_with_their_rules,
    a_districts_two_rounds_add_up_in_json_and_xlsx
);

/// A district round with two sources (the district's matching share and the street's).
async fn open_round(app: &TestApp, admin: &str, name: &str, pool_yuan: i64) -> i64 {
    let round = json!({
        "name": name,
        "sources": [
            {"name": "区财政匹配", "amount_fen": pool_yuan * 60},
            {"name": "街道公益金", "amount_fen": pool_yuan * 40},
        ],
        "phases": [
            {"phase": "apply", "starts_on": "2026-03-01", "ends_on": "2026-03-31"},
            {"phase": "review", "starts_on": "2026-04-01", "ends_on": "2026-04-15"},
        ],
    });
    let r = app
        .post_expect("/api/v1/rounds", Some(admin), &round, 201)
        .await;
    assert_eq!(r["pool_fen"], pool_yuan * 100);
    assert_eq!(r["phase"], "apply");
    assert_eq!(r["phase_label"], "申报");
    assert_eq!(r["criteria"].as_array().unwrap().len(), 4);
    r["round_id"].as_i64().unwrap()
}

async fn register_organisation(
    app: &TestApp,
    worker: &str,
    c: i64,
    name: &str,
    stage: &str,
) -> i64 {
    let org = json!({
        "name": name, "kind": "mutual_aid", "stage": stage, "lead_name": "刘阿姨",
        "lead_phone": "13812345678", "members_count": 12, "volunteers_count": 30,
        "notes": "社工孵化中，每月一次督导",
    });
    let o = app
        .post_expect(
            &format!("/api/v1/communities/{c}/organisations"),
            Some(worker),
            &org,
            201,
        )
        .await;
    o["organisation_id"].as_i64().unwrap()
}

fn application(org: i64, title: &str, topics: &[i64], lines: &[(&str, i64)]) -> Value {
    json!({
        "organisation_id": org,
        "title": title,
        "need": "3号楼电梯经常停运，老人上下楼困难，议事会决议由居民互助队配合维保",
        "goals": "每周巡查电梯，建立故障快速报修",
        "plan": "招募楼栋志愿者；每周巡查；每月一次居民说明会",
        "beneficiaries_target": 200,
        "volunteers_planned": 10,
        "starts_on": "2026-05-01",
        "ends_on": "2026-10-31",
        "topic_ids": topics,
        "budget_lines": lines.iter().map(|(cat, fen)| json!({"category": cat, "description": "预算科目", "amount_fen": fen})).collect::<Vec<_>>(),
    })
}

async fn apply(app: &TestApp, token: &str, round: i64, body: &Value) -> Value {
    app.post_expect(
        &format!("/api/v1/rounds/{round}/projects"),
        Some(token),
        body,
        201,
    )
    .await
}

/// Move a round to its next phase (with its `If-Match`).
async fn advance(app: &TestApp, admin: &str, round: i64, phase: &str) -> reqwest::Response {
    let body = json!({"phase": phase, "reason": "按计划推进"});
    post_versioned(
        app,
        admin,
        &format!("/api/v1/rounds/{round}"),
        "phase",
        &body,
    )
    .await
}

async fn advance_ok(app: &TestApp, admin: &str, round: i64, phase: &str) {
    let r = advance(app, admin, round, phase).await;
    assert_eq!(r.status(), 200, "{phase}: {}", r.text().await.unwrap());
}

async fn decide(app: &TestApp, admin: &str, project: i64, award: Option<i64>) {
    let body = match award {
        Some(fen) => json!({"approved": true, "awarded_fen": fen, "reason": "需求明确，预算合理"}),
        None => json!({"approved": false, "reason": "与已立项项目重复"}),
    };
    let path = format!("/api/v1/projects/{project}");
    let r = post_versioned(app, admin, &path, "decision", &body).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
}

fn scores(need: i32, feasibility: i32, budget: i32, sustainability: i32) -> Value {
    json!({"scores": {"need": need, "feasibility": feasibility, "budget": budget, "sustainability": sustainability}, "comment": "方案可行"})
}

/// POST `{resource}/{action}` with the resource's current `If-Match`.
async fn post_versioned(
    app: &TestApp,
    token: &str,
    resource: &str,
    action: &str,
    body: &Value,
) -> reqwest::Response {
    let etag = app.etag(resource, token).await;
    app.send(
        reqwest::Method::POST,
        &format!("{resource}/{action}"),
        Some(token),
        Some(&etag),
        Some(body),
    )
    .await
}

/// A worker of another community.
async fn far_worker(app: &TestApp, community: i64) -> String {
    app.staff_token("worker", "far.worker", &[community]).await
}

/// A staff account's id, found by its username in the admin's staff list.
async fn staff_id(app: &TestApp, admin: &str, username: &str) -> i64 {
    let staff = app.get_ok("/api/v1/admin/staff", Some(admin)).await;
    let s = staff["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["username"] == username)
        .unwrap_or_else(|| panic!("no {username} in {staff}"));
    s["account_id"].as_i64().unwrap()
}

fn id(v: &Value, key: &str) -> i64 {
    v[key].as_i64().unwrap_or_else(|| panic!("no {key} in {v}"))
}

async fn a_decided_topic_becomes_a_project_residents_watch_from_award_to_rating(backend: Backend) {
    let (
        LiftTopic {
            app,
            c,
            worker,
            wang,
            zhao,
            t,
        },
        _,
    ) = a_meeting_decides_the_lift_by_vote(backend).await;
    let admin = app.admin_token().await;
    let round = open_round(&app, &admin, "2026年津南区第三届公益创投", 100_000).await;
    let org = register_organisation(&app, &worker, c, "坤翔苑电梯互助队", "budding").await;
    // The contact is personal data: masked in the list.
    let orgs = app
        .get_ok(
            &format!("/api/v1/communities/{c}/organisations"),
            Some(&worker),
        )
        .await;
    let listed = orgs["items"][0].to_string();
    assert!(!listed.contains("13812345678"), "{listed}");
    assert_eq!(orgs["items"][0]["stage_label"], "萌芽期");

    // The social worker enters the application for the organisation, from the decided topic.
    let body = application(
        org,
        "电梯守护行动",
        &[t],
        &[("materials", 300_000), ("publicity", 100_000)],
    );
    let p = apply(&app, &worker, round, &body).await;
    let project = id(&p, "project_id");
    assert_eq!(p["status"], "submitted");
    assert_eq!(p["topics"][0]["topic_id"], t);
    assert_eq!(p["requested_fen"], 400_000);

    // Review needs reviewers; the reviewer scores; a conflicted reviewer is not counted.
    assert_problem(
        advance(&app, &admin, round, "review").await,
        409,
        "no_reviewers",
    )
    .await;
    let reviewer = app.staff_token("reviewer", "pingshen.zhang", &[]).await;
    let conflicted = app.staff_token("reviewer", "pingshen.li", &[]).await;
    let ids = [
        staff_id(&app, &admin, "pingshen.zhang").await,
        staff_id(&app, &admin, "pingshen.li").await,
    ];
    let r = app
        .put(
            &format!("/api/v1/rounds/{round}/reviewers"),
            Some(&admin),
            &json!({"account_ids": ids}),
        )
        .await;
    let assigned: Value = r.json().await.unwrap();
    assert_eq!(
        assigned["reviewer_names"],
        json!([
            {"account_id": ids[0], "display_name": "pingshen.zhang"},
            {"account_id": ids[1], "display_name": "pingshen.li"},
        ]),
        "{assigned}"
    );
    let review = format!("/api/v1/projects/{project}/review");
    // Not yet in review.
    assert_problem(
        app.put(&review, Some(&reviewer), &scores(28, 20, 20, 15))
            .await,
        409,
        "phase_closed",
    )
    .await;
    advance_ok(&app, &admin, round, "review").await;
    // A score above a criterion's maximum is refused.
    assert_problem(
        app.put(&review, Some(&reviewer), &scores(31, 20, 20, 15))
            .await,
        422,
        "validation_failed",
    )
    .await;
    app.put_expect(&review, Some(&reviewer), &scores(28, 20, 20, 15), 200)
        .await;
    app.put_expect(
        &review,
        Some(&conflicted),
        &json!({"conflict": true, "comment": "本人为该组织顾问"}),
        200,
    )
    .await;
    let ranking = app
        .get_ok(&format!("/api/v1/rounds/{round}/ranking"), Some(&admin))
        .await;
    let first = &ranking["items"][0];
    assert_eq!(first["project_id"], project);
    assert_eq!(first["rank"], 1);
    assert_eq!(first["mean_x10"], 830, "{first}");
    assert_eq!(first["counted_reviews"], 1);
    assert_eq!(first["conflicts"], 1);
    // An award above the request is refused; then it is funded.
    let path = format!("/api/v1/projects/{project}");
    let over = json!({"approved": true, "awarded_fen": 400_001, "reason": "超出申请"});
    let r = post_versioned(&app, &admin, &path, "decision", &over).await;
    assert_problem(r, 409, "over_request").await;
    decide(&app, &admin, project, Some(350_000)).await;

    // 立项公示: residents who spoke are told on their topic, and see the project.
    advance_ok(&app, &admin, round, "announce").await;
    let notes = app.get_ok("/api/v1/me/notifications", Some(&zhao)).await;
    let note = notes["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "project")
        .unwrap_or_else(|| panic!("no project notice in {notes}"));
    assert_eq!(note["kind_label"], "公益项目");
    assert!(
        note["body"].as_str().unwrap().contains("电梯守护行动"),
        "{note}"
    );
    assert!(note["body"].as_str().unwrap().contains("3500"), "{note}");
    let seen = app
        .get_ok(&format!("/api/v1/topics/{t}/projects"), Some(&wang))
        .await;
    assert_eq!(seen["items"][0]["project_id"], project);
    assert_eq!(seen["items"][0]["awarded_fen"], 350_000);
    assert_eq!(seen["items"][0]["can_sign_up"], true);
    let public = format!("/api/v1/projects/{project}/public");
    let signed = app
        .post_expect(
            &format!("/api/v1/projects/{project}/signups"),
            Some(&wang),
            &json!({"kind": "volunteer"}),
            200,
        )
        .await;
    assert_eq!(signed["my_signups"], json!(["volunteer"]));
    assert_eq!(signed["residents"]["volunteers"], 1);
    // Rating waits for the result.
    assert_problem(
        app.put(
            &format!("/api/v1/projects/{project}/rating"),
            Some(&wang),
            &json!({"stars": 5}),
        )
        .await,
        409,
        "phase_closed",
    )
    .await;

    // 实施: milestones, activities, spending against the lines; overspending needs approval.
    advance_ok(&app, &admin, round, "implement").await;
    let supervisor = app.staff_token("supervisor", "dudao.wang", &[]).await;
    let sup_id = staff_id(&app, &admin, "dudao.wang").await;
    let named = app
        .put_expect(
            &format!("{path}/supervisors"),
            Some(&admin),
            &json!({"account_ids": [sup_id]}),
            200,
        )
        .await;
    assert_eq!(named["supervisor_names"][0]["display_name"], "dudao.wang");
    assert!(named["lead_worker"].is_null(), "no lead worker named");
    app.post_expect(
        &format!("{path}/milestones"),
        Some(&worker),
        &json!({"title": "招募志愿者", "due_on": "2026-06-01"}),
        201,
    )
    .await;
    let v = app
        .post_expect(
            &format!("{path}/milestones"),
            Some(&worker),
            &json!({"title": "完成首轮巡查", "due_on": "2026-07-01"}),
            201,
        )
        .await;
    assert_eq!(v["progress"]["percent"], 0);
    let m1 = id(&v["milestones"][0], "milestone_id");
    let v = app
        .post_expect(
            &format!("{path}/milestones/{m1}/done"),
            Some(&worker),
            &json!({"note": "已招募12名志愿者"}),
            200,
        )
        .await;
    assert_eq!(v["progress"]["percent"], 50);
    // Twice is refused.
    assert_problem(
        app.post(
            &format!("{path}/milestones/{m1}/done"),
            Some(&worker),
            &json!({}),
        )
        .await,
        409,
        "milestone_done",
    )
    .await;
    let notes = app.get_ok("/api/v1/me/notifications", Some(&wang)).await;
    assert!(
        notes.to_string().contains("招募志愿者"),
        "milestone notice: {notes}"
    );

    let photo =
        crate::uploads::upload(&app, &worker, crate::uploads::jpeg_with_gps(), "a.jpg").await;
    assert_eq!(photo.status(), 201);
    let photo_id = photo.json::<Value>().await.unwrap()["upload_id"]
        .as_str()
        .unwrap()
        .to_string();
    let activity = json!({"held_on": "2026-06-15", "place": "3号楼大堂", "summary": "电梯安全宣讲",
        "participants": 40, "beneficiaries": 120, "volunteer_hours": 7.5, "photo_ids": [photo_id]});
    let v = app
        .post_expect(&format!("{path}/activities"), Some(&worker), &activity, 201)
        .await;
    assert_eq!(v["activities"][0]["volunteer_hours"], 7.5);
    // The supervisor serves no community, yet sees the photos of the project they supervise.
    let seen = app
        .get(&format!("/api/v1/uploads/{photo_id}"), Some(&supervisor))
        .await;
    assert_eq!(seen.status(), 200);
    let future = json!({"held_on": "2099-01-01", "place": "大堂", "summary": "未来的活动",
        "participants": 1, "beneficiaries": 1, "volunteer_hours": 0.0, "photo_ids": []});
    assert_problem(
        app.post(&format!("{path}/activities"), Some(&worker), &future)
            .await,
        422,
        "validation_failed",
    )
    .await;

    let materials = id(&v["budget_lines"][0], "line_id");
    let spend = |fen: i64| json!({"line_id": materials, "amount_fen": fen, "spent_on": "2026-06-10", "note": "购买巡查记录本"});
    let v = app
        .post_expect(
            &format!("{path}/spending"),
            Some(&worker),
            &spend(200_000),
            201,
        )
        .await;
    assert_eq!(v["spending"][0]["state"], "recorded");
    // 2,000 + 1,500 yuan on a 3,000 yuan line: awaits the funder's approval, not yet spent.
    let v = app
        .post_expect(
            &format!("{path}/spending"),
            Some(&worker),
            &spend(150_000),
            201,
        )
        .await;
    let pending = v["spending"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["state"] == "pending")
        .unwrap()
        .clone();
    assert_eq!(pending["state_label"], "超支待批");
    assert_eq!(v["progress"]["spent_fen"], 200_000);
    let decision = format!("{path}/spending/{}/decision", id(&pending, "spending_id"));
    // The lead cannot approve their own overspend.
    let r = app
        .post(
            &decision,
            Some(&worker),
            &json!({"approved": true, "reason": "自批"}),
        )
        .await;
    assert!(r.status() == 403 || r.status() == 404, "{}", r.status());
    let v = app
        .post_expect(
            &decision,
            Some(&admin),
            &json!({"approved": true, "reason": "物价上涨，同意调整"}),
            200,
        )
        .await;
    assert_eq!(v["progress"]["spent_fen"], 350_000);
    assert_eq!(v["budget_lines"][0]["spent_fen"], 350_000);
    assert_problem(
        app.post(
            &decision,
            Some(&admin),
            &json!({"approved": false, "reason": "再次"}),
        )
        .await,
        409,
        "not_pending",
    )
    .await;

    // 中期督导: the supervisor visits, the lead answers the follow-up.
    advance_ok(&app, &admin, round, "midterm").await;
    let visit = json!({"visited_on": "2026-08-01", "stage": "midterm", "findings": "巡查记录完整",
        "recommendations": "增加夜间巡查", "follow_up": "请补充夜间巡查计划"});
    let v = app
        .post_expect(&format!("{path}/visits"), Some(&supervisor), &visit, 201)
        .await;
    let visit_id = id(&v["visits"][0], "visit_id");
    assert_eq!(v["visits"][0]["stage_label"], "中期");
    // Only an assigned supervisor records visits.
    let r = app
        .post(&format!("{path}/visits"), Some(&worker), &visit)
        .await;
    assert!(r.status() == 403 || r.status() == 404, "{}", r.status());
    let v = app
        .post_expect(
            &format!("{path}/visits/{visit_id}/response"),
            Some(&worker),
            &json!({"response": "已增加每周五夜间巡查"}),
            200,
        )
        .await;
    assert_eq!(v["visits"][0]["response"], "已增加每周五夜间巡查");

    // 结项评估: finance, operation, results; then the result is published.
    advance_ok(&app, &admin, round, "evaluate").await;
    let evaluation = json!({"finance_score": 90, "finance_notes": "票据齐全", "operation_score": 85,
        "operation_notes": "按计划执行", "results_score": 88, "results_notes": "故障报修时间缩短一半", "grade": "good"});
    let v = app
        .put_expect(
            &format!("{path}/evaluation"),
            Some(&supervisor),
            &evaluation,
            200,
        )
        .await;
    assert_eq!(v["evaluation"]["grade_label"], "良好");
    advance_ok(&app, &admin, round, "published").await;
    let notes = app.get_ok("/api/v1/me/notifications", Some(&zhao)).await;
    assert!(notes.to_string().contains("已结项"), "{notes}");
    let v = app
        .put_expect(
            &format!("/api/v1/projects/{project}/rating"),
            Some(&zhao),
            &json!({"stars": 4, "comment": "电梯好多了"}),
            200,
        )
        .await;
    assert_eq!(v["my_rating"], 4);
    assert_eq!(v["evaluation"]["grade"], "good");
    let shown = app.get_ok(&public, Some(&wang)).await;
    assert_eq!(shown["residents"]["ratings"], 1, "{shown}");
    assert_eq!(shown["progress"]["percent"], 50);

    // The printable report carries the three parts and the grade.
    let report = app.get(&format!("{path}/report"), Some(&admin)).await;
    assert_eq!(report.status(), 200);
    let html = report.text().await.unwrap();
    for part in [
        "财务",
        "项目运行",
        "绩效",
        "良好",
        "电梯守护行动",
        "3500.00",
    ] {
        assert!(html.contains(part), "report lacks {part}");
    }
    // Every change is audited: who, what.
    let audit = app
        .store
        .audit_entries("project", &project.to_string())
        .await
        .unwrap();
    let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    for a in [
        "project.apply",
        "project.review",
        "project.decide",
        "project.spending",
        "project.visit",
        "project.evaluate",
    ] {
        assert!(
            actions.iter().any(|x| x.starts_with(a)),
            "no {a} in {actions:?}"
        );
    }
}

async fn each_role_sees_only_its_part_and_other_communities_get_404(backend: Backend) {
    let (
        LiftTopic {
            app,
            c,
            worker,
            wang,
            t,
            ..
        },
        _,
    ) = a_meeting_decides_the_lift_by_vote(backend).await;
    let admin = app.admin_token().await;
    let round = open_round(&app, &admin, "2026年公益创投", 50_000).await;
    let other_round = open_round(&app, &admin, "2026年第二批公益创投", 50_000).await;
    let org = register_organisation(&app, &worker, c, "坤翔苑读书会", "developing").await;
    let p = apply(
        &app,
        &worker,
        round,
        &application(org, "共享书屋", &[t], &[("venue", 100_000)]),
    )
    .await;
    let project = id(&p, "project_id");
    let path = format!("/api/v1/projects/{project}");

    // A worker of another community sees nothing of it: 404, not 403.
    let other = app.other_community().await;
    let stranger = app.staff_token("worker", "shegong.far", &[other]).await;
    for p in [
        path.clone(),
        format!("/api/v1/organisations/{org}"),
        format!("/api/v1/communities/{c}/organisations"),
    ] {
        let r = app.get(&p, Some(&stranger)).await;
        assert_eq!(r.status(), 404, "{p}");
    }
    let r = app
        .get(&format!("/api/v1/rounds/{round}/projects"), Some(&stranger))
        .await;
    let list: Value = r.json().await.unwrap();
    assert_eq!(
        list["items"].as_array().map(Vec::len).unwrap_or(0),
        0,
        "{list}"
    );
    // Nor may it apply for the organisation.
    let r = app
        .post(
            &format!("/api/v1/rounds/{round}/projects"),
            Some(&stranger),
            &application(org, "冒名申报", &[t], &[("venue", 1)]),
        )
        .await;
    assert_problem(r, 422, "validation_failed").await;

    // A reviewer sees their round only.
    let reviewer = app.staff_token("reviewer", "pingshen.zhao", &[]).await;
    let rid = staff_id(&app, &admin, "pingshen.zhao").await;
    app.put_expect(
        &format!("/api/v1/rounds/{other_round}/reviewers"),
        Some(&admin),
        &json!({"account_ids": [rid]}),
        200,
    )
    .await;
    assert_eq!(app.get(&path, Some(&reviewer)).await.status(), 404);
    assert_eq!(
        app.get(&format!("/api/v1/rounds/{round}"), Some(&reviewer))
            .await
            .status(),
        404
    );
    let rounds = app.get_ok("/api/v1/rounds", Some(&reviewer)).await;
    assert_eq!(rounds["items"].as_array().unwrap().len(), 1, "{rounds}");
    assert_eq!(rounds["items"][0]["round_id"], other_round);
    // A reviewer is not a resident and not hall staff.
    assert_eq!(
        app.get(&format!("/api/v1/topics/{t}"), Some(&reviewer))
            .await
            .status()
            .as_u16()
            / 100,
        4
    );

    // A supervisor sees nothing until assigned, and only their projects.
    let supervisor = app.staff_token("supervisor", "dudao.liu", &[]).await;
    assert_eq!(app.get(&path, Some(&supervisor)).await.status(), 404);
    assert_eq!(
        app.get_ok("/api/v1/projects", Some(&supervisor)).await["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );

    // The worker's organisation lead gets an account scoped to their organisation.
    let lead = app.staff_token("org_lead", "zuzhi.liu", &[]).await;
    assert_eq!(app.get(&path, Some(&lead)).await.status(), 404);
    let lead_id = staff_id(&app, &admin, "zuzhi.liu").await;
    let o = format!("/api/v1/organisations/{org}");
    let etag = app.etag(&o, &worker).await;
    let patch = json!({"name": "坤翔苑读书会", "kind": "public_interest", "stage": "developing", "lead_name": "刘阿姨",
        "lead_account_id": lead_id, "members_count": 15, "volunteers_count": 20});
    let r = app
        .send(
            reqwest::Method::PATCH,
            &o,
            Some(&worker),
            Some(&etag),
            Some(&patch),
        )
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let seen = app.get_ok(&path, Some(&lead)).await;
    assert_eq!(seen["rights"]["run"], true);
    assert_eq!(seen["rights"]["fund"], false);
    assert_eq!(
        app.get_ok("/api/v1/projects", Some(&lead)).await["items"][0]["project_id"],
        project
    );
    // …but not the hall.
    assert_eq!(
        app.get(&format!("/api/v1/topics/{t}"), Some(&lead))
            .await
            .status()
            .as_u16()
            / 100,
        4
    );
    // What the lead may apply for: their organisation (phone masked) and the decided topics of
    // its community; a supervisor applies for none.
    let mine = app.get_ok("/api/v1/organisations", Some(&lead)).await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 1, "{mine}");
    assert_eq!(mine["items"][0]["organisation_id"], org);
    assert!(!mine.to_string().contains("13812345678"), "{mine}");
    let topics = app.get_ok(&format!("{o}/topics"), Some(&lead)).await;
    let choice = topics["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["topic_id"] == t)
        .unwrap_or_else(|| panic!("the decided topic {t} is not offered: {topics}"));
    assert!(
        ["decided", "in_progress", "resolved"].contains(&choice["status"].as_str().unwrap()),
        "{choice}"
    );
    assert_eq!(choice["status_label"], "已决议", "{choice}");
    let none = app.get_ok("/api/v1/organisations", Some(&supervisor)).await;
    assert_eq!(none["items"].as_array().unwrap().len(), 0);
    assert_eq!(
        app.get(&format!("{o}/topics"), Some(&supervisor))
            .await
            .status(),
        404
    );
    assert_eq!(
        app.get(&format!("{o}/topics"), Some(&far_worker(&app, other).await))
            .await
            .status(),
        404
    );

    // The worker cannot fund; the resident cannot see an unannounced project.
    let r = post_versioned(
        &app,
        &worker,
        &path,
        "decision",
        &json!({"approved": false, "reason": "不行"}),
    )
    .await;
    assert!(r.status() == 403 || r.status() == 404, "{}", r.status());
    assert_eq!(
        app.get(&format!("{path}/public"), Some(&wang))
            .await
            .status(),
        404
    );
    assert_eq!(
        app.get_ok(&format!("/api/v1/topics/{t}/projects"), Some(&wang))
            .await["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    // A resident of another community: 404 on the topic's projects.
    let far = app.resident_token("外社区居民", other).await;
    assert_eq!(
        app.get(&format!("/api/v1/topics/{t}/projects"), Some(&far))
            .await
            .status(),
        404
    );
}

async fn phases_are_enforced_in_order_with_their_rules(backend: Backend) {
    let (
        LiftTopic {
            app, c, worker, t, ..
        },
        _,
    ) = a_meeting_decides_the_lift_by_vote(backend).await;
    let admin = app.admin_token().await;
    let round = open_round(&app, &admin, "2026年公益创投", 50_000).await;
    let org = register_organisation(&app, &worker, c, "坤翔苑跳蚤市场志愿队", "mature").await;
    // A duplicate organisation name in the community is refused.
    let dup = json!({"name": "坤翔苑跳蚤市场志愿队", "kind": "service", "stage": "mature", "lead_name": "王", "members_count": 1, "volunteers_count": 0});
    assert_problem(
        app.post(
            &format!("/api/v1/communities/{c}/organisations"),
            Some(&worker),
            &dup,
        )
        .await,
        409,
        "already_exists",
    )
    .await;
    // Money in fen, never floats; no empty budget; no skipping phases.
    let mut bad = application(org, "跳蚤市场", &[t], &[("venue", 100)]);
    bad["budget_lines"][0]["amount_fen"] = json!(12.5);
    let r = app
        .post(
            &format!("/api/v1/rounds/{round}/projects"),
            Some(&worker),
            &bad,
        )
        .await;
    assert!(r.status() == 400 || r.status() == 422, "{}", r.status());
    let r = app
        .post(
            &format!("/api/v1/rounds/{round}/projects"),
            Some(&worker),
            &application(org, "跳蚤市场", &[t], &[]),
        )
        .await;
    assert_problem(r, 422, "validation_failed").await;
    let p1 = id(
        &apply(
            &app,
            &worker,
            round,
            &application(org, "跳蚤市场", &[t], &[("venue", 2_000_000)]),
        )
        .await,
        "project_id",
    );
    let p2 = id(
        &apply(
            &app,
            &worker,
            round,
            &application(org, "文明楼门", &[t], &[("publicity", 1_000_000)]),
        )
        .await,
        "project_id",
    );
    assert_problem(
        advance(&app, &admin, round, "announce").await,
        409,
        "not_next_phase",
    )
    .await;
    let path = format!("/api/v1/rounds/{round}");
    let reviewer = app.staff_token("reviewer", "pingshen.a", &[]).await;
    let rid = staff_id(&app, &admin, "pingshen.a").await;
    app.put_expect(
        &format!("{path}/reviewers"),
        Some(&admin),
        &json!({"account_ids": [rid]}),
        200,
    )
    .await;
    // A stale If-Match is refused: someone moved the round meanwhile.
    let stale = app.etag(&path, &admin).await;
    advance_ok(&app, &admin, round, "review").await;
    let r = app
        .send(
            reqwest::Method::POST,
            &format!("{path}/phase"),
            Some(&admin),
            Some(&stale),
            Some(&json!({"phase": "announce"})),
        )
        .await;
    assert_eq!(r.status(), 412);
    app.put_expect(
        &format!("/api/v1/projects/{p1}/review"),
        Some(&reviewer),
        &scores(25, 20, 20, 15),
        200,
    )
    .await;
    // Applications close with review.
    let r = app
        .post(
            &format!("/api/v1/rounds/{round}/projects"),
            Some(&worker),
            &application(org, "迟到的项目", &[t], &[("venue", 100)]),
        )
        .await;
    assert_problem(r, 409, "phase_closed").await;
    // The pool (5 万元) bounds the awards: 2 万 + 2 万 fits, another 1 万 + 2 万 would not.
    decide(&app, &admin, p1, Some(2_000_000)).await;
    assert_problem(
        advance(&app, &admin, round, "announce").await,
        409,
        "undecided_applications",
    )
    .await;
    let p2path = format!("/api/v1/projects/{p2}");
    let r = post_versioned(
        &app,
        &admin,
        &p2path,
        "decision",
        &json!({"approved": true, "awarded_fen": 1_000_000, "reason": "同意"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    decide(&app, &admin, p2, None).await;
    let v = app.get_ok(&p2path, Some(&admin)).await;
    assert_eq!(v["status"], "rejected");
    assert_eq!(v["awarded_fen"], Value::Null);
    advance_ok(&app, &admin, round, "announce").await;
    // Decisions are final once announced; delivery waits for 实施.
    let r = post_versioned(
        &app,
        &admin,
        &p2path,
        "decision",
        &json!({"approved": false, "reason": "改判"}),
    )
    .await;
    assert_problem(r, 409, "phase_closed").await;
    let p1path = format!("/api/v1/projects/{p1}");
    let r = app
        .post(
            &format!("{p1path}/milestones"),
            Some(&worker),
            &json!({"title": "开市", "due_on": "2026-06-01"}),
        )
        .await;
    assert_problem(r, 409, "phase_closed").await;
    advance_ok(&app, &admin, round, "implement").await;
    // A rejected project records nothing.
    let r = app
        .post(
            &format!("{p2path}/milestones"),
            Some(&worker),
            &json!({"title": "开市", "due_on": "2026-06-01"}),
        )
        .await;
    assert_problem(r, 409, "not_funded").await;
    advance_ok(&app, &admin, round, "midterm").await;
    advance_ok(&app, &admin, round, "evaluate").await;
    // Results wait for every funded project's evaluation.
    assert_problem(
        advance(&app, &admin, round, "published").await,
        409,
        "unevaluated_projects",
    )
    .await;
}

/// A district like the seed's: two rounds, many projects in two communities; the report's
/// totals are the records' sums, in the JSON and the XLSX alike.
async fn a_districts_two_rounds_add_up_in_json_and_xlsx(backend: Backend) {
    let app = spawn_app(backend).await;
    let c = app.ids.community_id.0;
    let other = app.other_community().await;
    let admin = app.admin_token().await;
    let worker = app.staff_token("worker", "shegong.li", &[c, other]).await;
    let resident = app.resident_token("居民", c).await;
    let far = app.resident_token("居民乙", other).await;
    let mut topics = Vec::new();
    for (who, text) in [
        (&resident, "小区需要一个跳蚤市场，让旧物循环起来"),
        (&far, "希望社区开一个共享书屋，孩子放学有地方看书"),
    ] {
        let s = app.post_suggestion(who, text).await;
        app.wait_grouped().await;
        topics.push(app.topic_of(s).await.unwrap());
    }
    let reviewer = app.staff_token("reviewer", "pingshen.d", &[]).await;
    let rid = staff_id(&app, &admin, "pingshen.d").await;
    let orgs = [
        register_organisation(&app, &worker, c, "坤翔苑跳蚤市场队", "mature").await,
        register_organisation(&app, &worker, c, "坤翔苑楼门长队", "budding").await,
        register_organisation(&app, &worker, other, "前进里书友会", "developing").await,
    ];
    let community_of = [c, c, other];

    // Expected sums, kept from what is recorded.
    let (mut applications, mut funded, mut requested, mut awarded, mut spent) =
        (0i64, 0i64, 0i64, 0i64, 0i64);
    let (mut activities, mut beneficiaries, mut volunteer_tenths) = (0i64, 0i64, 0i64);
    let mut rounds = Vec::new();
    for (n, name) in ["第一届公益创投", "第二届公益创投"].iter().enumerate() {
        let round = open_round(&app, &admin, name, 1_000_000).await;
        rounds.push(round);
        app.put_expect(
            &format!("/api/v1/rounds/{round}/reviewers"),
            Some(&admin),
            &json!({"account_ids": [rid]}),
            200,
        )
        .await;
        let mut projects = Vec::new();
        for k in 0..6usize {
            let o = k % 3;
            let topic = if community_of[o] == c {
                topics[0]
            } else {
                topics[1]
            };
            let fen = 1_000_000 + (k as i64) * 123_457 + n as i64 * 10;
            let body = application(
                orgs[o],
                &format!("项目{n}-{k}"),
                &[topic],
                &[("materials", fen), ("personnel", 50_000)],
            );
            let p = apply(&app, &worker, round, &body).await;
            applications += 1;
            requested += fen + 50_000;
            projects.push((
                id(&p, "project_id"),
                fen,
                id(&p["budget_lines"][0], "line_id"),
            ));
        }
        advance_ok(&app, &admin, round, "review").await;
        for (k, (p, _, _)) in projects.iter().enumerate() {
            let s = scores(20 + k as i32, 20, 20, 15);
            app.put_expect(
                &format!("/api/v1/projects/{p}/review"),
                Some(&reviewer),
                &s,
                200,
            )
            .await;
        }
        // Two of six declined.
        for (k, (p, fen, _)) in projects.iter().enumerate() {
            if k % 3 == 2 {
                decide(&app, &admin, *p, None).await;
            } else {
                decide(&app, &admin, *p, Some(*fen)).await;
                funded += 1;
                awarded += fen;
            }
        }
        advance_ok(&app, &admin, round, "announce").await;
        advance_ok(&app, &admin, round, "implement").await;
        for (k, (p, fen, line)) in projects.iter().enumerate() {
            if k % 3 == 2 {
                continue;
            }
            let path = format!("/api/v1/projects/{p}");
            let a = json!({"held_on": "2026-06-15", "place": "活动室", "summary": "活动", "participants": 10 + k,
                "beneficiaries": 37 + k as i64, "volunteer_hours": 2.5 + k as f64, "photo_ids": []});
            app.post_expect(&format!("{path}/activities"), Some(&worker), &a, 201)
                .await;
            activities += 1;
            beneficiaries += 37 + k as i64;
            volunteer_tenths += 25 + 10 * k as i64;
            let amount = fen / 2 + 1;
            let s = json!({"line_id": line, "amount_fen": amount, "spent_on": "2026-06-16", "note": "物资"});
            app.post_expect(&format!("{path}/spending"), Some(&worker), &s, 201)
                .await;
            spent += amount;
        }
    }
    let expect = [
        ("applications", applications as f64),
        ("funded", funded as f64),
        ("requested", requested as f64),
        ("awarded", awarded as f64),
        ("spent", spent as f64),
        ("activities", activities as f64),
        ("beneficiaries", beneficiaries as f64),
        ("volunteer_hours", volunteer_tenths as f64 / 10.0),
        ("evaluated", 0.0),
    ];
    let figures = app.get_ok("/api/v1/project-figures", Some(&admin)).await;
    let value = |f: &Value, key: &str| -> f64 {
        f["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["key"] == key)
            .unwrap()["value"]
            .as_f64()
            .unwrap()
    };
    for (key, want) in expect {
        assert_eq!(value(&figures, key), want, "{key}: {figures}");
    }
    assert_eq!(funded, 8);
    let stages: Vec<i64> = figures["organisations_by_stage"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["count"].as_i64().unwrap())
        .collect();
    assert_eq!(stages, [1, 1, 1]);
    // One round's figures are that round's share.
    let first = app
        .get_ok(
            &format!("/api/v1/rounds/{}/figures", rounds[0]),
            Some(&admin),
        )
        .await;
    assert_eq!(value(&first, "applications"), 6.0);
    assert_eq!(value(&first, "funded"), 4.0);
    // A worker sees their communities' figures; another street's worker none of this street's.
    let far_worker = app.staff_token("worker", "shegong.far", &[other]).await;
    let theirs = app
        .get_ok("/api/v1/project-figures", Some(&far_worker))
        .await;
    assert_eq!(value(&theirs, "applications"), 4.0, "{theirs}");

    // The XLSX for the civil-affairs bureau: numbers as numbers, labels in Chinese.
    let x = app.get("/api/v1/project-figures.xlsx", Some(&admin)).await;
    assert_eq!(x.status(), 200);
    let bytes = x.bytes().await.unwrap();
    use calamine::{Data, Reader, Xlsx};
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let names = book.sheet_names();
    assert_eq!(names[0], "汇总");
    let sheet = book.worksheet_range("汇总").unwrap();
    let mut found = 0;
    for row in sheet.rows() {
        if let [Data::String(label), v, ..] = row {
            if label == "资助资金（元）" || label.starts_with("资助资金") {
                assert_eq!(*v, Data::Float(awarded as f64 / 100.0), "{row:?}");
                found += 1;
            }
            if label.starts_with("立项项目数") {
                assert_eq!(*v, Data::Float(funded as f64), "{row:?}");
                found += 1;
            }
        }
    }
    assert_eq!(found, 2, "{sheet:?}");
    let projects = book.worksheet_range("项目").unwrap();
    assert_eq!(
        projects.rows().count(),
        1 + applications as usize,
        "a header and a row per application"
    );
}
