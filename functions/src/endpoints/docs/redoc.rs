use shared::http::{Access, Call, Endpoint, Sizing};
use shared::{ApiResult, Ctx};

pub const ENDPOINT: Endpoint = Endpoint {
    id: "docs_redoc",
    method: "GET",
    path: "/redoc",
    access: Access::Public,
    summary: "ReDoc: the API reference as one page",
    tag: "docs",
    success: 200,
    sizing: Sizing::Standard,
    module: module_path!(),
    handler: |ctx, call| Box::pin(handle(ctx, call)),
};

const PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>JMSK API - ReDoc</title>
<link rel="icon" href="data:,">
{base}
<style>body { margin: 0; padding: 0; }</style>
</head>
<body>
<div id="redoc"></div>
<script src="docs/assets/redoc.standalone.js?v={redoc}"></script>
<script>
  Redoc.init(
    new URL("openapi.json", document.baseURI).href,
    { expandResponses: "200,201", pathInMiddlePanel: true },
    document.getElementById("redoc")
  );
</script>
</body>
</html>
"#;

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.content(200, "text/html", "The ReDoc page");
}

async fn handle(_ctx: Ctx, _call: Call) -> ApiResult<lambda_http::Response<lambda_http::Body>> {
    super::page(PAGE)
}
