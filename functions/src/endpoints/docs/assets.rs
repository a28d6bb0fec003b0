use shared::http::{Call, Reply};
use shared::{ApiError, ApiResult, Ctx};

shared::endpoint! {
    id: "docs_assets",
    route: GET "/docs/assets/{file}",
    access: public,
    tag: "docs",
    summary: "The JavaScript and CSS of Swagger UI and ReDoc (embedded, with their licenses)",
}

/// The vendored versions (`functions/assets/README.md`); the pages put them in the asset URLs.
pub const SWAGGER_UI_VERSION: &str = "5.35.0";
pub const REDOC_VERSION: &str = "2.5.4";

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const TXT: &str = "text/plain; charset=utf-8";

/// name, content type, content.
pub const FILES: &[(&str, &str, &str)] = &[
    (
        "swagger-ui-bundle.js",
        JS,
        include_str!("../../../assets/swagger-ui-bundle.js"),
    ),
    (
        "swagger-ui.css",
        CSS,
        include_str!("../../../assets/swagger-ui.css"),
    ),
    (
        "redoc.standalone.js",
        JS,
        include_str!("../../../assets/redoc.standalone.js"),
    ),
    // The bundles' banners point at these.
    (
        "swagger-ui-bundle.js.LICENSE.txt",
        TXT,
        include_str!("../../../assets/swagger-ui-bundle.js.LICENSE.txt"),
    ),
    (
        "redoc.standalone.js.LICENSE.txt",
        TXT,
        include_str!("../../../assets/redoc.standalone.js.LICENSE.txt"),
    ),
    (
        "swagger-ui.LICENSE",
        TXT,
        include_str!("../../../assets/swagger-ui.LICENSE"),
    ),
    (
        "swagger-ui.NOTICE",
        TXT,
        include_str!("../../../assets/swagger-ui.NOTICE"),
    ),
    (
        "redoc.LICENSE",
        TXT,
        include_str!("../../../assets/redoc.LICENSE"),
    ),
];

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.content(200, "text/javascript", "The asset")
        .content(200, "text/css", "The asset")
        .content(200, "text/plain", "The asset")
        .error(404, "No such asset");
}

async fn handle(_ctx: &Ctx, call: &Call) -> ApiResult<Reply> {
    let name: String = call.path("file")?;
    let (_, content_type, content) = FILES
        .iter()
        .find(|(n, _, _)| *n == name)
        .ok_or_else(|| ApiError::NotFound(format!("Asset {name} not found")))?;
    // Immutable for a year: the pages ask for `?v=<version>`, which changes with every upgrade.
    super::page::text(
        content_type,
        "public, max-age=31536000, immutable",
        content.to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::{REDOC_VERSION, SWAGGER_UI_VERSION};

    /// The copies in `functions/assets/` are of the versions `update-docs-assets.sh` installs
    /// (`infra/tools/pins.env`): a pin moved without refreshing the copies, or the other way round,
    /// fails here rather than shipping asset URLs that name the wrong version.
    #[test]
    fn vendored_versions_match_the_tool_pins() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
        let pins = std::fs::read_to_string(format!("{root}/infra/tools/pins.env"))
            .expect("infra/tools/pins.env is readable");
        let pin = |name: &str| {
            pins.lines()
                .find_map(|l| l.strip_prefix(name)?.strip_prefix('='))
                .map(str::trim)
                .unwrap_or_else(|| panic!("{name} is not in infra/tools/pins.env"))
                .to_string()
        };
        assert_eq!(pin("SWAGGER_UI_DIST_VERSION"), SWAGGER_UI_VERSION);
        assert_eq!(pin("REDOC_VERSION"), REDOC_VERSION);

        let readme = std::fs::read_to_string(format!("{root}/functions/assets/README.md"))
            .expect("functions/assets/README.md is readable");
        for (package, version) in [
            ("`swagger-ui-dist` (npm)", SWAGGER_UI_VERSION),
            ("`redoc` (npm)", REDOC_VERSION),
        ] {
            assert!(
                readme.contains(&format!("{package} | {version} |")),
                "functions/assets/README.md does not give {package} as {version}"
            );
        }
    }
}
