//! The deliberation hall: workers' corrections and status workflow, residents' support and
//! satisfaction, meetings, notifications and call-backs, the live event stream and statistics.
pub mod corrections;
pub mod events;
pub mod meetings;
pub mod notifications;
pub mod photos;
pub mod residents;
pub mod stats;
pub mod synonyms;

use crate::auth::caller::Caller;
use crate::domain::ids::TopicId;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::{Edit, TopicRow};
use actix_web::http::StatusCode;
use actix_web::HttpRequest;

/// The `ETag` of a version.
pub fn etag(version: i32) -> String {
    format!("\"{version}\"")
}

/// The version named by `If-Match` (`"5"`, `W/"5"` or `5`); required on edits two workers
/// could race on.
pub fn if_match(req: &HttpRequest) -> ApiResult<i32> {
    let Some(v) = req.headers().get(actix_web::http::header::IF_MATCH) else {
        return Err(ApiError::new(
            StatusCode::PRECONDITION_REQUIRED,
            "if_match_required",
            "请带上议题的版本（If-Match），以免覆盖他人的修改",
            "Send the version you saw in `If-Match` so nobody's change is overwritten",
        ));
    };
    v.to_str()
        .ok()
        .map(|s| s.trim().trim_start_matches("W/").trim_matches('"'))
        .and_then(|s| s.parse::<i32>().ok())
        .ok_or_else(|| {
            ApiError::bad_request(
                "invalid_if_match",
                "If-Match 应为议题的 ETag",
                "`If-Match` must be the ETag you received",
            )
        })
}

pub fn stale() -> ApiError {
    ApiError::new(
        StatusCode::PRECONDITION_FAILED,
        "precondition_failed",
        "其他工作人员刚刚修改了这个议题，请刷新后再操作",
        "Someone else changed this in the meantime; reload and try again",
    )
}

/// The answer of an edit, as HTTP.
pub fn done<T>(e: Edit<T>) -> ApiResult<T> {
    match e {
        Edit::Done(v) => Ok(v),
        Edit::Stale => Err(stale()),
        Edit::NotFound => Err(ApiError::not_found()),
        Edit::Invalid(code) => Err(invalid(code)),
    }
}

pub fn invalid(code: &'static str) -> ApiError {
    let (zh, en) = match code {
        "unknown_topic" => (
            "目标议题不存在或不属于本社区",
            "The other topic does not exist in this community",
        ),
        "topic_merged" => (
            "议题已被合并，请在合并后的议题上操作",
            "The topic has been merged; act on the topic it went into",
        ),
        "not_merged" => ("这个议题没有被合并", "This topic is not merged"),
        "not_a_member" => (
            "所选建议不都属于这个议题",
            "Not all chosen suggestions belong to this topic",
        ),
        "not_grouped" => (
            "这条建议还没有归入议题，或不属于本社区",
            "The suggestion is not grouped in this community",
        ),
        "not_on_agenda" => (
            "议题不在本次议事会的议程上",
            "The topic is not on this meeting's agenda",
        ),
        "not_resolved" => ("议题办结后才能评价", "Only a resolved topic can be rated"),
        "invalid_transition" => (
            "议题当前状态不能这样变更",
            "The topic cannot go to that status from its current one",
        ),
        "phase_closed" => (
            "本轮公益创投当前阶段不能进行这项操作",
            "The funding round's current phase does not allow this",
        ),
        "unknown_organisation" => (
            "所选社会组织不存在或不属于本社区",
            "The organisation does not exist in this community",
        ),
        "not_editable" => (
            "项目已评审决定或已撤回，不能再修改",
            "The application is decided or withdrawn and can no longer change",
        ),
        "over_request" => (
            "资助金额不能超过申请金额",
            "The award cannot exceed the amount requested",
        ),
        "over_pool" => (
            "资助总额将超过本轮资金池",
            "The awards would exceed the round's budget pool",
        ),
        "no_reviewers" => (
            "请先为本轮指定评审专家",
            "Assign the round's reviewers first",
        ),
        "undecided_applications" => (
            "还有申报项目未作出立项决定",
            "Some applications are not decided yet",
        ),
        "unevaluated_projects" => (
            "还有立项项目未完成结项评估",
            "Some funded projects are not evaluated yet",
        ),
        "unknown_line" => (
            "预算科目不存在或不属于本项目",
            "The budget line does not belong to this project",
        ),
        "unknown_upload" => (
            "附件不存在，请重新上传",
            "The upload does not exist; upload it again",
        ),
        "not_pending" => (
            "这笔支出不在待批准状态",
            "This spending is not awaiting approval",
        ),
        "not_funded" => ("项目未立项", "The project is not funded"),
        "milestone_done" => (
            "里程碑不存在或已完成",
            "The milestone does not exist or is already reached",
        ),
        _ => ("操作无法完成", "The request cannot be done"),
    };
    ApiError::conflict(code, zh, en)
}

/// The topic, if the caller may see it (404 otherwise).
pub async fn visible_topic(state: &AppState, caller: &Caller, id: TopicId) -> ApiResult<TopicRow> {
    let t = state
        .store
        .topic(id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    caller.community(t.community_id)?;
    Ok(t)
}

/// The topic as it is now, with its new `ETag`.
pub async fn topic_response(state: &AppState, id: TopicId) -> ApiResult<actix_web::HttpResponse> {
    let t = state
        .store
        .topic(id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let version = t.version;
    Ok(actix_web::HttpResponse::Ok()
        .insert_header((actix_web::http::header::ETAG, etag(version)))
        .json(crate::routes::topics::TopicView::new(t, chrono::Utc::now())))
}

/// A trimmed text of `min..=max` characters.
pub fn text(field: &str, v: &str, min: usize, max: usize) -> ApiResult<String> {
    crate::domain::text::bounded(field, v, min, max).map_err(|e| ApiError::validation(vec![e]))
}

pub fn opt_text(field: &str, v: &Option<String>, max: usize) -> ApiResult<Option<String>> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => text(field, s, 1, max).map(Some),
    }
}
