//! Residents' data rights in the store: profile, consents, the access log, exports, erasure and
//! retention. The SQL is in the named constants below (`sql_privacy.rs`), written once for both
//! backends; `impl_privacy_store!` only binds them (the backend glue).
use crate::domain::ids::*;
use crate::store::Audit;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

/// A resident's profile (issue 16.3) and the identifiers behind it.
#[derive(Clone, sqlx::FromRow)]
pub struct ProfileRow {
    pub account_id: AccountId,
    pub role: String,
    pub display_name: String,
    /// The name or nickname the resident chose; `None` until they choose one.
    pub profile_name: Option<String>,
    pub building_id: Option<BuildingId>,
    pub building_name: Option<String>,
    pub phone: Option<String>,
    pub has_wechat: bool,
    pub community_id: Option<CommunityId>,
    pub erased_at: Option<DateTime<Utc>>,
}

/// Personal data stays out of `Debug` (and so out of logs).
impl std::fmt::Debug for ProfileRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProfileRow")
            .field("account_id", &self.account_id)
            .finish_non_exhaustive()
    }
}

/// A consent: a resident accepting a notice version, or one recorded in assist mode.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ConsentRow {
    /// `account` (the resident accepted the notice) or `assist` (recorded by a volunteer).
    pub kind: String,
    pub notice_version: String,
    pub accepted_at: DateTime<Utc>,
    pub suggestion_id: Option<SuggestionId>,
    /// The staff member who recorded an assist-mode consent.
    pub recorded_by_name: Option<String>,
}

/// A staff member saw unmasked personal data.
#[derive(Debug, Clone)]
pub struct NewAccess {
    pub at: DateTime<Utc>,
    pub staff: AccountId,
    pub community: CommunityId,
    pub subject_account: Option<AccountId>,
    pub subject_person: Option<PersonId>,
    /// `name`, `phone` or `name,phone`.
    pub fields: &'static str,
    /// `callback` or `paper_correction`.
    pub purpose: &'static str,
    pub reason: Option<String>,
    pub request_id: Option<String>,
}

/// One access-log entry for administrators; `subject_name` is raw and must be masked before
/// it leaves the server.
#[derive(Clone, sqlx::FromRow)]
pub struct AccessRow {
    pub access_id: i64,
    pub at: DateTime<Utc>,
    pub staff_account_id: AccountId,
    pub staff_name: String,
    pub staff_role: String,
    pub community_id: CommunityId,
    pub community_name: String,
    pub subject_account_id: Option<AccountId>,
    pub subject_person_id: Option<PersonId>,
    pub subject_name: Option<String>,
    pub fields: String,
    pub purpose: String,
    pub reason: Option<String>,
}

impl std::fmt::Debug for AccessRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessRow")
            .field("access_id", &self.access_id)
            .finish_non_exhaustive()
    }
}

/// What staff may see of a paper-form person (to correct or call back).
#[derive(Clone, sqlx::FromRow)]
pub struct PersonContact {
    pub person_id: PersonId,
    pub community_id: CommunityId,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl std::fmt::Debug for PersonContact {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PersonContact")
            .field("person_id", &self.person_id)
            .finish_non_exhaustive()
    }
}

// --- export --------------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ExportAccount {
    pub account_id: AccountId,
    pub role: String,
    pub display_name: String,
    pub profile_name: Option<String>,
    pub phone: Option<String>,
    pub wechat_openid: Option<String>,
    pub wechat_unionid: Option<String>,
    pub community_id: Option<CommunityId>,
    pub community_name: Option<String>,
    pub building_id: Option<BuildingId>,
    pub building_name: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ExportSuggestion {
    pub suggestion_id: SuggestionId,
    pub community_id: CommunityId,
    pub channel: String,
    pub title: Option<String>,
    pub body: String,
    pub state: String,
    pub building_id: Option<BuildingId>,
    pub building_name: Option<String>,
    pub place: Option<String>,
    pub category: Option<String>,
    pub show_author: bool,
    pub consent_by_resident: bool,
    pub author_person_id: Option<PersonId>,
    pub paper_batch_id: Option<PaperBatchId>,
    pub paper_serial: Option<String>,
    pub collection_point: Option<String>,
    pub collected_on: Option<NaiveDate>,
    pub topic_id: Option<TopicId>,
    pub topic_title: Option<String>,
    pub topic_status: Option<String>,
    pub entered_by_name: Option<String>,
    pub entered_by_role: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An upload of the resident's, or a photo attached to a paper form entered for them.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ExportPhoto {
    pub upload_id: String,
    pub sha256: String,
    pub content_type: String,
    pub byte_size: i64,
    pub created_at: DateTime<Utc>,
    /// The suggestion that shows it, if any.
    pub suggestion_id: Option<SuggestionId>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ExportTimeline {
    pub topic_id: TopicId,
    pub kind: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ExportSupport {
    pub topic_id: TopicId,
    pub topic_title: String,
    pub topic_status: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ExportSatisfaction {
    pub topic_id: TopicId,
    pub topic_title: String,
    pub round: i32,
    pub answer: String,
    pub comment: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ExportNotification {
    pub notification_id: i64,
    pub topic_id: TopicId,
    pub topic_title: String,
    pub kind: String,
    pub body: String,
    pub channel: String,
    pub state: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
    pub sent_at: Option<DateTime<Utc>>,
    /// A call-back about a paper form: the staff member who made it.
    pub done_by_name: Option<String>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ExportGrant {
    pub template_id: String,
    pub remaining: i32,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ExportSession {
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ExportAccess {
    pub at: DateTime<Utc>,
    pub staff_name: String,
    pub staff_role: String,
    pub fields: String,
    pub purpose: String,
    pub reason: Option<String>,
}

/// Everything minyi holds about one resident, as stored.
#[derive(Debug, Clone, Default)]
pub struct ExportData {
    pub account: Option<ExportAccount>,
    pub suggestions: Vec<ExportSuggestion>,
    /// Paper forms and assisted posts entered for the resident (linked by their phone).
    pub paper_forms: Vec<ExportSuggestion>,
    pub persons: Vec<PersonContact>,
    pub photos: Vec<ExportPhoto>,
    pub timeline: Vec<ExportTimeline>,
    pub supports: Vec<ExportSupport>,
    pub satisfaction: Vec<ExportSatisfaction>,
    pub notifications: Vec<ExportNotification>,
    pub grants: Vec<ExportGrant>,
    pub consents: Vec<ConsentRow>,
    pub sessions: Vec<ExportSession>,
    pub access_log: Vec<ExportAccess>,
}

/// A background export.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ExportJobRow {
    pub export_id: String,
    pub account_id: AccountId,
    pub state: String,
    pub byte_size: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub ready_at: Option<DateTime<Utc>>,
    pub expires_at: DateTime<Utc>,
}

// --- erasure -------------------------------------------------------------------------------

/// A stored photo: enough to delete the row and, when no other upload shares the bytes, the blob.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct UploadRef {
    pub upload_id: String,
    pub sha256: String,
    pub content_type: String,
}

/// The account being erased, as stored.
#[derive(Clone, sqlx::FromRow)]
pub struct AccountSubject {
    pub account_id: AccountId,
    pub community_id: Option<CommunityId>,
    pub display_name: String,
    pub profile_name: Option<String>,
    pub phone: Option<String>,
    pub wechat_openid: Option<String>,
    pub wechat_unionid: Option<String>,
}

impl std::fmt::Debug for AccountSubject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountSubject")
            .field("account_id", &self.account_id)
            .finish_non_exhaustive()
    }
}

/// A suggestion whose texts an erasure rewrites.
#[derive(Clone, sqlx::FromRow)]
pub struct SubjectSuggestion {
    pub suggestion_id: SuggestionId,
    pub community_id: CommunityId,
    pub title: Option<String>,
    pub body: String,
    pub place: Option<String>,
    /// Posted by the account itself (not a paper form linked by phone).
    pub own: bool,
}

impl std::fmt::Debug for SubjectSuggestion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SubjectSuggestion")
            .field("suggestion_id", &self.suggestion_id)
            .finish_non_exhaustive()
    }
}

/// Everything an erasure must reach: the account (if any), the paper-form persons, their
/// suggestions and photos, and the background exports.
#[derive(Debug, Clone, Default)]
pub struct ErasureSubject {
    pub account: Option<AccountSubject>,
    pub persons: Vec<PersonContact>,
    pub suggestions: Vec<SubjectSuggestion>,
    pub uploads: Vec<UploadRef>,
    pub exports: Vec<String>,
}

/// What an erasure writes, decided by `privacy::erasure::plan` (pure).
#[derive(Debug, Clone, Default)]
pub struct ErasurePlan {
    /// Turn this account into a tombstone without personal data; revoke its sessions.
    pub account: Option<AccountId>,
    /// Paper-form persons whose name and phone are erased.
    pub persons: Vec<PersonId>,
    /// Suggestions' new texts: `(id, title, body, place)`.
    pub texts: Vec<(SuggestionId, Option<String>, String, Option<String>)>,
    /// Exact strings (the names and phone numbers) to replace wherever else they were written
    /// in these communities: topics, timelines, meetings, other texts, the audit log.
    pub needles: Vec<String>,
    pub communities: Vec<CommunityId>,
    pub uploads: Vec<UploadRef>,
    pub exports: Vec<String>,
    /// `account.erase` or `person.erase`.
    pub action: &'static str,
    /// Recorded with the erasure: counts only, never personal data.
    pub summary: serde_json::Value,
}

#[async_trait]
pub trait PrivacyStore: Send + Sync {
    // --- profile ---------------------------------------------------------------------------
    async fn profile(&self, account: AccountId) -> anyhow::Result<Option<ProfileRow>>;
    /// Set (or clear) the resident's chosen name and building; audited with the name masked.
    async fn set_profile(
        &self,
        account: AccountId,
        name: Option<&str>,
        building: Option<BuildingId>,
        audit: &Audit,
    ) -> anyhow::Result<()>;
    /// Change the resident's phone (already proven by an SMS code); `false` when another
    /// account holds it.
    async fn set_phone(
        &self,
        account: AccountId,
        phone: &str,
        audit: &Audit,
    ) -> anyhow::Result<bool>;
    /// The development login's name becomes the profile name if none was chosen.
    async fn default_profile_name(&self, account: AccountId, name: &str) -> anyhow::Result<()>;

    // --- consent ---------------------------------------------------------------------------
    async fn consents(&self, account: AccountId) -> anyhow::Result<Vec<ConsentRow>>;
    async fn accept_notice(
        &self,
        account: AccountId,
        version: &str,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()>;
    /// Link an assist-mode consent to its suggestion (once; a retry changes nothing).
    async fn record_assist_consent(
        &self,
        suggestion: SuggestionId,
        version: &str,
        recorded_by: AccountId,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()>;
    async fn suggestion_consent(
        &self,
        suggestion: SuggestionId,
    ) -> anyhow::Result<Option<ConsentRow>>;

    // --- access log ------------------------------------------------------------------------
    async fn log_access(&self, rows: &[NewAccess]) -> anyhow::Result<()>;
    /// Newest first, in these communities, before `before` (an `access_id`).
    async fn access_log(
        &self,
        communities: &[CommunityId],
        before: Option<i64>,
        limit: i64,
    ) -> anyhow::Result<Vec<AccessRow>>;
    /// The paper-form persons shown by these call-back rows: `(callback_id, person)`.
    async fn callback_persons(&self, callbacks: &[i64]) -> anyhow::Result<Vec<(i64, PersonId)>>;
    async fn person_contact(&self, person: PersonId) -> anyhow::Result<Option<PersonContact>>;

    // --- export ----------------------------------------------------------------------------
    async fn export_data(&self, account: AccountId) -> anyhow::Result<ExportData>;
    async fn create_export(
        &self,
        id: &str,
        account: AccountId,
        now: DateTime<Utc>,
        expires: DateTime<Utc>,
    ) -> anyhow::Result<()>;
    async fn export_job(&self, id: &str) -> anyhow::Result<Option<ExportJobRow>>;
    /// Take the lease on a pending export until `until`; `false` when another process has it.
    async fn claim_export(
        &self,
        id: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> anyhow::Result<bool>;
    /// Pending exports nobody holds a lease on.
    async fn unclaimed_exports(
        &self,
        now: DateTime<Utc>,
        limit: i64,
    ) -> anyhow::Result<Vec<ExportJobRow>>;
    async fn finish_export(
        &self,
        id: &str,
        byte_size: Option<i64>,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()>;
    async fn expired_exports(&self, now: DateTime<Utc>) -> anyhow::Result<Vec<String>>;
    async fn delete_exports(&self, ids: &[String]) -> anyhow::Result<u64>;

    // --- erasure ---------------------------------------------------------------------------
    /// The account and the paper-form persons linked to it by its phone.
    async fn account_subject(&self, account: AccountId) -> anyhow::Result<ErasureSubject>;
    /// Paper-form persons of one community, by phone or by one of their suggestions.
    async fn person_subject(
        &self,
        community: CommunityId,
        phone: Option<&str>,
        suggestion: Option<SuggestionId>,
    ) -> anyhow::Result<ErasureSubject>;
    /// Apply an erasure in one transaction, recorded in the audit log without personal data.
    async fn apply_erasure(&self, plan: &ErasurePlan, audit: &Audit) -> anyhow::Result<()>;
    /// Of these content hashes, those no upload row refers to any more (their blobs can go).
    async fn unreferenced_hashes(&self, hashes: &[String]) -> anyhow::Result<Vec<String>>;
    /// After an erasure: make deleted values unrecoverable from the database files where the
    /// backend allows it (SQLite: checkpoint and truncate the WAL; pages are zeroed by
    /// `secure_delete`).
    async fn compact(&self) -> anyhow::Result<()>;

    // --- retention -------------------------------------------------------------------------
    /// Paper-form persons with contact data and no suggestion or call-back since `before`.
    async fn due_person_contacts(
        &self,
        before: DateTime<Utc>,
        limit: i64,
    ) -> anyhow::Result<Vec<PersonId>>;
    async fn erase_person_contacts(&self, persons: &[PersonId]) -> anyhow::Result<u64>;
    /// Resident accounts with a phone and no login, refresh or suggestion since `before`.
    async fn due_account_phones(
        &self,
        before: DateTime<Utc>,
        limit: i64,
    ) -> anyhow::Result<Vec<AccountId>>;
    async fn erase_account_phones(
        &self,
        accounts: &[AccountId],
        now: DateTime<Utc>,
    ) -> anyhow::Result<u64>;
    async fn delete_sms_codes(&self, before: DateTime<Utc>) -> anyhow::Result<u64>;
    /// Residents' uploads from before `before` that no live suggestion shows.
    async fn due_unpublished_photos(
        &self,
        before: DateTime<Utc>,
        limit: i64,
    ) -> anyhow::Result<Vec<UploadRef>>;
    async fn delete_uploads(&self, uploads: &[UploadRef]) -> anyhow::Result<u64>;
    /// Erased accounts that still author suggestions not yet anonymised (posted while the
    /// erasure ran).
    async fn erased_with_leftovers(&self, limit: i64) -> anyhow::Result<Vec<AccountId>>;
    /// Record a retention run (counts only).
    async fn record_retention(
        &self,
        summary: &serde_json::Value,
        at: DateTime<Utc>,
    ) -> anyhow::Result<()>;
}
