//! Response headers every answer carries: `nosniff`, a content security policy (the pages set
//! their own; the API docs get one that lets Swagger UI run from its own files; everything else,
//! JSON above all, may load nothing), `no-store` on the login endpoints, and HSTS in production.
use actix_web::http::header::{self, HeaderMap, HeaderValue};

/// Nothing to load, nothing to run, never framed: for JSON, problem documents, files.
const API_CSP: &str =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// Swagger UI: scripts and styles from its own files (it sets inline style attributes), the
/// document and "try it out" requests to this origin only.
const DOCS_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data:; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; \
    base-uri 'none'; form-action 'self'";

const HSTS: &str = "max-age=31536000; includeSubDomains";

/// Add the headers `path`'s response lacks. `production`: also HSTS (served over HTTPS there,
/// behind the TLS-terminating proxy).
pub fn apply(path: &str, production: bool, headers: &mut HeaderMap) {
    if !headers.contains_key(header::X_CONTENT_TYPE_OPTIONS) {
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
    }
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        let csp = if path == "/api/docs" || path.starts_with("/api/docs/") {
            DOCS_CSP
        } else {
            API_CSP
        };
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(csp),
        );
    }
    if path.starts_with("/api/v1/auth/") {
        // Tokens and login answers are never kept by a browser or a proxy.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    }
    if production {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn headers_for(path: &str, production: bool, preset: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in preset {
            h.insert(
                header::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        apply(path, production, &mut h);
        h
    }

    fn get(h: &HeaderMap, name: header::HeaderName) -> Option<&str> {
        h.get(name).map(|v| v.to_str().unwrap())
    }

    #[test]
    fn json_answers_load_nothing_and_are_not_sniffed() {
        let h = headers_for("/api/v1/me", false, &[]);
        assert_eq!(get(&h, header::X_CONTENT_TYPE_OPTIONS), Some("nosniff"));
        assert_eq!(get(&h, header::CONTENT_SECURITY_POLICY), Some(API_CSP));
        assert_eq!(get(&h, header::STRICT_TRANSPORT_SECURITY), None);
        assert_eq!(get(&h, header::CACHE_CONTROL), None);
    }

    #[test]
    fn the_docs_may_run_their_own_scripts_and_pages_keep_their_policy() {
        let h = headers_for("/api/docs/swagger-initializer.js", false, &[]);
        assert_eq!(get(&h, header::CONTENT_SECURITY_POLICY), Some(DOCS_CSP));
        let page = headers_for(
            "/",
            false,
            &[("content-security-policy", "default-src 'self'")],
        );
        assert_eq!(
            get(&page, header::CONTENT_SECURITY_POLICY),
            Some("default-src 'self'")
        );
    }

    #[test]
    fn login_answers_are_not_stored_and_production_adds_hsts() {
        let h = headers_for(
            "/api/v1/auth/login",
            true,
            &[("cache-control", "max-age=60")],
        );
        assert_eq!(get(&h, header::CACHE_CONTROL), Some("no-store"));
        assert_eq!(get(&h, header::STRICT_TRANSPORT_SECURITY), Some(HSTS));
    }
}
