//! Residents' data rights: profile, consents, the access log, exports, erasure and
//! retention. Statements are named constants.

// --- profile -----------------------------------------------------------------------------------

pub(crate) const SELECT_PROFILE: &str = "\
select a.account_id, a.role, a.display_name, a.profile_name, a.building_id, b.name as building_name, a.phone,
       (a.wechat_openid is not null and a.wechat_openid not like 'dev:%') as has_wechat,
       a.community_id, a.erased_at
  from account a
  left join building b on b.building_id = a.building_id
 where a.account_id = $1";

pub(crate) const UPDATE_PROFILE: &str = "\
update account set profile_name = $2, display_name = $3, building_id = $4, updated_at = $5
 where account_id = $1 and erased_at is null";

pub(crate) const UPDATE_PHONE: &str = "\
update account set phone = $2, updated_at = $3 where account_id = $1 and erased_at is null";

pub(crate) const SET_DEFAULT_PROFILE_NAME: &str = "\
update account set profile_name = $2 where account_id = $1 and profile_name is null and erased_at is null";

pub(crate) const INSERT_AUDIT: &str = "\
insert into audit_log (at, actor_account_id, actor_kind, action, entity_type, entity_id, community_id, reason,
                       before_json, after_json, request_id)
values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";

// --- consent -----------------------------------------------------------------------------------

const CONSENT_SELECT: &str = "\
select c.kind, c.notice_version, c.accepted_at, c.suggestion_id, r.display_name as recorded_by_name
  from privacy_consent c
  left join account r on r.account_id = c.recorded_by_account_id";

pub(crate) const INSERT_NOTICE_CONSENT: &str = "\
insert into privacy_consent (kind, account_id, notice_version, accepted_at) values ('account', $1, $2, $3)";

pub(crate) const INSERT_ASSIST_CONSENT: &str = "\
insert into privacy_consent (kind, suggestion_id, notice_version, recorded_by_account_id, accepted_at)
values ('assist', $1, $2, $3, $4)
on conflict do nothing";

pub(crate) fn select_account_consents() -> String {
    format!("{CONSENT_SELECT} where c.account_id = $1 and c.kind = 'account' order by c.consent_id")
}

pub(crate) fn select_suggestion_consent() -> String {
    format!("{CONSENT_SELECT} where c.suggestion_id = $1")
}

/// The resident's own acceptances, and the assist-mode consents of paper forms linked by phone.
pub(crate) fn select_export_consents() -> String {
    format!(
        "{CONSENT_SELECT} where c.account_id = $1 or c.suggestion_id in ( \
         select s.suggestion_id from suggestion s join person p on p.person_id = s.author_person_id \
         where p.phone = $2) order by c.consent_id"
    )
}

// --- access log --------------------------------------------------------------------------------

pub(crate) const INSERT_ACCESS: &str = "\
insert into access_log (at, staff_account_id, community_id, subject_account_id, subject_person_id, fields, purpose,
                        reason, request_id)
values ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

/// `{ids}`: the communities, spliced with `with_ids`. $1 before this access id, $2 limit.
const SELECT_ACCESS_LOG: &str = "\
select l.access_id, l.at, l.staff_account_id, st.display_name as staff_name, st.role as staff_role,
       l.community_id, c.name as community_name, l.subject_account_id, l.subject_person_id,
       coalesce(sa.profile_name, p.name) as subject_name, l.fields, l.purpose, l.reason
  from access_log l
  join account st on st.account_id = l.staff_account_id
  join community c on c.community_id = l.community_id
  left join account sa on sa.account_id = l.subject_account_id
  left join person p on p.person_id = l.subject_person_id
 where l.community_id in ({ids}) and l.access_id < $1
 order by l.access_id desc limit $2";

/// `{ids}`: the notifications, spliced with `with_ids`.
const SELECT_CALLBACK_PERSONS: &str = "\
select notification_id, person_id from notification
 where notification_id in ({ids}) and channel = 'callback' and person_id is not null";

pub(crate) const SELECT_PERSON: &str = "\
select person_id, community_id, name, phone, created_at from person where person_id = $1";

// --- export ------------------------------------------------------------------------------------

pub(crate) const EXPORT_ACCOUNT: &str = "\
select a.account_id, a.role, a.display_name, a.profile_name, a.phone, a.wechat_openid, a.wechat_unionid,
       a.community_id, c.name as community_name, a.building_id, b.name as building_name, a.created_at
  from account a
  left join community c on c.community_id = a.community_id
  left join building b on b.building_id = a.building_id
 where a.account_id = $1 and a.erased_at is null";

pub(crate) const PERSONS_BY_PHONE: &str = "\
select person_id, community_id, name, phone, created_at from person where phone = $1 order by person_id";

const EXPORT_SUGGESTION_SELECT: &str = "\
select s.suggestion_id, s.community_id, s.channel, s.title, s.body, s.state, s.building_id, b.name as building_name,
       s.place, s.category, s.show_author, s.consent_by_resident, s.author_person_id, s.paper_batch_id,
       s.paper_serial, pb.collection_point, pb.collected_on, s.topic_id, t.title as topic_title,
       t.status as topic_status, e.display_name as entered_by_name, e.role as entered_by_role, s.created_at,
       s.updated_at
  from suggestion s
  left join building b on b.building_id = s.building_id
  left join paper_batch pb on pb.paper_batch_id = s.paper_batch_id
  left join topic t on t.topic_id = s.topic_id
  left join account e on e.account_id = s.entered_by_account_id";

pub(crate) fn export_own_suggestions() -> String {
    format!("{EXPORT_SUGGESTION_SELECT} where s.author_account_id = $1 order by s.suggestion_id")
}

/// Paper forms and assisted posts whose person has the resident's phone.
pub(crate) fn export_paper_forms() -> String {
    format!(
        "{EXPORT_SUGGESTION_SELECT} where s.author_person_id in (select person_id from person where phone = $1) \
         order by s.suggestion_id"
    )
}

pub(crate) const EXPORT_OWN_UPLOADS: &str = "\
select u.upload_id, u.sha256, u.content_type, u.byte_size, u.created_at, p.suggestion_id
  from upload u
  left join suggestion_photo p on p.upload_id = u.upload_id
 where u.account_id = $1
 order by u.created_at, u.upload_id";

pub(crate) const EXPORT_PAPER_PHOTOS: &str = "\
select u.upload_id, u.sha256, u.content_type, u.byte_size, u.created_at, p.suggestion_id
  from suggestion_photo p
  join upload u on u.upload_id = p.upload_id
  join suggestion s on s.suggestion_id = p.suggestion_id
 where s.author_person_id in (select person_id from person where phone = $1)
 order by p.suggestion_id, p.position";

pub(crate) const EXPORT_TIMELINE: &str = "\
select e.topic_id, e.kind, e.body, e.created_at
  from timeline_entry e
 where e.public and e.topic_id in (
        select topic_id from suggestion where author_account_id = $1
        union select topic_id from support where account_id = $1
        union select s.topic_id from suggestion s join person p on p.person_id = s.author_person_id
               where p.phone = $2)
 order by e.topic_id, e.timeline_entry_id";

pub(crate) const EXPORT_SUPPORTS: &str = "\
select s.topic_id, t.title as topic_title, t.status as topic_status, s.created_at
  from support s join topic t on t.topic_id = s.topic_id
 where s.account_id = $1
 order by s.created_at, s.topic_id";

pub(crate) const EXPORT_SATISFACTION: &str = "\
select s.topic_id, t.title as topic_title, s.round, s.answer, s.comment, s.created_at
  from satisfaction s join topic t on t.topic_id = s.topic_id
 where s.account_id = $1
 order by s.created_at, s.topic_id";

pub(crate) const EXPORT_NOTIFICATIONS: &str = "\
select n.notification_id, n.topic_id, t.title as topic_title, e.kind, e.body, n.channel, n.state, n.created_at,
       n.read_at, n.sent_at, d.display_name as done_by_name
  from notification n
  join timeline_entry e on e.timeline_entry_id = n.timeline_entry_id
  join topic t on t.topic_id = n.topic_id
  left join account d on d.account_id = n.done_by_account_id
 where n.account_id = $1 or n.person_id in (select person_id from person where phone = $2)
 order by n.notification_id";

pub(crate) const EXPORT_GRANTS: &str = "\
select template_id, remaining, updated_at from subscribe_grant where account_id = $1 order by template_id";

pub(crate) const EXPORT_SESSIONS: &str = "\
select created_at, revoked_at from session where account_id = $1 order by created_at";

pub(crate) const EXPORT_ACCESS: &str = "\
select l.at, st.display_name as staff_name, st.role as staff_role, l.fields, l.purpose, l.reason
  from access_log l join account st on st.account_id = l.staff_account_id
 where l.subject_account_id = $1 or l.subject_person_id in (select person_id from person where phone = $2)
 order by l.access_id";

pub(crate) const INSERT_EXPORT: &str = "\
insert into data_export (export_id, account_id, state, created_at, expires_at) values ($1, $2, 'pending', $3, $4)";

const EXPORT_JOB_SELECT: &str = "\
select export_id, account_id, state, byte_size, created_at, ready_at, expires_at from data_export";

pub(crate) fn select_export_job() -> String {
    format!("{EXPORT_JOB_SELECT} where export_id = $1")
}

pub(crate) fn select_unclaimed_exports() -> String {
    format!(
        "{EXPORT_JOB_SELECT} where state = 'pending' and (claimed_until is null or claimed_until < $1) \
         order by created_at limit $2"
    )
}

pub(crate) const CLAIM_EXPORT: &str = "\
update data_export set claimed_until = $3
 where export_id = $1 and state = 'pending' and (claimed_until is null or claimed_until < $2)";

pub(crate) const FINISH_EXPORT: &str = "\
update data_export set state = $2, byte_size = $3, ready_at = $4, claimed_until = null where export_id = $1";

pub(crate) const SELECT_EXPIRED_EXPORTS: &str = "\
select export_id from data_export where expires_at < $1 order by export_id";

pub(crate) const DELETE_EXPORT: &str = "delete from data_export where export_id = $1";

// --- erasure -----------------------------------------------------------------------------------

pub(crate) const SUBJECT_ACCOUNT: &str = "\
select account_id, community_id, display_name, profile_name, phone, wechat_openid, wechat_unionid
  from account where account_id = $1 and role = 'resident'";

pub(crate) const SUBJECT_ACCOUNT_SUGGESTIONS: &str = "\
select suggestion_id, community_id, title, body, place, true as own from suggestion where author_account_id = $1
 order by suggestion_id";

pub(crate) const SUBJECT_PERSON_SUGGESTIONS: &str = "\
select suggestion_id, community_id, title, body, place, false as own from suggestion where author_person_id = $1
 order by suggestion_id";

pub(crate) const SUBJECT_ACCOUNT_UPLOADS: &str = "\
select upload_id, sha256, content_type from upload where account_id = $1 order by upload_id";

/// Photos of a person's paper forms (a photo of the form shows the handwritten name and phone).
pub(crate) const SUBJECT_PERSON_UPLOADS: &str = "\
select u.upload_id, u.sha256, u.content_type
  from suggestion_photo p
  join upload u on u.upload_id = p.upload_id
  join suggestion s on s.suggestion_id = p.suggestion_id
 where s.author_person_id = $1
 order by u.upload_id";

pub(crate) const SUBJECT_EXPORTS: &str = "\
select export_id from data_export where account_id = $1 order by export_id";

pub(crate) const PERSONS_OF_COMMUNITY_BY_PHONE: &str = "\
select person_id, community_id, name, phone, created_at from person
 where community_id = $1 and phone = $2 order by person_id";

pub(crate) const PERSON_OF_SUGGESTION: &str = "\
select p.person_id, p.community_id, p.name, p.phone, p.created_at
  from person p join suggestion s on s.author_person_id = p.person_id
 where s.suggestion_id = $1 and s.community_id = $2";

/// The account becomes a tombstone: the row stays (supports, answers and counts stay true,
/// foreign keys hold) with no personal data; the login is gone.
pub(crate) const TOMBSTONE_ACCOUNT: &str = "\
update account
   set display_name = $2, profile_name = null, phone = null, wechat_openid = null, wechat_unionid = null,
       building_id = null, community_id = null, username = null, password_hash = null,
       disabled_at = coalesce(disabled_at, $3), erased_at = coalesce(erased_at, $3), updated_at = $3
 where account_id = $1 and role = 'resident'";

/// Everything else tied to an erased account, each statement taking the account id as `$1`.
pub(crate) const ERASE_ACCOUNT_ROWS: &[&str] = &[
    "delete from refresh_token where session_id in (select session_id from session where account_id = $1)",
    "delete from session where account_id = $1",
    "delete from idempotency where account_id = $1",
    "delete from notification where account_id = $1",
    "delete from subscribe_grant where account_id = $1",
    "delete from privacy_consent where account_id = $1 and kind = 'account'",
    "delete from data_export where account_id = $1",
    "update satisfaction set comment = null where account_id = $1",
    // Anonymous voices: no name shown, no client key that could link them to a device.
    "update suggestion set show_author = false, client_id = null, request_hash = null where author_account_id = $1",
];

pub(crate) const ERASE_PERSON: &str =
    "update person set name = null, phone = null where person_id = $1";

/// Call-backs not made yet cannot be made without a phone.
pub(crate) const DROP_PENDING_CALLBACKS: &str = "\
delete from notification where person_id = $1 and channel = 'callback' and state = 'pending'";

pub(crate) const REWRITE_SUGGESTION: &str = "\
update suggestion set title = $2, body = $3, place = $4, show_author = false where suggestion_id = $1";

pub(crate) const DELETE_SUGGESTION_PHOTOS: &str =
    "delete from suggestion_photo where upload_id = $1";
pub(crate) const DELETE_UPLOAD: &str = "delete from upload where upload_id = $1";
pub(crate) const COUNT_UPLOADS_OF_HASH: &str = "select count(*) from upload where sha256 = $1";

/// A name or phone number also written elsewhere in the community's records (another
/// resident's text, a topic's title, meeting attendance, a staff reply, an audit record) is
/// replaced there too. Each statement takes `$1` the exact text, `$2` its replacement and `$3`
/// the community; the `replace(…) <> …` guards touch only rows that contain it.
pub(crate) const SCRUB_COMMUNITY_TEXTS: &[&str] = &[
    "update suggestion set title = replace(title, $1, $2), body = replace(body, $1, $2), place = replace(place, $1, $2)
      where community_id = $3 and (replace(body, $1, $2) <> body
         or replace(coalesce(title, ''), $1, $2) <> coalesce(title, '')
         or replace(coalesce(place, ''), $1, $2) <> coalesce(place, ''))",
    "update topic set title = replace(title, $1, $2), summary = replace(summary, $1, $2),
            keywords = replace(keywords, $1, $2)
      where community_id = $3 and (replace(title, $1, $2) <> title or replace(keywords, $1, $2) <> keywords
         or replace(coalesce(summary, ''), $1, $2) <> coalesce(summary, ''))",
    "update timeline_entry set body = replace(body, $1, $2)
      where topic_id in (select topic_id from topic where community_id = $3) and replace(body, $1, $2) <> body",
    "update meeting set title = replace(title, $1, $2), place = replace(place, $1, $2),
            attendance_names = replace(attendance_names, $1, $2), minutes = replace(minutes, $1, $2)
      where community_id = $3 and (replace(title, $1, $2) <> title or replace(place, $1, $2) <> place
         or replace(coalesce(attendance_names, ''), $1, $2) <> coalesce(attendance_names, '')
         or replace(coalesce(minutes, ''), $1, $2) <> coalesce(minutes, ''))",
    "update meeting_topic set decision = replace(decision, $1, $2)
      where meeting_id in (select meeting_id from meeting where community_id = $3)
        and replace(coalesce(decision, ''), $1, $2) <> coalesce(decision, '')",
    "update meeting_action set description = replace(description, $1, $2), owner = replace(owner, $1, $2)
      where meeting_id in (select meeting_id from meeting where community_id = $3)
        and (replace(description, $1, $2) <> description or replace(owner, $1, $2) <> owner)",
    "update satisfaction set comment = replace(comment, $1, $2)
      where topic_id in (select topic_id from topic where community_id = $3)
        and replace(coalesce(comment, ''), $1, $2) <> coalesce(comment, '')",
    "update topic set status_reason = replace(status_reason, $1, $2)
      where community_id = $3 and replace(coalesce(status_reason, ''), $1, $2) <> coalesce(status_reason, '')",
    "update topic_merge set reason = replace(reason, $1, $2)
      where source_topic_id in (select topic_id from topic where community_id = $3)
        and replace(coalesce(reason, ''), $1, $2) <> coalesce(reason, '')",
    "update paper_batch set collection_point = replace(collection_point, $1, $2), note = replace(note, $1, $2)
      where community_id = $3 and (replace(collection_point, $1, $2) <> collection_point
         or replace(coalesce(note, ''), $1, $2) <> coalesce(note, ''))",
    "update access_log set reason = replace(reason, $1, $2)
      where community_id = $3 and replace(coalesce(reason, ''), $1, $2) <> coalesce(reason, '')",
    "update audit_log set reason = replace(reason, $1, $2), before_json = replace(before_json, $1, $2),
            after_json = replace(after_json, $1, $2)
      where (community_id = $3 or community_id is null)
        and (replace(coalesce(reason, ''), $1, $2) <> coalesce(reason, '')
         or replace(coalesce(before_json, ''), $1, $2) <> coalesce(before_json, '')
         or replace(coalesce(after_json, ''), $1, $2) <> coalesce(after_json, ''))",
];

// --- retention ---------------------------------------------------------------------------------

pub(crate) const DUE_PERSON_CONTACTS: &str = "\
select p.person_id from person p
 where (p.name is not null or p.phone is not null) and p.created_at < $1
   and not exists (select 1 from suggestion s where s.author_person_id = p.person_id and s.created_at >= $1)
   and not exists (select 1 from notification n where n.person_id = p.person_id and n.created_at >= $1)
 order by p.person_id limit $2";

pub(crate) const DUE_ACCOUNT_PHONES: &str = "\
select a.account_id from account a
 where a.role = 'resident' and a.phone is not null and a.created_at < $1
   and not exists (select 1 from session s where s.account_id = a.account_id and s.created_at >= $1)
   and not exists (select 1 from session s join refresh_token r on r.session_id = s.session_id
                    where s.account_id = a.account_id and r.issued_at >= $1)
   and not exists (select 1 from suggestion g where g.author_account_id = a.account_id and g.created_at >= $1)
 order by a.account_id limit $2";

pub(crate) const ERASE_ACCOUNT_PHONE: &str = "\
update account set phone = null, updated_at = $2 where account_id = $1 and phone is not null";

pub(crate) const DELETE_SMS_CODES: &str = "delete from sms_code where created_at < $1";

/// Residents' photos only: staff uploads (paper-form scans, later project photos) follow their
/// own records.
pub(crate) const DUE_UNPUBLISHED_PHOTOS: &str = "\
select u.upload_id, u.sha256, u.content_type
  from upload u join account a on a.account_id = u.account_id
 where a.role = 'resident' and u.created_at < $1
   and not exists (select 1 from suggestion_photo p join suggestion s on s.suggestion_id = p.suggestion_id
                    where p.upload_id = u.upload_id and s.state not in ('withdrawn', 'rejected'))
 order by u.upload_id limit $2";

pub(crate) const ERASED_WITH_LEFTOVERS: &str = "\
select a.account_id from account a
 where a.erased_at is not null
   and (exists (select 1 from suggestion s where s.author_account_id = a.account_id and s.client_id is not null)
        or exists (select 1 from upload u where u.account_id = a.account_id)
        or exists (select 1 from session s where s.account_id = a.account_id))
 order by a.account_id limit $1";

use super::{Db, SqlStore};
use crate::store::splice::with_ids;

impl SqlStore {
    async fn privacy_audit_tx(
        tx: &mut sqlx::Transaction<'_, Db>,
        audit: &crate::store::Audit,
        action: &str,
        entity: (&str, String),
        community: Option<crate::domain::ids::CommunityId>,
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
    ) -> anyhow::Result<()> {
        sqlx::query(INSERT_AUDIT)
            .bind(audit.at)
            .bind(audit.actor)
            .bind(audit.actor_kind)
            .bind(action)
            .bind(entity.0)
            .bind(entity.1)
            .bind(community)
            .bind(audit.reason.as_deref())
            .bind(before.map(|v| v.to_string()))
            .bind(after.map(|v| v.to_string()))
            .bind(audit.request_id.as_deref())
            .execute(&mut **tx)
            .await?;
        Ok(())
    }
}

#[async_trait::async_trait]
impl crate::store::PrivacyStore for SqlStore {
    async fn profile(
        &self,
        account: crate::domain::ids::AccountId,
    ) -> anyhow::Result<Option<crate::store::ProfileRow>> {
        Ok(sqlx::query_as(SELECT_PROFILE)
            .bind(account)
            .fetch_optional(&self.write)
            .await?)
    }

    async fn set_profile(
        &self,
        account: crate::domain::ids::AccountId,
        name: Option<&str>,
        building: Option<crate::domain::ids::BuildingId>,
        audit: &crate::store::Audit,
    ) -> anyhow::Result<()> {
        use crate::intake::mask::mask_name;
        let mut tx = self.write.begin().await?;
        let before: Option<crate::store::ProfileRow> = sqlx::query_as(SELECT_PROFILE)
            .bind(account)
            .fetch_optional(&mut *tx)
            .await?;
        let display = name.unwrap_or("居民");
        sqlx::query(UPDATE_PROFILE)
            .bind(account)
            .bind(name)
            .bind(display)
            .bind(building)
            .bind(audit.at)
            .execute(&mut *tx)
            .await?;
        let before = before.map(|b| {
            serde_json::json!({
                "name": b.profile_name.as_deref().map(mask_name),
                "building_id": b.building_id,
            })
        });
        let after = serde_json::json!({"name": name.map(mask_name), "building_id": building});
        Self::privacy_audit_tx(
            &mut tx,
            audit,
            "account.profile",
            ("account", account.to_string()),
            None,
            before,
            Some(after),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn set_phone(
        &self,
        account: crate::domain::ids::AccountId,
        phone: &str,
        audit: &crate::store::Audit,
    ) -> anyhow::Result<bool> {
        use crate::intake::mask::mask_phone;
        let mut tx = self.write.begin().await?;
        let before: Option<crate::store::ProfileRow> = sqlx::query_as(SELECT_PROFILE)
            .bind(account)
            .fetch_optional(&mut *tx)
            .await?;
        let updated = sqlx::query(UPDATE_PHONE)
            .bind(account)
            .bind(phone)
            .bind(audit.at)
            .execute(&mut *tx)
            .await;
        match updated {
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => return Ok(false),
            Err(e) => return Err(e.into()),
            Ok(_) => {}
        }
        let before =
            serde_json::json!({"phone": before.and_then(|b| b.phone).as_deref().map(mask_phone)});
        let after = serde_json::json!({"phone": mask_phone(phone)});
        Self::privacy_audit_tx(
            &mut tx,
            audit,
            "account.phone",
            ("account", account.to_string()),
            None,
            Some(before),
            Some(after),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn default_profile_name(
        &self,
        account: crate::domain::ids::AccountId,
        name: &str,
    ) -> anyhow::Result<()> {
        sqlx::query(SET_DEFAULT_PROFILE_NAME)
            .bind(account)
            .bind(name)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn consents(
        &self,
        account: crate::domain::ids::AccountId,
    ) -> anyhow::Result<Vec<crate::store::ConsentRow>> {
        Ok(sqlx::query_as(&select_account_consents())
            .bind(account)
            .fetch_all(&self.write)
            .await?)
    }

    async fn accept_notice(
        &self,
        account: crate::domain::ids::AccountId,
        version: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> anyhow::Result<()> {
        sqlx::query(INSERT_NOTICE_CONSENT)
            .bind(account)
            .bind(version)
            .bind(now)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn record_assist_consent(
        &self,
        suggestion: crate::domain::ids::SuggestionId,
        version: &str,
        recorded_by: crate::domain::ids::AccountId,
        now: chrono::DateTime<chrono::Utc>,
    ) -> anyhow::Result<()> {
        sqlx::query(INSERT_ASSIST_CONSENT)
            .bind(suggestion)
            .bind(version)
            .bind(recorded_by)
            .bind(now)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn suggestion_consent(
        &self,
        suggestion: crate::domain::ids::SuggestionId,
    ) -> anyhow::Result<Option<crate::store::ConsentRow>> {
        Ok(sqlx::query_as(&select_suggestion_consent())
            .bind(suggestion)
            .fetch_optional(&self.read)
            .await?)
    }

    async fn log_access(&self, rows: &[crate::store::NewAccess]) -> anyhow::Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let mut tx = self.write.begin().await?;
        for r in rows {
            sqlx::query(INSERT_ACCESS)
                .bind(r.at)
                .bind(r.staff)
                .bind(r.community)
                .bind(r.subject_account)
                .bind(r.subject_person)
                .bind(r.fields)
                .bind(r.purpose)
                .bind(r.reason.as_deref())
                .bind(r.request_id.as_deref())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn access_log(
        &self,
        communities: &[crate::domain::ids::CommunityId],
        before: Option<i64>,
        limit: i64,
    ) -> anyhow::Result<Vec<crate::store::AccessRow>> {
        let sql = with_ids(SELECT_ACCESS_LOG, communities);
        Ok(sqlx::query_as(&sql)
            .bind(before.unwrap_or(i64::MAX))
            .bind(limit)
            .fetch_all(&self.read)
            .await?)
    }

    async fn callback_persons(
        &self,
        callbacks: &[i64],
    ) -> anyhow::Result<Vec<(i64, crate::domain::ids::PersonId)>> {
        if callbacks.is_empty() {
            return Ok(Vec::new());
        }
        let sql = with_ids(SELECT_CALLBACK_PERSONS, callbacks);
        Ok(sqlx::query_as(&sql).fetch_all(&self.read).await?)
    }

    async fn person_contact(
        &self,
        person: crate::domain::ids::PersonId,
    ) -> anyhow::Result<Option<crate::store::PersonContact>> {
        Ok(sqlx::query_as(SELECT_PERSON)
            .bind(person)
            .fetch_optional(&self.read)
            .await?)
    }

    async fn export_data(
        &self,
        account: crate::domain::ids::AccountId,
    ) -> anyhow::Result<crate::store::ExportData> {
        // One snapshot: everything is read in one transaction on the writer.
        let mut tx = self.write.begin().await?;
        let Some(a) = sqlx::query_as::<_, crate::store::ExportAccount>(EXPORT_ACCOUNT)
            .bind(account)
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Ok(Default::default());
        };
        let phone = a.phone.clone();
        let persons = match &phone {
            Some(p) => {
                sqlx::query_as(PERSONS_BY_PHONE)
                    .bind(p)
                    .fetch_all(&mut *tx)
                    .await?
            }
            None => Vec::new(),
        };
        let mut d = crate::store::ExportData {
            persons,
            ..Default::default()
        };
        d.suggestions = sqlx::query_as(&export_own_suggestions())
            .bind(account)
            .fetch_all(&mut *tx)
            .await?;
        d.paper_forms = match &phone {
            Some(p) => {
                sqlx::query_as(&export_paper_forms())
                    .bind(p)
                    .fetch_all(&mut *tx)
                    .await?
            }
            None => Vec::new(),
        };
        d.photos = sqlx::query_as(EXPORT_OWN_UPLOADS)
            .bind(account)
            .fetch_all(&mut *tx)
            .await?;
        if let Some(p) = &phone {
            let paper: Vec<crate::store::ExportPhoto> = sqlx::query_as(EXPORT_PAPER_PHOTOS)
                .bind(p)
                .fetch_all(&mut *tx)
                .await?;
            d.photos.extend(paper);
        }
        let phone = phone.as_deref();
        d.timeline = sqlx::query_as(EXPORT_TIMELINE)
            .bind(account)
            .bind(phone)
            .fetch_all(&mut *tx)
            .await?;
        d.supports = sqlx::query_as(EXPORT_SUPPORTS)
            .bind(account)
            .fetch_all(&mut *tx)
            .await?;
        d.satisfaction = sqlx::query_as(EXPORT_SATISFACTION)
            .bind(account)
            .fetch_all(&mut *tx)
            .await?;
        d.notifications = sqlx::query_as(EXPORT_NOTIFICATIONS)
            .bind(account)
            .bind(phone)
            .fetch_all(&mut *tx)
            .await?;
        d.grants = sqlx::query_as(EXPORT_GRANTS)
            .bind(account)
            .fetch_all(&mut *tx)
            .await?;
        d.consents = sqlx::query_as(&select_export_consents())
            .bind(account)
            .bind(phone)
            .fetch_all(&mut *tx)
            .await?;
        d.sessions = sqlx::query_as(EXPORT_SESSIONS)
            .bind(account)
            .fetch_all(&mut *tx)
            .await?;
        d.access_log = sqlx::query_as(EXPORT_ACCESS)
            .bind(account)
            .bind(phone)
            .fetch_all(&mut *tx)
            .await?;
        d.account = Some(a);
        tx.commit().await?;
        Ok(d)
    }

    async fn create_export(
        &self,
        id: &str,
        account: crate::domain::ids::AccountId,
        now: chrono::DateTime<chrono::Utc>,
        expires: chrono::DateTime<chrono::Utc>,
    ) -> anyhow::Result<()> {
        sqlx::query(INSERT_EXPORT)
            .bind(id)
            .bind(account)
            .bind(now)
            .bind(expires)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn export_job(&self, id: &str) -> anyhow::Result<Option<crate::store::ExportJobRow>> {
        Ok(sqlx::query_as(&select_export_job())
            .bind(id)
            .fetch_optional(&self.write)
            .await?)
    }

    async fn claim_export(
        &self,
        id: &str,
        now: chrono::DateTime<chrono::Utc>,
        until: chrono::DateTime<chrono::Utc>,
    ) -> anyhow::Result<bool> {
        let done = sqlx::query(CLAIM_EXPORT)
            .bind(id)
            .bind(now)
            .bind(until)
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn unclaimed_exports(
        &self,
        now: chrono::DateTime<chrono::Utc>,
        limit: i64,
    ) -> anyhow::Result<Vec<crate::store::ExportJobRow>> {
        Ok(sqlx::query_as(&select_unclaimed_exports())
            .bind(now)
            .bind(limit)
            .fetch_all(&self.write)
            .await?)
    }

    async fn finish_export(
        &self,
        id: &str,
        byte_size: Option<i64>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> anyhow::Result<()> {
        let state = if byte_size.is_some() {
            "ready"
        } else {
            "failed"
        };
        sqlx::query(FINISH_EXPORT)
            .bind(id)
            .bind(state)
            .bind(byte_size)
            .bind(now)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn expired_exports(
        &self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> anyhow::Result<Vec<String>> {
        Ok(sqlx::query_scalar(SELECT_EXPIRED_EXPORTS)
            .bind(now)
            .fetch_all(&self.write)
            .await?)
    }

    async fn delete_exports(&self, ids: &[String]) -> anyhow::Result<u64> {
        let mut n = 0;
        for id in ids {
            n += sqlx::query(DELETE_EXPORT)
                .bind(id)
                .execute(&self.write)
                .await?
                .rows_affected();
        }
        Ok(n)
    }

    async fn account_subject(
        &self,
        account: crate::domain::ids::AccountId,
    ) -> anyhow::Result<crate::store::ErasureSubject> {
        let mut s = crate::store::ErasureSubject::default();
        let Some(a) = sqlx::query_as::<_, crate::store::AccountSubject>(SUBJECT_ACCOUNT)
            .bind(account)
            .fetch_optional(&self.write)
            .await?
        else {
            return Ok(s);
        };
        if let Some(phone) = &a.phone {
            s.persons = sqlx::query_as(PERSONS_BY_PHONE)
                .bind(phone)
                .fetch_all(&self.write)
                .await?;
        }
        s.suggestions = sqlx::query_as(SUBJECT_ACCOUNT_SUGGESTIONS)
            .bind(account)
            .fetch_all(&self.write)
            .await?;
        s.uploads = sqlx::query_as(SUBJECT_ACCOUNT_UPLOADS)
            .bind(account)
            .fetch_all(&self.write)
            .await?;
        for p in &s.persons {
            let more: Vec<crate::store::SubjectSuggestion> =
                sqlx::query_as(SUBJECT_PERSON_SUGGESTIONS)
                    .bind(p.person_id)
                    .fetch_all(&self.write)
                    .await?;
            s.suggestions.extend(more);
            let photos: Vec<crate::store::UploadRef> = sqlx::query_as(SUBJECT_PERSON_UPLOADS)
                .bind(p.person_id)
                .fetch_all(&self.write)
                .await?;
            s.uploads.extend(photos);
        }
        s.exports = sqlx::query_scalar(SUBJECT_EXPORTS)
            .bind(account)
            .fetch_all(&self.write)
            .await?;
        s.account = Some(a);
        Ok(s)
    }

    async fn person_subject(
        &self,
        community: crate::domain::ids::CommunityId,
        phone: Option<&str>,
        suggestion: Option<crate::domain::ids::SuggestionId>,
    ) -> anyhow::Result<crate::store::ErasureSubject> {
        let mut persons: Vec<crate::store::PersonContact> = Vec::new();
        if let Some(id) = suggestion {
            persons = sqlx::query_as(PERSON_OF_SUGGESTION)
                .bind(id)
                .bind(community)
                .fetch_all(&self.write)
                .await?;
        }
        // The same phone in the same community is the same person (each form makes a row).
        let phones: Vec<String> = phone
            .map(str::to_string)
            .into_iter()
            .chain(persons.iter().filter_map(|p| p.phone.clone()))
            .collect();
        for phone in phones {
            let same: Vec<crate::store::PersonContact> =
                sqlx::query_as(PERSONS_OF_COMMUNITY_BY_PHONE)
                    .bind(community)
                    .bind(&phone)
                    .fetch_all(&self.write)
                    .await?;
            for p in same {
                if !persons.iter().any(|x| x.person_id == p.person_id) {
                    persons.push(p);
                }
            }
        }
        let mut s = crate::store::ErasureSubject::default();
        for p in &persons {
            let more: Vec<crate::store::SubjectSuggestion> =
                sqlx::query_as(SUBJECT_PERSON_SUGGESTIONS)
                    .bind(p.person_id)
                    .fetch_all(&self.write)
                    .await?;
            s.suggestions.extend(more);
            let photos: Vec<crate::store::UploadRef> = sqlx::query_as(SUBJECT_PERSON_UPLOADS)
                .bind(p.person_id)
                .fetch_all(&self.write)
                .await?;
            s.uploads.extend(photos);
        }
        s.persons = persons;
        Ok(s)
    }

    async fn apply_erasure(
        &self,
        plan: &crate::store::ErasurePlan,
        audit: &crate::store::Audit,
    ) -> anyhow::Result<()> {
        let mut tx = self.write.begin().await?;
        if let Some(account) = plan.account {
            sqlx::query(TOMBSTONE_ACCOUNT)
                .bind(account)
                .bind(crate::privacy::erasure::TOMBSTONE_NAME)
                .bind(audit.at)
                .execute(&mut *tx)
                .await?;
            for statement in ERASE_ACCOUNT_ROWS {
                sqlx::query(statement)
                    .bind(account)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        for person in &plan.persons {
            sqlx::query(ERASE_PERSON)
                .bind(person)
                .execute(&mut *tx)
                .await?;
            sqlx::query(DROP_PENDING_CALLBACKS)
                .bind(person)
                .execute(&mut *tx)
                .await?;
        }
        for (id, title, body, place) in &plan.texts {
            sqlx::query(REWRITE_SUGGESTION)
                .bind(id)
                .bind(title.as_deref())
                .bind(body)
                .bind(place.as_deref())
                .execute(&mut *tx)
                .await?;
        }
        for upload in &plan.uploads {
            sqlx::query(DELETE_SUGGESTION_PHOTOS)
                .bind(&upload.upload_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query(DELETE_UPLOAD)
                .bind(&upload.upload_id)
                .execute(&mut *tx)
                .await?;
        }
        for id in &plan.exports {
            sqlx::query(DELETE_EXPORT)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        for needle in &plan.needles {
            for community in &plan.communities {
                for statement in SCRUB_COMMUNITY_TEXTS {
                    sqlx::query(statement)
                        .bind(needle)
                        .bind(crate::privacy::erasure::REPLACEMENT)
                        .bind(community)
                        .execute(&mut *tx)
                        .await?;
                }
            }
        }
        let entity = match (plan.account, plan.persons.first()) {
            (Some(a), _) => ("account", a.to_string()),
            (None, Some(p)) => ("person", p.to_string()),
            (None, None) => ("person", String::new()),
        };
        Self::privacy_audit_tx(
            &mut tx,
            audit,
            plan.action,
            entity,
            plan.communities.first().copied(),
            None,
            Some(plan.summary.clone()),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn unreferenced_hashes(&self, hashes: &[String]) -> anyhow::Result<Vec<String>> {
        let mut gone = Vec::new();
        for h in hashes {
            let n: i64 = sqlx::query_scalar(COUNT_UPLOADS_OF_HASH)
                .bind(h)
                .fetch_one(&self.write)
                .await?;
            if n == 0 && !gone.contains(h) {
                gone.push(h.clone());
            }
        }
        Ok(gone)
    }

    async fn compact(&self) -> anyhow::Result<()> {
        if Self::BACKEND == "sqlite" {
            sqlx::query("pragma wal_checkpoint(truncate)")
                .execute(&self.write)
                .await?;
        }
        Ok(())
    }

    async fn due_person_contacts(
        &self,
        before: chrono::DateTime<chrono::Utc>,
        limit: i64,
    ) -> anyhow::Result<Vec<crate::domain::ids::PersonId>> {
        Ok(sqlx::query_scalar(DUE_PERSON_CONTACTS)
            .bind(before)
            .bind(limit)
            .fetch_all(&self.write)
            .await?)
    }

    async fn erase_person_contacts(
        &self,
        persons: &[crate::domain::ids::PersonId],
    ) -> anyhow::Result<u64> {
        let mut tx = self.write.begin().await?;
        let mut n = 0;
        for p in persons {
            n += sqlx::query(ERASE_PERSON)
                .bind(p)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            sqlx::query(DROP_PENDING_CALLBACKS)
                .bind(p)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(n)
    }

    async fn due_account_phones(
        &self,
        before: chrono::DateTime<chrono::Utc>,
        limit: i64,
    ) -> anyhow::Result<Vec<crate::domain::ids::AccountId>> {
        Ok(sqlx::query_scalar(DUE_ACCOUNT_PHONES)
            .bind(before)
            .bind(limit)
            .fetch_all(&self.write)
            .await?)
    }

    async fn erase_account_phones(
        &self,
        accounts: &[crate::domain::ids::AccountId],
        now: chrono::DateTime<chrono::Utc>,
    ) -> anyhow::Result<u64> {
        let mut tx = self.write.begin().await?;
        let mut n = 0;
        for a in accounts {
            n += sqlx::query(ERASE_ACCOUNT_PHONE)
                .bind(a)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        }
        tx.commit().await?;
        Ok(n)
    }

    async fn delete_sms_codes(&self, before: chrono::DateTime<chrono::Utc>) -> anyhow::Result<u64> {
        Ok(sqlx::query(DELETE_SMS_CODES)
            .bind(before)
            .execute(&self.write)
            .await?
            .rows_affected())
    }

    async fn due_unpublished_photos(
        &self,
        before: chrono::DateTime<chrono::Utc>,
        limit: i64,
    ) -> anyhow::Result<Vec<crate::store::UploadRef>> {
        Ok(sqlx::query_as(DUE_UNPUBLISHED_PHOTOS)
            .bind(before)
            .bind(limit)
            .fetch_all(&self.write)
            .await?)
    }

    async fn delete_uploads(&self, uploads: &[crate::store::UploadRef]) -> anyhow::Result<u64> {
        let mut tx = self.write.begin().await?;
        let mut n = 0;
        for u in uploads {
            sqlx::query(DELETE_SUGGESTION_PHOTOS)
                .bind(&u.upload_id)
                .execute(&mut *tx)
                .await?;
            n += sqlx::query(DELETE_UPLOAD)
                .bind(&u.upload_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        }
        tx.commit().await?;
        Ok(n)
    }

    async fn erased_with_leftovers(
        &self,
        limit: i64,
    ) -> anyhow::Result<Vec<crate::domain::ids::AccountId>> {
        Ok(sqlx::query_scalar(ERASED_WITH_LEFTOVERS)
            .bind(limit)
            .fetch_all(&self.write)
            .await?)
    }

    async fn record_retention(
        &self,
        summary: &serde_json::Value,
        at: chrono::DateTime<chrono::Utc>,
    ) -> anyhow::Result<()> {
        let audit = crate::store::Audit {
            reason: Some("保存期限届满，自动删除 / retention period over".into()),
            at,
            ..crate::store::Audit::system("system")
        };
        let mut tx = self.write.begin().await?;
        Self::privacy_audit_tx(
            &mut tx,
            &audit,
            "retention.erase",
            ("retention", at.timestamp().to_string()),
            None,
            None,
            Some(summary.clone()),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
