//! Residents taking part in a topic: support, and their satisfaction with its resolution
//! (enough unsatisfied answers reopen it).
use super::corrections::{self, bump_version};
use super::{events, status, SqlStore};
use crate::domain::ids::{AccountId, TopicId};
use crate::store::{Audit, Edit, ParticipationStore, SatisfactionCounts, StatusChange};
use anyhow::Result;
use async_trait::async_trait;

const SUPPORT: &str = "insert into support (topic_id, account_id, created_at) values ($1, $2, $3)
    on conflict do nothing";
const WITHDRAW_SUPPORT: &str = "delete from support where topic_id = $1 and account_id = $2";
const SUPPORTER_COUNT: &str = "select supporter_count from topic where topic_id = $1";
const TOOK_PART: &str = "select
        (select count(*) from suggestion
            where topic_id = $1 and author_account_id = $2 and state = 'grouped')
        + (select count(*) from support where topic_id = $1 and account_id = $2)";

/// Lock the topic row (a no-op update) so two last answers cannot both reopen it.
const LOCK_TOPIC_ROW: &str = "update topic set updated_at = updated_at where topic_id = $1";
const ANSWER: &str = "insert into satisfaction (topic_id, account_id, round, answer, comment,
        created_at)
    values ($1, $2, $3, $4, $5, $6)
    on conflict (topic_id, account_id, round) do update
        set answer = excluded.answer, comment = excluded.comment,
            created_at = excluded.created_at";
const ANSWERS_OF_ROUND: &str = "select answer, count(*) from satisfaction
    where topic_id = $1 and round = $2
    group by answer";
/// Answers of the topic's current round (a reopening starts a new one).
const ANSWERS_NOW: &str = "select answer, count(*)
    from satisfaction s join topic t on t.topic_id = s.topic_id
    where s.topic_id = $1 and s.round = t.reopened_count
    group by answer";
const MY_ANSWER_NOW: &str = "select s.answer, s.comment
    from satisfaction s join topic t on t.topic_id = s.topic_id
    where s.topic_id = $1 and s.account_id = $2 and s.round = t.reopened_count";

#[async_trait]
impl ParticipationStore for SqlStore {
    async fn set_support(&self, topic: TopicId, account: AccountId, on: bool) -> Result<Edit<i32>> {
        let now = chrono::Utc::now();
        let mut tx = self.write.begin().await?;
        let Some(t) = corrections::topic(&mut tx, topic).await? else {
            return Ok(Edit::NotFound);
        };
        if t.status == crate::hall::status::TopicStatus::Merged {
            return Ok(Edit::Invalid("topic_merged"));
        }
        let changed = if on {
            sqlx::query(SUPPORT)
                .bind(topic)
                .bind(account)
                .bind(now)
                .execute(&mut *tx)
                .await?
        } else {
            sqlx::query(WITHDRAW_SUPPORT)
                .bind(topic)
                .bind(account)
                .execute(&mut *tx)
                .await?
        }
        .rows_affected();
        if changed > 0 {
            corrections::recount(&mut tx, topic, now).await?;
            events::of_topic(&mut tx, t.community_id, "topic.updated", topic, None, now).await?;
        }
        let n: i32 = sqlx::query_scalar(SUPPORTER_COUNT)
            .bind(topic)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Edit::Done(n))
    }

    async fn took_part(&self, topic: TopicId, account: AccountId) -> Result<bool> {
        let n: i64 = sqlx::query_scalar(TOOK_PART)
            .bind(topic)
            .bind(account)
            .fetch_one(&self.read)
            .await?;
        Ok(n > 0)
    }

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
    ) -> Result<Edit<(SatisfactionCounts, bool)>> {
        let now = chrono::Utc::now();
        let mut tx = self.write.begin().await?;
        sqlx::query(LOCK_TOPIC_ROW)
            .bind(topic)
            .execute(&mut *tx)
            .await?;
        let Some(t) = corrections::topic(&mut tx, topic).await? else {
            return Ok(Edit::NotFound);
        };
        if t.status != crate::hall::status::TopicStatus::Resolved {
            return Ok(Edit::Invalid("not_resolved"));
        }
        let round = t.reopened_count;
        sqlx::query(ANSWER)
            .bind(topic)
            .bind(account)
            .bind(round)
            .bind(answer)
            .bind(comment)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let rows: Vec<(String, i64)> = sqlx::query_as(ANSWERS_OF_ROUND)
            .bind(topic)
            .bind(round)
            .fetch_all(&mut *tx)
            .await?;
        let counts = crate::hall::satisfaction_counts(&rows);
        let unsatisfied_share = if counts.total() == 0 {
            0.0
        } else {
            counts.unsatisfied as f64 / counts.total() as f64
        };
        let reopened = counts.total() >= min_answers && unsatisfied_share >= reopen_share;
        if reopened {
            bump_version(&mut tx, topic).await?;
            let audit = Audit {
                at: now,
                ..Audit::system("system")
            };
            status::change(&mut tx, &t, reopen, &audit).await?;
        }
        tx.commit().await?;
        Ok(Edit::Done((counts, reopened)))
    }

    async fn satisfaction(&self, topic: TopicId) -> Result<SatisfactionCounts> {
        let rows: Vec<(String, i64)> = sqlx::query_as(ANSWERS_NOW)
            .bind(topic)
            .fetch_all(&self.read)
            .await?;
        Ok(crate::hall::satisfaction_counts(&rows))
    }

    async fn my_satisfaction(
        &self,
        topic: TopicId,
        account: AccountId,
    ) -> Result<Option<(String, Option<String>)>> {
        let query = sqlx::query_as(MY_ANSWER_NOW).bind(topic).bind(account);
        Ok(query.fetch_optional(&self.read).await?)
    }
}
