//! Logging: JSON lines on stdout with the request id and tenant id of the request span. Passwords,
//! tokens and bodies are never logged (`Call`'s Debug prints none of them).

use tracing_subscriber::EnvFilter;

/// Install the global subscriber once. `LOG_LEVEL` (or `RUST_LOG`) sets the filter.
pub fn init(level: &str) {
    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|f| EnvFilter::try_new(f).ok())
        .or_else(|| EnvFilter::try_new(level).ok())
        .unwrap_or_else(|| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(true)
        .with_span_list(false)
        .flatten_event(true)
        .without_time()
        .with_target(false)
        .try_init();
}
