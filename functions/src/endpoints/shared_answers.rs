//! Answers that several endpoints give alike: one body for twin handlers.

use std::future::Future;
use std::str::FromStr;

use serde::Serialize;
use shared::ApiResult;
use shared::app::companies::OrderSummary;
use shared::domain::Page;
use shared::http::{Call, Reply, respond};

/// What the seed endpoints answer (`POST /metals/seed`, `POST /lookup-values/seed`).
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Seeded {
    /// `Seeded <created> default …`.
    message: String,
    /// How many defaults were missing and inserted (0 when called again).
    created: u64,
}

/// The answer to a seed of `created` default `what`s.
pub(crate) fn seeded(what: &str, created: u64) -> ApiResult<Reply> {
    respond::ok(&Seeded {
        message: format!("Seeded {created} default {what}"),
        created,
    })
}

/// The order list of the owner named by the path parameter `param` (a company or a contact).
pub(crate) async fn orders_of<Id, Fut>(
    call: &Call,
    param: &str,
    list: impl FnOnce(Id, Page) -> Fut,
) -> ApiResult<Reply>
where
    Id: FromStr,
    Fut: Future<Output = ApiResult<Vec<OrderSummary>>>,
{
    let owner: Id = call.path(param)?;
    respond::ok(&list(owner, call.page()?).await?)
}
