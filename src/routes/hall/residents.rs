//! Residents' side of a topic: support it (once per person, withdrawable) and, once it is
//! resolved, say whether they are satisfied.
use super::{done, opt_text, visible_topic};
use crate::auth::caller::Resident;
use crate::domain::ids::TopicId;
use crate::error::{ApiError, ApiResult};
use crate::hall::status::{TimelineKind, TopicStatus};
use crate::state::AppState;
use crate::store::{PublicNote, StatusChange};
use actix_web::{delete, post, put, web, HttpResponse};
use serde::Deserialize;

/// Support a topic of the resident's community.
#[utoipa::path(params(("id" = i64, Path)), responses((status = 200), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)), tag = "residents", security(("bearer" = [])))]
#[put("/topics/{id}/support")]
pub async fn support(
    state: web::Data<AppState>,
    caller: Resident,
    path: web::Path<TopicId>,
) -> ApiResult<HttpResponse> {
    let t = visible_topic(&state, &caller, path.into_inner()).await?;
    let n = done(
        state
            .store
            .set_support(t.topic_id, caller.account_id, true)
            .await?,
    )?;
    Ok(HttpResponse::Ok().json(serde_json::json!({"supported": true, "supporter_count": n})))
}

/// Withdraw one's support.
#[utoipa::path(params(("id" = i64, Path)), responses((status = 200), (status = 404, body = crate::error::Problem)), tag = "residents", security(("bearer" = [])))]
#[delete("/topics/{id}/support")]
pub async fn unsupport(
    state: web::Data<AppState>,
    caller: Resident,
    path: web::Path<TopicId>,
) -> ApiResult<HttpResponse> {
    let t = visible_topic(&state, &caller, path.into_inner()).await?;
    let n = done(
        state
            .store
            .set_support(t.topic_id, caller.account_id, false)
            .await?,
    )?;
    Ok(HttpResponse::Ok().json(serde_json::json!({"supported": false, "supporter_count": n})))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Answer {
    /// `satisfied` 满意, `basically_satisfied` 基本满意 or `unsatisfied` 不满意.
    pub answer: String,
    pub comment: Option<String>,
}

/// A resident who spoke in or supported a resolved topic says whether they are satisfied (one
/// answer per round; answering again replaces it). When the share of 不满意 reaches
/// `hall.reopen_unsatisfied_share` the topic goes back to work (发回重办) and is flagged.
#[utoipa::path(params(("id" = i64, Path)), request_body = Answer, responses((status = 200), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem)), tag = "residents", security(("bearer" = [])))]
#[post("/topics/{id}/satisfaction")]
pub async fn satisfaction(
    state: web::Data<AppState>,
    caller: Resident,
    path: web::Path<TopicId>,
    body: web::Json<Answer>,
) -> ApiResult<HttpResponse> {
    let t = visible_topic(&state, &caller, path.into_inner()).await?;
    let answer = body.answer.trim();
    if !matches!(answer, "satisfied" | "basically_satisfied" | "unsatisfied") {
        return Err(ApiError::field(
            "answer",
            "invalid_answer",
            "请选择 满意 / 基本满意 / 不满意 (satisfied, basically_satisfied, unsatisfied)",
        ));
    }
    let comment = opt_text("comment", &body.comment, 500)?;
    if !state.store.took_part(t.topic_id, caller.account_id).await? {
        return Err(ApiError::new(
            actix_web::http::StatusCode::FORBIDDEN,
            "not_a_participant",
            "只有提出或支持过这个议题的居民可以评价",
            "Only residents who spoke in or supported this topic can rate it",
        ));
    }
    let hall = &state.settings.hall;
    let now = chrono::Utc::now();
    let reopen = StatusChange {
        status: TopicStatus::InProgress,
        reason: Some("居民不满意比例较高，发回重办".into()),
        due_at: hall.due(TopicStatus::InProgress, now),
        note: Some(PublicNote {
            kind: TimelineKind::Reopened,
            body: "多数居民对办理结果不满意，议题已发回重办".into(),
            meeting: None,
            template: hall.template(),
        }),
        reopen: true,
    };
    let (counts, reopened) = done(
        state
            .store
            .answer_satisfaction(
                t.topic_id,
                caller.account_id,
                answer,
                comment.as_deref(),
                hall.reopen_min_answers.max(1),
                hall.reopen_unsatisfied_share,
                &reopen,
            )
            .await?,
    )?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "answer": answer, "satisfaction": crate::hall::stats::satisfaction(counts), "reopened": reopened
    })))
}
