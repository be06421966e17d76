//! Build the application from settings, bind the listener first (tests use port 0), run.
use crate::auth::jwt::JwtKeys;
use crate::auth::wechat::WechatClient;
use crate::config::Settings;
use crate::error;
use crate::metrics::Metrics;
use crate::queue::QueueHandle;
use crate::state::AppState;
use crate::telemetry::MinyiRootSpan;
use actix_web::dev::{Server, Service};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{web, App, HttpMessage, HttpServer};
use anyhow::Context;
use std::net::TcpListener;
use std::sync::Arc;
use tracing_actix_web::{RequestId, TracingLogger};

/// Which roles this process runs besides the HTTP API.
#[derive(Debug, Clone, Copy)]
pub struct Roles {
    pub workers: bool,
}

pub struct Application {
    port: u16,
    server: Server,
    pub state: web::Data<AppState>,
}

/// Everything the roles share: settings, store, queue, metrics.
pub async fn build_state(settings: Settings) -> anyhow::Result<web::Data<AppState>> {
    settings.check()?;
    let url = settings.database_url();
    let store = crate::store::connect(&url, settings.database.max_connections).await?;
    store.migrate().await?;
    let jwt = JwtKeys::new(
        &settings.auth.jwt_secret,
        &settings.auth.issuer,
        &settings.auth.audience,
        settings.auth.access_ttl_seconds,
    );
    let wechat = WechatClient::new(
        &settings.wechat.api_base,
        &settings.wechat.appid,
        settings.wechat.secret.clone(),
    )?;
    let queue = QueueHandle::new(settings.redis.url())?;
    let metrics = Arc::new(Metrics::new()?);
    tracing::info!(
        store = store.backend(),
        queue = queue.kind(),
        "store and queue ready"
    );
    Ok(web::Data::new(AppState {
        settings: Arc::new(settings),
        store,
        jwt,
        wechat,
        metrics,
        queue,
    }))
}

impl Application {
    pub async fn build(settings: Settings, _roles: Roles) -> anyhow::Result<Self> {
        let bind = settings.http.bind.clone();
        let state = build_state(settings).await?;
        if state.store.account_count().await? == 0 {
            let msg = "the store has no accounts yet. Create the first district, community and admin with:\n  \
                 MINYI_ADMIN_PASSWORD='…' minyi admin bootstrap --district 津南区 --street 双新街道 --community 昆香苑社区 --username admin";
            tracing::warn!("{msg}");
            eprintln!("minyi: {msg}");
        }
        let listener = TcpListener::bind(&bind).with_context(|| format!("binding {bind}"))?;
        let port = listener.local_addr()?.port();
        let server = run(listener, state.clone())?;
        tracing::info!(%port, "minyi listening");
        Ok(Self {
            port,
            server,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.server.await.context("the HTTP server failed")
    }
}

fn run(listener: TcpListener, state: web::Data<AppState>) -> anyhow::Result<Server> {
    let json_limit = state.settings.http.json_limit;
    let server = HttpServer::new(move || {
        let metrics = state.metrics.clone();
        App::new()
            .app_data(state.clone())
            .app_data(
                web::JsonConfig::default()
                    .limit(json_limit)
                    .error_handler(error::json_error),
            )
            .app_data(web::QueryConfig::default().error_handler(error::query_error))
            .app_data(web::PathConfig::default().error_handler(error::path_error))
            .app_data(web::PayloadConfig::default().limit(json_limit))
            .wrap_fn(move |req, srv| {
                let request_id = req.extensions().get::<RequestId>().map(|r| r.to_string());
                let route = req.match_pattern().unwrap_or_else(|| "unmatched".into());
                let method = req.method().to_string();
                let started = std::time::Instant::now();
                let metrics = metrics.clone();
                let fut = srv.call(req);
                async move {
                    let mut res = fut.await?;
                    let status = res.status().as_u16().to_string();
                    metrics
                        .http_latency
                        .with_label_values(&[&method, &route, &status])
                        .observe(started.elapsed().as_secs_f64());
                    if let Some(v) = request_id.and_then(|id| HeaderValue::from_str(&id).ok()) {
                        res.headers_mut()
                            .insert(HeaderName::from_static("x-request-id"), v);
                    }
                    Ok(res)
                }
            })
            .wrap(TracingLogger::<MinyiRootSpan>::new())
            .configure(crate::routes::configure)
    })
    .listen(listener)?
    .run();
    Ok(server)
}
