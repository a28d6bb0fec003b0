//! Password hashing with bcrypt, always on a blocking thread so a 0.3 s hash never stalls the runtime.

use crate::domain::Password;
use crate::error::{ApiError, ApiResult};

pub async fn hash(password: &Password, cost: u32) -> ApiResult<String> {
    let pw = password.expose().to_string();
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || {
        let _g = span.enter();
        bcrypt::hash(pw, cost)
    })
    .await
    .map_err(|e| ApiError::internal("bcrypt task", e))?
    .map_err(|e| ApiError::internal("bcrypt hash", e))
}

/// Verify `password` against `stored`; with `stored == None` (unknown user) a throwaway hash of the
/// same cost is computed instead, so the answer takes as long as for a wrong password.
pub async fn verify(password: &str, stored: Option<String>, cost: u32) -> ApiResult<bool> {
    let pw = password.to_string();
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || {
        let _g = span.enter();
        match stored {
            Some(h) => Ok(bcrypt::verify(pw, &h).unwrap_or(false)),
            None => bcrypt::hash(pw, cost).map(|_| false),
        }
    })
    .await
    .map_err(|e| ApiError::internal("bcrypt task", e))?
    .map_err(|e| ApiError::internal("bcrypt verify", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_unknown_users_never_pass() {
        let pw = Password::parse("correct horse").unwrap();
        let h = hash(&pw, 4).await.unwrap();
        assert!(h.starts_with("$2b$04$"));
        assert!(verify("correct horse", Some(h.clone()), 4).await.unwrap());
        assert!(!verify("wrong horse!", Some(h), 4).await.unwrap());
        assert!(!verify("correct horse", None, 4).await.unwrap());
        assert!(!verify("x", Some("not-a-hash".into()), 4).await.unwrap());
    }
}
