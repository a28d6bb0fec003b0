use shared::http::{Call, Reply};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "docs_redoc",
    route: GET "/redoc",
    access: public,
    tag: "docs",
    summary: "ReDoc: the API reference as one page",
}

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

async fn handle(_ctx: &Ctx, _call: &Call) -> ApiResult<Reply> {
    super::page::page(PAGE)
}
