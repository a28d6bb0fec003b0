use serde::Deserialize;
use shared::app::lookup_values::{self, CATEGORY_MAX, LABEL_MAX, NewLookup};
use shared::domain::NonBlank;
use shared::domain::lookup::LookupCode;
use shared::domain::permissions::LOOKUP_VALUES_WRITE;
use shared::http::{Access, Call, Endpoint, Sizing, respond};
use shared::{ApiResult, Ctx};

pub const ENDPOINT: Endpoint = Endpoint {
    id: "lookup_values_create",
    method: "POST",
    path: "/api/v1/lookup-values/",
    access: Access::User {
        permission: Some(LOOKUP_VALUES_WRITE),
    },
    summary: "Create a lookup value (code upper-cased; duplicate code in the category → 409)",
    tag: "lookup-values",
    success: 201,
    sizing: Sizing::Standard,
    module: module_path!(),
    handler: |ctx, call| Box::pin(handle(ctx, call)),
};

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Input {
    category: String,
    code: String,
    display_label: String,
    #[serde(default)]
    sort_order: i32,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.request::<Input>()
        .response::<shared::app::lookup_values::LookupValueRow>(201)
        .error(
            409,
            "A lookup value with this code already exists in the category",
        );
}

async fn handle(ctx: Ctx, call: Call) -> ApiResult<lambda_http::Response<lambda_http::Body>> {
    let input: Input = call.json()?;
    let value = NewLookup {
        category: NonBlank::parse("category", &input.category, CATEGORY_MAX)?,
        code: LookupCode::parse("code", &input.code)?,
        display_label: NonBlank::parse("display_label", &input.display_label, LABEL_MAX)?,
        sort_order: input.sort_order,
    };
    let mut conn = ctx.conn().await?;
    let tx = conn.begin_tenant(&call).await?;
    let created = lookup_values::create(&tx, value).await?;
    tx.commit().await?;
    respond::created(&created)
}
