//! Front-end files, embedded in the binary from `web/` (nothing from a CDN, no Node needed to
//! build or run the server). `/` is the staff dashboard, `/m/` the residents' mobile web
//! version, and `/static/…` every other file under `web/` (modules, styles, vendored libraries).
//!
//! Vendored libraries (`web/vendor/`) are also served under content-hashed names
//! (`preact.module.<hash>.js`) and cached for a year: every served text file refers to them by
//! that name (the references are rewritten once, when the table below is built), so a new
//! library version is a new name. The app's own files are revalidated with their `ETag`.
use actix_web::http::header;
use actix_web::{get, web, HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::OnceLock;

#[derive(rust_embed::RustEmbed)]
#[folder = "web/"]
struct Web;

/// No inline scripts: every script is a module file served from here.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

struct Asset {
    body: Vec<u8>,
    etag: String,
    content_type: String,
    /// Served under a content-hashed name: cache for a year.
    immutable: bool,
}

fn is_text(path: &str) -> bool {
    [".js", ".html", ".css", ".svg", ".md", ".json"]
        .iter()
        .any(|e| path.ends_with(e))
}

fn short_hash(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `name.ext` → `name.<hash>.ext`.
fn hashed_name(path: &str, hash: &str) -> String {
    match path.rsplit_once('.') {
        Some((stem, ext)) => format!("{stem}.{hash}.{ext}"),
        None => format!("{path}.{hash}"),
    }
}

/// Replace `/<basename>` of every resolved vendor file with its hashed name.
fn rewrite(text: &str, names: &[(String, String)]) -> String {
    let mut out = text.to_string();
    for (plain, hashed) in names {
        out = out.replace(&format!("/{plain}"), &format!("/{hashed}"));
    }
    out
}

fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Every served path and its file, built once.
fn table() -> &'static HashMap<String, Asset> {
    static TABLE: OnceLock<HashMap<String, Asset>> = OnceLock::new();
    TABLE.get_or_init(build_table)
}

fn build_table() -> HashMap<String, Asset> {
    let files: Vec<(String, Vec<u8>, String)> = Web::iter()
        .filter_map(|p| {
            let f = Web::get(&p)?;
            let mime = f.metadata.mimetype().to_string();
            Some((p.to_string(), f.data.into_owned(), mime))
        })
        .collect();
    // Hash the vendored files in dependency order: a file's name is final once every vendored
    // file it names has its own (hooks.module.js names preact.module.js).
    let vendor: Vec<&(String, Vec<u8>, String)> = files
        .iter()
        .filter(|(p, _, _)| p.starts_with("vendor/") && p.ends_with(".js"))
        .collect();
    let mut names: Vec<(String, String)> = Vec::new();
    let mut vendor_bodies: HashMap<String, Vec<u8>> = HashMap::new();
    for _ in 0..=vendor.len() {
        for (path, data, _) in &vendor {
            if vendor_bodies.contains_key(path) {
                continue;
            }
            let text = String::from_utf8_lossy(data);
            let waits = vendor.iter().any(|(other, _, _)| {
                other != path
                    && !vendor_bodies.contains_key(other)
                    && text.contains(&format!("/{}", basename(other)))
            });
            if waits {
                continue;
            }
            let body = rewrite(&text, &names).into_bytes();
            names.push((
                basename(path).to_string(),
                hashed_name(basename(path), &short_hash(&body)),
            ));
            vendor_bodies.insert(path.clone(), body);
        }
    }
    let mut table = HashMap::new();
    for (path, data, mime) in files {
        let body = match vendor_bodies.remove(&path) {
            Some(b) => b,
            None if is_text(&path) => rewrite(&String::from_utf8_lossy(&data), &names).into_bytes(),
            None => data,
        };
        let content_type = if mime.starts_with("text/") || mime.ends_with("javascript") {
            format!("{mime}; charset=utf-8")
        } else {
            mime
        };
        let etag = format!("\"{}\"", short_hash(&body));
        if let Some((_, hashed)) = names
            .iter()
            .find(|(plain, _)| path.starts_with("vendor/") && basename(&path) == plain.as_str())
        {
            table.insert(
                format!("vendor/{hashed}"),
                Asset {
                    body: body.clone(),
                    etag: etag.clone(),
                    content_type: content_type.clone(),
                    immutable: true,
                },
            );
        }
        table.insert(
            path,
            Asset {
                body,
                etag,
                content_type,
                immutable: false,
            },
        );
    }
    table
}

/// The served name of a vendored file (`vendor/preact.module.js` → its hashed path).
pub fn vendor_path(plain: &str) -> Option<String> {
    let hashed_prefix = plain.rsplit_once('.').map(|(s, _)| format!("{s}."))?;
    table()
        .iter()
        .find(|(k, a)| a.immutable && k.starts_with(&hashed_prefix) && k.len() == plain.len() + 13)
        .map(|(k, _)| k.clone())
}

fn serve(req: &HttpRequest, path: &str) -> HttpResponse {
    let Some(file) = table().get(path) else {
        use actix_web::ResponseError;
        return crate::error::ApiError::not_found().error_response();
    };
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == file.etag));
    let mut res = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    res.insert_header((header::ETAG, file.etag.clone()))
        // The app's own files: always revalidate (a new binary brings new files under the same
        // names). Vendored files under hashed names never change.
        .insert_header((
            header::CACHE_CONTROL,
            if file.immutable {
                IMMUTABLE
            } else {
                "no-cache"
            },
        ))
        .insert_header(("content-security-policy", CSP))
        .insert_header(("x-content-type-options", "nosniff"))
        .insert_header(("referrer-policy", "no-referrer"));
    if fresh {
        return res.finish();
    }
    res.content_type(file.content_type.clone())
        .body(file.body.clone())
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

/// The icon browsers ask for at the root (both apps).
#[get("/favicon.ico")]
pub async fn favicon(req: HttpRequest) -> HttpResponse {
    serve(&req, "favicon.ico")
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn vendored_files_get_hashed_names_and_every_reference_uses_them() {
        let t = table();
        let preact = vendor_path("vendor/preact.module.js").unwrap();
        assert!(preact.starts_with("vendor/preact.module.") && preact != "vendor/preact.module.js");
        assert!(t[&preact].immutable);
        assert!(!t["vendor/preact.module.js"].immutable);
        // hooks imports preact by its hashed name, and its own hash covers that.
        let hooks = vendor_path("vendor/hooks.module.js").unwrap();
        let hooks_body = String::from_utf8_lossy(&t[&hooks].body);
        assert!(
            hooks_body.contains(&format!("./{}", basename(&preact))),
            "{}",
            &hooks_body[..200]
        );
        // The dashboard imports them by their hashed names.
        let ui = String::from_utf8_lossy(&t["dashboard/ui.js"].body);
        assert!(ui.contains(&format!("../{preact}")));
        assert!(!ui.contains("vendor/preact.module.js\""));
        // The served bytes are the ones hashed.
        let name = basename(&preact);
        let hash = name.split('.').nth(2).unwrap();
        assert_eq!(short_hash(&t[&preact].body), hash);
    }
}
