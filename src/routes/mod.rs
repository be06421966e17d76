//! Every route, listed in one place.
pub mod admin;
pub mod assets;
pub mod audit_view;
pub mod auth;
pub mod hall;
pub mod health;
pub mod join;
pub mod labels;
pub mod me;
pub mod moderation_words;
pub mod openapi;
pub mod paper;
pub mod privacy;
pub mod projects;
pub mod suggestions;
pub mod topics;
pub mod uploads;

use actix_web::web;

/// A list answer: `{"items": [...]}` (room for paging fields without breaking clients).
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Items<T: utoipa::ToSchema> {
    pub items: Vec<T>,
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(health::healthz)
        .service(health::readyz)
        .service(health::metrics)
        .service(openapi::docs_redirect)
        .service(openapi::swagger())
        .service(
            web::scope("/api/v1")
                // The busiest path first: actix-web tries routes in order.
                .service(suggestions::create::create)
                .service(auth::login::login)
                .service(auth::wechat::wechat_login)
                .service(auth::dev_login::dev_login)
                .service(auth::sms::send)
                .service(auth::sms::login)
                .service(auth::refresh::refresh)
                .service(auth::logout::logout)
                .service(labels::labels)
                .service(me::me)
                .service(join::choose_community)
                .service(join::join_code)
                .service(join::rotate)
                .service(join::qr)
                .service(join::poster)
                .service(join::preview)
                .service(health::queue_status)
                .service(admin::communities::list_communities)
                .service(admin::communities::create_community)
                .service(admin::communities::create_street)
                .service(admin::communities::list_streets)
                .service(moderation_words::community_words)
                .service(moderation_words::set_community_words)
                .service(moderation_words::district_words)
                .service(moderation_words::set_district_words)
                .service(admin::buildings::list_buildings)
                .service(admin::buildings::create_building)
                .service(admin::buildings::show_community)
                .service(admin::buildings::update_settings)
                .service(admin::staff::list_staff)
                .service(admin::staff::create_staff)
                .service(admin::staff::disable_staff)
                .service(admin::staff::enable_staff)
                .service(admin::staff::reset_password)
                .service(admin::staff::assign)
                .service(admin::staff::unassign)
                .service(admin::staff::staff_audit)
                .service(suggestions::review::failed)
                .service(suggestions::withdraw::withdraw)
                .service(suggestions::review::retry)
                .service(suggestions::review::pending)
                .service(suggestions::review::decide)
                .service(suggestions::mine::mine)
                .service(topics::list::list)
                .service(topics::detail::detail)
                .service(topics::similar::similar)
                .service(hall::corrections::edit)
                .service(hall::corrections::status)
                .service(hall::corrections::merge)
                .service(hall::corrections::unmerge)
                .service(hall::corrections::split)
                .service(hall::corrections::move_suggestion)
                .service(hall::corrections::pin)
                .service(hall::corrections::reply)
                .service(hall::photos::set_visibility)
                .service(hall::residents::support)
                .service(hall::residents::unsupport)
                .service(hall::residents::satisfaction)
                .service(hall::notifications::mine)
                .service(hall::notifications::read)
                .service(hall::notifications::templates)
                .service(hall::notifications::subscribe)
                .service(hall::notifications::callbacks)
                .service(hall::notifications::callback_done)
                .service(hall::meetings::create)
                .service(hall::meetings::list)
                .service(hall::meetings::detail)
                .service(hall::meetings::update)
                .service(hall::meetings::set_agenda)
                .service(hall::meetings::decide)
                .service(hall::meetings::add_action)
                .service(hall::meetings::action_done)
                .service(hall::meetings::print)
                .service(hall::meetings::export)
                .service(hall::events::stream)
                .service(hall::stats::stats)
                .service(hall::stats::export)
                .service(projects::organisations::list)
                .service(projects::organisations::applicable)
                .service(projects::organisations::decided_topics)
                .service(projects::organisations::create)
                .service(projects::organisations::detail)
                .service(projects::organisations::update)
                .service(projects::rounds::list)
                .service(projects::rounds::create)
                .service(projects::rounds::detail)
                .service(projects::rounds::advance)
                .service(projects::rounds::reviewers)
                .service(projects::rounds::ranking)
                .service(projects::applications::list)
                .service(projects::applications::my_projects)
                .service(projects::applications::create)
                .service(projects::applications::update)
                .service(projects::applications::withdraw)
                .service(projects::applications::review)
                .service(projects::applications::decide)
                .service(projects::delivery::detail)
                .service(projects::delivery::supervisors)
                .service(projects::delivery::add_milestone)
                .service(projects::delivery::milestone_done)
                .service(projects::delivery::add_activity)
                .service(projects::delivery::add_spending)
                .service(projects::delivery::decide_spending)
                .service(projects::delivery::add_visit)
                .service(projects::delivery::respond_to_visit)
                .service(projects::delivery::evaluate)
                .service(projects::figures::round)
                .service(projects::figures::round_export)
                .service(projects::figures::area)
                .service(projects::figures::area_export)
                .service(projects::figures::report)
                .service(projects::residents::of_topic)
                .service(projects::residents::show)
                .service(projects::residents::sign_up)
                .service(projects::residents::rate)
                .service(uploads::upload)
                .service(uploads::download)
                .service(paper::batches::create)
                .service(paper::batches::list)
                .service(paper::batches::detail)
                .service(paper::batches::close)
                .service(paper::batches::import)
                .service(paper::entries::add)
                .service(paper::entries::correct)
                .service(privacy::profile::show)
                .service(privacy::profile::update)
                .service(privacy::profile::send_code)
                .service(privacy::profile::change_phone)
                .service(privacy::consent::show_notice)
                .service(privacy::consent::show)
                .service(privacy::consent::accept)
                .service(privacy::export::export)
                .service(privacy::export::fetch)
                .service(privacy::erase::preview)
                .service(privacy::erase::erase)
                .service(privacy::persons::erase)
                .service(privacy::access_log::list)
                .service(privacy::access_log::reveal_paper_contact)
                .default_service(web::to(not_found)),
        )
        .service(assets::dashboard)
        .service(assets::mobile)
        .service(assets::favicon)
        .service(assets::static_file)
        .default_service(web::to(not_found));
}

async fn not_found() -> actix_web::HttpResponse {
    use actix_web::ResponseError;
    crate::error::ApiError::not_found().error_response()
}
