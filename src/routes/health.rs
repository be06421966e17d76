use crate::state::AppState;
use actix_web::{get, web, HttpResponse};

/// Alive: the process answers.
#[utoipa::path(responses((status = 200, description = "alive")), tag = "operations")]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}

#[derive(serde::Deserialize)]
pub struct ReadyQuery {
    /// `optional`: ready while the store answers, even if the queue does not. The API keeps
    /// accepting suggestions while Redis is down (the outbox holds them), so load balancers
    /// in front of API-only processes should use this.
    queue: Option<String>,
}

/// Ready: the store and the queue are reachable.
#[utoipa::path(params(("queue" = Option<String>, Query, description = "`optional` to ignore the queue")), responses((status = 200, description = "ready"), (status = 503, description = "not ready")), tag = "operations")]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>, query: web::Query<ReadyQuery>) -> HttpResponse {
    let store = state.store.ping().await;
    let queue = state.queue.ping().await;
    if let Err(e) = &store {
        tracing::debug!(error = %e, "readiness: store");
    }
    if let Err(e) = &queue {
        tracing::debug!(error = %e, "readiness: queue");
    }
    let body = serde_json::json!({
        "store": { "backend": state.store.backend(), "ok": store.is_ok() },
        "queue": { "kind": state.queue.kind(), "ok": queue.is_ok() },
    });
    let queue_required = query.queue.as_deref() != Some("optional");
    if store.is_ok() && (queue.is_ok() || !queue_required) {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

/// Prometheus metrics.
#[utoipa::path(responses((status = 200, description = "Prometheus text format")), tag = "operations")]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(state.metrics.render())
}
