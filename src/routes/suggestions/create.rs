//! Residents post a suggestion. The suggestion and its outbox row commit together, then the
//! answer is `202` with the id; a retry with the same client id or `Idempotency-Key` returns
//! the original answer, also when the retries race each other.
use super::Accepted;
use crate::auth::caller::Caller;
use crate::domain::ids::{BuildingId, CommunityId};
use crate::domain::role::Role;
use crate::domain::text::{bounded, check, SuggestionText, SuggestionTitle};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::state::AppState;
use crate::store::{CreateOutcome, NewSuggestion};
use actix_web::http::StatusCode;
use actix_web::{post, web, HttpRequest, HttpResponse};
use serde::Deserialize;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewSuggestionRequest {
    /// The client's own id for this suggestion (or send an `Idempotency-Key` header).
    pub client_id: Option<String>,
    pub text: String,
    pub title: Option<String>,
    pub building_id: Option<BuildingId>,
    pub place: Option<String>,
    pub category: Option<String>,
    #[serde(default)]
    pub photo_ids: Vec<String>,
    /// Whether other residents may see the author's name.
    #[serde(default)]
    pub show_name: bool,
    /// Assist mode: a volunteer or worker enters this for a resident beside them.
    pub on_behalf: Option<OnBehalf>,
    /// Assist mode: the community (defaults to the staff member's first community).
    pub community_id: Option<CommunityId>,
    /// Where a resident posts from: `mini_program` (the WeChat mini-program) or `h5` (the
    /// mobile web version `/m/`). Default: `mini_program` for residents who log in with WeChat,
    /// `h5` for those who log in by phone.
    pub channel: Option<String>,
}

/// The resident a volunteer posts for; their consent must be given (and is recorded).
#[derive(Deserialize, utoipa::ToSchema)]
pub struct OnBehalf {
    pub name: Option<String>,
    pub phone: Option<String>,
    #[serde(default)]
    pub consent: bool,
}

/// The idempotency key of a creating request: the body's client id, else the header.
pub fn idempotency_key(req: &HttpRequest, client_id: Option<&str>) -> ApiResult<String> {
    let header = req
        .headers()
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok());
    let key = client_id.or(header).map(str::trim).unwrap_or_default();
    if key.is_empty() {
        return Err(ApiError::bad_request(
            "idempotency_key_required",
            "请提供客户端生成的编号（client_id）或 Idempotency-Key，以免重复提交",
            "Send a client-generated `client_id` or an `Idempotency-Key` header so retries are safe",
        ));
    }
    if key.len() > 100 || !key.chars().all(|c| c.is_ascii_graphic()) {
        return Err(ApiError::field(
            "client_id",
            "invalid_key",
            "编号须为 1–100 个可见 ASCII 字符 / 1–100 visible ASCII characters",
        ));
    }
    Ok(key.to_string())
}

/// Check optional fields shared by residents' and paper suggestions.
pub async fn check_place(
    state: &AppState,
    community: CommunityId,
    building: Option<BuildingId>,
    errors: &mut Vec<FieldError>,
) -> ApiResult<()> {
    if let Some(b) = building {
        let known = state
            .store
            .buildings(community)
            .await?
            .iter()
            .any(|x| x.building_id == b);
        if !known {
            errors.push(FieldError {
                field: "building_id".into(),
                code: "unknown_building".into(),
                message: "本社区没有这个楼栋 / no such building in this community".into(),
            });
        }
    }
    Ok(())
}

/// At most `intake.max_photos` photos, each an upload of the caller's own.
async fn check_photos(
    state: &AppState,
    account: crate::domain::ids::AccountId,
    photo_ids: &[String],
    errors: &mut Vec<FieldError>,
) -> ApiResult<()> {
    let max_photos = state.settings.intake.max_photos;
    if photo_ids.len() > max_photos {
        errors.push(FieldError {
            field: "photo_ids".into(),
            code: "too_many_photos".into(),
            message: format!("最多 {max_photos} 张照片 / at most {max_photos} photos"),
        });
    }
    for id in photo_ids {
        let mine = state
            .store
            .upload(id)
            .await?
            .is_some_and(|u| u.account_id == account);
        if !mine {
            errors.push(FieldError {
                field: "photo_ids".into(),
                code: "unknown_upload".into(),
                message: "照片不存在或不属于您 / unknown photo".into(),
            });
        }
    }
    Ok(())
}

pub fn optional(
    field: &str,
    value: &Option<String>,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => None,
        Some(v) => bounded(field, v, 1, max).map_err(|e| errors.push(e)).ok(),
    }
}

/// A suggestion's text (`SuggestionText`), collecting its error.
pub fn text(value: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    SuggestionText::parse(value)
        .map(SuggestionText::into_string)
        .map_err(|e| errors.push(e))
        .ok()
}

/// A suggestion's optional title (`SuggestionTitle`), collecting its error.
pub fn title(value: &Option<String>, errors: &mut Vec<FieldError>) -> Option<String> {
    SuggestionTitle::parse(value.as_deref())
        .map_err(|e| errors.push(e))
        .ok()
        .flatten()
        .map(SuggestionTitle::into_string)
}

/// WeChat's content check for residents who logged in with WeChat. When it cannot answer, the
/// suggestion is held for a person to review rather than refused or passed unchecked.
async fn wechat_check(
    state: &AppState,
    account: crate::domain::ids::AccountId,
    text: &str,
    title: Option<&str>,
) -> ApiResult<Option<String>> {
    let openid = state
        .store
        .account(account)
        .await?
        .and_then(|a| a.wechat_openid)
        .filter(|o| !o.starts_with("dev:"));
    let Some(openid) = openid else {
        return Ok(None);
    };
    let content = format!("{} {}", title.unwrap_or_default(), text);
    Ok(
        match state.wechat.msg_sec_check(&openid, content.trim()).await {
            Ok(v) if v.suggest == "pass" => None,
            Ok(v) => Some(crate::intake::moderation::held_by_wechat(v.label)),
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "msgSecCheck unavailable; holding for review");
                Some(crate::intake::moderation::held_check_down())
            }
        },
    )
}

/// The channel of a resident's post: the one the client names (`mini_program` or `h5`), else
/// the one of the way the resident logs in (WeChat: the mini-program; phone: the mobile web).
fn resident_channel(
    caller: &Caller,
    asked: Option<&str>,
    errors: &mut Vec<FieldError>,
) -> &'static str {
    match asked.map(str::trim) {
        Some("mini_program") => "mini_program",
        Some("h5") => "h5",
        Some(_) => {
            errors.push(FieldError {
                field: "channel".into(),
                code: "invalid_choice".into(),
                message: "渠道应为小程序（mini_program）或手机网页（h5） / mini_program or h5"
                    .into(),
            });
            "mini_program"
        }
        None => {
            if caller.wechat {
                "mini_program"
            } else {
                "h5"
            }
        }
    }
}

pub fn rate_limit(state: &AppState, req: &HttpRequest, account: &str) -> ApiResult<()> {
    if let Err(wait) = state.limits.per_account.check(account) {
        return Err(ApiError::too_many(wait));
    }
    let ip = req
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default();
    if let Err(wait) = state.limits.per_ip.check(&ip) {
        return Err(ApiError::too_many(wait));
    }
    Ok(())
}

#[utoipa::path(request_body = NewSuggestionRequest, params(("Idempotency-Key" = Option<String>, Header)),
    responses((status = 202, body = Accepted), (status = 400, body = crate::error::Problem), (status = 422, body = crate::error::Problem), (status = 429, body = crate::error::Problem)),
    tag = "suggestions", security(("bearer" = [])))]
#[post("/suggestions")]
#[tracing::instrument(skip_all)]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: web::Json<NewSuggestionRequest>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    if b.on_behalf.is_some() {
        return create_for_resident(state, caller, req, b).await;
    }
    if caller.role != Role::Resident {
        return Err(ApiError::forbidden());
    }
    let key = idempotency_key(&req, b.client_id.as_deref())?;
    let community = *caller.communities.first().ok_or_else(|| {
        ApiError::conflict(
            "community_required",
            "请先选择您所在的社区",
            "Choose your community first (PUT /api/v1/me/community)",
        )
    })?;
    rate_limit(&state, &req, &format!("account:{}", caller.account_id))?;
    let mut errors = Vec::new();
    let text = text(&b.text, &mut errors);
    let title = title(&b.title, &mut errors);
    let place = optional("place", &b.place, 100, &mut errors);
    let category = optional("category", &b.category, 32, &mut errors);
    check_place(&state, community, b.building_id, &mut errors).await?;
    check_photos(&state, caller.account_id, &b.photo_ids, &mut errors).await?;
    let channel = resident_channel(&caller, b.channel.as_deref(), &mut errors);
    check(errors)?;
    let text = text.ok_or_else(|| ApiError::field("text", "required", "必填 / required"))?;
    let premoderate = state.premoderates(community).await?;
    let words = state
        .community_words
        .get(&state.store, &state.words, community)
        .await?;
    let mut hold =
        crate::intake::moderation::hold_reason(&words, premoderate, &text, title.as_deref());
    if hold.is_none() && state.settings.intake.wechat_msg_sec_check {
        hold = wechat_check(&state, caller.account_id, &text, title.as_deref()).await?;
    }
    let hash = crate::intake::request_hash(&serde_json::json!([
        text,
        title,
        b.building_id,
        place,
        category,
        b.photo_ids,
        b.show_name
    ]));
    let new = NewSuggestion {
        community_id: community,
        client_id: key,
        request_hash: hash,
        channel,
        author_account_id: Some(caller.account_id),
        author_person: None,
        entered_by: None,
        hold_for_review: hold,
        title,
        body: text,
        building_id: b.building_id,
        place,
        category,
        show_author: b.show_name,
        paper_batch_id: None,
        paper_serial: None,
        photo_ids: b.photo_ids,
        consent_by_resident: false,
    };
    accepted(state.intake.create(new).await?)
}

/// `202` for a new or re-sent suggestion; `422` when the key was used for other content.
pub fn accepted(outcome: CreateOutcome) -> ApiResult<HttpResponse> {
    match outcome {
        CreateOutcome::Created(s) | CreateOutcome::Existing(s) => Ok(HttpResponse::Accepted()
            .json(Accepted {
                id: s.suggestion_id,
                state: s.state,
                created_at: s.created_at,
            })),
        CreateOutcome::KeyConflict(_) => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "这个编号已用于另一条内容不同的建议",
            "This client id / Idempotency-Key was already used for different content",
        )),
    }
}

/// Assist mode: a volunteer (or worker) posts for a resident beside them, with the resident's
/// consent. Recorded like a paper form: authored by a person record, entered by the volunteer,
/// consent in the suggestion and in the audit log; idempotent per volunteer and client id.
async fn create_for_resident(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    mut b: NewSuggestionRequest,
) -> ApiResult<HttpResponse> {
    if !matches!(caller.role, Role::Volunteer | Role::Worker | Role::Admin) {
        return Err(ApiError::forbidden());
    }
    let on_behalf = b.on_behalf.take().ok_or_else(ApiError::forbidden)?;
    if !on_behalf.consent {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "consent_required",
            "代居民提交前须征得本人同意，请勾选“居民已同意”",
            "Assisted posting needs the resident's consent (on_behalf.consent = true)",
        ));
    }
    let key = idempotency_key(&req, b.client_id.as_deref())?;
    let community = match b.community_id {
        Some(c) => caller.community(c)?,
        None => *caller.communities.first().ok_or_else(ApiError::forbidden)?,
    };
    rate_limit(&state, &req, &format!("account:{}", caller.account_id))?;
    let mut errors = Vec::new();
    let text = text(&b.text, &mut errors);
    let title = title(&b.title, &mut errors);
    let place = optional("place", &b.place, 100, &mut errors);
    let category = optional("category", &b.category, 32, &mut errors);
    let name = optional("on_behalf.name", &on_behalf.name, 32, &mut errors);
    let phone = match on_behalf
        .phone
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        None => None,
        Some(p) => {
            let digits: String = p.chars().filter(char::is_ascii_digit).collect();
            let shape_ok = p.chars().all(|c| c.is_ascii_digit() || " -+".contains(c));
            if shape_ok && (7..=15).contains(&digits.len()) {
                Some(digits)
            } else {
                errors.push(FieldError {
                    field: "on_behalf.phone".into(),
                    code: "invalid_phone".into(),
                    message: "电话号码格式有误 / malformed phone number".into(),
                });
                None
            }
        }
    };
    check_place(&state, community, b.building_id, &mut errors).await?;
    check_photos(&state, caller.account_id, &b.photo_ids, &mut errors).await?;
    // Entered in the mini-program's assist page, or at a desk on the web (`h5`).
    let channel = match b.channel.as_deref().map(str::trim) {
        None | Some("mini_program") => "mini_program",
        Some("h5") => "h5",
        Some(_) => {
            errors.push(FieldError {
                field: "channel".into(),
                code: "invalid_choice".into(),
                message: "渠道应为小程序（mini_program）或网页（h5） / mini_program or h5".into(),
            });
            "mini_program"
        }
    };
    check(errors)?;
    let text = text.ok_or_else(|| ApiError::field("text", "required", "必填 / required"))?;
    let hash = crate::intake::request_hash(&serde_json::json!([
        "assist",
        community,
        text,
        title,
        b.building_id,
        place,
        category,
        b.photo_ids,
        name,
        phone
    ]));
    if let Some(id) = state
        .sms
        .assisted_suggestion(caller.account_id, &key)
        .await?
    {
        let existing = state.store.suggestion(id).await?.ok_or_else(|| {
            ApiError::Unexpected(anyhow::anyhow!("assisted suggestion {id} vanished"))
        })?;
        return accepted(if existing.request_hash.as_deref() == Some(hash.as_str()) {
            CreateOutcome::Existing(existing)
        } else {
            CreateOutcome::KeyConflict(existing)
        });
    }
    let premoderate = state.premoderates(community).await?;
    let words = state
        .community_words
        .get(&state.store, &state.words, community)
        .await?;
    let hold = crate::intake::moderation::hold_reason(&words, premoderate, &text, title.as_deref());
    let audit = crate::routes::admin::audit_of(
        &caller,
        &req,
        Some(
            "代居民提交，已现场征得居民本人同意 / entered for a resident with their consent".into(),
        ),
    );
    let new = NewSuggestion {
        community_id: community,
        client_id: key,
        request_hash: hash,
        channel,
        author_account_id: None,
        author_person: Some(crate::store::NewPerson { name, phone }),
        entered_by: Some(caller.account_id),
        hold_for_review: hold,
        title,
        body: text,
        building_id: b.building_id,
        place,
        category,
        show_author: false,
        paper_batch_id: None,
        paper_serial: None,
        photo_ids: b.photo_ids,
        consent_by_resident: true,
    };
    let outcome = state.store.create_suggestion(&new, Some(&audit)).await?;
    if let CreateOutcome::Created(s) = &outcome {
        // The consent stays linked to this suggestion with the notice version in force now.
        state
            .store
            .record_assist_consent(
                s.suggestion_id,
                &state.settings.privacy.notice_version,
                caller.account_id,
                audit.at,
            )
            .await?;
    }
    accepted(outcome)
}
