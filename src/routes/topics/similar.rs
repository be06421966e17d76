//! "Similar topics": near misses the grouping engine did not join with a topic, for a worker
//! to merge in one click. Topics a worker kept apart (split, moved out, merge undone) are not
//! offered again.
use super::TopicView;
use crate::auth::caller::Worker;
use crate::domain::ids::TopicId;
use crate::error::ApiResult;
use crate::hall::status::TopicStatus;
use crate::routes::hall::visible_topic;
use crate::state::AppState;
use actix_web::{get, web, HttpResponse};
use serde::Serialize;

/// Most similar topics listed.
const LIMIT: usize = 5;

#[derive(Serialize, utoipa::ToSchema)]
pub struct SimilarTopic {
    pub topic: TopicView,
    /// How alike the two topics are (0–1): the cosine of their term profiles, raised when
    /// both are about the same problem, lowered when their problems or places differ.
    pub similarity: f32,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SimilarTopics {
    /// Best first, at most five; merged topics are left out.
    pub items: Vec<SimilarTopic>,
}

/// Topics of the same community like this one that the engine kept separate, best first:
/// merge one with `POST /topics/{id}/merge`. Staff only.
#[utoipa::path(params(("id" = i64, Path)), responses((status = 200, body = SimilarTopics), (status = 404, body = crate::error::Problem)), tag = "hall", security(("bearer" = [])))]
#[get("/topics/{id}/similar")]
pub async fn similar(
    state: web::Data<AppState>,
    caller: Worker,
    path: web::Path<TopicId>,
) -> ApiResult<HttpResponse> {
    let t = visible_topic(&state, &caller, path.into_inner()).await?;
    let mut items = Vec::new();
    if t.status != TopicStatus::Merged {
        let found = state
            .grouping
            .similar_topics(t.community_id, t.topic_id, LIMIT + 2)
            .await?;
        let now = chrono::Utc::now();
        for (id, similarity) in found {
            let Some(other) = state.store.topic(id).await? else {
                continue;
            };
            if other.community_id != t.community_id || other.status == TopicStatus::Merged {
                continue;
            }
            items.push(SimilarTopic {
                topic: TopicView::new(other, now),
                similarity,
            });
            if items.len() == LIMIT {
                break;
            }
        }
    }
    Ok(HttpResponse::Ok().json(SimilarTopics { items }))
}
