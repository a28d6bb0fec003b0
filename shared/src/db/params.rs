//! Query parameters with their PostgreSQL types, so every query can use `query_typed`: the unnamed
//! statement in one round trip (no prepare), which also keeps RDS Proxy connections unpinned.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use tokio_postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};

use crate::domain::amount::{Grams, Money, Percent, Quantity, UnitPrice};
use crate::domain::metal::Purity;
use crate::domain::*;

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
    i16 => Type::INT2,
    Vec<u8> => Type::BYTEA,
    serde_json::Value => Type::JSONB,
    &[u8] => Type::BYTEA,
    Decimal => Type::NUMERIC,
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

type BoxError = Box<dyn std::error::Error + Sync + Send>;

/// Amounts travel as `numeric` both ways (no float8 cast anywhere). Read back, a value is rounded to
/// its type's scale, which the column's own scale (migration 0002) makes a no-op.
macro_rules! numeric_newtype {
    ($($t:ty),* $(,)?) => {$(
        impl PgType for $t { const TYPE: Type = Type::NUMERIC; }

        impl ToSql for $t {
            fn to_sql(&self, ty: &Type, out: &mut bytes::BytesMut) -> Result<IsNull, BoxError> {
                self.get().to_sql(ty, out)
            }
            fn accepts(ty: &Type) -> bool {
                <Decimal as ToSql>::accepts(ty)
            }
            to_sql_checked!();
        }

        impl<'a> FromSql<'a> for $t {
            fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
                Decimal::from_sql(ty, raw).map(<$t>::from_decimal)
            }
            fn accepts(ty: &Type) -> bool {
                <Decimal as FromSql>::accepts(ty)
            }
        }
    )*};
}

numeric_newtype!(Grams, Money, UnitPrice, Quantity, Percent, Purity);

/// Ids are `bigint` both ways; read back they are positive by construction (identity columns).
macro_rules! id_newtype {
    ($($t:ty),* $(,)?) => {$(
        impl PgType for $t { const TYPE: Type = Type::INT8; }

        impl ToSql for $t {
            fn to_sql(&self, ty: &Type, out: &mut bytes::BytesMut) -> Result<IsNull, BoxError> {
                self.get().to_sql(ty, out)
            }
            fn accepts(ty: &Type) -> bool {
                <i64 as ToSql>::accepts(ty)
            }
            to_sql_checked!();
        }

        impl<'a> FromSql<'a> for $t {
            fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
                i64::from_sql(ty, raw).map(<$t>::from_db)
            }
            fn accepts(ty: &Type) -> bool {
                <i64 as FromSql>::accepts(ty)
            }
        }
    )*};
}

crate::domain::ids::with_id_types!(id_newtype);
