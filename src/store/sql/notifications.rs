//! Public timeline entries and the notifications each one sends: WeChat subscribe messages
//! where the resident holds a grant for the entry's template, in-app notices otherwise, and
//! the call-back list for paper submitters without an account.
use super::{audit, SqlStore, Tx};
use crate::domain::ids::{AccountId, CommunityId, TopicId};
use crate::store::splice::with_ids;
use crate::store::PublicNote;
use crate::store::{Audit, CallbackRow, NotificationRow, NotificationStore, OutgoingMessage};
use anyhow::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

const INSERT_TIMELINE_ENTRY: &str = "insert into timeline_entry (topic_id, kind, body, public,
        actor_account_id, meeting_id, created_at)
    values ($1, $2, $3, true, $4, $5, $6)
    returning timeline_entry_id";
/// Notify the topic's authors and supporters of entry `$1`: by WeChat where they hold a grant
/// for template `$4` (pending until sent), else in-app (sent at once).
const NOTIFY_ACCOUNTS: &str = "insert into notification (timeline_entry_id, topic_id,
        community_id, account_id, channel, state, next_attempt_at, created_at)
    select $1, $2, $3, r.account_id,
        case when exists (select 1 from subscribe_grant g
                where g.account_id = r.account_id and g.template_id = $4 and g.remaining > 0)
            then 'wechat' else 'in_app' end,
        case when exists (select 1 from subscribe_grant g
                where g.account_id = r.account_id and g.template_id = $4 and g.remaining > 0)
            then 'pending' else 'sent' end,
        $5, $5
    from (select author_account_id as account_id from suggestion
            where topic_id = $2 and state = 'grouped' and author_account_id is not null
        union select account_id from support where topic_id = $2) r";
/// Each grant allows one message: reserve it for the WeChat notifications of entry `$1`.
const USE_GRANTS: &str = "update subscribe_grant set remaining = remaining - 1, updated_at = $3
    where template_id = $2 and remaining > 0
        and account_id in (select account_id from notification
            where timeline_entry_id = $1 and channel = 'wechat')";
/// Paper submitters without an account who left a phone go on the call-back list.
const NOTIFY_BY_CALLBACK: &str = "insert into notification (timeline_entry_id, topic_id,
        community_id, person_id, channel, state, next_attempt_at, created_at)
    select distinct $1, $2, $3, s.author_person_id, 'callback', 'pending', $4, $4
    from suggestion s join person p on p.person_id = s.author_person_id
    where s.topic_id = $2 and s.state = 'grouped' and s.author_account_id is null
        and p.phone is not null";

const NOTIFICATIONS_OF_ACCOUNT: &str = "select n.notification_id, n.topic_id, t.title, e.kind,
        e.body, n.created_at, n.read_at is not null as read
    from notification n
        join timeline_entry e on e.timeline_entry_id = n.timeline_entry_id
        join topic t on t.topic_id = n.topic_id
    where n.account_id = $1 and n.notification_id < $2
    order by n.notification_id desc
    limit $3";
const COUNT_UNREAD: &str =
    "select count(*) from notification where account_id = $1 and read_at is null";
const MARK_ALL_READ: &str = "update notification set read_at = $1
    where account_id = $2 and read_at is null";
const MARK_READ: &str = "update notification set read_at = $1
    where account_id = $2 and read_at is null and notification_id in ({ids})";
const ADD_GRANT: &str = "insert into subscribe_grant (account_id, template_id, remaining,
        updated_at)
    values ($1, $2, 1, $3)
    on conflict (account_id, template_id) do update
        set remaining = subscribe_grant.remaining + 1, updated_at = excluded.updated_at";

const DUE_MESSAGES: &str = "select n.notification_id, n.attempts, a.wechat_openid as openid,
        n.topic_id, t.title as topic_title, e.kind, e.body, e.created_at
    from notification n
        join timeline_entry e on e.timeline_entry_id = n.timeline_entry_id
        join topic t on t.topic_id = n.topic_id
        left join account a on a.account_id = n.account_id
    where n.state = 'pending' and n.channel = 'wechat' and n.next_attempt_at <= $1
    order by n.next_attempt_at
    limit $2";
const MESSAGE_SENT: &str = "update notification set state = 'sent', sent_at = $1,
        attempts = attempts + 1
    where notification_id = $2";
const MESSAGE_RETRY: &str = "update notification set attempts = attempts + 1,
        next_attempt_at = $1, last_error = $2
    where notification_id = $3";
const MESSAGE_IN_APP: &str = "update notification set channel = 'in_app', state = 'sent',
        attempts = attempts + 1, last_error = $1
    where notification_id = $2";
const DROP_GRANTS: &str = "update subscribe_grant set remaining = 0
    where template_id = $1
        and account_id = (select account_id from notification where notification_id = $2)";

const CALLBACKS: &str = "select n.notification_id as callback_id, n.topic_id,
        t.title as topic_title, e.body as timeline_body, p.name as person_name, p.phone,
        n.created_at, n.state = 'done' as done
    from notification n
        join timeline_entry e on e.timeline_entry_id = n.timeline_entry_id
        join topic t on t.topic_id = n.topic_id
        join person p on p.person_id = n.person_id
    where n.community_id = $1 and n.channel = 'callback' and (n.state = 'done') = $2
    order by n.notification_id
    limit 500";
const CALLBACK_COMMUNITY: &str = "select community_id from notification
    where notification_id = $1 and channel = 'callback'";
const CALLBACK_DONE: &str = "update notification set state = 'done', done_by_account_id = $1,
        sent_at = $2
    where notification_id = $3 and channel = 'callback'
    returning community_id";

/// Add a public timeline entry to `topic` and notify its authors and supporters, in `tx`.
pub(super) async fn publish(
    tx: &mut Tx<'_>,
    topic: TopicId,
    community: CommunityId,
    note: &PublicNote,
    actor: Option<AccountId>,
    now: DateTime<Utc>,
) -> Result<i64> {
    let entry: i64 = sqlx::query_scalar(INSERT_TIMELINE_ENTRY)
        .bind(topic)
        .bind(note.kind)
        .bind(&note.body)
        .bind(actor)
        .bind(note.meeting)
        .bind(now)
        .fetch_one(&mut **tx)
        .await?;
    let template = note.template.as_deref().unwrap_or("");
    sqlx::query(NOTIFY_ACCOUNTS)
        .bind(entry)
        .bind(topic)
        .bind(community)
        .bind(template)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    sqlx::query(USE_GRANTS)
        .bind(entry)
        .bind(template)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    sqlx::query(NOTIFY_BY_CALLBACK)
        .bind(entry)
        .bind(topic)
        .bind(community)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(entry)
}

#[async_trait]
impl NotificationStore for SqlStore {
    async fn notifications(
        &self,
        account: AccountId,
        before: Option<i64>,
        limit: i64,
    ) -> Result<(Vec<NotificationRow>, i64)> {
        let rows = sqlx::query_as(NOTIFICATIONS_OF_ACCOUNT)
            .bind(account)
            .bind(before.unwrap_or(i64::MAX))
            .bind(limit)
            .fetch_all(&self.read)
            .await?;
        let unread: i64 = sqlx::query_scalar(COUNT_UNREAD)
            .bind(account)
            .fetch_one(&self.read)
            .await?;
        Ok((rows, unread))
    }

    async fn mark_read(&self, account: AccountId, ids: Option<&[i64]>) -> Result<()> {
        let now = chrono::Utc::now();
        let sql = match ids {
            None => MARK_ALL_READ.to_string(),
            Some(ids) => with_ids(MARK_READ, ids),
        };
        sqlx::query(&sql)
            .bind(now)
            .bind(account)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn add_grants(&self, account: AccountId, templates: &[String]) -> Result<()> {
        let now = chrono::Utc::now();
        let mut tx = self.write.begin().await?;
        for t in templates {
            sqlx::query(ADD_GRANT)
                .bind(account)
                .bind(t)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn due_messages(&self, now: DateTime<Utc>, limit: i64) -> Result<Vec<OutgoingMessage>> {
        let query = sqlx::query_as(DUE_MESSAGES).bind(now).bind(limit);
        Ok(query.fetch_all(&self.write).await?)
    }

    async fn message_sent(&self, id: i64, now: DateTime<Utc>) -> Result<()> {
        sqlx::query(MESSAGE_SENT)
            .bind(now)
            .bind(id)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn message_retry(&self, id: i64, next: DateTime<Utc>, error: &str) -> Result<()> {
        sqlx::query(MESSAGE_RETRY)
            .bind(next)
            .bind(error)
            .bind(id)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn message_in_app(&self, id: i64, error: &str, drop_grants: Option<&str>) -> Result<()> {
        let mut tx = self.write.begin().await?;
        sqlx::query(MESSAGE_IN_APP)
            .bind(error)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if let Some(template) = drop_grants {
            sqlx::query(DROP_GRANTS)
                .bind(template)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn callbacks(&self, community: CommunityId, done: bool) -> Result<Vec<CallbackRow>> {
        let query = sqlx::query_as(CALLBACKS).bind(community).bind(done);
        Ok(query.fetch_all(&self.read).await?)
    }

    async fn callback_community(&self, id: i64) -> Result<Option<CommunityId>> {
        let query = sqlx::query_scalar(CALLBACK_COMMUNITY).bind(id);
        Ok(query.fetch_optional(&self.read).await?)
    }

    async fn callback_done(&self, id: i64, audit: &Audit) -> Result<()> {
        let mut tx = self.write.begin().await?;
        let community: Option<CommunityId> = sqlx::query_scalar(CALLBACK_DONE)
            .bind(audit.actor)
            .bind(audit.at)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        audit::entry("callback.done", "notification", id)
            .community(community)
            .record_and_commit(tx, audit)
            .await?;
        Ok(())
    }
}
