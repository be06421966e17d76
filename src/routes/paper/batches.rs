use super::super::admin::audit_of;
use super::super::admin::communities::Created;
use crate::auth::caller::Staff;
use crate::domain::ids::{CommunityId, PaperBatchId};
use crate::domain::text::check;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::hall::status::SuggestionState;
use crate::intake::mask::{mask_name, mask_phone};
use crate::intake::paper::{import as import_rows, missing_serials, ImportReport};
use crate::paper_import::{parse, Format};
use crate::routes::suggestions::create::optional;
use crate::state::AppState;
use crate::store::{NewPaperBatch, PaperBatchRow};
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewBatch {
    pub community_id: CommunityId,
    /// `suggestion_box`, `door_to_door`, `event` or `other`.
    pub collection_kind: String,
    /// Where: the box's location, the round's buildings, the event's name.
    pub collection_point: String,
    pub collected_on: chrono::NaiveDate,
    pub sheet_count: i32,
    pub note: Option<String>,
}

#[utoipa::path(request_body = NewBatch, responses((status = 201, body = Created), (status = 422, body = crate::error::Problem)), tag = "paper", security(("bearer" = [])))]
#[post("/paper-batches")]
pub async fn create(
    state: web::Data<AppState>,
    staff: Staff,
    req: HttpRequest,
    body: web::Json<NewBatch>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    let community = staff.community(b.community_id)?;
    let mut errors = Vec::new();
    if !["suggestion_box", "door_to_door", "event", "other"].contains(&b.collection_kind.as_str()) {
        errors.push(FieldError {
            field: "collection_kind".into(),
            code: "invalid_choice".into(),
            message: "suggestion_box / door_to_door / event / other".into(),
        });
    }
    let point = optional(
        "collection_point",
        &Some(b.collection_point.clone()),
        100,
        &mut errors,
    );
    if point.is_none() && errors.iter().all(|e| e.field != "collection_point") {
        errors.push(FieldError {
            field: "collection_point".into(),
            code: "required".into(),
            message: "必填 / required".into(),
        });
    }
    if !(0..=10_000).contains(&b.sheet_count) {
        errors.push(FieldError {
            field: "sheet_count".into(),
            code: "out_of_range".into(),
            message: "0–10000".into(),
        });
    }
    let note = optional("note", &b.note, 500, &mut errors);
    check(errors)?;
    let batch = NewPaperBatch {
        community_id: community,
        collection_kind: b.collection_kind,
        collection_point: point.unwrap_or_default(),
        collected_on: b.collected_on,
        sheet_count: b.sheet_count,
        note,
        volunteer: staff.account_id,
    };
    let id = state
        .store
        .create_batch(&batch, &audit_of(&staff, &req, None))
        .await?;
    Ok(HttpResponse::Created().json(Created { id: id.0 }))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    pub community_id: i64,
}

#[utoipa::path(params(ListQuery), responses((status = 200, body = crate::routes::Items<PaperBatchRow>)), tag = "paper", security(("bearer" = [])))]
#[get("/paper-batches")]
pub async fn list(
    state: web::Data<AppState>,
    staff: Staff,
    q: web::Query<ListQuery>,
) -> ApiResult<HttpResponse> {
    let community = staff.community(CommunityId(q.community_id))?;
    Ok(HttpResponse::Ok().json(crate::routes::Items {
        items: state.store.batches(community).await?,
    }))
}

/// The batch, or 404 when it is outside the caller's communities.
pub async fn batch_in_scope(
    state: &AppState,
    staff: &Staff,
    id: PaperBatchId,
) -> ApiResult<PaperBatchRow> {
    let batch = state
        .store
        .batch(id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    staff.community(batch.community_id)?;
    Ok(batch)
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct EntryView {
    pub id: crate::domain::ids::SuggestionId,
    pub serial: Option<String>,
    pub text: String,
    pub title: Option<String>,
    pub building_id: Option<crate::domain::ids::BuildingId>,
    pub place: Option<String>,
    pub state: SuggestionState,
    pub state_label: &'static str,
    pub state_label_en: &'static str,
    pub category: Option<String>,
    /// Masked (`王*`), except for the volunteer who typed it while the batch is open.
    pub name: Option<String>,
    /// Masked (`138****5678`), except for the volunteer who typed it while the batch is open.
    pub phone: Option<String>,
    /// Whether `name` and `phone` are shown in full (to check what one typed).
    pub contact_visible: bool,
    pub entered_by: Option<crate::domain::ids::AccountId>,
}

#[utoipa::path(params(("id" = i64, Path)), responses((status = 200, description = "batch, entries and missing serials"), (status = 404, body = crate::error::Problem)), tag = "paper", security(("bearer" = [])))]
#[get("/paper-batches/{id}")]
pub async fn detail(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<PaperBatchId>,
) -> ApiResult<HttpResponse> {
    let batch = batch_in_scope(&state, &staff, path.into_inner()).await?;
    let rows = state.store.batch_entries(batch.paper_batch_id).await?;
    let mut entries = Vec::with_capacity(rows.len());
    for s in rows {
        let person = match s.author_person_id {
            Some(p) => state.store.person(p).await?,
            None => None,
        };
        // The one who typed a form checks it in full until the batch is closed; everyone
        // else, and everyone after closing, sees the contact masked.
        let own = batch.status == "open" && s.entered_by_account_id == Some(staff.account_id);
        let show = |v: &str, mask: fn(&str) -> String| if own { v.to_string() } else { mask(v) };
        entries.push(EntryView {
            category: s.category.clone(),
            contact_visible: own,
            id: s.suggestion_id,
            serial: s.paper_serial,
            text: s.body,
            title: s.title,
            building_id: s.building_id,
            place: s.place,
            state: s.state,
            state_label: s.state.label(),
            state_label_en: s.state.label_en(),
            name: person
                .as_ref()
                .and_then(|p| p.name.as_deref())
                .map(|n| show(n, mask_name)),
            phone: person
                .as_ref()
                .and_then(|p| p.phone.as_deref())
                .map(|n| show(n, mask_phone)),
            entered_by: s.entered_by_account_id,
        });
    }
    let serials: Vec<String> = entries.iter().filter_map(|e| e.serial.clone()).collect();
    let missing = missing_serials(batch.sheet_count, &serials);
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "batch": batch,
        "entries": entries,
        "entered": entries.len(),
        "missing_serials": missing,
        "complete": missing.is_empty() && entries.len() as i32 >= batch.sheet_count,
    })))
}

#[utoipa::path(params(("id" = i64, Path)), responses((status = 200, description = "closed; missing serials listed"), (status = 404, body = crate::error::Problem)), tag = "paper", security(("bearer" = [])))]
#[post("/paper-batches/{id}/close")]
pub async fn close(
    state: web::Data<AppState>,
    staff: Staff,
    req: HttpRequest,
    path: web::Path<PaperBatchId>,
) -> ApiResult<HttpResponse> {
    let batch = batch_in_scope(&state, &staff, path.into_inner()).await?;
    state
        .store
        .close_batch(batch.paper_batch_id, &audit_of(&staff, &req, None))
        .await?;
    let serials: Vec<String> = state
        .store
        .batch_entries(batch.paper_batch_id)
        .await?
        .into_iter()
        .filter_map(|s| s.paper_serial)
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "status": "closed", "missing_serials": missing_serials(batch.sheet_count, &serials) })))
}

/// Import a CSV or XLSX file of paper forms into an open batch (multipart field `file`).
#[utoipa::path(params(("id" = i64, Path)), request_body(content = Vec<u8>, content_type = "multipart/form-data"), responses((status = 200, body = ImportReport), (status = 400, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 413, body = crate::error::Problem), (status = 415, body = crate::error::Problem)), tag = "paper", security(("bearer" = [])))]
#[post("/paper-batches/{id}/import")]
pub async fn import(
    state: web::Data<AppState>,
    staff: Staff,
    req: HttpRequest,
    path: web::Path<PaperBatchId>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let batch = batch_in_scope(&state, &staff, path.into_inner()).await?;
    if batch.status != "open" {
        return Err(batch_closed());
    }
    const MAX: usize = 5 * 1024 * 1024;
    let mut parts = actix_multipart::Multipart::new(req.headers(), payload);
    let mut file: Option<(String, Vec<u8>)> = None;
    if let Some(part) = parts.next().await {
        let mut field = part.map_err(|e| {
            ApiError::bad_request(
                "malformed_body",
                "上传内容无法读取",
                format!("Bad multipart body: {e}"),
            )
        })?;
        let name = field
            .content_disposition()
            .and_then(|d| d.get_filename())
            .unwrap_or("upload")
            .to_string();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| {
                ApiError::bad_request(
                    "malformed_body",
                    "上传内容无法读取",
                    format!("Bad multipart body: {e}"),
                )
            })?;
            if bytes.len() + chunk.len() > MAX {
                return Err(ApiError::new(
                    actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    "文件不能超过 5 MB",
                    "The file is larger than 5 MB",
                ));
            }
            bytes.extend_from_slice(&chunk);
        }
        file = Some((name, bytes));
    }
    let (name, bytes) =
        file.ok_or_else(|| ApiError::field("file", "required", "请选择文件 / no file"))?;
    let format = Format::detect(&name, &bytes).ok_or_else(|| {
        ApiError::new(
            actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_file",
            "只支持 CSV 和 XLSX 文件",
            "Only CSV and XLSX files can be imported",
        )
    })?;
    // Parsing is CPU work on up to 5 MB (inflated XLSX: bounded by the
    // importer's limits), so it runs off the async workers.
    let parsed = web::block(move || parse(&bytes, format))
        .await
        .map_err(|e| ApiError::Unexpected(anyhow::anyhow!("import parser panicked: {e}")))?
        .map_err(|e| {
            let status = if e.is_too_large() {
                actix_web::http::StatusCode::PAYLOAD_TOO_LARGE
            } else {
                actix_web::http::StatusCode::BAD_REQUEST
            };
            ApiError::new(
                status,
                if e.is_too_large() {
                    "file_too_large"
                } else {
                    "invalid_file"
                },
                format!("文件无法导入：{e}"),
                format!("The file cannot be imported: {e}"),
            )
        })?;
    let audit = audit_of(&staff, &req, Some(format!("import {name}")));
    let report = import_rows(&state.store, &state.words, &batch, parsed, &audit, |_| {}).await?;
    Ok(HttpResponse::Ok().json(report))
}

pub fn batch_closed() -> ApiError {
    ApiError::conflict("batch_closed", "该批次已结束录入", "This batch is closed")
}
