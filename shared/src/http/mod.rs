//! HTTP plumbing shared by Lambda, the local server and the tests: the endpoint description, the
//! parsed request (`Call`), response helpers, CORS and the one `dispatch` every request goes through.

pub mod call;
pub mod endpoint;
pub mod respond;
pub mod route;

pub use call::Call;
pub use endpoint::dispatch;
pub use endpoint::{Access, DatabaseFlights, Endpoint, Handler, HandlerFuture, Sizing};
pub use respond::Reply;
