//! Front-end pages, embedded in the binary (nothing from a CDN).
use actix_web::{get, HttpResponse};

const DASHBOARD: &str = include_str!("../../web/dashboard/index.html");
const MOBILE: &str = include_str!("../../web/m/index.html");

fn html(body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("content-security-policy", "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:"))
        .insert_header(("x-content-type-options", "nosniff"))
        .body(body)
}

/// The staff dashboard.
#[get("/")]
pub async fn dashboard() -> HttpResponse {
    html(DASHBOARD)
}

/// The residents' mobile web version.
#[get("/m/")]
pub async fn mobile() -> HttpResponse {
    html(MOBILE)
}
