//! The SQL of the deliberation hall, written once for both backends (see `sql.rs`).
//!
//! Every correction is a compare-and-set on the topic's `version` (the `ETag` the worker saw), and
//! writes its audit record, its public timeline entry, the notifications of that entry and the
//! live event in the same transaction.

/// Escape `%`, `_` and `\` for a `like … escape '\'` pattern.
pub(crate) fn like_pattern(q: &str) -> String {
    let mut out = String::with_capacity(q.len() + 2);
    out.push('%');
    for c in q.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

pub(crate) const MEETING_SELECT: &str =
    "select meeting_id, community_id, title, held_at, place, status, attendance_count, \
    attendance_names, minutes, version, created_at from meeting";

/// `topic` columns plus the latest decision, for queries on `topic` without an alias.
pub(crate) const TOPIC_SELECT: &str = "select topic_id, community_id, title, summary, keywords, category, status, status_reason, \
    merged_into_topic_id, representative_suggestion_id, member_count, paper_count, supporter_count, heat, version, \
    created_at, updated_at, status_changed_at, last_activity_at, due_at, flagged, reopened_count, \
    (select mt.decision from meeting_topic mt where mt.topic_id = topic.topic_id and mt.decision is not null \
     order by mt.meeting_id desc limit 1) as decision from topic";

macro_rules! impl_hall_store {
    ($store:ty, $db:ty) => {
        impl $store {
            /// Add a public timeline entry, notify the topic's authors and supporters (WeChat
            /// where they hold a grant for this kind's template, else in-app; paper submitters
            /// without an account go on the call-back list) and log the live event.
            async fn note_tx(
                tx: &mut sqlx::Transaction<'_, $db>,
                topic: $crate::domain::ids::TopicId,
                community: $crate::domain::ids::CommunityId,
                note: &$crate::store::PublicNote,
                actor: Option<$crate::domain::ids::AccountId>,
                now: chrono::DateTime<chrono::Utc>,
            ) -> anyhow::Result<i64> {
                let entry: i64 = sqlx::query_scalar(
                    "insert into timeline_entry (topic_id, kind, body, public, actor_account_id, meeting_id, created_at) \
                     values ($1, $2, $3, true, $4, $5, $6) returning timeline_entry_id",
                )
                .bind(topic).bind(note.kind).bind(&note.body).bind(actor).bind(note.meeting).bind(now)
                .fetch_one(&mut **tx).await?;
                let template = note.template.as_deref().unwrap_or("");
                sqlx::query(
                    "insert into notification (timeline_entry_id, topic_id, community_id, account_id, channel, state, next_attempt_at, created_at) \
                     select $1, $2, $3, r.account_id, \
                       case when exists (select 1 from subscribe_grant g where g.account_id = r.account_id and g.template_id = $4 and g.remaining > 0) \
                            then 'wechat' else 'in_app' end, \
                       case when exists (select 1 from subscribe_grant g where g.account_id = r.account_id and g.template_id = $4 and g.remaining > 0) \
                            then 'pending' else 'sent' end, $5, $5 \
                     from (select author_account_id as account_id from suggestion where topic_id = $2 and state = 'grouped' and author_account_id is not null \
                           union select account_id from support where topic_id = $2) r",
                )
                .bind(entry).bind(topic).bind(community).bind(template).bind(now)
                .execute(&mut **tx).await?;
                // Each grant allows one message: reserve it now, in the same transaction.
                sqlx::query(
                    "update subscribe_grant set remaining = remaining - 1, updated_at = $3 where template_id = $2 and remaining > 0 \
                     and account_id in (select account_id from notification where timeline_entry_id = $1 and channel = 'wechat')",
                )
                .bind(entry).bind(template).bind(now).execute(&mut **tx).await?;
                sqlx::query(
                    "insert into notification (timeline_entry_id, topic_id, community_id, person_id, channel, state, next_attempt_at, created_at) \
                     select distinct $1, $2, $3, s.author_person_id, 'callback', 'pending', $4, $4 from suggestion s \
                     join person p on p.person_id = s.author_person_id \
                     where s.topic_id = $2 and s.state = 'grouped' and s.author_account_id is null and p.phone is not null",
                )
                .bind(entry).bind(topic).bind(community).bind(now)
                .execute(&mut **tx).await?;
                Ok(entry)
            }

            async fn event_tx(
                tx: &mut sqlx::Transaction<'_, $db>,
                community: $crate::domain::ids::CommunityId,
                kind: &str,
                topic: Option<$crate::domain::ids::TopicId>,
                suggestion: Option<$crate::domain::ids::SuggestionId>,
                payload: serde_json::Value,
                now: chrono::DateTime<chrono::Utc>,
            ) -> anyhow::Result<()> {
                sqlx::query(
                    "insert into hall_event (community_id, kind, topic_id, suggestion_id, payload, created_at) values ($1, $2, $3, $4, $5, $6)",
                )
                .bind(community).bind(kind).bind(topic).bind(suggestion).bind(payload.to_string()).bind(now)
                .execute(&mut **tx).await?;
                Ok(())
            }

            /// Recount a topic's members and supporters and refresh its heat.
            async fn recount_tx(
                tx: &mut sqlx::Transaction<'_, $db>,
                topic: $crate::domain::ids::TopicId,
                now: chrono::DateTime<chrono::Utc>,
            ) -> anyhow::Result<()> {
                let (members, supporters): (i32, i32) = sqlx::query_as(
                    "update topic set \
                       member_count = (select count(*) from suggestion where topic_id = $1 and state = 'grouped'), \
                       paper_count = (select count(*) from suggestion where topic_id = $1 and state = 'grouped' and channel = 'paper'), \
                       supporter_count = (select count(*) from support where topic_id = $1), \
                       updated_at = $2, last_activity_at = $2 \
                     where topic_id = $1 returning member_count, supporter_count",
                )
                .bind(topic).bind(now).fetch_one(&mut **tx).await?;
                sqlx::query("update topic set heat = $1 where topic_id = $2")
                    .bind($crate::hall::heat::score(members, supporters, now)).bind(topic)
                    .execute(&mut **tx).await?;
                Ok(())
            }

            /// Membership changed other than by appending: workers rebuild their engine.
            async fn epoch_tx(
                tx: &mut sqlx::Transaction<'_, $db>,
                community: $crate::domain::ids::CommunityId,
            ) -> anyhow::Result<()> {
                sqlx::query("update community set group_epoch = group_epoch + 1 where community_id = $1")
                    .bind(community).execute(&mut **tx).await?;
                Ok(())
            }

            /// Lock the topic row by bumping its version if it still is `version`.
            async fn cas_tx(
                tx: &mut sqlx::Transaction<'_, $db>,
                topic: $crate::domain::ids::TopicId,
                version: i32,
                now: chrono::DateTime<chrono::Utc>,
            ) -> anyhow::Result<Option<$crate::store::TopicRow>> {
                let n = sqlx::query("update topic set version = version + 1, updated_at = $3 where topic_id = $1 and version = $2")
                    .bind(topic).bind(version).bind(now).execute(&mut **tx).await?.rows_affected();
                if n == 0 {
                    return Ok(None);
                }
                let q = format!("{} where topic_id = $1", $crate::store::sql_hall::TOPIC_SELECT);
                Ok(Some(sqlx::query_as(&q).bind(topic).fetch_one(&mut **tx).await?))
            }

            async fn topic_tx(
                tx: &mut sqlx::Transaction<'_, $db>,
                topic: $crate::domain::ids::TopicId,
            ) -> anyhow::Result<Option<$crate::store::TopicRow>> {
                let q = format!("{} where topic_id = $1", $crate::store::sql_hall::TOPIC_SELECT);
                Ok(sqlx::query_as(&q).bind(topic).fetch_optional(&mut **tx).await?)
            }

            /// Apply a status change to a locked topic row: deadline bookkeeping, timestamps,
            /// timeline and notifications, audit and live event.
            async fn status_tx(
                tx: &mut sqlx::Transaction<'_, $db>,
                t: &$crate::store::TopicRow,
                change: &$crate::store::StatusChange,
                audit: &$crate::store::Audit,
            ) -> anyhow::Result<()> {
                let now = audit.at;
                if let Some(due) = t.due_at {
                    sqlx::query(
                        "insert into topic_deadline (topic_id, community_id, status, due_at, left_at, met) values ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(t.topic_id).bind(t.community_id).bind(&t.status).bind(due).bind(now).bind(now <= due)
                    .execute(&mut **tx).await?;
                }
                let decided = matches!(change.status.as_str(), "decided");
                let resolved = matches!(change.status.as_str(), "resolved");
                sqlx::query(
                    "update topic set status = $1, status_reason = $2, status_changed_at = $3, due_at = $4, updated_at = $3, last_activity_at = $3, \
                     decided_at = case when $5 and decided_at is null then $3 else decided_at end, \
                     resolved_at = case when $6 then $3 else resolved_at end, \
                     reopened_count = reopened_count + $7, flagged = case when $8 then true else flagged end \
                     where topic_id = $9",
                )
                .bind(&change.status).bind(change.reason.as_deref()).bind(now).bind(change.due_at)
                .bind(decided).bind(resolved).bind(if change.reopen { 1 } else { 0 }).bind(change.reopen).bind(t.topic_id)
                .execute(&mut **tx).await?;
                if let Some(note) = &change.note {
                    Self::note_tx(tx, t.topic_id, t.community_id, note, audit.actor, now).await?;
                }
                Self::audit_tx(tx, audit, "topic.status", "topic", &t.topic_id.to_string(), Some(t.community_id),
                    Some(serde_json::json!({"status": t.status, "status_reason": t.status_reason})),
                    Some(serde_json::json!({"status": change.status, "status_reason": change.reason, "reopen": change.reopen}))).await?;
                Self::event_tx(tx, t.community_id, "topic.status", Some(t.topic_id), None,
                    serde_json::json!({"topic_id": t.topic_id, "status": change.status, "from": t.status}), now).await?;
                Ok(())
            }

            /// Put topics on a meeting's agenda; those still waiting become `scheduled`.
            async fn schedule_tx(
                tx: &mut sqlx::Transaction<'_, $db>,
                meeting: &$crate::store::MeetingRow,
                topics: &[$crate::domain::ids::TopicId],
                scheduling: &$crate::store::Scheduling,
                audit: &$crate::store::Audit,
            ) -> anyhow::Result<Option<&'static str>> {
                let max: Option<i32> = sqlx::query_scalar("select max(position) from meeting_topic where meeting_id = $1")
                    .bind(meeting.meeting_id).fetch_one(&mut **tx).await?;
                let mut position = max.unwrap_or(0);
                for id in topics {
                    let Some(t) = Self::topic_tx(tx, *id).await? else { return Ok(Some("unknown_topic")) };
                    if t.community_id != meeting.community_id || t.status == "merged" {
                        return Ok(Some("unknown_topic"));
                    }
                    let on: Option<i32> = sqlx::query_scalar("select position from meeting_topic where meeting_id = $1 and topic_id = $2")
                        .bind(meeting.meeting_id).bind(id).fetch_optional(&mut **tx).await?;
                    if on.is_some() {
                        continue;
                    }
                    position += 1;
                    sqlx::query("insert into meeting_topic (meeting_id, topic_id, position) values ($1, $2, $3)")
                        .bind(meeting.meeting_id).bind(id).bind(position).execute(&mut **tx).await?;
                    if matches!(t.status.as_str(), "new" | "accepted") {
                        sqlx::query("update topic set version = version + 1 where topic_id = $1").bind(id).execute(&mut **tx).await?;
                        let when = meeting.held_at.with_timezone(&$crate::hall::shanghai()).format("%Y-%m-%d %H:%M");
                        let change = $crate::store::StatusChange {
                            status: "scheduled".into(),
                            reason: None,
                            due_at: scheduling.due_at,
                            note: Some($crate::store::PublicNote {
                                kind: "scheduled",
                                body: format!("已列入议事会《{}》，{} 在{}讨论", meeting.title, when, meeting.place),
                                meeting: Some(meeting.meeting_id),
                                template: scheduling.template.clone(),
                            }),
                            reopen: false,
                        };
                        Self::status_tx(tx, &t, &change, audit).await?;
                    }
                    Self::audit_tx(tx, audit, "meeting.agenda_add", "topic", &id.to_string(), Some(t.community_id), None,
                        Some(serde_json::json!({"meeting_id": meeting.meeting_id}))).await?;
                }
                Ok(None)
            }
        }

        #[async_trait::async_trait]
        impl $crate::store::HallStore for $store {
            async fn inbox(&self, community: $crate::domain::ids::CommunityId, f: &$crate::store::InboxFilter, sort: $crate::store::TopicSort, limit: i64, offset: i64) -> anyhow::Result<Vec<$crate::store::TopicRow>> {
                use $crate::store::TopicSort;
                let mut qb = sqlx::QueryBuilder::<$db>::new($crate::store::sql_hall::TOPIC_SELECT);
                qb.push(" where community_id = ").push_bind(community);
                match f.status.as_deref() {
                    Some(s) => { qb.push(" and status = ").push_bind(s.to_string()); }
                    // Merged topics live on in their target; empty new topics (all members moved
                    // away) have nothing to triage.
                    None => { qb.push(" and status <> 'merged' and (member_count > 0 or status <> 'new')"); }
                }
                if let Some(c) = &f.category {
                    qb.push(" and category = ").push_bind(c.clone());
                }
                match f.channel.as_deref() {
                    Some("paper") => { qb.push(" and paper_count > 0"); }
                    Some(_) => { qb.push(" and member_count > paper_count"); }
                    None => {}
                }
                if let Some(b) = f.building {
                    qb.push(" and exists (select 1 from suggestion s where s.topic_id = topic.topic_id and s.state = 'grouped' and s.building_id = ")
                        .push_bind(b).push(")");
                }
                if let Some(from) = f.from {
                    qb.push(" and created_at >= ").push_bind(from);
                }
                if let Some(to) = f.to {
                    qb.push(" and created_at < ").push_bind(to);
                }
                if let Some(q) = f.q.as_deref() {
                    let p = $crate::store::sql_hall::like_pattern(q);
                    qb.push(" and (title like ").push_bind(p.clone()).push(" escape '\\' or summary like ").push_bind(p.clone())
                        .push(" escape '\\' or exists (select 1 from suggestion s where s.topic_id = topic.topic_id and s.state = 'grouped' and s.body like ")
                        .push_bind(p).push(" escape '\\'))");
                }
                if f.overdue {
                    qb.push(" and due_at < ").push_bind(f.now);
                }
                qb.push(match sort {
                    TopicSort::Heat => " order by heat desc, topic_id desc",
                    TopicSort::Newest => " order by created_at desc, topic_id desc",
                    TopicSort::Waiting => " order by status_changed_at asc, topic_id asc",
                });
                qb.push(" limit ").push_bind(limit).push(" offset ").push_bind(offset);
                Ok(qb.build_query_as().fetch_all(&self.read).await?)
            }

            async fn overdue_count(&self, community: $crate::domain::ids::CommunityId, now: chrono::DateTime<chrono::Utc>) -> anyhow::Result<i64> {
                Ok(sqlx::query_scalar("select count(*) from topic where community_id = $1 and due_at < $2")
                    .bind(community).bind(now).fetch_one(&self.read).await?)
            }

            async fn members(&self, topic: $crate::domain::ids::TopicId, limit: i64) -> anyhow::Result<Vec<$crate::store::MemberRow>> {
                Ok(sqlx::query_as(
                    "select s.suggestion_id, s.channel, s.title, s.body, s.building_id, b.name as building_name, s.pinned, s.show_author, \
                     coalesce(a.display_name, p.name) as author_name, s.created_at \
                     from suggestion s left join building b on b.building_id = s.building_id \
                     left join account a on a.account_id = s.author_account_id left join person p on p.person_id = s.author_person_id \
                     where s.topic_id = $1 and s.state = 'grouped' order by s.suggestion_id limit $2",
                )
                .bind(topic).bind(limit).fetch_all(&self.read).await?)
            }

            async fn topic_meetings(&self, topic: $crate::domain::ids::TopicId) -> anyhow::Result<Vec<$crate::store::TopicMeetingRow>> {
                Ok(sqlx::query_as(
                    "select m.meeting_id, m.title, m.held_at, m.status, mt.decision from meeting_topic mt join meeting m on m.meeting_id = mt.meeting_id \
                     where mt.topic_id = $1 order by m.held_at",
                )
                .bind(topic).fetch_all(&self.read).await?)
            }

            async fn supported_among(&self, account: $crate::domain::ids::AccountId, ids: &[$crate::domain::ids::TopicId]) -> anyhow::Result<Vec<$crate::domain::ids::TopicId>> {
                let q = format!("select topic_id from support where account_id = $1 and topic_id in ({})", $crate::store::sql_intake::id_list(ids));
                Ok(sqlx::query_scalar(&q).bind(account).fetch_all(&self.read).await?)
            }

            async fn edit_topic(&self, topic: $crate::domain::ids::TopicId, version: i32, e: &$crate::store::TopicEdit, audit: &$crate::store::Audit) -> anyhow::Result<$crate::store::Edit<()>> {
                use $crate::store::Edit;
                let mut tx = self.write.begin().await?;
                let Some(t) = Self::cas_tx(&mut tx, topic, version, audit.at).await? else {
                    return Ok(if Self::topic_tx(&mut tx, topic).await?.is_some() { Edit::Stale } else { Edit::NotFound });
                };
                sqlx::query(
                    "update topic set title = coalesce($1, title), title_locked = case when $1 is null then title_locked else true end, \
                     summary = coalesce($2, summary), category = coalesce($3, category) where topic_id = $4",
                )
                .bind(e.title.as_deref()).bind(e.summary.as_deref()).bind(e.category.as_deref()).bind(topic)
                .execute(&mut *tx).await?;
                Self::audit_tx(&mut tx, audit, "topic.edit", "topic", &topic.to_string(), Some(t.community_id),
                    Some(serde_json::json!({"title": t.title, "summary": t.summary, "category": t.category})),
                    Some(serde_json::json!({"title": e.title, "summary": e.summary, "category": e.category}))).await?;
                Self::event_tx(&mut tx, t.community_id, "topic.updated", Some(topic), None, serde_json::json!({"topic_id": topic}), audit.at).await?;
                tx.commit().await?;
                Ok(Edit::Done(()))
            }

            async fn change_status(&self, topic: $crate::domain::ids::TopicId, version: i32, change: &$crate::store::StatusChange, audit: &$crate::store::Audit) -> anyhow::Result<$crate::store::Edit<()>> {
                use $crate::store::Edit;
                let mut tx = self.write.begin().await?;
                let Some(t) = Self::cas_tx(&mut tx, topic, version, audit.at).await? else {
                    return Ok(if Self::topic_tx(&mut tx, topic).await?.is_some() { Edit::Stale } else { Edit::NotFound });
                };
                Self::status_tx(&mut tx, &t, change, audit).await?;
                tx.commit().await?;
                Ok(Edit::Done(()))
            }

            async fn merge_topics(&self, source: $crate::domain::ids::TopicId, version: i32, target: $crate::domain::ids::TopicId, note: &$crate::store::PublicNote, audit: &$crate::store::Audit) -> anyhow::Result<$crate::store::Edit<()>> {
                use $crate::store::Edit;
                let now = audit.at;
                let mut tx = self.write.begin().await?;
                let Some(s) = Self::cas_tx(&mut tx, source, version, now).await? else {
                    return Ok(if Self::topic_tx(&mut tx, source).await?.is_some() { Edit::Stale } else { Edit::NotFound });
                };
                let Some(t) = Self::topic_tx(&mut tx, target).await? else { return Ok(Edit::Invalid("unknown_topic")) };
                if t.community_id != s.community_id || t.topic_id == s.topic_id {
                    return Ok(Edit::Invalid("unknown_topic"));
                }
                if s.status == "merged" || t.status == "merged" {
                    return Ok(Edit::Invalid("topic_merged"));
                }
                // Tell the source's authors and supporters before they move.
                Self::note_tx(&mut tx, source, s.community_id, note, audit.actor, now).await?;
                let moved: Vec<i64> = sqlx::query_scalar("select suggestion_id from suggestion where topic_id = $1 order by suggestion_id")
                    .bind(source).fetch_all(&mut *tx).await?;
                let added: Vec<i64> = sqlx::query_scalar(
                    "select account_id from support where topic_id = $1 and account_id not in (select account_id from support where topic_id = $2) order by account_id",
                )
                .bind(source).bind(target).fetch_all(&mut *tx).await?;
                sqlx::query("update suggestion set topic_id = $1, updated_at = $2 where topic_id = $3")
                    .bind(target).bind(now).bind(source).execute(&mut *tx).await?;
                sqlx::query("insert into support (topic_id, account_id, created_at) select $1, account_id, created_at from support where topic_id = $2 \
                             and account_id not in (select account_id from support where topic_id = $1)")
                    .bind(target).bind(source).execute(&mut *tx).await?;
                sqlx::query(
                    "insert into topic_merge (source_topic_id, target_topic_id, moved_suggestions, added_supporters, source_status, source_status_reason, \
                     actor_account_id, reason, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(source).bind(target).bind(serde_json::to_string(&moved)?).bind(serde_json::to_string(&added)?)
                .bind(&s.status).bind(s.status_reason.as_deref()).bind(audit.actor).bind(audit.reason.as_deref()).bind(now)
                .execute(&mut *tx).await?;
                sqlx::query(
                    "update topic set status = 'merged', merged_into_topic_id = $1, status_reason = $2, status_changed_at = $3, due_at = null where topic_id = $4",
                )
                .bind(target).bind(audit.reason.as_deref()).bind(now).bind(source).execute(&mut *tx).await?;
                sqlx::query("update topic set version = version + 1 where topic_id = $1").bind(target).execute(&mut *tx).await?;
                // The merge no longer stands: its public entry goes, and residents are told.
                sqlx::query($crate::store::sql_first_use::HIDE_MERGE_ENTRIES).bind(source).execute(&mut *tx).await?;
                Self::note_tx(&mut tx, source, s.community_id, note, audit.actor, now).await?;
                Self::recount_tx(&mut tx, source, now).await?;
                Self::recount_tx(&mut tx, target, now).await?;
                Self::epoch_tx(&mut tx, s.community_id).await?;
                Self::audit_tx(&mut tx, audit, "topic.merge", "topic", &source.to_string(), Some(s.community_id),
                    Some(serde_json::json!({"status": s.status, "members": moved, "supporters_added_to_target": added})),
                    Some(serde_json::json!({"merged_into": target}))).await?;
                Self::audit_tx(&mut tx, audit, "topic.merge_in", "topic", &target.to_string(), Some(s.community_id), None,
                    Some(serde_json::json!({"from": source, "members": moved}))).await?;
                for id in [source, target] {
                    Self::event_tx(&mut tx, s.community_id, "topic.updated", Some(id), None, serde_json::json!({"topic_id": id}), now).await?;
                }
                tx.commit().await?;
                Ok(Edit::Done(()))
            }

            async fn unmerge_topic(&self, source: $crate::domain::ids::TopicId, version: i32, note: &$crate::store::PublicNote, audit: &$crate::store::Audit) -> anyhow::Result<$crate::store::Edit<$crate::domain::ids::TopicId>> {
                use $crate::store::Edit;
                let now = audit.at;
                let mut tx = self.write.begin().await?;
                let Some(s) = Self::cas_tx(&mut tx, source, version, now).await? else {
                    return Ok(if Self::topic_tx(&mut tx, source).await?.is_some() { Edit::Stale } else { Edit::NotFound });
                };
                if s.status != "merged" {
                    return Ok(Edit::Invalid("not_merged"));
                }
                let m: Option<(i64, $crate::domain::ids::TopicId, String, String, String, Option<String>)> = sqlx::query_as(
                    "select merge_id, target_topic_id, moved_suggestions, added_supporters, source_status, source_status_reason from topic_merge \
                     where source_topic_id = $1 and undone_at is null order by merge_id desc limit 1",
                )
                .bind(source).fetch_optional(&mut *tx).await?;
                let Some((merge_id, target, moved, added, status, reason)) = m else { return Ok(Edit::Invalid("not_merged")) };
                let moved: Vec<i64> = serde_json::from_str(&moved)?;
                let added: Vec<i64> = serde_json::from_str(&added)?;
                // Members still in the target come back (one moved on since stays where it is).
                let q = format!(
                    "update suggestion set topic_id = $1, updated_at = $2 where topic_id = $3 and suggestion_id in ({})",
                    $crate::store::sql_intake::id_list(&moved)
                );
                sqlx::query(&q).bind(source).bind(now).bind(target).execute(&mut *tx).await?;
                let q = format!("delete from support where topic_id = $1 and account_id in ({})", $crate::store::sql_intake::id_list(&added));
                sqlx::query(&q).bind(target).execute(&mut *tx).await?;
                sqlx::query("update topic_merge set undone_at = $1 where merge_id = $2").bind(now).bind(merge_id).execute(&mut *tx).await?;
                sqlx::query(
                    "update topic set status = $1, status_reason = $2, merged_into_topic_id = null, status_changed_at = $3 where topic_id = $4",
                )
                .bind(&status).bind(reason.as_deref()).bind(now).bind(source).execute(&mut *tx).await?;
                sqlx::query("update topic set version = version + 1 where topic_id = $1").bind(target).execute(&mut *tx).await?;
                // The merge no longer stands: its public entry goes, and residents are told.
                sqlx::query($crate::store::sql_first_use::HIDE_MERGE_ENTRIES).bind(source).execute(&mut *tx).await?;
                Self::note_tx(&mut tx, source, s.community_id, note, audit.actor, now).await?;
                Self::recount_tx(&mut tx, source, now).await?;
                Self::recount_tx(&mut tx, target, now).await?;
                Self::epoch_tx(&mut tx, s.community_id).await?;
                Self::audit_tx(&mut tx, audit, "topic.unmerge", "topic", &source.to_string(), Some(s.community_id),
                    Some(serde_json::json!({"merged_into": target})),
                    Some(serde_json::json!({"status": status, "members": moved, "supporters_removed_from_target": added}))).await?;
                for id in [source, target] {
                    Self::event_tx(&mut tx, s.community_id, "topic.updated", Some(id), None, serde_json::json!({"topic_id": id}), now).await?;
                }
                tx.commit().await?;
                Ok(Edit::Done(target))
            }

            async fn split_topic(&self, topic: $crate::domain::ids::TopicId, version: i32, members: &[$crate::domain::ids::SuggestionId], title: &str, due_at: Option<chrono::DateTime<chrono::Utc>>, audit: &$crate::store::Audit) -> anyhow::Result<$crate::store::Edit<$crate::domain::ids::TopicId>> {
                use $crate::store::Edit;
                let now = audit.at;
                let mut tx = self.write.begin().await?;
                let Some(t) = Self::cas_tx(&mut tx, topic, version, now).await? else {
                    return Ok(if Self::topic_tx(&mut tx, topic).await?.is_some() { Edit::Stale } else { Edit::NotFound });
                };
                if t.status == "merged" {
                    return Ok(Edit::Invalid("topic_merged"));
                }
                let q = format!(
                    "select count(*) from suggestion where topic_id = $1 and state = 'grouped' and suggestion_id in ({})",
                    $crate::store::sql_intake::id_list(members)
                );
                let found: i64 = sqlx::query_scalar(&q).bind(topic).fetch_one(&mut *tx).await?;
                if found != members.len() as i64 || members.is_empty() {
                    return Ok(Edit::Invalid("not_a_member"));
                }
                let new_id: $crate::domain::ids::TopicId = sqlx::query_scalar(
                    "insert into topic (community_id, title, title_locked, keywords, category, representative_suggestion_id, created_at, updated_at, \
                     status_changed_at, last_activity_at, first_suggestion_at, due_at) values ($1, $2, true, '[]', $3, $4, $5, $5, $5, $5, $5, $6) returning topic_id",
                )
                .bind(t.community_id).bind(title).bind(t.category.as_deref()).bind(members[0]).bind(now).bind(due_at)
                .fetch_one(&mut *tx).await?;
                let q = format!(
                    "update suggestion set topic_id = $1, pinned = true, updated_at = $2 where topic_id = $3 and suggestion_id in ({})",
                    $crate::store::sql_intake::id_list(members)
                );
                sqlx::query(&q).bind(new_id).bind(now).bind(topic).execute(&mut *tx).await?;
                Self::recount_tx(&mut tx, topic, now).await?;
                Self::recount_tx(&mut tx, new_id, now).await?;
                Self::epoch_tx(&mut tx, t.community_id).await?;
                Self::audit_tx(&mut tx, audit, "topic.split", "topic", &topic.to_string(), Some(t.community_id),
                    Some(serde_json::json!({"members": members})), Some(serde_json::json!({"new_topic_id": new_id, "title": title}))).await?;
                for s in members {
                    Self::audit_tx(&mut tx, audit, "suggestion.move", "suggestion", &s.to_string(), Some(t.community_id),
                        Some(serde_json::json!({"topic_id": topic})), Some(serde_json::json!({"topic_id": new_id, "pinned": true}))).await?;
                }
                Self::event_tx(&mut tx, t.community_id, "topic.updated", Some(topic), None, serde_json::json!({"topic_id": topic}), now).await?;
                Self::event_tx(&mut tx, t.community_id, "topic.created", Some(new_id), None, serde_json::json!({"topic_id": new_id}), now).await?;
                tx.commit().await?;
                Ok(Edit::Done(new_id))
            }

            async fn move_suggestion(&self, suggestion: $crate::domain::ids::SuggestionId, target: $crate::domain::ids::TopicId, version: i32, audit: &$crate::store::Audit) -> anyhow::Result<$crate::store::Edit<()>> {
                use $crate::store::Edit;
                let now = audit.at;
                let mut tx = self.write.begin().await?;
                let Some(t) = Self::cas_tx(&mut tx, target, version, now).await? else {
                    return Ok(if Self::topic_tx(&mut tx, target).await?.is_some() { Edit::Stale } else { Edit::NotFound });
                };
                let from: Option<(Option<$crate::domain::ids::TopicId>, $crate::domain::ids::CommunityId, String)> =
                    sqlx::query_as("select topic_id, community_id, state from suggestion where suggestion_id = $1")
                        .bind(suggestion).fetch_optional(&mut *tx).await?;
                let Some((Some(from), community, state)) = from else { return Ok(Edit::Invalid("not_grouped")) };
                if community != t.community_id || state != "grouped" {
                    return Ok(Edit::Invalid("not_grouped"));
                }
                if t.status == "merged" {
                    return Ok(Edit::Invalid("topic_merged"));
                }
                sqlx::query("update suggestion set topic_id = $1, pinned = true, updated_at = $2 where suggestion_id = $3")
                    .bind(target).bind(now).bind(suggestion).execute(&mut *tx).await?;
                sqlx::query("update topic set version = version + 1 where topic_id = $1").bind(from).execute(&mut *tx).await?;
                Self::recount_tx(&mut tx, from, now).await?;
                Self::recount_tx(&mut tx, target, now).await?;
                Self::epoch_tx(&mut tx, community).await?;
                Self::audit_tx(&mut tx, audit, "suggestion.move", "suggestion", &suggestion.to_string(), Some(community),
                    Some(serde_json::json!({"topic_id": from})), Some(serde_json::json!({"topic_id": target, "pinned": true}))).await?;
                for id in [from, target] {
                    Self::event_tx(&mut tx, community, "topic.updated", Some(id), Some(suggestion), serde_json::json!({"topic_id": id}), now).await?;
                }
                tx.commit().await?;
                Ok(Edit::Done(()))
            }

            async fn pin_suggestion(&self, suggestion: $crate::domain::ids::SuggestionId, pinned: bool, audit: &$crate::store::Audit) -> anyhow::Result<$crate::store::Edit<()>> {
                use $crate::store::Edit;
                let mut tx = self.write.begin().await?;
                let row: Option<(Option<$crate::domain::ids::TopicId>, $crate::domain::ids::CommunityId, bool)> =
                    sqlx::query_as("select topic_id, community_id, pinned from suggestion where suggestion_id = $1")
                        .bind(suggestion).fetch_optional(&mut *tx).await?;
                let Some((Some(topic), community, before)) = row else { return Ok(Edit::Invalid("not_grouped")) };
                sqlx::query("update suggestion set pinned = $1, updated_at = $2 where suggestion_id = $3")
                    .bind(pinned).bind(audit.at).bind(suggestion).execute(&mut *tx).await?;
                sqlx::query("update topic set version = version + 1 where topic_id = $1").bind(topic).execute(&mut *tx).await?;
                Self::epoch_tx(&mut tx, community).await?;
                Self::audit_tx(&mut tx, audit, if pinned { "suggestion.pin" } else { "suggestion.unpin" }, "suggestion", &suggestion.to_string(),
                    Some(community), Some(serde_json::json!({"pinned": before, "topic_id": topic})), Some(serde_json::json!({"pinned": pinned}))).await?;
                Self::event_tx(&mut tx, community, "topic.updated", Some(topic), Some(suggestion), serde_json::json!({"topic_id": topic}), audit.at).await?;
                tx.commit().await?;
                Ok(Edit::Done(()))
            }

            async fn add_note(&self, topic: $crate::domain::ids::TopicId, note: &$crate::store::PublicNote, audit: &$crate::store::Audit) -> anyhow::Result<$crate::store::Edit<()>> {
                use $crate::store::Edit;
                let mut tx = self.write.begin().await?;
                let Some(t) = Self::topic_tx(&mut tx, topic).await? else { return Ok(Edit::NotFound) };
                Self::note_tx(&mut tx, topic, t.community_id, note, audit.actor, audit.at).await?;
                sqlx::query("update topic set last_activity_at = $1 where topic_id = $2").bind(audit.at).bind(topic).execute(&mut *tx).await?;
                Self::audit_tx(&mut tx, audit, "topic.reply", "topic", &topic.to_string(), Some(t.community_id), None,
                    Some(serde_json::json!({"body": note.body}))).await?;
                Self::event_tx(&mut tx, t.community_id, "topic.updated", Some(topic), None, serde_json::json!({"topic_id": topic}), audit.at).await?;
                tx.commit().await?;
                Ok(Edit::Done(()))
            }

            async fn set_support(&self, topic: $crate::domain::ids::TopicId, account: $crate::domain::ids::AccountId, on: bool) -> anyhow::Result<$crate::store::Edit<i32>> {
                use $crate::store::Edit;
                let now = chrono::Utc::now();
                let mut tx = self.write.begin().await?;
                let Some(t) = Self::topic_tx(&mut tx, topic).await? else { return Ok(Edit::NotFound) };
                if t.status == "merged" {
                    return Ok(Edit::Invalid("topic_merged"));
                }
                let changed = if on {
                    sqlx::query("insert into support (topic_id, account_id, created_at) values ($1, $2, $3) on conflict do nothing")
                        .bind(topic).bind(account).bind(now).execute(&mut *tx).await?.rows_affected()
                } else {
                    sqlx::query("delete from support where topic_id = $1 and account_id = $2")
                        .bind(topic).bind(account).execute(&mut *tx).await?.rows_affected()
                };
                if changed > 0 {
                    Self::recount_tx(&mut tx, topic, now).await?;
                    Self::event_tx(&mut tx, t.community_id, "topic.updated", Some(topic), None, serde_json::json!({"topic_id": topic}), now).await?;
                }
                let n: i32 = sqlx::query_scalar("select supporter_count from topic where topic_id = $1").bind(topic).fetch_one(&mut *tx).await?;
                tx.commit().await?;
                Ok(Edit::Done(n))
            }

            async fn took_part(&self, topic: $crate::domain::ids::TopicId, account: $crate::domain::ids::AccountId) -> anyhow::Result<bool> {
                let n: i64 = sqlx::query_scalar(
                    "select (select count(*) from suggestion where topic_id = $1 and author_account_id = $2 and state = 'grouped') \
                          + (select count(*) from support where topic_id = $1 and account_id = $2)",
                )
                .bind(topic).bind(account).fetch_one(&self.read).await?;
                Ok(n > 0)
            }

            async fn answer_satisfaction(&self, topic: $crate::domain::ids::TopicId, account: $crate::domain::ids::AccountId, answer: &str, comment: Option<&str>, min_answers: i64, reopen_share: f64, reopen: &$crate::store::StatusChange) -> anyhow::Result<$crate::store::Edit<($crate::store::SatisfactionCounts, bool)>> {
                use $crate::store::Edit;
                let now = chrono::Utc::now();
                let mut tx = self.write.begin().await?;
                // Lock the topic first so two last answers cannot both reopen it.
                sqlx::query("update topic set updated_at = updated_at where topic_id = $1").bind(topic).execute(&mut *tx).await?;
                let Some(t) = Self::topic_tx(&mut tx, topic).await? else { return Ok(Edit::NotFound) };
                if t.status != "resolved" {
                    return Ok(Edit::Invalid("not_resolved"));
                }
                let round = t.reopened_count;
                sqlx::query(
                    "insert into satisfaction (topic_id, account_id, round, answer, comment, created_at) values ($1, $2, $3, $4, $5, $6) \
                     on conflict (topic_id, account_id, round) do update set answer = excluded.answer, comment = excluded.comment, created_at = excluded.created_at",
                )
                .bind(topic).bind(account).bind(round).bind(answer).bind(comment).bind(now).execute(&mut *tx).await?;
                let rows: Vec<(String, i64)> = sqlx::query_as("select answer, count(*) from satisfaction where topic_id = $1 and round = $2 group by answer")
                    .bind(topic).bind(round).fetch_all(&mut *tx).await?;
                let counts = $crate::hall::satisfaction_counts(&rows);
                let unsatisfied_share = if counts.total() == 0 { 0.0 } else { counts.unsatisfied as f64 / counts.total() as f64 };
                let reopened = counts.total() >= min_answers && unsatisfied_share >= reopen_share;
                if reopened {
                    sqlx::query("update topic set version = version + 1 where topic_id = $1").bind(topic).execute(&mut *tx).await?;
                    let audit = $crate::store::Audit { at: now, ..$crate::store::Audit::system("system") };
                    Self::status_tx(&mut tx, &t, reopen, &audit).await?;
                }
                tx.commit().await?;
                Ok(Edit::Done((counts, reopened)))
            }

            async fn satisfaction(&self, topic: $crate::domain::ids::TopicId) -> anyhow::Result<$crate::store::SatisfactionCounts> {
                let rows: Vec<(String, i64)> = sqlx::query_as(
                    "select answer, count(*) from satisfaction s join topic t on t.topic_id = s.topic_id \
                     where s.topic_id = $1 and s.round = t.reopened_count group by answer",
                )
                .bind(topic).fetch_all(&self.read).await?;
                Ok($crate::hall::satisfaction_counts(&rows))
            }

            async fn my_satisfaction(&self, topic: $crate::domain::ids::TopicId, account: $crate::domain::ids::AccountId) -> anyhow::Result<Option<(String, Option<String>)>> {
                Ok(sqlx::query_as(
                    "select s.answer, s.comment from satisfaction s join topic t on t.topic_id = s.topic_id \
                     where s.topic_id = $1 and s.account_id = $2 and s.round = t.reopened_count",
                )
                .bind(topic).bind(account).fetch_optional(&self.read).await?)
            }

            async fn create_meeting(&self, m: &$crate::store::NewMeeting, scheduling: &$crate::store::Scheduling, audit: &$crate::store::Audit) -> anyhow::Result<$crate::store::Edit<$crate::domain::ids::MeetingId>> {
                use $crate::store::Edit;
                let now = audit.at;
                let mut tx = self.write.begin().await?;
                let id: $crate::domain::ids::MeetingId = sqlx::query_scalar(
                    "insert into meeting (community_id, title, held_at, place, created_by_account_id, created_at, updated_at) \
                     values ($1, $2, $3, $4, $5, $6, $6) returning meeting_id",
                )
                .bind(m.community).bind(&m.title).bind(m.held_at).bind(&m.place).bind(audit.actor).bind(now)
                .fetch_one(&mut *tx).await?;
                let row: $crate::store::MeetingRow = sqlx::query_as(
                    &format!("{} where meeting_id = $1", $crate::store::sql_hall::MEETING_SELECT),
                )
                .bind(id).fetch_one(&mut *tx).await?;
                if let Some(code) = Self::schedule_tx(&mut tx, &row, &m.topics, scheduling, audit).await? {
                    return Ok(Edit::Invalid(code));
                }
                Self::audit_tx(&mut tx, audit, "meeting.create", "meeting", &id.to_string(), Some(m.community), None,
                    Some(serde_json::json!({"title": m.title, "held_at": m.held_at, "place": m.place, "topics": m.topics}))).await?;
                tx.commit().await?;
                Ok(Edit::Done(id))
            }

            async fn meetings(&self, community: $crate::domain::ids::CommunityId) -> anyhow::Result<Vec<$crate::store::MeetingRow>> {
                Ok(sqlx::query_as(
                    &format!("{} where community_id = $1 order by held_at desc, meeting_id desc limit 200", $crate::store::sql_hall::MEETING_SELECT),
                )
                .bind(community).fetch_all(&self.read).await?)
            }

            async fn meeting(&self, id: $crate::domain::ids::MeetingId) -> anyhow::Result<Option<$crate::store::MeetingRow>> {
                Ok(sqlx::query_as(
                    &format!("{} where meeting_id = $1", $crate::store::sql_hall::MEETING_SELECT),
                )
                .bind(id).fetch_optional(&self.read).await?)
            }

            async fn agenda(&self, id: $crate::domain::ids::MeetingId) -> anyhow::Result<Vec<$crate::store::AgendaRow>> {
                Ok(sqlx::query_as(
                    "select mt.topic_id, t.title, t.status, mt.position, mt.decision, mt.decision_mode, mt.votes_for, mt.votes_against, mt.votes_abstain \
                     from meeting_topic mt join topic t on t.topic_id = mt.topic_id where mt.meeting_id = $1 order by mt.position",
                )
                .bind(id).fetch_all(&self.read).await?)
            }

            async fn actions(&self, id: $crate::domain::ids::MeetingId) -> anyhow::Result<Vec<$crate::store::ActionRow>> {
                Ok(sqlx::query_as(
                    "select action_id, meeting_id, topic_id, description, owner, due_on, done from meeting_action where meeting_id = $1 order by action_id",
                )
                .bind(id).fetch_all(&self.read).await?)
            }

            async fn update_meeting(&self, id: $crate::domain::ids::MeetingId, version: i32, p: &$crate::store::MeetingPatch, audit: &$crate::store::Audit) -> anyhow::Result<$crate::store::Edit<()>> {
                use $crate::store::Edit;
                let mut tx = self.write.begin().await?;
                let before: Option<$crate::store::MeetingRow> = sqlx::query_as(
                    &format!("{} where meeting_id = $1", $crate::store::sql_hall::MEETING_SELECT),
                )
                .bind(id).fetch_optional(&mut *tx).await?;
                let Some(before) = before else { return Ok(Edit::NotFound) };
                let n = sqlx::query(
                    "update meeting set title = coalesce($1, title), held_at = coalesce($2, held_at), place = coalesce($3, place), \
                     status = coalesce($4, status), attendance_count = coalesce($5, attendance_count), attendance_names = coalesce($6, attendance_names), \
                     minutes = coalesce($7, minutes), version = version + 1, updated_at = $8 where meeting_id = $9 and version = $10",
                )
                .bind(p.title.as_deref()).bind(p.held_at).bind(p.place.as_deref()).bind(p.status.as_deref()).bind(p.attendance_count)
                .bind(p.attendance_names.as_deref()).bind(p.minutes.as_deref()).bind(audit.at).bind(id).bind(version)
                .execute(&mut *tx).await?.rows_affected();
                if n == 0 {
                    return Ok(Edit::Stale);
                }
                Self::audit_tx(&mut tx, audit, "meeting.update", "meeting", &id.to_string(), Some(before.community_id),
                    Some(serde_json::to_value(&before)?),
                    Some(serde_json::json!({"title": p.title, "held_at": p.held_at, "place": p.place, "status": p.status,
                        "attendance_count": p.attendance_count, "attendance_names": p.attendance_names, "minutes": p.minutes}))).await?;
                tx.commit().await?;
                Ok(Edit::Done(()))
            }

            async fn set_agenda(&self, id: $crate::domain::ids::MeetingId, topics: &[$crate::domain::ids::TopicId], scheduling: &$crate::store::Scheduling, audit: &$crate::store::Audit) -> anyhow::Result<$crate::store::Edit<()>> {
                use $crate::store::Edit;
                let mut tx = self.write.begin().await?;
                let row: Option<$crate::store::MeetingRow> = sqlx::query_as(
                    &format!("{} where meeting_id = $1", $crate::store::sql_hall::MEETING_SELECT),
                )
                .bind(id).fetch_optional(&mut *tx).await?;
                let Some(row) = row else { return Ok(Edit::NotFound) };
                // Topics taken off the agenda keep their status; decided ones cannot be removed.
                let q = format!(
                    "delete from meeting_topic where meeting_id = $1 and decision is null and topic_id not in ({})",
                    $crate::store::sql_intake::id_list(topics)
                );
                sqlx::query(&q).bind(id).execute(&mut *tx).await?;
                if let Some(code) = Self::schedule_tx(&mut tx, &row, topics, scheduling, audit).await? {
                    return Ok(Edit::Invalid(code));
                }
                for (i, t) in topics.iter().enumerate() {
                    sqlx::query("update meeting_topic set position = $1 where meeting_id = $2 and topic_id = $3")
                        .bind(i as i32 + 1).bind(id).bind(t).execute(&mut *tx).await?;
                }
                sqlx::query("update meeting set version = version + 1, updated_at = $1 where meeting_id = $2").bind(audit.at).bind(id).execute(&mut *tx).await?;
                Self::audit_tx(&mut tx, audit, "meeting.agenda", "meeting", &id.to_string(), Some(row.community_id), None,
                    Some(serde_json::json!({"topics": topics}))).await?;
                tx.commit().await?;
                Ok(Edit::Done(()))
            }

            async fn record_decision(&self, id: $crate::domain::ids::MeetingId, d: &$crate::store::Decision, change: &$crate::store::StatusChange, audit: &$crate::store::Audit) -> anyhow::Result<$crate::store::Edit<()>> {
                use $crate::store::Edit;
                let mut tx = self.write.begin().await?;
                let n = sqlx::query(
                    "update meeting_topic set decision = $1, decision_mode = $2, votes_for = $3, votes_against = $4, votes_abstain = $5 \
                     where meeting_id = $6 and topic_id = $7",
                )
                .bind(&d.decision).bind(&d.mode).bind(d.votes_for).bind(d.votes_against).bind(d.votes_abstain).bind(id).bind(d.topic)
                .execute(&mut *tx).await?.rows_affected();
                if n == 0 {
                    return Ok(Edit::Invalid("not_on_agenda"));
                }
                sqlx::query("update topic set version = version + 1 where topic_id = $1").bind(d.topic).execute(&mut *tx).await?;
                let Some(t) = Self::topic_tx(&mut tx, d.topic).await? else { return Ok(Edit::NotFound) };
                if matches!(t.status.as_str(), "merged" | "rejected") {
                    return Ok(Edit::Invalid("invalid_transition"));
                }
                Self::status_tx(&mut tx, &t, change, audit).await?;
                sqlx::query("update meeting set status = case when status = 'planned' then 'held' else status end, version = version + 1, updated_at = $1 where meeting_id = $2")
                    .bind(audit.at).bind(id).execute(&mut *tx).await?;
                Self::audit_tx(&mut tx, audit, "meeting.decision", "topic", &d.topic.to_string(), Some(t.community_id), None,
                    Some(serde_json::json!({"meeting_id": id, "decision": d.decision, "mode": d.mode,
                        "votes_for": d.votes_for, "votes_against": d.votes_against, "votes_abstain": d.votes_abstain}))).await?;
                tx.commit().await?;
                Ok(Edit::Done(()))
            }

            async fn add_action(&self, id: $crate::domain::ids::MeetingId, a: &$crate::store::NewAction, audit: &$crate::store::Audit) -> anyhow::Result<$crate::store::Edit<i64>> {
                use $crate::store::Edit;
                let mut tx = self.write.begin().await?;
                let community: Option<$crate::domain::ids::CommunityId> = sqlx::query_scalar("select community_id from meeting where meeting_id = $1")
                    .bind(id).fetch_optional(&mut *tx).await?;
                let Some(community) = community else { return Ok(Edit::NotFound) };
                if let Some(t) = a.topic {
                    let on: Option<i32> = sqlx::query_scalar("select position from meeting_topic where meeting_id = $1 and topic_id = $2")
                        .bind(id).bind(t).fetch_optional(&mut *tx).await?;
                    if on.is_none() {
                        return Ok(Edit::Invalid("not_on_agenda"));
                    }
                }
                let action: i64 = sqlx::query_scalar(
                    "insert into meeting_action (meeting_id, topic_id, description, owner, due_on, created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $6) returning action_id",
                )
                .bind(id).bind(a.topic).bind(&a.description).bind(&a.owner).bind(a.due_on).bind(audit.at)
                .fetch_one(&mut *tx).await?;
                Self::audit_tx(&mut tx, audit, "meeting.action_add", "meeting", &id.to_string(), Some(community), None,
                    Some(serde_json::json!({"action_id": action, "topic_id": a.topic, "description": a.description, "owner": a.owner, "due_on": a.due_on}))).await?;
                tx.commit().await?;
                Ok(Edit::Done(action))
            }

            async fn set_action_done(&self, action: i64, done: bool, audit: &$crate::store::Audit) -> anyhow::Result<$crate::store::Edit<$crate::domain::ids::MeetingId>> {
                use $crate::store::Edit;
                let mut tx = self.write.begin().await?;
                let row: Option<($crate::domain::ids::MeetingId, $crate::domain::ids::CommunityId)> = sqlx::query_as(
                    "select a.meeting_id, m.community_id from meeting_action a join meeting m on m.meeting_id = a.meeting_id where a.action_id = $1",
                )
                .bind(action).fetch_optional(&mut *tx).await?;
                let Some((meeting, community)) = row else { return Ok(Edit::NotFound) };
                sqlx::query("update meeting_action set done = $1, updated_at = $2 where action_id = $3")
                    .bind(done).bind(audit.at).bind(action).execute(&mut *tx).await?;
                Self::audit_tx(&mut tx, audit, "meeting.action_done", "meeting", &meeting.to_string(), Some(community), None,
                    Some(serde_json::json!({"action_id": action, "done": done}))).await?;
                tx.commit().await?;
                Ok(Edit::Done(meeting))
            }

            async fn action_meeting(&self, action: i64) -> anyhow::Result<Option<$crate::domain::ids::MeetingId>> {
                Ok(sqlx::query_scalar("select meeting_id from meeting_action where action_id = $1").bind(action).fetch_optional(&self.read).await?)
            }

            async fn notifications(&self, account: $crate::domain::ids::AccountId, before: Option<i64>, limit: i64) -> anyhow::Result<(Vec<$crate::store::NotificationRow>, i64)> {
                let rows = sqlx::query_as(
                    "select n.notification_id, n.topic_id, t.title, e.kind, e.body, n.created_at, n.read_at is not null as read \
                     from notification n join timeline_entry e on e.timeline_entry_id = n.timeline_entry_id join topic t on t.topic_id = n.topic_id \
                     where n.account_id = $1 and n.notification_id < $2 order by n.notification_id desc limit $3",
                )
                .bind(account).bind(before.unwrap_or(i64::MAX)).bind(limit).fetch_all(&self.read).await?;
                let unread: i64 = sqlx::query_scalar("select count(*) from notification where account_id = $1 and read_at is null")
                    .bind(account).fetch_one(&self.read).await?;
                Ok((rows, unread))
            }

            async fn mark_read(&self, account: $crate::domain::ids::AccountId, ids: Option<&[i64]>) -> anyhow::Result<()> {
                let now = chrono::Utc::now();
                match ids {
                    None => {
                        sqlx::query("update notification set read_at = $1 where account_id = $2 and read_at is null")
                            .bind(now).bind(account).execute(&self.write).await?;
                    }
                    Some(ids) => {
                        let q = format!(
                            "update notification set read_at = $1 where account_id = $2 and read_at is null and notification_id in ({})",
                            $crate::store::sql_intake::id_list(ids)
                        );
                        sqlx::query(&q).bind(now).bind(account).execute(&self.write).await?;
                    }
                }
                Ok(())
            }

            async fn add_grants(&self, account: $crate::domain::ids::AccountId, templates: &[String]) -> anyhow::Result<()> {
                let now = chrono::Utc::now();
                let mut tx = self.write.begin().await?;
                for t in templates {
                    sqlx::query(
                        "insert into subscribe_grant (account_id, template_id, remaining, updated_at) values ($1, $2, 1, $3) \
                         on conflict (account_id, template_id) do update set remaining = subscribe_grant.remaining + 1, updated_at = excluded.updated_at",
                    )
                    .bind(account).bind(t).bind(now).execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn due_messages(&self, now: chrono::DateTime<chrono::Utc>, limit: i64) -> anyhow::Result<Vec<$crate::store::OutgoingMessage>> {
                Ok(sqlx::query_as(
                    "select n.notification_id, n.attempts, a.wechat_openid as openid, n.topic_id, t.title as topic_title, e.kind, e.body, e.created_at \
                     from notification n join timeline_entry e on e.timeline_entry_id = n.timeline_entry_id join topic t on t.topic_id = n.topic_id \
                     left join account a on a.account_id = n.account_id \
                     where n.state = 'pending' and n.channel = 'wechat' and n.next_attempt_at <= $1 order by n.next_attempt_at limit $2",
                )
                .bind(now).bind(limit).fetch_all(&self.write).await?)
            }

            async fn message_sent(&self, id: i64, now: chrono::DateTime<chrono::Utc>) -> anyhow::Result<()> {
                sqlx::query("update notification set state = 'sent', sent_at = $1, attempts = attempts + 1 where notification_id = $2")
                    .bind(now).bind(id).execute(&self.write).await?;
                Ok(())
            }

            async fn message_retry(&self, id: i64, next: chrono::DateTime<chrono::Utc>, error: &str) -> anyhow::Result<()> {
                sqlx::query("update notification set attempts = attempts + 1, next_attempt_at = $1, last_error = $2 where notification_id = $3")
                    .bind(next).bind(error).bind(id).execute(&self.write).await?;
                Ok(())
            }

            async fn message_in_app(&self, id: i64, error: &str, drop_grants: Option<&str>) -> anyhow::Result<()> {
                let mut tx = self.write.begin().await?;
                sqlx::query("update notification set channel = 'in_app', state = 'sent', attempts = attempts + 1, last_error = $1 where notification_id = $2")
                    .bind(error).bind(id).execute(&mut *tx).await?;
                if let Some(template) = drop_grants {
                    sqlx::query(
                        "update subscribe_grant set remaining = 0 where template_id = $1 and account_id = (select account_id from notification where notification_id = $2)",
                    )
                    .bind(template).bind(id).execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn callbacks(&self, community: $crate::domain::ids::CommunityId, done: bool) -> anyhow::Result<Vec<$crate::store::CallbackRow>> {
                Ok(sqlx::query_as(
                    "select n.notification_id as callback_id, n.topic_id, t.title as topic_title, e.body as timeline_body, p.name as person_name, p.phone, \
                     n.created_at, n.state = 'done' as done \
                     from notification n join timeline_entry e on e.timeline_entry_id = n.timeline_entry_id join topic t on t.topic_id = n.topic_id \
                     join person p on p.person_id = n.person_id \
                     where n.community_id = $1 and n.channel = 'callback' and (n.state = 'done') = $2 order by n.notification_id limit 500",
                )
                .bind(community).bind(done).fetch_all(&self.read).await?)
            }

            async fn callback_community(&self, id: i64) -> anyhow::Result<Option<$crate::domain::ids::CommunityId>> {
                Ok(sqlx::query_scalar("select community_id from notification where notification_id = $1 and channel = 'callback'")
                    .bind(id).fetch_optional(&self.read).await?)
            }

            async fn callback_done(&self, id: i64, audit: &$crate::store::Audit) -> anyhow::Result<()> {
                let mut tx = self.write.begin().await?;
                let community: Option<$crate::domain::ids::CommunityId> = sqlx::query_scalar(
                    "update notification set state = 'done', done_by_account_id = $1, sent_at = $2 where notification_id = $3 and channel = 'callback' returning community_id",
                )
                .bind(audit.actor).bind(audit.at).bind(id).fetch_optional(&mut *tx).await?;
                Self::audit_tx(&mut tx, audit, "callback.done", "notification", &id.to_string(), community, None, None).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn events_after(&self, community: $crate::domain::ids::CommunityId, after: i64, limit: i64) -> anyhow::Result<Vec<$crate::store::EventRow>> {
                Ok(sqlx::query_as(
                    "select event_id, community_id, kind, topic_id, suggestion_id, payload from hall_event where community_id = $1 and event_id > $2 \
                     order by event_id limit $3",
                )
                .bind(community).bind(after).bind(limit).fetch_all(&self.read).await?)
            }

            async fn last_event_id(&self, community: $crate::domain::ids::CommunityId) -> anyhow::Result<i64> {
                let id: Option<i64> = sqlx::query_scalar("select max(event_id) from hall_event where community_id = $1")
                    .bind(community).fetch_one(&self.read).await?;
                Ok(id.unwrap_or(0))
            }

            async fn trim_events(&self, before: chrono::DateTime<chrono::Utc>) -> anyhow::Result<u64> {
                Ok(sqlx::query("delete from hall_event where created_at < $1").bind(before).execute(&self.write).await?.rows_affected())
            }

            async fn stats_data(&self, communities: &[$crate::domain::ids::CommunityId], from: chrono::DateTime<chrono::Utc>, to: chrono::DateTime<chrono::Utc>, now: chrono::DateTime<chrono::Utc>) -> anyhow::Result<$crate::store::StatsData> {
                let list = $crate::store::sql_intake::id_list(communities);
                let suggestions = sqlx::query_as(&format!(
                    "select s.created_at, s.channel, s.building_id, b.name as building_name, coalesce(t.category, s.category) as category \
                     from suggestion s left join building b on b.building_id = s.building_id left join topic t on t.topic_id = s.topic_id \
                     where s.community_id in ({list}) and s.created_at >= $1 and s.created_at < $2 and s.state <> 'withdrawn'"
                ))
                .bind(from).bind(to).fetch_all(&self.read).await?;
                let topics_by_status = sqlx::query_as(&format!(
                    "select status, count(*) from topic where community_id in ({list}) and (member_count > 0 or status <> 'new') group by status order by status"
                ))
                .fetch_all(&self.read).await?;
                let durations = sqlx::query_as(&format!(
                    "select coalesce(first_suggestion_at, created_at), decided_at, resolved_at from topic where community_id in ({list}) \
                     and ((decided_at >= $1 and decided_at < $2) or (resolved_at >= $1 and resolved_at < $2))"
                ))
                .bind(from).bind(to).fetch_all(&self.read).await?;
                let (met, missed): (i64, i64) = sqlx::query_as(&format!(
                    "select (select count(*) from topic_deadline where community_id in ({list}) and left_at >= $1 and left_at < $2 and met), \
                            (select count(*) from topic_deadline where community_id in ({list}) and left_at >= $1 and left_at < $2 and not met)"
                ))
                .bind(from).bind(to).fetch_one(&self.read).await?;
                let overdue_now: i64 = sqlx::query_scalar(&format!("select count(*) from topic where community_id in ({list}) and due_at < $1"))
                    .bind(now).fetch_one(&self.read).await?;
                let rows: Vec<(String, i64)> = sqlx::query_as(&format!(
                    "select s.answer, count(*) from satisfaction s join topic t on t.topic_id = s.topic_id \
                     where t.community_id in ({list}) and s.created_at >= $1 and s.created_at < $2 group by s.answer"
                ))
                .bind(from).bind(to).fetch_all(&self.read).await?;
                Ok($crate::store::StatsData {
                    suggestions,
                    topics_by_status,
                    durations,
                    deadlines_met: met,
                    deadlines_missed: missed,
                    overdue_now,
                    satisfaction: $crate::hall::satisfaction_counts(&rows),
                })
            }
        }
    };
}

pub(crate) use impl_hall_store;
