use serde::Deserialize;
use shared::app::contacts;
use shared::db::Tx;
use shared::domain::CompanyId;
use shared::domain::permissions::CONTACTS_READ;
use shared::http::call::id_filter;
use shared::http::{Call, Reply, respond};
use shared::{ApiResult, Ctx};

shared::endpoint! {
    id: "contacts_list",
    route: GET "/api/v1/contacts/",
    access: user[CONTACTS_READ],
    tag: "contacts",
    summary: "Contacts by name, each with its company; search = case-insensitive substring of name or email, company_id filter",
}

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
}

#[cfg(feature = "openapi")]
pub fn docs(op: &mut crate::openapi::Operation) {
    op.query::<Query>()
        .paged()
        .response::<Vec<shared::app::contacts::ContactRow>>(200);
}

async fn handle(_ctx: &Ctx, call: &Call, tx: &Tx<'_>) -> ApiResult<Reply> {
    let q: Query = call.query()?;
    let page = call.page()?;
    let company = id_filter::<CompanyId>("company_id", q.company_id.as_deref())?;
    let list = contacts::list(tx, q.search.as_deref(), company, page).await?;
    respond::ok(&list)
}
