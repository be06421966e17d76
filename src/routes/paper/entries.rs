use super::super::admin::audit_of;
use super::batches::{batch_closed, batch_in_scope};
use crate::auth::caller::Staff;
use crate::domain::ids::{BuildingId, PaperBatchId, SuggestionId};
use crate::domain::text::{bounded, check};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::intake::paper::{add_entry, PaperEntry};
use crate::routes::suggestions::create::{accepted, check_place, optional, text, title};
use crate::state::AppState;
use crate::store::EntryPatch;
use actix_web::{patch, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewEntry {
    /// The sheet's serial number, unique within the batch.
    pub serial: String,
    pub text: String,
    pub title: Option<String>,
    pub building_id: Option<BuildingId>,
    pub place: Option<String>,
    /// The resident's name as written on the form (kept private).
    pub name: Option<String>,
    /// The resident's phone as written on the form (kept private).
    pub phone: Option<String>,
    pub category: Option<String>,
    /// An uploaded photo of the paper form (POST /api/v1/uploads first).
    pub photo_id: Option<String>,
}

fn normalise_phone(
    field: &str,
    phone: &Option<String>,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    let raw = phone.as_deref().map(str::trim).filter(|p| !p.is_empty())?;
    let digits: String = raw.chars().filter(|c| !" -()（）".contains(*c)).collect();
    let digits = digits.strip_prefix("+86").unwrap_or(&digits).to_string();
    if (7..=12).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit()) {
        Some(digits)
    } else {
        errors.push(FieldError {
            field: field.into(),
            code: "invalid_phone".into(),
            message: "电话号码格式有误 / invalid phone number".into(),
        });
        None
    }
}

/// Enter one paper form. Entering the same form again answers with the original; another
/// form under a serial already used is refused.
#[utoipa::path(params(("id" = i64, Path)), request_body = NewEntry, responses((status = 202, body = crate::routes::suggestions::Accepted), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), tag = "paper", security(("bearer" = [])))]
#[post("/paper-batches/{id}/entries")]
#[tracing::instrument(skip_all)]
pub async fn add(
    state: web::Data<AppState>,
    staff: Staff,
    req: HttpRequest,
    path: web::Path<PaperBatchId>,
    body: web::Json<NewEntry>,
) -> ApiResult<HttpResponse> {
    let batch = batch_in_scope(&state, &staff, path.into_inner()).await?;
    if batch.status != "open" {
        return Err(batch_closed());
    }
    let b = body.into_inner();
    let mut errors = Vec::new();
    let serial = bounded("serial", &b.serial, 1, 32)
        .map_err(|e| errors.push(e))
        .ok();
    let text = text(&b.text, &mut errors);
    let title = title(&b.title, &mut errors);
    let place = optional("place", &b.place, 100, &mut errors);
    let name = optional("name", &b.name, 32, &mut errors);
    let category = optional("category", &b.category, 32, &mut errors);
    let phone = normalise_phone("phone", &b.phone, &mut errors);
    check_place(&state, batch.community_id, b.building_id, &mut errors).await?;
    if let Some(photo) = &b.photo_id {
        let theirs = state
            .store
            .upload(photo)
            .await?
            .is_some_and(|u| u.account_id == staff.account_id);
        if !theirs {
            errors.push(FieldError {
                field: "photo_id".into(),
                code: "unknown_upload".into(),
                message: "照片不存在或不是您上传的 / unknown photo".into(),
            });
        }
    }
    check(errors)?;
    let (Some(serial), Some(text)) = (serial, text) else {
        return Err(ApiError::field("text", "required", "必填 / required"));
    };
    let entry = PaperEntry {
        serial,
        text,
        title,
        building_id: b.building_id,
        place,
        name,
        phone,
        category,
        photo_ids: b.photo_id.into_iter().collect(),
    };
    let words = state
        .community_words
        .get(&state.store, &state.words, batch.community_id)
        .await?;
    let outcome = add_entry(
        &state.store,
        &words,
        &batch,
        entry,
        &audit_of(&staff, &req, None),
    )
    .await?;
    accepted(outcome).map_err(|_| {
        ApiError::conflict(
            "duplicate_serial",
            "本批次已有这个编号的表单，内容不同；请核对编号",
            "A different form with this serial is already in the batch",
        )
    })
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Correction {
    pub text: Option<String>,
    pub title: Option<String>,
    pub building_id: Option<BuildingId>,
    pub place: Option<String>,
    pub name: Option<String>,
    pub phone: Option<String>,
    /// Why it is corrected (kept in the audit log).
    pub reason: Option<String>,
}

/// Correct a typed-in entry of an open batch; the audit log keeps before and after (contacts
/// masked). A closed batch refuses it (`409 batch_closed`).
#[utoipa::path(params(("id" = i64, Path), ("entry_id" = i64, Path)), request_body = Correction, responses((status = 204), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem, description = "`batch_closed`"), (status = 422, body = crate::error::Problem)), tag = "paper", security(("bearer" = [])))]
#[patch("/paper-batches/{id}/entries/{entry_id}")]
pub async fn correct(
    state: web::Data<AppState>,
    staff: Staff,
    req: HttpRequest,
    path: web::Path<(PaperBatchId, SuggestionId)>,
    body: web::Json<Correction>,
) -> ApiResult<HttpResponse> {
    let (batch_id, entry_id) = path.into_inner();
    let batch = batch_in_scope(&state, &staff, batch_id).await?;
    // A closed batch was checked against its sheets; its entries no longer change.
    if batch.status != "open" {
        return Err(batch_closed());
    }
    let entry = state
        .store
        .suggestion(entry_id)
        .await?
        .filter(|s| s.paper_batch_id == Some(batch.paper_batch_id))
        .ok_or_else(ApiError::not_found)?;
    let b = body.into_inner();
    let mut errors = Vec::new();
    let text = match &b.text {
        Some(t) => text(t, &mut errors),
        None => None,
    };
    let patch = EntryPatch {
        body: text,
        title: title(&b.title, &mut errors),
        building_id: b.building_id,
        place: optional("place", &b.place, 100, &mut errors),
        name: optional("name", &b.name, 32, &mut errors),
        phone: normalise_phone("phone", &b.phone, &mut errors),
    };
    let reason = optional("reason", &b.reason, 200, &mut errors);
    check_place(&state, batch.community_id, b.building_id, &mut errors).await?;
    check(errors)?;
    state
        .store
        .correct_entry(entry.suggestion_id, &patch, &audit_of(&staff, &req, reason))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
