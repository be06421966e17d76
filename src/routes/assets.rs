//! Front-end files, embedded in the binary from `web/` (nothing from a CDN, no Node needed to
//! build or run the server). `/` is the staff dashboard, `/m/` the residents' mobile web
//! version, and `/static/…` every other file under `web/` (modules, styles, vendored libraries).
use actix_web::http::header;
use actix_web::{get, web, HttpRequest, HttpResponse};

#[derive(rust_embed::RustEmbed)]
#[folder = "web/"]
struct Web;

/// No inline scripts: every script is a module file served from here.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

fn serve(req: &HttpRequest, path: &str) -> HttpResponse {
    let Some(file) = Web::get(path) else {
        use actix_web::ResponseError;
        return crate::error::ApiError::not_found().error_response();
    };
    let etag = format!(
        "\"{}\"",
        file.metadata
            .sha256_hash()
            .iter()
            .take(12)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let mime = file.metadata.mimetype();
    let content_type = if mime.starts_with("text/") || mime.ends_with("javascript") {
        format!("{mime}; charset=utf-8")
    } else {
        mime.to_string()
    };
    let mut res = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    res.insert_header((header::ETAG, etag))
        // Always revalidate: a new binary brings new files under the same names.
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header(("content-security-policy", CSP))
        .insert_header(("x-content-type-options", "nosniff"))
        .insert_header(("referrer-policy", "no-referrer"));
    if fresh {
        return res.finish();
    }
    res.content_type(content_type).body(file.data.into_owned())
}

/// The staff dashboard.
#[get("/")]
pub async fn dashboard(req: HttpRequest) -> HttpResponse {
    serve(&req, "dashboard/index.html")
}

/// The residents' mobile web version.
#[get("/m/")]
pub async fn mobile(req: HttpRequest) -> HttpResponse {
    serve(&req, "m/index.html")
}

/// Any other front-end file under `web/`.
#[get("/static/{path:.*}")]
pub async fn static_file(req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    let path = path.into_inner();
    if path.split('/').any(|p| p == ".." || p.is_empty()) {
        use actix_web::ResponseError;
        return crate::error::ApiError::not_found().error_response();
    }
    serve(&req, &path)
}
