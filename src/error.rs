//! One error type for the HTTP API, rendered as `application/problem+json` with a stable
//! machine `code` and a message in Chinese and English. 5xx causes are logged, never sent.
use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

pub type ApiResult<T, E = ApiError> = Result<T, E>;

/// A field-level problem in a request body. `message` may be written "中文 / English"; it is
/// sent as `message` (Chinese) and `message_en` (English), so a Chinese screen never shows the
/// English half.
#[derive(Debug, Clone)]
pub struct FieldError {
    pub field: String,
    pub code: String,
    pub message: String,
}

/// A field error as sent.
#[derive(Serialize, utoipa::ToSchema)]
struct FieldErrorWire {
    /// The request field (a machine name: clients show `message`).
    field: String,
    /// Stable machine-readable code.
    code: String,
    /// Message in Simplified Chinese.
    message: String,
    /// Message in English.
    message_en: String,
}

impl Serialize for FieldError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (zh, en) = split_bilingual(&self.message);
        let message_en = en.unwrap_or_else(|| zh.clone());
        FieldErrorWire {
            field: self.field.clone(),
            code: self.code.clone(),
            message: zh,
            message_en,
        }
        .serialize(serializer)
    }
}

impl utoipa::PartialSchema for FieldError {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        <FieldErrorWire as utoipa::PartialSchema>::schema()
    }
}

impl utoipa::ToSchema for FieldError {
    fn name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("FieldError")
    }
}

/// Split a text written "中文 / English" into its Chinese and English halves: at the first
/// slash with Chinese before it and a Latin letter after it (spaces around it optional). A text
/// without such a slash is returned whole.
pub fn split_bilingual(s: &str) -> (String, Option<String>) {
    for (i, _) in s.match_indices('/') {
        let (zh, en) = (s[..i].trim(), s[i + 1..].trim());
        let chinese_before = zh.chars().last().is_some_and(|c| !c.is_ascii());
        if chinese_before && en.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) {
            return (zh.to_string(), Some(en.to_string()));
        }
    }
    (s.to_string(), None)
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{code}: {en}")]
    Problem {
        status: StatusCode,
        code: &'static str,
        zh: String,
        en: String,
        fields: Vec<FieldError>,
        retry_after: Option<u64>,
    },
    #[error("unexpected error")]
    Unexpected(#[from] anyhow::Error),
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        code: &'static str,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) -> Self {
        Self::Problem {
            status,
            code,
            zh: zh.into(),
            en: en.into(),
            fields: Vec::new(),
            retry_after: None,
        }
    }
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "请先登录",
            "Authentication required",
        )
    }
    pub fn invalid_token() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "登录已失效，请重新登录",
            "The access token is invalid or expired",
        )
    }
    pub fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "您没有执行此操作的权限",
            "You are not allowed to do this",
        )
    }
    /// Also used for things outside the caller's scope, so ids are not confirmed.
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "未找到", "Not found")
    }
    pub fn conflict(code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, zh, en)
    }
    pub fn validation(fields: Vec<FieldError>) -> Self {
        Self::Problem {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "validation_failed",
            zh: "提交的内容有误，请检查后重试".into(),
            en: "The request has invalid fields".into(),
            fields,
            retry_after: None,
        }
    }
    pub fn field(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError {
            field: field.into(),
            code: code.into(),
            message: message.into(),
        }])
    }
    pub fn bad_request(code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, zh, en)
    }
    pub fn too_many(retry_after: u64) -> Self {
        Self::Problem {
            status: StatusCode::TOO_MANY_REQUESTS,
            code: "rate_limited",
            zh: "操作过于频繁，请稍后再试".into(),
            en: "Too many requests; try again later".into(),
            fields: Vec::new(),
            retry_after: Some(retry_after),
        }
    }
    pub fn with_retry_after(mut self, secs: u64) -> Self {
        if let Self::Problem { retry_after, .. } = &mut self {
            *retry_after = Some(secs);
        }
        self
    }
    pub fn code(&self) -> &'static str {
        match self {
            Self::Problem { code, .. } => code,
            Self::Unexpected(_) => "internal",
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn field_messages_are_sent_in_each_language() {
        let e = FieldError {
            field: "building_id".into(),
            code: "unknown_building".into(),
            message: "本社区没有这个楼栋 / no such building in this community".into(),
        };
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["message"], "本社区没有这个楼栋");
        assert_eq!(v["message_en"], "no such building in this community");
        let plain = FieldError {
            message: "必填".into(),
            ..e.clone()
        };
        assert_eq!(serde_json::to_value(&plain).unwrap()["message_en"], "必填");
        assert_eq!(
            split_bilingual("0–10000"),
            ("0–10000".to_string(), None),
            "no Chinese half: kept whole"
        );
        assert_eq!(
            split_bilingual("a / b").1,
            None,
            "English on both sides is not a translation"
        );
        let (zh, en) = split_bilingual("建议内容太短（1 个字）/ text is too short (1 characters)");
        assert_eq!(zh, "建议内容太短（1 个字）");
        assert_eq!(en.as_deref(), Some("text is too short (1 characters)"));
        assert_eq!(
            split_bilingual("只支持 JPEG/PNG 照片 / JPEG or PNG only")
                .1
                .as_deref(),
            Some("JPEG or PNG only")
        );
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        Self::Unexpected(anyhow::Error::new(e))
    }
}

/// The JSON body of a problem response (RFC 9457 plus our fields).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    /// Stable machine-readable code.
    pub code: String,
    /// Message in Simplified Chinese.
    pub message: String,
    /// Message in English.
    pub message_en: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

pub fn problem_response(
    status: StatusCode,
    code: &str,
    zh: &str,
    en: &str,
    fields: &[FieldError],
    retry_after: Option<u64>,
) -> HttpResponse {
    let body = Problem {
        kind: format!("https://minyi.dev/problems/{code}"),
        title: en.to_string(),
        status: status.as_u16(),
        code: code.to_string(),
        message: zh.to_string(),
        message_en: en.to_string(),
        errors: fields.to_vec(),
    };
    let mut resp = HttpResponse::build(status);
    resp.insert_header((header::CONTENT_TYPE, "application/problem+json"));
    if let Some(secs) = retry_after {
        resp.insert_header((header::RETRY_AFTER, secs.to_string()));
    }
    resp.body(serde_json::to_string(&body).unwrap_or_default())
}

/// The database cannot be reached right now (down, restarting, or no connection free within
/// `database.acquire_timeout_ms`): the request is answered 503 with `Retry-After`, not 500.
pub fn store_unavailable(e: &anyhow::Error) -> bool {
    e.chain()
        .any(|cause| match cause.downcast_ref::<sqlx::Error>() {
            Some(sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_)) => true,
            Some(sqlx::Error::Database(db)) => db.code().is_some_and(|c| {
                // PostgreSQL: connection exceptions (08…) and the server shutting down or starting
                // up (57P01–57P03).
                c.starts_with("08") || matches!(c.as_ref(), "57P01" | "57P02" | "57P03")
            }),
            _ => false,
        })
}

/// Seconds a client waits before retrying when the database is unavailable.
const STORE_RETRY_AFTER: u64 = 2;

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Problem { status, .. } => *status,
            Self::Unexpected(e) if store_unavailable(e) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Problem {
                status,
                code,
                zh,
                en,
                fields,
                retry_after,
            } => problem_response(*status, code, zh, en, fields, *retry_after),
            Self::Unexpected(e) if store_unavailable(e) => {
                tracing::warn!(error = %format!("{e:#}"), "the store is unavailable");
                problem_response(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "store_unavailable",
                    "服务暂时不可用，请稍后重试",
                    "The service is temporarily unavailable; please retry shortly",
                    &[],
                    Some(STORE_RETRY_AFTER),
                )
            }
            Self::Unexpected(e) => {
                tracing::error!(error.cause_chain = ?e, "unexpected error");
                problem_response(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "服务器内部错误，请稍后重试",
                    "Internal server error; please try again later",
                    &[],
                    None,
                )
            }
        }
    }
}

/// Turn actix's JSON extractor failures into problem responses that say what was wrong.
pub fn json_error(
    err: actix_web::error::JsonPayloadError,
    _req: &actix_web::HttpRequest,
) -> actix_web::Error {
    use actix_web::error::JsonPayloadError as J;
    let api = match &err {
        J::OverflowKnownLength { .. } | J::Overflow { .. } => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "提交的内容过大",
            "The request body is too large",
        ),
        J::ContentType => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "请求须为 JSON（Content-Type: application/json）",
            "The body must be JSON (Content-Type: application/json)",
        ),
        J::Deserialize(e) if e.is_data() => ApiError::bad_request(
            "invalid_field",
            format!("字段格式有误：{e}"),
            format!("A field is missing or has the wrong type: {e}"),
        ),
        J::Deserialize(e) => ApiError::bad_request(
            "malformed_json",
            "JSON 格式有误",
            format!("Malformed JSON: {e}"),
        ),
        _ => ApiError::bad_request(
            "malformed_body",
            "请求内容无法读取",
            "The request body could not be read (is it valid UTF-8?)",
        ),
    };
    actix_web::error::InternalError::from_response(err, api.error_response()).into()
}

pub fn query_error(
    err: actix_web::error::QueryPayloadError,
    _req: &actix_web::HttpRequest,
) -> actix_web::Error {
    let api = ApiError::bad_request(
        "invalid_query",
        "查询参数有误",
        format!("Invalid query parameters: {err}"),
    );
    actix_web::error::InternalError::from_response(err, api.error_response()).into()
}

pub fn path_error(
    err: actix_web::error::PathError,
    _req: &actix_web::HttpRequest,
) -> actix_web::Error {
    let api = ApiError::not_found();
    actix_web::error::InternalError::from_response(err, api.error_response()).into()
}
