//! The OpenAPI document, generated from the handlers, and the docs page from embedded assets.
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

#[derive(OpenApi)]
#[openapi(
    info(title = "minyi 民意 API", description = "居民议事厅：收集、归类、协商、反馈。Residents' deliberation hall API."),
    paths(
        super::health::healthz, super::health::readyz, super::health::metrics, super::health::queue_status,
        super::auth::login::login, super::auth::wechat::wechat_login, super::auth::dev_login::dev_login,
        super::auth::sms::send, super::auth::sms::login,
        super::auth::refresh::refresh, super::auth::logout::logout,
        super::labels::labels, super::me::me, super::join::choose_community,
        super::join::join_code, super::join::rotate, super::join::qr, super::join::poster, super::join::preview,
        super::admin::communities::list_communities, super::admin::communities::create_community,
        super::admin::communities::create_street, super::admin::communities::list_streets,
        super::moderation_words::community_words, super::moderation_words::set_community_words,
        super::moderation_words::district_words, super::moderation_words::set_district_words,
        super::admin::buildings::list_buildings, super::admin::buildings::create_building,
        super::admin::buildings::show_community, super::admin::buildings::update_settings,
        super::admin::staff::list_staff, super::admin::staff::create_staff, super::admin::staff::disable_staff,
        super::admin::staff::enable_staff, super::admin::staff::reset_password, super::admin::staff::assign,
        super::admin::staff::unassign, super::admin::staff::staff_audit,
        super::suggestions::create::create, super::suggestions::mine::mine, super::suggestions::withdraw::withdraw,
        super::suggestions::review::pending, super::suggestions::review::decide, super::suggestions::review::failed,
        super::suggestions::review::retry, super::topics::list::list, super::topics::detail::detail,
        super::hall::corrections::edit, super::hall::corrections::status, super::hall::corrections::merge,
        super::hall::corrections::unmerge, super::hall::corrections::split, super::hall::corrections::move_suggestion,
        super::hall::corrections::pin, super::hall::corrections::reply, super::hall::photos::set_visibility,
        super::hall::residents::support, super::hall::residents::unsupport, super::hall::residents::satisfaction,
        super::hall::notifications::mine, super::hall::notifications::read, super::hall::notifications::templates,
        super::hall::notifications::subscribe, super::hall::notifications::callbacks, super::hall::notifications::callback_done,
        super::hall::meetings::create, super::hall::meetings::list, super::hall::meetings::detail, super::hall::meetings::update,
        super::hall::meetings::set_agenda, super::hall::meetings::decide, super::hall::meetings::add_action,
        super::hall::meetings::action_done, super::hall::meetings::print, super::hall::meetings::export,
        super::hall::events::stream, super::hall::stats::stats, super::hall::stats::export, super::uploads::upload, super::uploads::download,
        super::paper::batches::create, super::paper::batches::list, super::paper::batches::detail,
        super::paper::batches::close, super::paper::batches::import, super::paper::entries::add, super::paper::entries::correct,
        super::privacy::profile::show, super::privacy::profile::update, super::privacy::profile::send_code,
        super::privacy::profile::change_phone, super::privacy::consent::show_notice, super::privacy::consent::show,
        super::privacy::consent::accept, super::privacy::export::export, super::privacy::export::fetch,
        super::privacy::erase::preview, super::privacy::erase::erase, super::privacy::persons::erase,
        super::privacy::access_log::list, super::privacy::access_log::reveal_paper_contact,
    ),
    components(schemas(crate::error::Problem, crate::error::FieldError)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(
                "bearer",
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .bearer_format("JWT")
                        .build(),
                ),
            );
            // `/metrics` behind `http.metrics_token`.
            components.add_security_scheme(
                "metrics_token",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }
}

/// The document with API paths under `/api/v1` (handlers are declared relative to that scope).
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    let paths = std::mem::take(&mut doc.paths.paths);
    for (path, item) in paths {
        let full = if ["/healthz", "/readyz", "/metrics"].contains(&path.as_str()) {
            path
        } else {
            format!("/api/v1{path}")
        };
        doc.paths.paths.insert(full, item);
    }
    doc
}

pub fn swagger() -> SwaggerUi {
    SwaggerUi::new("/api/docs/{_:.*}").url("/api/v1/openapi.json", document())
}

/// `GET /api/docs` (the fixed name) leads to the docs page.
#[actix_web::get("/api/docs")]
pub async fn docs_redirect() -> actix_web::HttpResponse {
    actix_web::HttpResponse::PermanentRedirect()
        .insert_header(("location", "/api/docs/"))
        .finish()
}
