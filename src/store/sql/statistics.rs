//! The raw figures behind statistics, for a set of communities and a period `[$1, $2)`.
use super::SqlStore;
use crate::domain::ids::CommunityId;
use crate::store::splice::with_ids;
use crate::store::{StatsData, StatsStore};
use anyhow::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// Suggestions of the period (withdrawn ones aside), with their building and category.
const SUGGESTIONS: &str = "select s.created_at, s.channel, s.building_id,
        b.name as building_name, coalesce(t.category, s.category) as category
    from suggestion s
        left join building b on b.building_id = s.building_id
        left join topic t on t.topic_id = s.topic_id
    where s.community_id in ({ids}) and s.created_at >= $1 and s.created_at < $2
        and s.state <> 'withdrawn'";
/// Topics per status now; empty new topics do not count.
const TOPICS_BY_STATUS: &str = "select status, count(*) from topic
    where community_id in ({ids}) and (member_count > 0 or status <> 'new')
    group by status
    order by status";
/// First suggestion, decision and resolution of topics decided or resolved in the period.
const DURATIONS: &str = "select coalesce(first_suggestion_at, created_at), decided_at,
        resolved_at
    from topic
    where community_id in ({ids})
        and ((decided_at >= $1 and decided_at < $2) or (resolved_at >= $1 and resolved_at < $2))";
/// Deadlines met and missed by topics that left a status in the period.
const DEADLINES: &str = "select
    (select count(*) from topic_deadline
        where community_id in ({ids}) and left_at >= $1 and left_at < $2 and met),
    (select count(*) from topic_deadline
        where community_id in ({ids}) and left_at >= $1 and left_at < $2 and not met)";
const OVERDUE_NOW: &str =
    "select count(*) from topic where community_id in ({ids}) and due_at < $1";
const SATISFACTION: &str = "select s.answer, count(*)
    from satisfaction s join topic t on t.topic_id = s.topic_id
    where t.community_id in ({ids}) and s.created_at >= $1 and s.created_at < $2
    group by s.answer";

#[async_trait]
impl StatsStore for SqlStore {
    async fn stats_data(
        &self,
        communities: &[CommunityId],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<StatsData> {
        let sql = |statement| with_ids(statement, communities);
        let suggestions = sqlx::query_as(&sql(SUGGESTIONS))
            .bind(from)
            .bind(to)
            .fetch_all(&self.read)
            .await?;
        let topics_by_status = sqlx::query_as(&sql(TOPICS_BY_STATUS))
            .fetch_all(&self.read)
            .await?;
        let durations = sqlx::query_as(&sql(DURATIONS))
            .bind(from)
            .bind(to)
            .fetch_all(&self.read)
            .await?;
        let (met, missed): (i64, i64) = sqlx::query_as(&sql(DEADLINES))
            .bind(from)
            .bind(to)
            .fetch_one(&self.read)
            .await?;
        let overdue_now: i64 = sqlx::query_scalar(&sql(OVERDUE_NOW))
            .bind(now)
            .fetch_one(&self.read)
            .await?;
        let rows: Vec<(String, i64)> = sqlx::query_as(&sql(SATISFACTION))
            .bind(from)
            .bind(to)
            .fetch_all(&self.read)
            .await?;
        Ok(StatsData {
            suggestions,
            topics_by_status,
            durations,
            deadlines_met: met,
            deadlines_missed: missed,
            overdue_now,
            satisfaction: crate::hall::satisfaction_counts(&rows),
        })
    }
}
