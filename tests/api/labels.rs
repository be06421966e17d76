//! One source for every label: the server's catalogue and the labels next to each code agree,
//! and the OpenAPI document describes them.
use crate::both_backends;
use crate::helpers::{spawn_app, Backend};
use serde_json::Value;

both_backends!(
    the_label_catalogue_lists_every_code_in_chinese_and_english,
    labels_on_items_are_the_catalogues_and_the_openapi_document_shows_them,
);

async fn the_label_catalogue_lists_every_code_in_chinese_and_english(backend: Backend) {
    let app = spawn_app(backend).await;
    let labels = app.get_ok("/api/v1/labels", None).await;
    let codes = |set: &str| -> Vec<String> {
        labels[set]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["code"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        codes("topic_status"),
        [
            "new",
            "accepted",
            "scheduled",
            "decided",
            "in_progress",
            "resolved",
            "rejected",
            "merged"
        ]
    );
    assert_eq!(
        codes("suggestion_state"),
        [
            "pending_review",
            "queued",
            "grouped",
            "failed",
            "withdrawn",
            "rejected"
        ]
    );
    assert!(codes("timeline_kind").contains(&"reopened".to_string()));
    for set in ["topic_status", "suggestion_state", "timeline_kind"] {
        for l in labels[set].as_array().unwrap() {
            let (zh, en) = (
                l["label"].as_str().unwrap(),
                l["label_en"].as_str().unwrap(),
            );
            assert!(
                !zh.is_ascii() && !en.is_empty() && en.is_ascii(),
                "{set}: {l}"
            );
        }
    }
    let reply = labels["timeline_kind"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["code"] == "reply")
        .unwrap();
    assert_eq!(
        reply["label"], "社区回复",
        "one label for a reply everywhere"
    );
}

async fn labels_on_items_are_the_catalogues_and_the_openapi_document_shows_them(backend: Backend) {
    let app = spawn_app(backend).await;
    let c = app.ids.community_id.0;
    let token = app.resident_token("居民", c).await;
    app.post_suggestion(&token, "2号楼楼道的灯坏了一个月了，晚上上楼很危险")
        .await;
    app.wait_grouped().await;
    let labels = app.get_ok("/api/v1/labels", None).await;
    let label_of = |set: &str, code: &Value| -> (Value, Value) {
        let l = labels[set]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| &l["code"] == code)
            .unwrap();
        (l["label"].clone(), l["label_en"].clone())
    };
    let board = app
        .get_ok(&format!("/api/v1/communities/{c}/topics"), Some(&token))
        .await;
    let topic = &board["items"][0];
    let (zh, en) = label_of("topic_status", &topic["status"]);
    assert_eq!(
        (&topic["status_label"], &topic["status_label_en"]),
        (&zh, &en)
    );
    let mine = app.get_ok("/api/v1/me/suggestions", Some(&token)).await;
    let s = &mine["items"][0];
    let (zh, en) = label_of("suggestion_state", &s["state"]);
    assert_eq!((&s["state_label"], &s["state_label_en"]), (&zh, &en));
    let (zh, _) = label_of("topic_status", &s["topic"]["status"]);
    assert_eq!(s["topic"]["status_label"], zh);

    let doc = app.get_ok("/api/v1/openapi.json", None).await;
    assert!(doc["paths"]["/api/v1/labels"]["get"].is_object());
    let schemas = &doc["components"]["schemas"];
    for (schema, field) in [
        ("TopicView", "status_label_en"),
        ("SuggestionView", "state_label_en"),
        ("TimelineEntryView", "kind_label"),
        ("Labels", "timeline_kind"),
    ] {
        assert!(
            schemas[schema]["properties"][field].is_object(),
            "{schema}.{field} is documented"
        );
    }
    let status = &schemas["TopicStatus"]["enum"];
    assert_eq!(status.as_array().unwrap().len(), 8, "{status}");
}
