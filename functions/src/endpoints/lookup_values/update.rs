use serde::Deserialize;
use shared::app::lookup_values::{self, LABEL_MAX, LookupPatch};
use shared::db::Tx;
use shared::domain::permissions::LOOKUP_VALUES_WRITE;
use shared::domain::{LookupValueId, NonBlank};
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "lookup_values_update",
    route: PUT "/api/v1/lookup-values/{lookup_id}",
    access: user[LOOKUP_VALUES_WRITE],
    tag: "lookup-values",
    summary: "Change a lookup value's label, sort order or active flag (code and category are fixed)",
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Input {
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = LABEL_MAX), regex(pattern = crate::openapi::NOT_BLANK)))]
    display_label: Option<String>,
    #[serde(default, deserialize_with = "crate::endpoints::input::whole_opt")]
    #[cfg_attr(feature = "openapi", schemars(range(min = i32::MIN, max = i32::MAX)))]
    sort_order: Option<i32>,
    #[serde(default)]
    is_active: Option<bool>,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.request::<Input>()
        .response::<shared::app::lookup_values::LookupValueRow>(200);
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
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
    let updated = lookup_values::update(tx, id, patch).await?;
    respond::ok(&updated)
}
