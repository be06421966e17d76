//! The deliberation hall in the store: workers' corrections and the status workflow (each a
//! compare-and-set on the topic's version), meetings, residents' support and satisfaction,
//! notifications, the live event log and the raw figures behind statistics.
use crate::domain::ids::*;
use crate::hall::status::{TimelineKind, TopicStatus};
use crate::store::{Audit, TopicRow};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

/// The answer of an edit guarded by the topic's version (`If-Match`).
#[derive(Debug, Clone, PartialEq)]
pub enum Edit<T> {
    Done(T),
    /// The version did not match: someone else changed it first.
    Stale,
    NotFound,
    /// Refused for a reason the caller can name (a stable code).
    Invalid(&'static str),
}

/// Which topics an inbox shows.
#[derive(Debug, Clone, Default)]
pub struct InboxFilter {
    pub status: Option<TopicStatus>,
    pub category: Option<String>,
    /// `online` or `paper`: topics with at least one member from that channel.
    pub channel: Option<String>,
    pub building: Option<BuildingId>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Text search in titles, summaries and member texts.
    pub q: Option<String>,
    pub overdue: bool,
    pub now: DateTime<Utc>,
}

/// A public timeline entry to add in the same transaction as a change, notifying the topic's
/// authors and supporters.
#[derive(Debug, Clone)]
pub struct PublicNote {
    pub kind: TimelineKind,
    pub body: String,
    pub meeting: Option<MeetingId>,
    /// The subscribe-message template for this kind, when one is configured.
    pub template: Option<String>,
}

/// A status change decided by the caller (who checked the transition against the version it
/// read).
#[derive(Debug, Clone)]
pub struct StatusChange {
    pub status: TopicStatus,
    pub reason: Option<String>,
    /// The new status's deadline, if it has one.
    pub due_at: Option<DateTime<Utc>>,
    pub note: Option<PublicNote>,
    /// Count a reopening (发回重办) and flag the topic.
    pub reopen: bool,
}

#[derive(Debug, Clone, Default)]
pub struct TopicEdit {
    pub title: Option<String>,
    pub summary: Option<String>,
    pub category: Option<String>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct MemberRow {
    pub suggestion_id: SuggestionId,
    pub channel: String,
    pub title: Option<String>,
    pub body: String,
    pub building_id: Option<BuildingId>,
    pub building_name: Option<String>,
    pub pinned: bool,
    pub show_author: bool,
    /// The author's name (an account's display name or a paper form's name); callers mask it.
    pub author_name: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct TopicMeetingRow {
    pub meeting_id: MeetingId,
    pub title: String,
    pub held_at: DateTime<Utc>,
    pub status: String,
    pub decision: Option<String>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct MeetingRow {
    pub meeting_id: MeetingId,
    pub community_id: CommunityId,
    pub title: String,
    pub held_at: DateTime<Utc>,
    pub place: String,
    pub status: String,
    pub attendance_count: i32,
    pub attendance_names: Option<String>,
    pub minutes: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct AgendaRow {
    pub topic_id: TopicId,
    pub title: String,
    pub status: TopicStatus,
    pub position: i32,
    pub decision: Option<String>,
    pub decision_mode: Option<String>,
    pub votes_for: Option<i32>,
    pub votes_against: Option<i32>,
    pub votes_abstain: Option<i32>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ActionRow {
    pub action_id: i64,
    pub meeting_id: MeetingId,
    pub topic_id: Option<TopicId>,
    pub description: String,
    pub owner: String,
    pub due_on: Option<NaiveDate>,
    pub done: bool,
}

#[derive(Debug, Clone)]
pub struct NewMeeting {
    pub community: CommunityId,
    pub title: String,
    pub held_at: DateTime<Utc>,
    pub place: String,
    pub topics: Vec<TopicId>,
}

#[derive(Debug, Clone, Default)]
pub struct MeetingPatch {
    pub title: Option<String>,
    pub held_at: Option<DateTime<Utc>>,
    pub place: Option<String>,
    pub status: Option<String>,
    pub attendance_count: Option<i32>,
    pub attendance_names: Option<String>,
    pub minutes: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Decision {
    pub topic: TopicId,
    pub decision: String,
    pub mode: String,
    pub votes_for: Option<i32>,
    pub votes_against: Option<i32>,
    pub votes_abstain: Option<i32>,
}

#[derive(Debug, Clone)]
pub struct NewAction {
    pub topic: Option<TopicId>,
    pub description: String,
    pub owner: String,
    pub due_on: Option<NaiveDate>,
}

/// What scheduling a topic into a meeting does to it.
#[derive(Debug, Clone)]
pub struct Scheduling {
    pub due_at: Option<DateTime<Utc>>,
    pub template: Option<String>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct NotificationRow {
    pub notification_id: i64,
    pub topic_id: TopicId,
    pub title: String,
    pub kind: TimelineKind,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub read: bool,
}

/// A WeChat subscribe message waiting to be sent.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutgoingMessage {
    pub notification_id: i64,
    pub attempts: i32,
    pub openid: Option<String>,
    pub topic_id: TopicId,
    pub topic_title: String,
    pub kind: TimelineKind,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct CallbackRow {
    pub callback_id: i64,
    pub topic_id: TopicId,
    pub topic_title: String,
    pub timeline_body: String,
    pub person_name: Option<String>,
    pub phone: Option<String>,
    pub created_at: DateTime<Utc>,
    pub done: bool,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct EventRow {
    pub event_id: i64,
    pub community_id: CommunityId,
    pub kind: String,
    pub topic_id: Option<i64>,
    pub suggestion_id: Option<i64>,
    pub payload: String,
}

/// Satisfaction answers of a topic's current round.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SatisfactionCounts {
    pub satisfied: i64,
    pub basically_satisfied: i64,
    pub unsatisfied: i64,
}

impl SatisfactionCounts {
    pub fn total(&self) -> i64 {
        self.satisfied + self.basically_satisfied + self.unsatisfied
    }
}

/// A topic's first suggestion, first decision and last resolution.
pub type Durations = (DateTime<Utc>, Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// Rows behind the statistics, for one set of communities and a time range.
#[derive(Debug, Clone, Default)]
pub struct StatsData {
    /// (created_at, channel, building id and name, category) of suggestions received.
    pub suggestions: Vec<StatsSuggestion>,
    pub topics_by_status: Vec<(String, i64)>,
    /// (first suggestion, decided, resolved) of topics decided or resolved in the range.
    pub durations: Vec<Durations>,
    /// Deadlines that ended in the range: met or not.
    pub deadlines_met: i64,
    pub deadlines_missed: i64,
    /// Topics overdue now (their deadline has passed and they are still waiting).
    pub overdue_now: i64,
    pub satisfaction: SatisfactionCounts,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StatsSuggestion {
    pub created_at: DateTime<Utc>,
    pub channel: String,
    pub building_id: Option<BuildingId>,
    pub building_name: Option<String>,
    pub category: Option<String>,
}

/// The hall's reading of topics: the inbox and a topic's members, meetings and supporters.
#[async_trait]
pub trait InboxStore: Send + Sync {
    async fn inbox(
        &self,
        community: CommunityId,
        filter: &InboxFilter,
        sort: crate::store::TopicSort,
        limit: i64,
        offset: i64,
    ) -> anyhow::Result<Vec<TopicRow>>;
    async fn overdue_count(
        &self,
        community: CommunityId,
        now: DateTime<Utc>,
    ) -> anyhow::Result<i64>;
    async fn members(&self, topic: TopicId, limit: i64) -> anyhow::Result<Vec<MemberRow>>;
    async fn topic_meetings(&self, topic: TopicId) -> anyhow::Result<Vec<TopicMeetingRow>>;
    /// Topics the account supports among `ids`.
    async fn supported_among(
        &self,
        account: AccountId,
        ids: &[TopicId],
    ) -> anyhow::Result<Vec<TopicId>>;
}

/// Workers' corrections and the status workflow, each a compare-and-set on the topic's version.
#[async_trait]
pub trait CorrectionStore: Send + Sync {
    async fn edit_topic(
        &self,
        topic: TopicId,
        version: i32,
        edit: &TopicEdit,
        audit: &Audit,
    ) -> anyhow::Result<Edit<()>>;
    async fn change_status(
        &self,
        topic: TopicId,
        version: i32,
        change: &StatusChange,
        audit: &Audit,
    ) -> anyhow::Result<Edit<()>>;
    /// Merge `source` into `target`; members move, supporters are added once per person.
    async fn merge_topics(
        &self,
        source: TopicId,
        version: i32,
        target: TopicId,
        note: &PublicNote,
        audit: &Audit,
    ) -> anyhow::Result<Edit<()>>;
    /// Undo the last merge of `source`: its members and supporters come back as they were, the
    /// merge's public timeline entry is hidden and `note` tells residents.
    async fn unmerge_topic(
        &self,
        source: TopicId,
        version: i32,
        note: &PublicNote,
        audit: &Audit,
    ) -> anyhow::Result<Edit<TopicId>>;
    /// Move `members` of `topic` into a new topic, pinned there; the new topic's id.
    async fn split_topic(
        &self,
        topic: TopicId,
        version: i32,
        members: &[SuggestionId],
        title: &str,
        due_at: Option<DateTime<Utc>>,
        audit: &Audit,
    ) -> anyhow::Result<Edit<TopicId>>;
    /// Move a suggestion into `target` (guarded by the target's version) and pin it there.
    async fn move_suggestion(
        &self,
        suggestion: SuggestionId,
        target: TopicId,
        version: i32,
        audit: &Audit,
    ) -> anyhow::Result<Edit<()>>;
    async fn pin_suggestion(
        &self,
        suggestion: SuggestionId,
        pinned: bool,
        audit: &Audit,
    ) -> anyhow::Result<Edit<()>>;
    /// A public reply on the timeline.
    async fn add_note(
        &self,
        topic: TopicId,
        note: &PublicNote,
        audit: &Audit,
    ) -> anyhow::Result<Edit<()>>;
}

/// Residents taking part: support and satisfaction.
#[async_trait]
pub trait ParticipationStore: Send + Sync {
    /// Support or withdraw support; the topic's supporter count after.
    async fn set_support(
        &self,
        topic: TopicId,
        account: AccountId,
        on: bool,
    ) -> anyhow::Result<Edit<i32>>;
    /// Whether the account spoke in or supports this topic.
    async fn took_part(&self, topic: TopicId, account: AccountId) -> anyhow::Result<bool>;
    /// Record an answer for the current round; then reopen the topic when the unsatisfied
    /// share reaches `reopen_share` with at least `min_answers` answers.
    #[allow(clippy::too_many_arguments)]
    async fn answer_satisfaction(
        &self,
        topic: TopicId,
        account: AccountId,
        answer: &str,
        comment: Option<&str>,
        min_answers: i64,
        reopen_share: f64,
        reopen: &StatusChange,
    ) -> anyhow::Result<Edit<(SatisfactionCounts, bool)>>;
    async fn satisfaction(&self, topic: TopicId) -> anyhow::Result<SatisfactionCounts>;
    async fn my_satisfaction(
        &self,
        topic: TopicId,
        account: AccountId,
    ) -> anyhow::Result<Option<(String, Option<String>)>>;
}

/// Meetings (议事会): agenda, decisions and follow-up actions.
#[async_trait]
pub trait MeetingStore: Send + Sync {
    async fn create_meeting(
        &self,
        m: &NewMeeting,
        scheduling: &Scheduling,
        audit: &Audit,
    ) -> anyhow::Result<Edit<MeetingId>>;
    async fn meetings(&self, community: CommunityId) -> anyhow::Result<Vec<MeetingRow>>;
    async fn meeting(&self, id: MeetingId) -> anyhow::Result<Option<MeetingRow>>;
    async fn agenda(&self, id: MeetingId) -> anyhow::Result<Vec<AgendaRow>>;
    async fn actions(&self, id: MeetingId) -> anyhow::Result<Vec<ActionRow>>;
    async fn update_meeting(
        &self,
        id: MeetingId,
        version: i32,
        patch: &MeetingPatch,
        audit: &Audit,
    ) -> anyhow::Result<Edit<()>>;
    async fn set_agenda(
        &self,
        id: MeetingId,
        topics: &[TopicId],
        scheduling: &Scheduling,
        audit: &Audit,
    ) -> anyhow::Result<Edit<()>>;
    async fn record_decision(
        &self,
        id: MeetingId,
        d: &Decision,
        change: &StatusChange,
        audit: &Audit,
    ) -> anyhow::Result<Edit<()>>;
    async fn add_action(
        &self,
        id: MeetingId,
        a: &NewAction,
        audit: &Audit,
    ) -> anyhow::Result<Edit<i64>>;
    async fn set_action_done(
        &self,
        action: i64,
        done: bool,
        audit: &Audit,
    ) -> anyhow::Result<Edit<MeetingId>>;
    async fn action_meeting(&self, action: i64) -> anyhow::Result<Option<MeetingId>>;
}

/// Notifications: in-app, WeChat subscribe messages and the call-back list.
#[async_trait]
pub trait NotificationStore: Send + Sync {
    async fn notifications(
        &self,
        account: AccountId,
        before: Option<i64>,
        limit: i64,
    ) -> anyhow::Result<(Vec<NotificationRow>, i64)>;
    async fn mark_read(&self, account: AccountId, ids: Option<&[i64]>) -> anyhow::Result<()>;
    /// Each accepted template allows one more message.
    async fn add_grants(&self, account: AccountId, templates: &[String]) -> anyhow::Result<()>;
    /// WeChat messages due now, oldest first.
    async fn due_messages(
        &self,
        now: DateTime<Utc>,
        limit: i64,
    ) -> anyhow::Result<Vec<OutgoingMessage>>;
    async fn message_sent(&self, id: i64, now: DateTime<Utc>) -> anyhow::Result<()>;
    async fn message_retry(&self, id: i64, next: DateTime<Utc>, error: &str) -> anyhow::Result<()>;
    /// The message cannot go through WeChat (no grant left, or given up): keep it in-app.
    async fn message_in_app(
        &self,
        id: i64,
        error: &str,
        drop_grants: Option<&str>,
    ) -> anyhow::Result<()>;
    async fn callbacks(
        &self,
        community: CommunityId,
        done: bool,
    ) -> anyhow::Result<Vec<CallbackRow>>;
    async fn callback_community(&self, id: i64) -> anyhow::Result<Option<CommunityId>>;
    async fn callback_done(&self, id: i64, audit: &Audit) -> anyhow::Result<()>;
}

/// The live event log behind the dashboard's event stream.
#[async_trait]
pub trait EventStore: Send + Sync {
    async fn events_after(
        &self,
        community: CommunityId,
        after: i64,
        limit: i64,
    ) -> anyhow::Result<Vec<EventRow>>;
    async fn last_event_id(&self, community: CommunityId) -> anyhow::Result<i64>;
    async fn trim_events(&self, before: DateTime<Utc>) -> anyhow::Result<u64>;
}

/// The raw figures behind statistics.
#[async_trait]
pub trait StatsStore: Send + Sync {
    async fn stats_data(
        &self,
        communities: &[CommunityId],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> anyhow::Result<StatsData>;
}
