//! Typed ids. An id of the wrong kind cannot be passed by mistake, and a path segment that is not a
//! positive integer is a 422 before any query runs.

macro_rules! id_type {
    ($($name:ident),* $(,)?) => {$(
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(i64);

        impl $name {
            pub fn new(v: i64) -> Option<Self> {
                (v > 0).then_some(Self(v))
            }
            /// For ids read back from the database, which are positive by construction.
            pub fn from_db(v: i64) -> Self {
                Self(v)
            }
            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl std::str::FromStr for $name {
            type Err = ();
            fn from_str(s: &str) -> Result<Self, ()> {
                s.parse::<i64>().ok().and_then(Self::new).ok_or(())
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        /// On the wire an id is a plain integer, so its schema is `i64`'s, inline.
        #[cfg(feature = "openapi")]
        impl schemars::JsonSchema for $name {
            fn inline_schema() -> bool {
                true
            }
            fn schema_name() -> std::borrow::Cow<'static, str> {
                <i64 as schemars::JsonSchema>::schema_name()
            }
            fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
                <i64 as schemars::JsonSchema>::json_schema(generator)
            }
        }
    )*};
}

/// Calls `$m!` with every id type, so code elsewhere (the database conversions in `db::params`) can
/// cover them all without repeating the list.
macro_rules! with_id_types {
    ($m:ident) => {
        $m!(
            TenantId,
            UserId,
            RoleId,
            PermissionId,
            CompanyId,
            ContactId,
            AddressId,
            MetalId,
            LookupValueId,
            DepartmentId,
            SupplyId,
            OrderId,
            ShipmentId,
            LedgerEntryId,
        );
    };
}

pub(crate) use with_id_types;

with_id_types!(id_type);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_must_be_positive_integers() {
        assert_eq!("7".parse::<UserId>(), Ok(UserId::from_db(7)));
        for bad in ["0", "-1", "abc", "1.5", ""] {
            assert!(bad.parse::<UserId>().is_err(), "{bad:?} must be refused");
        }
        assert_eq!(serde_json::to_string(&TenantId::from_db(3)).unwrap(), "3");
    }
}
