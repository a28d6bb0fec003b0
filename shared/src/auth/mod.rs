//! Authentication primitives: JWT access tokens, bcrypt passwords, opaque refresh tokens.

pub mod jwt;
pub mod password;

use rand::RngCore;
use sha2::{Digest, Sha256};

/// `n` random bytes from the OS generator, hex-encoded.
pub fn random_token_hex(n: usize) -> String {
    let mut buf = vec![0u8; n];
    rand::rng().fill_bytes(&mut buf);
    hex::encode(buf)
}

/// A refresh token is 256 random bits; only its SHA-256 is stored, so a database leak yields no
/// usable tokens. (A slow hash is unnecessary: the input already has 256 bits of entropy.)
pub fn new_refresh_token() -> String {
    random_token_hex(32)
}

pub fn hash_refresh_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_tokens_are_256_bit_and_hashed_deterministically() {
        let t = new_refresh_token();
        assert_eq!(t.len(), 64);
        assert_ne!(t, new_refresh_token());
        assert_eq!(hash_refresh_token(&t), hash_refresh_token(&t));
        assert_ne!(hash_refresh_token(&t), t);
        assert_eq!(
            hash_refresh_token("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
