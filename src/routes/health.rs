use crate::auth::caller::Admin;
use crate::config::Environment;
use crate::error::{ApiError, ApiResult};
use crate::queue::sweeper::{backlog, Backlog};
use crate::state::AppState;
use actix_web::{get, web, HttpRequest, HttpResponse};
use secrecy::ExposeSecret;
use std::time::Duration;

/// Readiness checks give up after this: a probe gets its answer within a second.
const CHECK_LIMIT: Duration = Duration::from_millis(800);

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

async fn within<T>(f: impl std::future::Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
    match tokio::time::timeout(CHECK_LIMIT, f).await {
        Ok(r) => r,
        Err(_) => Err(anyhow::anyhow!("no answer within {CHECK_LIMIT:?}")),
    }
}

/// Ready: the store and the queue are reachable (each check gives up after 0.8 s). `status` is
/// `degraded` (still 200: the API accepts posts) when the oldest accepted suggestion has waited
/// for grouping longer than `queue.ready_max_lag_seconds`, and `unavailable` (503) when the
/// store, or the queue unless `queue=optional`, does not answer.
#[utoipa::path(params(("queue" = Option<String>, Query, description = "`optional` to ignore the queue")), responses((status = 200, description = "ready: `status` is `ok` or `degraded` (a backlog of unprocessed suggestions)"), (status = 503, description = "not ready: `status` is `unavailable`")), tag = "operations")]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>, query: web::Query<ReadyQuery>) -> HttpResponse {
    let (store, queue, lag) = tokio::join!(
        within(state.store.ping()),
        within(state.queue.ping()),
        within(backlog(&state.store)),
    );
    if let Err(e) = &store {
        tracing::debug!(error = %e, "readiness: store");
    }
    if let Err(e) = &queue {
        tracing::debug!(error = %e, "readiness: queue");
    }
    let max_lag = state.settings.queue.ready_max_lag_seconds;
    let lagging = lag
        .as_ref()
        .is_ok_and(|b| b.oldest_unprocessed_seconds > max_lag);
    let queue_required = query.queue.as_deref() != Some("optional");
    let ready = store.is_ok() && (queue.is_ok() || !queue_required);
    let status = match (ready, lagging) {
        (false, _) => "unavailable",
        (true, true) => "degraded",
        (true, false) => "ok",
    };
    let body = serde_json::json!({
        "status": status,
        "store": { "backend": state.store.backend(), "ok": store.is_ok() },
        "queue": {
            "kind": state.queue.kind(),
            "ok": queue.is_ok(),
            "oldest_unprocessed_seconds": lag.as_ref().ok().map(|b| b.oldest_unprocessed_seconds),
            "outbox_pending": lag.as_ref().ok().map(|b| b.outbox_pending),
            "max_lag_seconds": max_lag,
        },
    });
    if ready {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable()
            .insert_header(("Retry-After", "1"))
            .json(body)
    }
}

/// The queue as administrators see it.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct QueueStatus {
    #[serde(flatten)]
    pub backlog: Backlog,
    /// `degraded` when the oldest unprocessed suggestion waited longer than
    /// `max_lag_seconds`, else `ok`.
    pub status: String,
    pub max_lag_seconds: i64,
    /// `redis` or `in_process`.
    pub transport: String,
    pub partitions: u32,
    /// Delivered and not yet acknowledged; `null` when the queue does not answer.
    pub pending: Option<u64>,
    /// In the queue, not yet delivered; `null` when the queue does not answer.
    pub waiting: Option<u64>,
    pub dead_letters: Option<u64>,
}

/// The queue's health for administrators: how long the oldest accepted suggestion has waited
/// for grouping, and the queue's depth.
#[utoipa::path(responses((status = 200, body = QueueStatus), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 503, body = crate::error::Problem)), tag = "admin", security(("bearer" = [])))]
#[get("/admin/queue")]
pub async fn queue_status(state: web::Data<AppState>, _admin: Admin) -> ApiResult<HttpResponse> {
    let backlog = backlog(&state.store).await.map_err(ApiError::from)?;
    let stats = within(state.queue.stats()).await.ok();
    let max_lag = state.settings.queue.ready_max_lag_seconds;
    let status = if backlog.oldest_unprocessed_seconds > max_lag {
        "degraded"
    } else {
        "ok"
    };
    Ok(HttpResponse::Ok().json(QueueStatus {
        backlog,
        status: status.into(),
        max_lag_seconds: max_lag,
        transport: state.queue.kind().into(),
        partitions: state.queue.partitions(),
        pending: stats.as_ref().map(|s| s.pending),
        waiting: stats.as_ref().map(|s| s.waiting),
        dead_letters: stats.as_ref().map(|s| s.dead_letters),
    }))
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
