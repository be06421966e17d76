//! The grouping step in the service: same issue joins, another issue opens a topic, and
//! concurrent workers never open two topics for one issue.
use crate::both_backends;
use crate::helpers::{spawn_custom, Backend};
use minyi::queue::processor::Processor;
use minyi::queue::QueueMessage;
use minyi::startup::Roles;
use minyi::topics::grouping_step::GroupingStep;

use std::sync::Arc;

both_backends!(
    suggestions_about_one_issue_share_a_topic_and_another_issue_gets_its_own,
    two_workers_grouping_one_community_never_open_two_topics_for_one_issue,
    residents_see_the_board_and_staff_see_members_only_in_their_community,
);

async fn suggestions_about_one_issue_share_a_topic_and_another_issue_gets_its_own(
    backend: Backend,
) {
    let app = spawn_custom(backend, Roles::ALL, None, |_| {}).await;
    let token = app.resident_token("居民", app.ids.community_id.0).await;
    let a = app
        .post_suggestion(
            &token,
            "3号楼的电梯又坏了，已经停了一个星期，老人上下楼太难了",
        )
        .await;
    let b = app
        .post_suggestion(&token, "3号楼电梯坏了一个星期了还没修好，老人上下楼很困难")
        .await;
    let c = app
        .post_suggestion(
            &token,
            "小区东门外的垃圾桶每天都满了溢出来，臭味很大，希望增加清运次数",
        )
        .await;
    app.wait_grouped().await;
    let (ta, tb, tc) = (
        app.topic_of(a).await.unwrap(),
        app.topic_of(b).await.unwrap(),
        app.topic_of(c).await.unwrap(),
    );
    assert_eq!(ta, tb, "the same issue in other words joins");
    assert_ne!(ta, tc, "another issue opens its own topic");
    let briefs = app
        .store
        .topic_briefs(&[minyi::domain::ids::TopicId(ta)])
        .await
        .unwrap();
    assert_eq!(briefs[0].member_count, 2);
    assert!(briefs[0].title.chars().count() <= 20 && !briefs[0].title.is_empty());
    // Re-processing a grouped suggestion changes nothing.
    let step = GroupingStep::new(app.store.clone(), Default::default(), None);
    let again = QueueMessage {
        kind: "suggestion.accepted".into(),
        suggestion_id: minyi::domain::ids::SuggestionId(a),
        community_id: app.ids.community_id,
        accepted_ms: None,
    };
    step.process(&again).await.unwrap();
    assert_eq!(
        app.store
            .topic_briefs(&[minyi::domain::ids::TopicId(ta)])
            .await
            .unwrap()[0]
            .member_count,
        2
    );
    // Two workers may take them in either order: one opened the topic, the other joined it.
    let mut actions = Vec::new();
    for id in [a, b] {
        let audit = app
            .store
            .audit_entries("suggestion", &id.to_string())
            .await
            .unwrap();
        assert_eq!(audit[0].actor_kind, "algorithm");
        actions.push(audit[0].action.clone());
    }
    actions.sort();
    assert_eq!(actions, ["topic.join", "topic.open"]);
}

async fn two_workers_grouping_one_community_never_open_two_topics_for_one_issue(backend: Backend) {
    // No background workers: two independent grouping steps (as in two processes) race.
    let app = spawn_custom(backend, Roles::NO_WORKERS, None, |_| {}).await;
    let token = app.resident_token("居民", app.ids.community_id.0).await;
    // Copies of one complaint (as neighbours pass a message around): the engine joins them
    // for sure, so any second topic could only come from the race.
    let texts = [
        "5号楼楼下的餐馆油烟太大，熏得窗户都不敢开",
        "5号楼楼下的餐馆油烟太大，熏得窗户都不敢开！",
        "5号楼楼下的餐馆油烟太大,熏得窗户都不敢开。",
        "5号楼楼下的餐馆油烟太大，熏得窗户都不敢开啊",
    ];
    let mut ids = Vec::new();
    for t in texts {
        ids.push(app.post_suggestion(&token, t).await);
    }
    let one = Arc::new(GroupingStep::new(
        app.store.clone(),
        Default::default(),
        None,
    ));
    let two = Arc::new(GroupingStep::new(
        app.store.clone(),
        Default::default(),
        None,
    ));
    let mut tasks = Vec::new();
    for (n, id) in ids.iter().enumerate() {
        let step = if n % 2 == 0 { one.clone() } else { two.clone() };
        let m = QueueMessage {
            kind: "suggestion.accepted".into(),
            suggestion_id: minyi::domain::ids::SuggestionId(*id),
            community_id: app.ids.community_id,
            accepted_ms: None,
        };
        tasks.push(tokio::spawn(async move { step.process(&m).await }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let mut topics = std::collections::HashSet::new();
    for id in &ids {
        topics.insert(app.topic_of(*id).await.expect("grouped"));
    }
    assert_eq!(
        topics.len(),
        1,
        "one issue, one topic, whichever worker grouped which suggestion"
    );
}

async fn residents_see_the_board_and_staff_see_members_only_in_their_community(backend: Backend) {
    let app = spawn_custom(backend, Roles::ALL, None, |_| {}).await;
    let c = app.ids.community_id.0;
    let token = app.resident_token("居民", c).await;
    app.post_suggestion(&token, "我家电话13811112222，2号楼楼道的灯坏了一个月")
        .await;
    app.post_suggestion(&token, "2号楼楼道的灯坏了一个月了，晚上上楼很危险")
        .await;
    app.wait_grouped().await;
    let board = app
        .get_ok(&format!("/api/v1/communities/{c}/topics"), Some(&token))
        .await;
    let first = &board["items"][0];
    assert_eq!(first["status"], "new");
    assert_eq!(first["status_label"], "待分拣");
    assert_eq!(
        board["counts"]["new"].as_i64().unwrap(),
        board["items"].as_array().unwrap().len() as i64
    );
    let id = first["id"].as_i64().unwrap();
    let public = app
        .get_ok(&format!("/api/v1/topics/{id}"), Some(&token))
        .await;
    assert!(
        public.get("members").is_none(),
        "residents see no member texts"
    );
    assert!(!public.to_string().contains("13811112222"), "{public}");
    let worker = app.staff_token("worker", "shegong.board", &[c]).await;
    let staff = app
        .get_ok(&format!("/api/v1/topics/{id}"), Some(&worker))
        .await;
    assert!(!staff["members"].as_array().unwrap().is_empty());
    assert!(staff["audit"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["actor_kind"] == "algorithm"));
    let other = app.other_community().await;
    let stranger = app
        .staff_token("worker", "shegong.elsewhere", &[other])
        .await;
    assert_eq!(
        app.get(&format!("/api/v1/topics/{id}"), Some(&stranger))
            .await
            .status(),
        404
    );
    assert_eq!(
        app.get(&format!("/api/v1/communities/{c}/topics"), Some(&stranger))
            .await
            .status(),
        404
    );
    let bad = app
        .get(
            &format!("/api/v1/communities/{c}/topics?status=nonsense"),
            Some(&worker),
        )
        .await;
    assert_eq!(bad.status(), 400);
}
