//! The SQL of `FirstUseStore`, written once for both backends (see `sql.rs`).

pub(crate) const JOIN_EPOCH: &str = "select join_epoch from community where community_id = $1";
pub(crate) const ROTATE_JOIN: &str =
    "update community set join_epoch = join_epoch + 1 where community_id = $1 returning join_epoch";
pub(crate) const RESIDENT_COMMUNITY: &str =
    "select community_id from account where account_id = $1 and role = 'resident'";
pub(crate) const SET_RESIDENT_COMMUNITY: &str =
    "update account set community_id = $1, updated_at = $2 where account_id = $3 and role = 'resident'";

/// `{ids}`: the suggestions, from `id_list`.
pub(crate) const PHOTOS_OF: &str = "select suggestion_id, upload_id, public from suggestion_photo \
     where suggestion_id in ({ids}) order by suggestion_id, position";
pub(crate) const SET_PHOTO_PUBLIC: &str =
    "update suggestion_photo set public = $1 where suggestion_id = $2 and upload_id = $3";
pub(crate) const PHOTO_PUBLIC_IN: &str = "select distinct s.community_id from suggestion_photo p \
     join suggestion s on s.suggestion_id = p.suggestion_id where p.upload_id = $1 and p.public = true";

/// `{ids}`: the accounts, from `id_list`.
pub(crate) const ACCOUNT_NAMES: &str =
    "select account_id, display_name from account where account_id in ({ids})";
pub(crate) const DISTRICT_NAME: &str = "select name from district where district_id = $1";
pub(crate) const STREETS_IN_DISTRICT: &str =
    "select street_id, district_id, name from street where district_id = $1 order by name";
pub(crate) const STREET_BY_ID: &str =
    "select street_id, district_id, name from street where street_id = $1";

pub(crate) const WORD_LIST_COLUMNS: &str =
    "scope, scope_id, words, version, updated_at, updated_by_account_id";
pub(crate) const WORD_LIST: &str =
    "select {cols} from moderation_word_list where scope = $1 and scope_id = $2";
/// A community's own list and its district's. $1 community.
pub(crate) const WORD_LISTS_FOR: &str = "select {cols} from moderation_word_list \
     where (scope = 'community' and scope_id = $1) \
     or (scope = 'district' and scope_id = (select s.district_id from community c \
         join street s on s.street_id = c.street_id where c.community_id = $1))";
pub(crate) const INSERT_WORD_LIST: &str = "insert into moderation_word_list \
     (scope, scope_id, words, version, updated_at, updated_by_account_id) values ($1, $2, $3, 1, $4, $5) \
     on conflict (scope, scope_id) do nothing";
/// Compare-and-set on the version. $1 words, $2 now, $3 actor, $4 scope, $5 id, $6 version seen.
pub(crate) const UPDATE_WORD_LIST: &str = "update moderation_word_list set words = $1, \
     version = version + 1, updated_at = $2, updated_by_account_id = $3 \
     where scope = $4 and scope_id = $5 and version = $6 returning version";

/// A topic without a category takes the one its member came with (a paper form's 类别 column,
/// a resident's choice); a worker's category is never replaced. $1 category, $2 topic.
pub(crate) const TOPIC_CATEGORY_FROM_MEMBER: &str =
    "update topic set category = $1 where topic_id = $2 and category is null";

/// An undone merge's public timeline entries are hidden (kept for the audit). $1 topic.
pub(crate) const HIDE_MERGE_ENTRIES: &str =
    "update timeline_entry set public = false where topic_id = $1 and kind = 'merged' and public = true";

/// Every call-back notice of a community, oldest first, with the person it is for.
pub(crate) const CALLBACK_NOTICES: &str =
    "select n.notification_id as callback_id, n.timeline_entry_id, n.person_id, \
     n.topic_id, t.title as topic_title, e.body as timeline_body, p.name as person_name, p.phone, \
     n.created_at, n.state = 'done' as done \
     from notification n join timeline_entry e on e.timeline_entry_id = n.timeline_entry_id \
     join topic t on t.topic_id = n.topic_id join person p on p.person_id = n.person_id \
     where n.community_id = $1 and n.channel = 'callback' and (n.state = 'done') = $2 \
     order by n.notification_id limit 2000";
pub(crate) const CALLBACK_COMMUNITY: &str =
    "select community_id from notification where notification_id = $1 and channel = 'callback'";
/// Close the call-backs of one person (or of every person record with the same phone) about
/// one topic. $1 actor, $2 now, $3 the call-back chosen.
pub(crate) const CALLBACK_GROUP_DONE: &str = "update notification set state = 'done', \
     done_by_account_id = $1, sent_at = $2 \
     where channel = 'callback' and state <> 'done' \
     and topic_id = (select topic_id from notification where notification_id = $3) \
     and person_id in (select p2.person_id from notification n1 \
         join person p1 on p1.person_id = n1.person_id \
         join person p2 on p2.community_id = p1.community_id \
             and (p2.person_id = p1.person_id or (p1.phone is not null and p2.phone = p1.phone)) \
         where n1.notification_id = $3)";

/// `{ids}`: the topics, from `id_list`. $1 account.
pub(crate) const MY_SATISFACTIONS: &str =
    "select s.topic_id, s.answer, s.comment from satisfaction s \
     join topic t on t.topic_id = s.topic_id \
     where s.account_id = $1 and s.topic_id in ({ids}) and s.round = t.reopened_count";
pub(crate) const SATISFACTION_COMMENTS: &str = "select s.answer, s.comment, s.created_at \
     from satisfaction s join topic t on t.topic_id = s.topic_id \
     where s.topic_id = $1 and s.round = t.reopened_count and s.comment is not null and s.comment <> '' \
     order by s.created_at desc limit 200";

macro_rules! impl_first_use_store {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::FirstUseStore for $store {
            async fn join_epoch(&self, community: $crate::domain::ids::CommunityId) -> anyhow::Result<Option<i64>> {
                use $crate::store::sql_first_use::JOIN_EPOCH;
                Ok(sqlx::query_scalar(JOIN_EPOCH).bind(community).fetch_optional(&self.read).await?)
            }

            async fn rotate_join_code(&self, community: $crate::domain::ids::CommunityId, audit: &$crate::store::Audit) -> anyhow::Result<i64> {
                use $crate::store::sql_first_use::ROTATE_JOIN;
                let mut tx = self.write.begin().await?;
                let epoch: i64 = sqlx::query_scalar(ROTATE_JOIN).bind(community).fetch_one(&mut *tx).await?;
                Self::audit_tx(&mut tx, audit, "community.join_code_rotate", "community", &community.to_string(), Some(community),
                    Some(serde_json::json!({"join_epoch": epoch - 1})), Some(serde_json::json!({"join_epoch": epoch}))).await?;
                tx.commit().await?;
                Ok(epoch)
            }

            async fn join_community(&self, account: $crate::domain::ids::AccountId, community: $crate::domain::ids::CommunityId, audit: &$crate::store::Audit) -> anyhow::Result<()> {
                use $crate::store::sql_first_use::{RESIDENT_COMMUNITY, SET_RESIDENT_COMMUNITY};
                let mut tx = self.write.begin().await?;
                let before: Option<Option<$crate::domain::ids::CommunityId>> =
                    sqlx::query_scalar(RESIDENT_COMMUNITY).bind(account).fetch_optional(&mut *tx).await?;
                let Some(before) = before else {
                    anyhow::bail!("account {account} is not a resident");
                };
                sqlx::query(SET_RESIDENT_COMMUNITY).bind(community).bind(audit.at).bind(account).execute(&mut *tx).await?;
                Self::audit_tx(&mut tx, audit, "account.join_community", "account", &account.to_string(), Some(community),
                    Some(serde_json::json!({"community_id": before})), Some(serde_json::json!({"community_id": community}))).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn photos_of(&self, suggestions: &[$crate::domain::ids::SuggestionId]) -> anyhow::Result<Vec<$crate::store::PhotoRow>> {
                if suggestions.is_empty() {
                    return Ok(Vec::new());
                }
                let q = $crate::store::sql_first_use::PHOTOS_OF
                    .replace("{ids}", &$crate::store::sql_intake::id_list(suggestions));
                Ok(sqlx::query_as(&q).fetch_all(&self.read).await?)
            }

            async fn set_photo_public(&self, suggestion: $crate::domain::ids::SuggestionId, upload: &str, public: bool, community: $crate::domain::ids::CommunityId, audit: &$crate::store::Audit) -> anyhow::Result<bool> {
                use $crate::store::sql_first_use::SET_PHOTO_PUBLIC;
                let mut tx = self.write.begin().await?;
                let n = sqlx::query(SET_PHOTO_PUBLIC).bind(public).bind(suggestion).bind(upload).execute(&mut *tx).await?.rows_affected();
                if n == 0 {
                    return Ok(false);
                }
                let action = if public { "suggestion.photo_publish" } else { "suggestion.photo_unpublish" };
                Self::audit_tx(&mut tx, audit, action, "suggestion", &suggestion.to_string(), Some(community),
                    Some(serde_json::json!({"upload_id": upload, "public": !public})),
                    Some(serde_json::json!({"upload_id": upload, "public": public}))).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn photo_public_in(&self, upload: &str) -> anyhow::Result<Vec<$crate::domain::ids::CommunityId>> {
                use $crate::store::sql_first_use::PHOTO_PUBLIC_IN;
                Ok(sqlx::query_scalar(PHOTO_PUBLIC_IN).bind(upload).fetch_all(&self.read).await?)
            }

            async fn account_names(&self, ids: &[$crate::domain::ids::AccountId]) -> anyhow::Result<Vec<($crate::domain::ids::AccountId, String)>> {
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                let q = $crate::store::sql_first_use::ACCOUNT_NAMES
                    .replace("{ids}", &$crate::store::sql_intake::id_list(ids));
                Ok(sqlx::query_as(&q).fetch_all(&self.read).await?)
            }

            async fn district_name(&self, id: $crate::domain::ids::DistrictId) -> anyhow::Result<Option<String>> {
                use $crate::store::sql_first_use::DISTRICT_NAME;
                Ok(sqlx::query_scalar(DISTRICT_NAME).bind(id).fetch_optional(&self.read).await?)
            }

            async fn streets_in(&self, area: $crate::store::AdminArea) -> anyhow::Result<Vec<$crate::store::StreetRow>> {
                use $crate::store::sql_first_use::{STREETS_IN_DISTRICT, STREET_BY_ID};
                Ok(match area {
                    $crate::store::AdminArea::District(d) => sqlx::query_as(STREETS_IN_DISTRICT).bind(d).fetch_all(&self.read).await?,
                    $crate::store::AdminArea::Street(s) => sqlx::query_as(STREET_BY_ID).bind(s).fetch_all(&self.read).await?,
                })
            }

            async fn word_list(&self, scope: $crate::store::WordScope) -> anyhow::Result<Option<$crate::store::WordListRow>> {
                use $crate::store::sql_first_use::{WORD_LIST, WORD_LIST_COLUMNS};
                let (kind, id) = scope.parts();
                let q = WORD_LIST.replace("{cols}", WORD_LIST_COLUMNS);
                Ok(sqlx::query_as(&q).bind(kind).bind(id).fetch_optional(&self.read).await?)
            }

            async fn word_lists_for(&self, community: $crate::domain::ids::CommunityId) -> anyhow::Result<Vec<$crate::store::WordListRow>> {
                use $crate::store::sql_first_use::{WORD_LISTS_FOR, WORD_LIST_COLUMNS};
                let q = WORD_LISTS_FOR.replace("{cols}", WORD_LIST_COLUMNS);
                Ok(sqlx::query_as(&q).bind(community).fetch_all(&self.read).await?)
            }

            async fn set_word_list(&self, scope: $crate::store::WordScope, words: &[String], version: i32, audit: &$crate::store::Audit) -> anyhow::Result<$crate::store::Edit<i32>> {
                use $crate::store::sql_first_use::{INSERT_WORD_LIST, UPDATE_WORD_LIST, WORD_LIST, WORD_LIST_COLUMNS};
                use $crate::store::Edit;
                let (kind, id) = scope.parts();
                let json = serde_json::to_string(words)?;
                let mut tx = self.write.begin().await?;
                let q = WORD_LIST.replace("{cols}", WORD_LIST_COLUMNS);
                let before: Option<$crate::store::WordListRow> = sqlx::query_as(&q).bind(kind).bind(id).fetch_optional(&mut *tx).await?;
                let new_version = match &before {
                    None if version == 0 => {
                        sqlx::query(INSERT_WORD_LIST).bind(kind).bind(id).bind(&json).bind(audit.at).bind(audit.actor)
                            .execute(&mut *tx).await?;
                        1
                    }
                    None => return Ok(Edit::Stale),
                    Some(_) => {
                        let v: Option<i32> = sqlx::query_scalar(UPDATE_WORD_LIST).bind(&json).bind(audit.at).bind(audit.actor)
                            .bind(kind).bind(id).bind(version).fetch_optional(&mut *tx).await?;
                        match v {
                            Some(v) => v,
                            None => return Ok(Edit::Stale),
                        }
                    }
                };
                let community = match scope {
                    $crate::store::WordScope::Community(c) => Some(c),
                    $crate::store::WordScope::District(_) => None,
                };
                let before_words: Vec<String> = before.as_ref().map(|b| b.word_vec()).unwrap_or_default();
                Self::audit_tx(&mut tx, audit, "moderation_words.update", kind, &id.to_string(), community,
                    Some(serde_json::json!({"words": before_words, "version": version})),
                    Some(serde_json::json!({"words": words, "version": new_version}))).await?;
                tx.commit().await?;
                Ok(Edit::Done(new_version))
            }

            async fn callback_notices(&self, community: $crate::domain::ids::CommunityId, done: bool) -> anyhow::Result<Vec<$crate::store::CallbackNoticeRow>> {
                use $crate::store::sql_first_use::CALLBACK_NOTICES;
                Ok(sqlx::query_as(CALLBACK_NOTICES).bind(community).bind(done).fetch_all(&self.read).await?)
            }

            async fn callback_group_done(&self, id: i64, audit: &$crate::store::Audit) -> anyhow::Result<u64> {
                use $crate::store::sql_first_use::{CALLBACK_COMMUNITY, CALLBACK_GROUP_DONE};
                let mut tx = self.write.begin().await?;
                let community: Option<$crate::domain::ids::CommunityId> =
                    sqlx::query_scalar(CALLBACK_COMMUNITY).bind(id).fetch_optional(&mut *tx).await?;
                let n = sqlx::query(CALLBACK_GROUP_DONE).bind(audit.actor).bind(audit.at).bind(id)
                    .execute(&mut *tx).await?.rows_affected();
                Self::audit_tx(&mut tx, audit, "callback.done", "notification", &id.to_string(), community, None,
                    Some(serde_json::json!({"notices_closed": n}))).await?;
                tx.commit().await?;
                Ok(n)
            }

            async fn my_satisfactions(&self, account: $crate::domain::ids::AccountId, topics: &[$crate::domain::ids::TopicId]) -> anyhow::Result<Vec<($crate::domain::ids::TopicId, String, Option<String>)>> {
                if topics.is_empty() {
                    return Ok(Vec::new());
                }
                let q = $crate::store::sql_first_use::MY_SATISFACTIONS
                    .replace("{ids}", &$crate::store::sql_intake::id_list(topics));
                Ok(sqlx::query_as(&q).bind(account).fetch_all(&self.read).await?)
            }

            async fn satisfaction_comments(&self, topic: $crate::domain::ids::TopicId) -> anyhow::Result<Vec<$crate::store::SatisfactionComment>> {
                use $crate::store::sql_first_use::SATISFACTION_COMMENTS;
                Ok(sqlx::query_as(SATISFACTION_COMMENTS).bind(topic).fetch_all(&self.read).await?)
            }
        }
    };
}

pub(crate) use impl_first_use_store;
