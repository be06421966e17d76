//! The log of staff seeing unmasked personal data: written where data is revealed (the
//! call-back list, a paper form's contact for checking or correcting it), read by admins for
//! their area, and shown to residents in their export.
use crate::auth::caller::{Admin, Caller, Staff};
use crate::domain::ids::{AccountId, CommunityId, PaperBatchId, PersonId, SuggestionId};
use crate::error::{ApiError, ApiResult};
use crate::intake::mask::mask_name;
use crate::privacy::access::{fields, fields_label_zh, person_access, Purpose};
use crate::routes::paper::batches::batch_in_scope;
use crate::state::AppState;
use crate::store::NewAccess;
use actix_web::{get, post, web, HttpMessage, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

fn request_id(req: &HttpRequest) -> Option<String> {
    req.extensions()
        .get::<tracing_actix_web::RequestId>()
        .map(|r| r.to_string())
}

/// The call-back list shows paper-form residents' names and phones in full: one log row per
/// person shown.
pub async fn log_callback_reveals(
    state: &AppState,
    caller: &Caller,
    req: &HttpRequest,
    community: CommunityId,
    items: &[crate::hall::callbacks::CallbackView],
) -> ApiResult<()> {
    let ids: Vec<i64> = items
        .iter()
        .filter(|c| c.phone.is_some() || c.person_name.is_some())
        .map(|c| c.callback_id)
        .collect();
    let persons = state.store.callback_persons(&ids).await?;
    let mut rows: Vec<NewAccess> = Vec::new();
    let mut seen: Vec<PersonId> = Vec::new();
    for (callback, person) in persons {
        if seen.contains(&person) {
            continue;
        }
        seen.push(person);
        let Some(item) = items.iter().find(|c| c.callback_id == callback) else {
            continue;
        };
        let Some(f) = fields(item.person_name.is_some(), item.phone.is_some()) else {
            continue;
        };
        rows.push(person_access(
            caller.account_id,
            community,
            person,
            f,
            Purpose::Callback,
            None,
            request_id(req),
        ));
    }
    state.store.log_access(&rows).await?;
    Ok(())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct RevealRequest {
    /// Why the full contact is needed (optional; the purpose is recorded anyway).
    pub reason: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Contact {
    pub name: Option<String>,
    pub phone: Option<String>,
}

/// A paper form's name and phone in full, to check or correct what was typed. Staff of the
/// batch's community; every call is logged (who, when, whose, why).
#[utoipa::path(params(("id" = i64, Path), ("entry_id" = i64, Path)), request_body = RevealRequest, responses(
    (status = 200, body = Contact), (status = 400, body = crate::error::Problem), (status = 401, body = crate::error::Problem),
    (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
    (status = 422, body = crate::error::Problem)),
    tag = "privacy", security(("bearer" = [])))]
#[post("/paper-batches/{id}/entries/{entry_id}/contact")]
pub async fn reveal_paper_contact(
    state: web::Data<AppState>,
    staff: Staff,
    req: HttpRequest,
    path: web::Path<(i64, i64)>,
    body: Option<web::Json<RevealRequest>>,
) -> ApiResult<HttpResponse> {
    let (batch_id, entry_id) = path.into_inner();
    let batch = batch_in_scope(&state, &staff, PaperBatchId(batch_id)).await?;
    let entry = state
        .store
        .suggestion(SuggestionId(entry_id))
        .await?
        .filter(|s| s.paper_batch_id == Some(batch.paper_batch_id))
        .ok_or_else(ApiError::not_found)?;
    let reason = match body.and_then(|b| b.into_inner().reason) {
        Some(r) if !r.trim().is_empty() => Some(
            crate::domain::text::bounded("reason", &r, 1, 200)
                .map_err(|e| ApiError::validation(vec![e]))?,
        ),
        _ => None,
    };
    let person = match entry.author_person_id {
        Some(p) => state.store.person_contact(p).await?,
        None => None,
    };
    let contact = Contact {
        name: person.as_ref().and_then(|p| p.name.clone()),
        phone: person.as_ref().and_then(|p| p.phone.clone()),
    };
    if let (Some(p), Some(f)) = (
        &person,
        fields(contact.name.is_some(), contact.phone.is_some()),
    ) {
        let row = person_access(
            staff.account_id,
            batch.community_id,
            p.person_id,
            f,
            Purpose::PaperCorrection,
            reason,
            request_id(&req),
        );
        state.store.log_access(&[row]).await?;
    }
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(contact))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct AccessQuery {
    /// One community of the admin's area (default: all of it).
    pub community_id: Option<CommunityId>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<i64>,
    pub limit: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AccessEntry {
    pub id: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub staff_account_id: AccountId,
    pub staff_name: String,
    pub staff_role: String,
    pub community_id: CommunityId,
    pub community_name: String,
    /// `person` (paper form) or `account`.
    pub subject_kind: String,
    pub subject_id: Option<i64>,
    /// Masked (王**); null once erased.
    pub subject_name: Option<String>,
    pub fields: Vec<String>,
    pub fields_label: String,
    pub purpose: String,
    pub purpose_label: String,
    pub purpose_label_en: String,
    pub reason: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AccessPage {
    pub items: Vec<AccessEntry>,
    pub next_cursor: Option<i64>,
}

/// Who saw which resident's unmasked phone or name, when and why: admins, for their area.
#[utoipa::path(params(AccessQuery), responses(
    (status = 200, body = AccessPage), (status = 400, body = crate::error::Problem), (status = 401, body = crate::error::Problem),
    (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)),
    tag = "privacy", security(("bearer" = [])))]
#[get("/access-log")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Admin,
    q: web::Query<AccessQuery>,
) -> ApiResult<HttpResponse> {
    let communities = match q.community_id {
        Some(c) => vec![caller.community(c)?],
        None => caller.communities.clone(),
    };
    let limit = q.limit.unwrap_or(50).clamp(1, 200);
    let rows = state
        .store
        .access_log(&communities, q.cursor, limit)
        .await?;
    let next_cursor = (rows.len() as i64 == limit)
        .then(|| rows.last().map(|r| r.access_id))
        .flatten();
    let items = rows
        .into_iter()
        .map(|r| {
            let purpose = Purpose::parse(&r.purpose);
            AccessEntry {
                id: r.access_id,
                at: r.at,
                staff_account_id: r.staff_account_id,
                staff_name: r.staff_name,
                staff_role: r.staff_role,
                community_id: r.community_id,
                community_name: r.community_name,
                subject_kind: if r.subject_person_id.is_some() {
                    "person"
                } else {
                    "account"
                }
                .into(),
                subject_id: r
                    .subject_person_id
                    .map(|p| p.0)
                    .or(r.subject_account_id.map(|a| a.0)),
                subject_name: r.subject_name.as_deref().map(mask_name),
                fields: r.fields.split(',').map(str::to_string).collect(),
                fields_label: fields_label_zh(&r.fields),
                purpose_label: purpose.map(|p| p.label_zh()).unwrap_or("其他").into(),
                purpose_label_en: purpose.map(|p| p.label_en()).unwrap_or("other").into(),
                purpose: r.purpose,
                reason: r.reason,
            }
        })
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(AccessPage { items, next_cursor }))
}
