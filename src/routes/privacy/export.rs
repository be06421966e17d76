//! `GET /me/export`: everything minyi holds about the resident, as a zip (JSON + photos). Small
//! exports answer at once; large ones are prepared in the background and fetched when ready.
use crate::auth::caller::Resident;
use crate::error::{ApiError, ApiResult};
use crate::privacy::job::ExportStart;
use crate::state::AppState;
use actix_web::{get, web, HttpResponse};
use serde::Serialize;

#[derive(Serialize, utoipa::ToSchema)]
pub struct ExportPending {
    pub export_id: String,
    /// `pending` (being prepared) or `ready`.
    pub state: String,
    /// Where to fetch it.
    pub url: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

fn zip(bytes: Vec<u8>) -> HttpResponse {
    let day = chrono::Utc::now()
        .with_timezone(&crate::hall::shanghai())
        .format("%Y%m%d");
    HttpResponse::Ok()
        .content_type("application/zip")
        .insert_header((
            "content-disposition",
            format!("attachment; filename=\"minyi-data-{day}.zip\""),
        ))
        .insert_header(("cache-control", "no-store"))
        .body(bytes)
}

fn pending(id: &str, expires_at: chrono::DateTime<chrono::Utc>, state: &str) -> HttpResponse {
    let url = format!("/api/v1/me/export/{id}");
    HttpResponse::Accepted()
        .insert_header(("location", url.clone()))
        .insert_header(("retry-after", "5"))
        .insert_header(("cache-control", "no-store"))
        .json(ExportPending {
            export_id: id.to_string(),
            state: state.into(),
            url,
            expires_at,
        })
}

/// The resident's data: `200` with the archive, or `202` when it is being prepared (fetch it
/// from `Location` when ready).
#[utoipa::path(responses(
    (status = 200, description = "the archive (application/zip): minyi-data.json, README.txt, photos/"),
    (status = 202, body = ExportPending),
    (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem)),
    tag = "privacy", security(("bearer" = [])))]
#[get("/me/export")]
#[tracing::instrument(skip_all)]
pub async fn export(state: web::Data<AppState>, caller: Resident) -> ApiResult<HttpResponse> {
    match state.privacy.start_export(caller.account_id).await? {
        ExportStart::Ready(bytes) => Ok(zip(bytes)),
        ExportStart::Pending(id) => {
            let job = state
                .store
                .export_job(&id)
                .await?
                .ok_or_else(ApiError::not_found)?;
            Ok(pending(&id, job.expires_at, "pending"))
        }
        ExportStart::NotFound => Err(ApiError::invalid_token()),
    }
}

/// A prepared export: `202` while it is being prepared, `200` with the archive when ready;
/// `404` for another resident's export, an unknown or an expired one.
#[utoipa::path(params(("id" = String, Path)), responses(
    (status = 200, description = "the archive (application/zip)"),
    (status = 202, body = ExportPending),
    (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem),
    (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)),
    tag = "privacy", security(("bearer" = [])))]
#[get("/me/export/{id}")]
#[tracing::instrument(skip_all)]
pub async fn fetch(
    state: web::Data<AppState>,
    caller: Resident,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let file = state
        .privacy
        .export_path(&id)
        .ok_or_else(ApiError::not_found)?;
    let job = state
        .store
        .export_job(&id)
        .await?
        .filter(|j| j.account_id == caller.account_id && j.expires_at > chrono::Utc::now())
        .ok_or_else(ApiError::not_found)?;
    match job.state.as_str() {
        "pending" => Ok(pending(&id, job.expires_at, "pending")),
        "ready" => match tokio::fs::read(&file).await {
            Ok(bytes) => Ok(zip(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(ApiError::not_found()),
            Err(e) => Err(anyhow::Error::new(e).context("reading an export").into()),
        },
        _ => Err(ApiError::conflict(
            "export_failed",
            "导出未能完成，请重新申请导出",
            "The export could not be prepared; request a new one",
        )),
    }
}
