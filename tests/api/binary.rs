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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_runs_on_defaults_imports_paper_forms_and_logs_no_personal_data() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let log = std::fs::File::create(dir.path().join("serve.log")).unwrap();
    let mut serve = minyi(dir.path(), port)
        .arg("serve")
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut up = false;
    for _ in 0..100 {
        if client.get(format!("{base}/healthz")).send().await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(up, "minyi serve started on the embedded defaults");
    assert!(
        dir.path().join("data/minyi.db").exists(),
        "the SQLite file was created under data/"
    );

    let boot = minyi(dir.path(), port)
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
    let ids: Value = serde_json::from_slice(&boot.stdout).unwrap();
    for key in ["district_id", "street_id", "community_id", "account_id"] {
        assert!(ids[key].as_i64().is_some(), "{key} missing");
    }

    let post = |path: &str, token: Option<&str>, body: Value| {
        let mut r = client.post(format!("{base}{path}")).json(&body);
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send()
    };
    let admin: Value = post(
        "/api/v1/auth/login",
        None,
        json!({"username": "admin", "password": "Secret-Admin-Pass-1"}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let admin_token = admin["access_token"].as_str().unwrap().to_string();
    let created = post("/api/v1/admin/staff", Some(&admin_token), json!({"role": "volunteer", "username": "zhiyuan", "password": "Volunteer-Pass-1", "display_name": "志愿者小刘", "community_ids": [ids["community_id"]]})).await.unwrap();
    assert_eq!(created.status(), 201);
    let vol: Value = post(
        "/api/v1/auth/login",
        None,
        json!({"username": "zhiyuan", "password": "Volunteer-Pass-1"}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let vol_token = vol["access_token"].as_str().unwrap().to_string();
    let batch: Value = post("/api/v1/paper-batches", Some(&vol_token), json!({"community_id": ids["community_id"], "collection_kind": "suggestion_box", "collection_point": "东门意见箱", "collected_on": "2026-11-25", "sheet_count": 3})).await.unwrap().json().await.unwrap();
    let batch_id = batch["id"].as_i64().unwrap();
    let entry = post(&format!("/api/v1/paper-batches/{batch_id}/entries"), Some(&vol_token), json!({"serial": "1", "text": "东门的意见箱旁边路灯不亮", "name": "王秀英", "phone": "13812345678"})).await.unwrap();
    assert_eq!(entry.status(), 202);
    let resident: Value = post(
        "/api/v1/auth/dev-login",
        None,
        json!({"name": "李建国", "community_id": ids["community_id"]}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let s = post(
        "/api/v1/suggestions",
        resident["access_token"].as_str(),
        json!({"client_id": "x1", "text": "我家电话13987654321，楼上漏水了"}),
    )
    .await
    .unwrap();
    assert_eq!(s.status(), 202);

    // Paper forms from the command line, twice: the second run adds nothing.
    let csv = dir.path().join("forms.csv");
    std::fs::write(&csv, "编号,建议内容,姓名,电话\n2,希望在3号楼前增加休息座椅,赵淑兰,13700001111\n3,垃圾清运不及时气味很大,,\n").unwrap();
    let mut reports = Vec::new();
    for _ in 0..2 {
        let out = minyi(dir.path(), port)
            .args([
                "import",
                "paper",
                csv.to_str().unwrap(),
                "--batch",
                &batch_id.to_string(),
            ])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        reports.push(serde_json::from_slice::<Value>(&out.stdout).unwrap());
    }
    assert_eq!(
        (
            reports[0]["accepted"].as_i64(),
            reports[0]["already_imported"].as_i64()
        ),
        (Some(2), Some(0))
    );
    assert_eq!(
        (
            reports[1]["accepted"].as_i64(),
            reports[1]["already_imported"].as_i64()
        ),
        (Some(0), Some(2))
    );
    let detail: Value = client
        .get(format!("{base}/api/v1/paper-batches/{batch_id}"))
        .bearer_auth(&vol_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(detail["entered"], 3);

    tokio::time::sleep(Duration::from_millis(500)).await;
    let _ = serve.kill();
    let _ = serve.wait();
    let logs = std::fs::read_to_string(dir.path().join("serve.log")).unwrap();
    assert!(
        logs.contains("admin bootstrap"),
        "an empty store says how to create the first account"
    );
    assert!(
        logs.contains("/api/v1/paper-batches/{id}/entries"),
        "requests are logged by route pattern"
    );
    for secret in [
        "13812345678",
        "13987654321",
        "13700001111",
        "王秀英",
        "赵淑兰",
        "李建国",
        "Secret-Admin-Pass-1",
        "Volunteer-Pass-1",
        &admin_token,
        &vol_token,
    ] {
        assert!(
            !logs.contains(secret),
            "the log contains personal data or a secret: {secret}"
        );
    }
}
