//! Meetings (议事会): the agenda (topics still waiting become `scheduled`), decisions with
//! their tallies (each a status change of its topic), minutes and follow-up actions.
use super::corrections::{self, bump_version};
use super::{audit, status, SqlStore, Tx};
use crate::domain::ids::*;
use crate::store::concat::const_concat;
use crate::store::splice::with_ids;
use crate::store::{ActionRow, AgendaRow, Audit, Decision, Edit, MeetingPatch, MeetingRow};
use crate::store::{MeetingStore, NewAction, NewMeeting, PublicNote, Scheduling, StatusChange};
use anyhow::Result;
use async_trait::async_trait;
use serde_json::json;

const INSERT_MEETING: &str = "insert into meeting (community_id, title, held_at, place,
        created_by_account_id, created_at, updated_at)
    values ($1, $2, $3, $4, $5, $6, $6)
    returning meeting_id";
const SELECT_MEETING: &str = "select meeting_id, community_id, title, held_at, place, status,
        attendance_count, attendance_names, minutes, version, created_at
    from meeting";
const MEETING_BY_ID: &str = const_concat!(SELECT_MEETING, " where meeting_id = $1");
const MEETINGS_OF_COMMUNITY: &str = const_concat!(
    SELECT_MEETING,
    " where community_id = $1 order by held_at desc, meeting_id desc limit 200"
);
const COMMUNITY_OF_MEETING: &str = "select community_id from meeting where meeting_id = $1";
/// Only the fields given change, and only if the meeting still is at version `$10`.
const UPDATE_MEETING: &str = "update meeting set title = coalesce($1, title),
        held_at = coalesce($2, held_at),
        place = coalesce($3, place),
        status = coalesce($4, status),
        attendance_count = coalesce($5, attendance_count),
        attendance_names = coalesce($6, attendance_names),
        minutes = coalesce($7, minutes),
        version = version + 1,
        updated_at = $8
    where meeting_id = $9 and version = $10";
const BUMP_MEETING_VERSION: &str = "update meeting set version = version + 1, updated_at = $1
    where meeting_id = $2";
/// A decision was taken: a planned meeting has been held.
const MEETING_HELD: &str = "update meeting
    set status = case when status = 'planned' then 'held' else status end,
        version = version + 1,
        updated_at = $1
    where meeting_id = $2";

const AGENDA: &str = "select mt.topic_id, t.title, t.status, mt.position, mt.decision,
        mt.decision_mode, mt.votes_for, mt.votes_against, mt.votes_abstain
    from meeting_topic mt join topic t on t.topic_id = mt.topic_id
    where mt.meeting_id = $1
    order by mt.position";
const LAST_AGENDA_POSITION: &str = "select max(position) from meeting_topic where meeting_id = $1";
const AGENDA_POSITION: &str =
    "select position from meeting_topic where meeting_id = $1 and topic_id = $2";
const ADD_TO_AGENDA: &str =
    "insert into meeting_topic (meeting_id, topic_id, position) values ($1, $2, $3)";
/// Topics taken off the agenda keep their status; decided ones cannot be removed.
const REMOVE_UNDECIDED_OTHERS: &str = "delete from meeting_topic
    where meeting_id = $1 and decision is null and topic_id not in ({ids})";
const SET_AGENDA_POSITION: &str = "update meeting_topic set position = $1
    where meeting_id = $2 and topic_id = $3";
const RECORD_DECISION: &str = "update meeting_topic set decision = $1, decision_mode = $2,
        votes_for = $3, votes_against = $4, votes_abstain = $5
    where meeting_id = $6 and topic_id = $7";

const ACTIONS_OF_MEETING: &str = "select action_id, meeting_id, topic_id, description, owner,
        due_on, done
    from meeting_action
    where meeting_id = $1
    order by action_id";
const INSERT_ACTION: &str = "insert into meeting_action (meeting_id, topic_id, description,
        owner, due_on, created_at, updated_at)
    values ($1, $2, $3, $4, $5, $6, $6)
    returning action_id";
const MEETING_OF_ACTION_WITH_COMMUNITY: &str = "select a.meeting_id, m.community_id
    from meeting_action a join meeting m on m.meeting_id = a.meeting_id
    where a.action_id = $1";
const SET_ACTION_DONE: &str =
    "update meeting_action set done = $1, updated_at = $2 where action_id = $3";
const MEETING_OF_ACTION: &str = "select meeting_id from meeting_action where action_id = $1";

async fn meeting_tx(tx: &mut Tx<'_>, id: MeetingId) -> Result<Option<MeetingRow>> {
    let query = sqlx::query_as(MEETING_BY_ID).bind(id);
    Ok(query.fetch_optional(&mut **tx).await?)
}

async fn agenda_position(
    tx: &mut Tx<'_>,
    meeting: MeetingId,
    topic: TopicId,
) -> Result<Option<i32>> {
    let query = sqlx::query_scalar(AGENDA_POSITION)
        .bind(meeting)
        .bind(topic);
    Ok(query.fetch_optional(&mut **tx).await?)
}

/// Put topics on a meeting's agenda; those still waiting become `scheduled`. The code of the
/// refusal when one is not a live topic of the meeting's community.
async fn schedule(
    tx: &mut Tx<'_>,
    meeting: &MeetingRow,
    topics: &[TopicId],
    scheduling: &Scheduling,
    audit: &Audit,
) -> Result<Option<&'static str>> {
    let max: Option<i32> = sqlx::query_scalar(LAST_AGENDA_POSITION)
        .bind(meeting.meeting_id)
        .fetch_one(&mut **tx)
        .await?;
    let mut position = max.unwrap_or(0);
    for id in topics {
        let Some(t) = corrections::topic(tx, *id).await? else {
            return Ok(Some("unknown_topic"));
        };
        if t.community_id != meeting.community_id
            || t.status == crate::hall::status::TopicStatus::Merged
        {
            return Ok(Some("unknown_topic"));
        }
        if agenda_position(tx, meeting.meeting_id, *id)
            .await?
            .is_some()
        {
            continue;
        }
        position += 1;
        sqlx::query(ADD_TO_AGENDA)
            .bind(meeting.meeting_id)
            .bind(id)
            .bind(position)
            .execute(&mut **tx)
            .await?;
        if matches!(t.status.as_str(), "new" | "accepted") {
            bump_version(tx, *id).await?;
            let when = meeting
                .held_at
                .with_timezone(&crate::hall::shanghai())
                .format("%Y-%m-%d %H:%M");
            let change = StatusChange {
                status: crate::hall::status::TopicStatus::Scheduled,
                reason: None,
                due_at: scheduling.due_at,
                note: Some(PublicNote {
                    kind: crate::hall::status::TimelineKind::Scheduled,
                    body: format!(
                        "已列入议事会《{}》，{} 在{}讨论",
                        meeting.title, when, meeting.place
                    ),
                    meeting: Some(meeting.meeting_id),
                    template: scheduling.template.clone(),
                }),
                reopen: false,
            };
            status::change(tx, &t, &change, audit).await?;
        }
        audit::entry("meeting.agenda_add", "topic", id)
            .community(t.community_id)
            .after(json!({"meeting_id": meeting.meeting_id}))
            .record(tx, audit)
            .await?;
    }
    Ok(None)
}

#[async_trait]
impl MeetingStore for SqlStore {
    async fn create_meeting(
        &self,
        m: &NewMeeting,
        scheduling: &Scheduling,
        audit: &Audit,
    ) -> Result<Edit<MeetingId>> {
        let now = audit.at;
        let mut tx = self.write.begin().await?;
        let id: MeetingId = sqlx::query_scalar(INSERT_MEETING)
            .bind(m.community)
            .bind(&m.title)
            .bind(m.held_at)
            .bind(&m.place)
            .bind(audit.actor)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
        let row: MeetingRow = sqlx::query_as(MEETING_BY_ID)
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        if let Some(code) = schedule(&mut tx, &row, &m.topics, scheduling, audit).await? {
            return Ok(Edit::Invalid(code));
        }
        let after = json!({
            "title": m.title,
            "held_at": m.held_at,
            "place": m.place,
            "topics": m.topics,
        });
        audit::entry("meeting.create", "meeting", id)
            .community(m.community)
            .after(after)
            .record_and_commit(tx, audit)
            .await?;
        Ok(Edit::Done(id))
    }

    async fn meetings(&self, community: CommunityId) -> Result<Vec<MeetingRow>> {
        let query = sqlx::query_as(MEETINGS_OF_COMMUNITY).bind(community);
        Ok(query.fetch_all(&self.read).await?)
    }

    async fn meeting(&self, id: MeetingId) -> Result<Option<MeetingRow>> {
        let query = sqlx::query_as(MEETING_BY_ID).bind(id);
        Ok(query.fetch_optional(&self.read).await?)
    }

    async fn agenda(&self, id: MeetingId) -> Result<Vec<AgendaRow>> {
        let query = sqlx::query_as(AGENDA).bind(id);
        Ok(query.fetch_all(&self.read).await?)
    }

    async fn actions(&self, id: MeetingId) -> Result<Vec<ActionRow>> {
        let query = sqlx::query_as(ACTIONS_OF_MEETING).bind(id);
        Ok(query.fetch_all(&self.read).await?)
    }

    async fn update_meeting(
        &self,
        id: MeetingId,
        version: i32,
        p: &MeetingPatch,
        audit: &Audit,
    ) -> Result<Edit<()>> {
        let mut tx = self.write.begin().await?;
        let Some(before) = meeting_tx(&mut tx, id).await? else {
            return Ok(Edit::NotFound);
        };
        let n = sqlx::query(UPDATE_MEETING)
            .bind(p.title.as_deref())
            .bind(p.held_at)
            .bind(p.place.as_deref())
            .bind(p.status.as_deref())
            .bind(p.attendance_count)
            .bind(p.attendance_names.as_deref())
            .bind(p.minutes.as_deref())
            .bind(audit.at)
            .bind(id)
            .bind(version)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Ok(Edit::Stale);
        }
        audit::entry("meeting.update", "meeting", id)
            .community(before.community_id)
            .before(serde_json::to_value(&before)?)
            .after(json!({
                "title": p.title,
                "held_at": p.held_at,
                "place": p.place,
                "status": p.status,
                "attendance_count": p.attendance_count,
                "attendance_names": p.attendance_names,
                "minutes": p.minutes,
            }))
            .record_and_commit(tx, audit)
            .await?;
        Ok(Edit::Done(()))
    }

    async fn set_agenda(
        &self,
        id: MeetingId,
        topics: &[TopicId],
        scheduling: &Scheduling,
        audit: &Audit,
    ) -> Result<Edit<()>> {
        let mut tx = self.write.begin().await?;
        let Some(row) = meeting_tx(&mut tx, id).await? else {
            return Ok(Edit::NotFound);
        };
        sqlx::query(&with_ids(REMOVE_UNDECIDED_OTHERS, topics))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if let Some(code) = schedule(&mut tx, &row, topics, scheduling, audit).await? {
            return Ok(Edit::Invalid(code));
        }
        for (i, t) in topics.iter().enumerate() {
            sqlx::query(SET_AGENDA_POSITION)
                .bind(i as i32 + 1)
                .bind(id)
                .bind(t)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(BUMP_MEETING_VERSION)
            .bind(audit.at)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit::entry("meeting.agenda", "meeting", id)
            .community(row.community_id)
            .after(json!({"topics": topics}))
            .record_and_commit(tx, audit)
            .await?;
        Ok(Edit::Done(()))
    }

    async fn record_decision(
        &self,
        id: MeetingId,
        d: &Decision,
        change: &StatusChange,
        audit: &Audit,
    ) -> Result<Edit<()>> {
        let mut tx = self.write.begin().await?;
        let n = sqlx::query(RECORD_DECISION)
            .bind(&d.decision)
            .bind(&d.mode)
            .bind(d.votes_for)
            .bind(d.votes_against)
            .bind(d.votes_abstain)
            .bind(id)
            .bind(d.topic)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Ok(Edit::Invalid("not_on_agenda"));
        }
        bump_version(&mut tx, d.topic).await?;
        let Some(t) = corrections::topic(&mut tx, d.topic).await? else {
            return Ok(Edit::NotFound);
        };
        if matches!(t.status.as_str(), "merged" | "rejected") {
            return Ok(Edit::Invalid("invalid_transition"));
        }
        status::change(&mut tx, &t, change, audit).await?;
        sqlx::query(MEETING_HELD)
            .bind(audit.at)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit::entry("meeting.decision", "topic", d.topic)
            .community(t.community_id)
            .after(json!({
                "meeting_id": id,
                "decision": d.decision,
                "mode": d.mode,
                "votes_for": d.votes_for,
                "votes_against": d.votes_against,
                "votes_abstain": d.votes_abstain,
            }))
            .record_and_commit(tx, audit)
            .await?;
        Ok(Edit::Done(()))
    }

    async fn add_action(&self, id: MeetingId, a: &NewAction, audit: &Audit) -> Result<Edit<i64>> {
        let mut tx = self.write.begin().await?;
        let community: Option<CommunityId> = sqlx::query_scalar(COMMUNITY_OF_MEETING)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(community) = community else {
            return Ok(Edit::NotFound);
        };
        if let Some(t) = a.topic {
            if agenda_position(&mut tx, id, t).await?.is_none() {
                return Ok(Edit::Invalid("not_on_agenda"));
            }
        }
        let action: i64 = sqlx::query_scalar(INSERT_ACTION)
            .bind(id)
            .bind(a.topic)
            .bind(&a.description)
            .bind(&a.owner)
            .bind(a.due_on)
            .bind(audit.at)
            .fetch_one(&mut *tx)
            .await?;
        let after = json!({
            "action_id": action,
            "topic_id": a.topic,
            "description": a.description,
            "owner": a.owner,
            "due_on": a.due_on,
        });
        audit::entry("meeting.action_add", "meeting", id)
            .community(community)
            .after(after)
            .record_and_commit(tx, audit)
            .await?;
        Ok(Edit::Done(action))
    }

    async fn set_action_done(
        &self,
        action: i64,
        done: bool,
        audit: &Audit,
    ) -> Result<Edit<MeetingId>> {
        let mut tx = self.write.begin().await?;
        let row: Option<(MeetingId, CommunityId)> =
            sqlx::query_as(MEETING_OF_ACTION_WITH_COMMUNITY)
                .bind(action)
                .fetch_optional(&mut *tx)
                .await?;
        let Some((meeting, community)) = row else {
            return Ok(Edit::NotFound);
        };
        sqlx::query(SET_ACTION_DONE)
            .bind(done)
            .bind(audit.at)
            .bind(action)
            .execute(&mut *tx)
            .await?;
        audit::entry("meeting.action_done", "meeting", meeting)
            .community(community)
            .after(json!({"action_id": action, "done": done}))
            .record_and_commit(tx, audit)
            .await?;
        Ok(Edit::Done(meeting))
    }

    async fn action_meeting(&self, action: i64) -> Result<Option<MeetingId>> {
        let query = sqlx::query_scalar(MEETING_OF_ACTION).bind(action);
        Ok(query.fetch_optional(&self.read).await?)
    }
}
