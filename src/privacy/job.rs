//! The shell around the rules: exports built from the store and the blob storage, erasures
//! applied with their files, and the scheduled retention job (worker role).
use crate::domain::ids::{AccountId, CommunityId, SuggestionId};
use crate::media::BlobStorage;
use crate::privacy::erasure::{blob_key, plan_account, plan_persons};
use crate::privacy::export::{self, ExportLabels};
use crate::privacy::metrics::PrivacyMetrics;
use crate::privacy::retention::{Cutoffs, RetentionReport, BATCH};
use crate::privacy::PrivacySettings;
use crate::store::{Audit, DynStore, ErasurePlan, ExportData, UploadRef, WithdrawOutcome};
use anyhow::Context;
use chrono::{DateTime, Utc};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// How long a process may build one export before another may take it over.
const EXPORT_LEASE: chrono::Duration = chrono::Duration::minutes(10);

pub struct PrivacyService {
    pub store: DynStore,
    pub blobs: Arc<dyn BlobStorage>,
    pub settings: PrivacySettings,
    pub metrics: PrivacyMetrics,
    /// `data_dir/exports`: prepared archives until they expire.
    pub exports_dir: PathBuf,
    pub labels: ExportLabels,
}

/// How an export request is answered.
pub enum ExportStart {
    /// Small enough: the archive, at once.
    Ready(Vec<u8>),
    /// Prepared in the background under this id.
    Pending(String),
    /// No such (live) account.
    NotFound,
}

/// What an erasure did, without personal data (also the audit record's content).
pub type ErasureSummary = serde_json::Value;

impl PrivacyService {
    /// The archive's file for an export id (ids are 32 hex characters; anything else is refused).
    pub fn export_path(&self, id: &str) -> Option<PathBuf> {
        let ok = id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit());
        ok.then(|| self.exports_dir.join(format!("{id}.zip")))
    }

    async fn photos(&self, d: &ExportData) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
        let mut out = Vec::new();
        for p in export::distinct_photos(d) {
            let r = UploadRef {
                upload_id: p.upload_id.clone(),
                sha256: p.sha256.clone(),
                content_type: p.content_type.clone(),
            };
            let Some(key) = blob_key(&r) else { continue };
            if let Some(bytes) = self.blobs.get(&key).await? {
                out.push((export::photo_path(p), bytes));
            }
        }
        Ok(out)
    }

    async fn archive(&self, d: ExportData) -> anyhow::Result<Vec<u8>> {
        let doc = export::document(&d, &self.labels, Utc::now());
        let photos = self.photos(&d).await?;
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || {
            span.in_scope(|| {
                export::write_zip(std::io::Cursor::new(Vec::new()), &doc, &photos)
                    .map(|c| c.into_inner())
            })
        })
        .await
        .context("the export task")?
    }

    /// Answer at once when the export is small, else queue it and start building it here.
    pub async fn start_export(self: &Arc<Self>, account: AccountId) -> anyhow::Result<ExportStart> {
        let d = self.store.export_data(account).await?;
        if d.account.is_none() {
            return Ok(ExportStart::NotFound);
        }
        let max = self.settings.export_inline_max_bytes;
        if max > 0 && export::photo_bytes(&d) <= max {
            let bytes = self.archive(d).await?;
            self.metrics.exports.with_label_values(&["inline"]).inc();
            return Ok(ExportStart::Ready(bytes));
        }
        let id = uuid::Uuid::new_v4().simple().to_string();
        let now = Utc::now();
        let expires = now + chrono::Duration::hours(self.settings.export_ttl_hours);
        self.store.create_export(&id, account, now, expires).await?;
        let me = self.clone();
        let job = id.clone();
        tokio::spawn(async move {
            if let Err(e) = me.build_export(&job).await {
                tracing::warn!(error = %format!("{e:#}"), "building an export failed; the worker retries");
            }
        });
        Ok(ExportStart::Pending(id))
    }

    /// Build one pending export if no other process holds it.
    pub async fn build_export(&self, id: &str) -> anyhow::Result<()> {
        let now = Utc::now();
        if !self.store.claim_export(id, now, now + EXPORT_LEASE).await? {
            return Ok(());
        }
        let Some(job) = self.store.export_job(id).await? else {
            return Ok(());
        };
        let path = self.export_path(id).context("malformed export id")?;
        let d = self.store.export_data(job.account_id).await?;
        if d.account.is_none() {
            self.store.finish_export(id, None, Utc::now()).await?;
            self.metrics.exports.with_label_values(&["failed"]).inc();
            return Ok(());
        }
        let bytes = self.archive(d).await?;
        tokio::fs::create_dir_all(&self.exports_dir)
            .await
            .with_context(|| format!("creating {}", self.exports_dir.display()))?;
        let tmp = path.with_extension("zip.tmp");
        tokio::fs::write(&tmp, &bytes)
            .await
            .context("writing an export")?;
        tokio::fs::rename(&tmp, &path)
            .await
            .context("placing an export")?;
        self.store
            .finish_export(id, Some(bytes.len() as i64), Utc::now())
            .await?;
        self.metrics
            .exports
            .with_label_values(&["background"])
            .inc();
        Ok(())
    }

    /// Exports whose builder died (or was never started here): build them now.
    pub async fn build_unclaimed_exports(&self) -> anyhow::Result<usize> {
        let jobs = self.store.unclaimed_exports(Utc::now(), 10).await?;
        for j in &jobs {
            self.build_export(&j.export_id).await?;
        }
        Ok(jobs.len())
    }

    async fn remove_files(&self, uploads: &[UploadRef], exports: &[String]) -> anyhow::Result<u64> {
        let hashes: Vec<String> = uploads.iter().map(|u| u.sha256.clone()).collect();
        let gone = self.store.unreferenced_hashes(&hashes).await?;
        let mut files = 0;
        for h in gone {
            if let Some(u) = uploads.iter().find(|u| u.sha256 == h) {
                if let Some(key) = blob_key(u) {
                    self.blobs.delete(&key).await?;
                    files += 1;
                }
            }
        }
        for id in exports {
            if let Some(path) = self.export_path(id) {
                match tokio::fs::remove_file(&path).await {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(e).context("deleting an export"),
                }
            }
        }
        Ok(files)
    }

    async fn apply(&self, plan: &ErasurePlan, audit: &Audit) -> anyhow::Result<()> {
        self.store.apply_erasure(plan, audit).await?;
        self.remove_files(&plan.uploads, &plan.exports).await?;
        self.store.compact().await?;
        Ok(())
    }

    /// Erase a resident's account; with `withdraw`, their suggestions are withdrawn first
    /// (those on a meeting's agenda cannot be and stay as anonymous voices). `None`: no such
    /// resident.
    pub async fn erase_account(
        &self,
        account: AccountId,
        withdraw: bool,
        audit: &Audit,
    ) -> anyhow::Result<Option<ErasureSummary>> {
        let mut withdrawn = 0;
        if withdraw {
            let subject = self.store.account_subject(account).await?;
            for s in &subject.suggestions {
                if matches!(
                    self.store
                        .withdraw_suggestion(s.suggestion_id, account, audit)
                        .await?,
                    WithdrawOutcome::Withdrawn
                ) {
                    withdrawn += 1;
                }
            }
        }
        let subject = self.store.account_subject(account).await?;
        let Some(plan) = plan_account(&subject, withdrawn) else {
            return Ok(None);
        };
        self.apply(&plan, audit).await?;
        self.metrics.erasures.with_label_values(&["account"]).inc();
        Ok(Some(plan.summary))
    }

    /// Erase paper-form persons of a community (by phone, or by one of their forms) at staff's
    /// request. `None`: nobody matched.
    pub async fn erase_persons(
        &self,
        community: CommunityId,
        phone: Option<&str>,
        suggestion: Option<SuggestionId>,
        audit: &Audit,
    ) -> anyhow::Result<Option<ErasureSummary>> {
        let subject = self
            .store
            .person_subject(community, phone, suggestion)
            .await?;
        let Some(plan) = plan_persons(&subject, 0) else {
            return Ok(None);
        };
        self.apply(&plan, audit).await?;
        self.metrics.erasures.with_label_values(&["person"]).inc();
        Ok(Some(plan.summary))
    }

    /// One retention run at `now`: erase what is due, nothing else. Idempotent.
    pub async fn run_retention(&self, now: DateTime<Utc>) -> anyhow::Result<RetentionReport> {
        let c = Cutoffs::at(&self.settings, now);
        let mut r = RetentionReport::default();
        let persons = self
            .store
            .due_person_contacts(c.paper_contacts, BATCH)
            .await?;
        r.paper_contacts = self.store.erase_person_contacts(&persons).await?;
        let phones = self
            .store
            .due_account_phones(c.account_phones, BATCH)
            .await?;
        r.account_phones = self.store.erase_account_phones(&phones, now).await?;
        r.sms_codes = self.store.delete_sms_codes(c.sms_codes).await?;
        let photos = self
            .store
            .due_unpublished_photos(c.unpublished_photos, BATCH)
            .await?;
        r.unpublished_photos = self.store.delete_uploads(&photos).await?;
        let expired = self.store.expired_exports(now).await?;
        r.photo_files = self.remove_files(&photos, &expired).await?;
        r.expired_exports = self.store.delete_exports(&expired).await?;
        let system = Audit {
            reason: Some("注销时仍在提交的内容，补充删除 / finishing an erasure".into()),
            at: now,
            ..Audit::system("system")
        };
        for account in self.store.erased_with_leftovers(BATCH).await? {
            if self.erase_account(account, false, &system).await?.is_some() {
                r.erased_account_leftovers += 1;
            }
        }
        if r.total() > 0 {
            let summary = serde_json::to_value(r)?;
            self.store.record_retention(&summary, now).await?;
            self.store.compact().await?;
        }
        for (kind, n) in r.kinds() {
            self.metrics
                .retention_erased
                .with_label_values(&[kind])
                .inc_by(n);
        }
        Ok(r)
    }

    /// The worker's loop: exports left unbuilt every minute, retention every
    /// `privacy.retention_interval_minutes`.
    pub async fn run(self: Arc<Self>) {
        let every = Duration::from_secs(self.settings.retention_interval_minutes.max(1) * 60);
        let mut last: Option<std::time::Instant> = None;
        loop {
            if let Err(e) = self.build_unclaimed_exports().await {
                tracing::warn!(error = %format!("{e:#}"), "building pending exports failed");
            }
            if last.is_none_or(|t| t.elapsed() >= every) {
                last = Some(std::time::Instant::now());
                match self.run_retention(Utc::now()).await {
                    Ok(r) => {
                        self.metrics.retention_runs.with_label_values(&["ok"]).inc();
                        self.metrics
                            .retention_last_success
                            .set(Utc::now().timestamp());
                        if r.total() > 0 {
                            tracing::info!(
                                erased = r.total(),
                                "retention job erased due personal data"
                            );
                        }
                    }
                    Err(e) => {
                        self.metrics
                            .retention_runs
                            .with_label_values(&["failed"])
                            .inc();
                        tracing::warn!(error = %format!("{e:#}"), "the retention job failed; it runs again next time");
                    }
                }
            }
            tokio::time::sleep(Duration::from_secs(60).min(every)).await;
        }
    }
}
