//! The store contract: both backends must behave the same.
use crate::both_backends;
use crate::helpers::{Backend, TestDb};
use minyi::domain::ids::{AccountId, CommunityId};
use minyi::domain::role::Role;
use minyi::store::unique::{self, UniqueKey, UNIQUE_KEYS};
use minyi::store::{
    AdminArea, Audit, Bootstrap, DynStore, LoginCounter, NewStaff, RefreshOutcome, Reservation,
    StaffHome, UniqueViolation,
};

both_backends!(
    bootstrap_reuses_areas_and_refuses_a_second_account_of_the_same_name,
    refresh_tokens_rotate_once_even_when_two_refreshes_race,
    login_failures_count_and_lock,
    parallel_login_reservations_never_exceed_the_limit,
    scope_queries_stay_inside_the_area,
    a_batch_of_posts_commits_together_or_not_at_all,
    the_batcher_answers_every_post_even_when_its_batch_fails,
    each_unique_violation_names_the_key_it_broke_and_no_other,
    a_second_account_of_the_same_username_is_a_username_conflict,
    a_grouped_batch_writes_each_touched_topic_once_and_keeps_a_workers_title,
);

async fn store(backend: Backend) -> (DynStore, TestDb) {
    let db = TestDb::new(backend).await;
    let store = minyi::store::connect(&db.url, 5).await.unwrap();
    store.migrate().await.unwrap();
    // Migrations are idempotent.
    store.migrate().await.unwrap();
    (store, db)
}

fn boot(district: &str, street: &str, community: &str, username: &str) -> Bootstrap {
    Bootstrap {
        district: district.into(),
        street: street.into(),
        community: community.into(),
        username: username.into(),
        password_hash: "x".into(),
    }
}

async fn bootstrap_reuses_areas_and_refuses_a_second_account_of_the_same_name(backend: Backend) {
    let (store, _db) = store(backend).await;
    let a = store
        .bootstrap(&boot("津南区", "双新街道", "昆香苑社区", "admin"))
        .await
        .unwrap();
    let b = store
        .bootstrap(&boot("津南区", "双新街道", "昆香苑社区", "admin2"))
        .await
        .unwrap();
    assert_eq!(
        (a.district_id, a.street_id, a.community_id),
        (b.district_id, b.street_id, b.community_id)
    );
    assert_ne!(a.account_id, b.account_id);
    let err = store
        .bootstrap(&boot("津南区", "双新街道", "另一个社区", "admin"))
        .await
        .unwrap_err();
    assert_eq!(
        err.downcast_ref::<UniqueViolation>().unwrap().constraint,
        "account_username_key"
    );
    // The failed bootstrap left nothing behind (one transaction).
    let communities = store
        .communities_in(AdminArea::District(a.district_id))
        .await
        .unwrap();
    assert_eq!(communities.len(), 1);
    assert_eq!(store.account_count().await.unwrap(), 2);
}

async fn refresh_tokens_rotate_once_even_when_two_refreshes_race(backend: Backend) {
    let (store, _db) = store(backend).await;
    let ids = store
        .bootstrap(&boot("津南区", "双新街道", "昆香苑社区", "admin"))
        .await
        .unwrap();
    let now = chrono::Utc::now();
    let later = now + chrono::Duration::days(1);
    store
        .create_session(ids.account_id, "s1", "h0", now, later)
        .await
        .unwrap();
    let (r1, r2) = tokio::join!(
        store.rotate_refresh("h0", "h1", now, later),
        store.rotate_refresh("h0", "h2", now, later)
    );
    let outcomes = [r1.unwrap(), r2.unwrap()];
    let rotated = outcomes
        .iter()
        .filter(|o| matches!(o, RefreshOutcome::Rotated { .. }))
        .count();
    let reused = outcomes
        .iter()
        .filter(|o| matches!(o, RefreshOutcome::Reused))
        .count();
    assert_eq!((rotated, reused), (1, 1), "{outcomes:?}");
    // The race counts as reuse: the session is revoked.
    assert!(store.session_account("s1").await.unwrap().is_none());
    assert!(matches!(
        store
            .rotate_refresh("unknown", "h3", now, later)
            .await
            .unwrap(),
        RefreshOutcome::Unknown
    ));
    store
        .create_session(
            ids.account_id,
            "s2",
            "old",
            now - chrono::Duration::days(40),
            now - chrono::Duration::days(10),
        )
        .await
        .unwrap();
    assert!(matches!(
        store.rotate_refresh("old", "h4", now, later).await.unwrap(),
        RefreshOutcome::Expired
    ));
}

async fn login_failures_count_and_lock(backend: Backend) {
    let (store, _db) = store(backend).await;
    let now = chrono::Utc::now();
    let lock = chrono::Duration::minutes(15);
    let reserve = |key: &'static str, at: chrono::DateTime<chrono::Utc>| {
        let store = store.clone();
        async move {
            store
                .reserve_login(LoginCounter::Name, key, at, lock, 3, lock)
                .await
                .unwrap()
        }
    };
    for n in 1..=2 {
        assert_eq!(
            reserve("wang", now).await,
            Reservation::Granted {
                attempts: n,
                locks_at: None
            }
        );
    }
    // The third attempt may still check its password, and locks the name behind it.
    let Reservation::Granted {
        attempts: 3,
        locks_at: Some(until),
    } = reserve("wang", now).await
    else {
        panic!("the third attempt is granted and sets the lock");
    };
    assert_eq!(until.timestamp(), (now + lock).timestamp());
    assert!(matches!(
        reserve("wang", now).await,
        Reservation::Locked { until: u } if u.timestamp() == until.timestamp()
    ));
    // Another name and the per-address counter are separate.
    assert!(matches!(
        reserve("li", now).await,
        Reservation::Granted { attempts: 1, .. }
    ));
    assert!(matches!(
        store
            .reserve_login(LoginCounter::ClientIp, "wang", now, lock, 3, lock)
            .await
            .unwrap(),
        Reservation::Granted { attempts: 1, .. }
    ));
    // When the lock has run out, counting starts again.
    let later = now + lock + chrono::Duration::seconds(1);
    assert!(matches!(
        reserve("wang", later).await,
        Reservation::Granted { attempts: 1, .. }
    ));
    store.clear_login_failures("wang").await.unwrap();
    assert!(matches!(
        reserve("wang", later).await,
        Reservation::Granted { attempts: 1, .. }
    ));
    // Releasing gives an attempt back and lifts the lock it set.
    for _ in 0..2 {
        reserve("zhao", now).await;
    }
    store
        .release_login(LoginCounter::Name, "zhao", 3)
        .await
        .unwrap();
    assert!(matches!(
        reserve("zhao", now).await,
        Reservation::Granted {
            attempts: 2,
            locks_at: None
        }
    ));
    // Old failures outside the window are forgotten.
    assert!(matches!(
        reserve("zhao", later).await,
        Reservation::Granted { attempts: 1, .. }
    ));
}

async fn parallel_login_reservations_never_exceed_the_limit(backend: Backend) {
    let (store, _db) = store(backend).await;
    let now = chrono::Utc::now();
    let lock = chrono::Duration::minutes(15);
    let tries = (0..30).map(|_| {
        let store = store.clone();
        tokio::spawn(async move {
            store
                .reserve_login(LoginCounter::Name, "target", now, lock, 5, lock)
                .await
                .unwrap()
        })
    });
    let mut granted = 0;
    for t in tries {
        if matches!(t.await.unwrap(), Reservation::Granted { .. }) {
            granted += 1;
        }
    }
    assert_eq!(granted, 5, "exactly the limit, however the 30 interleave");
}

/// A staff account created in the store, as an operator would; its id.
async fn staff(
    store: &DynStore,
    role: Role,
    username: &str,
    admin_area: Option<AdminArea>,
    communities: Vec<CommunityId>,
) -> AccountId {
    let new = NewStaff {
        role,
        username: username.into(),
        password_hash: "x".into(),
        display_name: username.into(),
        admin_area,
        communities,
        home: None,
    };
    store
        .create_staff(&new, &Audit::system("test"))
        .await
        .unwrap()
}

/// Add (`on`) or remove a staff account's community.
async fn assign(store: &DynStore, account: AccountId, community: CommunityId, on: bool) {
    let audit = Audit::system("test");
    store
        .assign_community(account, community, on, &audit)
        .await
        .unwrap();
}

async fn scope_queries_stay_inside_the_area(backend: Backend) {
    let (store, _db) = store(backend).await;
    let a = store
        .bootstrap(&boot("津南区", "双新街道", "昆香苑社区", "admin"))
        .await
        .unwrap();
    let b = store
        .bootstrap(&boot("西青区", "杨柳青镇", "柳口路社区", "xiqing"))
        .await
        .unwrap();
    let worker = staff(&store, Role::Worker, "w", None, vec![a.community_id]).await;
    let street = Some(AdminArea::Street(a.street_id));
    let street_admin = staff(&store, Role::Admin, "s", street, vec![]).await;
    let ids_in = |area| {
        let store = store.clone();
        async move {
            store
                .staff_candidates(area)
                .await
                .unwrap()
                .iter()
                .map(|s| s.account_id)
                .collect::<Vec<_>>()
        }
    };
    // The district admin is nobody's candidate: not even its own district's.
    assert_eq!(
        ids_in(AdminArea::District(a.district_id)).await,
        [worker, street_admin]
    );
    assert_eq!(ids_in(AdminArea::Street(a.street_id)).await, [worker]);
    assert!(ids_in(AdminArea::District(b.district_id)).await.is_empty());
    assert_eq!(
        store.staff_home(worker).await.unwrap(),
        StaffHome {
            home_street_id: Some(a.street_id),
            home_district_id: Some(a.district_id)
        }
    );
    assert_eq!(
        store
            .communities_in(AdminArea::Street(b.street_id))
            .await
            .unwrap()[0]
            .name,
        "柳口路社区"
    );
    assign(&store, worker, b.community_id, true).await;
    assert_eq!(
        store.account_communities(worker).await.unwrap(),
        [a.community_id, b.community_id]
    );
    assign(&store, worker, b.community_id, false).await;
    assert_eq!(
        store.account_communities(worker).await.unwrap(),
        [a.community_id]
    );
    // Without any community the worker stays a candidate of the street it last served.
    assign(&store, worker, a.community_id, false).await;
    assert!(store.account_communities(worker).await.unwrap().is_empty());
    assert_eq!(ids_in(AdminArea::Street(a.street_id)).await, [worker]);
    assert_eq!(
        store.staff_home(worker).await.unwrap().home_street_id,
        Some(a.street_id)
    );
    let trail = store
        .audit_entries("account", &worker.to_string())
        .await
        .unwrap();
    assert_eq!(trail.len(), 4);
}

fn post(ids: &minyi::store::BootstrapIds, key: &str, text: &str) -> minyi::store::NewSuggestion {
    minyi::store::NewSuggestion {
        community_id: ids.community_id,
        client_id: key.into(),
        request_hash: format!("hash:{text}"),
        channel: "mini_program",
        author_account_id: Some(ids.account_id),
        author_person: None,
        entered_by: None,
        title: None,
        body: text.into(),
        building_id: None,
        place: None,
        category: Some("物业".into()),
        show_author: true,
        paper_batch_id: None,
        paper_serial: None,
        photo_ids: Vec::new(),
        hold_for_review: None,
        consent_by_resident: false,
    }
}

async fn bodies(store: &DynStore, ids: &minyi::store::BootstrapIds) -> Vec<String> {
    let mut rows = store
        .suggestions_of(ids.account_id, None, 1000)
        .await
        .unwrap();
    rows.sort_by_key(|r| r.suggestion_id);
    rows.into_iter().map(|r| r.body).collect()
}

async fn a_batch_of_posts_commits_together_or_not_at_all(backend: Backend) {
    let (store, _db) = store(backend).await;
    let ids = store
        .bootstrap(&boot("津南区", "双新街道", "昆香苑社区", "admin"))
        .await
        .unwrap();
    let now = chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 6);
    let first = store
        .create_suggestions(
            &[post(&ids, "k1", "电梯坏了"), post(&ids, "k2", "路灯不亮")],
            now,
        )
        .await
        .unwrap();
    let (a, b) = (first[0].clone().unwrap(), first[1].clone().unwrap());
    assert_eq!((a.body.as_str(), b.body.as_str()), ("电梯坏了", "路灯不亮"));
    assert_ne!(a.suggestion_id, b.suggestion_id);
    assert_eq!(a.state, minyi::hall::status::SuggestionState::Queued);
    assert_eq!(a.category.as_deref(), Some("物业"));
    // The answer matches what a later read returns.
    let stored = store.suggestion(a.suggestion_id).await.unwrap().unwrap();
    assert_eq!(
        (
            stored.body,
            stored.created_at,
            stored.request_hash,
            stored.show_author
        ),
        (a.body.clone(), a.created_at, a.request_hash.clone(), true)
    );
    assert_eq!(
        store.outbox_pending().await.unwrap(),
        2,
        "one outbox row each"
    );

    // A taken key is skipped (None), the rest of the batch goes in.
    let second = store
        .create_suggestions(
            &[post(&ids, "k1", "电梯坏了"), post(&ids, "k3", "垃圾没人收")],
            now,
        )
        .await
        .unwrap();
    assert!(second[0].is_none());
    assert_eq!(second[1].as_ref().unwrap().body, "垃圾没人收");

    // One row that breaks a constraint (no such community): nothing of the batch is stored.
    let mut bad = post(&ids, "k4", "不存在的社区");
    bad.community_id = minyi::domain::ids::CommunityId(999_999);
    store
        .create_suggestions(&[post(&ids, "k5", "停车难"), bad], now)
        .await
        .unwrap_err();
    assert_eq!(
        bodies(&store, &ids).await,
        ["电梯坏了", "路灯不亮", "垃圾没人收"]
    );
    assert_eq!(store.outbox_pending().await.unwrap(), 3);

    // Only residents' own plain posts may be batched.
    let mut held = post(&ids, "k6", "需要审核的内容");
    held.hold_for_review = Some("listed word".into());
    store.create_suggestions(&[held], now).await.unwrap_err();
}

async fn the_batcher_answers_every_post_even_when_its_batch_fails(backend: Backend) {
    use minyi::store::CreateOutcome;
    let (store, _db) = store(backend).await;
    let ids = store
        .bootstrap(&boot("津南区", "双新街道", "昆香苑社区", "admin"))
        .await
        .unwrap();
    let batcher = minyi::intake::batcher::Batcher::start(store.clone(), 64, 2);
    let mut posts: Vec<_> = (0..30)
        .map(|i| post(&ids, &format!("key-{i}"), &format!("第{i}条建议")))
        .collect();
    // A twin of the first (a retry racing it) and one post the database refuses.
    posts.push(post(&ids, "key-0", "第0条建议"));
    let mut bad = post(&ids, "bad", "不存在的社区");
    bad.community_id = minyi::domain::ids::CommunityId(999_999);
    posts.push(bad);
    // Another key reused with other content.
    posts.push(post(&ids, "key-1", "换了内容"));
    let answers =
        futures_util::future::join_all(posts.into_iter().map(|p| batcher.create(p))).await;
    let mut created = std::collections::HashMap::new();
    for (i, answer) in answers.iter().take(30).enumerate() {
        match answer {
            Ok(CreateOutcome::Created(row)) => {
                assert_eq!(row.body, format!("第{i}条建议"));
                created.insert(i, row.suggestion_id);
            }
            other => panic!("post {i}: {other:?}"),
        }
    }
    match &answers[30] {
        Ok(CreateOutcome::Existing(row)) => assert_eq!(row.suggestion_id, created[&0]),
        other => panic!("the twin: {other:?}"),
    }
    assert!(answers[31].is_err(), "the refused post gets its error");
    match &answers[32] {
        Ok(CreateOutcome::KeyConflict(row)) => assert_eq!(row.suggestion_id, created[&1]),
        other => panic!("the reused key: {other:?}"),
    }
    assert_eq!(bodies(&store, &ids).await.len(), 30);
    assert_eq!(store.outbox_pending().await.unwrap(), 30);
}

/// Run `sql` (text parameters `binds`) on the test database directly: rows no store call
/// writes on purpose, to break each unique key in turn.
async fn execute(db: &TestDb, backend: Backend, sql: &str, binds: &[&str]) -> sqlx::Result<()> {
    match backend {
        Backend::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&db.url).await?;
            let query = binds.iter().fold(sqlx::query(sql), |q, b| q.bind(*b));
            let result = query.execute(&pool).await.map(|_| ());
            pool.close().await;
            result
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(&db.url).await?;
            let query = binds.iter().fold(sqlx::query(sql), |q, b| q.bind(*b));
            let result = query.execute(&pool).await.map(|_| ());
            pool.close().await;
            result
        }
    }
}

/// The names of the keys that claim `e` as their violation.
fn claimed_by(e: &sqlx::Error) -> Vec<&'static str> {
    UNIQUE_KEYS
        .iter()
        .filter(|k| k.violated_by(e))
        .map(|k| k.name)
        .collect()
}

async fn each_unique_violation_names_the_key_it_broke_and_no_other(backend: Backend) {
    let (store, db) = store(backend).await;
    let ids = store
        .bootstrap(&boot("津南区", "双新街道", "昆香苑社区", "admin"))
        .await
        .unwrap();
    let at = "'2024-05-01T08:00:00Z'";

    // Three unique keys on `account`: username, WeChat openid, phone.
    let account = format!(
        "insert into account (role, username, display_name, wechat_openid, phone, created_at,
            updated_at)
        values ('resident', $1, '居民', $2, $3, {at}, {at})"
    );
    execute(&db, backend, &account, &["u1", "o1", "13800000001"])
        .await
        .unwrap();
    let cases: [(&[&str], &UniqueKey); 3] = [
        (&["u1", "o2", "13800000002"], &unique::ACCOUNT_USERNAME),
        (&["u2", "o1", "13800000002"], &unique::ACCOUNT_OPENID),
        (&["u2", "o2", "13800000001"], &unique::ACCOUNT_PHONE),
    ];
    for (binds, key) in cases {
        let e = execute(&db, backend, &account, binds).await.unwrap_err();
        assert_eq!(claimed_by(&e), [key.name], "{e}");
    }

    // Two on `suggestion`: a resident's own key, and a volunteer's for someone without an
    // account (a partial unique index).
    let suggestion = |author: &str, entered_by: &str| {
        format!(
            "insert into suggestion (community_id, client_id, channel, author_account_id,
                entered_by_account_id, body, state, created_at, updated_at)
            values ({}, $1, 'h5', {author}, {entered_by}, '电梯坏了', 'queued', {at}, {at})",
            ids.community_id
        )
    };
    let own = suggestion(&ids.account_id.to_string(), "null");
    let assisted = suggestion("null", &ids.account_id.to_string());
    for sql in [&own, &assisted] {
        execute(&db, backend, sql, &["k1"]).await.unwrap();
    }
    let e = execute(&db, backend, &own, &["k1"]).await.unwrap_err();
    assert_eq!(claimed_by(&e), [unique::SUGGESTION_CLIENT_ID.name], "{e}");
    let e = execute(&db, backend, &assisted, &["k1"]).await.unwrap_err();
    assert_eq!(claimed_by(&e), [unique::SUGGESTION_ASSIST.name], "{e}");

    // Not a unique violation at all: no key claims it.
    let e = execute(
        &db,
        backend,
        &format!(
            "insert into account_community (account_id, community_id, created_at)
            values ({}, 999999, {at})",
            ids.account_id
        ),
        &[],
    )
    .await
    .unwrap_err();
    assert!(claimed_by(&e).is_empty(), "{e}");
}

async fn a_second_account_of_the_same_username_is_a_username_conflict(backend: Backend) {
    let (store, _db) = store(backend).await;
    let ids = store
        .bootstrap(&boot("津南区", "双新街道", "昆香苑社区", "admin"))
        .await
        .unwrap();
    let staff = |username: &str| NewStaff {
        role: Role::Worker,
        username: username.into(),
        password_hash: "x".into(),
        display_name: "张社工".into(),
        admin_area: None,
        communities: vec![ids.community_id],
        home: None,
    };
    let audit = Audit::system("test");
    store.create_staff(&staff("zhang"), &audit).await.unwrap();
    let err = store
        .create_staff(&staff("zhang"), &audit)
        .await
        .unwrap_err();
    assert_eq!(
        err.downcast_ref::<UniqueViolation>().unwrap().constraint,
        "account_username_key"
    );
    // The same name elsewhere in the area tree is another key: a community of that name in
    // the same street.
    let err = store
        .create_community(ids.street_id, "昆香苑社区", &audit)
        .await
        .unwrap_err();
    assert_eq!(
        err.downcast_ref::<UniqueViolation>().unwrap().constraint,
        "community_name_key"
    );
}

/// A grouper with fixed answers: suggestion i goes to `plan[i]` (None: open a topic) and each
/// touched topic gets `label` when it is set.
struct Fixed {
    plan: Vec<Option<minyi::domain::ids::TopicId>>,
    label: Option<minyi::store::TopicLabelRow>,
    next: usize,
}

impl minyi::store::BatchGrouper for Fixed {
    fn decide(&mut self, _: &minyi::store::SuggestionRow) -> minyi::store::Planned {
        let topic = self.plan[self.next];
        self.next += 1;
        minyi::store::Planned {
            topic,
            title: "新议题".into(),
            keywords: Vec::new(),
            similarity: topic.map(|_| 0.5),
            duplicate_of: None,
            due_at: None,
        }
    }
    fn applied(&mut self, _: &minyi::store::SuggestionRow, _: minyi::domain::ids::TopicId) {}
    fn label(&mut self, _: minyi::domain::ids::TopicId) -> Option<minyi::store::TopicLabelRow> {
        self.label.clone()
    }
}

async fn a_grouped_batch_writes_each_touched_topic_once_and_keeps_a_workers_title(
    backend: Backend,
) {
    use minyi::store::BatchOutcome;
    let (store, db) = store(backend).await;
    let ids = store
        .bootstrap(&boot("津南区", "双新街道", "昆香苑社区", "admin"))
        .await
        .unwrap();
    let now = chrono::Utc::now();
    let mut posts: Vec<_> = (0..7)
        .map(|i| post(&ids, &format!("g{i}"), &format!("第{i}条意见")))
        .collect();
    posts[1].channel = "paper";
    let made: Vec<_> = store
        .create_suggestions(&posts, now)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.unwrap().suggestion_id)
        .collect();
    let c = ids.community_id;
    // Suggestion 0 opens topic a; then 1 (on paper) joins a and 2 opens topic b.
    let clock = store.group_clock(c).await.unwrap();
    let mut first = Fixed {
        plan: vec![None],
        label: None,
        next: 0,
    };
    let BatchOutcome::Done { clock, assigned } = store
        .assign_batch(c, clock, &made[..1], &mut first)
        .await
        .unwrap()
    else {
        panic!("stale")
    };
    let a = assigned[0].1;
    let mut first = Fixed {
        plan: vec![Some(a), None],
        label: None,
        next: 0,
    };
    let BatchOutcome::Done { clock, assigned } = store
        .assign_batch(c, clock, &made[1..3], &mut first)
        .await
        .unwrap()
    else {
        panic!("stale")
    };
    let b = assigned[1].1;
    assert_ne!(a, b);
    let ta = store.topic(a).await.unwrap().unwrap();
    assert_eq!((ta.member_count, ta.paper_count), (2, 1));
    let expected = minyi::hall::heat::score(2, 0, ta.last_activity_at);
    assert!(
        (ta.heat - expected).abs() < 1e-6,
        "{} vs {expected}",
        ta.heat
    );

    // A worker fixed topic a's title.
    execute(
        &db,
        backend,
        &format!(
            "update topic set title = '三号楼电梯', title_locked = true where topic_id = {}",
            a.0
        ),
        &[],
    )
    .await
    .unwrap();
    // Second batch: two join a, two join b, with a new label for each touched topic.
    let rep = made[4];
    let mut second = Fixed {
        plan: vec![Some(a), Some(b), Some(a), Some(b)],
        label: Some((
            "电梯经常停运".into(),
            vec!["电梯".into(), "停运".into()],
            Some(rep),
        )),
        next: 0,
    };
    let BatchOutcome::Done { assigned, .. } = store
        .assign_batch(c, clock, &made[3..7], &mut second)
        .await
        .unwrap()
    else {
        panic!("stale")
    };
    assert_eq!(assigned.len(), 4);
    let (ta, tb) = (
        store.topic(a).await.unwrap().unwrap(),
        store.topic(b).await.unwrap().unwrap(),
    );
    assert_eq!((ta.member_count, ta.paper_count), (4, 1));
    assert_eq!((tb.member_count, tb.paper_count), (3, 0));
    assert_eq!(ta.title, "三号楼电梯", "a worker's title stays");
    assert_eq!(tb.title, "电梯经常停运");
    for t in [&ta, &tb] {
        assert_eq!(t.keywords, r#"["电梯","停运"]"#);
        assert_eq!(t.representative_suggestion_id, Some(rep.0));
        let expected =
            minyi::hall::heat::score(t.member_count, t.supporter_count, t.last_activity_at);
        assert!((t.heat - expected).abs() < 1e-6, "{} vs {expected}", t.heat);
    }
}
