//! Photos: recognised from their bytes, stripped of location, served only to those allowed.
use crate::both_backends;
use crate::helpers::{assert_problem, spawn_app, spawn_app_with, Backend, TestApp};
use serde_json::{json, Value};

both_backends!(
    a_photo_loses_its_location_and_is_shown_only_to_those_allowed,
    files_that_are_not_photos_or_too_large_are_refused
);

fn segment(marker: u8, payload: &[u8]) -> Vec<u8> {
    let mut v = vec![0xFF, marker];
    v.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    v.extend_from_slice(payload);
    v
}

/// A small baseline JPEG whose EXIF carries a GPS position.
pub fn jpeg_with_gps() -> Vec<u8> {
    let mut j = vec![0xFF, 0xD8];
    j.extend(segment(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"));
    j.extend(segment(
        0xE1,
        b"Exif\0\0MM\0*\0\0\0\x08GPSLatitude=39.0842N;GPSLongitude=117.2009E",
    ));
    let mut dqt = vec![0u8];
    dqt.extend([1u8; 64]);
    j.extend(segment(0xDB, &dqt));
    j.extend(segment(0xC0, &[8, 0, 1, 0, 1, 1, 1, 0x11, 0]));
    let mut dht = vec![0u8, 1];
    dht.extend([0u8; 15]);
    dht.push(0);
    j.extend(segment(0xC4, &dht));
    j.extend(segment(0xDA, &[1, 1, 0, 0, 0x3F, 0]));
    j.extend([0x12, 0x34, 0x56]);
    j.extend([0xFF, 0xD9]);
    j
}

pub async fn upload(app: &TestApp, token: &str, bytes: Vec<u8>, name: &str) -> reqwest::Response {
    let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_string());
    app.client
        .post(app.url("/api/v1/uploads"))
        .bearer_auth(token)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap()
}

async fn a_photo_loses_its_location_and_is_shown_only_to_those_allowed(backend: Backend) {
    let app = spawn_app(backend).await;
    let c = app.ids.community_id.0;
    let owner = app.resident_token("拍照居民", c).await;
    // The name says PNG; the bytes say JPEG, and the bytes win.
    let resp = upload(&app, &owner, jpeg_with_gps(), "photo.png").await;
    assert_eq!(resp.status(), 201);
    let up: Value = resp.json().await.unwrap();
    assert_eq!(up["content_type"], "image/jpeg");
    let id = up["upload_id"].as_str().unwrap().to_string();
    let got = app
        .get(&format!("/api/v1/uploads/{id}"), Some(&owner))
        .await;
    assert_eq!(got.status(), 200);
    let bytes = got.bytes().await.unwrap();
    assert!(bytes.starts_with(&[0xFF, 0xD8]) && bytes.ends_with(&[0xFF, 0xD9]));
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        !text.contains("GPS") && !text.contains("Exif"),
        "location removed"
    );
    let s: Value = app
        .post(
            "/api/v1/suggestions",
            Some(&owner),
            &json!({"client_id": "p1", "text": "楼道里堆满了杂物，见照片", "photo_ids": [id]}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(s["state"], "queued");
    // A neighbour cannot see it, nor staff of another community; staff of this one can.
    let neighbour = app.resident_token("邻居", c).await;
    assert_problem(
        app.get(&format!("/api/v1/uploads/{id}"), Some(&neighbour))
            .await,
        404,
        "not_found",
    )
    .await;
    let other = app.other_community().await;
    let stranger = app.staff_token("worker", "shegong.far", &[other]).await;
    assert_problem(
        app.get(&format!("/api/v1/uploads/{id}"), Some(&stranger))
            .await,
        404,
        "not_found",
    )
    .await;
    let worker = app.staff_token("worker", "shegong.near", &[c]).await;
    assert_eq!(
        app.get(&format!("/api/v1/uploads/{id}"), Some(&worker))
            .await
            .status(),
        200
    );
    // Someone else's photo cannot be attached.
    let stolen = assert_problem(
        app.post(
            "/api/v1/suggestions",
            Some(&neighbour),
            &json!({"client_id": "p2", "text": "借用别人的照片提建议", "photo_ids": [id]}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(stolen["errors"][0]["code"], "unknown_upload");
}

async fn files_that_are_not_photos_or_too_large_are_refused(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.intake.max_photo_bytes = 1024).await;
    let token = app.resident_token("居民", app.ids.community_id.0).await;
    assert_problem(
        upload(&app, &token, b"%PDF-1.4 not a photo".to_vec(), "a.jpg").await,
        415,
        "unsupported_media_type",
    )
    .await;
    assert_problem(
        upload(&app, &token, b"GIF89a......".to_vec(), "a.gif").await,
        415,
        "unsupported_media_type",
    )
    .await;
    let mut big = jpeg_with_gps();
    big.splice(2..2, vec![0u8; 2048]);
    assert_problem(
        upload(&app, &token, big, "big.jpg").await,
        413,
        "upload_too_large",
    )
    .await;
    let mut truncated = jpeg_with_gps();
    truncated.truncate(30);
    assert_problem(
        upload(&app, &token, truncated, "cut.jpg").await,
        400,
        "malformed_image",
    )
    .await;
    let photos: Vec<String> = (0..10).map(|n| format!("x{n}")).collect();
    let many = assert_problem(
        app.post(
            "/api/v1/suggestions",
            Some(&token),
            &json!({"client_id": "m", "text": "十张照片的建议内容", "photo_ids": photos}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(many["errors"][0]["code"], "too_many_photos");
}

both_backends!(the_upload_answer_is_what_the_document_publishes);

/// The clients read `upload_id` from the answer: the answer and the published schema agree on
/// every field, so neither can be renamed alone.
async fn the_upload_answer_is_what_the_document_publishes(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.resident_token("拍照居民", app.ids.community_id.0).await;
    let resp = upload(&app, &token, jpeg_with_gps(), "photo.jpg").await;
    assert_eq!(resp.status(), 201);
    let up: Value = resp.json().await.unwrap();
    let mut sent: Vec<&str> = up.as_object().unwrap().keys().map(|k| k.as_str()).collect();
    sent.sort_unstable();
    assert_eq!(sent, ["byte_size", "content_type", "upload_id"]);
    assert!(up["upload_id"].as_str().is_some_and(|s| !s.is_empty()));

    let doc: Value = app
        .get("/api/v1/openapi.json", None)
        .await
        .json()
        .await
        .unwrap();
    let created = &doc["paths"]["/api/v1/uploads"]["post"]["responses"]["201"];
    let reference = created["content"]["application/json"]["schema"]["$ref"]
        .as_str()
        .unwrap();
    let name = reference.trim_start_matches("#/components/schemas/");
    let schema = &doc["components"]["schemas"][name];
    let mut documented: Vec<&str> = schema["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    documented.sort_unstable();
    assert_eq!(documented, sent, "the schema {name} lists what is sent");
    let mut required: Vec<&str> = schema["required"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    required.sort_unstable();
    assert_eq!(required, sent, "and requires all of it");
}
