//! The answers of the documentation endpoints: text with caching, and the HTML pages.

use lambda_http::{Body, Response};
use shared::http::Reply;
use shared::{ApiError, ApiResult};

/// Sets the document's base URL to the API root before anything else loads, so that every URL of the
/// page (`docs/assets/...`, `openapi.json`) is relative to it: `/prod/docs` → `/prod/`, `/docs/` → `/`.
const BASE_SCRIPT: &str = r#"<script>
  (function () {
    var base = document.createElement("base");
    base.href = location.pathname.replace(/\/(docs|redoc)\/?$/, "/");
    document.head.appendChild(base);
  })();
</script>"#;

/// What the pages may load: only this API's own URLs (plus `data:`/`blob:` URLs the bundles make
/// themselves). Besides guarding the pages, this keeps ReDoc's sidebar logo from calling its CDN.
/// Inline scripts are the two page scripts above and below; inline styles come from the bundles.
const PAGE_CSP: &str = "default-src 'self'; script-src 'self' 'unsafe-inline'; \
    style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; \
    worker-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'self'; \
    frame-ancestors 'none'";

/// A text answer with the given caching; `nosniff` so a browser never reinterprets it.
pub(super) fn text(content_type: &str, cache_control: &str, body: String) -> ApiResult<Reply> {
    respond(content_type, cache_control, None, body)
}

fn respond(
    content_type: &str,
    cache_control: &str,
    csp: Option<&str>,
    body: String,
) -> ApiResult<Reply> {
    let mut builder = Response::builder()
        .status(200)
        .header("content-type", content_type)
        .header("cache-control", cache_control)
        .header("x-content-type-options", "nosniff");
    if let Some(csp) = csp {
        builder = builder
            .header("content-security-policy", csp)
            .header("referrer-policy", "no-referrer");
    }
    builder
        .body(Body::Text(body))
        .map(Reply::new)
        .map_err(|e| ApiError::internal("building response", e))
}

/// An HTML page: `{base}` becomes `BASE_SCRIPT`, `{swagger_ui}` and `{redoc}` the asset versions
/// (query strings that make the year-long asset caching safe across upgrades).
pub(super) fn page(template: &str) -> ApiResult<Reply> {
    let html = template
        .replace("{base}", BASE_SCRIPT)
        .replace("{swagger_ui}", super::assets::SWAGGER_UI_VERSION)
        .replace("{redoc}", super::assets::REDOC_VERSION);
    respond("text/html; charset=utf-8", "no-cache", Some(PAGE_CSP), html)
}
