//! Photos: recognised from their bytes (JPEG, PNG, WebP), at most `intake.max_photo_bytes`
//! and `intake.max_photo_side` / `intake.max_photo_pixels` (read from the header, nothing
//! decoded), stripped of EXIF/XMP (location) and stored content-addressed; served only to the
//! uploader and to staff of the community whose suggestion shows it. Each account may upload
//! `intake.uploads_per_account_per_minute` photos a minute and
//! `intake.upload_bytes_per_account_per_day` bytes a day.
use crate::auth::caller::Caller;
use crate::error::{ApiError, ApiResult};
use crate::media::{process_upload, ImageKind, MediaError, UploadLimits};
use crate::state::AppState;
use crate::store::UploadRow;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use futures_util::StreamExt;

fn media_error(e: MediaError) -> ApiError {
    match e {
        MediaError::TooLarge { max } => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "upload_too_large",
            format!("照片不能超过 {} MB", max / 1024 / 1024),
            format!("The photo is larger than {max} bytes"),
        ),
        MediaError::UnsupportedType => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "只支持 JPEG、PNG、WebP 格式的照片",
            "Only JPEG, PNG and WebP photos are accepted",
        ),
        MediaError::TooManyPixels {
            width,
            height,
            max_side,
            max_pixels,
        } => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "image_too_large",
            format!(
                "照片尺寸过大（{width}×{height} 像素）：最长边不能超过 {max_side} 像素，总像素不能超过 {} 万",
                max_pixels / 10_000
            ),
            format!(
                "The image is {width} × {height} pixels; at most {max_side} pixels a side and {max_pixels} pixels are accepted"
            ),
        ),
        MediaError::Malformed(what) => ApiError::bad_request(
            "malformed_image",
            "照片文件已损坏",
            format!("The image is malformed: {what}"),
        ),
    }
}

/// Read the upload's bytes: the first file part of a multipart body, or the raw body.
async fn read_bytes(req: &HttpRequest, payload: web::Payload, max: usize) -> ApiResult<Vec<u8>> {
    let too_large = || media_error(MediaError::TooLarge { max });
    let is_multipart = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let mut bytes = Vec::new();
    if is_multipart {
        let mut parts = actix_multipart::Multipart::new(req.headers(), payload);
        while let Some(part) = parts.next().await {
            let mut field = part.map_err(|e| {
                ApiError::bad_request(
                    "malformed_body",
                    "上传内容无法读取",
                    format!("Bad multipart body: {e}"),
                )
            })?;
            if field
                .content_disposition()
                .and_then(|d| d.get_filename())
                .is_none()
                && field.name() != Some("file")
            {
                continue;
            }
            while let Some(chunk) = field.next().await {
                let chunk = chunk.map_err(|e| {
                    ApiError::bad_request(
                        "malformed_body",
                        "上传内容无法读取",
                        format!("Bad multipart body: {e}"),
                    )
                })?;
                if bytes.len() + chunk.len() > max {
                    return Err(too_large());
                }
                bytes.extend_from_slice(&chunk);
            }
            return Ok(bytes);
        }
        Err(ApiError::field(
            "file",
            "required",
            "请选择照片 / no file part named `file`",
        ))
    } else {
        let mut payload = payload;
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|e| {
                ApiError::bad_request(
                    "malformed_body",
                    "上传内容无法读取",
                    format!("Bad body: {e}"),
                )
            })?;
            if bytes.len() + chunk.len() > max {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }
}

fn quota_exceeded() -> ApiError {
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "upload_quota_exceeded",
        "今天上传的照片已达上限，请明天再试",
        "This account has reached its upload quota for the last 24 hours",
    )
    .with_retry_after(3600)
}

/// Refuse an upload that would take the account past its daily quota (`extra` bytes more).
async fn check_quota(state: &AppState, caller: &Caller, extra: usize) -> ApiResult<()> {
    let quota = state.settings.intake.upload_bytes_per_account_per_day;
    if quota <= 0 {
        return Ok(());
    }
    let since = chrono::Utc::now() - chrono::Duration::hours(24);
    let (_, used) = state.store.uploads_since(caller.account_id, since).await?;
    if used.saturating_add(extra as i64) > quota {
        return Err(quota_exceeded());
    }
    Ok(())
}

/// A stored photo. `upload_id` is what a suggestion lists in `photo_ids` and what
/// `GET /uploads/{id}` serves.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct UploadView {
    pub upload_id: String,
    /// `image/jpeg`, `image/png` or `image/webp`, from the bytes (not the file name).
    pub content_type: String,
    /// Size after location data was removed.
    pub byte_size: i64,
}

#[utoipa::path(request_body(content = Vec<u8>, content_type = "multipart/form-data"), responses((status = 201, description = "stored", body = UploadView), (status = 400, body = crate::error::Problem, description = "`malformed_image` or `malformed_body`"), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem, description = "a staff account that serves no community"), (status = 413, body = crate::error::Problem, description = "`upload_too_large`: more than `intake.max_photo_bytes`"), (status = 415, body = crate::error::Problem), (status = 422, body = crate::error::Problem, description = "`image_too_large`: the header declares more than `intake.max_photo_side` pixels a side or `intake.max_photo_pixels` pixels"), (status = 429, body = crate::error::Problem, description = "`rate_limited` (per minute) or `upload_quota_exceeded` (per day), with `Retry-After`")), tag = "uploads", security(("bearer" = [])))]
#[post("/uploads")]
#[tracing::instrument(skip_all)]
pub async fn upload(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    // Staff act only within their communities; one who serves none has nothing to attach to.
    if caller.role.is_staff()
        && caller.communities.is_empty()
        && !caller.role.serves_projects_only()
    {
        return Err(ApiError::forbidden());
    }
    state
        .guards
        .uploads
        .check(&caller.account_id.to_string())
        .map_err(ApiError::too_many)?;
    check_quota(&state, &caller, 1).await?;
    let intake = &state.settings.intake;
    let limits = UploadLimits {
        max_bytes: intake.max_photo_bytes,
        max_side: intake.max_photo_side,
        max_pixels: intake.max_photo_pixels,
    };
    let bytes = read_bytes(&req, payload, limits.max_bytes).await?;
    check_quota(&state, &caller, bytes.len()).await?;
    let (kind, clean) = {
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || span.in_scope(|| process_upload(&bytes, &limits)))
            .await
            .map_err(|e| anyhow::anyhow!("upload task: {e}"))?
            .map_err(media_error)?
    };
    let blob = state.blobs.put(&clean, kind).await?;
    let row = UploadRow {
        upload_id: uuid::Uuid::new_v4().simple().to_string(),
        sha256: blob.sha256,
        content_type: kind.mime().into(),
        byte_size: blob.size as i64,
        account_id: caller.account_id,
        community_id: caller.communities.first().copied(),
    };
    state.store.insert_upload(&row, chrono::Utc::now()).await?;
    Ok(HttpResponse::Created().json(UploadView {
        upload_id: row.upload_id,
        content_type: row.content_type,
        byte_size: row.byte_size,
    }))
}

fn blob_key(row: &UploadRow) -> Option<String> {
    let ext = match row.content_type.as_str() {
        "image/jpeg" => ImageKind::Jpeg,
        "image/png" => ImageKind::Png,
        "image/webp" => ImageKind::Webp,
        _ => return None,
    }
    .extension();
    let h = &row.sha256;
    (h.len() == 64).then(|| format!("{}/{}/{}.{}", &h[0..2], &h[2..4], h, ext))
}

/// Whether an upload shown by funded projects is the caller's to see: an activity photo for the
/// residents and staff of the project's community, a receipt for its staff, and both for those
/// who serve projects only (reviewers, supervisors, organisation leads) on a project they see.
async fn project_upload_visible(
    state: &AppState,
    caller: &Caller,
    upload_id: &str,
) -> ApiResult<bool> {
    for (community, project, photo) in state.store.project_upload_communities(upload_id).await? {
        if caller.in_scope(community) && (photo || caller.role.is_staff()) {
            return Ok(true);
        }
        if caller.role.serves_projects_only()
            && crate::routes::projects::access::visible_project(state, caller, project)
                .await
                .is_ok()
        {
            return Ok(true);
        }
    }
    Ok(false)
}

#[utoipa::path(params(("id" = String, Path)), responses((status = 200, description = "the image"), (status = 404, body = crate::error::Problem)), tag = "uploads", security(("bearer" = [])))]
#[get("/uploads/{id}")]
pub async fn download(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let row = state
        .store
        .upload(&path)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let allowed = row.account_id == caller.account_id
        || (caller.role.is_staff()
            && (row.community_id.is_some_and(|c| caller.in_scope(c))
                || state
                    .store
                    .upload_suggestions(&row.upload_id)
                    .await?
                    .iter()
                    .any(|(_, c)| caller.in_scope(*c))))
        // A photo a worker published: residents of that community see it.
        || state
            .store
            .photo_public_in(&row.upload_id)
            .await?
            .iter()
            .any(|c| caller.in_scope(*c))
        // A funded project's activity photo (residents and staff of its community) or
        // receipt (staff only); its reviewers, supervisors and organisation lead see both.
        || project_upload_visible(&state, &caller, &row.upload_id).await?;
    if !allowed {
        return Err(ApiError::not_found());
    }
    let key = blob_key(&row).ok_or_else(ApiError::not_found)?;
    let bytes = state
        .blobs
        .get(&key)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(HttpResponse::Ok()
        .content_type(row.content_type)
        .insert_header(("cache-control", "private, max-age=86400"))
        .insert_header(("x-content-type-options", "nosniff"))
        .body(bytes))
}
