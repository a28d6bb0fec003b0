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
struct Query {
    #[serde(default)]
    search: Option<String>,
    /// Text, so that an empty `company_id=` (axios keeps empty strings) means "no filter".
    #[serde(default)]
    company_id: Option<String>,
    #[serde(default)]
    skip: Option<i64>,
    #[serde(default)]
    limit: Option<i64>,
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
