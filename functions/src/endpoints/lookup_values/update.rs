use serde::Deserialize;
use shared::app::lookup_values::{self, LABEL_MAX, LookupPatch};
use shared::domain::permissions::LOOKUP_VALUES_WRITE;
use shared::domain::{LookupValueId, NonBlank};
use shared::http::{Access, Call, Endpoint, Sizing, respond};
use shared::{ApiResult, Ctx};

pub const ENDPOINT: Endpoint = Endpoint {
    id: "lookup_values_update",
    method: "PUT",
    path: "/api/v1/lookup-values/{lookup_id}",
    access: Access::User {
        permission: Some(LOOKUP_VALUES_WRITE),
    },
    summary: "Change a lookup value's label, sort order or active flag (code and category are fixed)",
    tag: "lookup-values",
    success: 200,
    sizing: Sizing::Standard,
    module: module_path!(),
    handler: |ctx, call| Box::pin(handle(ctx, call)),
};

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Input {
    #[serde(default)]
    display_label: Option<String>,
    #[serde(default)]
    sort_order: Option<i32>,
    #[serde(default)]
    is_active: Option<bool>,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.request::<Input>()
        .response::<shared::app::lookup_values::LookupValueRow>(200);
}

async fn handle(ctx: Ctx, call: Call) -> ApiResult<lambda_http::Response<lambda_http::Body>> {
    let id: LookupValueId = call.path("lookup_id")?;
    let input: Input = call.json()?;
    let patch = LookupPatch {
        display_label: input
            .display_label
            .as_deref()
            .map(|l| NonBlank::parse("display_label", l, LABEL_MAX))
            .transpose()?,
        sort_order: input.sort_order,
        is_active: input.is_active,
    };
    let mut conn = ctx.conn().await?;
    let tx = conn.begin_tenant(&call).await?;
    let updated = lookup_values::update(&tx, id, patch).await?;
    tx.commit().await?;
    respond::ok(&updated)
}
