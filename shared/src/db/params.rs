//! Query parameters with their PostgreSQL types, so every query can use `query_typed`: the unnamed
//! statement in one round trip (no prepare), which also keeps RDS Proxy connections unpinned.

use chrono::{DateTime, NaiveDate, Utc};
use tokio_postgres::types::{ToSql, Type};

pub trait PgType {
    const TYPE: Type;
}

macro_rules! pg_type {
    ($($t:ty => $pg:expr),* $(,)?) => {$(
        impl PgType for $t { const TYPE: Type = $pg; }
    )*};
}

pg_type!(
    i64 => Type::INT8,
    i32 => Type::INT4,
    f64 => Type::FLOAT8,
    bool => Type::BOOL,
    String => Type::TEXT,
    &str => Type::TEXT,
    DateTime<Utc> => Type::TIMESTAMPTZ,
    NaiveDate => Type::DATE,
    Vec<i64> => Type::INT8_ARRAY,
    Vec<String> => Type::TEXT_ARRAY,
    &[i64] => Type::INT8_ARRAY,
    &[&str] => Type::TEXT_ARRAY,
);

impl<T: PgType> PgType for Option<T> {
    const TYPE: Type = T::TYPE;
}

/// A value that can be bound to a query together with its type.
pub trait Param: Sync {
    fn as_sql(&self) -> &(dyn ToSql + Sync);
    fn pg_type(&self) -> Type;
}

impl<T: PgType + ToSql + Sync> Param for T {
    fn as_sql(&self) -> &(dyn ToSql + Sync) {
        self
    }
    fn pg_type(&self) -> Type {
        T::TYPE
    }
}

pub(crate) fn typed<'a>(params: &'a [&'a dyn Param]) -> Vec<(&'a (dyn ToSql + Sync), Type)> {
    params.iter().map(|p| (p.as_sql(), p.pg_type())).collect()
}
