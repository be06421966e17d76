//! Volunteers enter paper forms: nothing lost, nothing entered twice, contacts masked.
use crate::both_backends;
use crate::helpers::{assert_problem, spawn_app, Backend, TestApp};
use serde_json::{json, Value};

both_backends!(
    a_volunteer_enters_a_batch_and_sees_what_is_missing,
    a_volunteer_cannot_enter_the_same_paper_form_twice,
    a_corrected_entry_keeps_before_and_after_in_the_audit_log,
    a_batch_imported_twice_and_with_bad_rows_gets_an_exact_report,
    a_tiny_xlsx_claiming_the_whole_grid_is_refused_and_the_server_stays_up,
    a_closed_batch_refuses_corrections_of_its_entries,
);

async fn a_closed_batch_refuses_corrections_of_its_entries(backend: Backend) {
    let app = spawn_app(backend).await;
    let vol = app
        .staff_token("volunteer", "zhiyuan.close", &[app.ids.community_id.0])
        .await;
    let batch = new_batch(&app, &vol, 1).await;
    let r = app
        .post(
            &format!("/api/v1/paper-batches/{batch}/entries"),
            Some(&vol),
            &json!({"serial": "1", "text": "楼道灯坏了，晚上看不见"}),
        )
        .await;
    assert_eq!(r.status(), 202);
    let detail: Value = app
        .get(&format!("/api/v1/paper-batches/{batch}"), Some(&vol))
        .await
        .json()
        .await
        .unwrap();
    let entry = detail["entries"][0]["id"].as_i64().unwrap();
    let path = format!("/api/v1/paper-batches/{batch}/entries/{entry}");
    let patch = |text: &'static str| {
        app.client
            .patch(app.url(&path))
            .bearer_auth(&vol)
            .json(&json!({"text": text, "reason": "录入错误"}))
            .send()
    };
    assert_eq!(
        patch("楼道灯坏了，晚上上楼看不见").await.unwrap().status(),
        204
    );
    let closed = app
        .post(
            &format!("/api/v1/paper-batches/{batch}/close"),
            Some(&vol),
            &json!({}),
        )
        .await;
    assert_eq!(closed.status(), 200);
    assert_problem(
        patch("关闭后又改成了别的内容").await.unwrap(),
        409,
        "batch_closed",
    )
    .await;
    let after: Value = app
        .get(&format!("/api/v1/paper-batches/{batch}"), Some(&vol))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(after["entries"][0]["text"], "楼道灯坏了，晚上上楼看不见");
}

async fn new_batch(app: &TestApp, token: &str, sheets: i32) -> i64 {
    let resp = app
        .post(
            "/api/v1/paper-batches",
            Some(token),
            &json!({"community_id": app.ids.community_id.0, "collection_kind": "door_to_door", "collection_point": "3号楼入户走访", "collected_on": "2026-11-20", "sheet_count": sheets}),
        )
        .await;
    assert_eq!(resp.status(), 201);
    resp.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

async fn a_volunteer_enters_a_batch_and_sees_what_is_missing(backend: Backend) {
    let app = spawn_app(backend).await;
    let vol = app
        .staff_token("volunteer", "zhiyuan.liu", &[app.ids.community_id.0])
        .await;
    let batch = new_batch(&app, &vol, 4).await;
    for (serial, text) in [
        ("1", "楼道灯坏了，晚上看不见"),
        ("2", "希望增加非机动车充电桩"),
        ("4", "楼下餐馆油烟太大"),
    ] {
        let r = app.post(&format!("/api/v1/paper-batches/{batch}/entries"), Some(&vol), &json!({"serial": serial, "text": text, "name": "王秀英", "phone": "138 1234 5678"})).await;
        assert_eq!(r.status(), 202);
    }
    let batch_path = format!("/api/v1/paper-batches/{batch}");
    let detail = app.get_ok(&batch_path, Some(&vol)).await;
    assert_eq!(detail["missing_serials"], json!([3]));
    assert_eq!(detail["entered"], 3);
    // The volunteer who typed them checks them in full while the batch is open (issue 16.9);
    // anyone else sees them masked.
    let e = &detail["entries"][0];
    assert_eq!(e["name"], "王秀英");
    assert_eq!(e["phone"], "13812345678");
    let worker = app
        .staff_token("worker", "shegong.paper", &[app.ids.community_id.0])
        .await;
    let seen = app.get_ok(&batch_path, Some(&worker)).await;
    let e = &seen["entries"][0];
    assert_eq!(e["name"], "王**");
    assert_eq!(e["phone"], "138****5678");
    assert!(
        !seen.to_string().contains("12345678"),
        "contacts are masked"
    );
    let close = format!("{batch_path}/close");
    let closed: Value = app
        .post(&close, Some(&vol), &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(closed["missing_serials"], json!([3]));
    let late = json!({"serial": "3", "text": "补录的表单内容"});
    let entries = format!("{batch_path}/entries");
    app.post_problem(&entries, Some(&vol), &late, 409, "batch_closed")
        .await;
    // Residents and staff of other communities cannot see the batch.
    let resident = app.resident_token("居民", app.ids.community_id.0).await;
    app.get_problem(&batch_path, Some(&resident), 403, "forbidden")
        .await;
    let other = app.other_community().await;
    let stranger = app
        .staff_token("volunteer", "zhiyuan.other", &[other])
        .await;
    app.get_problem(&batch_path, Some(&stranger), 404, "not_found")
        .await;
}

async fn a_volunteer_cannot_enter_the_same_paper_form_twice(backend: Backend) {
    let app = spawn_app(backend).await;
    let vol = app
        .staff_token("volunteer", "zhiyuan.chen", &[app.ids.community_id.0])
        .await;
    let batch = new_batch(&app, &vol, 2).await;
    let entry = json!({"serial": "1", "text": "小区门口乱停车严重"});
    let path = format!("/api/v1/paper-batches/{batch}/entries");
    let first: Value = app
        .post(&path, Some(&vol), &entry)
        .await
        .json()
        .await
        .unwrap();
    let again = app.post(&path, Some(&vol), &entry).await;
    assert_eq!(
        again.status(),
        202,
        "the same form again answers with the original"
    );
    assert_eq!(again.json::<Value>().await.unwrap()["id"], first["id"]);
    assert_problem(
        app.post(
            &path,
            Some(&vol),
            &json!({"serial": "1", "text": "另一张表单的内容"}),
        )
        .await,
        409,
        "duplicate_serial",
    )
    .await;
    let bad = assert_problem(
        app.post(
            &path,
            Some(&vol),
            &json!({"serial": "2", "text": "电话写错了的表单", "phone": "12ab"}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(bad["errors"][0]["code"], "invalid_phone");
    let detail: Value = app
        .get(&format!("/api/v1/paper-batches/{batch}"), Some(&vol))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail["entered"], 1);
}

async fn a_corrected_entry_keeps_before_and_after_in_the_audit_log(backend: Backend) {
    let app = spawn_app(backend).await;
    let vol = app
        .staff_token("volunteer", "zhiyuan.zhou", &[app.ids.community_id.0])
        .await;
    let batch = new_batch(&app, &vol, 1).await;
    let e: Value = app
        .post(
            &format!("/api/v1/paper-batches/{batch}/entries"),
            Some(&vol),
            &json!({"serial": "1", "text": "垃圾桶满了没人清", "phone": "13900001111"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let r = app
        .client
        .patch(app.url(&format!("/api/v1/paper-batches/{batch}/entries/{}", e["id"])))
        .bearer_auth(&vol)
        .json(&json!({"text": "垃圾桶满了三天没人清运", "phone": "13900002222", "reason": "录入时漏字"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let audit = app
        .store
        .audit_entries("suggestion", &e["id"].to_string())
        .await
        .unwrap();
    let correction = audit
        .iter()
        .find(|a| a.action == "paper_entry.correct")
        .unwrap();
    let before: Value = serde_json::from_str(correction.before_json.as_deref().unwrap()).unwrap();
    let after: Value = serde_json::from_str(correction.after_json.as_deref().unwrap()).unwrap();
    assert_eq!(before["body"], "垃圾桶满了没人清");
    assert_eq!(after["body"], "垃圾桶满了三天没人清运");
    assert_eq!(
        (before["phone"].as_str(), after["phone"].as_str()),
        (Some("139****1111"), Some("139****2222"))
    );
    assert_eq!(correction.reason.as_deref(), Some("录入时漏字"));
}

async fn a_batch_imported_twice_and_with_bad_rows_gets_an_exact_report(backend: Backend) {
    let app = spawn_app(backend).await;
    let vol = app
        .staff_token("volunteer", "zhiyuan.wu", &[app.ids.community_id.0])
        .await;
    let batch = new_batch(&app, &vol, 6).await;
    let csv = "编号,建议内容,楼栋,姓名,电话\n1,5号楼加装电梯的事情什么时候开会,5号楼,王秀英,13812345678\n2,太短,,,\n3,地下车库漏水严重需要修,,李,123\n4,建议每周清理一次楼道杂物,2号楼,,\n4,重复编号的另一张表单内容,,,\n,没有编号的表单内容,,,\n";
    let upload = |bytes: &'static str| {
        let part =
            reqwest::multipart::Part::bytes(bytes.as_bytes().to_vec()).file_name("forms.csv");
        app.client
            .post(app.url(&format!("/api/v1/paper-batches/{batch}/import")))
            .bearer_auth(&vol)
            .multipart(reqwest::multipart::Form::new().part("file", part))
            .send()
    };
    let first: Value = upload(csv).await.unwrap().json().await.unwrap();
    assert_eq!(first["rows_total"], 6);
    assert_eq!(first["accepted"], 2);
    assert_eq!(first["already_imported"], 0);
    let errors: Vec<(i64, &str)> = first["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["row"].as_i64().unwrap(), e["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        errors,
        [
            (3, "text_too_short"),
            (4, "invalid_phone"),
            (6, "duplicate_serial_in_file"),
            (7, "missing_serial")
        ]
    );
    let second: Value = upload(csv).await.unwrap().json().await.unwrap();
    assert_eq!(
        (
            second["accepted"].as_i64(),
            second["already_imported"].as_i64()
        ),
        (Some(0), Some(2))
    );
    assert_eq!(second["errors"].as_array().unwrap().len(), 4);
    let detail: Value = app
        .get(&format!("/api/v1/paper-batches/{batch}"), Some(&vol))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail["entered"], 2);
    assert_eq!(detail["missing_serials"], json!([2, 3, 5, 6]));
}

/// Issue 12, finding 1: cells A1:B2 and one cell at XFD1048576 (1.5 KB) used to make
/// the reader allocate 512 GiB and abort the process.
async fn a_tiny_xlsx_claiming_the_whole_grid_is_refused_and_the_server_stays_up(backend: Backend) {
    let app = spawn_app(backend).await;
    let vol = app
        .staff_token("volunteer", "zhiyuan.zhao", &[app.ids.community_id.0])
        .await;
    let batch = new_batch(&app, &vol, 2).await;
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write_string(0, 0, "编号").unwrap();
    sheet.write_string(0, 1, "建议内容").unwrap();
    sheet.write_string(1, 0, "1").unwrap();
    sheet
        .write_string(1, 1, "3号楼电梯经常停运，老人上下楼很困难")
        .unwrap();
    sheet.write_string(1_048_575, 16_383, "x").unwrap();
    let bytes = workbook.save_to_buffer().unwrap();

    let part = reqwest::multipart::Part::bytes(bytes).file_name("forms.xlsx");
    let resp = app
        .client
        .post(app.url(&format!("/api/v1/paper-batches/{batch}/import")))
        .bearer_auth(&vol)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();

    assert_problem(resp, 413, "file_too_large").await;
    let detail: Value = app
        .get(&format!("/api/v1/paper-batches/{batch}"), Some(&vol))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail["entered"], 0, "nothing of a refused file is stored");
    assert_eq!(app.get("/healthz", None).await.status(), 200);
}
