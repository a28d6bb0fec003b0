use serde::Deserialize;
use shared::app::lookup_values::{self, CATEGORY_MAX, LABEL_MAX, NewLookup};
use shared::db::Tx;
use shared::domain::NonBlank;
use shared::domain::lookup::LookupCode;
use shared::domain::permissions::LOOKUP_VALUES_WRITE;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "lookup_values_create",
    route: POST "/api/v1/lookup-values/",
    access: user[LOOKUP_VALUES_WRITE],
    tag: "lookup-values",
    summary: "Create a lookup value (code upper-cased; duplicate code in the category → 409)",
    success: 201,
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Input {
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = CATEGORY_MAX), regex(pattern = crate::openapi::NOT_BLANK)))]
    category: String,
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = shared::domain::lookup::LookupCode::MAX_CHARS), regex(pattern = crate::openapi::NOT_BLANK)))]
    code: String,
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = LABEL_MAX), regex(pattern = crate::openapi::NOT_BLANK)))]
    display_label: String,
    #[serde(default, deserialize_with = "crate::endpoints::input::whole")]
    #[cfg_attr(feature = "openapi", schemars(range(min = i32::MIN, max = i32::MAX)))]
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

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let input: Input = call.json()?;
    let value = NewLookup {
        category: NonBlank::parse("category", &input.category, CATEGORY_MAX)?,
        code: LookupCode::parse("code", &input.code)?,
        display_label: NonBlank::parse("display_label", &input.display_label, LABEL_MAX)?,
        sort_order: input.sort_order,
    };
    let created = lookup_values::create(tx, value).await?;
    respond::created(&created)
}
