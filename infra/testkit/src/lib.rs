//! Test and development support shared by the API tests, the stack test, the migrator tests, the
//! bench (`cargo xtask bench`) and the local server (`cargo run -p local`). None of it is in a Lambda
//! binary: `functions` and `shared` never depend on this crate (`functions` only as a
//! dev-dependency), so `cargo tree -p functions -e normal` does not list it.
//!
//! - [`pgembed`]: a PostgreSQL server started from the locally installed binaries;
//! - [`event`]: API Gateway REST (v1) proxy events, parsed exactly as the Lambda runtime parses them;
//! - [`jwt`]: access tokens signed with any secret (expired or tampered tokens for tests);
//! - [`runtime`]: a fake Lambda Runtime API on 127.0.0.1 that real function binaries run against;
//! - [`http1`]: the minimal HTTP/1.1 server side that `runtime` and the tests' stub services use;
//! - [`init_tracing`]: logs for tests, off unless `TEST_LOG` is set.

pub mod client;
pub mod event;
pub mod http1;
pub mod jwt;
pub mod pgembed;
pub mod runtime;

/// Tests stay quiet unless `TEST_LOG` is set; then they log at debug level, as JSON lines.
pub fn init_tracing() {
    if std::env::var("TEST_LOG").is_ok() {
        shared::telemetry::init("debug");
    }
}
