//! The stored answers of idempotent writes (0010 `idempotency_keys`, `idempotency_claim`).

use tokio_postgres::types::Type;

use super::row;
use crate::db::Tx;
use crate::domain::UserId;
use crate::domain::idempotency::{Fingerprint, IdempotencyKey, StoredAnswer};
use crate::error::DbError;

/// What a key holds when a request claims it.
pub enum Claim {
    /// Nobody used the key (or its answer expired): this request runs, and its answer is stored.
    Fresh,
    /// A request with this key finished before: its fingerprint and answer.
    Stored {
        fingerprint: Vec<u8>,
        answer: StoredAnswer,
    },
}

/// Claim `key` for this request, waiting for a request still running with it to end first. Sent
/// on its first poll: with the authorization, in one flight.
pub async fn claim(
    tx: &Tx<'_>,
    user: UserId,
    key: &IdempotencyKey,
    fingerprint: &Fingerprint,
    ttl_seconds: i32,
) -> Result<Claim, DbError> {
    let fp: &[u8] = &fingerprint.0;
    let r = tx
        .query_one(
            "select fresh, fingerprint, status, content_type, body
               from idempotency_claim($1, $2, $3, $4)",
            &[&user.get(), &key.as_str(), &fp, &ttl_seconds],
        )
        .await?;
    if row::get::<bool>(&r, "fresh")? {
        return Ok(Claim::Fresh);
    }
    let status: Option<i16> = row::get(&r, "status")?;
    let status = status
        .and_then(|s| u16::try_from(s).ok())
        .ok_or_else(|| DbError::Unexpected("a committed idempotency key has no answer".into()))?;
    Ok(Claim::Stored {
        fingerprint: row::get(&r, "fingerprint")?,
        answer: StoredAnswer {
            status,
            content_type: row::get(&r, "content_type")?,
            body: row::get::<Option<Vec<u8>>>(&r, "body")?.unwrap_or_default(),
        },
    })
}

/// Mark where the request's own writes begin: an answer that is about the request (a 404, 409 or
/// 422) undoes them and keeps the claimed key, to store that answer.
pub fn savepoint(tx: &Tx<'_>) -> Result<(), DbError> {
    tx.batch_unchecked("savepoint idempotent_request")
}

pub fn undo_request(tx: &Tx<'_>) -> Result<(), DbError> {
    tx.batch_unchecked("rollback to savepoint idempotent_request")
}

/// Store the answer under the claimed key. Unchecked: it rides with the COMMIT, which reports
/// its failure.
pub fn store(
    tx: &Tx<'_>,
    user: UserId,
    key: &IdempotencyKey,
    answer: StoredAnswer,
) -> Result<(), DbError> {
    let status = i16::try_from(answer.status)
        .map_err(|_| DbError::Unexpected(format!("status {} out of range", answer.status)))?;
    tx.execute_unchecked(
        "update idempotency_keys set status = $3, content_type = $4, body = $5
          where tenant_id = app_current_tenant() and user_id = $1 and key = $2",
        vec![
            (Box::new(user.get()), Type::INT8),
            (Box::new(key.as_str().to_string()), Type::TEXT),
            (Box::new(status), Type::INT2),
            (Box::new(answer.content_type), Type::TEXT),
            (Box::new(answer.body), Type::BYTEA),
        ],
    )
}
