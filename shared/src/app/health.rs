//! Database readiness.

use crate::context::Ctx;
use crate::error::ApiResult;

pub async fn ping(ctx: &Ctx) -> ApiResult<()> {
    let mut conn = ctx.conn().await?;
    let tx = conn.begin_system().await?;
    crate::repo::ping(&tx).await?;
    tx.commit().await
}
