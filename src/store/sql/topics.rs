//! Topics as grouping writes them: each community's grouping clock, assignments (one, or a
//! batch in one transaction), labels, and the plain topic lists.
use super::shared::{self, SELECT_SUGGESTION};
use super::{audit, events, SqlStore, Tx};
use crate::domain::ids::*;
use crate::store::concat::const_concat;
use crate::store::splice::with_ids;
use crate::store::{AssignOutcome, Assignment, Audit, BatchGrouper, BatchOutcome, GroupClock};
use crate::store::{GroupedDoc, LessonRow, SuggestionRow, TopicRow, TopicSort, TopicStore};
use crate::store::{SynonymDecision, SynonymRow};
use anyhow::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::json;

/// `topic` columns plus the latest meeting decision, for queries on `topic` without an alias.
pub(super) const SELECT_TOPIC: &str = "select topic_id, community_id, title, summary, keywords,
        category, status, status_reason, merged_into_topic_id, representative_suggestion_id,
        member_count, paper_count, supporter_count, heat, version, created_at, updated_at,
        status_changed_at, last_activity_at, due_at, flagged, reopened_count,
        (select mt.decision from meeting_topic mt
            where mt.topic_id = topic.topic_id and mt.decision is not null
            order by mt.meeting_id desc
            limit 1) as decision
    from topic";
pub(super) const TOPIC_BY_ID: &str = const_concat!(SELECT_TOPIC, " where topic_id = $1");

pub(super) const ORDER_BY_HEAT: &str = " order by heat desc, topic_id desc";
pub(super) const ORDER_BY_NEWEST: &str = " order by created_at desc, topic_id desc";
/// Longest in its current status first.
pub(super) const ORDER_BY_WAITING: &str = " order by status_changed_at asc, topic_id asc";
/// A community's topics (`$2`: of this status, or any) but merged ones.
/// A topic without a category takes the one its member came with (a paper form's 类别 column,
/// a resident's choice); a worker's category is never replaced. $1 category, $2 topic.
const TOPIC_CATEGORY_FROM_MEMBER: &str =
    "update topic set category = $1 where topic_id = $2 and category is null";
const TOPICS_OF_COMMUNITY: &str = const_concat!(
    SELECT_TOPIC,
    " where community_id = $1 and (cast($2 as text) is null or status = $2)
        and status <> 'merged'"
);
const PAGE: &str = " limit $3 offset $4";
const TOPICS_BY_HEAT: &str = const_concat!(TOPICS_OF_COMMUNITY, ORDER_BY_HEAT, PAGE);
const TOPICS_NEWEST: &str = const_concat!(TOPICS_OF_COMMUNITY, ORDER_BY_NEWEST, PAGE);
const TOPICS_WAITING: &str = const_concat!(TOPICS_OF_COMMUNITY, ORDER_BY_WAITING, PAGE);
/// Topics per status; empty new topics (every member moved away) do not count.
const TOPIC_COUNTS: &str = "select status, count(*) from topic
    where community_id = $1 and (member_count > 0 or status <> 'new')
    group by status
    order by status";

const GROUP_CLOCK: &str = "select group_seq, group_epoch from community where community_id = $1";
/// Compare-and-set on the community's clock: `$1` more suggestions grouped, if nobody else
/// grouped (or rebuilt) since the clock `$3`/`$4` the decisions were made at.
const ADVANCE_GROUP_CLOCK: &str = "update community set group_seq = group_seq + $1
    where community_id = $2 and group_seq = $3 and group_epoch = $4
    returning group_seq";
const GROUPED_SINCE: &str = "select suggestion_id, group_seq, title, body, topic_id, pinned
    from suggestion
    where community_id = $1 and group_seq > $2 and topic_id is not null and state = 'grouped'
    order by group_seq";
/// A community's lessons from workers' corrections, oldest first.
const LESSONS_OF: &str = "select suggestion_id, other_suggestion_id, together
    from grouping_lesson
    where community_id = $1
    order by lesson_id";
const SUGGESTIONS_BY_IDS: &str = const_concat!(
    SELECT_SUGGESTION,
    " where suggestion_id in ({ids}) order by suggestion_id"
);
const QUEUED_AMONG: &str = const_concat!(
    SELECT_SUGGESTION,
    " where suggestion_id in ({ids}) and state = 'queued' and community_id = $1
    order by suggestion_id"
);

const OPEN_TOPIC: &str = "insert into topic (community_id, title, keywords,
        representative_suggestion_id, created_at, updated_at, status_changed_at,
        last_activity_at, first_suggestion_at, due_at)
    values ($1, $2, $3, $4, $5, $5, $5, $5, $6, $7)
    returning topic_id";
const SET_HEAT: &str = "update topic set heat = $1 where topic_id = $2";
/// `SET_GROUPED` for a batch: `{topics}` and `{seqs}` are `when id then value` lists, `{ids}`
/// the suggestions. $1 now.
const SET_ALL_GROUPED: &str = "update suggestion set state = 'grouped',
        topic_id = case suggestion_id {topics} end,
        group_seq = case suggestion_id {seqs} end,
        processed_at = $1, updated_at = $1
    where suggestion_id in ({ids}) and state = 'queued'";
/// More members for the touched topics (`{ids}`), in one statement: `{members}` and `{paper}`
/// (those on paper) are `when topic then n` lists, `{title}`, `{keywords}` and `{representative}` the
/// new label's expressions (`case topic_id when … then $k … else <column> end`, or the column
/// itself when no topic has a new one), the title unless a worker set it. Counts change, the
/// worker-editable state (`version`) does not. $1 now.
const ADD_ALL_MEMBERS: &str =
    "update topic set member_count = member_count + case topic_id {members} end,
        paper_count = paper_count + case topic_id {paper} end,
        last_activity_at = $1,
        updated_at = $1,
        title = case when title_locked then title else {title} end,
        keywords = {keywords},
        representative_suggestion_id = {representative}
    where topic_id in ({ids})
    returning topic_id, member_count, supporter_count";
/// The touched topics' heat (`{heats}`: `when topic then score`, the scores computed here).
const SET_ALL_HEAT: &str =
    "update topic set heat = case topic_id {heats} end where topic_id in ({ids})";
const SET_GROUPED: &str = "update suggestion set topic_id = $1, state = 'grouped',
        group_seq = $2, processed_at = $3, updated_at = $3
    where suggestion_id = $4 and state = 'queued'";
/// The algorithm's label, unless a worker set the title.
const RELABEL: &str = "update topic set title = case when title_locked then title else $1 end,
        keywords = $2,
        representative_suggestion_id = coalesce($3, representative_suggestion_id)
    where topic_id = $4";

/// Refresh a topic's heat from its counts.
pub(super) async fn set_heat(
    tx: &mut Tx<'_>,
    topic: TopicId,
    (members, supporters): (i32, i32),
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(SET_HEAT)
        .bind(crate::hall::heat::score(members, supporters, now))
        .bind(topic)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Open a topic for `s`, its first member.
async fn open_topic(
    tx: &mut Tx<'_>,
    s: &SuggestionRow,
    title: &str,
    keywords: &[String],
    due_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<TopicId> {
    let query = sqlx::query_scalar(OPEN_TOPIC)
        .bind(s.community_id)
        .bind(title)
        .bind(serde_json::to_string(keywords)?)
        .bind(s.suggestion_id)
        .bind(now)
        .bind(s.created_at)
        .bind(due_at);
    Ok(query.fetch_one(&mut **tx).await?)
}

/// Where grouping put one suggestion.
struct Placement {
    topic: TopicId,
    opened: bool,
    group_seq: i64,
    similarity: Option<f32>,
    duplicate_of: Option<SuggestionId>,
}

/// Make `s` a member of its topic: counts and heat, the live events, the suggestion's state
/// and position, and the algorithm's audit record. `label`: the topic's new label, if any.
async fn place(
    tx: &mut Tx<'_>,
    s: &SuggestionRow,
    p: &Placement,
    label: Option<&(String, Vec<String>, Option<SuggestionId>)>,
    now: DateTime<Utc>,
) -> Result<bool> {
    // Compare-and-set on the suggestion's state first: a resident who withdrew it (or a worker
    // who rejected it) since it was read wins, and nothing below is written.
    let set = sqlx::query(SET_GROUPED)
        .bind(p.topic)
        .bind(p.group_seq)
        .bind(now)
        .bind(s.suggestion_id)
        .execute(&mut **tx)
        .await?;
    if set.rows_affected() != 1 {
        return Ok(false);
    }
    let mut delta = TopicDelta::new(p.topic);
    delta.add(s);
    delta.label = label.cloned();
    write_touched(tx, &[delta], now).await?;
    let created = json!({
        "topic_id": p.topic,
        "suggestion_id": s.suggestion_id,
        "opened": p.opened,
        "channel": s.channel,
    });
    let (community, member) = (s.community_id, Some(s.suggestion_id));
    events::record(
        tx,
        community,
        "suggestion.created",
        Some(p.topic),
        member,
        created,
        now,
    )
    .await?;
    if p.opened {
        events::of_topic(tx, community, "topic.created", p.topic, None, now).await?;
    }
    let action = if p.opened { "topic.open" } else { "topic.join" };
    let after = json!({
        "topic_id": p.topic,
        "similarity": p.similarity,
        "duplicate_of": p.duplicate_of,
    });
    let audit = Audit::system("algorithm");
    audit::entry(action, "suggestion", s.suggestion_id)
        .community(community)
        .after(after)
        .record(tx, &audit)
        .await?;
    Ok(true)
}

/// What a batch adds to one topic: members, paper members, its label after the batch and the
/// first member's category.
struct TopicDelta {
    topic: TopicId,
    members: i32,
    paper: i32,
    label: Option<(String, Vec<String>, Option<SuggestionId>)>,
    category: Option<String>,
}

impl TopicDelta {
    fn new(topic: TopicId) -> Self {
        Self {
            topic,
            members: 0,
            paper: 0,
            label: None,
            category: None,
        }
    }

    fn add(&mut self, s: &SuggestionRow) {
        self.members += 1;
        self.paper += i32::from(s.channel == "paper");
        if self.category.is_none() {
            self.category = s.category.clone().filter(|c| !c.trim().is_empty());
        }
    }
}

/// `place` for a batch: the suggestions' state and position in one compare-and-set, each
/// touched topic's counts, label, heat and category once, and the live events and audit
/// records in one statement each. False (nothing to keep) when a suggestion left the queue.
async fn place_all(
    tx: &mut Tx<'_>,
    community: CommunityId,
    placed: &[(&SuggestionRow, Placement)],
    touched: &[TopicDelta],
    now: DateTime<Utc>,
) -> Result<bool> {
    use std::fmt::Write;
    if placed.is_empty() {
        return Ok(true);
    }
    // Ids, topics and positions are the store's own integers: written into the statement.
    let (mut topic_case, mut seq_case) = (String::new(), String::new());
    let ids: Vec<SuggestionId> = placed.iter().map(|(s, _)| s.suggestion_id).collect();
    for (s, p) in placed {
        let _ = write!(topic_case, " when {} then {}", s.suggestion_id.0, p.topic.0);
        let _ = write!(seq_case, " when {} then {}", s.suggestion_id.0, p.group_seq);
    }
    let sql = SET_ALL_GROUPED
        .replace("{topics}", &topic_case)
        .replace("{seqs}", &seq_case);
    let set = sqlx::query(&with_ids(&sql, &ids))
        .bind(now)
        .execute(&mut **tx)
        .await?;
    if set.rows_affected() != placed.len() as u64 {
        return Ok(false);
    }
    write_touched(tx, touched, now).await?;
    let mut live = Vec::with_capacity(placed.len() + touched.len());
    let mut records = Vec::with_capacity(placed.len());
    for (s, p) in placed {
        live.push(events::NewEvent {
            community,
            kind: "suggestion.created",
            topic: Some(p.topic),
            suggestion: Some(s.suggestion_id),
            payload: json!({
                "topic_id": p.topic,
                "suggestion_id": s.suggestion_id,
                "opened": p.opened,
                "channel": s.channel,
            }),
        });
        if p.opened {
            live.push(events::NewEvent {
                community,
                kind: "topic.created",
                topic: Some(p.topic),
                suggestion: None,
                payload: json!({"topic_id": p.topic}),
            });
        }
        let action = if p.opened { "topic.open" } else { "topic.join" };
        let after = json!({
            "topic_id": p.topic,
            "similarity": p.similarity,
            "duplicate_of": p.duplicate_of,
        });
        records.push(
            audit::entry(action, "suggestion", s.suggestion_id)
                .community(community)
                .after(after),
        );
    }
    events::record_all(tx, &live, now).await?;
    audit::Entry::record_all(&records, tx, &Audit::system("algorithm")).await?;
    Ok(true)
}

/// The touched topics' counts and labels in one statement and their heat in a second, however
/// many topics were touched; then the category of those that had none, from a member.
async fn write_touched(tx: &mut Tx<'_>, touched: &[TopicDelta], now: DateTime<Utc>) -> Result<()> {
    use std::fmt::Write;
    if touched.is_empty() {
        return Ok(());
    }
    let (mut members, mut paper) = (String::new(), String::new());
    let (mut title, mut keywords, mut representative) =
        (String::new(), String::new(), String::new());
    let mut texts: Vec<String> = Vec::new();
    for d in touched {
        let _ = write!(members, " when {} then {}", d.topic.0, d.members);
        let _ = write!(paper, " when {} then {}", d.topic.0, d.paper);
        if let Some((t, k, r)) = &d.label {
            texts.push(t.clone());
            let _ = write!(title, " when {} then ${}", d.topic.0, texts.len() + 1);
            texts.push(serde_json::to_string(k)?);
            let _ = write!(keywords, " when {} then ${}", d.topic.0, texts.len() + 1);
            if let Some(r) = r {
                let _ = write!(representative, " when {} then {}", d.topic.0, r.0);
            }
        }
    }
    let or_column = |cases: &str, column: &str| match cases.is_empty() {
        true => column.to_string(),
        false => format!("case topic_id{cases} else {column} end"),
    };
    let ids: Vec<i64> = touched.iter().map(|d| d.topic.0).collect();
    let sql = with_ids(ADD_ALL_MEMBERS, &ids)
        .replace("{members}", &members)
        .replace("{paper}", &paper)
        .replace("{title}", &or_column(&title, "title"))
        .replace("{keywords}", &or_column(&keywords, "keywords"))
        .replace(
            "{representative}",
            &or_column(&representative, "representative_suggestion_id"),
        );
    let mut query = sqlx::query_as::<_, (TopicId, i32, i32)>(&sql).bind(now);
    for t in &texts {
        query = query.bind(t);
    }
    let counts = query.fetch_all(&mut **tx).await?;
    let mut heats = String::new();
    for (topic, members, supporters) in &counts {
        let score = crate::hall::heat::score(*members, *supporters, now);
        let _ = write!(heats, " when {} then {score}", topic.0);
    }
    if !heats.is_empty() {
        let sql = with_ids(SET_ALL_HEAT, &ids).replace("{heats}", &heats);
        sqlx::query(&sql).execute(&mut **tx).await?;
    }
    for d in touched.iter().filter(|d| d.category.is_some()) {
        sqlx::query(TOPIC_CATEGORY_FROM_MEMBER)
            .bind(&d.category)
            .bind(d.topic)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Advance `community`'s clock by `n` if it still is `expected`; the new sequence number.
async fn advance_clock(
    tx: &mut Tx<'_>,
    community: CommunityId,
    expected: GroupClock,
    n: i64,
) -> Result<Option<i64>> {
    let query = sqlx::query_scalar(ADVANCE_GROUP_CLOCK)
        .bind(n)
        .bind(community)
        .bind(expected.group_seq)
        .bind(expected.group_epoch);
    Ok(query.fetch_optional(&mut **tx).await?)
}

#[async_trait]
impl TopicStore for SqlStore {
    async fn group_clock(&self, community: CommunityId) -> Result<GroupClock> {
        let query = sqlx::query_as(GROUP_CLOCK).bind(community);
        Ok(query.fetch_one(&self.write).await?)
    }

    async fn grouped_since(
        &self,
        community: CommunityId,
        after_seq: i64,
    ) -> Result<Vec<GroupedDoc>> {
        let query = sqlx::query_as(GROUPED_SINCE)
            .bind(community)
            .bind(after_seq);
        Ok(query.fetch_all(&self.write).await?)
    }

    async fn grouping_lessons(&self, community: CommunityId) -> Result<Vec<LessonRow>> {
        let query = sqlx::query_as(LESSONS_OF).bind(community);
        Ok(query.fetch_all(&self.write).await?)
    }

    async fn grouping_synonyms(&self, community: CommunityId) -> Result<Vec<SynonymRow>> {
        self.synonyms_of(community).await
    }

    async fn decide_synonym(
        &self,
        community: CommunityId,
        decision: &SynonymDecision,
        audit: &Audit,
    ) -> Result<SynonymRow> {
        self.store_synonym(community, decision, audit).await
    }

    async fn remove_synonym(
        &self,
        community: CommunityId,
        synonym_id: i64,
        audit: &Audit,
    ) -> Result<bool> {
        self.delete_synonym(community, synonym_id, audit).await
    }

    #[tracing::instrument(skip_all, fields(suggestion_id = %a.suggestion_id))]
    async fn assign(&self, a: &Assignment) -> Result<AssignOutcome> {
        let now = chrono::Utc::now();
        let mut tx = self.write.begin().await?;
        // Compare-and-set on the community's clock serialises grouping per community
        // across every worker and process, whatever the queue.
        let Some(seq) = advance_clock(&mut tx, a.community_id, a.expected, 1).await? else {
            tx.rollback().await?;
            return Ok(AssignOutcome::Stale);
        };
        let s = shared::suggestion_tx(&mut tx, a.suggestion_id).await?;
        let Some(s) = s.filter(|s| {
            s.state == crate::hall::status::SuggestionState::Queued
                && s.community_id == a.community_id
        }) else {
            tx.rollback().await?;
            return Ok(AssignOutcome::NotQueued);
        };
        let topic = match a.topic {
            Some(t) => t,
            None => open_topic(&mut tx, &s, &a.title, &a.keywords, a.due_at, now).await?,
        };
        let placement = Placement {
            topic,
            opened: a.topic.is_none(),
            group_seq: seq,
            similarity: a.similarity,
            duplicate_of: a.duplicate_of,
        };
        if !place(&mut tx, &s, &placement, None, now).await? {
            tx.rollback().await?;
            return Ok(AssignOutcome::NotQueued);
        }
        tx.commit().await?;
        Ok(AssignOutcome::Assigned {
            topic,
            group_seq: seq,
        })
    }

    async fn suggestions_by_ids(&self, ids: &[SuggestionId]) -> Result<Vec<SuggestionRow>> {
        let sql = with_ids(SUGGESTIONS_BY_IDS, ids);
        let query = sqlx::query_as(&sql);
        Ok(query.fetch_all(&self.write).await?)
    }

    #[tracing::instrument(skip_all, fields(community = %community, n = ids.len()))]
    async fn assign_batch(
        &self,
        community: CommunityId,
        expected: GroupClock,
        ids: &[SuggestionId],
        grouper: &mut dyn BatchGrouper,
    ) -> Result<BatchOutcome> {
        let now = chrono::Utc::now();
        let mut tx = self.write.begin().await?;
        let n = ids.len() as i64;
        let Some(new_seq) = advance_clock(&mut tx, community, expected, n).await? else {
            tx.rollback().await?;
            return Ok(BatchOutcome::Stale);
        };
        let rows: Vec<SuggestionRow> = sqlx::query_as(&with_ids(QUEUED_AMONG, ids))
            .bind(community)
            .fetch_all(&mut *tx)
            .await?;
        // Decide each in order (a topic opened for one is there for the next), then write the
        // batch set-wise: one statement for the suggestions, one per touched topic, one for the
        // live events and one for the audit records, instead of five per suggestion.
        let mut assigned = Vec::with_capacity(rows.len());
        let mut placed: Vec<(&SuggestionRow, Placement)> = Vec::with_capacity(rows.len());
        let mut touched: Vec<TopicDelta> = Vec::new();
        for (i, s) in rows.iter().enumerate() {
            let plan = grouper.decide(s);
            let topic = match plan.topic {
                Some(t) => t,
                None => {
                    open_topic(&mut tx, s, &plan.title, &plan.keywords, plan.due_at, now).await?
                }
            };
            grouper.applied(s, topic);
            let delta = match touched.iter_mut().position(|d| d.topic == topic) {
                Some(k) => &mut touched[k],
                None => {
                    touched.push(TopicDelta::new(topic));
                    let last = touched.len() - 1;
                    &mut touched[last]
                }
            };
            delta.add(s);
            placed.push((
                s,
                Placement {
                    topic,
                    opened: plan.topic.is_none(),
                    group_seq: expected.group_seq + 1 + i as i64,
                    similarity: plan.similarity,
                    duplicate_of: plan.duplicate_of,
                },
            ));
            assigned.push((s.suggestion_id, topic));
        }
        // Each touched topic is labelled once, as it stands after the batch.
        for d in &mut touched {
            d.label = grouper.label(d.topic);
        }
        if !place_all(&mut tx, community, &placed, &touched, now).await? {
            // The engine already holds this batch's decisions: the caller rebuilds it.
            tx.rollback().await?;
            anyhow::bail!("a suggestion left the queue while its batch was grouped");
        }
        tx.commit().await?;
        Ok(BatchOutcome::Done {
            clock: GroupClock {
                group_seq: new_seq,
                group_epoch: expected.group_epoch,
            },
            assigned,
        })
    }

    async fn topics(
        &self,
        community: CommunityId,
        status: Option<crate::hall::status::TopicStatus>,
        sort: TopicSort,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<TopicRow>> {
        let sql = match sort {
            TopicSort::Heat => TOPICS_BY_HEAT,
            TopicSort::Newest => TOPICS_NEWEST,
            TopicSort::Waiting => TOPICS_WAITING,
        };
        Ok(sqlx::query_as(sql)
            .bind(community)
            .bind(status)
            .bind(limit)
            .bind(offset)
            .fetch_all(&self.read)
            .await?)
    }

    async fn topic_counts(&self, community: CommunityId) -> Result<Vec<(String, i64)>> {
        let query = sqlx::query_as(TOPIC_COUNTS).bind(community);
        Ok(query.fetch_all(&self.read).await?)
    }

    async fn topic(&self, id: TopicId) -> Result<Option<TopicRow>> {
        let query = sqlx::query_as(TOPIC_BY_ID).bind(id);
        Ok(query.fetch_optional(&self.read).await?)
    }

    async fn relabel(
        &self,
        topic: TopicId,
        title: &str,
        keywords: &[String],
        representative: Option<SuggestionId>,
    ) -> Result<()> {
        sqlx::query(RELABEL)
            .bind(title)
            .bind(serde_json::to_string(keywords)?)
            .bind(representative)
            .bind(topic)
            .execute(&self.write)
            .await?;
        Ok(())
    }
}
