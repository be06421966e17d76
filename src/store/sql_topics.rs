//! The SQL of topics and grouping, written once for both backends (see `sql.rs`).
macro_rules! impl_topic_store {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::TopicStore for $store {
            async fn group_clock(&self, community: $crate::domain::ids::CommunityId) -> anyhow::Result<$crate::store::GroupClock> {
                Ok(sqlx::query_as("select group_seq, group_epoch from community where community_id = $1")
                    .bind(community).fetch_one(&self.write).await?)
            }

            async fn grouped_since(&self, community: $crate::domain::ids::CommunityId, after_seq: i64) -> anyhow::Result<Vec<$crate::store::GroupedDoc>> {
                Ok(sqlx::query_as(
                    "select suggestion_id, group_seq, title, body, topic_id, pinned from suggestion \
                     where community_id = $1 and group_seq > $2 and topic_id is not null and state = 'grouped' order by group_seq",
                )
                .bind(community).bind(after_seq).fetch_all(&self.write).await?)
            }

            #[tracing::instrument(skip_all, fields(suggestion_id = %a.suggestion_id))]
            async fn assign(&self, a: &$crate::store::Assignment) -> anyhow::Result<$crate::store::AssignOutcome> {
                use $crate::store::AssignOutcome;
                let now = chrono::Utc::now();
                let mut tx = self.write.begin().await?;
                // Compare-and-set on the community's clock serialises grouping per community
                // across every worker and process, whatever the queue.
                let seq: Option<i64> = sqlx::query_scalar(
                    "update community set group_seq = group_seq + 1 where community_id = $1 and group_seq = $2 and group_epoch = $3 returning group_seq",
                )
                .bind(a.community_id).bind(a.expected.group_seq).bind(a.expected.group_epoch).fetch_optional(&mut *tx).await?;
                let Some(seq) = seq else {
                    tx.rollback().await?;
                    return Ok(AssignOutcome::Stale);
                };
                let s = Self::suggestion_tx(&mut tx, a.suggestion_id).await?;
                let Some(s) = s.filter(|s| s.state == "queued" && s.community_id == a.community_id) else {
                    tx.rollback().await?;
                    return Ok(AssignOutcome::NotQueued);
                };
                let keywords = serde_json::to_string(&a.keywords)?;
                let topic = match a.topic {
                    Some(t) => t,
                    None => sqlx::query_scalar(
                        "insert into topic (community_id, title, keywords, representative_suggestion_id, created_at, updated_at, \
                         status_changed_at, last_activity_at, first_suggestion_at, due_at) values ($1, $2, $3, $4, $5, $5, $5, $5, $6, $7) returning topic_id",
                    )
                    .bind(a.community_id).bind(&a.title).bind(&keywords).bind(a.suggestion_id).bind(now).bind(s.created_at).bind(a.due_at)
                    .fetch_one(&mut *tx).await?,
                };
                let paper = if s.channel == "paper" { 1 } else { 0 };
                let (members, supporters): (i32, i32) = sqlx::query_as(
                    "update topic set member_count = member_count + 1, paper_count = paper_count + $1, \
                     last_activity_at = $2, updated_at = $2 where topic_id = $3 returning member_count, supporter_count",
                )
                .bind(paper).bind(now).bind(topic).fetch_one(&mut *tx).await?;
                sqlx::query("update topic set heat = $1 where topic_id = $2")
                    .bind($crate::hall::heat::score(members, supporters, now)).bind(topic).execute(&mut *tx).await?;
                if let Some(c) = s.category.as_deref().filter(|c| !c.trim().is_empty()) {
                    sqlx::query($crate::store::sql_first_use::TOPIC_CATEGORY_FROM_MEMBER).bind(c).bind(topic).execute(&mut *tx).await?;
                }
                Self::event_tx(&mut tx, a.community_id, "suggestion.created", Some(topic), Some(a.suggestion_id),
                    serde_json::json!({"topic_id": topic, "suggestion_id": a.suggestion_id, "opened": a.topic.is_none(), "channel": s.channel}), now).await?;
                if a.topic.is_none() {
                    Self::event_tx(&mut tx, a.community_id, "topic.created", Some(topic), None, serde_json::json!({"topic_id": topic}), now).await?;
                }
                sqlx::query(
                    "update suggestion set topic_id = $1, state = 'grouped', group_seq = $2, processed_at = $3, updated_at = $3 where suggestion_id = $4",
                )
                .bind(topic).bind(seq).bind(now).bind(a.suggestion_id).execute(&mut *tx).await?;
                let action = if a.topic.is_some() { "topic.join" } else { "topic.open" };
                let audit = $crate::store::Audit::system("algorithm");
                Self::audit_tx(&mut tx, &audit, action, "suggestion", &a.suggestion_id.to_string(), Some(a.community_id), None,
                    Some(serde_json::json!({"topic_id": topic, "similarity": a.similarity, "duplicate_of": a.duplicate_of}))).await?;
                tx.commit().await?;
                Ok(AssignOutcome::Assigned { topic, group_seq: seq })
            }

            async fn suggestions_by_ids(&self, ids: &[$crate::domain::ids::SuggestionId]) -> anyhow::Result<Vec<$crate::store::SuggestionRow>> {
                let q = format!("select {} from suggestion where suggestion_id in ({}) order by suggestion_id",
                    $crate::store::SUGGESTION_COLUMNS, $crate::store::sql_intake::id_list(ids));
                Ok(sqlx::query_as(&q).fetch_all(&self.write).await?)
            }

            #[tracing::instrument(skip_all, fields(community = %community, n = ids.len()))]
            async fn assign_batch(&self, community: $crate::domain::ids::CommunityId, expected: $crate::store::GroupClock, ids: &[$crate::domain::ids::SuggestionId], grouper: &mut dyn $crate::store::BatchGrouper) -> anyhow::Result<$crate::store::BatchOutcome> {
                use $crate::store::{BatchOutcome, GroupClock};
                let now = chrono::Utc::now();
                let mut tx = self.write.begin().await?;
                let n = ids.len() as i64;
                let seq: Option<i64> = sqlx::query_scalar(
                    "update community set group_seq = group_seq + $1 where community_id = $2 and group_seq = $3 and group_epoch = $4 returning group_seq",
                )
                .bind(n).bind(community).bind(expected.group_seq).bind(expected.group_epoch).fetch_optional(&mut *tx).await?;
                let Some(new_seq) = seq else {
                    tx.rollback().await?;
                    return Ok(BatchOutcome::Stale);
                };
                let q = format!(
                    "select {} from suggestion where suggestion_id in ({}) and state = 'queued' and community_id = $1 order by suggestion_id",
                    $crate::store::SUGGESTION_COLUMNS, $crate::store::sql_intake::id_list(ids)
                );
                let rows: Vec<$crate::store::SuggestionRow> = sqlx::query_as(&q).bind(community).fetch_all(&mut *tx).await?;
                let audit = $crate::store::Audit::system("algorithm");
                let mut assigned = Vec::with_capacity(rows.len());
                for (i, s) in rows.iter().enumerate() {
                    let plan = grouper.decide(s);
                    let topic: $crate::domain::ids::TopicId = match plan.topic {
                        Some(t) => t,
                        None => sqlx::query_scalar(
                            "insert into topic (community_id, title, keywords, representative_suggestion_id, created_at, updated_at, \
                             status_changed_at, last_activity_at, first_suggestion_at, due_at) values ($1, $2, $3, $4, $5, $5, $5, $5, $6, $7) returning topic_id",
                        )
                        .bind(community).bind(&plan.title).bind(serde_json::to_string(&plan.keywords)?).bind(s.suggestion_id).bind(now)
                        .bind(s.created_at).bind(plan.due_at)
                        .fetch_one(&mut *tx).await?,
                    };
                    let label = grouper.applied(s, topic);
                    let paper = if s.channel == "paper" { 1 } else { 0 };
                    let (title, keywords, rep) = match &label {
                        Some((t, k, r)) => (Some(t.as_str()), Some(serde_json::to_string(k)?), *r),
                        None => (None, None, None),
                    };
                    // Counts change, the worker-editable state (`version`) does not.
                    let (members, supporters): (i32, i32) = sqlx::query_as(
                        "update topic set member_count = member_count + 1, paper_count = paper_count + $1, \
                         last_activity_at = $2, updated_at = $2, \
                         title = case when title_locked or cast($3 as text) is null then title else $3 end, \
                         keywords = coalesce($4, keywords), representative_suggestion_id = coalesce($5, representative_suggestion_id) \
                         where topic_id = $6 returning member_count, supporter_count",
                    )
                    .bind(paper).bind(now).bind(title).bind(keywords).bind(rep).bind(topic).fetch_one(&mut *tx).await?;
                    sqlx::query("update topic set heat = $1 where topic_id = $2")
                        .bind($crate::hall::heat::score(members, supporters, now)).bind(topic).execute(&mut *tx).await?;
                    if let Some(c) = s.category.as_deref().filter(|c| !c.trim().is_empty()) {
                        sqlx::query($crate::store::sql_first_use::TOPIC_CATEGORY_FROM_MEMBER).bind(c).bind(topic).execute(&mut *tx).await?;
                    }
                    let opened = plan.topic.is_none();
                    Self::event_tx(&mut tx, community, "suggestion.created", Some(topic), Some(s.suggestion_id),
                        serde_json::json!({"topic_id": topic, "suggestion_id": s.suggestion_id, "opened": opened, "channel": s.channel}), now).await?;
                    if opened {
                        Self::event_tx(&mut tx, community, "topic.created", Some(topic), None, serde_json::json!({"topic_id": topic}), now).await?;
                    }
                    sqlx::query("update suggestion set topic_id = $1, state = 'grouped', group_seq = $2, processed_at = $3, updated_at = $3 where suggestion_id = $4")
                        .bind(topic).bind(expected.group_seq + 1 + i as i64).bind(now).bind(s.suggestion_id).execute(&mut *tx).await?;
                    let action = if plan.topic.is_some() { "topic.join" } else { "topic.open" };
                    Self::audit_tx(&mut tx, &audit, action, "suggestion", &s.suggestion_id.to_string(), Some(community), None,
                        Some(serde_json::json!({"topic_id": topic, "similarity": plan.similarity, "duplicate_of": plan.duplicate_of}))).await?;
                    assigned.push((s.suggestion_id, topic));
                }
                tx.commit().await?;
                Ok(BatchOutcome::Done { clock: GroupClock { group_seq: new_seq, group_epoch: expected.group_epoch }, assigned })
            }

            async fn topics(&self, community: $crate::domain::ids::CommunityId, status: Option<&str>, sort: $crate::store::TopicSort, limit: i64, offset: i64) -> anyhow::Result<Vec<$crate::store::TopicRow>> {
                use $crate::store::TopicSort;
                let order = match sort {
                    TopicSort::Heat => "heat desc, topic_id desc",
                    TopicSort::Newest => "created_at desc, topic_id desc",
                    TopicSort::Waiting => "status_changed_at asc, topic_id asc",
                };
                let q = format!(
                    "{} where community_id = $1 and (cast($2 as text) is null or status = $2) and status <> 'merged' \
                     order by {order} limit $3 offset $4",
                    $crate::store::sql_hall::TOPIC_SELECT
                );
                Ok(sqlx::query_as(&q).bind(community).bind(status).bind(limit).bind(offset).fetch_all(&self.read).await?)
            }

            async fn topic_counts(&self, community: $crate::domain::ids::CommunityId) -> anyhow::Result<Vec<(String, i64)>> {
                Ok(sqlx::query_as("select status, count(*) from topic where community_id = $1 and (member_count > 0 or status <> 'new') group by status order by status")
                    .bind(community).fetch_all(&self.read).await?)
            }

            async fn topic(&self, id: $crate::domain::ids::TopicId) -> anyhow::Result<Option<$crate::store::TopicRow>> {
                let q = format!("{} where topic_id = $1", $crate::store::sql_hall::TOPIC_SELECT);
                Ok(sqlx::query_as(&q).bind(id).fetch_optional(&self.read).await?)
            }

            async fn topic_members(&self, id: $crate::domain::ids::TopicId, limit: i64) -> anyhow::Result<Vec<$crate::store::SuggestionRow>> {
                let q = format!("select {} from suggestion where topic_id = $1 order by suggestion_id limit $2", $crate::store::SUGGESTION_COLUMNS);
                Ok(sqlx::query_as(&q).bind(id).bind(limit).fetch_all(&self.read).await?)
            }

            async fn relabel(&self, topic: $crate::domain::ids::TopicId, title: &str, keywords: &[String], representative: Option<$crate::domain::ids::SuggestionId>) -> anyhow::Result<()> {
                sqlx::query(
                    "update topic set title = case when title_locked then title else $1 end, keywords = $2, \
                     representative_suggestion_id = coalesce($3, representative_suggestion_id) where topic_id = $4",
                )
                .bind(title).bind(serde_json::to_string(keywords)?).bind(representative).bind(topic)
                .execute(&self.write).await?;
                Ok(())
            }
        }
    };
}

pub(crate) use impl_topic_store;
