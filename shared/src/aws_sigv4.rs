//! AWS Signature Version 4 (`AWS4-HMAC-SHA256`, header form) for the one AWS call a function makes:
//! `secrets::fetch`'s `GetSecretValue`. Written here rather than taken from the SDK because the
//! SDK's signer (`aws-sigv4`) comes with the smithy runtime, and that runtime was most of the
//! 5.8 MB each binary paid for reading one secret (docs/deploying.md, "Reading the secret").
//!
//! Only what a JSON-protocol POST needs: no query parameters to encode (the caller passes the
//! canonical query string, empty for Secrets Manager), no S3 rules (no `x-amz-content-sha256`, no
//! double path encoding), no chunked or presigned form. `verify` is the service's side of the same
//! computation, for the tests' Secrets Manager stubs.

use std::collections::BTreeMap;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

type HmacSha256 = Hmac<Sha256>;

/// A request as it is signed.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub method: &'a str,
    /// The canonical URI: the path, already URI-encoded (`/` for the JSON protocols).
    pub path: &'a str,
    /// The canonical query string (sorted, encoded), empty when there is none.
    pub query: &'a str,
    /// The headers to sign, names in any case. They must include `host` and `x-amz-date`.
    pub headers: &'a [(&'a str, &'a str)],
    pub body: &'a [u8],
}

/// Who signs, and for which region and service.
#[derive(Clone, Copy)]
pub struct Signer<'a> {
    pub access_key_id: &'a str,
    pub secret_access_key: &'a str,
    pub region: &'a str,
    pub service: &'a str,
}

impl std::fmt::Debug for Signer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("access_key_id", &self.access_key_id)
            .field("region", &self.region)
            .field("service", &self.service)
            .finish_non_exhaustive()
    }
}

fn hmac(key: &[u8], msg: &[u8]) -> [u8; 32] {
    // HMAC takes a key of any length (a longer one is hashed first): this never fails.
    let Ok(mut mac) = HmacSha256::new_from_slice(key) else {
        unreachable!("HMAC-SHA256 accepts keys of any length")
    };
    mac.update(msg);
    mac.finalize().into_bytes().into()
}

fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// The key for one day, region and service: `kSigning` of the specification.
pub fn signing_key(secret_access_key: &str, date: &str, region: &str, service: &str) -> [u8; 32] {
    let k_date = hmac(
        format!("AWS4{secret_access_key}").as_bytes(),
        date.as_bytes(),
    );
    let k_region = hmac(&k_date, region.as_bytes());
    let k_service = hmac(&k_region, service.as_bytes());
    hmac(&k_service, b"aws4_request")
}

/// The canonical request and its `SignedHeaders` list. Header names are lower-cased and sorted,
/// values trimmed with inner runs of spaces collapsed; a name given twice gets its values joined
/// with commas, as the specification says.
pub fn canonical_request(req: &Request<'_>) -> (String, String) {
    let mut headers: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in req.headers {
        headers
            .entry(name.trim().to_ascii_lowercase())
            .or_default()
            .push(value.split_whitespace().collect::<Vec<_>>().join(" "));
    }
    let canonical_headers: String = headers
        .iter()
        .map(|(name, values)| format!("{name}:{}\n", values.join(",")))
        .collect();
    let signed = headers
        .keys()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(";");
    let canonical = format!(
        "{}\n{}\n{}\n{canonical_headers}\n{signed}\n{}",
        req.method,
        req.path,
        req.query,
        sha256_hex(req.body)
    );
    (canonical, signed)
}

/// `date/region/service/aws4_request`, where `date` is the day of `amz_date`.
fn scope(amz_date: &str, region: &str, service: &str) -> String {
    let date = amz_date.get(..8).unwrap_or(amz_date);
    format!("{date}/{region}/{service}/aws4_request")
}

/// The string to sign, for a request at `amz_date` (`YYYYMMDD'T'HHMMSS'Z'`, the `x-amz-date`).
pub fn string_to_sign(amz_date: &str, scope: &str, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{amz_date}\n{scope}\n{}",
        sha256_hex(canonical_request.as_bytes())
    )
}

impl Signer<'_> {
    /// The `Authorization` header for `req`, made at `amz_date` (the value of its `x-amz-date`).
    pub fn authorization(&self, amz_date: &str, req: &Request<'_>) -> String {
        let (canonical, signed) = canonical_request(req);
        let scope = scope(amz_date, self.region, self.service);
        let key = signing_key(
            self.secret_access_key,
            amz_date.get(..8).unwrap_or(amz_date),
            self.region,
            self.service,
        );
        let signature = hex::encode(hmac(
            &key,
            string_to_sign(amz_date, &scope, &canonical).as_bytes(),
        ));
        format!(
            "{ALGORITHM} Credential={}/{scope}, SignedHeaders={signed}, Signature={signature}",
            self.access_key_id
        )
    }
}

/// What the service does with a signed request: check that it is scoped to `expected`'s key id,
/// region and service, recompute the signature from the request as received with `expected`'s
/// secret key, and compare. `received` carries every header that arrived; only those the
/// `Authorization` header names as signed are used. `Ok` gives the signed header names; `Err`
/// says why the request would be refused.
pub fn verify(
    received: &Request<'_>,
    authorization: &str,
    expected: &Signer<'_>,
) -> Result<Vec<String>, String> {
    let fields = authorization
        .strip_prefix(ALGORITHM)
        .ok_or("not an AWS4-HMAC-SHA256 Authorization header")?;
    let field = |name: &str| {
        fields
            .split(',')
            .filter_map(|f| f.trim().strip_prefix(name)?.strip_prefix('='))
            .next()
            .ok_or(format!("no {name} in the Authorization header"))
    };
    let credential = field("Credential")?;
    let signed: Vec<String> = field("SignedHeaders")?
        .split(';')
        .map(str::to_string)
        .collect();
    let mut scope = credential.split('/');
    let (Some(key_id), Some(date), Some(region), Some(service), Some("aws4_request"), None) = (
        scope.next(),
        scope.next(),
        scope.next(),
        scope.next(),
        scope.next(),
        scope.next(),
    ) else {
        return Err(format!("malformed Credential {credential}"));
    };
    if key_id != expected.access_key_id {
        return Err(format!("unknown access key id {key_id}"));
    }
    if (region, service) != (expected.region, expected.service) {
        return Err(format!(
            "scoped to {region}/{service}, not {}/{}",
            expected.region, expected.service
        ));
    }
    for required in ["host", "x-amz-date"] {
        if !signed.iter().any(|s| s == required) {
            return Err(format!("{required} is not signed"));
        }
    }
    let mut headers = Vec::new();
    for name in &signed {
        let values: Vec<(&str, &str)> = received
            .headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .copied()
            .collect();
        if values.is_empty() {
            return Err(format!("signed header {name} is missing"));
        }
        headers.extend(values);
    }
    let amz_date = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("x-amz-date"))
        .map(|(_, v)| *v)
        .unwrap_or_default();
    if amz_date.get(..8) != Some(date) {
        return Err(format!(
            "x-amz-date {amz_date} is not of the Credential's day {date}"
        ));
    }
    let recomputed = expected.authorization(
        amz_date,
        &Request {
            headers: &headers,
            ..*received
        },
    );
    if recomputed != authorization {
        return Err("the signature does not match".into());
    }
    Ok(signed)
}

/// `verify` for a request as an HTTP server reads it off the wire: its target (path, then any
/// query) and its headers, `Authorization` among them.
pub fn verify_received(
    method: &str,
    target: &str,
    headers: &[(String, String)],
    body: &[u8],
    expected: &Signer<'_>,
) -> Result<Vec<String>, String> {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let headers: Vec<(&str, &str)> = headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let authorization = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
        .map(|(_, v)| *v)
        .ok_or("no Authorization header")?;
    let received = Request {
        method,
        path,
        query,
        headers: &headers,
        body,
    };
    verify(&received, authorization, expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    // AWS's worked example (IAM user guide, "Create a signed AWS API request"; the same request as
    // the General Reference's former Signature Version 4 walkthrough): ListUsers, signed on
    // 2015-08-30 with the documentation's example credentials.
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    const AMZ_DATE: &str = "20150830T123600Z";
    const LIST_USERS_HEADERS: &[(&str, &str)] = &[
        ("Host", "iam.amazonaws.com"),
        (
            "Content-Type",
            "application/x-www-form-urlencoded; charset=utf-8",
        ),
        ("X-Amz-Date", AMZ_DATE),
    ];

    fn list_users() -> Request<'static> {
        Request {
            method: "GET",
            path: "/",
            query: "Action=ListUsers&Version=2010-05-08",
            headers: LIST_USERS_HEADERS,
            body: b"",
        }
    }

    const IAM: Signer<'static> = Signer {
        access_key_id: "AKIDEXAMPLE",
        secret_access_key: SECRET,
        region: "us-east-1",
        service: "iam",
    };

    #[test]
    fn the_signing_key_is_the_published_one() {
        assert_eq!(
            hex::encode(signing_key(SECRET, "20150830", "us-east-1", "iam")),
            "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"
        );
    }

    #[test]
    fn the_published_example_signs_to_the_published_values() {
        let (canonical, signed) = canonical_request(&list_users());
        assert_eq!(
            canonical,
            "GET\n/\nAction=ListUsers&Version=2010-05-08\n\
             content-type:application/x-www-form-urlencoded; charset=utf-8\n\
             host:iam.amazonaws.com\n\
             x-amz-date:20150830T123600Z\n\
             \n\
             content-type;host;x-amz-date\n\
             e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(signed, "content-type;host;x-amz-date");
        // The published hash of that canonical request.
        assert_eq!(
            sha256_hex(canonical.as_bytes()),
            "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"
        );
        assert_eq!(
            string_to_sign(AMZ_DATE, "20150830/us-east-1/iam/aws4_request", &canonical),
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\n\
             f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"
        );
        assert_eq!(
            IAM.authorization(AMZ_DATE, &list_users()),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, \
             SignedHeaders=content-type;host;x-amz-date, \
             Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
        );
    }

    #[test]
    fn header_names_and_spacing_do_not_change_the_signature() {
        let messy: &[(&str, &str)] = &[
            ("x-amz-date", AMZ_DATE),
            (
                "  CONTENT-type",
                "  application/x-www-form-urlencoded;   charset=utf-8 ",
            ),
            ("HOST", "iam.amazonaws.com"),
        ];
        let req = Request {
            headers: messy,
            ..list_users()
        };
        assert_eq!(
            IAM.authorization(AMZ_DATE, &req),
            IAM.authorization(AMZ_DATE, &list_users())
        );
    }

    #[test]
    fn verify_accepts_the_signed_request_and_refuses_any_change() {
        let auth = IAM.authorization(AMZ_DATE, &list_users());
        // Unsigned headers may be added on the way (a proxy, the HTTP client).
        let mut received = LIST_USERS_HEADERS.to_vec();
        received.push(("Content-Length", "0"));
        let req = Request {
            headers: &received,
            ..list_users()
        };
        assert_eq!(
            verify(&req, &auth, &IAM),
            Ok(vec![
                "content-type".to_string(),
                "host".into(),
                "x-amz-date".into()
            ])
        );

        // The service holds other credentials, or expects another scope.
        for (expected, why) in [
            (
                Signer {
                    secret_access_key: "another-secret",
                    ..IAM
                },
                "does not match",
            ),
            (
                Signer {
                    access_key_id: "AKIDOTHER",
                    ..IAM
                },
                "unknown access key id",
            ),
            (
                Signer {
                    region: "eu-west-1",
                    ..IAM
                },
                "scoped to us-east-1/iam",
            ),
            (
                Signer {
                    service: "secretsmanager",
                    ..IAM
                },
                "not us-east-1/secretsmanager",
            ),
        ] {
            let e = verify(&req, &auth, &expected).unwrap_err();
            assert!(e.contains(why), "{expected:?}: {e}");
        }
        let body = Request {
            body: b"Action=DeleteUser",
            ..req
        };
        assert!(verify(&body, &auth, &IAM).is_err());
        let query = Request {
            query: "Action=ListUsers&Version=2010-05-09",
            ..req
        };
        assert!(verify(&query, &auth, &IAM).is_err());
        let other_host: &[(&str, &str)] = &[
            ("Host", "iam.example.com"),
            (
                "Content-Type",
                "application/x-www-form-urlencoded; charset=utf-8",
            ),
            ("X-Amz-Date", AMZ_DATE),
        ];
        let moved = Request {
            headers: other_host,
            ..req
        };
        assert!(verify(&moved, &auth, &IAM).is_err());
        let missing = Request {
            headers: &LIST_USERS_HEADERS[..2],
            ..req
        };
        let e = verify(&missing, &auth, &IAM).unwrap_err();
        assert!(e.contains("x-amz-date is missing"), "{e}");
    }

    #[test]
    fn verify_requires_host_and_date_to_be_signed() {
        let headers: &[(&str, &str)] = &[("Host", "iam.amazonaws.com"), ("X-Amz-Date", AMZ_DATE)];
        let req = Request {
            headers,
            ..list_users()
        };
        let signed_date_only = Request {
            headers: &headers[1..],
            ..req
        };
        let auth = IAM.authorization(AMZ_DATE, &signed_date_only);
        let e = verify(&req, &auth, &IAM).unwrap_err();
        assert!(e.contains("host is not signed"), "{e}");
        // Positive control: both signed.
        let auth = IAM.authorization(AMZ_DATE, &req);
        assert!(verify(&req, &auth, &IAM).is_ok());
    }

    #[test]
    fn the_signer_never_shows_its_secret() {
        let debug = format!("{IAM:?}");
        assert!(
            debug.contains("AKIDEXAMPLE") && !debug.contains(SECRET),
            "{debug}"
        );
    }

    #[test]
    fn verify_received_reads_the_request_as_it_arrived() {
        let auth = IAM.authorization(AMZ_DATE, &list_users());
        let mut headers: Vec<(String, String)> = LIST_USERS_HEADERS
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        headers.push(("authorization".into(), auth));
        let target = "/?Action=ListUsers&Version=2010-05-08";
        assert!(verify_received("GET", target, &headers, b"", &IAM).is_ok());
        assert!(verify_received("POST", target, &headers, b"", &IAM).is_err());
        assert!(verify_received("GET", "/", &headers, b"", &IAM).is_err());
        headers.pop();
        let e = verify_received("GET", target, &headers, b"", &IAM).unwrap_err();
        assert!(e.contains("no Authorization"), "{e}");
    }
}
