//! One error type for the whole request path, mapped to HTTP answers in exactly one place
//! (`ApiError::status` + `http::respond::error`).
//!
//! Library layers (repositories, domain parsers) return their own errors and convert into `ApiError`;
//! handlers return `ApiResult<_>` and never build error responses themselves.

use serde::Serialize;

/// One failing field of a 422 answer, in the shape FastAPI clients already know.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FieldError {
    pub loc: Vec<String>,
    pub msg: String,
    #[serde(rename = "type")]
    pub kind: String,
}

impl FieldError {
    pub fn new(loc: &[&str], msg: impl Into<String>, kind: &str) -> Self {
        Self {
            loc: loc.iter().map(|s| s.to_string()).collect(),
            msg: msg.into(),
            kind: kind.to_string(),
        }
    }

    /// A failing body field: `loc = ["body", field]`.
    pub fn body(field: &str, msg: impl Into<String>) -> Self {
        Self::new(&["body", field], msg, "value_error")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 422: the request is well-formed HTTP but its content is invalid.
    #[error("validation failed: {0:?}")]
    Validation(Vec<FieldError>),
    #[error("bad request: {0}")]
    BadRequest(String),
    /// 401; the message is deliberately vague where it could leak account state.
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("conflict: {0}")]
    Conflict(String),
    /// 413: the body is larger than any endpoint takes.
    #[error("payload too large: {0}")]
    PayloadTooLarge(String),
    /// 415: a body in a content type the endpoint does not read.
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    /// 503: the database is down, restarting, out of connections, or did not answer in time. Worth
    /// retrying (`Retry-After`); the cause is for the logs only.
    #[error("unavailable: {context}")]
    Unavailable {
        context: String,
        #[source]
        source: Option<BoxError>,
    },
    /// 503 for a write whose COMMIT was sent but never confirmed (the connection broke or the
    /// deadline passed while the database was committing): the change may or may not be saved, and
    /// the answer says so, because a client told only "retry" could create a second copy.
    #[error("commit outcome unknown: {context}")]
    CommitUnknown {
        context: String,
        #[source]
        source: Option<BoxError>,
    },
    /// 500: the context and the cause are for the logs only; the client sees "Internal server error".
    #[error("internal: {context}")]
    Internal {
        context: String,
        #[source]
        source: Option<BoxError>,
    },
}

/// The cause of an internal error, kept whole so `dispatch` can log the chain.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn field(field: &str, msg: impl Into<String>) -> Self {
        ApiError::Validation(vec![FieldError::body(field, msg)])
    }

    /// A failing query parameter: `loc = ["query", field]`.
    pub fn query_field(field: &str, msg: impl Into<String>) -> Self {
        ApiError::Validation(vec![FieldError::new(&["query", field], msg, "value_error")])
    }

    pub fn not_found(what: &str, id: impl std::fmt::Display) -> Self {
        ApiError::NotFound(format!("{what} with id {id} not found"))
    }

    /// A failure of ours, with its cause: `context` says what we were doing.
    pub fn internal(context: &str, err: impl Into<BoxError>) -> Self {
        ApiError::Internal {
            context: context.to_string(),
            source: Some(err.into()),
        }
    }

    /// A broken invariant (a row that must exist does not): there is no underlying error to keep.
    pub fn bug(what: impl Into<String>) -> Self {
        ApiError::Internal {
            context: what.into(),
            source: None,
        }
    }

    /// 401 for a missing, malformed, expired or revoked token, or an inactive user or tenant. One
    /// message for all of them: the reason is not the caller's business.
    pub fn unauthenticated() -> Self {
        ApiError::Unauthorized("Could not validate credentials".to_string())
    }

    /// 403 naming the permission the caller's role lacks.
    pub fn missing_permission(permission: &str) -> Self {
        ApiError::Forbidden(format!("Permission '{permission}' required"))
    }

    /// The same error for a nested object: a body field `f` becomes `prefix.f` (an order's inline
    /// `metal_deposit` reports `metal_deposit.metal_id`); other errors are unchanged.
    pub fn within(self, prefix: &str) -> Self {
        match self {
            ApiError::Validation(errors) => ApiError::Validation(
                errors
                    .into_iter()
                    .map(|mut e| {
                        let at = usize::from(e.loc.first().is_some_and(|l| l == "body"));
                        e.loc.insert(at, prefix.to_string());
                        e
                    })
                    .collect(),
            ),
            other => other,
        }
    }

    /// Whether the database could not serve the request (503): the connection it ran on is not to
    /// be used again.
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            ApiError::Unavailable { .. } | ApiError::CommitUnknown { .. }
        )
    }

    /// This error as the failure of a COMMIT that was sent: an unavailable database then leaves the
    /// outcome unknown. Any other error (a deferred constraint) is the database's definite refusal.
    pub fn while_committing(self) -> Self {
        match self {
            ApiError::Unavailable { context, source } => ApiError::CommitUnknown {
                context: format!("while committing: {context}"),
                source,
            },
            other => other,
        }
    }

    /// This error and its causes, outermost first, joined for one log field.
    pub fn chain(&self) -> String {
        let mut out = self.to_string();
        let mut next = std::error::Error::source(self);
        while let Some(e) = next {
            out.push_str(": ");
            out.push_str(&e.to_string());
            next = e.source();
        }
        out
    }

    pub fn status(&self) -> u16 {
        match self {
            ApiError::Validation(_) => 422,
            ApiError::BadRequest(_) => 400,
            ApiError::Unauthorized(_) => 401,
            ApiError::Forbidden(_) => 403,
            ApiError::NotFound(_) => 404,
            ApiError::Conflict(_) => 409,
            ApiError::PayloadTooLarge(_) => 413,
            ApiError::UnsupportedMediaType(_) => 415,
            ApiError::Unavailable { .. } | ApiError::CommitUnknown { .. } => 503,
            ApiError::Internal { .. } => 500,
        }
    }

    /// The string the client sees in `detail`.
    pub fn detail(&self) -> String {
        match self {
            ApiError::Validation(errors) => match errors.first() {
                Some(e) => {
                    let field = e
                        .loc
                        .iter()
                        .filter(|l| !matches!(l.as_str(), "body" | "query" | "path" | "header"))
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(".");
                    if field.is_empty() {
                        e.msg.clone()
                    } else {
                        format!("{field}: {}", e.msg)
                    }
                }
                None => "Invalid request".to_string(),
            },
            ApiError::BadRequest(m)
            | ApiError::Unauthorized(m)
            | ApiError::Forbidden(m)
            | ApiError::NotFound(m)
            | ApiError::Conflict(m)
            | ApiError::PayloadTooLarge(m)
            | ApiError::UnsupportedMediaType(m) => m.clone(),
            ApiError::Unavailable { .. } => {
                "Service temporarily unavailable, please retry".to_string()
            }
            ApiError::CommitUnknown { .. } => COMMIT_UNKNOWN_DETAIL.to_string(),
            ApiError::Internal { .. } => "Internal server error".to_string(),
        }
    }
}

/// The `detail` of a write whose commit the database never confirmed.
pub const COMMIT_UNKNOWN_DETAIL: &str = "The database stopped answering while this change was being \
     saved, so it may or may not have been saved: check before repeating it";

/// Errors from the database layer. Constraint violations carry the constraint name so use cases can
/// turn them into 409/422 answers without a racy "check first".
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("unique violation on {constraint}")]
    Unique { constraint: String },
    #[error("foreign key violation on {constraint}")]
    ForeignKey { constraint: String },
    #[error("check violation on {constraint}")]
    Check { constraint: String },
    /// No usable connection: the server is down, unreachable, shutting down or out of connection
    /// slots, the connection broke, the pool is exhausted, TLS failed, or a statement or the request
    /// ran past its timeout. Answered 503, and the connection it happened on is thrown away.
    #[error("database unavailable: {context}")]
    Unavailable {
        context: String,
        #[source]
        source: Option<BoxError>,
    },
    /// Any other error of a statement, kept whole (SQLSTATE, message, position) for the logs.
    #[error("database error")]
    Postgres(#[source] tokio_postgres::Error),
    /// A column of a result row is missing or has another type than the row struct says.
    #[error("reading column {column}")]
    Column {
        column: String,
        #[source]
        source: tokio_postgres::Error,
    },
    /// The database answered something our code rules out (no row where one must be).
    #[error("unexpected database answer: {0}")]
    Unexpected(String),
}

impl DbError {
    pub fn unavailable(context: &str, source: impl Into<BoxError>) -> Self {
        DbError::Unavailable {
            context: context.to_string(),
            source: Some(source.into()),
        }
    }

    /// A value too large for its `numeric(p,s)` column (SQLSTATE 22003), e.g. a balance incremented
    /// past what the column holds.
    pub fn is_out_of_range(&self) -> bool {
        matches!(self, DbError::Postgres(e)
            if e.code() == Some(&tokio_postgres::error::SqlState::NUMERIC_VALUE_OUT_OF_RANGE))
    }

    pub fn constraint(&self) -> Option<&str> {
        match self {
            DbError::Unique { constraint }
            | DbError::ForeignKey { constraint }
            | DbError::Check { constraint } => Some(constraint),
            _ => None,
        }
    }
}

/// SQLSTATEs that say the server cannot serve us now rather than that the statement is wrong: a
/// retry later (on a new connection) may well succeed.
fn unavailable_reason(code: &tokio_postgres::error::SqlState) -> Option<&'static str> {
    use tokio_postgres::error::SqlState;
    let known = [
        (SqlState::ADMIN_SHUTDOWN, "server shutting down (57P01)"),
        (SqlState::CRASH_SHUTDOWN, "server crashed (57P02)"),
        (
            SqlState::CANNOT_CONNECT_NOW,
            "server starting or stopping (57P03)",
        ),
        (
            SqlState::TOO_MANY_CONNECTIONS,
            "too many connections (53300)",
        ),
        (
            SqlState::IDLE_SESSION_TIMEOUT,
            "idle session timeout (57P05)",
        ),
        // What `statement_timeout` raises (also an explicit cancel): the statement ran too long.
        (SqlState::QUERY_CANCELED, "statement timeout (57014)"),
    ];
    if let Some((_, reason)) = known.iter().find(|(c, _)| c == code) {
        return Some(reason);
    }
    // Class 08, connection exception.
    code.code()
        .starts_with("08")
        .then_some("connection exception (08)")
}

impl From<tokio_postgres::Error> for DbError {
    fn from(e: tokio_postgres::Error) -> Self {
        if let Some(db) = e.as_db_error() {
            let constraint = db.constraint().unwrap_or_default().to_string();
            let code = db.code();
            use tokio_postgres::error::SqlState;
            if let Some(reason) = unavailable_reason(code) {
                return DbError::unavailable(reason, e);
            }
            if *code == SqlState::UNIQUE_VIOLATION {
                return DbError::Unique { constraint };
            }
            if *code == SqlState::FOREIGN_KEY_VIOLATION {
                return DbError::ForeignKey { constraint };
            }
            if *code == SqlState::CHECK_VIOLATION {
                return DbError::Check { constraint };
            }
            return DbError::Postgres(e);
        }
        if e.is_closed() {
            return DbError::unavailable("connection closed", e);
        }
        // A socket error (reset, broken pipe, timeout) under the driver's error.
        if std::error::Error::source(&e).is_some_and(|s| s.is::<std::io::Error>()) {
            return DbError::unavailable("connection broken", e);
        }
        DbError::Postgres(e)
    }
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Unavailable { .. } => ApiError::Unavailable {
                context: "database".to_string(),
                source: Some(Box::new(e)),
            },
            e => ApiError::internal("database", e),
        }
    }
}

/// Turn specific constraint violations into client errors, leave everything else as it is (a
/// `DbError` becomes an internal error).
///
/// ```ignore
/// repo::insert(tx, &row)
///     .await
///     .on_constraints(&[
///         ("uq_metal_code_per_tenant", &|| ApiError::Conflict(..)),
///         ("metals_code_check", &|| ApiError::field("code", "..")),
///     ])?;
/// ```
pub trait OnConstraint<T> {
    /// A violation of the constraint `name` is answered with `f()`.
    fn on_constraint(self, name: &str, f: impl FnOnce() -> ApiError) -> Result<T, ApiError>;

    /// A violation of one of several constraints, each with its own answer (the first whose name
    /// matches).
    fn on_constraints(self, cases: &[(&str, &dyn Fn() -> ApiError)]) -> Result<T, ApiError>;

    /// Any foreign-key violation, whichever constraint: a delete that rows still referring to the
    /// deleted one block (they may have appeared after a check for them).
    fn on_foreign_key(self, f: impl FnOnce() -> ApiError) -> Result<T, ApiError>;
}

impl<T> OnConstraint<T> for Result<T, DbError> {
    fn on_constraint(self, name: &str, f: impl FnOnce() -> ApiError) -> Result<T, ApiError> {
        match self {
            Ok(v) => Ok(v),
            Err(e) if e.constraint() == Some(name) => Err(f()),
            Err(e) => Err(e.into()),
        }
    }

    fn on_constraints(self, cases: &[(&str, &dyn Fn() -> ApiError)]) -> Result<T, ApiError> {
        self.map_err(|e| {
            let answer = e
                .constraint()
                .and_then(|c| cases.iter().find(|(name, _)| *name == c));
            match answer {
                Some((_, f)) => f(),
                None => e.into(),
            }
        })
    }

    fn on_foreign_key(self, f: impl FnOnce() -> ApiError) -> Result<T, ApiError> {
        match self {
            Ok(v) => Ok(v),
            Err(DbError::ForeignKey { .. }) => Err(f()),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unique(c: &str) -> Result<(), DbError> {
        Err(DbError::Unique {
            constraint: c.to_string(),
        })
    }

    #[test]
    fn only_an_unavailable_database_leaves_a_commit_unknown() {
        let down = ApiError::from(DbError::Unavailable {
            context: "connection closed".into(),
            source: None,
        });
        assert_eq!(
            down.detail(),
            "Service temporarily unavailable, please retry"
        );
        let unknown = down.while_committing();
        assert_eq!(
            (unknown.status(), unknown.detail().as_str()),
            (503, COMMIT_UNKNOWN_DETAIL)
        );
        assert!(
            unknown.is_unavailable(),
            "its connection is thrown away too"
        );
        // A deferred constraint refused at COMMIT is the database's definite "no".
        let refused = ApiError::Conflict("taken".into()).while_committing();
        assert_eq!(
            (refused.status(), refused.detail().as_str()),
            (409, "taken")
        );
    }

    #[test]
    fn named_constraints_get_their_answer_and_others_stay_internal() {
        let conflict = || ApiError::Conflict("taken".into());
        assert_eq!(
            unique("a")
                .on_constraint("a", conflict)
                .unwrap_err()
                .status(),
            409
        );
        assert_eq!(
            unique("b")
                .on_constraint("a", conflict)
                .unwrap_err()
                .status(),
            500
        );
        assert!(Ok::<_, DbError>(7).on_constraint("a", conflict).is_ok());

        let cases: &[(&str, &dyn Fn() -> ApiError)] = &[
            ("a", &|| ApiError::Conflict("a".into())),
            ("b", &|| ApiError::field("code", "b")),
        ];
        assert_eq!(unique("a").on_constraints(cases).unwrap_err().detail(), "a");
        assert_eq!(
            unique("b").on_constraints(cases).unwrap_err().detail(),
            "code: b"
        );
        assert_eq!(unique("c").on_constraints(cases).unwrap_err().status(), 500);
        let other: Result<(), DbError> = Err(DbError::Unexpected("boom".into()));
        assert_eq!(other.on_constraints(cases).unwrap_err().status(), 500);
        // A violation without a constraint name matches no case, not even an empty name.
        assert_eq!(
            unique("")
                .on_constraints(&[("x", &|| ApiError::Conflict("x".into()))])
                .unwrap_err()
                .status(),
            500
        );
    }

    #[test]
    fn an_unavailable_database_is_a_503_without_internals() {
        let e: ApiError =
            DbError::unavailable("connect", std::io::Error::other("10.0.0.5:5432")).into();
        assert_eq!(e.status(), 503);
        assert!(e.is_unavailable());
        assert!(!e.detail().contains("10.0.0.5"), "{}", e.detail());
        assert!(
            e.chain().contains("10.0.0.5"),
            "the logs keep the cause: {}",
            e.chain()
        );
        let other: ApiError = DbError::Unexpected("boom".into()).into();
        assert_eq!(other.status(), 500);
        assert!(!other.is_unavailable());
    }

    #[test]
    fn server_side_unavailability_codes_are_recognised() {
        use tokio_postgres::error::SqlState;
        for code in [
            SqlState::ADMIN_SHUTDOWN,
            SqlState::CRASH_SHUTDOWN,
            SqlState::CANNOT_CONNECT_NOW,
            SqlState::TOO_MANY_CONNECTIONS,
            SqlState::QUERY_CANCELED,
            SqlState::CONNECTION_FAILURE,
        ] {
            assert!(unavailable_reason(&code).is_some(), "{code:?}");
        }
        for code in [
            SqlState::UNIQUE_VIOLATION,
            SqlState::SYNTAX_ERROR,
            SqlState::T_R_DEADLOCK_DETECTED,
        ] {
            assert!(unavailable_reason(&code).is_none(), "{code:?}");
        }
    }

    #[test]
    fn any_foreign_key_violation_can_be_answered() {
        let fk: Result<(), DbError> = Err(DbError::ForeignKey {
            constraint: "whatever_fkey".into(),
        });
        assert_eq!(
            fk.on_foreign_key(|| ApiError::Conflict("in use".into()))
                .unwrap_err()
                .detail(),
            "in use"
        );
        assert_eq!(
            unique("a")
                .on_foreign_key(|| ApiError::Conflict("in use".into()))
                .unwrap_err()
                .status(),
            500
        );
    }
}
