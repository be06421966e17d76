//! Joining a community by its QR code. Staff print the community's poster for the notice board
//! (`GET /communities/{id}/join-poster`, the QR code drawn here as SVG); the code links to
//! `/m/?c=<code>` (and the mini-program reads the same value as its `scene`). A resident joins
//! with `PUT /me/community {code}`; a bare community number is not enough.
use super::admin::audit_of;
use crate::auth::caller::{Admin, Resident, Staff};
use crate::auth::join_code::JoinCodes;
use crate::domain::ids::CommunityId;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::CommunityRow;
use actix_web::http::StatusCode;
use actix_web::{get, post, put, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

/// A community's join code and the link its QR code carries.
#[derive(Serialize, utoipa::ToSchema)]
pub struct JoinCodeView {
    pub community_id: CommunityId,
    pub name: String,
    pub street_name: String,
    /// The signed value: `?c=` of the link, and the mini-program's `scene`.
    pub code: String,
    /// The link in the QR code (absolute, as this server is reached).
    pub url: String,
}

/// The community a code leads to (what a resident is asked to confirm).
#[derive(Serialize, utoipa::ToSchema)]
pub struct JoinPreview {
    pub community_id: CommunityId,
    pub name: String,
    pub street_name: String,
}

fn invalid_code() -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_join_code",
        "二维码无效或已更换，请扫描社区最新张贴的二维码",
        "This code is not valid (or the poster was replaced); scan the community's current QR code",
    )
}

/// The community of a valid code.
async fn community_of_code(state: &AppState, code: &str) -> ApiResult<CommunityRow> {
    let community = JoinCodes::community_of(code).ok_or_else(invalid_code)?;
    let epoch = state
        .store
        .join_epoch(community)
        .await?
        .ok_or_else(invalid_code)?;
    if !state.join_codes.verify(code, epoch) {
        return Err(invalid_code());
    }
    state
        .store
        .community(community)
        .await?
        .ok_or_else(invalid_code)
}

/// The absolute base of this server as the caller reached it (scheme and host, forwarded
/// headers included), for the link printed on a poster.
fn base_url(req: &HttpRequest) -> String {
    let ci = req.connection_info();
    format!("{}://{}", ci.scheme(), ci.host())
}

async fn code_view(
    state: &AppState,
    req: &HttpRequest,
    c: CommunityRow,
) -> ApiResult<JoinCodeView> {
    let epoch = state
        .store
        .join_epoch(c.community_id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let code = state.join_codes.sign(c.community_id, epoch);
    Ok(JoinCodeView {
        url: format!("{}/m/?c={code}", base_url(req)),
        community_id: c.community_id,
        name: c.name,
        street_name: c.street_name,
        code,
    })
}

async fn staff_community(state: &AppState, staff: &Staff, id: i64) -> ApiResult<CommunityRow> {
    let id = staff.community(CommunityId(id))?;
    state
        .store
        .community(id)
        .await?
        .ok_or_else(ApiError::not_found)
}

/// The community's join code and link (for its poster), for staff of the community.
#[utoipa::path(params(("id" = i64, Path)), responses((status = 200, body = JoinCodeView), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)), tag = "communities", security(("bearer" = [])))]
#[get("/communities/{id}/join-code")]
pub async fn join_code(
    state: web::Data<AppState>,
    staff: Staff,
    req: HttpRequest,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let c = staff_community(&state, &staff, path.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(code_view(&state, &req, c).await?))
}

/// A new poster: codes printed before stop working (for a poster that was torn off or copied
/// where it should not be). Admins of the community's area; audited.
#[utoipa::path(params(("id" = i64, Path)), responses((status = 200, body = JoinCodeView), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)), tag = "communities", security(("bearer" = [])))]
#[post("/communities/{id}/join-code/rotate")]
pub async fn rotate(
    state: web::Data<AppState>,
    admin: Admin,
    req: HttpRequest,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = admin.community(CommunityId(path.into_inner()))?;
    let c = state
        .store
        .community(id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    state
        .store
        .rotate_join_code(id, &audit_of(&admin, &req, None))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(code_view(&state, &req, c).await?))
}

/// The QR code of `text` as an SVG element (no XML declaration), named for screen readers.
pub fn qr_svg(text: &str, label: &str) -> ApiResult<String> {
    use qrcode::render::svg;
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| anyhow::anyhow!("drawing the QR code: {e}"))?;
    let image = code
        .render::<svg::Color>()
        .min_dimensions(320, 320)
        .quiet_zone(true)
        .build();
    let start = image.find("<svg").unwrap_or(0);
    Ok(image[start..].replacen(
        "<svg ",
        &format!("<svg role=\"img\" aria-label=\"{}\" ", esc(label)),
        1,
    ))
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// The QR code alone, as an SVG image.
#[utoipa::path(params(("id" = i64, Path)), responses((status = 200, content_type = "image/svg+xml", description = "the QR code of the join link"), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)), tag = "communities", security(("bearer" = [])))]
#[get("/communities/{id}/join-qr.svg")]
pub async fn qr(
    state: web::Data<AppState>,
    staff: Staff,
    req: HttpRequest,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let c = staff_community(&state, &staff, path.into_inner()).await?;
    let v = code_view(&state, &req, c).await?;
    let svg = qr_svg(&v.url, &format!("加入{}的二维码", v.name))?;
    Ok(HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header(("cache-control", "no-store"))
        .insert_header((
            "content-disposition",
            format!("inline; filename=\"join-{}.svg\"", v.community_id),
        ))
        .body(format!("<?xml version=\"1.0\" encoding=\"utf-8\"?>{svg}")))
}

/// The printable poster for the notice board: the community's name, what residents can do, the
/// QR code and its link, in Chinese (A4, large type).
#[utoipa::path(params(("id" = i64, Path)), responses((status = 200, content_type = "text/html", description = "the printable poster"), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)), tag = "communities", security(("bearer" = [])))]
#[get("/communities/{id}/join-poster")]
pub async fn poster(
    state: web::Data<AppState>,
    staff: Staff,
    req: HttpRequest,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let c = staff_community(&state, &staff, path.into_inner()).await?;
    let v = code_view(&state, &req, c).await?;
    let svg = qr_svg(&v.url, &format!("加入{}的二维码", v.name))?;
    let name = esc(&v.name);
    let street = esc(&v.street_name);
    let html = format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
<title>{name} · 居民议事厅二维码</title><style>\
@page{{size:A4;margin:18mm}}body{{font:20px/1.6 \"PingFang SC\",\"Microsoft YaHei\",\"Noto Sans CJK SC\",sans-serif;color:#111;text-align:center;margin:0}}\
main{{max-width:170mm;margin:0 auto;padding:8mm 0}}h1{{font-size:40px;margin:0 0 4px}}.street{{font-size:22px;color:#333;margin:0 0 16px}}\
.lead{{font-size:28px;font-weight:700;margin:10px 0}}ol{{text-align:left;display:inline-block;font-size:22px;margin:8px 0 16px}}\
.qr svg{{width:110mm;height:110mm}}.link{{font-family:monospace;font-size:15px;word-break:break-all;color:#333}}\
footer{{margin-top:14px;font-size:16px;color:#444}}@media print{{.noprint{{display:none}}}}</style></head><body><main>\
<h1>{name}</h1><p class=\"street\">{street}</p>\
<p class=\"lead\">扫一扫，参与社区议事</p>\
<ol><li>用微信或手机相机扫描下面的二维码</li><li>确认加入本社区，提出您的建议、支持关心的议题</li><li>随时查看建议的办理进展</li></ol>\
<div class=\"qr\">{svg}</div>\
<p class=\"link\">{link}</p>\
<footer>民意 · 居民议事厅　共同参与、共同协商、共同解决</footer></main></body></html>",
        link = esc(&v.url),
    );
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("cache-control", "no-store"))
        .insert_header((
            "content-security-policy",
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
        ))
        .body(html))
}

/// Which community a code leads to, so the resident can confirm before joining (no login
/// needed: the code is what the poster shows anyway).
#[utoipa::path(params(("code" = String, Path)), responses((status = 200, body = JoinPreview), (status = 422, body = crate::error::Problem)), tag = "communities")]
#[get("/join-codes/{code}")]
pub async fn preview(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let c = community_of_code(&state, &path).await?;
    Ok(HttpResponse::Ok().json(JoinPreview {
        community_id: c.community_id,
        name: c.name,
        street_name: c.street_name,
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ChooseCommunity {
    /// The community's join code, from its QR code (`?c=` of the link, or the mini-program's
    /// scene).
    pub code: Option<String>,
    /// Not accepted on its own: a resident joins a community through its code.
    pub community_id: Option<CommunityId>,
}

/// A resident joins (or moves to) the community of a join code. A bare `community_id` is
/// refused (`join_code_required`): residents join the community whose poster they scanned.
#[utoipa::path(request_body = ChooseCommunity, responses((status = 200, body = JoinPreview), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), tag = "accounts", security(("bearer" = [])))]
#[put("/me/community")]
pub async fn choose_community(
    state: web::Data<AppState>,
    caller: Resident,
    req: HttpRequest,
    body: web::Json<ChooseCommunity>,
) -> ApiResult<HttpResponse> {
    let Some(code) = body.code.as_deref().filter(|c| !c.trim().is_empty()) else {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "join_code_required",
            "请扫描社区张贴的二维码加入社区",
            "Join a community by scanning the QR code on its notice board (send its `code`)",
        ));
    };
    let c = community_of_code(&state, code).await?;
    state
        .store
        .join_community(
            caller.account_id,
            c.community_id,
            &audit_of(&caller, &req, Some("扫描社区二维码加入".into())),
        )
        .await?;
    state.sessions.clear();
    Ok(HttpResponse::Ok().json(JoinPreview {
        community_id: c.community_id,
        name: c.name,
        street_name: c.street_name,
    }))
}

/// The community a code names, for the login routes (SMS): `None` for a missing code, an
/// error for an invalid one.
pub async fn community_for_login(
    state: &AppState,
    code: Option<&str>,
) -> ApiResult<Option<CommunityId>> {
    match code.map(str::trim).filter(|c| !c.is_empty()) {
        None => Ok(None),
        Some(c) => Ok(Some(community_of_code(state, c).await?.community_id)),
    }
}
