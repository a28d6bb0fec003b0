//! Access tokens signed with an arbitrary secret, for tests that need expired, tampered or
//! foreign-tenant tokens. It signs the way `shared::auth::jwt::JwtKeys::issue` does under the default
//! configuration (`ALGORITHM` unset, so HS256): a JWT header with `alg: HS256` and
//! `shared::auth::jwt::Claims` as the payload.

use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use shared::auth::jwt::Claims;

/// Sign `claims` with HS256 and `secret`. Panics if signing fails (it cannot for HMAC keys), so a
/// test never goes on with an empty token.
pub fn sign_with_secret(claims: &Claims, secret: &str) -> String {
    match encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    ) {
        Ok(token) => token,
        Err(e) => panic!("signing test claims: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::auth::jwt::JwtKeys;
    use shared::config::Config;

    fn keys(secret: &str) -> JwtKeys {
        let secret = secret.to_string();
        JwtKeys::from_config(
            &Config::from_lookup(|k| (k == "SECRET_KEY").then(|| secret.clone())).unwrap(),
        )
    }

    #[test]
    fn tokens_verify_with_shared_keys_of_the_same_secret_only() {
        let k = keys("testkit-secret");
        let (_, mut claims) = k.issue("alice", 7, 3, "admin").unwrap();
        claims.tenant_id = 4;
        let token = sign_with_secret(&claims, "testkit-secret");
        assert_eq!(k.verify(&token).unwrap(), claims);
        assert!(keys("another-secret").verify(&token).is_err());
    }

    #[test]
    fn expired_claims_sign_but_do_not_verify() {
        let k = keys("testkit-secret");
        let (_, mut claims) = k.issue("alice", 7, 3, "admin").unwrap();
        claims.exp = claims.iat - 10;
        assert!(
            k.verify(&sign_with_secret(&claims, "testkit-secret"))
                .is_err()
        );
    }
}
