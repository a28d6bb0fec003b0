use serde::Deserialize;
use shared::app::contacts;
use shared::domain::permissions::CONTACTS_READ;
use shared::domain::{CompanyId, Page};
use shared::error::FieldError;
use shared::http::{Access, Call, Endpoint, Sizing, respond};
use shared::{ApiError, ApiResult, Ctx};

pub const ENDPOINT: Endpoint = Endpoint {
    id: "contacts_list",
    method: "GET",
    path: "/api/v1/contacts/",
    access: Access::User {
        permission: Some(CONTACTS_READ),
    },
    summary: "Contacts by name, each with its company; search = case-insensitive substring of name or email, company_id filter",
    tag: "contacts",
    success: 200,
    sizing: Sizing::Standard,
    module: module_path!(),
    handler: |ctx, call| Box::pin(handle(ctx, call)),
};

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
struct Query {
    /// Only contacts whose name or email contains this text (case-insensitive).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(with = "String"))]
    search: Option<String>,
    /// Text, so that an empty `company_id=` (axios keeps empty strings) means "no filter".
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schemars(
            with = "i64",
            range(min = 1),
            description = "Only the contacts of this company (empty: no filter)."
        )
    )]
    company_id: Option<String>,
    /// How many rows to skip (default 0).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(with = "i64", range(min = 0), extend("default" = 0)))]
    skip: Option<i64>,
    /// How many rows to return, 1 to 1000 (default 100).
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schemars(with = "i64", range(min = 1, max = 1000), extend("default" = 100))
    )]
    limit: Option<i64>,
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.query::<Query>()
        .response::<Vec<shared::app::contacts::ContactRow>>(200);
}

async fn handle(ctx: Ctx, call: Call) -> ApiResult<lambda_http::Response<lambda_http::Body>> {
    let q: Query = call.query()?;
    let page = Page::parse(q.skip, q.limit)?;
    let company = match q.company_id.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => Some(raw.parse::<CompanyId>().map_err(|_| {
            ApiError::Validation(vec![FieldError::new(
                &["query", "company_id"],
                "must be a positive integer",
                "type_error",
            )])
        })?),
    };
    let mut conn = ctx.conn().await?;
    let tx = conn.begin_tenant(&call).await?;
    let list = contacts::list(&tx, q.search.as_deref(), company, page).await?;
    tx.commit().await?;
    respond::ok(&list)
}
