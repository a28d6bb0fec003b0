//! Input helpers shared by handlers.

use serde::{Deserialize, Deserializer};

/// For `Option<Option<T>>` body fields of partial updates (use with `#[serde(default)]`): absent is
/// `None` (keep the value), `null` is `Some(None)` (clear it), a value is `Some(Some(v))`.
pub fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Input {
        #[serde(default, deserialize_with = "present")]
        email: Option<Option<String>>,
    }

    #[test]
    fn absent_null_and_value_differ() {
        let parse = |s: &str| serde_json::from_str::<Input>(s).unwrap().email;
        assert_eq!(parse("{}"), None);
        assert_eq!(parse(r#"{"email": null}"#), Some(None));
        assert_eq!(parse(r#"{"email": "a@b.co"}"#), Some(Some("a@b.co".into())));
    }
}
