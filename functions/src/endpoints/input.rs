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

/// For integer body fields: a JSON number with no fractional part, written either way (`3` or
/// `3.0`). JSON Schema's `integer`, which the document states, is "a number with a zero fractional
/// part", so `3.0` is valid and the schema-fuzzing suite sends it; serde's integers take only `3`
/// (a 422 `invalid type: floating point`). Fractions and values past `T` are still refused.
pub fn whole<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<i64>,
{
    struct Whole;
    impl serde::de::Visitor<'_> for Whole {
        type Value = i64;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a whole number")
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<i64, E> {
            Ok(v)
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<i64, E> {
            i64::try_from(v).map_err(|_| E::custom(format_args!("{v} is out of range")))
        }
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<i64, E> {
            // Below 2^63 in magnitude, so the cast is exact.
            if v.fract() == 0.0 && v.abs() < 9.223_372_036_854_775e18 {
                Ok(v as i64)
            } else {
                Err(E::custom(format_args!(
                    "{v} is not a whole number in range"
                )))
            }
        }
    }
    let v = d.deserialize_any(Whole)?;
    T::try_from(v).map_err(|_| serde::de::Error::custom(format_args!("{v} is out of range")))
}

/// [`whole`] for an optional field (`null` or absent is `None`; use with `#[serde(default)]`).
pub fn whole_opt<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<i64>,
{
    #[derive(Deserialize)]
    struct W(#[serde(deserialize_with = "whole")] i64);
    match Option::<W>::deserialize(d)? {
        None => Ok(None),
        Some(W(v)) => T::try_from(v)
            .map(Some)
            .map_err(|_| serde::de::Error::custom(format_args!("{v} is out of range"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Order {
        #[serde(default, deserialize_with = "whole")]
        sort_order: i32,
        #[serde(default, deserialize_with = "whole_opt")]
        maybe: Option<i32>,
        #[serde(default, deserialize_with = "whole_opt")]
        big: Option<i64>,
    }

    #[test]
    fn whole_numbers_are_taken_written_either_way() {
        let parse = |s: &str| serde_json::from_str::<Order>(s).map(|o| (o.sort_order, o.maybe));
        let big = |s: &str| serde_json::from_str::<Order>(s).map(|o| o.big);
        assert_eq!(big(r#"{"big": 306125.0}"#).unwrap(), Some(306_125));
        assert_eq!(
            big(r#"{"big": 9223372036854775807}"#).unwrap(),
            Some(i64::MAX)
        );
        assert!(big(r#"{"big": 1e19}"#).is_err());
        assert_eq!(parse(r#"{"sort_order": 3}"#).unwrap(), (3, None));
        assert_eq!(parse(r#"{"sort_order": -4192.0}"#).unwrap(), (-4192, None));
        assert_eq!(parse(r#"{"maybe": 7.0}"#).unwrap(), (0, Some(7)));
        assert_eq!(parse(r#"{"maybe": null}"#).unwrap(), (0, None));
        assert_eq!(
            parse(r#"{"sort_order": 2147483647.0}"#).unwrap().0,
            i32::MAX
        );
        for refused in [
            r#"{"sort_order": 1.5}"#,
            r#"{"sort_order": 2147483648}"#,
            r#"{"sort_order": -2147483649.0}"#,
            r#"{"sort_order": "3"}"#,
            r#"{"maybe": 0.25}"#,
        ] {
            assert!(parse(refused).is_err(), "{refused} must be refused");
        }
    }

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
