use crate::config::Environment;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use actix_web::{get, web, HttpRequest, HttpResponse};
use secrecy::ExposeSecret;

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

fn render(state: &AppState) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(state.metrics.render())
}

/// Equal without an early exit, so response times do not reveal the token.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Prometheus metrics. With `http.metrics_bind` set they are served only there (404 here);
/// with `http.metrics_token` set only with `Authorization: Bearer <token>`; in production
/// never without one of the two.
#[utoipa::path(responses((status = 200, description = "Prometheus text format"), (status = 401, body = crate::error::Problem, description = "`http.metrics_token` is set and was not given"), (status = 404, body = crate::error::Problem, description = "served on `http.metrics_bind`, or production without a token")), tag = "operations", security((), ("metrics_token" = [])))]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>, req: HttpRequest) -> ApiResult<HttpResponse> {
    let http = &state.settings.http;
    if !http.metrics_bind.trim().is_empty() {
        return Err(ApiError::not_found());
    }
    let token = http.metrics_token.expose_secret();
    if token.is_empty() {
        if state.settings.environment == Environment::Production {
            return Err(ApiError::not_found());
        }
        return Ok(render(&state));
    }
    match crate::auth::caller::bearer(&req) {
        Some(given) if same_secret(given, token) => Ok(render(&state)),
        _ => Err(ApiError::unauthorized()),
    }
}

/// `/metrics` on the separate metrics listener (`http.metrics_bind`), which serves nothing else.
#[get("/metrics")]
pub async fn metrics_listener(state: web::Data<AppState>) -> HttpResponse {
    render(&state)
}
