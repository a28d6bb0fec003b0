//! `Ctx`: what every handler receives. Built once per process (cold start), cloned per request.

use std::sync::Arc;

use crate::auth::jwt::JwtKeys;
use crate::config::Config;
use crate::db::{Conn, Db};
use crate::error::{ApiError, ApiResult};
use crate::http::endpoint::Granted;

#[derive(Clone)]
pub struct Ctx {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    jwt: JwtKeys,
    db: Db,
    granted: Granted,
}

impl Ctx {
    pub fn new(config: Config, db: Db) -> Self {
        let jwt = JwtKeys::from_config(&config);
        Ctx {
            inner: Arc::new(Inner {
                config,
                jwt,
                db,
                granted: Granted::default(),
            }),
        }
    }

    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    pub fn jwt(&self) -> &JwtKeys {
        &self.inner.jwt
    }

    pub fn db(&self) -> &Db {
        &self.inner.db
    }

    /// The permissions the database last granted each caller this process served.
    pub(crate) fn granted(&self) -> &Granted {
        &self.inner.granted
    }

    /// A database connection for this request (the container's single connection in Lambda, a pooled
    /// one locally). Opened lazily: endpoints that never touch the database never connect. Pass the
    /// outcome of the work to `Conn::finish`, or the connection is thrown away when dropped.
    pub(crate) async fn conn(&self) -> ApiResult<Conn> {
        Ok(self.inner.db.checkout().await?)
    }

    /// `work` (everything a request does with its connection) within `DATABASE_REQUEST_TIMEOUT_MS`;
    /// past it the work is dropped, so its connection is thrown away, and the answer is a 503.
    pub(crate) async fn within_deadline<T>(
        &self,
        work: impl Future<Output = ApiResult<T>>,
    ) -> ApiResult<T> {
        let limit = self.inner.config.database_timeouts.request;
        tokio::time::timeout(limit, work).await.unwrap_or_else(|_| {
            Err(ApiError::Unavailable {
                context: format!(
                    "the database work of the request took over {} ms",
                    limit.as_millis()
                ),
                source: None,
            })
        })
    }
}
