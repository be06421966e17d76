use crate::both_backends;
use crate::helpers::{spawn_app, Backend};
use serde_json::Value;

both_backends!(
    health_ready_and_metrics_answer,
    every_response_carries_a_request_id,
    the_openapi_document_and_docs_page_are_served
);

async fn health_ready_and_metrics_answer(backend: Backend) {
    let app = spawn_app(backend).await;
    assert_eq!(app.get("/healthz", None).await.status(), 200);
    let ready: Value = app.get("/readyz", None).await.json().await.unwrap();
    assert_eq!(ready["store"]["ok"], true);
    assert_eq!(
        ready["store"]["backend"],
        if backend == Backend::Sqlite {
            "sqlite"
        } else {
            "postgres"
        }
    );
    assert_eq!(ready["queue"]["kind"], "in_process");
    let metrics = app.get("/metrics", None).await.text().await.unwrap();
    assert!(
        metrics.contains("minyi_http_request_duration_seconds"),
        "{metrics}"
    );
}

async fn every_response_carries_a_request_id(backend: Backend) {
    let app = spawn_app(backend).await;
    for path in ["/healthz", "/api/v1/me", "/api/v1/nope"] {
        let resp = app.get(path, None).await;
        let id = resp
            .headers()
            .get("x-request-id")
            .expect("x-request-id")
            .to_str()
            .unwrap()
            .to_string();
        assert_eq!(uuid::Uuid::parse_str(&id).unwrap().to_string(), id);
    }
}

async fn the_openapi_document_and_docs_page_are_served(backend: Backend) {
    let app = spawn_app(backend).await;
    let doc: Value = app
        .get("/api/v1/openapi.json", None)
        .await
        .json()
        .await
        .unwrap();
    assert!(doc["paths"]["/api/v1/auth/login"]["post"].is_object());
    assert!(doc["paths"]["/healthz"]["get"].is_object());
    let queue = &doc["paths"]["/api/v1/admin/queue"]["get"];
    assert!(queue["responses"]["200"].is_object());
    assert!(queue["responses"]["403"].is_object());
    assert!(doc["paths"]["/readyz"]["get"]["responses"]["503"].is_object());
    let redirect = app.get("/api/docs", None).await;
    assert_eq!(redirect.status(), 308);
    let page = app.get("/api/docs/", None).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("swagger"), "docs page is swagger-ui");
    assert!(
        !html.contains("cdn") && !html.contains("unpkg"),
        "nothing from a CDN"
    );
}
