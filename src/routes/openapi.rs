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
        super::suggestions::review::retry, super::topics::list::list, super::topics::detail::detail, super::topics::similar::similar,
        super::hall::synonyms::list, super::hall::synonyms::decide, super::hall::synonyms::remove,
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
        super::projects::organisations::list,
        super::projects::organisations::applicable,
        super::projects::organisations::decided_topics,
        super::projects::organisations::create,
        super::projects::organisations::detail,
        super::projects::organisations::update,
        super::projects::rounds::list,
        super::projects::rounds::create,
        super::projects::rounds::detail,
        super::projects::rounds::advance,
        super::projects::rounds::reviewers,
        super::projects::rounds::ranking,
        super::projects::applications::list,
        super::projects::applications::my_projects,
        super::projects::applications::create,
        super::projects::applications::update,
        super::projects::applications::withdraw,
        super::projects::applications::review,
        super::projects::applications::decide,
        super::projects::delivery::detail,
        super::projects::delivery::supervisors,
        super::projects::delivery::add_milestone,
        super::projects::delivery::milestone_done,
        super::projects::delivery::add_activity,
        super::projects::delivery::add_spending,
        super::projects::delivery::decide_spending,
        super::projects::delivery::add_visit,
        super::projects::delivery::respond_to_visit,
        super::projects::delivery::evaluate,
        super::projects::figures::round,
        super::projects::figures::round_export,
        super::projects::figures::area,
        super::projects::figures::area_export,
        super::projects::figures::report,
        super::projects::residents::of_topic,
        super::projects::residents::show,
        super::projects::residents::sign_up,
        super::projects::residents::rate,
    ),
    components(schemas(crate::error::Problem, crate::error::FieldError, crate::store::TopicSort)),
    modifiers(&BearerAuth, &ProblemResponses)
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

/// Every error answer is a `Problem` in `application/problem+json`, and every operation lists
/// the errors any request of its kind can meet, besides those its handler names: 401 and 403
/// where it needs a token; 400, 413, 415 and 422 where it takes a body; 400 and 422 where it
/// takes query parameters; 404 where it names anything (path, query or body); 428 where a stale
/// `If-Match` is refused (412); 503 when the database is out of
/// reach (every operation, `/healthz` aside).
struct ProblemResponses;

fn problem(description: &str) -> utoipa::openapi::RefOr<utoipa::openapi::Response> {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    let content = ContentBuilder::new()
        .schema(Some(Ref::from_schema_name("Problem")))
        .build();
    ResponseBuilder::new()
        .description(description)
        .content(PROBLEM_JSON, content)
        .build()
        .into()
}

const PROBLEM_JSON: &str = "application/problem+json";

impl Modify for ProblemResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::ParameterIn;
        use utoipa::openapi::RefOr;
        for (path, item) in openapi.paths.paths.iter_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for op in operations.into_iter().flatten() {
                for (status, response) in op.responses.responses.iter_mut() {
                    let RefOr::T(response) = response else {
                        continue;
                    };
                    let is_problem = response.content.get("application/json").is_some_and(|c| {
                        matches!(&c.schema, Some(RefOr::Ref(r)) if r.ref_location.ends_with("/Problem"))
                    });
                    if status.as_str() >= "400" && is_problem {
                        if let Some(c) = response.content.shift_remove("application/json") {
                            response.content.insert(PROBLEM_JSON.to_string(), c);
                        }
                    }
                }
                let in_ = |w: ParameterIn| {
                    op.parameters.iter().flatten().any(|p| {
                        std::mem::discriminant(&p.parameter_in) == std::mem::discriminant(&w)
                    })
                };
                let (has_path, has_query) = (in_(ParameterIn::Path), in_(ParameterIn::Query));
                let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
                let has_body = op.request_body.is_some();
                let mut add: Vec<(&str, &str)> = Vec::new();
                if secured {
                    add.push(("401", "未登录或登录已过期 / Authentication required"));
                    add.push(("403", "无权执行此操作 / Not allowed"));
                }
                if has_body || has_query {
                    add.push(("400", "请求有误 / Bad request"));
                    add.push(("422", "内容未通过校验 / Validation failed"));
                }
                if has_body {
                    add.push(("413", "内容过大 / Payload too large"));
                    add.push(("415", "内容类型不受支持 / Unsupported media type"));
                }
                if has_path || has_query || has_body {
                    // A path id, or a community, building or topic named in the query or body,
                    // that does not exist or is not the caller's to see.
                    add.push(("404", "未找到 / Not found"));
                }
                if op.responses.responses.contains_key("412") {
                    // Where a stale `If-Match` is refused, a missing one is too.
                    add.push(("428", "缺少 If-Match / If-Match required"));
                }
                if path != "/healthz" {
                    add.push(("503", "服务暂不可用 / Service unavailable"));
                }
                for (status, description) in add {
                    op.responses
                        .responses
                        .entry(status.to_string())
                        .or_insert_with(|| problem(description));
                }
            }
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
    unique_operation_ids(&mut doc);
    doc
}

/// Handlers in different modules share names (`list`, `create`…): an operation id that is not
/// unique gets its path's fixed segments (`erase` of `/api/v1/me` → `erase_me`).
fn unique_operation_ids(doc: &mut utoipa::openapi::OpenApi) {
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let operations = |item: &mut utoipa::openapi::PathItem| {
        [
            item.get.as_mut(),
            item.put.as_mut(),
            item.post.as_mut(),
            item.delete.as_mut(),
            item.patch.as_mut(),
        ]
        .into_iter()
        .flatten()
        .filter_map(|op| op.operation_id.clone())
        .collect::<Vec<_>>()
    };
    for item in doc.paths.paths.values_mut() {
        for id in operations(item) {
            *seen.entry(id).or_default() += 1;
        }
    }
    for (path, item) in doc.paths.paths.iter_mut() {
        let fixed: Vec<&str> = path
            .split('/')
            .filter(|s| !s.is_empty() && !s.starts_with('{') && *s != "api" && *s != "v1")
            .collect();
        let suffix = fixed.join("_").replace(['-', '.'], "_");
        for op in [
            item.get.as_mut(),
            item.put.as_mut(),
            item.post.as_mut(),
            item.delete.as_mut(),
            item.patch.as_mut(),
        ]
        .into_iter()
        .flatten()
        {
            if let Some(id) = op.operation_id.as_mut() {
                if seen.get(id.as_str()).is_some_and(|n| *n > 1) {
                    *id = format!("{id}_{suffix}");
                }
            }
        }
    }
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::collections::BTreeSet;

    /// `a::b::c` names found after `marker` in `src` (`.service(` or a `paths(` list).
    fn handler_names(src: &str) -> BTreeSet<String> {
        src.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .filter(|w| w.contains("::") && !w.ends_with("::"))
            .map(|w| w.trim_start_matches("super::").to_string())
            .collect()
    }

    /// Every handler the service registers is in the document, and every handler the document
    /// names is registered. With utoipa's actix-web integration, a documented handler's path and
    /// method come from its route attribute, so together the two cannot drift.
    #[test]
    fn every_registered_handler_is_documented_and_every_documented_one_is_served() {
        let routes = include_str!("mod.rs");
        let configure = &routes[routes.find("pub fn configure").unwrap()..];
        let configure = &configure[..configure.find("\n}\n").unwrap()];
        let registered: BTreeSet<String> = configure
            .split(".service(")
            .skip(1)
            .map(|s| handler_names(&s[..s.find(')').unwrap_or(s.len())]))
            .flat_map(|names| names.into_iter())
            .filter(|n| {
                !["openapi::", "assets::", "web::"]
                    .iter()
                    .any(|p| n.starts_with(p))
            })
            .collect();
        let doc = include_str!("openapi.rs");
        let paths = &doc[doc.find("paths(").unwrap() + 6..];
        let paths = &paths[..paths.find("),\n    components").unwrap()];
        let documented = handler_names(paths);
        assert!(
            registered.len() > 90,
            "parsed {} handlers",
            registered.len()
        );
        let undocumented: Vec<_> = registered.difference(&documented).collect();
        let unserved: Vec<_> = documented.difference(&registered).collect();
        assert!(
            undocumented.is_empty(),
            "served, not documented: {undocumented:?}"
        );
        assert!(unserved.is_empty(), "documented, not served: {unserved:?}");
    }

    /// Every reference resolves, and operation ids are unique (clients generate code from them).
    #[test]
    fn the_document_is_whole() {
        let doc = serde_json::to_value(super::document()).unwrap();
        let text = doc.to_string();
        let defined = doc["components"]["schemas"].as_object().unwrap();
        for part in text.split("\"#/components/schemas/").skip(1) {
            let name = &part[..part.find('"').unwrap()];
            assert!(
                defined.contains_key(name),
                "{name} is referenced, not defined"
            );
        }
        let mut ids = BTreeSet::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let id = op["operationId"].as_str().unwrap().to_string();
                assert!(ids.insert(id.clone()), "{method} {path}: {id} twice");
                let responses = op["responses"].as_object().unwrap();
                for (status, r) in responses {
                    let problem = r.to_string().contains("#/components/schemas/Problem");
                    if status.as_str() >= "400" && problem {
                        assert!(
                            r["content"].get("application/problem+json").is_some(),
                            "{method} {path} {status}: errors are problem+json"
                        );
                    }
                }
                if op
                    .get("security")
                    .is_some_and(|s| !s.as_array().unwrap().is_empty())
                {
                    assert!(responses.contains_key("401"), "{method} {path}: 401");
                }
            }
        }
    }
}
