//! The local server's pool: `deadpool` managing connections opened like Lambda's single one
//! (`wire`, counted), so a pooled request reports its flights too. `deadpool-postgres`'s own manager
//! opens its sockets itself and keeps no room beside the client for the counter.

use std::sync::Arc;

use tokio::task::AbortHandle;
use tokio_postgres::Client;
use tokio_postgres_rustls::MakeRustlsConnect;

use super::wire::Flights;
use crate::error::DbError;

pub type Pool = deadpool::managed::Pool<Manager>;
pub type Object = deadpool::managed::Object<Manager>;

pub struct Manager {
    pg: tokio_postgres::Config,
    tls: MakeRustlsConnect,
}

impl Manager {
    pub(super) fn new(pg: tokio_postgres::Config, tls: MakeRustlsConnect) -> Self {
        Manager { pg, tls }
    }
}

/// One pooled connection.
pub struct Pooled {
    pub(super) client: Client,
    pub(super) flights: Arc<Flights>,
    driver: AbortHandle,
}

impl Drop for Pooled {
    fn drop(&mut self) {
        // A connection leaving the pool closes at once, even on a stalled socket.
        self.driver.abort();
    }
}

impl deadpool::managed::Manager for Manager {
    type Type = Pooled;
    type Error = DbError;

    async fn create(&self) -> Result<Pooled, DbError> {
        let (client, connection, flights) =
            super::wire::connect(&self.pg, self.tls.clone()).await?;
        let driver = tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::warn!(error = %e, "database connection closed");
            }
        });
        Ok(Pooled {
            client,
            flights,
            driver: driver.abort_handle(),
        })
    }

    async fn recycle(
        &self,
        conn: &mut Pooled,
        _: &deadpool::managed::Metrics,
    ) -> deadpool::managed::RecycleResult<DbError> {
        if conn.client.is_closed() {
            return Err(deadpool::managed::RecycleError::message(
                "connection closed",
            ));
        }
        // One round trip per checkout buys never handing out a connection the server dropped.
        // It comes before the request's flights are counted (`Conn::flights`).
        conn.client
            .simple_query("")
            .await
            .map_err(|e| deadpool::managed::RecycleError::Backend(DbError::from(e)))?;
        Ok(())
    }
}
