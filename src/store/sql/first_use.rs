//! What residents, volunteers and workers needed on first use (issue 16): joining a community
//! by its QR code, published photos, moderation word lists, names for ids, call-backs per
//! person and topic, residents' answers.
use super::{audit, SqlStore};
use crate::domain::ids::*;
use crate::store::splice::with_ids;
use crate::store::{
    AdminArea, Audit, CallbackNoticeRow, Edit, FirstUseStore, PhotoRow, SatisfactionComment,
    StreetRow, WordListRow, WordScope,
};
use anyhow::Result;
use async_trait::async_trait;
use serde_json::json;

const JOIN_EPOCH: &str = "select join_epoch from community where community_id = $1";
const ROTATE_JOIN: &str =
    "update community set join_epoch = join_epoch + 1 where community_id = $1 returning join_epoch";
const RESIDENT_COMMUNITY: &str =
    "select community_id from account where account_id = $1 and role = 'resident'";
const SET_RESIDENT_COMMUNITY: &str =
    "update account set community_id = $1, updated_at = $2 where account_id = $3 and role = 'resident'";

/// `{ids}`: the suggestions, filled by `with_ids`.
const PHOTOS_OF: &str = "select suggestion_id, upload_id, public from suggestion_photo \
     where suggestion_id in ({ids}) order by suggestion_id, position";
const SET_PHOTO_PUBLIC: &str =
    "update suggestion_photo set public = $1 where suggestion_id = $2 and upload_id = $3";
const PHOTO_PUBLIC_IN: &str = "select distinct s.community_id from suggestion_photo p \
     join suggestion s on s.suggestion_id = p.suggestion_id where p.upload_id = $1 and p.public = true";

/// `{ids}`: the accounts, filled by `with_ids`.
const ACCOUNT_NAMES: &str =
    "select account_id, display_name from account where account_id in ({ids})";
const DISTRICT_NAME: &str = "select name from district where district_id = $1";
const STREETS_IN_DISTRICT: &str =
    "select street_id, district_id, name from street where district_id = $1 order by name";
const STREET_BY_ID: &str = "select street_id, district_id, name from street where street_id = $1";

const WORD_LIST: &str = "select scope, scope_id, words, version, updated_at, updated_by_account_id
    from moderation_word_list where scope = $1 and scope_id = $2";
/// A community's own list and its district's. $1 community.
const WORD_LISTS_FOR: &str =
    "select scope, scope_id, words, version, updated_at, updated_by_account_id
     from moderation_word_list \
     where (scope = 'community' and scope_id = $1) \
     or (scope = 'district' and scope_id = (select s.district_id from community c \
         join street s on s.street_id = c.street_id where c.community_id = $1))";
const INSERT_WORD_LIST: &str = "insert into moderation_word_list \
     (scope, scope_id, words, version, updated_at, updated_by_account_id) values ($1, $2, $3, 1, $4, $5) \
     on conflict (scope, scope_id) do nothing";
/// Compare-and-set on the version. $1 words, $2 now, $3 actor, $4 scope, $5 id, $6 version seen.
const UPDATE_WORD_LIST: &str = "update moderation_word_list set words = $1, \
     version = version + 1, updated_at = $2, updated_by_account_id = $3 \
     where scope = $4 and scope_id = $5 and version = $6 returning version";

/// Every call-back notice of a community, oldest first, with the person it is for.
const CALLBACK_NOTICES: &str =
    "select n.notification_id as callback_id, n.timeline_entry_id, n.person_id, \
     n.topic_id, t.title as topic_title, e.body as timeline_body, p.name as person_name, p.phone, \
     n.created_at, n.state = 'done' as done \
     from notification n join timeline_entry e on e.timeline_entry_id = n.timeline_entry_id \
     join topic t on t.topic_id = n.topic_id join person p on p.person_id = n.person_id \
     where n.community_id = $1 and n.channel = 'callback' and (n.state = 'done') = $2 \
     order by n.notification_id limit 2000";
const CALLBACK_COMMUNITY: &str =
    "select community_id from notification where notification_id = $1 and channel = 'callback'";
/// Close the call-backs of one person (or of every person record with the same phone) about
/// one topic. $1 actor, $2 now, $3 the call-back chosen.
const CALLBACK_GROUP_DONE: &str = "update notification set state = 'done', \
     done_by_account_id = $1, sent_at = $2 \
     where channel = 'callback' and state <> 'done' \
     and topic_id = (select topic_id from notification where notification_id = $3) \
     and person_id in (select p2.person_id from notification n1 \
         join person p1 on p1.person_id = n1.person_id \
         join person p2 on p2.community_id = p1.community_id \
             and (p2.person_id = p1.person_id or (p1.phone is not null and p2.phone = p1.phone)) \
         where n1.notification_id = $3)";

/// `{ids}`: the topics, filled by `with_ids`. $1 account.
const MY_SATISFACTIONS: &str = "select s.topic_id, s.answer, s.comment from satisfaction s \
     join topic t on t.topic_id = s.topic_id \
     where s.account_id = $1 and s.topic_id in ({ids}) and s.round = t.reopened_count";
const SATISFACTION_COMMENTS: &str = "select s.answer, s.comment, s.created_at \
     from satisfaction s join topic t on t.topic_id = s.topic_id \
     where s.topic_id = $1 and s.round = t.reopened_count and s.comment is not null and s.comment <> '' \
     order by s.created_at desc limit 200";

#[async_trait]
impl FirstUseStore for SqlStore {
    async fn join_epoch(&self, community: CommunityId) -> Result<Option<i64>> {
        let query = sqlx::query_scalar(JOIN_EPOCH).bind(community);
        Ok(query.fetch_optional(&self.read).await?)
    }

    async fn rotate_join_code(&self, community: CommunityId, audit: &Audit) -> Result<i64> {
        let mut tx = self.write.begin().await?;
        let epoch: i64 = sqlx::query_scalar(ROTATE_JOIN)
            .bind(community)
            .fetch_one(&mut *tx)
            .await?;
        audit::entry("community.join_code_rotate", "community", community)
            .community(community)
            .before(json!({"join_epoch": epoch - 1}))
            .after(json!({"join_epoch": epoch}))
            .record_and_commit(tx, audit)
            .await?;
        Ok(epoch)
    }

    async fn join_community(
        &self,
        account: AccountId,
        community: CommunityId,
        audit: &Audit,
    ) -> Result<()> {
        let mut tx = self.write.begin().await?;
        let before: Option<Option<CommunityId>> = sqlx::query_scalar(RESIDENT_COMMUNITY)
            .bind(account)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(before) = before else {
            anyhow::bail!("account {account} is not a resident");
        };
        sqlx::query(SET_RESIDENT_COMMUNITY)
            .bind(community)
            .bind(audit.at)
            .bind(account)
            .execute(&mut *tx)
            .await?;
        audit::entry("account.join_community", "account", account)
            .community(community)
            .before(json!({"community_id": before}))
            .after(json!({"community_id": community}))
            .record_and_commit(tx, audit)
            .await
    }

    async fn photos_of(&self, suggestions: &[SuggestionId]) -> Result<Vec<PhotoRow>> {
        if suggestions.is_empty() {
            return Ok(Vec::new());
        }
        let sql = with_ids(PHOTOS_OF, suggestions);
        Ok(sqlx::query_as(&sql).fetch_all(&self.read).await?)
    }

    async fn set_photo_public(
        &self,
        suggestion: SuggestionId,
        upload: &str,
        public: bool,
        community: CommunityId,
        audit: &Audit,
    ) -> Result<bool> {
        let mut tx = self.write.begin().await?;
        let changed = sqlx::query(SET_PHOTO_PUBLIC)
            .bind(public)
            .bind(suggestion)
            .bind(upload)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if changed == 0 {
            return Ok(false);
        }
        let action = if public {
            "suggestion.photo_publish"
        } else {
            "suggestion.photo_unpublish"
        };
        audit::entry(action, "suggestion", suggestion)
            .community(community)
            .before(json!({"upload_id": upload, "public": !public}))
            .after(json!({"upload_id": upload, "public": public}))
            .record_and_commit(tx, audit)
            .await?;
        Ok(true)
    }

    async fn photo_public_in(&self, upload: &str) -> Result<Vec<CommunityId>> {
        let query = sqlx::query_scalar(PHOTO_PUBLIC_IN).bind(upload);
        Ok(query.fetch_all(&self.read).await?)
    }

    async fn account_names(&self, ids: &[AccountId]) -> Result<Vec<(AccountId, String)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = with_ids(ACCOUNT_NAMES, ids);
        Ok(sqlx::query_as(&sql).fetch_all(&self.read).await?)
    }

    async fn district_name(&self, id: DistrictId) -> Result<Option<String>> {
        let query = sqlx::query_scalar(DISTRICT_NAME).bind(id);
        Ok(query.fetch_optional(&self.read).await?)
    }

    async fn streets_in(&self, area: AdminArea) -> Result<Vec<StreetRow>> {
        Ok(match area {
            AdminArea::District(d) => {
                let query = sqlx::query_as(STREETS_IN_DISTRICT).bind(d);
                query.fetch_all(&self.read).await?
            }
            AdminArea::Street(s) => {
                let query = sqlx::query_as(STREET_BY_ID).bind(s);
                query.fetch_all(&self.read).await?
            }
        })
    }

    async fn word_list(&self, scope: WordScope) -> Result<Option<WordListRow>> {
        let (kind, id) = scope.parts();
        let query = sqlx::query_as(WORD_LIST).bind(kind).bind(id);
        Ok(query.fetch_optional(&self.read).await?)
    }

    async fn word_lists_for(&self, community: CommunityId) -> Result<Vec<WordListRow>> {
        let query = sqlx::query_as(WORD_LISTS_FOR).bind(community);
        Ok(query.fetch_all(&self.read).await?)
    }

    async fn set_word_list(
        &self,
        scope: WordScope,
        words: &[String],
        version: i32,
        audit: &Audit,
    ) -> Result<Edit<i32>> {
        let (kind, id) = scope.parts();
        let stored = serde_json::to_string(words)?;
        let mut tx = self.write.begin().await?;
        let before: Option<WordListRow> = sqlx::query_as(WORD_LIST)
            .bind(kind)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let new_version = match &before {
            None if version == 0 => {
                sqlx::query(INSERT_WORD_LIST)
                    .bind(kind)
                    .bind(id)
                    .bind(&stored)
                    .bind(audit.at)
                    .bind(audit.actor)
                    .execute(&mut *tx)
                    .await?;
                1
            }
            None => return Ok(Edit::Stale),
            Some(_) => {
                let v: Option<i32> = sqlx::query_scalar(UPDATE_WORD_LIST)
                    .bind(&stored)
                    .bind(audit.at)
                    .bind(audit.actor)
                    .bind(kind)
                    .bind(id)
                    .bind(version)
                    .fetch_optional(&mut *tx)
                    .await?;
                match v {
                    Some(v) => v,
                    None => return Ok(Edit::Stale),
                }
            }
        };
        let community = match scope {
            WordScope::Community(c) => Some(c),
            WordScope::District(_) => None,
        };
        let before_words = before.as_ref().map(|b| b.word_vec()).unwrap_or_default();
        audit::entry("moderation_words.update", kind, id)
            .community(community)
            .before(json!({"words": before_words, "version": version}))
            .after(json!({"words": words, "version": new_version}))
            .record_and_commit(tx, audit)
            .await?;
        Ok(Edit::Done(new_version))
    }

    async fn callback_notices(
        &self,
        community: CommunityId,
        done: bool,
    ) -> Result<Vec<CallbackNoticeRow>> {
        let query = sqlx::query_as(CALLBACK_NOTICES).bind(community).bind(done);
        Ok(query.fetch_all(&self.read).await?)
    }

    async fn callback_group_done(&self, id: i64, audit: &Audit) -> Result<u64> {
        let mut tx = self.write.begin().await?;
        let community: Option<CommunityId> = sqlx::query_scalar(CALLBACK_COMMUNITY)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let closed = sqlx::query(CALLBACK_GROUP_DONE)
            .bind(audit.actor)
            .bind(audit.at)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        audit::entry("callback.done", "notification", id)
            .community(community)
            .after(json!({"notices_closed": closed}))
            .record_and_commit(tx, audit)
            .await?;
        Ok(closed)
    }

    async fn my_satisfactions(
        &self,
        account: AccountId,
        topics: &[TopicId],
    ) -> Result<Vec<(TopicId, String, Option<String>)>> {
        if topics.is_empty() {
            return Ok(Vec::new());
        }
        let sql = with_ids(MY_SATISFACTIONS, topics);
        Ok(sqlx::query_as(&sql)
            .bind(account)
            .fetch_all(&self.read)
            .await?)
    }

    async fn satisfaction_comments(&self, topic: TopicId) -> Result<Vec<SatisfactionComment>> {
        let query = sqlx::query_as(SATISFACTION_COMMENTS).bind(topic);
        Ok(query.fetch_all(&self.read).await?)
    }
}
