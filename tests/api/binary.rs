//! The `minyi` binary as a user runs it: on embedded defaults, bootstrap, paper import from the
//! command line — and its logs never contain personal data, passwords or tokens.
use serde_json::{json, Value};
use std::process::{Command, Stdio};
use std::time::Duration;

fn minyi(dir: &std::path::Path, port: u16) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_minyi"));
    c.current_dir(dir)
        .env("MINYI_CONFIG_DIR", dir.join("no-config"))
        .env("MINYI__HTTP__BIND", format!("127.0.0.1:{port}"))
        .env("MINYI_LOG", "debug")
        .env_remove("MINYI__DATABASE__URL")
        .env_remove("MINYI__REDIS__URL");
    c
}

/// `minyi serve` on a free port with its data under `dir` and its log in `serve.log`, once it
/// answers; the process and the port.
async fn serve(dir: &std::path::Path) -> (std::process::Child, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let log = std::fs::File::create(dir.join("serve.log")).unwrap();
    let serve = minyi(dir, port)
        .arg("serve")
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let mut up = false;
    for _ in 0..100 {
        let health = format!("http://127.0.0.1:{port}/healthz");
        if client.get(health).send().await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(up, "minyi serve started on the embedded defaults");
    (serve, port)
}

/// `minyi admin bootstrap` of the first area and admin; the ids it prints.
fn bootstrap(dir: &std::path::Path, port: u16) -> Value {
    let boot = minyi(dir, port)
        .args([
            "admin",
            "bootstrap",
            "--district",
            "津南区",
            "--street",
            "双新街道",
            "--community",
            "昆香苑社区",
            "--username",
            "admin",
        ])
        .env("MINYI_ADMIN_PASSWORD", "Secret-Admin-Pass-1")
        .output()
        .unwrap();
    assert!(
        boot.status.success(),
        "{}",
        String::from_utf8_lossy(&boot.stderr)
    );
    serde_json::from_slice(&boot.stdout).unwrap()
}

/// `minyi import paper` of a CSV into a batch; the report it prints.
fn import_paper(dir: &std::path::Path, port: u16, csv: &std::path::Path, batch: i64) -> Value {
    let out = minyi(dir, port)
        .args([
            "import",
            "paper",
            csv.to_str().unwrap(),
            "--batch",
            &batch.to_string(),
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice::<Value>(&out.stdout).unwrap()
}

/// A `POST` of JSON to the running binary, with a bearer token where given.
async fn post(port: u16, path: &str, token: Option<&str>, body: Value) -> reqwest::Response {
    let mut r = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}{path}"))
        .json(&body);
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    r.send().await.unwrap()
}

/// A `GET` from the running binary with a bearer token; its JSON body.
async fn get_json(port: u16, path: &str, token: &str) -> Value {
    let url = format!("http://127.0.0.1:{port}{path}");
    let r = reqwest::Client::new()
        .get(url)
        .bearer_auth(token)
        .send()
        .await;
    r.unwrap().json().await.unwrap()
}

/// The access token of a login to the running binary.
async fn login(port: u16, username: &str, password: &str) -> String {
    let body = json!({"username": username, "password": password});
    let r: Value = post(port, "/api/v1/auth/login", None, body)
        .await
        .json()
        .await
        .unwrap();
    r["access_token"].as_str().unwrap().to_string()
}

/// What the story's requests and forms carry that no log line may.
const PERSONAL_DATA_AND_PASSWORDS: [&str; 8] = [
    "13812345678",
    "13987654321",
    "13700001111",
    "王秀英",
    "赵淑兰",
    "李建国",
    "Secret-Admin-Pass-1",
    "Volunteer-Pass-1",
];

/// Stop the server (after its last log lines are written); its log.
async fn stop(mut serve: std::process::Child, dir: &std::path::Path) -> String {
    tokio::time::sleep(Duration::from_millis(500)).await;
    let _ = serve.kill();
    let _ = serve.wait();
    std::fs::read_to_string(dir.join("serve.log")).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_runs_on_defaults_imports_paper_forms_and_logs_no_personal_data() {
    let dir = tempfile::tempdir().unwrap();
    let (serve, port) = serve(dir.path()).await;
    assert!(
        dir.path().join("data/minyi.db").exists(),
        "the SQLite file was created under data/"
    );
    let ids = bootstrap(dir.path(), port);
    for key in ["district_id", "street_id", "community_id", "account_id"] {
        assert!(ids[key].as_i64().is_some(), "{key} missing");
    }

    let admin_token = login(port, "admin", "Secret-Admin-Pass-1").await;
    let staff = json!({"role": "volunteer", "username": "zhiyuan", "password": "Volunteer-Pass-1", "display_name": "志愿者小刘", "community_ids": [ids["community_id"]]});
    let created = post(port, "/api/v1/admin/staff", Some(&admin_token), staff).await;
    assert_eq!(created.status(), 201);
    let vol_token = login(port, "zhiyuan", "Volunteer-Pass-1").await;
    let batch = json!({"community_id": ids["community_id"], "collection_kind": "suggestion_box", "collection_point": "东门意见箱", "collected_on": "2026-11-25", "sheet_count": 3});
    let batch: Value = post(port, "/api/v1/paper-batches", Some(&vol_token), batch)
        .await
        .json()
        .await
        .unwrap();
    let batch_id = batch["id"].as_i64().unwrap();
    let form = json!({"serial": "1", "text": "东门的意见箱旁边路灯不亮", "name": "王秀英", "phone": "13812345678"});
    let entries = format!("/api/v1/paper-batches/{batch_id}/entries");
    assert_eq!(
        post(port, &entries, Some(&vol_token), form).await.status(),
        202
    );
    let dev = json!({"name": "李建国", "community_id": ids["community_id"]});
    let resident: Value = post(port, "/api/v1/auth/dev-login", None, dev)
        .await
        .json()
        .await
        .unwrap();
    let text = json!({"client_id": "x1", "text": "我家电话13987654321，楼上漏水了"});
    let s = post(
        port,
        "/api/v1/suggestions",
        resident["access_token"].as_str(),
        text,
    )
    .await;
    assert_eq!(s.status(), 202);

    // Paper forms from the command line, twice: the second run adds nothing.
    let csv = dir.path().join("forms.csv");
    std::fs::write(&csv, "编号,建议内容,姓名,电话\n2,希望在3号楼前增加休息座椅,赵淑兰,13700001111\n3,垃圾清运不及时气味很大,,\n").unwrap();
    let reports: Vec<Value> = (0..2)
        .map(|_| import_paper(dir.path(), port, &csv, batch_id))
        .collect();
    let counts = |r: &Value| (r["accepted"].as_i64(), r["already_imported"].as_i64());
    assert_eq!(counts(&reports[0]), (Some(2), Some(0)));
    assert_eq!(counts(&reports[1]), (Some(0), Some(2)));
    let detail = get_json(
        port,
        &format!("/api/v1/paper-batches/{batch_id}"),
        &vol_token,
    )
    .await;
    assert_eq!(detail["entered"], 3);

    let logs = stop(serve, dir.path()).await;
    assert!(
        logs.contains("admin bootstrap"),
        "an empty store says how to create the first account"
    );
    assert!(
        logs.contains("/api/v1/paper-batches/{id}/entries"),
        "requests are logged by route pattern"
    );
    let tokens = [admin_token.as_str(), vol_token.as_str()];
    for secret in PERSONAL_DATA_AND_PASSWORDS.iter().chain(&tokens) {
        assert!(
            !logs.contains(secret),
            "the log contains personal data or a secret: {secret}"
        );
    }
}
