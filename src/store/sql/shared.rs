//! Building blocks several owners use: the suggestion row and its reads, leaving a topic,
//! the grouping epoch, a paper form's person, the account columns and a staff member's home.
//! This module imports no sibling, so the owners never import each other.
use super::Tx;
use crate::domain::ids::{CommunityId, PersonId, SuggestionId};
use crate::store::concat::const_concat;
use crate::store::SuggestionRow;
use anyhow::Result;
use chrono::{DateTime, Utc};

/// The columns of `SuggestionRow`, in its order.
pub(super) const SUGGESTION_COLUMNS: &str = "suggestion_id, community_id, channel,
    author_account_id, author_person_id, entered_by_account_id, title, body, building_id, place,
    category, show_author, paper_batch_id, paper_serial, state, moderation_reason, topic_id,
    pinned, attempts, last_error, request_hash, created_at, updated_at, processed_at";

pub(super) const SELECT_SUGGESTION: &str =
    const_concat!("select ", SUGGESTION_COLUMNS, " from suggestion");

pub(super) const SUGGESTION_BY_ID: &str =
    const_concat!(SELECT_SUGGESTION, " where suggestion_id = $1");

/// A suggestion leaves its topic: one member fewer (one paper member fewer for paper).
pub(super) const TOPIC_LOSES_MEMBER: &str = "update topic set member_count = member_count - 1,
        paper_count = paper_count - $1, updated_at = $2, version = version + 1
    where topic_id = $3";

pub(super) const CLEAR_TOPIC: &str =
    "update suggestion set topic_id = null where suggestion_id = $1";

/// A suggestion read in `tx`.
pub(super) async fn suggestion_tx(
    tx: &mut Tx<'_>,
    id: SuggestionId,
) -> Result<Option<SuggestionRow>> {
    let query = sqlx::query_as(SUGGESTION_BY_ID).bind(id);
    Ok(query.fetch_optional(&mut **tx).await?)
}

/// Take a suggestion out of its topic, counts included.
pub(super) async fn leave_topic(
    tx: &mut Tx<'_>,
    s: &SuggestionRow,
    now: DateTime<Utc>,
) -> Result<()> {
    if let Some(topic) = s.topic_id {
        let paper = if s.channel == "paper" { 1 } else { 0 };
        sqlx::query(TOPIC_LOSES_MEMBER)
            .bind(paper)
            .bind(now)
            .bind(topic)
            .execute(&mut **tx)
            .await?;
        sqlx::query(CLEAR_TOPIC)
            .bind(s.suggestion_id)
            .execute(&mut **tx)
            .await?;
        bump_epoch(tx, s.community_id).await?;
    }
    Ok(())
}

/// Membership changed other than by appending: workers rebuild their engine.
pub(super) const BUMP_GROUP_EPOCH: &str =
    "update community set group_epoch = group_epoch + 1 where community_id = $1";

/// Membership of `community` changed other than by appending.
pub(super) async fn bump_epoch(tx: &mut Tx<'_>, community: CommunityId) -> Result<()> {
    sqlx::query(BUMP_GROUP_EPOCH)
        .bind(community)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub(super) const INSERT_PERSON: &str = "insert into person (community_id, name, phone, created_at)
    values ($1, $2, $3, $4)
    returning person_id";

/// Keep a person's name and phone as written on a form.
pub(super) async fn insert_person(
    tx: &mut Tx<'_>,
    community: CommunityId,
    name: Option<&str>,
    phone: Option<&str>,
    now: DateTime<Utc>,
) -> Result<PersonId> {
    let query = sqlx::query_scalar(INSERT_PERSON)
        .bind(community)
        .bind(name)
        .bind(phone)
        .bind(now);
    Ok(query.fetch_one(&mut **tx).await?)
}

/// The columns of `AccountRow`.
pub(super) const ACCOUNT_COLUMNS: &str = "account_id, role, username, password_hash,
    display_name, phone, wechat_openid, community_id, admin_district_id, admin_street_id,
    disabled_at, created_at";

/// A worker's or volunteer's home: the one street (else district) of all the communities they
/// serve; unchanged when they serve none, so the admin of the area they last served keeps
/// managing them. Run after every change of their communities. $1 account.
pub(super) const SET_STAFF_HOME: &str = "update account set \
     home_street_id = (select case when count(distinct c.street_id) = 1 then min(c.street_id) end \
         from account_community ac join community c on c.community_id = ac.community_id \
         where ac.account_id = $1), \
     home_district_id = (select \
         case when count(distinct s.district_id) = 1 then min(s.district_id) end \
         from account_community ac join community c on c.community_id = ac.community_id \
         join street s on s.street_id = c.street_id where ac.account_id = $1) \
     where account_id = $1 and role in ('worker', 'volunteer') \
     and exists (select 1 from account_community ac where ac.account_id = $1)";
