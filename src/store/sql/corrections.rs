//! Workers' corrections and the status workflow. Each is a compare-and-set on the topic's
//! `version` (the `ETag` the worker saw), and writes its audit record, its public timeline
//! entry, the notifications of that entry and the live events in the same transaction.
use super::shared;
use super::topics::{self, TOPIC_BY_ID};
use super::{audit, events, notifications, status, SqlStore, Tx};
use crate::domain::ids::*;
use crate::store::splice::with_ids;
use crate::store::{Audit, CorrectionStore, Edit, PublicNote, StatusChange, TopicEdit, TopicRow};
use anyhow::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::json;

/// Bump the version only if it still is `$2`.
const LOCK_TOPIC: &str = "update topic set version = version + 1, updated_at = $3
    where topic_id = $1 and version = $2";
const BUMP_TOPIC_VERSION: &str = "update topic set version = version + 1 where topic_id = $1";
const RECOUNT_TOPIC: &str = "update topic set
        member_count = (select count(*) from suggestion
            where topic_id = $1 and state = 'grouped'),
        paper_count = (select count(*) from suggestion
            where topic_id = $1 and state = 'grouped' and channel = 'paper'),
        supporter_count = (select count(*) from support where topic_id = $1),
        updated_at = $2,
        last_activity_at = $2
    where topic_id = $1
    returning member_count, supporter_count";
/// A worker's title is locked against the algorithm's relabelling.
const EDIT_TOPIC: &str = "update topic set title = coalesce($1, title),
        title_locked = case when $1 is null then title_locked else true end,
        summary = coalesce($2, summary),
        category = coalesce($3, category)
    where topic_id = $4";
const TOUCH_TOPIC: &str = "update topic set last_activity_at = $1 where topic_id = $2";

const MEMBERS_OF: &str =
    "select suggestion_id from suggestion where topic_id = $1 order by suggestion_id";
/// Supporters of `$1` who do not support `$2`.
const SUPPORTERS_ONLY_OF: &str = "select account_id from support
    where topic_id = $1
        and account_id not in (select account_id from support where topic_id = $2)
    order by account_id";
const MOVE_ALL_MEMBERS: &str = "update suggestion set topic_id = $1, updated_at = $2
    where topic_id = $3";
/// Supporters of `$2` support `$1` too (once per person).
const COPY_SUPPORTERS: &str = "insert into support (topic_id, account_id, created_at)
    select $1, account_id, created_at from support
    where topic_id = $2
        and account_id not in (select account_id from support where topic_id = $1)";
/// What a merge changed, so it can be undone.
const INSERT_MERGE: &str = "insert into topic_merge (source_topic_id, target_topic_id,
        moved_suggestions, added_supporters, source_status, source_status_reason,
        actor_account_id, reason, created_at)
    values ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
const SET_MERGED: &str = "update topic set status = 'merged', merged_into_topic_id = $1,
        status_reason = $2, status_changed_at = $3, due_at = null
    where topic_id = $4";
const LAST_MERGE_OF: &str = "select merge_id, target_topic_id, moved_suggestions,
        added_supporters, source_status, source_status_reason
    from topic_merge
    where source_topic_id = $1 and undone_at is null
    order by merge_id desc
    limit 1";
/// Members still in the target come back (one moved on since stays where it is).
const MOVE_BACK_MEMBERS: &str = "update suggestion set topic_id = $1, updated_at = $2
    where topic_id = $3 and suggestion_id in ({ids})";
const DELETE_SUPPORTERS: &str = "delete from support where topic_id = $1 and account_id in ({ids})";
const UNDO_MERGE: &str = "update topic_merge set undone_at = $1 where merge_id = $2";
const SET_UNMERGED: &str = "update topic set status = $1, status_reason = $2,
        merged_into_topic_id = null, status_changed_at = $3
    where topic_id = $4";

/// An undone merge's public timeline entries are hidden (kept for the audit). $1 topic.
const HIDE_MERGE_ENTRIES: &str = "update timeline_entry set public = false
    where topic_id = $1 and kind = 'merged' and public = true";

const COUNT_GROUPED_AMONG: &str = "select count(*) from suggestion
    where topic_id = $1 and state = 'grouped' and suggestion_id in ({ids})";
const OPEN_SPLIT_TOPIC: &str = "insert into topic (community_id, title, title_locked, keywords,
        category, representative_suggestion_id, created_at, updated_at, status_changed_at,
        last_activity_at, first_suggestion_at, due_at)
    values ($1, $2, true, '[]', $3, $4, $5, $5, $5, $5, $5, $6)
    returning topic_id";
const MOVE_PINNED: &str = "update suggestion set topic_id = $1, pinned = true, updated_at = $2
    where topic_id = $3 and suggestion_id in ({ids})";
const PLACE_OF_SUGGESTION: &str =
    "select topic_id, community_id, state from suggestion where suggestion_id = $1";
const MOVE_ONE_PINNED: &str = "update suggestion set topic_id = $1, pinned = true,
        updated_at = $2
    where suggestion_id = $3";
const PIN_OF_SUGGESTION: &str =
    "select topic_id, community_id, pinned from suggestion where suggestion_id = $1";
const SET_PINNED: &str =
    "update suggestion set pinned = $1, updated_at = $2 where suggestion_id = $3";

/// A lesson for the grouping engine (`src/grouping/lessons.rs`).
const INSERT_LESSON: &str = "insert into grouping_lesson (community_id, suggestion_id,
        other_suggestion_id, together, source, actor_account_id, created_at)
    values ($1, $2, $3, $4, $5, $6, $7)";
/// A topic's earliest grouped members, the anchors lessons name it by. $2: how many.
const ANCHORS_OF: &str = "select suggestion_id from suggestion
    where topic_id = $1 and state = 'grouped'
    order by suggestion_id
    limit $2";
/// Members a lesson is taught about per correction (a merge of a huge topic teaches as much
/// from its first members as from all of them).
const LESSON_MEMBERS: usize = 50;

/// A topic read in `tx`.
pub(super) async fn topic(tx: &mut Tx<'_>, id: TopicId) -> Result<Option<TopicRow>> {
    let query = sqlx::query_as(TOPIC_BY_ID).bind(id);
    Ok(query.fetch_optional(&mut **tx).await?)
}

impl SqlStore {
    /// Begin a transaction and lock the topic row in it by bumping its version, if it still is
    /// `version`; otherwise the answer to give: `Stale` when it moved on, `NotFound` when there
    /// is no such topic.
    async fn lock<T>(
        &self,
        id: TopicId,
        version: i32,
        now: DateTime<Utc>,
    ) -> Result<Result<(Tx<'static>, TopicRow), Edit<T>>> {
        let mut tx = self.write.begin().await?;
        let query = sqlx::query(LOCK_TOPIC).bind(id).bind(version).bind(now);
        let locked = query.execute(&mut *tx).await?.rows_affected() > 0;
        Ok(match topic(&mut tx, id).await? {
            Some(t) if locked => Ok((tx, t)),
            Some(_) => Err(Edit::Stale),
            None => Err(Edit::NotFound),
        })
    }
}

/// A topic's first `n` grouped members.
async fn anchors(tx: &mut Tx<'_>, topic: TopicId, n: i64) -> Result<Vec<i64>> {
    let query = sqlx::query_scalar(ANCHORS_OF).bind(topic).bind(n);
    Ok(query.fetch_all(&mut **tx).await?)
}

/// Teaches the grouping engine that each of `members` belongs with (`together`) or apart
/// from each of `anchors`.
async fn teach(
    tx: &mut Tx<'_>,
    community: CommunityId,
    (members, anchors): (&[i64], &[i64]),
    together: bool,
    source: &str,
    audit: &Audit,
) -> Result<()> {
    for &m in members.iter().take(LESSON_MEMBERS) {
        for &a in anchors.iter().filter(|&&a| a != m) {
            sqlx::query(INSERT_LESSON)
                .bind(community)
                .bind(m)
                .bind(a)
                .bind(together)
                .bind(source)
                .bind(audit.actor)
                .bind(audit.at)
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(())
}

/// The topic changed in a way its `ETag` must show.
pub(super) async fn bump_version(tx: &mut Tx<'_>, id: TopicId) -> Result<()> {
    sqlx::query(BUMP_TOPIC_VERSION)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Recount a topic's members and supporters and refresh its heat.
pub(super) async fn recount(tx: &mut Tx<'_>, id: TopicId, now: DateTime<Utc>) -> Result<()> {
    let counts: (i32, i32) = sqlx::query_as(RECOUNT_TOPIC)
        .bind(id)
        .bind(now)
        .fetch_one(&mut **tx)
        .await?;
    topics::set_heat(tx, id, counts, now).await
}

/// Members moved between topics `a` and `b` (`unlocked`: the one of them `lock` did not bump):
/// its version, both counts, the community's grouping epoch and both topics' live events.
async fn members_moved(
    tx: &mut Tx<'_>,
    (a, b): (TopicId, TopicId),
    unlocked: TopicId,
    community: CommunityId,
    suggestion: Option<SuggestionId>,
    now: DateTime<Utc>,
) -> Result<()> {
    bump_version(tx, unlocked).await?;
    recount(tx, a, now).await?;
    recount(tx, b, now).await?;
    shared::bump_epoch(tx, community).await?;
    for id in [a, b] {
        events::of_topic(tx, community, "topic.updated", id, suggestion, now).await?;
    }
    Ok(())
}

#[async_trait]
impl CorrectionStore for SqlStore {
    async fn edit_topic(
        &self,
        topic: TopicId,
        version: i32,
        e: &TopicEdit,
        audit: &Audit,
    ) -> Result<Edit<()>> {
        let now = audit.at;
        let (mut tx, t) = match self.lock(topic, version, now).await? {
            Ok(locked) => locked,
            Err(refused) => return Ok(refused),
        };
        sqlx::query(EDIT_TOPIC)
            .bind(e.title.as_deref())
            .bind(e.summary.as_deref())
            .bind(e.category.as_deref())
            .bind(topic)
            .execute(&mut *tx)
            .await?;
        audit::entry("topic.edit", "topic", topic)
            .community(t.community_id)
            .before(json!({"title": t.title, "summary": t.summary, "category": t.category}))
            .after(json!({"title": e.title, "summary": e.summary, "category": e.category}))
            .record(&mut tx, audit)
            .await?;
        events::of_topic(&mut tx, t.community_id, "topic.updated", topic, None, now).await?;
        tx.commit().await?;
        Ok(Edit::Done(()))
    }

    async fn change_status(
        &self,
        topic: TopicId,
        version: i32,
        change: &StatusChange,
        audit: &Audit,
    ) -> Result<Edit<()>> {
        let (mut tx, t) = match self.lock(topic, version, audit.at).await? {
            Ok(locked) => locked,
            Err(refused) => return Ok(refused),
        };
        status::change(&mut tx, &t, change, audit).await?;
        tx.commit().await?;
        Ok(Edit::Done(()))
    }

    async fn merge_topics(
        &self,
        source: TopicId,
        version: i32,
        target: TopicId,
        note: &PublicNote,
        audit: &Audit,
    ) -> Result<Edit<()>> {
        let now = audit.at;
        let (mut tx, s) = match self.lock(source, version, now).await? {
            Ok(locked) => locked,
            Err(refused) => return Ok(refused),
        };
        let Some(t) = self::topic(&mut tx, target).await? else {
            return Ok(Edit::Invalid("unknown_topic"));
        };
        if t.community_id != s.community_id || t.topic_id == s.topic_id {
            return Ok(Edit::Invalid("unknown_topic"));
        }
        if s.status == crate::hall::status::TopicStatus::Merged
            || t.status == crate::hall::status::TopicStatus::Merged
        {
            return Ok(Edit::Invalid("topic_merged"));
        }
        // Tell the source's authors and supporters before they move.
        notifications::publish(&mut tx, source, s.community_id, note, audit.actor, now).await?;
        let moved: Vec<i64> = sqlx::query_scalar(MEMBERS_OF)
            .bind(source)
            .fetch_all(&mut *tx)
            .await?;
        let added: Vec<i64> = sqlx::query_scalar(SUPPORTERS_ONLY_OF)
            .bind(source)
            .bind(target)
            .fetch_all(&mut *tx)
            .await?;
        let anchor = anchors(&mut tx, target, 1).await?;
        let lesson = (moved.as_slice(), anchor.as_slice());
        teach(&mut tx, s.community_id, lesson, true, "merge", audit).await?;
        sqlx::query(MOVE_ALL_MEMBERS)
            .bind(target)
            .bind(now)
            .bind(source)
            .execute(&mut *tx)
            .await?;
        sqlx::query(COPY_SUPPORTERS)
            .bind(target)
            .bind(source)
            .execute(&mut *tx)
            .await?;
        sqlx::query(INSERT_MERGE)
            .bind(source)
            .bind(target)
            .bind(serde_json::to_string(&moved)?)
            .bind(serde_json::to_string(&added)?)
            .bind(s.status)
            .bind(s.status_reason.as_deref())
            .bind(audit.actor)
            .bind(audit.reason.as_deref())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query(SET_MERGED)
            .bind(target)
            .bind(audit.reason.as_deref())
            .bind(now)
            .bind(source)
            .execute(&mut *tx)
            .await?;
        members_moved(&mut tx, (source, target), target, s.community_id, None, now).await?;
        audit::entry("topic.merge", "topic", source)
            .community(s.community_id)
            .before(json!({
                "status": s.status,
                "members": moved,
                "supporters_added_to_target": added,
            }))
            .after(json!({"merged_into": target}))
            .record(&mut tx, audit)
            .await?;
        audit::entry("topic.merge_in", "topic", target)
            .community(s.community_id)
            .after(json!({"from": source, "members": moved}))
            .record_and_commit(tx, audit)
            .await?;
        Ok(Edit::Done(()))
    }

    async fn unmerge_topic(
        &self,
        source: TopicId,
        version: i32,
        note: &PublicNote,
        audit: &Audit,
    ) -> Result<Edit<TopicId>> {
        let now = audit.at;
        let (mut tx, s) = match self.lock(source, version, now).await? {
            Ok(locked) => locked,
            Err(refused) => return Ok(refused),
        };
        if s.status != crate::hall::status::TopicStatus::Merged {
            return Ok(Edit::Invalid("not_merged"));
        }
        type MergeRow = (i64, TopicId, String, String, String, Option<String>);
        let m: Option<MergeRow> = sqlx::query_as(LAST_MERGE_OF)
            .bind(source)
            .fetch_optional(&mut *tx)
            .await?;
        let Some((merge_id, target, moved, added, status, reason)) = m else {
            return Ok(Edit::Invalid("not_merged"));
        };
        let moved: Vec<i64> = serde_json::from_str(&moved)?;
        let added: Vec<i64> = serde_json::from_str(&added)?;
        sqlx::query(&with_ids(MOVE_BACK_MEMBERS, &moved))
            .bind(source)
            .bind(now)
            .bind(target)
            .execute(&mut *tx)
            .await?;
        let anchor = anchors(&mut tx, target, 2).await?;
        let lesson = (moved.as_slice(), anchor.as_slice());
        teach(&mut tx, s.community_id, lesson, false, "unmerge", audit).await?;
        sqlx::query(&with_ids(DELETE_SUPPORTERS, &added))
            .bind(target)
            .execute(&mut *tx)
            .await?;
        sqlx::query(UNDO_MERGE)
            .bind(now)
            .bind(merge_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(SET_UNMERGED)
            .bind(&status)
            .bind(reason.as_deref())
            .bind(now)
            .bind(source)
            .execute(&mut *tx)
            .await?;
        // The merge no longer stands: its public entry goes, and residents are told.
        sqlx::query(HIDE_MERGE_ENTRIES)
            .bind(source)
            .execute(&mut *tx)
            .await?;
        notifications::publish(&mut tx, source, s.community_id, note, audit.actor, now).await?;
        members_moved(&mut tx, (source, target), target, s.community_id, None, now).await?;
        audit::entry("topic.unmerge", "topic", source)
            .community(s.community_id)
            .before(json!({"merged_into": target}))
            .after(json!({
                "status": status,
                "members": moved,
                "supporters_removed_from_target": added,
            }))
            .record_and_commit(tx, audit)
            .await?;
        Ok(Edit::Done(target))
    }

    async fn split_topic(
        &self,
        topic: TopicId,
        version: i32,
        members: &[SuggestionId],
        title: &str,
        due_at: Option<DateTime<Utc>>,
        audit: &Audit,
    ) -> Result<Edit<TopicId>> {
        let now = audit.at;
        let (mut tx, t) = match self.lock(topic, version, now).await? {
            Ok(locked) => locked,
            Err(refused) => return Ok(refused),
        };
        if t.status == crate::hall::status::TopicStatus::Merged {
            return Ok(Edit::Invalid("topic_merged"));
        }
        let found: i64 = sqlx::query_scalar(&with_ids(COUNT_GROUPED_AMONG, members))
            .bind(topic)
            .fetch_one(&mut *tx)
            .await?;
        if found != members.len() as i64 || members.is_empty() {
            return Ok(Edit::Invalid("not_a_member"));
        }
        let new_id: TopicId = sqlx::query_scalar(OPEN_SPLIT_TOPIC)
            .bind(t.community_id)
            .bind(title)
            .bind(t.category.as_deref())
            .bind(members[0])
            .bind(now)
            .bind(due_at)
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query(&with_ids(MOVE_PINNED, members))
            .bind(new_id)
            .bind(now)
            .bind(topic)
            .execute(&mut *tx)
            .await?;
        let anchor = anchors(&mut tx, topic, 2).await?;
        let split: Vec<i64> = members.iter().map(|m| m.0).collect();
        let lesson = (split.as_slice(), anchor.as_slice());
        teach(&mut tx, t.community_id, lesson, false, "split", audit).await?;
        recount(&mut tx, topic, now).await?;
        recount(&mut tx, new_id, now).await?;
        shared::bump_epoch(&mut tx, t.community_id).await?;
        audit::entry("topic.split", "topic", topic)
            .community(t.community_id)
            .before(json!({"members": members}))
            .after(json!({"new_topic_id": new_id, "title": title}))
            .record(&mut tx, audit)
            .await?;
        for s in members {
            audit::entry("suggestion.move", "suggestion", s)
                .community(t.community_id)
                .before(json!({"topic_id": topic}))
                .after(json!({"topic_id": new_id, "pinned": true}))
                .record(&mut tx, audit)
                .await?;
        }
        events::of_topic(&mut tx, t.community_id, "topic.updated", topic, None, now).await?;
        events::of_topic(&mut tx, t.community_id, "topic.created", new_id, None, now).await?;
        tx.commit().await?;
        Ok(Edit::Done(new_id))
    }

    async fn move_suggestion(
        &self,
        suggestion: SuggestionId,
        target: TopicId,
        version: i32,
        audit: &Audit,
    ) -> Result<Edit<()>> {
        let now = audit.at;
        let (mut tx, t) = match self.lock(target, version, now).await? {
            Ok(locked) => locked,
            Err(refused) => return Ok(refused),
        };
        let place: Option<(Option<TopicId>, CommunityId, String)> =
            sqlx::query_as(PLACE_OF_SUGGESTION)
                .bind(suggestion)
                .fetch_optional(&mut *tx)
                .await?;
        let Some((Some(from), community, state)) = place else {
            return Ok(Edit::Invalid("not_grouped"));
        };
        if community != t.community_id || state != "grouped" {
            return Ok(Edit::Invalid("not_grouped"));
        }
        if t.status == crate::hall::status::TopicStatus::Merged {
            return Ok(Edit::Invalid("topic_merged"));
        }
        let joined = anchors(&mut tx, target, 1).await?;
        sqlx::query(MOVE_ONE_PINNED)
            .bind(target)
            .bind(now)
            .bind(suggestion)
            .execute(&mut *tx)
            .await?;
        if from != target {
            let left = anchors(&mut tx, from, 2).await?;
            let one = [suggestion.0];
            teach(&mut tx, community, (&one, &left), false, "move", audit).await?;
            teach(&mut tx, community, (&one, &joined), true, "move", audit).await?;
        }
        let moved = Some(suggestion);
        members_moved(&mut tx, (from, target), from, community, moved, now).await?;
        audit::entry("suggestion.move", "suggestion", suggestion)
            .community(community)
            .before(json!({"topic_id": from}))
            .after(json!({"topic_id": target, "pinned": true}))
            .record_and_commit(tx, audit)
            .await?;
        Ok(Edit::Done(()))
    }

    async fn pin_suggestion(
        &self,
        suggestion: SuggestionId,
        pinned: bool,
        audit: &Audit,
    ) -> Result<Edit<()>> {
        let now = audit.at;
        let mut tx = self.write.begin().await?;
        let row: Option<(Option<TopicId>, CommunityId, bool)> = sqlx::query_as(PIN_OF_SUGGESTION)
            .bind(suggestion)
            .fetch_optional(&mut *tx)
            .await?;
        let Some((Some(topic), community, before)) = row else {
            return Ok(Edit::Invalid("not_grouped"));
        };
        sqlx::query(SET_PINNED)
            .bind(pinned)
            .bind(now)
            .bind(suggestion)
            .execute(&mut *tx)
            .await?;
        bump_version(&mut tx, topic).await?;
        shared::bump_epoch(&mut tx, community).await?;
        let action = match pinned {
            true => "suggestion.pin",
            false => "suggestion.unpin",
        };
        audit::entry(action, "suggestion", suggestion)
            .community(community)
            .before(json!({"pinned": before, "topic_id": topic}))
            .after(json!({"pinned": pinned}))
            .record(&mut tx, audit)
            .await?;
        let moved = Some(suggestion);
        events::of_topic(&mut tx, community, "topic.updated", topic, moved, now).await?;
        tx.commit().await?;
        Ok(Edit::Done(()))
    }

    async fn add_note(&self, topic: TopicId, note: &PublicNote, audit: &Audit) -> Result<Edit<()>> {
        let now = audit.at;
        let mut tx = self.write.begin().await?;
        let Some(t) = self::topic(&mut tx, topic).await? else {
            return Ok(Edit::NotFound);
        };
        notifications::publish(&mut tx, topic, t.community_id, note, audit.actor, now).await?;
        sqlx::query(TOUCH_TOPIC)
            .bind(now)
            .bind(topic)
            .execute(&mut *tx)
            .await?;
        audit::entry("topic.reply", "topic", topic)
            .community(t.community_id)
            .after(json!({"body": note.body}))
            .record(&mut tx, audit)
            .await?;
        events::of_topic(&mut tx, t.community_id, "topic.updated", topic, None, now).await?;
        tx.commit().await?;
        Ok(Edit::Done(()))
    }
}
