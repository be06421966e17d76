//! Admins create and list the communities (and streets) of their district or street.
use super::audit_of;
use crate::auth::caller::Admin;
use crate::domain::ids::{CommunityId, StreetId};
use crate::domain::text;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::{AdminArea, CommunityRow, UniqueViolation};
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

fn area(admin: &Admin) -> ApiResult<AdminArea> {
    admin.admin_area.ok_or_else(ApiError::forbidden)
}

/// A unique violation from creating an area or an account becomes 409 `already_exists`, told
/// in words: the constraint's name is for logs, never for people.
pub fn conflict_from(e: anyhow::Error) -> ApiError {
    match e.downcast_ref::<UniqueViolation>() {
        Some(u) => {
            let (zh, en) = already_exists(u.constraint);
            ApiError::conflict("already_exists", zh, en)
        }
        None => ApiError::Unexpected(e),
    }
}

/// What each unique key the admin routes can violate means, in Chinese and English.
fn already_exists(constraint: &str) -> (&'static str, &'static str) {
    match constraint {
        "street_name_key" => (
            "该区已有同名街道",
            "A street of this name already exists in this district",
        ),
        "community_name_key" => (
            "该街道已有同名社区",
            "A community of this name already exists in this street",
        ),
        "building_name_key" => (
            "该社区已有同名楼栋",
            "A building of this name already exists in this community",
        ),
        "account_username_key" => ("该用户名已被使用", "This username is already taken"),
        "organisation_name_key" => (
            "本社区已有同名社会组织",
            "An organisation of this name already exists in this community",
        ),
        _ => ("已存在同名记录", "A record of this name already exists"),
    }
}

#[utoipa::path(responses((status = 200, body = crate::routes::Items<CommunityRow>)), tag = "admin", security(("bearer" = [])))]
#[get("/admin/communities")]
pub async fn list_communities(state: web::Data<AppState>, admin: Admin) -> ApiResult<HttpResponse> {
    let rows = state.store.communities_in(area(&admin)?).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": rows })))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewCommunity {
    pub street_id: StreetId,
    pub name: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Created {
    pub id: i64,
}

#[utoipa::path(request_body = NewCommunity, responses((status = 201, body = Created), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)), tag = "admin", security(("bearer" = [])))]
#[post("/admin/communities")]
pub async fn create_community(
    state: web::Data<AppState>,
    admin: Admin,
    req: HttpRequest,
    body: web::Json<NewCommunity>,
) -> ApiResult<HttpResponse> {
    let name = text::name("name", &body.name).map_err(|e| ApiError::validation(vec![e]))?;
    let street = state
        .store
        .street(body.street_id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let allowed = match area(&admin)? {
        AdminArea::District(d) => street.district_id == d,
        AdminArea::Street(s) => street.street_id == s,
    };
    if !allowed {
        return Err(ApiError::not_found());
    }
    let id: CommunityId = state
        .store
        .create_community(street.street_id, &name, &audit_of(&admin, &req, None))
        .await
        .map_err(conflict_from)?;
    state.sessions.clear();
    Ok(HttpResponse::Created().json(Created { id: id.0 }))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct StreetList {
    pub items: Vec<crate::store::StreetRow>,
}

/// The streets an admin may add communities to (a district admin: the district's; a street
/// admin: their own), so a community is created by choosing its street by name.
#[utoipa::path(responses((status = 200, body = StreetList), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem)), tag = "admin", security(("bearer" = [])))]
#[get("/admin/streets")]
pub async fn list_streets(state: web::Data<AppState>, admin: Admin) -> ApiResult<HttpResponse> {
    let items = state.store.streets_in(area(&admin)?).await?;
    Ok(HttpResponse::Ok().json(StreetList { items }))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewStreet {
    pub name: String,
}

/// District admins add streets/towns to their district.
#[utoipa::path(request_body = NewStreet, responses((status = 201, body = Created)), tag = "admin", security(("bearer" = [])))]
#[post("/admin/streets")]
pub async fn create_street(
    state: web::Data<AppState>,
    admin: Admin,
    req: HttpRequest,
    body: web::Json<NewStreet>,
) -> ApiResult<HttpResponse> {
    let name = text::name("name", &body.name).map_err(|e| ApiError::validation(vec![e]))?;
    let AdminArea::District(d) = area(&admin)? else {
        return Err(ApiError::forbidden());
    };
    let id = state
        .store
        .create_street(d, &name, &audit_of(&admin, &req, None))
        .await
        .map_err(conflict_from)?;
    state.sessions.clear();
    Ok(HttpResponse::Created().json(Created { id: id.0 }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::unique;

    #[test]
    fn a_conflict_is_told_in_words_never_by_the_constraint_name() {
        let keys = [
            &unique::STREET_NAME,
            &unique::COMMUNITY_NAME,
            &unique::BUILDING_NAME,
            &unique::ACCOUNT_USERNAME,
            &unique::ACCOUNT_PHONE,
        ];
        let mut messages = std::collections::HashSet::new();
        for key in keys {
            let e = anyhow::Error::new(UniqueViolation {
                constraint: key.name,
            });
            let ApiError::Problem { code, zh, en, .. } = conflict_from(e) else {
                panic!("{} became a 500", key.name);
            };
            assert_eq!(code, "already_exists");
            assert!(
                !zh.contains(key.name) && !en.contains(key.name),
                "{zh} / {en}"
            );
            assert!(!zh.contains("_key") && !en.contains("_key"), "{zh} / {en}");
            assert!(
                zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{zh}"
            );
            messages.insert(zh);
        }
        // Each key the admin routes can violate has its own words; others share the fallback.
        assert_eq!(messages.len(), keys.len());
        let other = conflict_from(anyhow::anyhow!("disk full"));
        assert!(matches!(other, ApiError::Unexpected(_)));
    }
}
