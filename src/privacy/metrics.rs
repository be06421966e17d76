//! Metrics of residents' data rights: what retention erased, erasures, exports.
use prometheus::{IntCounterVec, IntGauge, Opts, Registry};

#[derive(Clone)]
pub struct PrivacyMetrics {
    /// Rows (and files) the retention job erased, by kind.
    pub retention_erased: IntCounterVec,
    /// Retention runs by outcome (`ok`, `failed`).
    pub retention_runs: IntCounterVec,
    /// Unix time of the last successful retention run (0: none yet in this process).
    pub retention_last_success: IntGauge,
    /// Erasures by kind (`account`, `person`).
    pub erasures: IntCounterVec,
    /// Exports by how they were delivered (`inline`, `background`, `failed`).
    pub exports: IntCounterVec,
}

impl PrivacyMetrics {
    pub fn register(registry: &Registry) -> anyhow::Result<Self> {
        let m = Self {
            retention_erased: IntCounterVec::new(
                Opts::new(
                    "privacy_retention_erased_total",
                    "Personal data erased by the retention job, by kind",
                ),
                &["kind"],
            )?,
            retention_runs: IntCounterVec::new(
                Opts::new(
                    "privacy_retention_runs_total",
                    "Retention job runs by outcome",
                ),
                &["outcome"],
            )?,
            retention_last_success: IntGauge::new(
                "privacy_retention_last_success_timestamp_seconds",
                "Unix time of the last successful retention run",
            )?,
            erasures: IntCounterVec::new(
                Opts::new(
                    "privacy_erasures_total",
                    "Erasures of personal data by kind",
                ),
                &["kind"],
            )?,
            exports: IntCounterVec::new(
                Opts::new(
                    "privacy_exports_total",
                    "Residents' data exports by delivery",
                ),
                &["delivery"],
            )?,
        };
        registry.register(Box::new(m.retention_erased.clone()))?;
        registry.register(Box::new(m.retention_runs.clone()))?;
        registry.register(Box::new(m.retention_last_success.clone()))?;
        registry.register(Box::new(m.erasures.clone()))?;
        registry.register(Box::new(m.exports.clone()))?;
        // Every kind is visible from the start, at zero.
        for kind in crate::privacy::retention::RetentionReport::default().kinds() {
            m.retention_erased.with_label_values(&[kind.0]);
        }
        Ok(m)
    }
}
