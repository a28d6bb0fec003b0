//! Database readiness.

use crate::context::Ctx;
use crate::error::ApiResult;

/// One round trip in a system transaction, within the request deadline (a stalled server is
/// reported like a stopped one, in time).
pub async fn ping(ctx: &Ctx) -> ApiResult<()> {
    ctx.within_deadline(async {
        let mut conn = ctx.conn().await?;
        let result = async {
            let tx = conn.begin_system().await?;
            crate::repo::ping(&tx).await?;
            tx.commit().await
        }
        .await;
        conn.finish(&result);
        result
    })
    .await
}
