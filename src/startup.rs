//! Build the application from settings, bind the listener first (tests use port 0), run.
use crate::auth::jwt::JwtKeys;
use crate::auth::wechat::WechatClient;
use crate::config::Settings;
use crate::error;
use crate::metrics::Metrics;
use crate::queue::processor::Processor;
use crate::queue::relay::Relay;
use crate::queue::sweeper::Sweeper;
use crate::queue::worker::Worker;
use crate::state::AppState;
use crate::telemetry::MinyiRootSpan;
use actix_web::dev::{Server, Service};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{web, App, HttpMessage, HttpServer};
use anyhow::Context;
use secrecy::ExposeSecret;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;
use tracing_actix_web::{RequestId, TracingLogger};

/// Which roles this process runs besides the HTTP API (which always runs the outbox relay, the
/// sweeper when it holds the sweeper's lease, and the queue monitor).
#[derive(Debug, Clone, Copy)]
pub struct Roles {
    /// Queue consumers (and, with the in-process queue, the only place work can run).
    pub workers: bool,
}

impl Roles {
    pub const ALL: Roles = Roles { workers: true };
    /// `serve --no-workers`: API and relay; workers run as `minyi worker`.
    pub const NO_WORKERS: Roles = Roles { workers: false };
}

pub struct Application {
    port: u16,
    metrics_port: Option<u16>,
    server: Server,
    pub state: web::Data<AppState>,
    pub background: Vec<JoinHandle<()>>,
}

/// Parts that can be replaced when building the application (tests do); `None` follows the
/// settings.
#[derive(Default, Clone)]
pub struct Parts {
    /// What processes a suggestion from the queue (default: the grouping step).
    pub processor: Option<Arc<dyn Processor>>,
    /// Who sends SMS login codes (default: `sms.provider`).
    pub sms: Option<Arc<dyn crate::auth::sms::SmsProvider>>,
}

/// Everything the roles share: settings, store, queue, metrics.
pub async fn build_state(
    settings: Settings,
    processor: Option<Arc<dyn Processor>>,
) -> anyhow::Result<web::Data<AppState>> {
    build_state_from(
        settings,
        Parts {
            processor,
            ..Parts::default()
        },
    )
    .await
}

pub async fn build_state_from(
    settings: Settings,
    parts: Parts,
) -> anyhow::Result<web::Data<AppState>> {
    let processor = parts.processor;
    settings.check()?;
    let url = settings.database_url();
    let store = crate::store::connect_with(
        &url,
        settings.database.max_connections,
        Duration::from_millis(settings.database.acquire_timeout_ms.max(100)),
    )
    .await?;
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
    let queue = crate::queue::from_settings(&settings)?;
    let metrics = Arc::new(Metrics::new()?);
    let grouping = Arc::new(
        crate::topics::grouping_step::GroupingStep::new(
            store.clone(),
            settings.grouping.clone(),
            Some(metrics.clone()),
        )
        .with_new_topic_hours(settings.hall.new_hours),
    );
    // The workers' engines answer "similar topics" too, unless a test brings its own step.
    let processor = processor.unwrap_or_else(|| grouping.clone());
    let limits = crate::intake::Limits::new(&settings.intake);
    let words = crate::intake::sensitive_words(&settings.intake)?;
    let mut sms = crate::auth::sms::SmsService::new(&settings, store.clone())?;
    if let Some(provider) = parts.sms {
        sms = sms.with_provider(provider);
    }
    let in_flight = match settings.intake.batch_in_flight {
        0 if store.backend() == "postgres" => 4,
        0 => 1,
        n => n,
    };
    let intake =
        crate::intake::batcher::Batcher::start(store.clone(), settings.intake.batch_max, in_flight);
    let guards = crate::auth::guards::Guards::new(&settings)?;
    let blobs = Arc::new(crate::media::LocalDiskStorage::new(
        settings.data_dir.join("uploads"),
    ));
    let privacy = Arc::new(crate::privacy::job::PrivacyService {
        store: store.clone(),
        blobs: blobs.clone(),
        settings: settings.privacy.clone(),
        metrics: metrics.privacy.clone(),
        exports_dir: settings.data_dir.join("exports"),
        labels: crate::routes::privacy::EXPORT_LABELS,
    });
    tracing::info!(
        store = store.backend(),
        queue = queue.kind(),
        "store and queue ready"
    );
    let join_codes = crate::auth::join_code::JoinCodes::new(
        secrecy::ExposeSecret::expose_secret(&settings.auth.jwt_secret).as_bytes(),
    );
    Ok(web::Data::new(AppState {
        settings: Arc::new(settings),
        store,
        jwt,
        wechat: std::sync::Arc::new(wechat),
        metrics,
        queue,
        processor,
        grouping,
        limits,
        words,
        sessions: Default::default(),
        premoderation: Default::default(),
        blobs,
        sms,
        intake,
        guards,
        join_codes,
        community_words: Default::default(),
        privacy,
    }))
}

/// Start the relay, the sweeper, the monitor and the workers that `roles` asks for.
pub fn spawn_background(state: &AppState, roles: Roles) -> Vec<JoinHandle<()>> {
    let q = &state.settings.queue;
    let mut tasks = Vec::new();
    let name = crate::queue::worker::consumer_name();
    let relay = Relay {
        wake: Some(state.intake.committed()),
        ..Relay::new(state.store.clone(), state.queue.clone())
    };
    tasks.push(tokio::spawn(
        relay.run(Duration::from_millis(q.relay_interval_ms)),
    ));
    let sweeper = Sweeper {
        store: state.store.clone(),
        queue: state.queue.clone(),
        holder: name.clone(),
        min_age: Duration::from_secs(q.sweep_min_seconds.max(1) as u64),
        max_age: Duration::from_secs(q.sweep_after_seconds.max(1) as u64),
        metrics: Some(state.metrics.clone()),
    };
    tasks.push(tokio::spawn(sweeper.run()));
    let monitor = crate::queue::sweeper::Monitor {
        store: state.store.clone(),
        queue: state.queue.clone(),
        metrics: state.metrics.clone(),
    };
    tasks.push(tokio::spawn(monitor.run()));
    if roles.workers {
        let worker = Arc::new(Worker::new(
            state.store.clone(),
            state.queue.clone(),
            state.processor.clone(),
            name,
            q,
            Some(state.metrics.clone()),
        ));
        tasks.push(tokio::spawn(async move {
            // Load the segmentation dictionaries before taking work, so the first posts do
            // not wait for them.
            if let Err(e) = tokio::task::spawn_blocking(crate::grouping::warm_up).await {
                tracing::warn!(error = %e, "worker: loading the dictionaries failed");
            }
            worker.run().await
        }));
        // Notifications leave through the workers: never in a request.
        let notifier = crate::hall::notify::Notifier {
            store: state.store.clone(),
            wechat: state.wechat.clone(),
            settings: state.settings.hall.clone(),
        };
        tasks.push(tokio::spawn(notifier.run()));
        let (store, keep) = (
            state.store.clone(),
            chrono::Duration::hours(state.settings.hall.event_retention_hours.max(1)),
        );
        // Retention and exports left unbuilt: idempotent, so several workers may run it.
        tasks.push(tokio::spawn(state.privacy.clone().run()));
        tasks.push(tokio::spawn(async move {
            loop {
                if let Err(e) = store.trim_events(chrono::Utc::now() - keep).await {
                    tracing::warn!(error = %format!("{e:#}"), "trimming live events failed");
                }
                tokio::time::sleep(Duration::from_secs(600)).await;
            }
        }));
    }
    tasks
}

impl Application {
    pub async fn build(settings: Settings, roles: Roles) -> anyhow::Result<Self> {
        Self::build_with(settings, roles, None).await
    }

    pub async fn build_with(
        settings: Settings,
        roles: Roles,
        processor: Option<Arc<dyn Processor>>,
    ) -> anyhow::Result<Self> {
        Self::build_from(
            settings,
            roles,
            Parts {
                processor,
                ..Parts::default()
            },
        )
        .await
    }

    pub async fn build_from(
        settings: Settings,
        roles: Roles,
        parts: Parts,
    ) -> anyhow::Result<Self> {
        let bind = settings.http.bind.clone();
        let state = build_state_from(settings, parts).await?;
        if state.store.account_count().await? == 0 {
            let msg = "the store has no accounts yet. Create the first district, community and admin with:\n  \
                 MINYI_ADMIN_PASSWORD='…' minyi admin bootstrap --district 津南区 --street 双新街道 --community 昆香苑社区 --username admin";
            tracing::warn!("{msg}");
            eprintln!("minyi: {msg}");
        }
        let listener = TcpListener::bind(&bind).with_context(|| format!("binding {bind}"))?;
        let port = listener.local_addr()?.port();
        let server = run(listener, state.clone())?;
        let mut background = spawn_background(&state, roles);
        let http = &state.settings.http;
        let metrics_port = if http.metrics_bind.trim().is_empty() {
            if state.settings.environment == crate::config::Environment::Production
                && http.metrics_token.expose_secret().is_empty()
            {
                tracing::warn!("/metrics is not served: set http.metrics_bind (MINYI__HTTP__METRICS_BIND) or http.metrics_token (MINYI__HTTP__METRICS_TOKEN)");
            }
            None
        } else {
            let mbind = http.metrics_bind.trim();
            let listener =
                TcpListener::bind(mbind).with_context(|| format!("binding {mbind} (metrics)"))?;
            let mport = listener.local_addr()?.port();
            let metrics = run_metrics(listener, state.clone())?;
            background.push(tokio::spawn(async move {
                if let Err(e) = metrics.await {
                    tracing::error!(error = %e, "the metrics listener failed");
                }
            }));
            tracing::info!(port = %mport, "metrics listening");
            Some(mport)
        };
        tracing::info!(%port, "minyi listening");
        Ok(Self {
            port,
            metrics_port,
            server,
            state,
            background,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port of the separate `/metrics` listener, when `http.metrics_bind` is set.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics_port
    }

    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let result = self.server.await.context("the HTTP server failed");
        for task in self.background {
            task.abort();
        }
        result
    }
}

/// `/metrics` alone on its own address (`http.metrics_bind`), for Prometheus on a private network.
fn run_metrics(listener: TcpListener, state: web::Data<AppState>) -> anyhow::Result<Server> {
    let production = state.settings.environment == crate::config::Environment::Production;
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .wrap_fn(move |req, srv| {
                let path = req.path().to_string();
                let fut = srv.call(req);
                async move {
                    let mut res = fut.await?;
                    crate::security_headers::apply(&path, production, res.headers_mut());
                    Ok(res)
                }
            })
            .service(crate::routes::health::metrics_listener)
            .default_service(web::to(|| async {
                use actix_web::ResponseError;
                error::ApiError::not_found().error_response()
            }))
    })
    .workers(1)
    .listen(listener)?
    .run();
    Ok(server)
}

fn run(listener: TcpListener, state: web::Data<AppState>) -> anyhow::Result<Server> {
    let json_limit = state.settings.http.json_limit;
    let production = state.settings.environment == crate::config::Environment::Production;
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
                let path = req.path().to_string();
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
                    crate::security_headers::apply(&path, production, res.headers_mut());
                    Ok(res)
                }
            })
            // A live event stream must reach the browser as it is written, never buffered by
            // a compressor: it is marked as not to be encoded.
            .wrap_fn(|req, srv| {
                let fut = srv.call(req);
                async move {
                    let mut res = fut.await?;
                    let stream = res
                        .headers()
                        .get(actix_web::http::header::CONTENT_TYPE)
                        .and_then(|v| v.to_str().ok())
                        .is_some_and(|v| v.starts_with("text/event-stream"));
                    if stream {
                        res.headers_mut().insert(
                            actix_web::http::header::CONTENT_ENCODING,
                            HeaderValue::from_static("identity"),
                        );
                    }
                    Ok(res)
                }
            })
            // Text and JSON are compressed (gzip or brotli) when the client asks for it.
            .wrap(actix_web::middleware::Compress::default())
            .wrap(TracingLogger::<MinyiRootSpan>::new())
            .configure(crate::routes::configure)
    })
    // A client that closes its side is gone: stop streaming to it at once, so a closed live
    // stream frees its slot (`hall.max_streams_per_session`) without waiting for a write to fail.
    .h1_allow_half_closed(false)
    .listen(listener)?
    .run();
    Ok(server)
}
