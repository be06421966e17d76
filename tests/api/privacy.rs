//! Residents' data rights (PIPL): export, correct, erase, retention, consent, the access log —
//! and the profile name shown where the resident allowed it.
use crate::both_backends;
use crate::helpers::{
    assert_problem, eventually, expect_json, item_with_id, spawn_app_with, Backend, TestApp,
};
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

both_backends!(
    a_residents_export_holds_their_account_posts_photos_and_support_as_stored,
    a_residents_export_holds_their_paper_forms_who_saw_their_phone_and_nothing_of_others,
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

/// One paper form: serial, text, name and phone on it.
type Form<'a> = [&'a str; 4];

async fn entry(app: &TestApp, vol: &str, batch: i64, [serial, text, name, phone]: Form<'_>) -> i64 {
    let body = json!({"serial": serial, "text": text, "name": name, "phone": phone});
    let path = format!("/api/v1/paper-batches/{batch}/entries");
    app.post_expect(&path, Some(vol), &body, 202).await["id"]
        .as_i64()
        .unwrap()
}

/// A volunteer's new batch with these forms typed in; the batch and the forms' ids.
async fn forms(app: &TestApp, vol: &str, forms: &[Form<'_>]) -> (i64, Vec<i64>) {
    let bt = batch(app, vol).await;
    let mut ids = Vec::new();
    for form in forms {
        ids.push(entry(app, vol, bt, *form).await);
    }
    (bt, ids)
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

/// A resident who did everything the export covers, and the export they downloaded.
struct Exported {
    app: TestApp,
    phone: &'static str,
    version: String,
    me: String,
    p1: String,
    p2: String,
    s1: i64,
    s2: i64,
    theirs: i64,
    supported: i64,
    paper: i64,
    assisted: i64,
    doc: Value,
    files: BTreeMap<String, Vec<u8>>,
}

async fn a_resident_with_everything_on_file_exports_it(backend: Backend) -> Exported {
    let app = spawn_app_with(backend, |_| {}).await;
    let c = app.ids.community_id.0;
    let worker = app.staff_token("worker", "shegong.wu", &[c]).await;
    let phone = "13912345601";
    let me = sms_resident(&app, phone).await;
    let other = app.resident_token("邻居赵", c).await;

    // Profile, consent, two photos (one on a post, one never used), two posts, one support.
    let buildings = format!("/api/v1/communities/{c}/buildings");
    let b = app
        .post_expect(&buildings, Some(&worker), &json!({"name": "5号楼"}), 201)
        .await;
    let profile = json!({"name": "甄秀兰", "building_id": b["id"]});
    app.put_expect("/api/v1/me/profile", Some(&me), &profile, 200)
        .await;
    let version = state(&app).settings.privacy.notice_version.clone();
    let consent = json!({ "version": version });
    app.post_expect("/api/v1/me/consent", Some(&me), &consent, 200)
        .await;
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
    let support = format!("/api/v1/topics/{supported}/support");
    app.put_expect(&support, Some(&me), &json!({}), 200).await;

    let (paper, assisted) =
        their_paper_form_is_typed_in_and_called_back(&app, &worker, phone).await;
    let (doc, files) = archive(app.get("/api/v1/me/export", Some(&me)).await).await;
    Exported {
        app,
        phone,
        version,
        me,
        p1,
        p2,
        s1,
        s2,
        theirs,
        supported,
        paper,
        assisted,
        doc,
        files,
    }
}

/// A volunteer typed in a paper form for the resident with `phone`, and posted one for them in
/// assist mode; a worker called back and checked the form's contact. The two suggestions.
async fn their_paper_form_is_typed_in_and_called_back(
    app: &TestApp,
    worker: &str,
    phone: &str,
) -> (i64, i64) {
    let c = app.ids.community_id.0;
    let vol = app.staff_token("volunteer", "zhiyuan.liu", &[c]).await;
    let form = ["001", "楼道里堆了很多杂物，存在消防隐患", "甄秀兰", phone];
    let (bt, paper) = forms(app, &vol, &[form]).await;
    let paper = paper[0];
    let on_behalf = json!({"client_id": "assist-1", "text": "希望社区增加老年助餐点", "on_behalf": {"name": "甄秀兰", "phone": phone, "consent": true}});
    let assisted = app
        .post_expect("/api/v1/suggestions", Some(&vol), &on_behalf, 202)
        .await;
    let assisted = assisted["id"].as_i64().unwrap();
    grouped(app).await;
    let t = topic_of(app, paper).await;
    reply(app, worker, t, "已安排物业清理楼道").await;
    let callbacks = format!("/api/v1/communities/{c}/callbacks");
    app.get_ok(&callbacks, Some(worker)).await;
    let contact = format!("/api/v1/paper-batches/{bt}/entries/{paper}/contact");
    let why = json!({"reason": "核对电话是否录错"});
    let shown = app.post_expect(&contact, Some(worker), &why, 200).await;
    assert_eq!(shown["phone"], phone);
    (paper, assisted)
}

async fn a_residents_export_holds_their_account_posts_photos_and_support_as_stored(
    backend: Backend,
) {
    let Exported {
        app,
        phone,
        version,
        me,
        p1,
        p2,
        s1,
        s2,
        supported,
        doc,
        files,
        ..
    } = a_resident_with_everything_on_file_exports_it(backend).await;
    // The account, as stored.
    assert_eq!(doc["account"]["phone"], phone);
    assert_eq!(doc["account"]["name"], "甄秀兰");
    assert_eq!(doc["account"]["building"], "5号楼");
    assert_eq!(doc["consents"][0]["notice_version"], version.as_str());
    // Exactly the resident's own suggestions, texts as posted, photos with them.
    assert_eq!(ids(&doc["suggestions"]), vec![s1, s2]);
    let first = item_with_id(&doc["suggestions"], s1);
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
    assert!(files.contains_key("README.txt"));
}

async fn a_residents_export_holds_their_paper_forms_who_saw_their_phone_and_nothing_of_others(
    backend: Backend,
) {
    let Exported {
        phone,
        version,
        theirs,
        supported,
        paper,
        assisted,
        doc,
        ..
    } = a_resident_with_everything_on_file_exports_it(backend).await;
    // The paper form and the assisted post, with who entered them and the consent.
    assert_eq!(ids(&doc["paper_forms"]), vec![paper, assisted]);
    let form = item_with_id(&doc["paper_forms"], paper);
    assert_eq!(form["name_on_form"], "甄秀兰");
    assert_eq!(form["phone_on_form"], phone);
    assert_eq!(form["entered_by"]["name"], "zhiyuan.liu");
    assert_eq!(form["paper_batch"]["serial"], "001");
    let assist = item_with_id(&doc["paper_forms"], assisted);
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
    item_with_id(&doc["topics"], supported);
    assert!(!doc["logins"].as_array().unwrap().is_empty());
    // Nothing of the neighbour's.
    let text = doc.to_string();
    assert!(!text.contains("邻居赵"));
    assert!(!doc["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["id"] == theirs));
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

/// An app whose WeChat login answers `openid` for every code, with the SQLite file in the data
/// folder and every export prepared in the background.
async fn spawn_with_wechat(backend: Backend, openid: &str) -> (TestApp, wiremock::MockServer) {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
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
    (app, wechat)
}

/// A WeChat resident who joins, adds a name and a phone (proven by a code) and accepts the
/// notice; their token.
async fn a_wechat_resident_with_name_and_phone(app: &TestApp, name: &str, phone: &str) -> String {
    let c = app.ids.community_id.0;
    let r = app
        .post("/api/v1/auth/wechat", None, &json!({"code": "c1"}))
        .await;
    let me = r.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let join = json!({"code": app.join_code(c).await});
    app.put_expect("/api/v1/me/community", Some(&me), &join, 200)
        .await;
    let profile = json!({"name": name});
    app.put_expect("/api/v1/me/profile", Some(&me), &profile, 200)
        .await;
    let code = sms_code(app, phone).await;
    let change = json!({"phone": phone, "code": code});
    app.put_expect("/api/v1/me/phone", Some(&me), &change, 200)
        .await;
    let version = state(app).settings.privacy.notice_version.clone();
    app.post(
        "/api/v1/me/consent",
        Some(&me),
        &json!({ "version": version }),
    )
    .await;
    me
}

/// What an erasure must remove or keep: the resident's traces and a neighbour's.
struct Traces {
    worker: String,
    other: String,
    t1: i64,
    theirs_copy: String,
    mine_path: PathBuf,
    shared_path: PathBuf,
}

/// The resident posts with photos (one also uploaded by a neighbour), supports, is answered,
/// has a paper form, is named in a meeting's attendance and has an export on file.
async fn the_resident_leaves_traces_everywhere(
    app: &TestApp,
    me: &str,
    name: &str,
    phone: &str,
) -> Traces {
    let c = app.ids.community_id.0;
    let worker = app.staff_token("worker", "shegong.zhou", &[c]).await;
    let vol = app.staff_token("volunteer", "zhiyuan.zheng", &[c]).await;
    let other = app.resident_token("邻居赵", c).await;
    let mine = upload(app, me, photo(11)).await;
    let shared_bytes = photo(12);
    let shared = upload(app, me, shared_bytes.clone()).await;
    let theirs_copy = upload(app, &other, shared_bytes).await;
    let text = format!("我是{name}，电话{phone}，5号楼楼道的灯坏了很久");
    let s1 = post(app, me, &text, &[&mine, &shared], true).await;
    let theirs = post(app, &other, "东门消防通道被私家车占用，很危险", &[], false).await;
    let form = ["009", "小区健身器材坏了好几件，希望维修", name, phone];
    let (_, paper) = forms(app, &vol, &[form]).await;
    grouped(app).await;
    let t1 = topic_of(app, s1).await;
    let t2 = topic_of(app, theirs).await;
    app.put(
        &format!("/api/v1/topics/{t2}/support"),
        Some(me),
        &json!({}),
    )
    .await;
    reply(app, &worker, t1, &format!("已联系{name}了解情况")).await;
    reply(app, &worker, topic_of(app, paper[0]).await, "已报修").await;
    app.get(&format!("/api/v1/communities/{c}/callbacks"), Some(&worker))
        .await;
    let meeting =
        json!({"title": "居民议事会", "held_at": "2026-11-28T07:00:00Z", "place": "活动室"});
    let meetings = format!("/api/v1/communities/{c}/meetings");
    let meeting: Value = app
        .post(&meetings, Some(&worker), &meeting)
        .await
        .json()
        .await
        .unwrap();
    let m = format!(
        "/api/v1/meetings/{}",
        meeting["meeting_id"].as_i64().unwrap()
    );
    let etag = app.etag(&m, &worker).await;
    let attendance =
        json!({"attendance_count": 3, "attendance_names": format!("{name}、李建国、王大爷")});
    let patch = reqwest::Method::PATCH;
    app.send_expect(
        patch,
        &m,
        Some(&worker),
        Some(&etag),
        Some(&attendance),
        200,
    )
    .await;
    let r = app.get("/api/v1/me/export", Some(me)).await;
    assert_eq!(r.status(), 202);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    assert!(
        eventually(30, || async {
            app.get(&location, Some(me)).await.status() == 200
        })
        .await
    );
    let (_, mine_path) = stored(app, me, &mine).await;
    let (_, shared_path) = stored(app, me, &shared).await;
    assert!(mine_path.exists() && shared_path.exists());
    Traces {
        worker,
        other,
        t1,
        theirs_copy,
        mine_path,
        shared_path,
    }
}

/// Every row of every table that holds one of `needles`: `table: needle: row`.
async fn rows_holding(raw: &Raw, needles: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for t in raw.tables().await {
        for row in raw.rows(&t).await {
            for n in needles {
                if row.contains(n) {
                    found.push(format!("{t}: {n}: {row}"));
                }
            }
        }
    }
    found
}

/// No erasure without the confirmation step; a confirmation of another account is not one.
async fn erasure_is_refused_without_a_confirmation_of_ones_own(
    app: &TestApp,
    me: &str,
    other: &str,
) {
    let r = erase_me(app, me, &json!({})).await;
    assert_problem(r, 428, "confirmation_required").await;
    let r = erase_me(app, me, &json!({"confirmation": "forged"})).await;
    assert_problem(r, 422, "confirmation_invalid").await;
    let theirs_confirmation = confirmation(app, other).await;
    let r = erase_me(app, me, &json!({"confirmation": theirs_confirmation})).await;
    assert_problem(r, 404, "not_found").await;
}

async fn an_erased_resident_leaves_no_personal_data_in_any_table_or_file(backend: Backend) {
    let openid = "o-privacy-erasure-openid-42";
    let (app, _wechat) = spawn_with_wechat(backend, openid).await;
    let (name, phone) = ("甄秀兰", "13911112222");
    let me = a_wechat_resident_with_name_and_phone(&app, name, phone).await;
    let Traces {
        worker,
        other,
        t1,
        theirs_copy,
        mine_path,
        shared_path,
    } = the_resident_leaves_traces_everywhere(&app, &me, name, phone).await;
    let raw = Raw::open(&app).await;
    let needles = [phone, name, openid];
    let before = rows_holding(&raw, &needles).await;
    assert!(
        before.iter().any(|r| r.starts_with("account: "))
            && before.iter().any(|r| r.starts_with("person: ")),
        "the scan sees stored data: {before:?}"
    );
    let counts = topic_counts(&app, &worker).await;

    erasure_is_refused_without_a_confirmation_of_ones_own(&app, &me, &other).await;
    let preview = app
        .post_expect("/api/v1/me/erasure", Some(&me), &json!({}), 200)
        .await;
    assert_eq!(preview["suggestions"], 1);
    assert_eq!(preview["paper_forms"], 1);
    let r = erase_me(&app, &me, &json!({"confirmation": preview["confirmation"]})).await;
    let summary = expect_json(r, 200).await;
    assert_eq!(summary["summary"]["suggestions_kept_anonymous"], 2);
    assert_eq!(summary["summary"]["photos_deleted"], 2);

    // Sessions end at once.
    assert_problem(app.get("/api/v1/me", Some(&me)).await, 401, "invalid_token").await;
    // No table holds the phone, the name or the openid any more; nor does any file.
    let left = rows_holding(&raw, &needles).await;
    assert!(left.is_empty(), "personal data left: {left:#?}");
    let data_dir = state(&app).settings.data_dir.clone();
    let files = files_containing(&data_dir, &needles);
    assert!(files.is_empty(), "personal data in files: {files:?}");
    assert!(!mine_path.exists(), "the photo file is deleted");
    assert!(
        shared_path.exists(),
        "a photo another resident also uploaded stays theirs"
    );
    let copy = format!("/api/v1/uploads/{theirs_copy}");
    assert_eq!(app.get(&copy, Some(&other)).await.status(), 200);
    let exports = std::fs::read_dir(data_dir.join("exports"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(exports, 0, "the export archive is deleted");
    // Topic counts and the deliberation record stay true; the voice is anonymous.
    assert_eq!(topic_counts(&app, &worker).await, counts);
    let t = app
        .get_ok(&format!("/api/v1/topics/{t1}"), Some(&other))
        .await;
    let voice = t["voices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["text"].as_str().unwrap().contains("楼道的灯"))
        .unwrap();
    assert_eq!(voice["author"], Value::Null);
    assert_eq!(voice["text"], "我是***，电话***，5号楼楼道的灯坏了很久");
    // The erasure is recorded, without the personal data (the scan above covered audit_log).
    let erasures = "select count(*) from audit_log where action = 'account.erase'";
    assert_eq!(raw.count(erasures).await, 1);
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

/// Paper forms: one old, one recent, one old but called back recently.
async fn paper_forms_old_recent_and_old_but_called_back(
    app: &TestApp,
    raw: &Raw,
    long_ago: DateTime<Utc>,
    [worker, vol]: [&str; 2],
) {
    let (_, ids) = forms(
        app,
        vol,
        &[
            [
                "1",
                "东门的路灯晚上不亮，出入很不方便",
                "老张",
                "13700000001",
            ],
            ["2", "垃圾分类桶太少，经常满出来", "老李", "13700000002"],
            [
                "3",
                "希望在活动室增加健身器材和乒乓球台",
                "老王",
                "13700000003",
            ],
        ],
    )
    .await;
    let (old, called) = (ids[0], ids[2]);
    grouped(app).await;
    assert_ne!(topic_of(app, old).await, topic_of(app, called).await);
    for phone in ["13700000001", "13700000003"] {
        raw.exec(
            "update person set created_at = $1 where phone = $2",
            long_ago,
            phone,
        )
        .await;
        raw.exec("update suggestion set created_at = $1 where author_person_id in (select person_id from person where phone = $2)", long_ago, phone).await;
    }
    reply(app, worker, topic_of(app, called).await, "已采购健身器材").await;
}

/// Accounts: one inactive for long, one new, one old that posted today; the last one's token.
async fn accounts_inactive_new_and_returning(
    app: &TestApp,
    raw: &Raw,
    long_ago: DateTime<Utc>,
) -> String {
    let inactive = sms_resident(app, "13600000001").await;
    drop(inactive);
    let _active = sms_resident(app, "13600000002").await;
    let returning = sms_resident(app, "13600000003").await;
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
    returning
}

/// The photos of the retention story and the files of two of them.
struct Photos {
    old_unused: String,
    recent_unused: String,
    old_live: String,
    old_withdrawn: String,
    staff_old: String,
    old_unused_file: PathBuf,
    recent_file: PathBuf,
}

/// A resident's old unused photo and old one of a withdrawn post are due; a recent unused one,
/// an old one on a live post and a volunteer's old one are not.
async fn photos_due_and_not(
    app: &TestApp,
    raw: &Raw,
    long_ago: DateTime<Utc>,
    [returning, vol]: [&str; 2],
) -> Photos {
    let old_unused = upload(app, returning, photo(21)).await;
    let recent_unused = upload(app, returning, photo(22)).await;
    let old_live = upload(app, returning, photo(23)).await;
    let old_withdrawn = upload(app, returning, photo(24)).await;
    let staff_old = upload(app, vol, photo(25)).await;
    let text = "小区南门的地面坑洼不平，下雨积水";
    post(app, returning, text, &[&old_live], false).await;
    let text = "楼下的快递柜经常坏，取件很不方便";
    let w = post(app, returning, text, &[&old_withdrawn], false).await;
    let withdraw = format!("/api/v1/suggestions/{w}/withdraw");
    let r = app.post(&withdraw, Some(returning), &json!({})).await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    for id in [&old_unused, &old_live, &old_withdrawn, &staff_old] {
        raw.exec(
            "update upload set created_at = $1 where upload_id = $2",
            long_ago,
            id,
        )
        .await;
    }
    let (_, old_unused_file) = stored(app, returning, &old_unused).await;
    let (_, recent_file) = stored(app, returning, &recent_unused).await;
    Photos {
        old_unused,
        recent_unused,
        old_live,
        old_withdrawn,
        staff_old,
        old_unused_file,
        recent_file,
    }
}

/// An export past its time, and its file.
async fn an_expired_export(app: &TestApp, long_ago: DateTime<Utc>) -> PathBuf {
    let st = state(app);
    let account = st
        .store
        .account_by_username("shegong.feng")
        .await
        .unwrap()
        .unwrap()
        .account_id;
    let id = "e".repeat(32);
    let until = long_ago + Duration::hours(1);
    st.store
        .create_export(&id, account, long_ago, until)
        .await
        .unwrap();
    let export_file = st
        .settings
        .data_dir
        .join("exports")
        .join(format!("{id}.zip"));
    std::fs::create_dir_all(export_file.parent().unwrap()).unwrap();
    std::fs::write(&export_file, b"old").unwrap();
    export_file
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
    paper_forms_old_recent_and_old_but_called_back(&app, &raw, long_ago, [&worker, &vol]).await;
    let returning = accounts_inactive_new_and_returning(&app, &raw, long_ago).await;
    // SMS codes: every code so far is old; one more is sent today.
    let old_codes = raw
        .exec(
            "update sms_code set created_at = $1 where phone_key <> $2",
            long_ago,
            "",
        )
        .await;
    sms_code(&app, "13600000009").await;
    let p = photos_due_and_not(&app, &raw, long_ago, [&returning, &vol]).await;
    let export_file = an_expired_export(&app, long_ago).await;

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
    let zhang = "select count(*) from person where name = '老张'";
    assert_eq!(raw.count(zhang).await, 0);
    assert_eq!(raw.count(&phones("13700000002")).await, 1);
    assert_eq!(raw.count(&phones("13700000003")).await, 1);
    let accounts = |n: &str| format!("select count(*) from account where phone = '{n}'");
    assert_eq!(raw.count(&accounts("13600000001")).await, 0);
    assert_eq!(raw.count(&accounts("13600000002")).await, 1);
    assert_eq!(raw.count(&accounts("13600000003")).await, 1);
    assert_eq!(raw.count("select count(*) from sms_code").await, 1);
    let uploads = |id: &str| format!("select count(*) from upload where upload_id = '{id}'");
    assert_eq!(raw.count(&uploads(&p.old_unused)).await, 0);
    assert_eq!(raw.count(&uploads(&p.old_withdrawn)).await, 0);
    assert_eq!(raw.count(&uploads(&p.recent_unused)).await, 1);
    assert_eq!(raw.count(&uploads(&p.old_live)).await, 1);
    assert_eq!(raw.count(&uploads(&p.staff_old)).await, 1);
    assert!(!p.old_unused_file.exists() && p.recent_file.exists());
    assert!(!export_file.exists());
    // Idempotent: a second run finds nothing; the run is recorded and counted.
    let again = st.privacy.run_retention(Utc::now()).await.unwrap();
    assert_eq!(again.total(), 0, "{again:?}");
    let runs = "select count(*) from audit_log where action = 'retention.erase'";
    assert_eq!(raw.count(runs).await, 1);
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

/// The authors of a topic's voices as `token` sees them, sorted.
async fn voice_authors(app: &TestApp, token: &str, t: i64) -> Vec<Value> {
    let topic = app
        .get_ok(&format!("/api/v1/topics/{t}"), Some(token))
        .await;
    let mut authors: Vec<Value> = topic["voices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["author"].clone())
        .collect();
    authors.sort_by_key(|a| a.to_string());
    authors
}

async fn the_chosen_name_is_shown_where_allowed_and_masked_otherwise(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    let c = app.ids.community_id.0;
    let worker = app.staff_token("worker", "shegong.tang", &[c]).await;
    let li = sms_resident(&app, "13800001111").await;
    let me = app.get_ok("/api/v1/me", Some(&li)).await;
    assert_eq!(
        me["display_name"], "居民1111",
        "the SMS default before a name is chosen"
    );
    let buildings = format!("/api/v1/communities/{c}/buildings");
    let b = app
        .post_expect(&buildings, Some(&worker), &json!({"name": "7号楼"}), 201)
        .await;
    let profile = json!({"name": " 李建国 ", "building_id": b["id"]});
    let profile = app
        .put_expect("/api/v1/me/profile", Some(&li), &profile, 200)
        .await;
    assert_eq!(profile["name"], "李建国");
    assert_eq!(profile["building_name"], "7号楼");
    assert_eq!(profile["phone"], "138****1111");
    let me = app.get_ok("/api/v1/me", Some(&li)).await;
    assert_eq!(me["display_name"], "李建国");
    let zhao = sms_resident(&app, "13800002222").await;
    let profile = json!({"name": "赵淑芬"});
    app.put_expect("/api/v1/me/profile", Some(&zhao), &profile, 200)
        .await;
    let s1 = post(&app, &li, "7号楼电梯经常停运，老人上下楼很困难", &[], true).await;
    let text = "7号楼电梯停运好几次了，老人上下楼困难";
    let s2 = post(&app, &zhao, text, &[], false).await;
    grouped(&app).await;
    let t = topic_of(&app, s1).await;
    assert_eq!(t, topic_of(&app, s2).await);
    let authors = voice_authors(&app, &zhao, t).await;
    assert_eq!(authors, vec![json!("李建国"), Value::Null]);
    let as_staff = app
        .get_ok(&format!("/api/v1/topics/{t}"), Some(&worker))
        .await;
    let mut authors: Vec<&str> = as_staff["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["author"].as_str().unwrap())
        .collect();
    authors.sort();
    assert_eq!(authors, vec!["李建国", "赵**"]);
    // Bad input is refused clearly; a building of another community is unknown.
    let long = json!({"name": "名".repeat(21)});
    app.put_problem(
        "/api/v1/me/profile",
        Some(&li),
        &long,
        422,
        "validation_failed",
    )
    .await;
    let unknown = json!({"building_id": 99999});
    app.put_problem(
        "/api/v1/me/profile",
        Some(&li),
        &unknown,
        422,
        "validation_failed",
    )
    .await;
    // Clearing the name hides it again.
    let cleared = json!({"name": null});
    app.put_expect("/api/v1/me/profile", Some(&li), &cleared, 200)
        .await;
    let authors = voice_authors(&app, &zhao, t).await;
    assert!(authors.iter().all(|a| a.is_null()));
}

async fn consent_to_the_notice_is_recorded_and_a_new_version_asks_again(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.privacy.notice_version = "2025-09".into()).await;
    let c = app.ids.community_id.0;
    let notice = app.get_ok("/api/v1/privacy/notice", None).await;
    assert_eq!(notice["version"], "2025-09");
    assert!(notice["text"].as_str().unwrap().contains("180 天"));
    assert!(notice["text_en"].as_str().unwrap().contains("180 days"));
    let me = app.resident_token("冯阿姨", c).await;
    let s = app.get_ok("/api/v1/me/consent", Some(&me)).await;
    assert_eq!(s["needs_consent"], true);
    let outdated = json!({"version": "2024-01"});
    app.post_problem(
        "/api/v1/me/consent",
        Some(&me),
        &outdated,
        409,
        "notice_outdated",
    )
    .await;
    let current = json!({"version": "2025-09"});
    let s = app
        .post_expect("/api/v1/me/consent", Some(&me), &current, 200)
        .await;
    assert_eq!(s["needs_consent"], false);
    assert_eq!(s["accepted_version"], "2025-09");
    assert!(s["accepted_at"].is_string());
    // A resident who accepted only an older version is asked again.
    let old = app.resident_token("陈大爷", c).await;
    let id = app.get_ok("/api/v1/me", Some(&old)).await["account_id"]
        .as_i64()
        .unwrap();
    state(&app)
        .store
        .accept_notice(minyi::domain::ids::AccountId(id), "2025-01", Utc::now())
        .await
        .unwrap();
    let s = app.get_ok("/api/v1/me/consent", Some(&old)).await;
    assert_eq!(s["needs_consent"], true);
    assert_eq!(s["accepted_version"], "2025-01");
    // An assist-mode consent stays linked to its suggestion, with the version then in force.
    let vol = app.staff_token("volunteer", "zhiyuan.jiang", &[c]).await;
    let assisted = json!({"client_id": "a-1", "text": "希望增加社区食堂的营业时间", "on_behalf": {"name": "蒋奶奶", "consent": true}});
    let r = app.post("/api/v1/suggestions", Some(&vol), &assisted).await;
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
    app.post("/api/v1/suggestions", Some(&vol), &assisted).await;
    let raw = Raw::open(&app).await;
    let assists = "select count(*) from privacy_consent where kind = 'assist'";
    assert_eq!(raw.count(assists).await, 1);
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

/// Who may erase a paper-form resident, and with what: a reason, one person, in their area.
async fn person_erasures_are_refused_without_a_worker_a_reason_or_a_known_person(
    app: &TestApp,
    worker: &str,
    vol: &str,
) {
    let c = app.ids.community_id.0;
    let path = format!("/api/v1/communities/{c}/person-erasures");
    let asked = json!({"phone": "13512340001", "reason": "本人来电要求"});
    app.post_problem(&path, Some(vol), &asked, 403, "forbidden")
        .await;
    let refused = [
        (json!({"phone": "13512340001"}), 400, "invalid_field"),
        (
            json!({"phone": "13512340001", "reason": " "}),
            422,
            "validation_failed",
        ),
        (json!({"reason": "本人来电要求"}), 422, "validation_failed"),
        (
            json!({"phone": "13500000000", "reason": "本人来电要求"}),
            404,
            "not_found",
        ),
    ];
    for (body, status, code) in refused {
        app.post_problem(&path, Some(worker), &body, status, code)
            .await;
    }
    let other = app.other_community().await;
    let elsewhere = format!("/api/v1/communities/{other}/person-erasures");
    app.post_problem(&elsewhere, Some(worker), &asked, 404, "not_found")
        .await;
}

async fn staff_erase_a_paper_form_resident_with_who_and_why(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    let c = app.ids.community_id.0;
    let worker = app.staff_token("worker", "shegong.wei", &[c]).await;
    let vol = app.staff_token("volunteer", "zhiyuan.shen", &[c]).await;
    let (_, ids) = forms(
        &app,
        &vol,
        &[
            ["1", "小区北门的垃圾站气味很大", "韩秀英", "13512340001"],
            [
                "2",
                "建议在广场增加座椅供老人休息",
                "韩秀英",
                "135-1234-0001",
            ],
            ["3", "楼道灯坏了没人修", "杨建华", "13512340002"],
        ],
    )
    .await;
    let a1 = ids[0];
    grouped(&app).await;
    let counts = topic_counts(&app, &worker).await;
    person_erasures_are_refused_without_a_worker_a_reason_or_a_known_person(&app, &worker, &vol)
        .await;
    // By one of her forms: both of her forms (same phone) are erased, the other person's not.
    let path = format!("/api/v1/communities/{c}/person-erasures");
    let by_form = json!({"suggestion_id": a1, "reason": "本人来电要求删除"});
    let body = app.post_expect(&path, Some(&worker), &by_form, 200).await;
    assert_eq!(body["summary"]["paper_persons_erased"], 2);
    let raw = Raw::open(&app).await;
    let hers = "select count(*) from person where name = '韩秀英' or phone = '13512340001'";
    assert_eq!(raw.count(hers).await, 0);
    let his = "select count(*) from person where name = '杨建华'";
    assert_eq!(raw.count(his).await, 1);
    for s in ids {
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
    let form = ["1", "社区卫生服务站排队时间太长", "秦桂兰", "13312345678"];
    let (bt, e) = forms(&app, &vol, &[form]).await;
    let e = e[0];
    grouped(&app).await;
    reply(&app, &worker, topic_of(&app, e).await, "已与卫生服务站沟通").await;
    let callbacks = format!("/api/v1/communities/{c}/callbacks");
    let list = app.get_ok(&callbacks, Some(&vol)).await;
    assert_eq!(list["items"][0]["phone"], "13312345678");
    let contact = format!("/api/v1/paper-batches/{bt}/entries/{e}/contact");
    let why = json!({"reason": "核对手写电话"});
    let r = app.post(&contact, Some(&worker), &why).await;
    let contact_shown: Value = r.json().await.unwrap();
    assert_eq!(
        contact_shown,
        json!({"name": "秦桂兰", "phone": "13312345678"})
    );
    // Outside the batch's community: 404; a resident: 403.
    let resident = app.resident_token("居民甲", c).await;
    app.post_problem(&contact, Some(&resident), &json!({}), 403, "forbidden")
        .await;
    let missing = format!("/api/v1/paper-batches/{bt}/entries/999999/contact");
    app.post_problem(&missing, Some(&worker), &json!({}), 404, "not_found")
        .await;

    let admin = app.admin_token().await;
    let log = app.get_ok("/api/v1/access-log", Some(&admin)).await;
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
    let page = app.get_ok("/api/v1/access-log?limit=1", Some(&admin)).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    let cursor = page["next_cursor"].as_i64().unwrap();
    let next = format!("/api/v1/access-log?limit=1&cursor={cursor}");
    let next = app.get_ok(&next, Some(&admin)).await;
    assert_eq!(next["items"][0]["staff_name"], "zhiyuan.zhu");
    app.get_problem("/api/v1/access-log", Some(&worker), 403, "forbidden")
        .await;
    let elsewhere = "/api/v1/access-log?community_id=999999";
    app.get_problem(elsewhere, Some(&admin), 404, "not_found")
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
