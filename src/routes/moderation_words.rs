//! Moderation word lists that admins keep on screen, one per community and one per district, on
//! top of the configured list: a suggestion containing one of the words is held for a worker's
//! review. Each change names the version it replaces (`If-Match`) and is audited with the words
//! before and after.
use super::admin::audit_of;
use crate::auth::caller::Admin;
use crate::domain::ids::{AccountId, CommunityId, DistrictId};
use crate::error::{ApiError, ApiResult};
use crate::routes::hall::{etag, if_match};
use crate::state::AppState;
use crate::store::{AdminArea, Edit, WordScope};
use actix_web::{get, put, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

/// At most this many words per list, each of 1–20 characters.
const MAX_WORDS: usize = 500;
const MAX_CHARS: usize = 20;

#[derive(Serialize, utoipa::ToSchema)]
pub struct WordListView {
    /// `community` or `district`.
    pub scope: String,
    pub scope_id: i64,
    /// The community's or district's name.
    pub scope_label: String,
    pub words: Vec<String>,
    /// Send it back as `If-Match` to change the list (0: no list yet).
    pub version: i32,
    pub updated_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Who changed it last (a staff member's name).
    pub updated_by: Option<String>,
    /// Words of the server's configuration (`intake.sensitive_words`), which apply everywhere.
    pub configured_count: usize,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct WordListChange {
    pub words: Vec<String>,
}

async fn view(state: &AppState, scope: WordScope, label: String) -> ApiResult<HttpResponse> {
    let row = state.store.word_list(scope).await?;
    let (kind, id) = scope.parts();
    let updated_by = match row.as_ref().and_then(|r| r.updated_by_account_id) {
        Some(a) => name_of(state, a).await?,
        None => None,
    };
    let version = row.as_ref().map_or(0, |r| r.version);
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::ETAG, etag(version)))
        .insert_header(("cache-control", "no-store"))
        .json(WordListView {
            scope: kind.into(),
            scope_id: id,
            scope_label: label,
            words: row.as_ref().map(|r| r.word_vec()).unwrap_or_default(),
            version,
            updated_at: row.as_ref().map(|r| r.updated_at),
            updated_by,
            configured_count: state.words.words().len(),
        }))
}

async fn name_of(state: &AppState, id: AccountId) -> ApiResult<Option<String>> {
    Ok(state
        .store
        .account_names(&[id])
        .await?
        .into_iter()
        .next()
        .map(|(_, n)| n))
}

/// The words of a change: trimmed, without empty ones or repeats, within the limits.
fn parse_words(words: &[String]) -> ApiResult<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for w in words {
        let w = w.trim();
        if w.is_empty() || out.iter().any(|x| x == w) {
            continue;
        }
        if w.chars().count() > MAX_CHARS {
            return Err(ApiError::field(
                "words",
                "word_too_long",
                format!("每个词不超过 {MAX_CHARS} 个字：「{w}」 / at most {MAX_CHARS} characters per word"),
            ));
        }
        out.push(w.to_string());
    }
    if out.len() > MAX_WORDS {
        return Err(ApiError::field(
            "words",
            "too_many_words",
            format!("每个词表最多 {MAX_WORDS} 个词 / at most {MAX_WORDS} words"),
        ));
    }
    Ok(out)
}

async fn change(
    state: &AppState,
    admin: &Admin,
    req: &HttpRequest,
    scope: WordScope,
    label: String,
    body: &WordListChange,
) -> ApiResult<HttpResponse> {
    let version = if_match(req)?;
    let words = parse_words(&body.words)?;
    match state
        .store
        .set_word_list(scope, &words, version, &audit_of(admin, req, None))
        .await?
    {
        Edit::Done(_) => {}
        Edit::Stale => {
            return Err(ApiError::new(
                actix_web::http::StatusCode::PRECONDITION_FAILED,
                "precondition_failed",
                "其他管理员刚刚修改了这个词表，请刷新后再改",
                "Someone else changed this word list in the meantime; reload and try again",
            ))
        }
        Edit::NotFound => return Err(ApiError::not_found()),
        Edit::Invalid(code) => return Err(crate::routes::hall::invalid(code)),
    }
    state.community_words.forget_all();
    view(state, scope, label).await
}

async fn community_scope(
    state: &AppState,
    admin: &Admin,
    id: i64,
) -> ApiResult<(WordScope, String)> {
    if admin.admin_area.is_none() {
        return Err(ApiError::forbidden());
    }
    let c = admin.community(CommunityId(id))?;
    let row = state
        .store
        .community(c)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok((WordScope::Community(c), row.name))
}

/// The district an admin may read (their own, or their street's) and whether they may change
/// its list (district admins only).
async fn district_scope(
    state: &AppState,
    admin: &Admin,
    id: i64,
) -> ApiResult<(WordScope, String, bool)> {
    let d = DistrictId(id);
    let (allowed, may_change) = match admin.admin_area {
        Some(AdminArea::District(x)) => (x == d, true),
        Some(AdminArea::Street(s)) => (
            state
                .store
                .street(s)
                .await?
                .is_some_and(|st| st.district_id == d),
            false,
        ),
        None => (false, false),
    };
    if !allowed {
        return Err(ApiError::not_found());
    }
    let name = state.store.district_name(d).await?.unwrap_or_default();
    Ok((WordScope::District(d), name, may_change))
}

/// A community's own moderation words (admins of its area).
#[utoipa::path(params(("id" = i64, Path)), responses((status = 200, body = WordListView), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)), tag = "moderation", security(("bearer" = [])))]
#[get("/communities/{id}/moderation-words")]
pub async fn community_words(
    state: web::Data<AppState>,
    admin: Admin,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let (scope, label) = community_scope(&state, &admin, path.into_inner()).await?;
    view(&state, scope, label).await
}

/// Replace a community's moderation words (`If-Match`: the version read; "0" for the first).
#[utoipa::path(params(("id" = i64, Path)), request_body = WordListChange, responses((status = 200, body = WordListView), (status = 400, body = crate::error::Problem), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 412, body = crate::error::Problem), (status = 422, body = crate::error::Problem), (status = 428, body = crate::error::Problem)), tag = "moderation", security(("bearer" = [])))]
#[put("/communities/{id}/moderation-words")]
pub async fn set_community_words(
    state: web::Data<AppState>,
    admin: Admin,
    req: HttpRequest,
    path: web::Path<i64>,
    body: web::Json<WordListChange>,
) -> ApiResult<HttpResponse> {
    let (scope, label) = community_scope(&state, &admin, path.into_inner()).await?;
    change(&state, &admin, &req, scope, label, &body).await
}

/// A district's moderation words (its admins; street admins of the district may read them).
#[utoipa::path(params(("id" = i64, Path)), responses((status = 200, body = WordListView), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)), tag = "moderation", security(("bearer" = [])))]
#[get("/districts/{id}/moderation-words")]
pub async fn district_words(
    state: web::Data<AppState>,
    admin: Admin,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let (scope, label, _) = district_scope(&state, &admin, path.into_inner()).await?;
    view(&state, scope, label).await
}

/// Replace a district's moderation words (district admins; `If-Match` as for a community).
#[utoipa::path(params(("id" = i64, Path)), request_body = WordListChange, responses((status = 200, body = WordListView), (status = 400, body = crate::error::Problem), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 412, body = crate::error::Problem), (status = 422, body = crate::error::Problem), (status = 428, body = crate::error::Problem)), tag = "moderation", security(("bearer" = [])))]
#[put("/districts/{id}/moderation-words")]
pub async fn set_district_words(
    state: web::Data<AppState>,
    admin: Admin,
    req: HttpRequest,
    path: web::Path<i64>,
    body: web::Json<WordListChange>,
) -> ApiResult<HttpResponse> {
    let (scope, label, may_change) = district_scope(&state, &admin, path.into_inner()).await?;
    if !may_change {
        return Err(ApiError::forbidden());
    }
    change(&state, &admin, &req, scope, label, &body).await
}
