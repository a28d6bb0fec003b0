//! API documentation: `/docs`, `/redoc`, `/openapi.json` and the embedded assets. (The document's
//! content is checked by `infra/local/tests/openapi.rs`; rendering in a browser, offline, by
//! `infra/scripts/docs-offline-check.sh`.)

use functions::endpoints::docs::assets::FILES;
use functions::routes::ROUTES;

use crate::helpers::{Body, Resp, TestApp, test_config};

/// No database needed: these functions never touch one.
fn app() -> TestApp {
    TestApp {
        ctx: shared::Ctx::new(
            test_config(&[]),
            shared::db::Db::single("postgres://nobody@127.0.0.1:1/none", &Default::default()),
        ),
        db_name: "none".into(),
    }
}

async fn get(path: &str) -> Resp {
    app().call("GET", path, Body::None, None).await
}

fn header<'a>(r: &'a Resp, name: &str) -> &'a str {
    r.headers.get(name).unwrap().to_str().unwrap()
}

/// The asset URLs a page loads (`docs/assets/<file>?v=...`).
fn asset_urls(html: &str) -> Vec<String> {
    html.split("docs/assets/")
        .skip(1)
        .map(|rest| rest.split(['?', '"']).next().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn pages_are_html_that_load_only_embedded_assets() {
    for (path, wanted) in [
        ("/docs", vec!["swagger-ui.css", "swagger-ui-bundle.js"]),
        ("/redoc", vec!["redoc.standalone.js"]),
        ("/docs/", vec!["swagger-ui.css", "swagger-ui-bundle.js"]),
    ] {
        let r = get(path).await.expect(200);
        assert_eq!(header(&r, "content-type"), "text/html; charset=utf-8");
        assert_eq!(header(&r, "cache-control"), "no-cache");
        let html = r.body.as_str().unwrap();
        // Relative URLs only: they work behind an API Gateway stage prefix and need no network.
        for needle in ["http:", "https:", "src=\"/", "href=\"/", "//"] {
            assert!(!html.contains(needle), "{path} contains {needle}");
        }
        assert!(html.contains("\"openapi.json\""), "{path}");
        let urls = asset_urls(html);
        assert_eq!(urls, wanted, "{path}");
        for file in urls {
            assert!(
                FILES.iter().any(|(n, _, _)| *n == file),
                "{file} not embedded"
            );
        }
    }
}

#[tokio::test]
async fn the_document_is_served_as_json() {
    let r = get("/openapi.json").await.expect(200);
    assert_eq!(header(&r, "content-type"), "application/json");
    assert_eq!(r.body["openapi"], "3.1.0");
    for ep in ROUTES {
        assert!(
            r.body["paths"][ep.path][ep.method.to_ascii_lowercase()].is_object(),
            "{} {} missing from openapi.json: regenerate it with `cargo xtask gen`",
            ep.method,
            ep.path
        );
    }
}

#[tokio::test]
async fn assets_come_with_their_types_and_a_long_cache() {
    for (name, content_type, content) in FILES {
        let r = get(&format!("/docs/assets/{name}")).await.expect(200);
        assert_eq!(header(&r, "content-type"), *content_type, "{name}");
        assert_eq!(
            header(&r, "cache-control"),
            "public, max-age=31536000, immutable"
        );
        assert_eq!(header(&r, "x-content-type-options"), "nosniff");
        assert!(!content.is_empty());
    }
    let r = get("/docs/assets/swagger-ui-bundle.js").await;
    assert!(r.body.as_str().unwrap().contains("SwaggerUIBundle"));
    let r = get("/docs/assets/redoc.standalone.js").await;
    assert!(r.body.as_str().unwrap().contains("Redoc"));
}

#[tokio::test]
async fn an_unknown_asset_is_a_404_with_a_string_detail() {
    for path in ["/docs/assets/nope.js", "/docs/assets/..%2Fopenapi.json"] {
        let r = get(path).await.expect(404);
        assert!(r.detail().contains("not found"), "{}", r.detail());
    }
}

#[test]
fn the_asset_versions_in_the_urls_are_the_vendored_ones() {
    use functions::endpoints::docs::assets::{REDOC_VERSION, SWAGGER_UI_VERSION};
    let readme = include_str!("../../assets/README.md");
    assert!(readme.contains(&format!("| {SWAGGER_UI_VERSION} |")));
    assert!(readme.contains(&format!("| {REDOC_VERSION} |")));
    let swagger = FILES
        .iter()
        .find(|(n, _, _)| *n == "swagger-ui-bundle.js")
        .unwrap()
        .2;
    // The bundle carries its version (`version:"5.35.0"` in its build info).
    assert!(
        swagger.contains(&format!("\"{SWAGGER_UI_VERSION}\"")),
        "swagger-ui-bundle.js is not {SWAGGER_UI_VERSION}"
    );
    let redoc = FILES
        .iter()
        .find(|(n, _, _)| *n == "redoc.standalone.js")
        .unwrap()
        .2;
    assert!(
        redoc.contains(&format!("\"{REDOC_VERSION}\"")),
        "redoc.standalone.js is not {REDOC_VERSION}"
    );
}
