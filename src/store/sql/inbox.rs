//! The hall's reading of topics: the inbox with its filters, and a topic's members, meetings
//! and supporters.
use super::topics::{ORDER_BY_HEAT, ORDER_BY_NEWEST, ORDER_BY_WAITING, SELECT_TOPIC};
use super::{Db, SqlStore};
use crate::domain::ids::{AccountId, CommunityId, TopicId};
use crate::store::splice::{like_pattern, with_ids};
use crate::store::{InboxFilter, InboxStore, MemberRow, TopicMeetingRow, TopicRow, TopicSort};
use anyhow::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::QueryBuilder;

const OVERDUE_COUNT: &str = "select count(*) from topic where community_id = $1 and due_at < $2";
const MEMBERS: &str = "select s.suggestion_id, s.channel, s.title, s.body, s.building_id,
        b.name as building_name, s.pinned, s.show_author,
        coalesce(a.profile_name, p.name) as author_name, s.created_at
    from suggestion s
        left join building b on b.building_id = s.building_id
        left join account a on a.account_id = s.author_account_id
        left join person p on p.person_id = s.author_person_id
    where s.topic_id = $1 and s.state = 'grouped'
    order by s.suggestion_id
    limit $2";
const MEETINGS_OF_TOPIC: &str = "select m.meeting_id, m.title, m.held_at, m.status, mt.decision
    from meeting_topic mt join meeting m on m.meeting_id = mt.meeting_id
    where mt.topic_id = $1
    order by m.held_at";
const SUPPORTED_AMONG: &str =
    "select topic_id from support where account_id = $1 and topic_id in ({ids})";

/// The inbox statement: `SELECT_TOPIC` with one condition per filter given.
fn inbox_query<'a>(
    community: CommunityId,
    f: &'a InboxFilter,
    sort: TopicSort,
    limit: i64,
    offset: i64,
) -> QueryBuilder<'a, Db> {
    /// A member of the topic, to test with the condition that follows.
    const ANY_MEMBER: &str = "exists (select 1 from suggestion s
        where s.topic_id = topic.topic_id and s.state = 'grouped' and ";
    let mut qb = QueryBuilder::<Db>::new(SELECT_TOPIC);
    qb.push(" where community_id = ").push_bind(community);
    match f.status {
        Some(s) => {
            qb.push(" and status = ").push_bind(s);
        }
        // Merged topics live on in their target; empty new topics (all members moved away)
        // have nothing to triage.
        None => {
            qb.push(" and status <> 'merged' and (member_count > 0 or status <> 'new')");
        }
    }
    if let Some(c) = &f.category {
        qb.push(" and category = ").push_bind(c);
    }
    match f.channel.as_deref() {
        Some("paper") => {
            qb.push(" and paper_count > 0");
        }
        Some(_) => {
            qb.push(" and member_count > paper_count");
        }
        None => {}
    }
    if let Some(b) = f.building {
        qb.push(" and ")
            .push(ANY_MEMBER)
            .push("s.building_id = ")
            .push_bind(b)
            .push(")");
    }
    if let Some(from) = f.from {
        qb.push(" and created_at >= ").push_bind(from);
    }
    if let Some(to) = f.to {
        qb.push(" and created_at < ").push_bind(to);
    }
    if let Some(q) = f.q.as_deref() {
        let p = like_pattern(q);
        qb.push(" and (title like ")
            .push_bind(p.clone())
            .push(" escape '\\' or summary like ")
            .push_bind(p.clone())
            .push(" escape '\\' or ")
            .push(ANY_MEMBER)
            .push("s.body like ")
            .push_bind(p)
            .push(" escape '\\'))");
    }
    if f.overdue {
        qb.push(" and due_at < ").push_bind(f.now);
    }
    qb.push(match sort {
        TopicSort::Heat => ORDER_BY_HEAT,
        TopicSort::Newest => ORDER_BY_NEWEST,
        TopicSort::Waiting => ORDER_BY_WAITING,
    });
    qb.push(" limit ")
        .push_bind(limit)
        .push(" offset ")
        .push_bind(offset);
    qb
}

#[async_trait]
impl InboxStore for SqlStore {
    async fn inbox(
        &self,
        community: CommunityId,
        f: &InboxFilter,
        sort: TopicSort,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<TopicRow>> {
        let mut qb = inbox_query(community, f, sort, limit, offset);
        Ok(qb.build_query_as().fetch_all(&self.read).await?)
    }

    async fn overdue_count(&self, community: CommunityId, now: DateTime<Utc>) -> Result<i64> {
        let query = sqlx::query_scalar(OVERDUE_COUNT).bind(community).bind(now);
        Ok(query.fetch_one(&self.read).await?)
    }

    async fn members(&self, topic: TopicId, limit: i64) -> Result<Vec<MemberRow>> {
        let query = sqlx::query_as(MEMBERS).bind(topic).bind(limit);
        Ok(query.fetch_all(&self.read).await?)
    }

    async fn topic_meetings(&self, topic: TopicId) -> Result<Vec<TopicMeetingRow>> {
        let query = sqlx::query_as(MEETINGS_OF_TOPIC).bind(topic);
        Ok(query.fetch_all(&self.read).await?)
    }

    async fn supported_among(&self, account: AccountId, ids: &[TopicId]) -> Result<Vec<TopicId>> {
        let sql = with_ids(SUPPORTED_AMONG, ids);
        let query = sqlx::query_scalar(&sql).bind(account);
        Ok(query.fetch_all(&self.read).await?)
    }
}
