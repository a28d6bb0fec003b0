//! An `Idempotency-Key`: the client's name for one logical write, so that its retries are answered
//! from the first attempt instead of writing again (README, "Idempotency keys").

use sha2::{Digest, Sha256};

/// 1 to 255 printable ASCII characters (space to `~`), neither first nor last a space (HTTP drops
/// a header value's outer spaces, so a key cannot have them on the wire), as the header arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

pub const MAX_KEY_LEN: usize = 255;

/// The key's shape as a regular expression, for the OpenAPI document.
pub const KEY_PATTERN: &str = r"^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$";

impl IdempotencyKey {
    /// The header's raw bytes, `None` when they are not a key. Bytes, not a `str`: a header value
    /// that is not ASCII is refused the same way as one that is too long.
    pub fn parse(raw: &[u8]) -> Option<Self> {
        let printable = raw.iter().all(|b| (0x20..=0x7e).contains(b));
        let (first, last) = (raw.first()?, raw.last()?);
        if raw.len() > MAX_KEY_LEN || !printable || *first == b' ' || *last == b' ' {
            return None;
        }
        String::from_utf8(raw.to_vec()).ok().map(IdempotencyKey)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// SHA-256 of what makes two requests the same request: the endpoint, its path parameters, its
/// query and its body. Each part is length-prefixed, so no two different requests run together
/// into the same bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint(pub [u8; 32]);

impl Fingerprint {
    pub fn of(endpoint: &str, path: &[(&str, &str)], query: &[(&str, &str)], body: &[u8]) -> Self {
        let mut h = Sha256::new();
        let mut part = |bytes: &[u8]| {
            h.update((bytes.len() as u64).to_be_bytes());
            h.update(bytes);
        };
        part(endpoint.as_bytes());
        let mut path = path.to_vec();
        path.sort_unstable();
        for (k, v) in path {
            part(k.as_bytes());
            part(v.as_bytes());
        }
        part(b"?");
        for (k, v) in query {
            part(k.as_bytes());
            part(v.as_bytes());
        }
        part(body);
        Fingerprint(h.finalize().into())
    }
}

/// An answer kept under a key, replayed to the key's retries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAnswer {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_one_to_255_printable_ascii_characters() {
        assert_eq!(
            IdempotencyKey::parse(b"order-2026-12-02 #1").map(|k| k.0),
            Some("order-2026-12-02 #1".to_string())
        );
        assert!(IdempotencyKey::parse(&[b'k'; 255]).is_some());
        assert!(IdempotencyKey::parse(&[b'k'; 256]).is_none());
        assert!(IdempotencyKey::parse(b"").is_none());
        assert!(IdempotencyKey::parse(b"tab\there").is_none());
        assert!(IdempotencyKey::parse("clé".as_bytes()).is_none());
        assert!(IdempotencyKey::parse(b"nul\0").is_none());
        assert!(IdempotencyKey::parse(b" lead").is_none());
        assert!(IdempotencyKey::parse(b"trail ").is_none());
        assert!(IdempotencyKey::parse(b"!").is_some());
    }

    #[test]
    fn fingerprints_tell_requests_apart_and_ignore_path_parameter_order() {
        let a = Fingerprint::of("orders_update", &[("order_id", "7")], &[], b"{\"a\":1}");
        assert_eq!(
            a,
            Fingerprint::of("orders_update", &[("order_id", "7")], &[], b"{\"a\":1}")
        );
        assert_ne!(
            a,
            Fingerprint::of("orders_update", &[("order_id", "7")], &[], b"{\"a\":2}")
        );
        assert_ne!(
            a,
            Fingerprint::of("orders_update", &[("order_id", "8")], &[], b"{\"a\":1}")
        );
        assert_ne!(
            a,
            Fingerprint::of("orders_delete", &[("order_id", "7")], &[], b"{\"a\":1}")
        );
        // Length prefixes: moving bytes between parts changes the fingerprint.
        assert_ne!(
            Fingerprint::of("e", &[("ab", "c")], &[], b""),
            Fingerprint::of("e", &[("a", "bc")], &[], b"")
        );
        let two = [("x", "1"), ("y", "2")];
        assert_eq!(
            Fingerprint::of("e", &two, &[], b""),
            Fingerprint::of("e", &[two[1], two[0]], &[], b"")
        );
        assert_ne!(
            Fingerprint::of("e", &[], &[("q", "1")], b""),
            Fingerprint::of("e", &[], &[], b"")
        );
    }
}
