use super::TopicView;
use crate::auth::caller::Caller;
use crate::domain::ids::TopicId;
use crate::error::{ApiError, ApiResult};
use crate::hall::status::TopicStatus;
use crate::intake::mask::scrub_contacts;
use crate::state::AppState;
use actix_web::{get, web, HttpResponse};
use serde::Serialize;

#[derive(Serialize, utoipa::ToSchema)]
pub struct MemberView {
    pub suggestion_id: crate::domain::ids::SuggestionId,
    pub channel: String,
    pub title: Option<String>,
    pub text: String,
    pub building_id: Option<crate::domain::ids::BuildingId>,
    pub building_name: Option<String>,
    pub pinned: bool,
    /// The author's chosen name: in full where they allowed it, masked (张*) otherwise.
    pub author: Option<String>,
    /// Photos, each with whether residents may see it (a worker publishes them).
    pub photos: Vec<crate::store::PhotoRow>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// What residents see of a member: its text, and the author's chosen name only where the
/// author allowed it (愿意公开我的姓名).
#[derive(Serialize, utoipa::ToSchema)]
pub struct VoiceView {
    pub channel: String,
    pub text: String,
    pub author: Option<String>,
    /// The photos a worker published (`GET /uploads/{id}`).
    pub photo_ids: Vec<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// `GET /topics/{id}`: the topic and what goes with it. Staff get `members`, `quotes`, `audit`
/// and `satisfaction_comments`; residents get `voices`, `my_satisfaction` (null until they
/// answer) and `can_rate`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TopicDetail {
    pub topic: TopicView,
    pub timeline: Vec<super::TimelineEntryView>,
    pub meetings: Vec<crate::store::TopicMeetingRow>,
    pub satisfaction: crate::hall::stats::Satisfaction,
    /// The statuses a worker may move the topic to from its current one.
    pub next_statuses: Vec<TopicStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub members: Option<Vec<MemberView>>,
    /// Representative quotes: the labelled representative first, then the longest texts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quotes: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audit: Option<Vec<crate::routes::audit_view::AuditView>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub satisfaction_comments: Option<Vec<crate::store::SatisfactionComment>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voices: Option<Vec<VoiceView>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable)]
    pub my_satisfaction: Option<Option<crate::routes::suggestions::MySatisfaction>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub can_rate: Option<bool>,
}

/// One topic, with `ETag` = its version. For everyone: summary, counts, decision, public
/// timeline, meetings, satisfaction; for residents also their support and answer, and the
/// members' texts (names only where allowed); for staff the members with channel and building,
/// representative quotes and the audit trail.
#[utoipa::path(params(("id" = i64, Path)), responses((status = 200, body = TopicDetail), (status = 404, body = crate::error::Problem)), tag = "topics", security(("bearer" = [])))]
#[get("/topics/{id}")]
pub async fn detail(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<TopicId>,
) -> ApiResult<HttpResponse> {
    let topic = state
        .store
        .topic(path.into_inner())
        .await?
        .ok_or_else(ApiError::not_found)?;
    caller.community(topic.community_id)?;
    let id = topic.topic_id;
    let version = topic.version;
    let representative = topic.representative_suggestion_id;
    let status = topic.status;
    let timeline: Vec<super::TimelineEntryView> = (state.store.public_timeline(id).await?)
        .into_iter()
        .map(Into::into)
        .collect();
    let meetings = state.store.topic_meetings(id).await?;
    let satisfaction = state.store.satisfaction(id).await?;
    let members = state.store.members(id, 500).await?;
    let member_ids: Vec<_> = members.iter().map(|m| m.suggestion_id).collect();
    let photos = state.store.photos_of(&member_ids).await?;
    let photos_of = |s: crate::domain::ids::SuggestionId| -> Vec<crate::store::PhotoRow> {
        photos
            .iter()
            .filter(|p| p.suggestion_id == s)
            .cloned()
            .collect()
    };
    let view = TopicView::new(topic, chrono::Utc::now());
    let mut body = TopicDetail {
        topic: view,
        timeline,
        meetings,
        satisfaction: crate::hall::stats::satisfaction(satisfaction),
        next_statuses: crate::hall::workflow::next(status),
        members: None,
        quotes: None,
        audit: None,
        satisfaction_comments: None,
        voices: None,
        my_satisfaction: None,
        can_rate: None,
    };
    if caller.role.is_staff() {
        // Representative quotes: the labelled representative first, then the longest texts.
        let mut quotes: Vec<&crate::store::MemberRow> = members.iter().collect();
        quotes.sort_by_key(|m| {
            (
                Some(m.suggestion_id.0) != representative,
                std::cmp::Reverse(m.body.chars().count().min(200)),
            )
        });
        let quotes: Vec<String> = quotes.iter().take(3).map(|m| m.body.clone()).collect();
        let ids: Vec<_> = members.iter().map(|m| m.suggestion_id).collect();
        let members: Vec<MemberView> = members
            .into_iter()
            .map(|m| MemberView {
                suggestion_id: m.suggestion_id,
                channel: m.channel,
                title: m.title,
                text: m.body,
                building_id: m.building_id,
                building_name: m.building_name,
                pinned: m.pinned,
                author: crate::privacy::names::author(
                    m.author_name.as_deref(),
                    m.show_author,
                    true,
                ),
                photos: photos_of(m.suggestion_id),
                created_at: m.created_at,
            })
            .collect();
        let mut audit = state.store.suggestions_audit(&ids).await?;
        audit.extend(state.store.audit_entries("topic", &id.to_string()).await?);
        audit.sort_by_key(|a| a.audit_id);
        let audit = crate::routes::audit_view::audit_views(&state, audit).await?;
        let comments = state.store.satisfaction_comments(id).await?;
        body.members = Some(members);
        body.quotes = Some(quotes);
        body.audit = Some(audit);
        body.satisfaction_comments = Some(comments);
    } else {
        let supported = !state
            .store
            .supported_among(caller.account_id, &[id])
            .await?
            .is_empty();
        body.topic.supported = Some(supported);
        let mine = state.store.my_satisfaction(id, caller.account_id).await?;
        let can_rate =
            status == TopicStatus::Resolved && state.store.took_part(id, caller.account_id).await?;
        let voices: Vec<VoiceView> = members
            .into_iter()
            .take(50)
            .map(|m| VoiceView {
                channel: m.channel,
                text: scrub_contacts(&m.body),
                author: crate::privacy::names::author(
                    m.author_name.as_deref(),
                    m.show_author,
                    false,
                ),
                photo_ids: photos_of(m.suggestion_id)
                    .into_iter()
                    .filter(|p| p.public)
                    .map(|p| p.upload_id)
                    .collect(),
                created_at: m.created_at,
            })
            .collect();
        body.my_satisfaction = Some(mine.map(|(answer, comment)| {
            crate::routes::suggestions::MySatisfaction::new(answer, comment)
        }));
        body.can_rate = Some(can_rate);
        body.voices = Some(voices);
    }
    Ok(HttpResponse::Ok()
        .insert_header((
            actix_web::http::header::ETAG,
            crate::routes::hall::etag(version),
        ))
        .json(body))
}
