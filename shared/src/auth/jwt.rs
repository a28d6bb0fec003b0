//! Access tokens: HMAC JWTs with the algorithm pinned by configuration. `alg: none`, another HMAC
//! size or an asymmetric algorithm in the header are all rejected, because validation accepts exactly
//! one algorithm.

use chrono::Utc;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};

use crate::config::{Config, JwtAlgorithm};

/// How far ahead of this clock a token's `iat` may be.
pub const MAX_CLOCK_SKEW_SECONDS: i64 = 60;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Claims {
    /// The username.
    pub sub: String,
    pub user_id: i64,
    pub tenant_id: i64,
    /// The role's name when the token was issued (informational; permissions are read from the database).
    pub role: String,
    pub iat: i64,
    /// `iat` in milliseconds: "revoke all" compares against it, so a token issued in the same second
    /// just before a logout is rejected while one issued just after it is accepted.
    pub iat_ms: i64,
    pub exp: i64,
    pub jti: String,
}

#[derive(Debug, thiserror::Error)]
pub enum JwtError {
    #[error("token invalid: {0}")]
    Invalid(String),
    #[error("token could not be signed: {0}")]
    Sign(String),
}

#[derive(Clone)]
pub struct JwtKeys {
    algorithm: Algorithm,
    encoding: EncodingKey,
    decoding: DecodingKey,
    lifetime_minutes: i64,
}

impl std::fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtKeys")
            .field("algorithm", &self.algorithm)
            .finish()
    }
}

impl JwtKeys {
    pub fn from_config(config: &Config) -> Self {
        let secret = config.secret_key.expose().as_bytes();
        JwtKeys {
            algorithm: match config.algorithm {
                JwtAlgorithm::HS256 => Algorithm::HS256,
                JwtAlgorithm::HS384 => Algorithm::HS384,
                JwtAlgorithm::HS512 => Algorithm::HS512,
            },
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            lifetime_minutes: config.access_token_expire_minutes,
        }
    }

    pub fn issue(
        &self,
        username: &str,
        user_id: i64,
        tenant_id: i64,
        role: &str,
    ) -> Result<(String, Claims), JwtError> {
        let now_ms = Utc::now().timestamp_millis();
        let now = now_ms.div_euclid(1000);
        let claims = Claims {
            sub: username.to_string(),
            user_id,
            tenant_id,
            role: role.to_string(),
            iat: now,
            iat_ms: now_ms,
            exp: now + self.lifetime_minutes * 60,
            jti: super::random_token_hex(16),
        };
        let token = encode(&Header::new(self.algorithm), &claims, &self.encoding)
            .map_err(|e| JwtError::Sign(e.to_string()))?;
        Ok((token, claims))
    }

    pub fn verify(&self, token: &str) -> Result<Claims, JwtError> {
        let mut v = Validation::new(self.algorithm);
        v.leeway = 0;
        v.validate_exp = true;
        v.set_required_spec_claims(&["exp", "sub", "iat"]);
        let claims = decode::<Claims>(token, &self.decoding, &v)
            .map(|d| d.claims)
            .map_err(|e| JwtError::Invalid(e.to_string()))?;
        // We issue every token ourselves, so one from the future was not: a clock a little ahead
        // on another container is tolerated, a forged far-future `iat` (which would outlive a
        // "revoke all") is not.
        if claims.iat > Utc::now().timestamp() + MAX_CLOCK_SKEW_SECONDS {
            return Err(JwtError::Invalid("token issued in the future".into()));
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn keys(pairs: &[(&str, &str)]) -> JwtKeys {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        JwtKeys::from_config(&Config::from_lookup(|k| map.get(k).cloned()).unwrap())
    }

    fn b64url(s: &str) -> String {
        // Small, test-only base64url without padding.
        const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let bytes = s.as_bytes();
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..=chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            }
        }
        out
    }

    #[test]
    fn issued_tokens_verify_and_carry_all_claims() {
        let k = keys(&[("SECRET_KEY", "a-secret")]);
        let (t, c) = k.issue("alice", 7, 3, "admin").unwrap();
        let back = k.verify(&t).unwrap();
        assert_eq!(back, c);
        assert_eq!(back.exp - back.iat, 30 * 60);
        assert_eq!(back.jti.len(), 32);
    }

    #[test]
    fn wrong_key_is_rejected() {
        let (t, _) = keys(&[("SECRET_KEY", "one")])
            .issue("a", 1, 1, "staff")
            .unwrap();
        assert!(keys(&[("SECRET_KEY", "two")]).verify(&t).is_err());
    }

    #[test]
    fn alg_none_is_rejected() {
        let k = keys(&[]);
        let now = Utc::now().timestamp();
        let header = b64url(r#"{"alg":"none","typ":"JWT"}"#);
        let payload = b64url(&format!(
            r#"{{"sub":"a","user_id":1,"tenant_id":1,"role":"admin","iat":{now},"iat_ms":0,"exp":{}, "jti":"x"}}"#,
            now + 600
        ));
        assert!(k.verify(&format!("{header}.{payload}.")).is_err());
    }

    #[test]
    fn algorithm_switching_is_rejected() {
        let (t, _) = keys(&[("ALGORITHM", "HS512")])
            .issue("a", 1, 1, "staff")
            .unwrap();
        assert!(
            keys(&[]).verify(&t).is_err(),
            "an HS512 token must not pass HS256 validation"
        );
    }

    #[test]
    fn expired_tokens_are_rejected() {
        let k = keys(&[]);
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: "a".into(),
            user_id: 1,
            tenant_id: 1,
            role: "staff".into(),
            iat: now - 3600,
            iat_ms: (now - 3600) * 1000,
            exp: now - 1,
            jti: "j".into(),
        };
        let t = encode(&Header::new(Algorithm::HS256), &claims, &k.encoding).unwrap();
        assert!(k.verify(&t).is_err());
    }

    #[test]
    fn tokens_issued_in_the_future_are_rejected_beyond_the_skew() {
        let k = keys(&[]);
        let now = Utc::now().timestamp();
        let token = |iat: i64| {
            let claims = Claims {
                sub: "a".into(),
                user_id: 1,
                tenant_id: 1,
                role: "staff".into(),
                iat,
                iat_ms: iat * 1000,
                exp: iat + 3600,
                jti: "j".into(),
            };
            encode(&Header::new(Algorithm::HS256), &claims, &k.encoding).unwrap()
        };
        // A clock half a minute ahead is tolerated; ten minutes is a forgery or a broken clock.
        assert!(k.verify(&token(now + 30)).is_ok());
        let e = k.verify(&token(now + 600)).unwrap_err();
        assert!(e.to_string().contains("future"), "{e}");
    }
}
