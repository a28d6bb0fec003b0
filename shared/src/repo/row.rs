//! Rows read by column name. Every row type implements [`FromRow`], usually through [`from_row!`],
//! which reads each field from the column of the same name (or an alias given in the invocation)
//! with `try_get`. Reordering a `select` list therefore cannot swap two fields of the same type, and
//! a missing or mistyped column is a `DbError` (a 500 with the column named in the log), never a
//! panic.

use tokio_postgres::Row;
use tokio_postgres::types::FromSql;

use crate::error::DbError;

/// A value built from one result row, by column name.
pub trait FromRow: Sized {
    fn from_row(row: &Row) -> Result<Self, DbError>;
}

/// The column `name` of `row`. Duplicate names in a select list must be aliased: the first column
/// of that name would win.
pub fn get<'a, T: FromSql<'a>>(row: &'a Row, name: &str) -> Result<T, DbError> {
    row.try_get(name).map_err(|source| DbError::Column {
        column: name.to_string(),
        source,
    })
}

pub(crate) fn all<T: FromRow>(rows: &[Row]) -> Result<Vec<T>, DbError> {
    rows.iter().map(T::from_row).collect()
}

pub(crate) fn optional<T: FromRow>(row: Option<Row>) -> Result<Option<T>, DbError> {
    row.as_ref().map(T::from_row).transpose()
}

pub(crate) fn one<T: FromRow>(row: Row) -> Result<T, DbError> {
    T::from_row(&row)
}

/// `from_row!(Type { field, other: "column_alias", … })`: a `FromRow` impl reading each field from
/// the column named like the field, or like the given alias.
macro_rules! from_row {
    ($ty:ident { $($field:ident $(: $column:literal)?),* $(,)? }) => {
        impl $crate::repo::row::FromRow for $ty {
            fn from_row(row: &tokio_postgres::Row) -> Result<Self, $crate::error::DbError> {
                Ok($ty {
                    $($field: $crate::repo::row::get(
                        row,
                        $crate::repo::row::from_row!(@column $field $($column)?),
                    )?,)*
                })
            }
        }
    };
    (@column $field:ident $column:literal) => {
        $column
    };
    (@column $field:ident) => {
        stringify!($field)
    };
}

pub(crate) use from_row;

#[cfg(test)]
mod tests {
    /// Rows are read by name: no positional `get(0)`/`try_get(0)` may come back into the code that
    /// reads rows (`repo`, `db`, the migration runner).
    #[test]
    fn repositories_read_columns_by_name() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = vec![src.join("migrate.rs")];
        for dir in ["repo", "db"] {
            for entry in std::fs::read_dir(src.join(dir)).unwrap() {
                files.push(entry.unwrap().path());
            }
        }
        let mut offenders = Vec::new();
        for path in files {
            let text = std::fs::read_to_string(&path).unwrap();
            for (n, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or("");
                for pat in ["get(", "get::<"] {
                    let mut rest = code;
                    while let Some(i) = rest.find(pat) {
                        rest = &rest[i + pat.len()..];
                        let arg = if pat == "get::<" {
                            rest.find(">(").map_or("", |j| &rest[j + 2..])
                        } else {
                            rest
                        };
                        if arg.trim_start().starts_with(|c: char| c.is_ascii_digit()) {
                            offenders.push(format!(
                                "{}:{}: {}",
                                path.display(),
                                n + 1,
                                line.trim()
                            ));
                        }
                    }
                }
            }
        }
        assert!(
            offenders.is_empty(),
            "positional column reads:\n{}",
            offenders.join("\n")
        );
    }
}
