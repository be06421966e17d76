use super::TopicView;
use crate::auth::caller::Caller;
use crate::domain::ids::TopicId;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use actix_web::{get, web, HttpResponse};
use serde::Serialize;

#[derive(Serialize, utoipa::ToSchema)]
pub struct MemberView {
    pub suggestion_id: crate::domain::ids::SuggestionId,
    pub channel: String,
    pub text: String,
    pub building_id: Option<crate::domain::ids::BuildingId>,
    pub pinned: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// One topic: for everyone its summary, counts and public timeline; for staff also its members
/// (with channel and building) and its audit trail.
#[utoipa::path(params(("id" = i64, Path)), responses((status = 200, body = TopicView), (status = 404, body = crate::error::Problem)), tag = "topics", security(("bearer" = [])))]
#[get("/topics/{id}")]
pub async fn detail(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let topic = state
        .store
        .topic(TopicId(path.into_inner()))
        .await?
        .ok_or_else(ApiError::not_found)?;
    caller.community(topic.community_id)?;
    let id = topic.topic_id;
    let timeline = state.store.public_timeline(id).await?;
    let mut body = serde_json::json!({ "topic": TopicView::from(topic), "timeline": timeline });
    if caller.role.is_staff() {
        let members: Vec<MemberView> = state
            .store
            .topic_members(id, 500)
            .await?
            .into_iter()
            .map(|s| MemberView {
                suggestion_id: s.suggestion_id,
                channel: s.channel,
                text: s.body,
                building_id: s.building_id,
                pinned: s.pinned,
                created_at: s.created_at,
            })
            .collect();
        let ids: Vec<_> = members.iter().map(|m| m.suggestion_id).collect();
        let mut audit = state.store.suggestions_audit(&ids).await?;
        audit.extend(state.store.audit_entries("topic", &id.to_string()).await?);
        audit.sort_by_key(|a| a.audit_id);
        body["members"] = serde_json::to_value(members).map_err(anyhow::Error::from)?;
        body["audit"] = serde_json::to_value(audit).map_err(anyhow::Error::from)?;
    }
    Ok(HttpResponse::Ok().json(body))
}
