//! The physical floor `cargo xtask bench` measures each function against: a Lambda function built
//! with the same runtime crates and profile as the endpoints (`lambda_http` on a current-thread tokio
//! runtime) that does nothing but what its environment asks for, with nothing of `shared`:
//!
//! - `FLOOR_SQL`: run that SQL with plain `tokio-postgres` (no TLS, as the bench's database) on a
//!   connection opened at the first invocation and kept. It is sent as one simple-query message:
//!   every statement in one network flight, the fewest round trips those statements can take.
//! - `FLOOR_BCRYPT_HASH`: verify the password `FLOOR_BCRYPT_PASSWORD` against it, on the runtime's
//!   own thread.
//!
//! Its cold start to first response is the floor of a function's (an empty function, plus a fresh
//! connection and the same SQL); its warm invocations, the floor of a warm request.

use lambda_http::{Body, Error, Request, Response, service_fn};
use tokio::sync::Mutex;

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|s| !s.trim().is_empty())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let sql = var("FLOOR_SQL");
    let url = var("DATABASE_URL").unwrap_or_default();
    let bcrypt =
        var("FLOOR_BCRYPT_HASH").map(|h| (h, var("FLOOR_BCRYPT_PASSWORD").unwrap_or_default()));
    let client: Mutex<Option<tokio_postgres::Client>> = Mutex::new(None);
    let (sql, url, bcrypt, client) = (&sql, &url, &bcrypt, &client);
    lambda_http::run(service_fn(move |_req: Request| async move {
        if let Some(sql) = sql {
            let mut slot = client.lock().await;
            if slot.is_none() {
                let (c, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
                tokio::spawn(conn);
                *slot = Some(c);
            }
            if let Some(c) = slot.as_ref() {
                // The server's message, not tokio-postgres' bare "db error", so a bad script is clear.
                c.simple_query(sql)
                    .await
                    .map_err(|e| match e.as_db_error() {
                        Some(db) => Error::from(format!("{}: {}", db.code().code(), db.message())),
                        None => Error::from(e),
                    })?;
            }
        }
        if let Some((hash, password)) = bcrypt
            && !bcrypt::verify(password, hash)?
        {
            return Err(Error::from(
                "FLOOR_BCRYPT_PASSWORD does not match FLOOR_BCRYPT_HASH",
            ));
        }
        Ok::<_, Error>(
            Response::builder()
                .status(200)
                .header("content-type", "application/json")
                .body(Body::from("{}"))?,
        )
    }))
    .await
}
