//! The engine learns from workers' corrections: "similar topics" offers near misses, a merge
//! undone or a suggestion moved out teaches that two belong apart, and what was learnt is in
//! the store, so a restarted engine knows it too.
use crate::both_backends;
use crate::helpers::{spawn_app, Backend, TestApp};
use minyi::domain::ids::TopicId;
use minyi::topics::grouping_step::GroupingStep;
use serde_json::{json, Value};

both_backends!(
    a_near_miss_is_offered_and_an_undone_merge_is_not_offered_again,
    a_moved_suggestion_teaches_where_its_like_belongs,
    similar_topics_are_for_staff_of_the_community_only,
);

/// Two tellings of one building's cluttered stairwell, different enough that the engine
/// opens two topics (a near miss: one names the building, the other does not).
const CLUTTER: [&str; 2] = [
    "16号楼楼道里堆满了杂物，纸箱子、旧家具、破自行车都有",
    "楼道里杂物太多了，万一着火都跑不出去，物业也不管",
];

async fn similar_ids(app: &TestApp, token: &str, topic: i64) -> Vec<i64> {
    let v = app
        .get_ok(&format!("/api/v1/topics/{topic}/similar"), Some(token))
        .await;
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["topic"]["id"].as_i64().unwrap())
        .collect()
}

/// The topics of two new suggestions, and a worker of the community.
async fn two_topics(app: &TestApp, texts: [&str; 2]) -> (String, [i64; 2], [i64; 2]) {
    let c = app.ids.community_id.0;
    let worker = app.staff_token("worker", "shegong.wang", &[c]).await;
    let resident = app.resident_token("居民", c).await;
    let s = [
        app.post_suggestion(&resident, texts[0]).await,
        app.post_suggestion(&resident, texts[1]).await,
    ];
    app.wait_grouped().await;
    let t = [
        app.topic_of(s[0]).await.unwrap(),
        app.topic_of(s[1]).await.unwrap(),
    ];
    (worker, s, t)
}

/// A `POST` with the topic's current `ETag`, answered 200.
async fn post_on_topic(app: &TestApp, worker: &str, topic: i64, action: &str, body: Value) {
    let (_, etag) = app.topic(worker, topic).await;
    let path = format!("/api/v1/topics/{topic}/{action}");
    let post = reqwest::Method::POST;
    app.send_expect(post, &path, Some(worker), Some(&etag), Some(&body), 200)
        .await;
}

async fn a_near_miss_is_offered_and_an_undone_merge_is_not_offered_again(backend: Backend) {
    let app = spawn_app(backend).await;
    let (worker, _, [a, b]) = two_topics(&app, CLUTTER).await;
    assert_ne!(a, b, "a near miss: the engine kept them apart");
    assert_eq!(similar_ids(&app, &worker, a).await, vec![b]);
    assert_eq!(similar_ids(&app, &worker, b).await, vec![a]);

    post_on_topic(&app, &worker, b, "merge", json!({"into_topic_id": a})).await;
    assert!(similar_ids(&app, &worker, a).await.is_empty());
    assert!(
        similar_ids(&app, &worker, b).await.is_empty(),
        "a merged topic has no similar topics"
    );
    post_on_topic(&app, &worker, b, "unmerge", json!({"reason": "两件事"})).await;
    assert!(
        !similar_ids(&app, &worker, a).await.contains(&b),
        "the worker kept them apart"
    );

    // The lesson is in the store: an engine started afresh (a restart) knows it.
    let lessons = app
        .store
        .grouping_lessons(app.ids.community_id)
        .await
        .unwrap();
    assert!(lessons.iter().any(|l| !l.together), "{lessons:?}");
    let fresh = GroupingStep::new(app.store.clone(), Default::default(), None);
    let offered = fresh
        .similar_topics(app.ids.community_id, TopicId(a), 5)
        .await
        .unwrap();
    assert!(
        !offered.iter().any(|(t, _)| *t == TopicId(b)),
        "{offered:?}"
    );
}

async fn a_moved_suggestion_teaches_where_its_like_belongs(backend: Backend) {
    let app = spawn_app(backend).await;
    let (worker, [s1, s2], [a, b]) = two_topics(&app, CLUTTER).await;
    assert_ne!(a, b);
    // The worker moves the second into the first topic: a lesson that they belong together.
    let (_, etag) = app.topic(&worker, a).await;
    let path = format!("/api/v1/suggestions/{s2}/move");
    let body = json!({"topic_id": a});
    let post = reqwest::Method::POST;
    app.send_expect(post, &path, Some(&worker), Some(&etag), Some(&body), 200)
        .await;
    let lessons = app
        .store
        .grouping_lessons(app.ids.community_id)
        .await
        .unwrap();
    let taught = |together: bool| {
        lessons.iter().any(|l| {
            l.together == together && l.suggestion_id.0 == s2 && l.other_suggestion_id.0 == s1
        })
    };
    assert!(taught(true), "{lessons:?}");
    // A third telling, close to the moved one, goes where the worker put it.
    let resident = app.resident_token("邻居", app.ids.community_id.0).await;
    let s3 = app
        .post_suggestion(&resident, "楼道里杂物太多了，着火了都跑不出去，物业不管")
        .await;
    app.wait_grouped().await;
    assert_eq!(app.topic_of(s3).await, Some(a));
}

async fn similar_topics_are_for_staff_of_the_community_only(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, _, [a, _]) = two_topics(&app, CLUTTER).await;
    let path = format!("/api/v1/topics/{a}/similar");
    let resident = app.resident_token("居民", app.ids.community_id.0).await;
    app.get_problem(&path, Some(&resident), 403, "forbidden")
        .await;
    let other = app.other_community().await;
    let stranger = app.staff_token("worker", "shegong.zhao", &[other]).await;
    app.get_problem(&path, Some(&stranger), 404, "not_found")
        .await;
    app.get_problem(&path, None, 401, "unauthorized").await;
}
