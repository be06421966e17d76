use super::SuggestionView;
use crate::auth::caller::Resident;
use crate::domain::ids::SuggestionId;
use crate::error::ApiResult;
use crate::state::AppState;
use actix_web::{get, web, HttpResponse};
use serde::Deserialize;

#[derive(Deserialize, utoipa::IntoParams)]
pub struct Page {
    /// Cursor: the `next_cursor` of the previous page.
    pub cursor: Option<i64>,
    pub limit: Option<i64>,
}

/// A page of the resident's own suggestions.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct MySuggestions {
    pub items: Vec<SuggestionView>,
    /// The `cursor` of the next page (absent on the last page).
    pub next_cursor: Option<i64>,
}

/// The resident's own suggestions, newest first, each with its topic and public timeline.
#[utoipa::path(params(Page), responses((status = 200, body = MySuggestions)), tag = "suggestions", security(("bearer" = [])))]
#[get("/me/suggestions")]
pub async fn mine(
    state: web::Data<AppState>,
    caller: Resident,
    page: web::Query<Page>,
) -> ApiResult<HttpResponse> {
    let limit = page.limit.unwrap_or(20).clamp(1, 100);
    let rows = state
        .store
        .suggestions_of(caller.account_id, page.cursor.map(SuggestionId), limit)
        .await?;
    let topic_ids: Vec<_> = rows.iter().filter_map(|r| r.topic_id).collect();
    let topics = state.store.topic_briefs(&topic_ids).await?;
    let answers = state
        .store
        .my_satisfactions(caller.account_id, &topic_ids)
        .await?;
    let next_cursor = (rows.len() as i64 == limit)
        .then(|| rows.last().map(|r| r.suggestion_id.0))
        .flatten();
    let mut items = Vec::with_capacity(rows.len());
    for r in rows {
        let topic = r
            .topic_id
            .and_then(|t| topics.iter().find(|x| x.topic_id == t).cloned());
        let timeline = match r.topic_id {
            Some(t) => state.store.public_timeline(t).await?,
            None => Vec::new(),
        };
        let photos = state.store.suggestion_photos(r.suggestion_id).await?;
        let mine = r
            .topic_id
            .and_then(|t| answers.iter().find(|(x, _, _)| *x == t))
            .map(|(_, a, c)| super::MySatisfaction::new(a.clone(), c.clone()));
        let mut view = SuggestionView::new(r, photos, topic, timeline);
        view.my_satisfaction = mine;
        items.push(view);
    }
    Ok(HttpResponse::Ok().json(MySuggestions { items, next_cursor }))
}
