//! Residents' data rights (PIPL): export, correct, erase, retention, consent, the access log —
//! and the profile name shown where the resident allowed it.
use crate::both_backends;
use crate::helpers::{assert_problem, eventually, spawn_app_with, Backend, TestApp};
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

both_backends!(
    a_residents_export_holds_exactly_what_was_stored,
    a_large_export_is_prepared_in_the_background_for_its_owner_only,
    an_erased_resident_leaves_no_personal_data_in_any_table_or_file,
    erasing_can_also_withdraw_the_suggestions,
    retention_erases_what_is_due_and_nothing_else,
    a_resident_cannot_export_or_erase_another,
    the_chosen_name_is_shown_where_allowed_and_masked_otherwise,
    consent_to_the_notice_is_recorded_and_a_new_version_asks_again,
    a_phone_change_needs_the_code_sent_to_it_and_a_taken_number_is_refused,
    staff_erase_a_paper_form_resident_with_who_and_why,
    staff_reveals_are_logged_and_admins_read_them_for_their_area,
    every_personal_field_of_the_catalogue_exists_in_the_schema,
);

// --- helpers ---------------------------------------------------------------------------------

fn state(app: &TestApp) -> &actix_web::web::Data<minyi::state::AppState> {
    app.state.as_ref().unwrap()
}

/// Keep the SQLite file inside the data folder, as in production, so the folder scan sees it.
fn db_in_data_dir(backend: Backend, s: &mut minyi::config::Settings) {
    if backend == Backend::Sqlite {
        let url = format!("sqlite://{}/minyi.db", s.data_dir.display());
        s.database.url = secrecy::SecretString::from(url);
    }
}

async fn sms_code(app: &TestApp, phone: &str) -> String {
    let r = app
        .post("/api/v1/auth/sms/send", None, &json!({ "phone": phone }))
        .await;
    assert_eq!(r.status(), 202, "{}", r.text().await.unwrap());
    app.sms.last_code(phone).unwrap()
}

async fn sms_resident(app: &TestApp, phone: &str) -> String {
    let join = app.join_code(app.ids.community_id.0).await;
    let code = sms_code(app, phone).await;
    let r = app
        .post(
            "/api/v1/auth/sms/login",
            None,
            &json!({"phone": phone, "code": code, "join_code": join}),
        )
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    r.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn send(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: &Value,
) -> reqwest::Response {
    app.client
        .request(method, app.url(path))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap()
}

/// A JPEG with its own bytes (uploads are content-addressed: same bytes, same file).
fn photo(seed: u8) -> Vec<u8> {
    let mut j = crate::uploads::jpeg_with_gps();
    let at = j.windows(3).position(|w| w == [0x12, 0x34, 0x56]).unwrap();
    j[at + 2] = seed;
    j
}

async fn upload(app: &TestApp, token: &str, bytes: Vec<u8>) -> String {
    let part = reqwest::multipart::Part::bytes(bytes).file_name("p.jpg");
    let r = app
        .client
        .post(app.url("/api/v1/uploads"))
        .bearer_auth(token)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    v.get("upload_id")
        .or(v.get("id"))
        .and_then(Value::as_str)
        .unwrap()
        .to_string()
}

/// The stored (cleaned) bytes of an upload, and where its file lives.
async fn stored(app: &TestApp, token: &str, id: &str) -> (Vec<u8>, PathBuf) {
    let r = app.get(&format!("/api/v1/uploads/{id}"), Some(token)).await;
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.unwrap().to_vec();
    let sha = hex::encode(Sha256::digest(&bytes));
    let path = state(app)
        .settings
        .data_dir
        .join("uploads")
        .join(&sha[0..2])
        .join(&sha[2..4])
        .join(format!("{sha}.jpg"));
    (bytes, path)
}

async fn post(app: &TestApp, token: &str, text: &str, photos: &[&str], show_name: bool) -> i64 {
    let r = app
        .post(
            "/api/v1/suggestions",
            Some(token),
            &json!({"client_id": uuid::Uuid::new_v4().to_string(), "text": text, "photo_ids": photos, "show_name": show_name}),
        )
        .await;
    assert_eq!(r.status(), 202, "{}", r.text().await.unwrap());
    r.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

async fn grouped(app: &TestApp) {
    let done = eventually(30, || async {
        app.store
            .count_in_state(minyi::hall::status::SuggestionState::Queued)
            .await
            .unwrap()
            == 0
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

async fn batch(app: &TestApp, vol: &str) -> i64 {
    let r = app
        .post(
            "/api/v1/paper-batches",
            Some(vol),
            &json!({"community_id": app.ids.community_id.0, "collection_kind": "door_to_door", "collection_point": "5号楼入户走访", "collected_on": "2026-11-20", "sheet_count": 10}),
        )
        .await;
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

async fn entry(
    app: &TestApp,
    vol: &str,
    batch: i64,
    serial: &str,
    text: &str,
    name: &str,
    phone: &str,
) -> i64 {
    let r = app
        .post(
            &format!("/api/v1/paper-batches/{batch}/entries"),
            Some(vol),
            &json!({"serial": serial, "text": text, "name": name, "phone": phone}),
        )
        .await;
    assert_eq!(r.status(), 202, "{}", r.text().await.unwrap());
    r.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

async fn reply(app: &TestApp, worker: &str, topic: i64, body: &str) {
    let r = app
        .get(&format!("/api/v1/topics/{topic}"), Some(worker))
        .await;
    let etag = r.headers()["etag"].to_str().unwrap().to_string();
    let r = app
        .client
        .post(app.url(&format!("/api/v1/topics/{topic}/replies")))
        .bearer_auth(worker)
        .header("if-match", etag)
        .json(&json!({ "body": body }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
}

/// The archive's JSON document and its files.
async fn archive(resp: reqwest::Response) -> (Value, BTreeMap<String, Vec<u8>>) {
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/zip");
    let bytes = resp.bytes().await.unwrap().to_vec();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut files = BTreeMap::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let mut buf = Vec::new();
        f.read_to_end(&mut buf).unwrap();
        files.insert(f.name().unwrap().to_string(), buf);
    }
    let doc = serde_json::from_slice(&files["minyi-data.json"]).unwrap();
    (doc, files)
}

fn ids(list: &Value) -> Vec<i64> {
    let mut v: Vec<i64> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_i64().unwrap())
        .collect();
    v.sort();
    v
}

/// Direct SQL on the test's database, for what the API cannot do: scanning every table and
/// moving rows back in time.
enum Raw {
    Sqlite(sqlx::SqlitePool),
    Pg(sqlx::PgPool),
}

impl Raw {
    async fn open(app: &TestApp) -> Self {
        let url = state(app).settings.database_url();
        if url.starts_with("sqlite:") {
            Raw::Sqlite(sqlx::SqlitePool::connect(&url).await.unwrap())
        } else {
            Raw::Pg(sqlx::PgPool::connect(&url).await.unwrap())
        }
    }

    /// Run `sql` with `$1` a time and `$2` a text.
    async fn exec(&self, sql: &str, at: DateTime<Utc>, key: &str) -> u64 {
        match self {
            Raw::Sqlite(p) => sqlx::query(sql)
                .bind(at)
                .bind(key)
                .execute(p)
                .await
                .unwrap()
                .rows_affected(),
            Raw::Pg(p) => sqlx::query(sql)
                .bind(at)
                .bind(key)
                .execute(p)
                .await
                .unwrap()
                .rows_affected(),
        }
    }

    async fn count(&self, sql: &str) -> i64 {
        match self {
            Raw::Sqlite(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
            Raw::Pg(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
        }
    }

    /// Every table of the schema, as the database lists them.
    async fn tables(&self) -> Vec<String> {
        match self {
            Raw::Sqlite(p) => sqlx::query_scalar(
                "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name",
            )
            .fetch_all(p)
            .await
            .unwrap(),
            Raw::Pg(p) => sqlx::query_scalar(
                "select table_name::text from information_schema.tables \
                 where table_schema = 'public' and table_type = 'BASE TABLE' order by 1",
            )
            .fetch_all(p)
            .await
            .unwrap(),
        }
    }

    async fn columns(&self, table: &str) -> Vec<String> {
        match self {
            Raw::Sqlite(p) => {
                sqlx::query_scalar(&format!("select name from pragma_table_info('{table}')"))
                    .fetch_all(p)
                    .await
                    .unwrap()
            }
            Raw::Pg(p) => sqlx::query_scalar(
                "select column_name::text from information_schema.columns \
                 where table_schema = 'public' and table_name = $1",
            )
            .bind(table)
            .fetch_all(p)
            .await
            .unwrap(),
        }
    }

    /// Every row of `table`, all columns as text.
    async fn rows(&self, table: &str) -> Vec<String> {
        match self {
            Raw::Sqlite(p) => {
                let cols = self.columns(table).await;
                let expr = cols
                    .iter()
                    .map(|c| format!("coalesce(cast(\"{c}\" as text), '')"))
                    .collect::<Vec<_>>()
                    .join(" || '|' || ");
                // As bytes: some columns (the migrations' checksums) are not text.
                let rows: Vec<Vec<u8>> =
                    sqlx::query_scalar(&format!("select cast({expr} as blob) from \"{table}\""))
                        .fetch_all(p)
                        .await
                        .unwrap();
                rows.iter()
                    .map(|r| String::from_utf8_lossy(r).into_owned())
                    .collect()
            }
            Raw::Pg(p) => sqlx::query_scalar(&format!("select t::text from \"{table}\" t"))
                .fetch_all(p)
                .await
                .unwrap(),
        }
    }
}

/// Every file under `dir` that contains one of `needles`, with the needle.
fn files_containing(dir: &Path, needles: &[&str]) -> Vec<(PathBuf, String)> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let path = e.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let bytes = std::fs::read(&path).unwrap_or_default();
            for n in needles {
                if bytes.windows(n.len()).any(|w| w == n.as_bytes()) {
                    found.push((path.clone(), n.to_string()));
                }
            }
        }
    }
    found
}

async fn topic_counts(app: &TestApp, worker: &str) -> BTreeMap<i64, (i64, i64, i64)> {
    let c = app.ids.community_id.0;
    let list: Value = app
        .get(
            &format!("/api/v1/communities/{c}/topics?limit=100"),
            Some(worker),
        )
        .await
        .json()
        .await
        .unwrap();
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["id"].as_i64().unwrap(),
                (
                    t["member_count"].as_i64().unwrap(),
                    t["supporter_count"].as_i64().unwrap(),
                    t["paper_count"].as_i64().unwrap_or(0),
                ),
            )
        })
        .collect()
}

async fn confirmation(app: &TestApp, token: &str) -> String {
    let r = app
        .post("/api/v1/me/erasure", Some(token), &json!({}))
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    r.json::<Value>().await.unwrap()["confirmation"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn erase_me(app: &TestApp, token: &str, body: &Value) -> reqwest::Response {
    send(app, reqwest::Method::DELETE, "/api/v1/me", token, body).await
}

// --- stories ---------------------------------------------------------------------------------

async fn a_residents_export_holds_exactly_what_was_stored(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    let c = app.ids.community_id.0;
    let worker = app.staff_token("worker", "shegong.wu", &[c]).await;
    let vol = app.staff_token("volunteer", "zhiyuan.liu", &[c]).await;
    let phone = "13912345601";
    let me = sms_resident(&app, phone).await;
    let other = app.resident_token("邻居赵", c).await;

    // Profile, consent, two photos (one on a post, one never used), two posts, one support.
    let b: Value = app
        .post(
            &format!("/api/v1/communities/{c}/buildings"),
            Some(&worker),
            &json!({"name": "5号楼"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let r = send(
        &app,
        reqwest::Method::PUT,
        "/api/v1/me/profile",
        &me,
        &json!({"name": "甄秀兰", "building_id": b["id"]}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let version = state(&app).settings.privacy.notice_version.clone();
    let r = app
        .post(
            "/api/v1/me/consent",
            Some(&me),
            &json!({ "version": version }),
        )
        .await;
    assert_eq!(r.status(), 200);
    let p1 = upload(&app, &me, photo(1)).await;
    let p2 = upload(&app, &me, photo(2)).await;
    let s1 = post(
        &app,
        &me,
        "5号楼东侧的路灯坏了一个月，晚上出门很黑",
        &[&p1],
        true,
    )
    .await;
    let s2 = post(
        &app,
        &me,
        "小区垃圾分类的桶太少，经常满了溢出来",
        &[],
        false,
    )
    .await;
    let theirs = post(&app, &other, "东门的消防通道总是被私家车占用", &[], false).await;
    grouped(&app).await;
    let supported = topic_of(&app, theirs).await;
    let r = send(
        &app,
        reqwest::Method::PUT,
        &format!("/api/v1/topics/{supported}/support"),
        &me,
        &json!({}),
    )
    .await;
    assert_eq!(r.status(), 200);

    // A volunteer typed in a paper form for the same resident (same phone), and posted one for
    // them in assist mode; a worker called back and checked the form's contact.
    let bt = batch(&app, &vol).await;
    let paper = entry(
        &app,
        &vol,
        bt,
        "001",
        "楼道里堆了很多杂物，存在消防隐患",
        "甄秀兰",
        phone,
    )
    .await;
    let assisted = app
        .post(
            "/api/v1/suggestions",
            Some(&vol),
            &json!({"client_id": "assist-1", "text": "希望社区增加老年助餐点", "on_behalf": {"name": "甄秀兰", "phone": phone, "consent": true}}),
        )
        .await;
    assert_eq!(assisted.status(), 202);
    let assisted = assisted.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    grouped(&app).await;
    reply(
        &app,
        &worker,
        topic_of(&app, paper).await,
        "已安排物业清理楼道",
    )
    .await;
    let r = app
        .get(&format!("/api/v1/communities/{c}/callbacks"), Some(&worker))
        .await;
    assert_eq!(r.status(), 200);
    let r = app
        .post(
            &format!("/api/v1/paper-batches/{bt}/entries/{paper}/contact"),
            Some(&worker),
            &json!({"reason": "核对电话是否录错"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["phone"], phone);

    let (doc, files) = archive(app.get("/api/v1/me/export", Some(&me)).await).await;
    // The account, as stored.
    assert_eq!(doc["account"]["phone"], phone);
    assert_eq!(doc["account"]["name"], "甄秀兰");
    assert_eq!(doc["account"]["building"], "5号楼");
    assert_eq!(doc["consents"][0]["notice_version"], version.as_str());
    // Exactly the resident's own suggestions, texts as posted, photos with them.
    assert_eq!(ids(&doc["suggestions"]), vec![s1, s2]);
    let first = doc["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == s1)
        .unwrap();
    assert_eq!(first["text"], "5号楼东侧的路灯坏了一个月，晚上出门很黑");
    assert_eq!(first["show_name"], true);
    assert_eq!(first["photos"], json!([format!("photos/{p1}.jpg")]));
    assert!(
        first["created_at"].as_str().unwrap().ends_with("+08:00"),
        "local time"
    );
    // Both photos, byte for byte as stored; nobody else's.
    let mut photo_files: Vec<&String> = files.keys().filter(|k| k.starts_with("photos/")).collect();
    photo_files.sort();
    let mut expected = [format!("photos/{p1}.jpg"), format!("photos/{p2}.jpg")];
    expected.sort();
    assert_eq!(photo_files, expected.iter().collect::<Vec<_>>());
    for id in [&p1, &p2] {
        let (bytes, _) = stored(&app, &me, id).await;
        assert_eq!(files[&format!("photos/{id}.jpg")], bytes);
    }
    // The support, exactly.
    let supports: Vec<i64> = doc["supports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["topic_id"].as_i64().unwrap())
        .collect();
    assert_eq!(supports, vec![supported]);
    // The paper form and the assisted post, with who entered them and the consent.
    assert_eq!(ids(&doc["paper_forms"]), vec![paper, assisted]);
    let form = doc["paper_forms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == paper)
        .unwrap();
    assert_eq!(form["name_on_form"], "甄秀兰");
    assert_eq!(form["phone_on_form"], phone);
    assert_eq!(form["entered_by"]["name"], "zhiyuan.liu");
    assert_eq!(form["paper_batch"]["serial"], "001");
    let assist = doc["paper_forms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == assisted)
        .unwrap();
    assert_eq!(assist["consent"]["notice_version"], version.as_str());
    assert_eq!(assist["consent"]["recorded_by"], "zhiyuan.liu");
    // The call-back notice and who saw the phone, and why.
    assert!(doc["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["channel"] == "callback" && n["text"] == "已安排物业清理楼道"));
    let access = doc["access_log"].as_array().unwrap();
    let purposes: Vec<&str> = access
        .iter()
        .map(|a| a["purpose"].as_str().unwrap())
        .collect();
    assert!(
        purposes.contains(&"callback") && purposes.contains(&"paper_correction"),
        "{purposes:?}"
    );
    assert!(access.iter().all(|a| a["staff"] == "shegong.wu"));
    assert!(access
        .iter()
        .any(|a| a["reason"] == "核对电话是否录错" && a["purpose_label"] == "纸质表单核对更正"));
    // Topics with their timelines; logins.
    assert!(doc["topics"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["id"] == supported));
    assert!(!doc["logins"].as_array().unwrap().is_empty());
    // Nothing of the neighbour's.
    let text = doc.to_string();
    assert!(!text.contains("邻居赵"));
    assert!(!doc["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["id"] == theirs));
    assert!(files.contains_key("README.txt"));
}

async fn a_large_export_is_prepared_in_the_background_for_its_owner_only(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.privacy.export_inline_max_bytes = 0).await;
    let c = app.ids.community_id.0;
    let me = app.resident_token("钱大妈", c).await;
    let other = app.resident_token("孙大爷", c).await;
    let p = upload(&app, &me, photo(7)).await;
    post(&app, &me, "2号楼门口的台阶坏了，老人容易摔倒", &[&p], false).await;

    let r = app.get("/api/v1/me/export", Some(&me)).await;
    assert_eq!(r.status(), 202);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["state"], "pending");
    assert_eq!(body["url"], location.as_str());
    let ready = eventually(30, || async {
        app.get(&location, Some(&me)).await.status() == 200
    })
    .await;
    assert!(ready, "the export became ready");
    let (doc, files) = archive(app.get(&location, Some(&me)).await).await;
    assert_eq!(doc["account"]["name"], "钱大妈");
    assert!(files.contains_key(&format!("photos/{p}.jpg")));
    // Another resident cannot fetch it, nor guess a path.
    assert_problem(app.get(&location, Some(&other)).await, 404, "not_found").await;
    assert_problem(
        app.get("/api/v1/me/export/..%2F..%2Fminyi.db", Some(&me))
            .await,
        404,
        "not_found",
    )
    .await;
    let export_id = body["export_id"].as_str().unwrap();
    assert!(state(&app)
        .settings
        .data_dir
        .join("exports")
        .join(format!("{export_id}.zip"))
        .exists());
    // Staff have no `/me/export`.
    let worker = app.staff_token("worker", "shegong.qian", &[c]).await;
    assert_problem(
        app.get("/api/v1/me/export", Some(&worker)).await,
        403,
        "forbidden",
    )
    .await;
}

async fn an_erased_resident_leaves_no_personal_data_in_any_table_or_file(backend: Backend) {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let openid = "o-privacy-erasure-openid-42";
    let wechat = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/sns/jscode2session"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"openid": openid, "session_key": "k"})),
        )
        .mount(&wechat)
        .await;
    let uri = wechat.uri();
    let app = spawn_app_with(backend, move |s| {
        db_in_data_dir(backend, s);
        s.wechat.api_base = uri;
        s.wechat.appid = "wx-test".into();
        s.wechat.secret = secrecy::SecretString::from("wx-secret");
        s.privacy.export_inline_max_bytes = 0;
    })
    .await;
    let c = app.ids.community_id.0;
    let (name, phone) = ("甄秀兰", "13911112222");
    let worker = app.staff_token("worker", "shegong.zhou", &[c]).await;
    let vol = app.staff_token("volunteer", "zhiyuan.zheng", &[c]).await;
    let other = app.resident_token("邻居赵", c).await;

    // A WeChat resident who adds a name and a phone (proven by a code), posts with photos,
    // supports, answers, and has a paper form and an export on file.
    let r = app
        .post("/api/v1/auth/wechat", None, &json!({"code": "c1"}))
        .await;
    let me = r.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let r = send(
        &app,
        reqwest::Method::PUT,
        "/api/v1/me/community",
        &me,
        &json!({"code": app.join_code(c).await}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let r = send(
        &app,
        reqwest::Method::PUT,
        "/api/v1/me/profile",
        &me,
        &json!({"name": name}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let code = sms_code(&app, phone).await;
    let r = send(
        &app,
        reqwest::Method::PUT,
        "/api/v1/me/phone",
        &me,
        &json!({"phone": phone, "code": code}),
    )
    .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let version = state(&app).settings.privacy.notice_version.clone();
    app.post(
        "/api/v1/me/consent",
        Some(&me),
        &json!({ "version": version }),
    )
    .await;
    let mine = upload(&app, &me, photo(11)).await;
    let shared_bytes = photo(12);
    let shared = upload(&app, &me, shared_bytes.clone()).await;
    let theirs_copy = upload(&app, &other, shared_bytes).await;
    let s1 = post(
        &app,
        &me,
        &format!("我是{name}，电话{phone}，5号楼楼道的灯坏了很久"),
        &[&mine, &shared],
        true,
    )
    .await;
    let theirs = post(&app, &other, "东门消防通道被私家车占用，很危险", &[], false).await;
    let bt = batch(&app, &vol).await;
    let paper = entry(
        &app,
        &vol,
        bt,
        "009",
        "小区健身器材坏了好几件，希望维修",
        name,
        phone,
    )
    .await;
    grouped(&app).await;
    let t1 = topic_of(&app, s1).await;
    let t2 = topic_of(&app, theirs).await;
    send(
        &app,
        reqwest::Method::PUT,
        &format!("/api/v1/topics/{t2}/support"),
        &me,
        &json!({}),
    )
    .await;
    reply(&app, &worker, t1, &format!("已联系{name}了解情况")).await;
    reply(&app, &worker, topic_of(&app, paper).await, "已报修").await;
    app.get(&format!("/api/v1/communities/{c}/callbacks"), Some(&worker))
        .await;
    let meeting: Value = app
        .post(
            &format!("/api/v1/communities/{c}/meetings"),
            Some(&worker),
            &json!({"title": "居民议事会", "held_at": "2026-11-28T07:00:00Z", "place": "活动室"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let m = meeting["meeting_id"].as_i64().unwrap();
    let r = app
        .get(&format!("/api/v1/meetings/{m}"), Some(&worker))
        .await;
    let etag = r.headers()["etag"].to_str().unwrap().to_string();
    let r = app
        .client
        .patch(app.url(&format!("/api/v1/meetings/{m}")))
        .bearer_auth(&worker)
        .header("if-match", etag)
        .json(
            &json!({"attendance_count": 3, "attendance_names": format!("{name}、李建国、王大爷")}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let r = app.get("/api/v1/me/export", Some(&me)).await;
    assert_eq!(r.status(), 202);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    assert!(
        eventually(30, || async {
            app.get(&location, Some(&me)).await.status() == 200
        })
        .await
    );
    let (_, mine_path) = stored(&app, &me, &mine).await;
    let (_, shared_path) = stored(&app, &me, &shared).await;
    assert!(mine_path.exists() && shared_path.exists());

    let raw = Raw::open(&app).await;
    let needles = [phone, name, openid];
    let mut before = Vec::new();
    for t in raw.tables().await {
        for row in raw.rows(&t).await {
            if needles.iter().any(|n| row.contains(n)) {
                before.push(t.clone());
            }
        }
    }
    assert!(
        before.contains(&"account".to_string()) && before.contains(&"person".to_string()),
        "the scan sees stored data: {before:?}"
    );
    let counts = topic_counts(&app, &worker).await;

    // No erasure without the confirmation step; a confirmation of another account is not one.
    assert_problem(
        erase_me(&app, &me, &json!({})).await,
        428,
        "confirmation_required",
    )
    .await;
    assert_problem(
        erase_me(&app, &me, &json!({"confirmation": "forged"})).await,
        422,
        "confirmation_invalid",
    )
    .await;
    let theirs_confirmation = confirmation(&app, &other).await;
    assert_problem(
        erase_me(&app, &me, &json!({"confirmation": theirs_confirmation})).await,
        404,
        "not_found",
    )
    .await;
    let preview: Value = app
        .post("/api/v1/me/erasure", Some(&me), &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(preview["suggestions"], 1);
    assert_eq!(preview["paper_forms"], 1);
    let r = erase_me(&app, &me, &json!({"confirmation": preview["confirmation"]})).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let summary: Value = r.json().await.unwrap();
    assert_eq!(summary["summary"]["suggestions_kept_anonymous"], 2);
    assert_eq!(summary["summary"]["photos_deleted"], 2);

    // Sessions end at once.
    assert_problem(app.get("/api/v1/me", Some(&me)).await, 401, "invalid_token").await;
    // No table holds the phone, the name or the openid any more; nor does any file.
    let mut left = Vec::new();
    for t in raw.tables().await {
        for row in raw.rows(&t).await {
            for n in needles {
                if row.contains(n) {
                    left.push(format!("{t}: {n}: {row}"));
                }
            }
        }
    }
    assert!(left.is_empty(), "personal data left: {left:#?}");
    let data_dir = state(&app).settings.data_dir.clone();
    let files = files_containing(&data_dir, &needles);
    assert!(files.is_empty(), "personal data in files: {files:?}");
    assert!(!mine_path.exists(), "the photo file is deleted");
    assert!(
        shared_path.exists(),
        "a photo another resident also uploaded stays theirs"
    );
    assert_eq!(
        app.get(&format!("/api/v1/uploads/{theirs_copy}"), Some(&other))
            .await
            .status(),
        200
    );
    let exports = std::fs::read_dir(data_dir.join("exports"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(exports, 0, "the export archive is deleted");
    // Topic counts and the deliberation record stay true; the voice is anonymous.
    assert_eq!(topic_counts(&app, &worker).await, counts);
    let t: Value = app
        .get(&format!("/api/v1/topics/{t1}"), Some(&other))
        .await
        .json()
        .await
        .unwrap();
    let voice = t["voices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["text"].as_str().unwrap().contains("楼道的灯"))
        .unwrap();
    assert_eq!(voice["author"], Value::Null);
    assert_eq!(voice["text"], "我是***，电话***，5号楼楼道的灯坏了很久");
    // The erasure is recorded, without the personal data (the scan above covered audit_log).
    assert_eq!(
        raw.count("select count(*) from audit_log where action = 'account.erase'")
            .await,
        1
    );
    // The same WeChat user coming back starts afresh.
    let r = app
        .post("/api/v1/auth/wechat", None, &json!({"code": "c3"}))
        .await;
    assert_eq!(r.status(), 200);
}

async fn erasing_can_also_withdraw_the_suggestions(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    let c = app.ids.community_id.0;
    let worker = app.staff_token("worker", "shegong.he", &[c]).await;
    let me = app.resident_token("何阿姨", c).await;
    let other = app.resident_token("吕大爷", c).await;
    let s = post(&app, &me, "3号楼的电梯又坏了，已经停了一个星期", &[], true).await;
    let o = post(&app, &other, "3号楼电梯坏了一个星期还没修好", &[], false).await;
    grouped(&app).await;
    let t = topic_of(&app, s).await;
    assert_eq!(t, topic_of(&app, o).await);
    assert_eq!(topic_counts(&app, &worker).await[&t].0, 2);
    let token = confirmation(&app, &me).await;
    let r = erase_me(
        &app,
        &me,
        &json!({"confirmation": token, "withdraw_suggestions": true}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["summary"]["suggestions_withdrawn"], 1);
    assert_eq!(body["summary"]["suggestions_kept_anonymous"], 0);
    assert_eq!(
        topic_counts(&app, &worker).await[&t].0,
        1,
        "withdrawn, so no longer counted"
    );
}

async fn retention_erases_what_is_due_and_nothing_else(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    let c = app.ids.community_id.0;
    let st = state(&app);
    // The worker's first run happens at start; wait for it so it cannot race this story.
    let runs = || {
        st.metrics
            .privacy
            .retention_runs
            .with_label_values(&["ok"])
            .get()
    };
    assert!(eventually(10, || async { runs() >= 1 }).await);
    let raw = Raw::open(&app).await;
    let long_ago = Utc::now() - Duration::days(800);
    let worker = app.staff_token("worker", "shegong.feng", &[c]).await;
    let vol = app.staff_token("volunteer", "zhiyuan.chen", &[c]).await;

    // Paper forms: one old, one recent, one old but called back recently.
    let bt = batch(&app, &vol).await;
    let old = entry(
        &app,
        &vol,
        bt,
        "1",
        "东门的路灯晚上不亮，出入很不方便",
        "老张",
        "13700000001",
    )
    .await;
    entry(
        &app,
        &vol,
        bt,
        "2",
        "垃圾分类桶太少，经常满出来",
        "老李",
        "13700000002",
    )
    .await;
    let called = entry(
        &app,
        &vol,
        bt,
        "3",
        "希望在活动室增加健身器材和乒乓球台",
        "老王",
        "13700000003",
    )
    .await;
    grouped(&app).await;
    assert_ne!(topic_of(&app, old).await, topic_of(&app, called).await);
    for phone in ["13700000001", "13700000003"] {
        raw.exec(
            "update person set created_at = $1 where phone = $2",
            long_ago,
            phone,
        )
        .await;
        raw.exec("update suggestion set created_at = $1 where author_person_id in (select person_id from person where phone = $2)", long_ago, phone).await;
    }
    reply(
        &app,
        &worker,
        topic_of(&app, called).await,
        "已采购健身器材",
    )
    .await;
    // Accounts: one inactive for long, one new, one old that posted today.
    let inactive = sms_resident(&app, "13600000001").await;
    drop(inactive);
    let _active = sms_resident(&app, "13600000002").await;
    let returning = sms_resident(&app, "13600000003").await;
    for phone in ["13600000001", "13600000003"] {
        raw.exec(
            "update account set created_at = $1 where phone = $2",
            long_ago,
            phone,
        )
        .await;
        raw.exec("update session set created_at = $1 where account_id in (select account_id from account where phone = $2)", long_ago, phone).await;
        raw.exec("update refresh_token set issued_at = $1 where session_id in (select session_id from session where account_id in (select account_id from account where phone = $2))", long_ago, phone).await;
    }
    // SMS codes: every code so far is old; one more is sent today.
    let old_codes = raw
        .exec(
            "update sms_code set created_at = $1 where phone_key <> $2",
            long_ago,
            "",
        )
        .await;
    sms_code(&app, "13600000009").await;
    // Photos: a resident's old unused one and old one of a withdrawn post are due; a recent
    // unused one, an old one on a live post and a volunteer's old one are not.
    let old_unused = upload(&app, &returning, photo(21)).await;
    let recent_unused = upload(&app, &returning, photo(22)).await;
    let old_live = upload(&app, &returning, photo(23)).await;
    let old_withdrawn = upload(&app, &returning, photo(24)).await;
    let staff_old = upload(&app, &vol, photo(25)).await;
    post(
        &app,
        &returning,
        "小区南门的地面坑洼不平，下雨积水",
        &[&old_live],
        false,
    )
    .await;
    let w = post(
        &app,
        &returning,
        "楼下的快递柜经常坏，取件很不方便",
        &[&old_withdrawn],
        false,
    )
    .await;
    let r = app
        .post(
            &format!("/api/v1/suggestions/{w}/withdraw"),
            Some(&returning),
            &json!({}),
        )
        .await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    for id in [&old_unused, &old_live, &old_withdrawn, &staff_old] {
        raw.exec(
            "update upload set created_at = $1 where upload_id = $2",
            long_ago,
            id,
        )
        .await;
    }
    let (_, old_unused_file) = stored(&app, &returning, &old_unused).await;
    let (_, recent_file) = stored(&app, &returning, &recent_unused).await;
    // An export past its time.
    let account = st
        .store
        .account_by_username("shegong.feng")
        .await
        .unwrap()
        .unwrap()
        .account_id;
    st.store
        .create_export(
            &"e".repeat(32),
            account,
            long_ago,
            long_ago + Duration::hours(1),
        )
        .await
        .unwrap();
    let export_file = st
        .settings
        .data_dir
        .join("exports")
        .join(format!("{}.zip", "e".repeat(32)));
    std::fs::create_dir_all(export_file.parent().unwrap()).unwrap();
    std::fs::write(&export_file, b"old").unwrap();

    let report = st.privacy.run_retention(Utc::now()).await.unwrap();
    assert_eq!(report.paper_contacts, 1, "{report:?}");
    assert_eq!(report.account_phones, 1, "{report:?}");
    assert_eq!(report.sms_codes, old_codes, "{report:?}");
    assert_eq!(report.unpublished_photos, 2, "{report:?}");
    assert_eq!(report.photo_files, 2, "{report:?}");
    assert_eq!(report.expired_exports, 1, "{report:?}");
    assert_eq!(report.erased_account_leftovers, 0, "{report:?}");
    // Exactly those.
    let phones = |n: &str| format!("select count(*) from person where phone = '{n}'");
    assert_eq!(raw.count(&phones("13700000001")).await, 0);
    assert_eq!(
        raw.count("select count(*) from person where name = '老张'")
            .await,
        0
    );
    assert_eq!(raw.count(&phones("13700000002")).await, 1);
    assert_eq!(raw.count(&phones("13700000003")).await, 1);
    let accounts = |n: &str| format!("select count(*) from account where phone = '{n}'");
    assert_eq!(raw.count(&accounts("13600000001")).await, 0);
    assert_eq!(raw.count(&accounts("13600000002")).await, 1);
    assert_eq!(raw.count(&accounts("13600000003")).await, 1);
    assert_eq!(raw.count("select count(*) from sms_code").await, 1);
    let uploads = |id: &str| format!("select count(*) from upload where upload_id = '{id}'");
    assert_eq!(raw.count(&uploads(&old_unused)).await, 0);
    assert_eq!(raw.count(&uploads(&old_withdrawn)).await, 0);
    assert_eq!(raw.count(&uploads(&recent_unused)).await, 1);
    assert_eq!(raw.count(&uploads(&old_live)).await, 1);
    assert_eq!(raw.count(&uploads(&staff_old)).await, 1);
    assert!(!old_unused_file.exists() && recent_file.exists());
    assert!(!export_file.exists());
    // Idempotent: a second run finds nothing; the run is recorded and counted.
    let again = st.privacy.run_retention(Utc::now()).await.unwrap();
    assert_eq!(again.total(), 0, "{again:?}");
    assert_eq!(
        raw.count("select count(*) from audit_log where action = 'retention.erase'")
            .await,
        1
    );
    let metrics = app.get("/metrics", None).await.text().await.unwrap();
    assert!(
        metrics.contains("minyi_privacy_retention_erased_total{kind=\"paper_contacts\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("minyi_privacy_retention_erased_total{kind=\"unpublished_photos\"} 2"));
}

async fn a_resident_cannot_export_or_erase_another(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.privacy.export_inline_max_bytes = 0).await;
    let c = app.ids.community_id.0;
    let a = app.resident_token("周阿姨", c).await;
    let b = app.resident_token("吴大爷", c).await;
    post(&app, &a, "4号楼的下水道经常堵塞，味道很大", &[], false).await;
    let r = app.get("/api/v1/me/export", Some(&a)).await;
    let location = r.headers()["location"].to_str().unwrap().to_string();
    assert_problem(app.get(&location, Some(&b)).await, 404, "not_found").await;
    let a_confirms = confirmation(&app, &a).await;
    assert_problem(
        erase_me(&app, &b, &json!({"confirmation": a_confirms})).await,
        404,
        "not_found",
    )
    .await;
    // Both are still there.
    assert_eq!(app.get("/api/v1/me", Some(&a)).await.status(), 200);
    assert_eq!(app.get("/api/v1/me", Some(&b)).await.status(), 200);
    // A confirmation from another session of the same resident is not this session's.
    let a_again = app.resident_token("周阿姨", c).await;
    assert_problem(
        erase_me(&app, &a_again, &json!({"confirmation": a_confirms})).await,
        404,
        "not_found",
    )
    .await;
}

async fn the_chosen_name_is_shown_where_allowed_and_masked_otherwise(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    let c = app.ids.community_id.0;
    let worker = app.staff_token("worker", "shegong.tang", &[c]).await;
    let li = sms_resident(&app, "13800001111").await;
    let me: Value = app.get("/api/v1/me", Some(&li)).await.json().await.unwrap();
    assert_eq!(
        me["display_name"], "居民1111",
        "the SMS default before a name is chosen"
    );
    let b: Value = app
        .post(
            &format!("/api/v1/communities/{c}/buildings"),
            Some(&worker),
            &json!({"name": "7号楼"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let r = send(
        &app,
        reqwest::Method::PUT,
        "/api/v1/me/profile",
        &li,
        &json!({"name": " 李建国 ", "building_id": b["id"]}),
    )
    .await;
    let profile: Value = r.json().await.unwrap();
    assert_eq!(profile["name"], "李建国");
    assert_eq!(profile["building_name"], "7号楼");
    assert_eq!(profile["phone"], "138****1111");
    let me: Value = app.get("/api/v1/me", Some(&li)).await.json().await.unwrap();
    assert_eq!(me["display_name"], "李建国");
    let zhao = sms_resident(&app, "13800002222").await;
    send(
        &app,
        reqwest::Method::PUT,
        "/api/v1/me/profile",
        &zhao,
        &json!({"name": "赵淑芬"}),
    )
    .await;
    let s1 = post(&app, &li, "7号楼电梯经常停运，老人上下楼很困难", &[], true).await;
    let s2 = post(
        &app,
        &zhao,
        "7号楼电梯停运好几次了，老人上下楼困难",
        &[],
        false,
    )
    .await;
    grouped(&app).await;
    let t = topic_of(&app, s1).await;
    assert_eq!(t, topic_of(&app, s2).await);
    let as_resident: Value = app
        .get(&format!("/api/v1/topics/{t}"), Some(&zhao))
        .await
        .json()
        .await
        .unwrap();
    let mut authors: Vec<Value> = as_resident["voices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["author"].clone())
        .collect();
    authors.sort_by_key(|a| a.to_string());
    assert_eq!(authors, vec![json!("李建国"), Value::Null]);
    let as_staff: Value = app
        .get(&format!("/api/v1/topics/{t}"), Some(&worker))
        .await
        .json()
        .await
        .unwrap();
    let mut authors: Vec<&str> = as_staff["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["author"].as_str().unwrap())
        .collect();
    authors.sort();
    assert_eq!(authors, vec!["李建国", "赵**"]);
    // Bad input is refused clearly; a building of another community is unknown.
    let r = send(
        &app,
        reqwest::Method::PUT,
        "/api/v1/me/profile",
        &li,
        &json!({"name": "名".repeat(21)}),
    )
    .await;
    assert_problem(r, 422, "validation_failed").await;
    let r = send(
        &app,
        reqwest::Method::PUT,
        "/api/v1/me/profile",
        &li,
        &json!({"building_id": 99999}),
    )
    .await;
    assert_problem(r, 422, "validation_failed").await;
    // Clearing the name hides it again.
    send(
        &app,
        reqwest::Method::PUT,
        "/api/v1/me/profile",
        &li,
        &json!({"name": null}),
    )
    .await;
    let as_resident: Value = app
        .get(&format!("/api/v1/topics/{t}"), Some(&zhao))
        .await
        .json()
        .await
        .unwrap();
    assert!(as_resident["voices"]
        .as_array()
        .unwrap()
        .iter()
        .all(|v| v["author"].is_null()));
}

async fn consent_to_the_notice_is_recorded_and_a_new_version_asks_again(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.privacy.notice_version = "2025-09".into()).await;
    let c = app.ids.community_id.0;
    let notice: Value = app
        .get("/api/v1/privacy/notice", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(notice["version"], "2025-09");
    assert!(notice["text"].as_str().unwrap().contains("180 天"));
    assert!(notice["text_en"].as_str().unwrap().contains("180 days"));
    let me = app.resident_token("冯阿姨", c).await;
    let s: Value = app
        .get("/api/v1/me/consent", Some(&me))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(s["needs_consent"], true);
    assert_problem(
        app.post(
            "/api/v1/me/consent",
            Some(&me),
            &json!({"version": "2024-01"}),
        )
        .await,
        409,
        "notice_outdated",
    )
    .await;
    let s: Value = app
        .post(
            "/api/v1/me/consent",
            Some(&me),
            &json!({"version": "2025-09"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(s["needs_consent"], false);
    assert_eq!(s["accepted_version"], "2025-09");
    assert!(s["accepted_at"].is_string());
    // A resident who accepted only an older version is asked again.
    let old = app.resident_token("陈大爷", c).await;
    let id: i64 = app
        .get("/api/v1/me", Some(&old))
        .await
        .json::<Value>()
        .await
        .unwrap()["account_id"]
        .as_i64()
        .unwrap();
    state(&app)
        .store
        .accept_notice(minyi::domain::ids::AccountId(id), "2025-01", Utc::now())
        .await
        .unwrap();
    let s: Value = app
        .get("/api/v1/me/consent", Some(&old))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(s["needs_consent"], true);
    assert_eq!(s["accepted_version"], "2025-01");
    // An assist-mode consent stays linked to its suggestion, with the version then in force.
    let vol = app.staff_token("volunteer", "zhiyuan.jiang", &[c]).await;
    let r = app
        .post("/api/v1/suggestions", Some(&vol), &json!({"client_id": "a-1", "text": "希望增加社区食堂的营业时间", "on_behalf": {"name": "蒋奶奶", "consent": true}}))
        .await;
    let sid = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let consent = state(&app)
        .store
        .suggestion_consent(minyi::domain::ids::SuggestionId(sid))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(consent.kind, "assist");
    assert_eq!(consent.notice_version, "2025-09");
    assert_eq!(consent.recorded_by_name.as_deref(), Some("zhiyuan.jiang"));
    // A retry of the same assisted post records nothing twice.
    app.post("/api/v1/suggestions", Some(&vol), &json!({"client_id": "a-1", "text": "希望增加社区食堂的营业时间", "on_behalf": {"name": "蒋奶奶", "consent": true}})).await;
    let raw = Raw::open(&app).await;
    assert_eq!(
        raw.count("select count(*) from privacy_consent where kind = 'assist'")
            .await,
        1
    );
}

async fn a_phone_change_needs_the_code_sent_to_it_and_a_taken_number_is_refused(backend: Backend) {
    // The story sends two codes to one number within a minute.
    let app = spawn_app_with(backend, |s| s.sms.per_phone_per_minute = 5).await;
    let c = app.ids.community_id.0;
    let me = app.resident_token("褚阿姨", c).await;
    let taken = sms_resident(&app, "13900009999").await;
    drop(taken);
    let new_phone = "13900001234";
    let r = app
        .post("/api/v1/me/phone/code", Some(&me), &json!({"phone": "123"}))
        .await;
    assert_problem(r, 422, "validation_failed").await;
    let r = app
        .post(
            "/api/v1/me/phone/code",
            Some(&me),
            &json!({ "phone": new_phone }),
        )
        .await;
    assert_eq!(r.status(), 202);
    let code = app.sms.last_code(new_phone).unwrap();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let r = send(
        &app,
        reqwest::Method::PUT,
        "/api/v1/me/phone",
        &me,
        &json!({"phone": new_phone, "code": wrong}),
    )
    .await;
    assert_problem(r, 401, "sms_code_wrong").await;
    let r = send(
        &app,
        reqwest::Method::PUT,
        "/api/v1/me/phone",
        &me,
        &json!({"phone": new_phone, "code": code}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let body = r.text().await.unwrap();
    assert!(
        !body.contains(new_phone),
        "the full number is never sent back: {body}"
    );
    assert!(body.contains("139****1234"));
    // The number now logs in to the same account.
    let again = sms_resident(&app, new_phone).await;
    let a: Value = app.get("/api/v1/me", Some(&me)).await.json().await.unwrap();
    let b: Value = app
        .get("/api/v1/me", Some(&again))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(a["account_id"], b["account_id"]);
    // Another account's number is refused, even with its code.
    let code = sms_code(&app, "13900009999").await;
    let r = send(
        &app,
        reqwest::Method::PUT,
        "/api/v1/me/phone",
        &me,
        &json!({"phone": "13900009999", "code": code}),
    )
    .await;
    assert_problem(r, 409, "phone_taken").await;
    // The change is audited with the numbers masked.
    let raw = Raw::open(&app).await;
    assert_eq!(raw.count("select count(*) from audit_log where action = 'account.phone' and after_json like '%139****1234%'").await, 1);
    assert_eq!(
        raw.count("select count(*) from audit_log where after_json like '%13900001234%'")
            .await,
        0
    );
}

async fn staff_erase_a_paper_form_resident_with_who_and_why(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    let c = app.ids.community_id.0;
    let worker = app.staff_token("worker", "shegong.wei", &[c]).await;
    let vol = app.staff_token("volunteer", "zhiyuan.shen", &[c]).await;
    let bt = batch(&app, &vol).await;
    let a1 = entry(
        &app,
        &vol,
        bt,
        "1",
        "小区北门的垃圾站气味很大",
        "韩秀英",
        "13512340001",
    )
    .await;
    let a2 = entry(
        &app,
        &vol,
        bt,
        "2",
        "建议在广场增加座椅供老人休息",
        "韩秀英",
        "135-1234-0001",
    )
    .await;
    let keep = entry(
        &app,
        &vol,
        bt,
        "3",
        "楼道灯坏了没人修",
        "杨建华",
        "13512340002",
    )
    .await;
    grouped(&app).await;
    let counts = topic_counts(&app, &worker).await;
    let path = format!("/api/v1/communities/{c}/person-erasures");
    assert_problem(
        app.post(
            &path,
            Some(&vol),
            &json!({"phone": "13512340001", "reason": "本人来电要求"}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.post(&path, Some(&worker), &json!({"phone": "13512340001"}))
            .await,
        400,
        "invalid_field",
    )
    .await;
    assert_problem(
        app.post(
            &path,
            Some(&worker),
            &json!({"phone": "13512340001", "reason": " "}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_problem(
        app.post(&path, Some(&worker), &json!({"reason": "本人来电要求"}))
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_problem(
        app.post(
            &path,
            Some(&worker),
            &json!({"phone": "13500000000", "reason": "本人来电要求"}),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    let other = app.other_community().await;
    assert_problem(
        app.post(
            &format!("/api/v1/communities/{other}/person-erasures"),
            Some(&worker),
            &json!({"phone": "13512340001", "reason": "本人来电要求"}),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    // By one of her forms: both of her forms (same phone) are erased, the other person's not.
    let r = app
        .post(
            &path,
            Some(&worker),
            &json!({"suggestion_id": a1, "reason": "本人来电要求删除"}),
        )
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["summary"]["paper_persons_erased"], 2);
    let raw = Raw::open(&app).await;
    assert_eq!(
        raw.count("select count(*) from person where name = '韩秀英' or phone = '13512340001'")
            .await,
        0
    );
    assert_eq!(
        raw.count("select count(*) from person where name = '杨建华'")
            .await,
        1
    );
    for s in [a1, a2, keep] {
        assert!(app
            .store
            .suggestion(minyi::domain::ids::SuggestionId(s))
            .await
            .unwrap()
            .is_some());
    }
    assert_eq!(
        topic_counts(&app, &worker).await,
        counts,
        "her forms stay as anonymous voices"
    );
    let audit = raw.count("select count(*) from audit_log where action = 'person.erase' and reason = '本人来电要求删除' and actor_account_id is not null").await;
    assert_eq!(audit, 1, "who and why");
}

async fn staff_reveals_are_logged_and_admins_read_them_for_their_area(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    let c = app.ids.community_id.0;
    let worker = app.staff_token("worker", "shegong.ma", &[c]).await;
    let vol = app.staff_token("volunteer", "zhiyuan.zhu", &[c]).await;
    let bt = batch(&app, &vol).await;
    let e = entry(
        &app,
        &vol,
        bt,
        "1",
        "社区卫生服务站排队时间太长",
        "秦桂兰",
        "13312345678",
    )
    .await;
    grouped(&app).await;
    reply(&app, &worker, topic_of(&app, e).await, "已与卫生服务站沟通").await;
    let list: Value = app
        .get(&format!("/api/v1/communities/{c}/callbacks"), Some(&vol))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"][0]["phone"], "13312345678");
    let r = app
        .post(
            &format!("/api/v1/paper-batches/{bt}/entries/{e}/contact"),
            Some(&worker),
            &json!({"reason": "核对手写电话"}),
        )
        .await;
    let contact: Value = r.json().await.unwrap();
    assert_eq!(contact, json!({"name": "秦桂兰", "phone": "13312345678"}));
    // Outside the batch's community: 404; a resident: 403.
    let resident = app.resident_token("居民甲", c).await;
    assert_problem(
        app.post(
            &format!("/api/v1/paper-batches/{bt}/entries/{e}/contact"),
            Some(&resident),
            &json!({}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.post(
            &format!("/api/v1/paper-batches/{bt}/entries/999999/contact"),
            Some(&worker),
            &json!({}),
        )
        .await,
        404,
        "not_found",
    )
    .await;

    let admin = app.admin_token().await;
    let log: Value = app
        .get("/api/v1/access-log", Some(&admin))
        .await
        .json()
        .await
        .unwrap();
    let items = log["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{log}");
    assert_eq!(items[0]["staff_name"], "shegong.ma", "newest first");
    assert_eq!(items[0]["purpose"], "paper_correction");
    assert_eq!(items[0]["purpose_label"], "纸质表单核对更正");
    assert_eq!(items[0]["reason"], "核对手写电话");
    assert_eq!(
        items[0]["subject_name"], "秦**",
        "the log itself shows names masked"
    );
    assert_eq!(items[0]["fields"], json!(["name", "phone"]));
    assert_eq!(items[1]["staff_name"], "zhiyuan.zhu");
    assert_eq!(items[1]["purpose_label"], "电话回访");
    assert!(!log.to_string().contains("13312345678"));
    let page: Value = app
        .get("/api/v1/access-log?limit=1", Some(&admin))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    let cursor = page["next_cursor"].as_i64().unwrap();
    let next: Value = app
        .get(
            &format!("/api/v1/access-log?limit=1&cursor={cursor}"),
            Some(&admin),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(next["items"][0]["staff_name"], "zhiyuan.zhu");
    assert_problem(
        app.get("/api/v1/access-log", Some(&worker)).await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.get("/api/v1/access-log?community_id=999999", Some(&admin))
            .await,
        404,
        "not_found",
    )
    .await;
}

async fn every_personal_field_of_the_catalogue_exists_in_the_schema(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    let raw = Raw::open(&app).await;
    let tables = raw.tables().await;
    for field in minyi::privacy::catalogue::CATALOGUE {
        for (table, column) in field.lives_in {
            if table.starts_with("data_dir/") {
                continue;
            }
            assert!(
                tables.contains(&table.to_string()),
                "{}: no table {table}",
                field.field
            );
            let columns = raw.columns(table).await;
            assert!(
                columns.contains(&column.to_string()),
                "{}: no column {table}.{column}",
                field.field
            );
        }
    }
}
