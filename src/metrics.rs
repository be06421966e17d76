//! Prometheus metrics: request latency, queue lag and depth, grouping latency.
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
    TextEncoder,
};

pub struct Metrics {
    pub registry: Registry,
    pub http_latency: HistogramVec,
    pub queue_gauge: IntGaugeVec,
    pub queue_events: IntCounterVec,
    pub grouping_latency: HistogramVec,
    /// Login events: password_check, login_locked, address_throttled.
    pub auth_events: IntCounterVec,
    /// Age of the oldest accepted but unprocessed suggestion, in seconds.
    pub oldest_unprocessed: IntGauge,
    /// Where an accepted suggestion's time goes: `relay` (accepted → in the queue), `wait`
    /// (in the queue → read by its worker), `process` (read → processed and acknowledged),
    /// `total` (accepted → acknowledged).
    pub queue_stage: HistogramVec,
    pub privacy: crate::privacy::metrics::PrivacyMetrics,
}

impl Metrics {
    pub fn new() -> anyhow::Result<Self> {
        let registry = Registry::new_custom(Some("minyi".into()), None)?;
        let http_latency = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "HTTP request latency").buckets(
                vec![
                    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
                ],
            ),
            &["method", "route", "status"],
        )?;
        let queue_gauge = IntGaugeVec::new(
            Opts::new(
                "queue_messages",
                "Queue depth by kind: outbox_pending, pending, dead_letter, unprocessed",
            ),
            &["kind"],
        )?;
        let queue_events = IntCounterVec::new(
            Opts::new(
                "queue_events_total",
                "Queue events: processed, retried, reclaimed, dead_lettered, resent_after_loss, resent_stale",
            ),
            &["event"],
        )?;
        let grouping_latency = HistogramVec::new(
            HistogramOpts::new("grouping_duration_seconds", "Time to group one suggestion")
                .buckets(vec![0.0001, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.05, 0.1]),
            &["outcome"],
        )?;
        let auth_events = IntCounterVec::new(
            Opts::new(
                "auth_events_total",
                "Login events: password_check, login_locked, address_throttled",
            ),
            &["event"],
        )?;
        let oldest_unprocessed = IntGauge::new(
            "queue_oldest_unprocessed_seconds",
            "Age of the oldest accepted suggestion not yet processed (0: none waits)",
        )?;
        registry.register(Box::new(oldest_unprocessed.clone()))?;
        let queue_stage = HistogramVec::new(
            HistogramOpts::new(
                "queue_stage_seconds",
                "Time of an accepted suggestion in each stage: relay, wait, process, total",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0, 30.0,
            ]),
            &["stage"],
        )?;
        registry.register(Box::new(queue_stage.clone()))?;
        registry.register(Box::new(http_latency.clone()))?;
        registry.register(Box::new(auth_events.clone()))?;
        registry.register(Box::new(queue_gauge.clone()))?;
        registry.register(Box::new(queue_events.clone()))?;
        registry.register(Box::new(grouping_latency.clone()))?;
        let privacy = crate::privacy::metrics::PrivacyMetrics::register(&registry)?;
        Ok(Self {
            registry,
            http_latency,
            queue_gauge,
            queue_events,
            grouping_latency,
            auth_events,
            oldest_unprocessed,
            queue_stage,
            privacy,
        })
    }

    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut buf);
        String::from_utf8(buf).unwrap_or_default()
    }
}
