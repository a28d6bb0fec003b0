//! TLS for database connections. The URL's `sslmode` decides whether it is used (`prefer`, the
//! default, falls back to plain text when the server offers no TLS, as a local server does;
//! `require`, and libpq's `verify-ca`/`verify-full`, insist: see `db::parse_url`).
//!
//! Whenever TLS is used, rustls verifies the server's chain and host name. Trusted roots:
//! - the public web PKI (`webpki-roots`): RDS Proxy presents ACM certificates;
//! - Amazon's RDS root CAs, embedded (`shared/certs/rds-roots.pem`): a direct RDS connection
//!   verifies without any bundle in the function's environment;
//! - the PEM certificates in `DATABASE_CA_PEM`, if set (another CA, a private proxy).
//!
//! The bundle is parsed on the first connection a process opens, not at cold start: functions that
//! never reach the database never pay for it.

use std::sync::{Arc, OnceLock};

use rustls::RootCertStore;
use rustls::pki_types::{CertificateDer, pem::PemObject};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::error::DbError;

/// Self-signed RDS roots only, one per region and key type, with `#` comment lines between the PEM
/// blocks (the PEM reader skips text outside them). `infra/scripts/update-rds-roots.py` rewrites it.
const RDS_ROOTS_PEM: &str = include_str!("../../certs/rds-roots.pem");

/// The variable whose PEM text adds trusted CAs.
pub(super) const CA_PEM_VAR: &str = "DATABASE_CA_PEM";

/// The connector of this process: the base roots plus `DATABASE_CA_PEM`, built on first use.
pub(super) fn from_env() -> Result<MakeRustlsConnect, DbError> {
    static CONFIG: OnceLock<Result<rustls::ClientConfig, String>> = OnceLock::new();
    let config = CONFIG.get_or_init(|| {
        let extra = std::env::var(CA_PEM_VAR).ok();
        client_config(extra.as_deref().map(|pem| (CA_PEM_VAR, pem)))
    });
    match config {
        Ok(c) => Ok(MakeRustlsConnect::new(c.clone())),
        Err(e) => Err(unavailable(e.clone())),
    }
}

/// A connector trusting the base roots plus the CAs in `ca_pem`, ignoring `DATABASE_CA_PEM`: for
/// callers that bring their own CA (tests). Not cached.
pub(super) fn with_ca(ca_pem: &str) -> Result<MakeRustlsConnect, DbError> {
    client_config(Some(("the given CA PEM", ca_pem)))
        .map(MakeRustlsConnect::new)
        .map_err(unavailable)
}

fn unavailable(context: String) -> DbError {
    DbError::Unavailable {
        context,
        source: None,
    }
}

/// The roots every connection trusts: the web PKI and the embedded RDS roots, parsed once.
fn base_roots() -> Result<&'static RootCertStore, String> {
    static ROOTS: OnceLock<Result<RootCertStore, String>> = OnceLock::new();
    ROOTS
        .get_or_init(|| {
            let mut roots = RootCertStore::empty();
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            add_pem(&mut roots, "the embedded RDS roots", RDS_ROOTS_PEM)?;
            Ok(roots)
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// The client configuration on the ring provider; `extra` is (where it came from, PEM text).
fn client_config(extra: Option<(&str, &str)>) -> Result<rustls::ClientConfig, String> {
    let mut roots = base_roots()?.clone();
    if let Some((source, pem)) = extra {
        add_pem(&mut roots, source, pem)?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map(|b| b.with_root_certificates(roots).with_no_client_auth())
        .map_err(|e| format!("TLS configuration: {e}"))
}

/// Add every certificate of `pem` as a trust anchor; any that does not parse fails the whole set,
/// so a truncated bundle is noticed rather than half-trusted. Returns how many were added.
fn add_pem(roots: &mut RootCertStore, source: &str, pem: &str) -> Result<usize, String> {
    let mut added = 0;
    for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
        let cert = cert.map_err(|e| format!("{source}: {e}"))?;
        roots.add(cert).map_err(|e| format!("{source}: {e}"))?;
        added += 1;
    }
    Ok(added)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The DER of `CN=<cn>` inside a Name: the commonName OID (2.5.4.3) and the value as a
    /// PrintableString or UTF8String, so a longer CN containing `cn` does not match.
    fn has_common_name(subject: &[u8], cn: &str) -> bool {
        let Ok(len) = u8::try_from(cn.len()) else {
            return false;
        };
        [0x13u8, 0x0c].iter().any(|tag| {
            let mut needle = vec![0x06, 0x03, 0x55, 0x04, 0x03, *tag, len];
            needle.extend_from_slice(cn.as_bytes());
            subject.windows(needle.len()).any(|w| w == needle)
        })
    }

    #[test]
    fn the_embedded_bundle_yields_87_rds_roots() {
        assert_eq!(
            RDS_ROOTS_PEM.matches("-----BEGIN CERTIFICATE-----").count(),
            87
        );
        let mut roots = RootCertStore::empty();
        let added = add_pem(&mut roots, "bundle", RDS_ROOTS_PEM).unwrap();
        assert_eq!(added, 87, "every PEM block parses");
        assert_eq!(roots.len(), 87, "every certificate is a trust anchor");
        for cn in [
            "Amazon RDS eu-west-1 Root CA RSA2048 G1",
            "Amazon RDS eu-west-1 Root CA RSA4096 G1",
            "Amazon RDS eu-west-1 Root CA ECC384 G1",
        ] {
            let found = roots
                .roots
                .iter()
                .filter(|a| has_common_name(a.subject.as_ref(), cn))
                .count();
            assert_eq!(found, 1, "{cn}");
        }
        // Positive control of the matcher's exactness: a prefix of a real CN is not one.
        assert!(
            !roots
                .roots
                .iter()
                .any(|a| has_common_name(a.subject.as_ref(), "Amazon RDS eu-west-1 Root CA"))
        );
    }

    #[test]
    fn every_connection_trusts_the_web_pki_and_the_rds_roots() {
        let base = base_roots().unwrap();
        assert_eq!(base.len(), webpki_roots::TLS_SERVER_ROOTS.len() + 87);
    }

    #[test]
    fn extra_pem_adds_to_the_roots_and_garbage_is_refused() {
        let ca = rcgen::generate_simple_self_signed(vec!["ca.test".to_string()]).unwrap();
        let mut roots = RootCertStore::empty();
        assert_eq!(add_pem(&mut roots, "X", &ca.cert.pem()).unwrap(), 1);
        client_config(Some(("X", &ca.cert.pem()))).unwrap();

        let truncated = &ca.cert.pem()[..200];
        let e = client_config(Some(("DATABASE_CA_PEM", truncated))).unwrap_err();
        assert!(e.starts_with("DATABASE_CA_PEM: "), "{e}");
        // Text without any PEM block adds nothing (and is not an error: a comment-only value).
        assert_eq!(add_pem(&mut roots, "X", "# nothing here\n").unwrap(), 0);
    }
}
