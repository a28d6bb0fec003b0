//! `/api/v1/auth/*`: sign-up, login, tokens and the caller's own account.

pub mod change_password;
pub mod login;
pub mod login_history;
pub mod logout;
pub mod me;
pub mod refresh;
pub mod register;
