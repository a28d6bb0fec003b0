use shared::http::{Call, Reply};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "docs_swagger",
    route: GET "/docs",
    access: public,
    tag: "docs",
    summary: "Swagger UI: browse and try the API",
}

const PAGE: &str = r##"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>JMSK API - Swagger UI</title>
<link rel="icon" href="data:,">
{base}
<link rel="stylesheet" href="docs/assets/swagger-ui.css?v={swagger_ui}">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/assets/swagger-ui-bundle.js?v={swagger_ui}"></script>
<script>
  window.ui = SwaggerUIBundle({
    url: new URL("openapi.json", document.baseURI).href,
    dom_id: "#swagger-ui",
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    deepLinking: true,
    displayOperationId: true,
    docExpansion: "list",
    persistAuthorization: true,
    validatorUrl: null
  });
</script>
</body>
</html>
"##;

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.content(200, "text/html", "The Swagger UI page");
}

async fn handle(_ctx: &Ctx, _call: &Call) -> ApiResult<Reply> {
    super::page::page(PAGE)
}
