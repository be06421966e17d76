//! Buildings (楼栋/单元) of a community: listed for anyone in the community, created by its staff.
use super::audit_of;
use super::communities::{conflict_from, Created};
use crate::auth::caller::{Caller, Worker};
use crate::domain::ids::CommunityId;
use crate::domain::text;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::BuildingRow;
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;

#[utoipa::path(params(("id" = i64, Path)), responses((status = 200, body = crate::routes::Items<BuildingRow>), (status = 404, body = crate::error::Problem)), tag = "communities", security(("bearer" = [])))]
#[get("/communities/{id}/buildings")]
pub async fn list_buildings(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<CommunityId>,
) -> ApiResult<HttpResponse> {
    let community = caller.community(path.into_inner())?;
    let rows = state.store.buildings(community).await?;
    Ok(HttpResponse::Ok().json(crate::routes::Items { items: rows }))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewBuilding {
    pub name: String,
}

#[utoipa::path(params(("id" = i64, Path)), request_body = NewBuilding, responses((status = 201, body = Created), (status = 404, body = crate::error::Problem), (status = 409, description = "楼栋已存在 / A building of that name exists", body = crate::error::Problem)), tag = "communities", security(("bearer" = [])))]
#[post("/communities/{id}/buildings")]
pub async fn create_building(
    state: web::Data<AppState>,
    worker: Worker,
    req: HttpRequest,
    path: web::Path<CommunityId>,
    body: web::Json<NewBuilding>,
) -> ApiResult<HttpResponse> {
    let community = worker.community(path.into_inner())?;
    let name = text::name("name", &body.name).map_err(|e| ApiError::validation(vec![e]))?;
    let id = state
        .store
        .create_building(community, &name, &audit_of(&worker, &req, None))
        .await
        .map_err(conflict_from)?;
    Ok(HttpResponse::Created().json(Created { id: id.0 }))
}

/// A community as its members see it.
#[utoipa::path(params(("id" = i64, Path)), responses((status = 200, body = crate::store::CommunityRow), (status = 404, body = crate::error::Problem)), tag = "communities", security(("bearer" = [])))]
#[get("/communities/{id}")]
pub async fn show_community(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<CommunityId>,
) -> ApiResult<HttpResponse> {
    let id = caller.community(path.into_inner())?;
    let row = state
        .store
        .community(id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(HttpResponse::Ok().json(row))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct CommunitySettings {
    /// Hold every suggestion for review before it is grouped.
    pub premoderate: bool,
}

#[utoipa::path(params(("id" = i64, Path)), request_body = CommunitySettings, responses((status = 204), (status = 404, body = crate::error::Problem)), tag = "communities", security(("bearer" = [])))]
#[patch("/communities/{id}/settings")]
pub async fn update_settings(
    state: web::Data<AppState>,
    worker: Worker,
    req: HttpRequest,
    path: web::Path<CommunityId>,
    body: web::Json<CommunitySettings>,
) -> ApiResult<HttpResponse> {
    let id = worker.community(path.into_inner())?;
    state
        .store
        .set_premoderate(id, body.premoderate, &audit_of(&worker, &req, None))
        .await?;
    state
        .premoderation
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clear();
    Ok(HttpResponse::NoContent().finish())
}
